/**
 * Encryption at rest of log records (docs/LOG-FORMAT.md "At rest"): AES-128 in counter
 * mode with CCM-format counter blocks (firmware/crypto/ctr.ts: native AES-CCM on Bangle.js 2,
 * aesEncryptBlock elsewhere; never Espruino's own CTR, which ignores the IV), for the 13-byte nonce
 *   page seq u32 LE | page nonce u32 LE | record offset u16 LE | 0 x 3
 * (counter block i = 01 | nonce | i u16 BE, i = 1, 2, ...). Every (page seq, nonce, offset) is
 * used once per key, so no keystream is ever reused; erasing the per-token key file makes every
 * page unreadable at once.
 */
import { fromHex, toHex, writeU32LE } from "../../common/bytes";
import { ctrXor } from "../crypto/ctr";
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

/** The 13-byte nonce, reused (ctrXor copies it before returning). */
const n = new Uint8Array(13);

/** XOR `data` (a record body) in place with the keystream of one record. */
export function cryptRecord(key: Uint8Array, data: Uint8Array, seq: number, nonce: number, offset: number): void {
  writeU32LE(n, 0, seq);
  writeU32LE(n, 4, nonce);
  n[8] = offset & 255;
  n[9] = offset >> 8;
  data.set(ctrXor(key, n, data));
}
