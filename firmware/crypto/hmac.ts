/** HMAC-SHA256 (RFC 2104 / FIPS 198-1) over this board's SHA-256; Espruino has no built-in HMAC. */
import { u8 } from "../../common/bytes";
import { sha256 } from "./primitives";

/** HMAC-SHA256(key, message): 32 bytes. Keys longer than 64 bytes are hashed first (RFC 2104 section 2). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  var k = key.length > 64 ? sha256(key) : key;
  var inner = u8(64 + message.length);
  var outer = u8(96);
  for (var i = 0; i < 64; i++) {
    var b = k[i] | 0; // past the key: undefined, so 0
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(message, 64);
  outer.set(sha256(inner), 64);
  return sha256(outer);
}
