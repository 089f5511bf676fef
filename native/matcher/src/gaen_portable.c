/*
 * Portable C backend (gaen_crypto.h), the shared HKDF and PaddedData, and run-time selection.
 * SHA-256 per FIPS 180-4; AES-128 per FIPS-197 with the usual four 1 KB round tables.
 */
#include <string.h>
#include "gaen_crypto.h"

static const uint32_t K256[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t SHA256_IV[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t load_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_compress_portable(uint32_t st[8], const uint8_t block[64]) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) w[i] = load_be32(block + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

const uint8_t gaen_sbox[256] = {
  0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
  0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
  0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
  0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
  0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
  0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
  0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
  0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
  0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
  0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
  0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
  0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
  0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
  0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
  0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
  0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static const uint8_t RCON[10] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36 };

void gaen_aes128_expand(const uint8_t key[16], uint32_t rk[44]) {
  for (int i = 0; i < 4; i++) rk[i] = load_be32(key + 4 * i);
  for (int r = 0; r < 10; r++) {
    uint32_t *k = rk + 4 * r;
    uint32_t t = k[3];
    k[4] = k[0] ^ ((uint32_t)gaen_sbox[(t >> 16) & 0xff] << 24) ^ ((uint32_t)gaen_sbox[(t >> 8) & 0xff] << 16)
         ^ ((uint32_t)gaen_sbox[t & 0xff] << 8) ^ gaen_sbox[t >> 24] ^ ((uint32_t)RCON[r] << 24);
    k[5] = k[1] ^ k[4];
    k[6] = k[2] ^ k[5];
    k[7] = k[3] ^ k[6];
  }
}

/* Round tables: TE0[x] = (2s, s, s, 3s) as a big-endian word, s = S(x); TE1..3 are rotations. */
static uint32_t TE[4][256];

static uint8_t xtime(uint8_t x) {
  return (uint8_t)((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
}

static void build_tables(void) {
  for (int x = 0; x < 256; x++) {
    uint8_t s = gaen_sbox[x], s2 = xtime(s), s3 = (uint8_t)(s2 ^ s);
    uint32_t w = ((uint32_t)s2 << 24) | ((uint32_t)s << 16) | ((uint32_t)s << 8) | s3;
    TE[0][x] = w;
    TE[1][x] = ROR(w, 8);
    TE[2][x] = ROR(w, 16);
    TE[3][x] = ROR(w, 24);
  }
}

static void aes128_encrypt_portable(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n) {
  uint32_t rk[44];
  gaen_aes128_expand(key, rk);
  const uint32_t *T0 = TE[0], *T1 = TE[1], *T2 = TE[2], *T3 = TE[3];
  const uint8_t *S = gaen_sbox;
  for (size_t b = 0; b < n; b++, in += 16, out += 16) {
    uint32_t s0 = load_be32(in) ^ rk[0], s1 = load_be32(in + 4) ^ rk[1];
    uint32_t s2 = load_be32(in + 8) ^ rk[2], s3 = load_be32(in + 12) ^ rk[3];
    const uint32_t *k = rk + 4;
    for (int r = 1; r < 10; r++, k += 4) {
      uint32_t t0 = T0[s0 >> 24] ^ T1[(s1 >> 16) & 0xff] ^ T2[(s2 >> 8) & 0xff] ^ T3[s3 & 0xff] ^ k[0];
      uint32_t t1 = T0[s1 >> 24] ^ T1[(s2 >> 16) & 0xff] ^ T2[(s3 >> 8) & 0xff] ^ T3[s0 & 0xff] ^ k[1];
      uint32_t t2 = T0[s2 >> 24] ^ T1[(s3 >> 16) & 0xff] ^ T2[(s0 >> 8) & 0xff] ^ T3[s1 & 0xff] ^ k[2];
      uint32_t t3 = T0[s3 >> 24] ^ T1[(s0 >> 16) & 0xff] ^ T2[(s1 >> 8) & 0xff] ^ T3[s2 & 0xff] ^ k[3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
#define FINAL(a, b, c, d) (((uint32_t)S[(a) >> 24] << 24) | ((uint32_t)S[((b) >> 16) & 0xff] << 16) | ((uint32_t)S[((c) >> 8) & 0xff] << 8) | S[(d) & 0xff])
    store_be32(out, FINAL(s0, s1, s2, s3) ^ k[0]);
    store_be32(out + 4, FINAL(s1, s2, s3, s0) ^ k[1]);
    store_be32(out + 8, FINAL(s2, s3, s0, s1) ^ k[2]);
    store_be32(out + 12, FINAL(s3, s0, s1, s2) ^ k[3]);
#undef FINAL
  }
}

static void sha256_compress2_portable(uint32_t sa[8], const uint8_t ba[64], uint32_t sb[8], const uint8_t bb[64]) {
  sha256_compress_portable(sa, ba);
  sha256_compress_portable(sb, bb);
}

const gaen_backend gaen_portable = { "portable", sha256_compress_portable, sha256_compress2_portable, aes128_encrypt_portable };

/* Zero-key HMAC states (inner, outer), computed by gaen_backends before any thread starts. */
static uint32_t ZERO_INNER[8], ZERO_OUTER[8];
static int initialised = 0;

static void init_once(void) {
  if (initialised) return;
  uint8_t pad[64];
  build_tables();
  memset(pad, 0x36, 64);
  memcpy(ZERO_INNER, SHA256_IV, 32);
  sha256_compress_portable(ZERO_INNER, pad);
  memset(pad, 0x5c, 64);
  memcpy(ZERO_OUTER, SHA256_IV, 32);
  sha256_compress_portable(ZERO_OUTER, pad);
  initialised = 1;
}

int gaen_backends(const gaen_backend *out[4]) {
  int n = 0;
  init_once();
#if defined(__x86_64__) || defined(_M_X64)
  n += gaen_x86_backends(out + n);
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
  n += gaen_arm_backends(out + n);
#endif
  out[n++] = &gaen_portable;
  return n;
}

/* Block = 32-byte digest (the state, big-endian) || 0x80 || zeros || bit length 768 (64 + 32 bytes). */
static void digest_block(const uint32_t st[8], uint8_t blk[64]) {
  for (int i = 0; i < 8; i++) store_be32(blk + 4 * i, st[i]);
  memset(blk + 32, 0, 32);
  blk[32] = 0x80;
  blk[62] = 0x03; /* 768 = 0x0300 */
}

/*
 * RPIK of L TEKs (L = 1 or 2), each step done for every lane before the next, so a backend with
 * sha256_compress2 works on two independent chains.
 *   PRK  = HMAC(0^32, TEK):    inner(ZERO_INNER, TEK block), outer(ZERO_OUTER, digest block)
 *   RPIK = HMAC(PRK, info||1): pads from PRK, inner(info block), outer(digest block); first 16 bytes
 */
static void rpik_lanes(const gaen_backend *b, int L, const uint8_t *tek[2], uint8_t *rpik[2]) {
  uint8_t blk[2][64], blk2[2][64];
  uint32_t st[2][8], pin[2][8], pout[2][8];
#define COMPRESS(s, bl) do { if (L == 2) b->sha256_compress2(s[0], bl[0], s[1], bl[1]); else b->sha256_compress(s[0], bl[0]); } while (0)
  for (int l = 0; l < L; l++) {
    /* inner block: TEK || 0x80 || zeros || length (64 + 16) * 8 = 640 bits */
    memcpy(blk[l], tek[l], 16);
    memset(blk[l] + 16, 0, 48);
    blk[l][16] = 0x80;
    blk[l][62] = 0x02; blk[l][63] = 0x80;
    memcpy(st[l], ZERO_INNER, 32);
  }
  COMPRESS(st, blk);
  for (int l = 0; l < L; l++) {
    digest_block(st[l], blk[l]);
    memcpy(st[l], ZERO_OUTER, 32);
  }
  COMPRESS(st, blk);
  /* st = PRK; its key pads (PRK is 32 bytes, zero-padded to the 64-byte block) */
  for (int l = 0; l < L; l++) {
    for (int i = 0; i < 8; i++) {
      store_be32(blk[l] + 4 * i, st[l][i] ^ 0x36363636u);
      store_be32(blk2[l] + 4 * i, st[l][i] ^ 0x5c5c5c5cu);
    }
    memset(blk[l] + 32, 0x36, 32);
    memset(blk2[l] + 32, 0x5c, 32);
    memcpy(pin[l], SHA256_IV, 32);
    memcpy(pout[l], SHA256_IV, 32);
  }
  COMPRESS(pin, blk);
  COMPRESS(pout, blk2);
  for (int l = 0; l < L; l++) {
    /* "EN-RPIK" 0x01 0x80 zeros, length (64 + 8) * 8 = 576 bits */
    memset(blk[l], 0, 64);
    memcpy(blk[l], "EN-RPIK\x01\x80", 9);
    blk[l][62] = 0x02; blk[l][63] = 0x40;
  }
  COMPRESS(pin, blk);
  for (int l = 0; l < L; l++) digest_block(pin[l], blk[l]);
  COMPRESS(pout, blk);
  for (int l = 0; l < L; l++)
    for (int i = 0; i < 4; i++) store_be32(rpik[l] + 4 * i, pout[l][i]);
#undef COMPRESS
}

void gaen_rpik(const gaen_backend *b, const uint8_t tek[16], uint8_t rpik[16]) {
  const uint8_t *t[2] = { tek, tek };
  uint8_t *r[2] = { rpik, rpik };
  rpik_lanes(b, 1, t, r);
}

void gaen_rpik2(const gaen_backend *b, const uint8_t tek_a[16], const uint8_t tek_b[16], uint8_t rpik_a[16], uint8_t rpik_b[16]) {
  const uint8_t *t[2] = { tek_a, tek_b };
  uint8_t *r[2] = { rpik_a, rpik_b };
  rpik_lanes(b, 2, t, r);
}

void gaen_padded_data(uint32_t enin, uint8_t out[16]) {
  memcpy(out, "EN-RPI\0\0\0\0\0\0", 12);
  out[12] = (uint8_t)enin; out[13] = (uint8_t)(enin >> 8); out[14] = (uint8_t)(enin >> 16); out[15] = (uint8_t)(enin >> 24);
}
