/**
 * SHA-256 (FIPS 180-4 section 6.2) in ES5 for boards whose firmware lacks require("crypto").SHA256
 * (Jolt.js, nRF52840 DK, Pixl.js: docs/spec/espruino-platform.md section 3). Tables live in typed arrays and
 * are made on first use, so this module costs nothing (and is tree-shaken) where the built-in exists.
 */
import { u8 } from "../../common/bytes";

/** Round constants K[0..63] (FIPS 180-4 section 4.2.2) as one hex string: smaller than 64 number literals. */
const K_HEX =
  "428a2f9871374491b5c0fbcfe9b5dba53956c25b59f111f1923f82a4ab1c5ed5" +
  "d807aa9812835b01243185be550c7dc372be5d7480deb1fe9bdc06a7c19bf174" +
  "e49b69c1efbe47860fc19dc6240ca1cc2de92c6f4a7484aa5cb0a9dc76f988da" +
  "983e5152a831c66db00327c8bf597fc7c6e00bf3d5a7914706ca635114292967" +
  "27b70a852e1b21384d2c6dfc53380d13650a7354766a0abb81c2c92e92722c85" +
  "a2bfe8a1a81a664bc24b8b70c76c51a3d192e819d6990624f40e3585106aa070" +
  "19a4c1161e376c082748774c34b0bcb5391c0cb34ed8aa4a5b9cca4f682e6ff3" +
  "748f82ee78a5636f84c878148cc7020890befffaa4506cebbef9a3f7c67178f2";

let K: Uint32Array | null = null;

function roundConstants(): Uint32Array {
  if (!K) {
    K = new Uint32Array(64);
    for (let i = 0; i < 64; i++) K[i] = parseInt(K_HEX.substr(i * 8, 8), 16);
  }
  return K;
}

/** SHA-256 digest (32 bytes) of `message`. */
export function sha256Pure(message: Uint8Array): Uint8Array {
  const k = roundConstants();
  const n = message.length;
  // message, 0x80, zeros, 64-bit big-endian bit length: a whole number of 64-byte blocks
  const total = ((n + 72) >> 6) << 6;
  const p = u8(total);
  p.set(message, 0);
  p[n] = 0x80;
  const hiBits = Math.floor(n / 0x20000000);
  const loBits = (n * 8) % 0x100000000;
  p[total - 8] = hiBits >>> 24; p[total - 7] = hiBits >>> 16; p[total - 6] = hiBits >>> 8; p[total - 5] = hiBits;
  p[total - 4] = loBits >>> 24; p[total - 3] = loBits >>> 16; p[total - 2] = loBits >>> 8; p[total - 1] = loBits;
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + 4 * i;
      w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + k[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  const out = u8(32);
  for (let i = 0; i < 8; i++) {
    const v = h[i];
    out[4 * i] = v >>> 24; out[4 * i + 1] = v >>> 16; out[4 * i + 2] = v >>> 8; out[4 * i + 3] = v;
  }
  return out;
}
