/** HMAC-SHA256 (RFC 2104 / FIPS 198-1) over this board's SHA-256; Espruino has no built-in HMAC. */
import { checkBytes } from "./check";
import { sha256 } from "./primitives";

const BLOCK = 64;

/** HMAC-SHA256(key, message): 32 bytes. Keys longer than 64 bytes are hashed first (RFC 2104 section 2). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  checkBytes("key", key, -1);
  checkBytes("message", message, -1);
  const k = key.length > BLOCK ? sha256(key) : key;
  const inner = new Uint8Array(BLOCK + message.length);
  const outer = new Uint8Array(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(message, BLOCK);
  outer.set(sha256(inner), BLOCK);
  return sha256(outer);
}
