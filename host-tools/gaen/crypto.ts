/**
 * GAEN key derivation on the host, in two implementations that must agree:
 *
 *   reference  @noble/hashes + @noble/ciphers (audited, readable, browser-safe)
 *   fast       node:crypto (OpenSSL AES-NI), used by the matcher
 *
 * Formulas (GAEN crypto spec v1.2, docs/spec/gaen-protocol.md section 1):
 *   RPIK = HKDF-SHA256(IKM=TEK, salt=none (32 zero bytes), info="EN-RPIK", L=16)
 *   AEMK = HKDF-SHA256(TEK, none, "EN-AEMK", 16)
 *   RPI  = AES-128-ECB(RPIK, PaddedData(ENIN))
 *   AEM  = metadata XOR AES-128-ECB(AEMK, RPI)[0..3]   (= AES-CTR with IV = RPI)
 * Decrypting an AEM is the same XOR.
 */
import { createCipheriv, hkdfSync } from "node:crypto";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ecb } from "@noble/ciphers/aes.js";
import { asciiBytes } from "../../common/bytes";
import { INFO_AEMK, INFO_RPIK, paddedData } from "../../common/gaen/paddedData";

import type { GaenCrypto } from "../../common/gaen/crypto";

function check(name: string, b: Uint8Array, len: number): void {
  if (!(b instanceof Uint8Array)) throw new TypeError(name + " must be a Uint8Array");
  if (b.length !== len) throw new RangeError(name + " must be " + len + " bytes, got " + b.length);
}

function checkEnin(enin: number): void {
  if (!Number.isInteger(enin) || enin < 0 || enin > 0xffffffff) {
    throw new RangeError("enin must be an integer 0..4294967295, got " + enin);
  }
}

const RPIK_INFO = asciiBytes(INFO_RPIK);
const AEMK_INFO = asciiBytes(INFO_AEMK);

function xor4(a: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = a[i] ^ block[i];
  return out;
}

/** Reference implementation: noble. */
export const referenceCrypto: GaenCrypto = {
  name: "noble",
  rpik(tek) {
    check("tek", tek, 16);
    return hkdf(sha256, tek, undefined, RPIK_INFO, 16);
  },
  aemk(tek) {
    check("tek", tek, 16);
    return hkdf(sha256, tek, undefined, AEMK_INFO, 16);
  },
  rpi(rpik, enin) {
    check("rpik", rpik, 16);
    checkEnin(enin);
    return ecb(rpik, { disablePadding: true }).encrypt(paddedData(enin));
  },
  aem(aemk, rpi, metadata) {
    check("aemk", aemk, 16);
    check("rpi", rpi, 16);
    check("metadata", metadata, 4);
    return xor4(metadata, ecb(aemk, { disablePadding: true }).encrypt(rpi));
  },
};

function aesEcb(key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  const a = c.update(data);
  return new Uint8Array(a.buffer, a.byteOffset, a.length);
}

const ZERO_SALT = new Uint8Array(32);

/** Fast implementation: node:crypto. */
export const fastCrypto: GaenCrypto & {
  /** RPIs for `count` consecutive intervals from `firstEnin`, concatenated (16 x count bytes), one AES call. */
  rpiRange(rpik: Uint8Array, firstEnin: number, count: number): Uint8Array;
} = {
  name: "node:crypto",
  rpik(tek) {
    check("tek", tek, 16);
    return new Uint8Array(hkdfSync("sha256", tek, ZERO_SALT, RPIK_INFO, 16));
  },
  aemk(tek) {
    check("tek", tek, 16);
    return new Uint8Array(hkdfSync("sha256", tek, ZERO_SALT, AEMK_INFO, 16));
  },
  rpi(rpik, enin) {
    check("rpik", rpik, 16);
    checkEnin(enin);
    return aesEcb(rpik, paddedData(enin));
  },
  aem(aemk, rpi, metadata) {
    check("aemk", aemk, 16);
    check("rpi", rpi, 16);
    check("metadata", metadata, 4);
    return xor4(metadata, aesEcb(aemk, rpi));
  },
  rpiRange(rpik, firstEnin, count) {
    check("rpik", rpik, 16);
    checkEnin(firstEnin);
    checkEnin(firstEnin + count - 1);
    const blocks = new Uint8Array(16 * count);
    const pd = paddedData(0);
    for (let i = 0; i < count; i++) {
      const e = firstEnin + i;
      pd[12] = e & 0xff; pd[13] = (e >>> 8) & 0xff; pd[14] = (e >>> 16) & 0xff; pd[15] = (e >>> 24) & 0xff;
      blocks.set(pd, 16 * i);
    }
    return aesEcb(rpik, blocks);
  },
};
