/**
 * `node:crypto` in the browser bundle: what the host modules call, from @noble (the same libraries
 * the host uses for the sync format) and the browser's own random source. Signatures are verified
 * with WebCrypto by the web app's key checker (web/src/check/webCryptoVerify.ts), never here:
 * `verify` and `sign` refuse, so nothing can silently skip a check.
 */
import { Buffer } from "buffer";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { ecb } from "@noble/ciphers/aes.js";

export function randomBytes(n: number): Buffer {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return Buffer.from(b);
}

export function randomInt(min: number, max?: number): number {
  if (max === undefined) { max = min; min = 0; }
  const range = max - min;
  const limit = Math.floor(0x100000000 / range) * range;
  const u = new Uint32Array(1);
  do crypto.getRandomValues(u); while (u[0] >= limit);
  return min + (u[0] % range);
}

export function randomUUID(): string {
  return crypto.randomUUID();
}

function bytesOf(d: string | Uint8Array): Uint8Array {
  return typeof d === "string" ? new TextEncoder().encode(d) : d;
}

export function createHash(alg: string) {
  const h = alg === "sha256" ? sha256.create() : alg === "sha512" ? sha512.create() : null;
  if (!h) throw new Error("hash " + alg + " is not available in the browser bundle");
  return {
    update(d: string | Uint8Array) {
      h.update(bytesOf(d));
      return this;
    },
    digest(enc?: string): Buffer | string {
      const out = Buffer.from(h.digest());
      return enc ? out.toString(enc as BufferEncoding) : out;
    },
  };
}

export function createHmac(alg: string, key: Uint8Array) {
  if (alg !== "sha256") throw new Error("hmac " + alg + " is not available in the browser bundle");
  const parts: Uint8Array[] = [];
  return {
    update(d: string | Uint8Array) {
      parts.push(bytesOf(d));
      return this;
    },
    digest(enc?: string): Buffer | string {
      const out = Buffer.from(hmac(sha256, key, Buffer.concat(parts)));
      return enc ? out.toString(enc as BufferEncoding) : out;
    },
  };
}

export function hkdfSync(digest: string, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): ArrayBuffer {
  if (digest !== "sha256") throw new Error("hkdf " + digest + " is not available in the browser bundle");
  return hkdf(sha256, ikm, salt, bytesOf(info), length).slice().buffer;
}

/** AES-128-ECB encryption without padding (the matcher's identifiers; host-tools/match/engine.ts). */
export function createCipheriv(alg: string, key: Uint8Array, _iv: unknown) {
  if (alg !== "aes-128-ecb") throw new Error("cipher " + alg + " is not available in the browser bundle");
  const c = ecb(key, { disablePadding: true });
  return {
    setAutoPadding(on: boolean) {
      if (on) throw new Error("only unpadded AES-ECB is available in the browser bundle");
      return this;
    },
    update(d: Uint8Array): Buffer {
      return Buffer.from(c.encrypt(d));
    },
    final(): Buffer {
      return Buffer.alloc(0);
    },
  };
}

const EC_PUBLIC_KEY_OID = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256_OID = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

function has(b: Uint8Array, seq: number[]): boolean {
  outer: for (let i = 0; i + seq.length <= b.length; i++) {
    for (let j = 0; j < seq.length; j++) if (b[i + j] !== seq[j]) continue outer;
    return true;
  }
  return false;
}

/** A public key as the host code sees a KeyObject; `spki` is what WebCrypto imports. */
export interface BrowserKeyObject {
  type: "public";
  asymmetricKeyType: string;
  asymmetricKeyDetails: { namedCurve?: string };
  spki: Uint8Array;
}

/** PEM text or { key: DER SubjectPublicKeyInfo } of an EC key; anything else throws. */
export function createPublicKey(input: string | { key: Uint8Array | string; format?: string; type?: string }): BrowserKeyObject {
  let der: Uint8Array;
  if (typeof input === "string") {
    const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(input);
    if (!m) throw new TypeError("not a PEM public key");
    der = Buffer.from(m[1].replace(/\s+/g, ""), "base64");
  } else {
    if (input.format !== "der" || input.type !== "spki") throw new TypeError("only DER SubjectPublicKeyInfo keys are read in the browser");
    der = typeof input.key === "string" ? Buffer.from(input.key, "base64") : input.key;
  }
  if (der.length < 20 || der[0] !== 0x30 || !has(der, EC_PUBLIC_KEY_OID)) throw new TypeError("not an EC public key");
  return { type: "public", asymmetricKeyType: "ec", asymmetricKeyDetails: has(der, P256_OID) ? { namedCurve: "prime256v1" } : {}, spki: new Uint8Array(der) };
}

export function verify(): never {
  throw new Error("signatures are verified with WebCrypto in the browser (web/src/check/webCryptoVerify.ts)");
}
export function sign(): never {
  throw new Error("the browser does not sign export files");
}
export function createPrivateKey(): never {
  throw new Error("the browser holds no private keys");
}

export const webcrypto = globalThis.crypto;

export default { randomBytes, randomInt, randomUUID, createHash, createHmac, hkdfSync, createCipheriv, createPublicKey, verify, sign, createPrivateKey, webcrypto };
