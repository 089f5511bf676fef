/**
 * RPIK = HKDF-SHA256(IKM = TEK (16 bytes), salt = none, info = "EN-RPIK", L = 16), specialised
 * for the matcher's hot loop (docs/spec/gaen-protocol.md section 1; RFC 5869 with one output block):
 *
 *   PRK  = HMAC-SHA256(key = 32 zero bytes, TEK)
 *   RPIK = HMAC-SHA256(key = PRK, "EN-RPIK" || 0x01)[0..15]
 *
 * The zero-key HMAC's inner and outer states are fixed, so they are compressed once at load;
 * each key then costs exactly six SHA-256 compressions and no allocation. node:crypto's
 * hkdfSync costs ~16 us per call here (native call overhead); this costs ~2 us.
 * Kept equal to host-tools/gaen/crypto.ts (both implementations) by test/match/engine.test.ts.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule scratch (64 words). */
const W = new Int32Array(64);

/** One SHA-256 compression: state (8 words at `so` in `st`) updated with the 16 words in W[0..15]. */
function compress(st: Int32Array, so: number, out: Int32Array, oo: number): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = st[so], b = st[so + 1], c = st[so + 2], d = st[so + 3];
  let e = st[so + 4], f = st[so + 5], g = st[so + 6], h = st[so + 7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  out[oo] = (st[so] + a) | 0; out[oo + 1] = (st[so + 1] + b) | 0;
  out[oo + 2] = (st[so + 2] + c) | 0; out[oo + 3] = (st[so + 3] + d) | 0;
  out[oo + 4] = (st[so + 4] + e) | 0; out[oo + 5] = (st[so + 5] + f) | 0;
  out[oo + 6] = (st[so + 6] + g) | 0; out[oo + 7] = (st[so + 7] + h) | 0;
}

/** States: [0..7] zero-key inner, [8..15] zero-key outer, then scratch. */
const S = new Int32Array(8 * 6);
const ZI = 0, ZO = 8, T1 = 16, PRK = 24, PI = 32, PO = 40;

function fillW(v: number): void {
  for (let i = 0; i < 16; i++) W[i] = v;
}
fillW(0x36363636);
compress(IV, 0, S, ZI);
fillW(0x5c5c5c5c);
compress(IV, 0, S, ZO);

/** "EN-RPIK" 0x01 0x80, then zeros, then the bit length (64 + 8) * 8 = 576: the last inner block. */
const INFO_W0 = 0x454e2d52, INFO_W1 = 0x50494b01, INFO_W2 = 0x80000000;

/**
 * RPIK of the TEK at teks[off..off+15], written to out[oo..oo+15].
 * Not re-entrant (module scratch); synchronous, so safe in one thread.
 */
export function rpikInto(teks: Uint8Array, off: number, out: Uint8Array, oo: number): void {
  // inner hash of HMAC(0^32, TEK): block = TEK || 0x80 || 0... || len (64+16)*8 = 640 bits
  for (let i = 0; i < 4; i++) {
    const p = off + 4 * i;
    W[i] = (teks[p] << 24) | (teks[p + 1] << 16) | (teks[p + 2] << 8) | teks[p + 3];
  }
  W[4] = 0x80000000;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = 640;
  compress(S, ZI, S, T1);
  // outer: PRK = H(opad || inner), block = inner(32) || 0x80 || len 768
  for (let i = 0; i < 8; i++) W[i] = S[T1 + i];
  W[8] = 0x80000000;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = 768;
  compress(S, ZO, S, PRK);
  // HMAC(PRK, info||1): key blocks PRK ^ ipad / opad (PRK is 32 bytes, zero padded to 64)
  for (let i = 0; i < 8; i++) W[i] = S[PRK + i] ^ 0x36363636;
  for (let i = 8; i < 16; i++) W[i] = 0x36363636;
  compress(IV, 0, S, PI);
  for (let i = 0; i < 8; i++) W[i] = S[PRK + i] ^ 0x5c5c5c5c;
  for (let i = 8; i < 16; i++) W[i] = 0x5c5c5c5c;
  compress(IV, 0, S, PO);
  W[0] = INFO_W0; W[1] = INFO_W1; W[2] = INFO_W2;
  for (let i = 3; i < 15; i++) W[i] = 0;
  W[15] = 576;
  compress(S, PI, S, T1);
  for (let i = 0; i < 8; i++) W[i] = S[T1 + i];
  W[8] = 0x80000000;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = 768;
  compress(S, PO, S, T1);
  for (let i = 0; i < 4; i++) {
    const v = S[T1 + i];
    out[oo + 4 * i] = v >>> 24; out[oo + 4 * i + 1] = (v >>> 16) & 0xff;
    out[oo + 4 * i + 2] = (v >>> 8) & 0xff; out[oo + 4 * i + 3] = v & 0xff;
  }
}

/** RPIK of one 16-byte TEK (allocating convenience form). */
export function fastRpik(tek: Uint8Array): Uint8Array {
  if (!(tek instanceof Uint8Array) || tek.length !== 16) throw new RangeError("tek must be a 16-byte Uint8Array");
  const out = new Uint8Array(16);
  rpikInto(tek, 0, out, 0);
  return out;
}
