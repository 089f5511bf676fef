/**
 * SHA-256 and single-block AES-128 for this board: the built-in where the board's Espruino has it
 * (HAS_BUILTIN_SHA256 / HAS_BUILTIN_AES from boards/<id>.json crypto facts: SHA256 on Puck.js, MDBT42Q and
 * Bangle.js 2, AES on Puck.js only; Espruino's libs/crypto/jswrap_crypto.c), the pure ES5 code otherwise.
 * The constants are fixed at build time (esbuild `define`), so esbuild drops the branch (and module) this
 * board does not use. Host code importing this module must define them as globals first.
 * Only AES "ECB" of the built-in is used: Espruino's CTR mode ignores the IV (ctr.ts builds counter blocks).
 * No argument checks: every caller is the token's own code, with fixed sizes.
 */
import { u8 } from "../../common/bytes";
import { sha256Pure } from "./sha256";
import { aes128EncryptBlockPure } from "./aes128";

/** true when the board firmware has require("crypto").SHA256 (boards/<id>.json crypto.sha256); set by the build. */
declare const HAS_BUILTIN_SHA256: boolean;
/** true when the board firmware has require("crypto").AES with ECB (boards/<id>.json crypto.aesEcb); set by the build. */
declare const HAS_BUILTIN_AES: boolean;

/** SHA-256 digest (32 bytes) of a message of any length. */
export function sha256(message: Uint8Array): Uint8Array {
  return HAS_BUILTIN_SHA256 ? u8(require("crypto").SHA256(message)) : sha256Pure(message);
}

/** AES-128-ECB encryption of one 16-byte block with a 16-byte key. */
export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return HAS_BUILTIN_AES ? u8(require("crypto").AES.encrypt(block, key, { mode: "ECB" })) : aes128EncryptBlockPure(key, block);
}
