/**
 * HKDF-SHA256 (RFC 5869). A null salt means the RFC 5869 section 2.2 default, 32 zero bytes,
 * which is what GAEN's "salt = NULL" is (docs/spec/gaen-protocol.md section 1).
 */
import { checkBytes } from "./check";
import { hmacSha256 } from "./hmac";

/** HKDF-SHA256(ikm, salt, info) truncated to `length` bytes, 1..8160 (RFC 5869 section 2.3: L <= 255 * HashLen). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | null, info: Uint8Array, length: number): Uint8Array {
  checkBytes("ikm", ikm, -1);
  if (salt !== null) checkBytes("salt", salt, -1);
  checkBytes("info", info, -1);
  if (typeof length !== "number" || !(length >= 1 && length <= 255 * 32) || Math.floor(length) !== length) {
    throw new TypeError("length must be an integer 1..8160, got " + length);
  }
  const prk = hmacSha256(salt === null ? new Uint8Array(32) : salt, ikm);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let counter = 1, off = 0; off < length; counter++, off += 32) {
    const m = new Uint8Array(t.length + info.length + 1);
    m.set(t, 0);
    m.set(info, t.length);
    m[m.length - 1] = counter;
    t = hmacSha256(prk, m);
    out.set(length - off < 32 ? t.subarray(0, length - off) : t, off);
  }
  return out;
}
