/**
 * The sync format's crypto on the host (common/formats/syncMessages.ts SyncPrimitives), from the
 * audited @noble libraries: HMAC-SHA256, HKDF-SHA256 (RFC 5869), AES-128-CTR (SP 800-38A) started at
 * the first CCM counter block 0x01 | nonce | 0x0001, which gives the firmware's ctrXor keystream.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ctr } from "@noble/ciphers/aes.js";
import { randomBytes } from "node:crypto";
import type { SyncPrimitives } from "../../common/formats/syncMessages";

export const hostPrimitives: SyncPrimitives = {
  hmacSha256: (key, message) => hmac(sha256, key, message),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  ctrXor: (key, nonce13, data) => {
    const iv = new Uint8Array(16);
    iv[0] = 1;
    iv.set(nonce13, 1);
    iv[15] = 1;
    return ctr(key, iv).encrypt(data);
  },
};

/** Cryptographically random bytes (nonces, new shared secrets). */
export function randomBytesHost(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}
