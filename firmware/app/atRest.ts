/**
 * Encryption at rest of log records (issue 4; docs/LOG-FORMAT.md "At rest"): AES-128 in counter
 * mode built from single-block AES (Espruino's own CTR ignores the IV, ESPRUINO.md section 3), with
 * our counter blocks
 *   page seq u32 LE | page nonce u32 LE | record offset u16 LE | block index u8 | 0 x 5
 * Every (page seq, nonce, offset) is used once per key, so no keystream is ever reused; erasing
 * the per-token key file makes every page unreadable at once.
 */
import { fromHex, toHex, writeU32LE } from "../../common/bytes";
import { aesEncryptBlock } from "../crypto/primitives";
import { randomBytes } from "./random";

import { storage } from "./builtins";
/** Storage file holding the per-token at-rest key (hex). */
export const AT_REST_FILE = "om.r";

/** The at-rest key, made on first use; null when the file is damaged (caller resets the log). */
export function atRestKey(create: boolean): Uint8Array | null {
  const t = storage().read(AT_REST_FILE);
  if (t && t.length === 32 && /^[0-9a-f]+$/.test(t)) return fromHex(t);
  if (!create) return null;
  const k = randomBytes(16);
  storage().write(AT_REST_FILE, toHex(k));
  return k;
}

/** XOR `data` in place with the keystream of one record. */
export function cryptRecord(key: Uint8Array, data: Uint8Array, seq: number, nonce: number, offset: number): void {
  const block = new Uint8Array(16);
  for (let i = 0; i < data.length; i += 16) {
    writeU32LE(block, 0, seq);
    writeU32LE(block, 4, nonce);
    block[8] = offset & 255;
    block[9] = offset >> 8;
    block[10] = i >> 4;
    const ks = aesEncryptBlock(key, block);
    for (let j = 0; j < 16 && i + j < data.length; j++) data[i + j] ^= ks[j];
  }
}
