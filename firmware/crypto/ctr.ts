/**
 * AES-128-CTR keystream with CCM-format counter blocks (NIST SP 800-38C A.3, 13-byte nonce):
 *   counter block i = 0x01 | nonce 13 | i u16 BE,  i = 1, 2, ...
 * i.e. exactly the bytes AES-CCM XORs onto its payload, so a board without an AES block function
 * but with native AES-CCM (Bangle.js 2: global AES.ccmEncrypt, docs/spec/espruino-platform.md section 3) produces it
 * natively (its tag is computed and thrown away); elsewhere it is made block by block with
 * aesEncryptBlock (built-in on Puck.js, pure JS otherwise). Never Espruino's built-in CTR mode,
 * which ignores the IV. Used by the sync keystream (firmware/sync/service.ts, format in
 * common/formats/syncMessages.ts) and the at-rest log encryption (firmware/app/atRest.ts).
 */
import { checkBytes } from "./check";
import { aesEncryptBlock } from "./primitives";

/** Bangle.js 2's firmware has the global AES (ccmEncrypt/ccmDecrypt); other boards do not. */
declare var AES: any;
/** Build-time constant (scripts/build-firmware.ts boardDefines), as in primitives.ts. */
declare const HAS_BUILTIN_AES: boolean;

/**
 * `data` XOR the keystream for `nonce13` under `key16`, as a new array (the same call encrypts and
 * decrypts). At most 65535 bytes: CCM's limit for a 13-byte nonce (2-byte length field).
 */
export function ctrXor(key16: Uint8Array, nonce13: Uint8Array, data: Uint8Array): Uint8Array {
  checkBytes("key", key16, 16);
  checkBytes("nonce", nonce13, 13);
  var n = data.length;
  if (n > 0xffff) throw new TypeError("data > 65535 bytes");
  // a board with the AES block function never looks (esbuild drops the branch: HAS_BUILTIN_AES is constant)
  if (!HAS_BUILTIN_AES && n && typeof AES !== "undefined" && AES.ccmEncrypt) {
    return new Uint8Array(AES.ccmEncrypt(data, key16, nonce13, 4).data);
  }
  var out = new Uint8Array(n);
  var block = new Uint8Array(16);
  block[0] = 1; // flags: L - 1 = 1 (2-byte counter), so the nonce is 13 bytes
  block.set(nonce13, 1);
  for (var i = 0; i * 16 < n; i++) {
    block[14] = (i + 1) >> 8;
    block[15] = (i + 1) & 255;
    var ks = aesEncryptBlock(key16, block);
    for (var j = 0; j < 16 && i * 16 + j < n; j++) out[i * 16 + j] = data[i * 16 + j] ^ ks[j];
  }
  return out;
}
