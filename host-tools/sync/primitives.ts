/**
 * The sync format's crypto on the host (common/formats/syncMessages.ts SyncPrimitives), from the
 * audited @noble libraries: HMAC-SHA256, HKDF-SHA256 (RFC 5869), one AES-128 block (FIPS 197).
 */
import { hmac } from "@noble/hashes/hmac.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ecb } from "@noble/ciphers/aes.js";
import { randomBytes } from "node:crypto";
import type { SyncPrimitives } from "../../common/formats/syncMessages";

export const hostPrimitives: SyncPrimitives = {
  hmacSha256: (key, message) => hmac(sha256, key, message),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  aesEncryptBlock: (key, block) => ecb(key, { disablePadding: true }).encrypt(block),
};

/** Cryptographically random bytes (nonces, new shared secrets). */
export function randomBytesHost(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}
