/**
 * HKDF-SHA256 (RFC 5869). A null salt means the RFC 5869 section 2.2 default, 32 zero bytes, which is
 * what GAEN's "salt = NULL" is (Exposure Notification cryptography specification v1.2).
 */
import { u8 } from "../../common/bytes";
import { hmacSha256 } from "./hmac";

/** HKDF-SHA256(ikm, salt, info) truncated to `length` bytes (RFC 5869 section 2.3: at most 255 * 32). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | null, info: Uint8Array, length: number): Uint8Array {
  var prk = hmacSha256(salt || u8(32), ikm);
  var out = u8(length);
  var t: Uint8Array = u8(0);
  for (var n = 1, off = 0; off < length; n++, off += 32) {
    var m = u8(t.length + info.length + 1);
    m.set(t, 0);
    m.set(info, t.length);
    m[m.length - 1] = n;
    t = hmacSha256(prk, m);
    out.set(t.subarray(0, length - off), off);
  }
  return out;
}
