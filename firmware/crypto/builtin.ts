/**
 * The board's own crypto (Espruino libs/crypto/jswrap_crypto.c, docs/spec/espruino-platform.md section 3):
 * SHA256 on Puck.js, MDBT42Q and Bangle.js 2; AES on Puck.js only. Both return ArrayBuffers.
 * Only AES "ECB" is used: Espruino's CTR mode ignores the IV, so the AEM is built from ECB (gaen.ts).
 */

export function sha256Builtin(message: Uint8Array): Uint8Array {
  return new Uint8Array(require("crypto").SHA256(message));
}

export function aes128EncryptBlockBuiltin(key: Uint8Array, block: Uint8Array): Uint8Array {
  return new Uint8Array(require("crypto").AES.encrypt(block, key, { mode: "ECB" }));
}
