/**
 * AES-128-CTR keystream with CCM-format counter blocks (NIST SP 800-38C A.3, 13-byte nonce):
 *   counter block i = 0x01 | nonce 13 | i u16 BE,  i = 1, 2, ...
 * i.e. exactly the bytes AES-CCM XORs onto its payload, so a board without an AES block function
 * but with native AES-CCM (Bangle.js 2: the global AES.ccmEncrypt) produces it natively (its tag is
 * computed and thrown away); elsewhere it is made block by block with aesEncryptBlock (built-in on
 * Puck.js, pure JS otherwise). Never Espruino's built-in CTR mode, which ignores the IV. Used by the
 * sync keystream (format in common/formats/syncMessages.ts) and the at-rest log (firmware/app/ringLog.ts).
 */
import { u8 } from "../../common/bytes";
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
  var n = data.length;
  // a board with the AES block function never looks (esbuild drops the branch: HAS_BUILTIN_AES is constant)
  if (!HAS_BUILTIN_AES && n && typeof AES !== "undefined" && AES.ccmEncrypt) {
    return u8(AES.ccmEncrypt(data, key16, nonce13, 4).data);
  }
  var out = u8(n);
  var block = u8(16);
  block[0] = 1; // flags: L - 1 = 1 (2-byte counter), so the nonce is 13 bytes
  block.set(nonce13, 1);
  for (var i = 0; i < n; i += 16) {
    block[15] = (i >> 4) + 1; // a typed array keeps the low byte
    block[14] = ((i >> 4) + 1) >> 8;
    var ks = aesEncryptBlock(key16, block);
    for (var j = 0; j < 16 && i + j < n; j++) out[i + j] = data[i + j] ^ ks[j];
  }
  return out;
}
