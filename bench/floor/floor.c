/*
 * The machine's floor for matching (bench/match.ts compiles and runs it): the least a program
 * can do per diagnosis key, on one core, with the CPU's AES-NI and SHA-NI instructions:
 *
 *   RPIK = HKDF-SHA256(TEK, "EN-RPIK")   six SHA-256 compressions, the zero-key HMAC pads precomputed
 *   RPI  = AES-128(RPIK, PaddedData(k))  for all 144 intervals of the key's day
 *   lookup of each RPI: a bit filter on its first bits (32 bits per logged prefix, so ~3 % of
 *   misses get past it), then its 6-byte prefix in an open-addressing table of the logged
 *   prefixes, and a check that a sighting of that prefix lies within 12 intervals
 *
 * No threads, no run-time dispatch, no pruning of intervals without sightings: a plain loop, so
 * the figure is what the hardware gives, not what a clever program saves.
 *
 *   floor INPUT      INPUT: "OMFLOOR1", uint32 keys, uint32 sightings (little-endian), then per key
 *                    16 key bytes + uint32 rolling start, then per sighting 6 prefix bytes, 2 zero
 *                    bytes, uint32 interval
 * Prints one line of JSON: matches found, keys, CPU and wall seconds (reading the input included).
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint32_t K[64] __attribute__((aligned(16))) = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static const uint32_t IV[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

/* One SHA-256 compression with SHA-NI (Intel's published round sequence). */
static void sha256(uint32_t state[8], const uint8_t *block) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0xB1);
  __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(state + 4)), 0x1B);
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);
  s1 = _mm_blend_epi16(s1, t, 0xF0);
  const __m128i abef = s0, cdgh = s1;
  __m128i w[4];
  for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), MASK);
  for (int g = 0; g < 16; g++) {
    __m128i m = _mm_add_epi32(w[g & 3], _mm_load_si128((const __m128i *)(K + 4 * g)));
    s1 = _mm_sha256rnds2_epu32(s1, s0, m);
    if (g >= 3 && g <= 14) {
      __m128i n = _mm_add_epi32(w[(g + 1) & 3], _mm_alignr_epi8(w[g & 3], w[(g + 3) & 3], 4));
      w[(g + 1) & 3] = _mm_sha256msg2_epu32(n, w[g & 3]);
    }
    m = _mm_shuffle_epi32(m, 0x0E);
    s0 = _mm_sha256rnds2_epu32(s0, s1, m);
    if (g >= 1 && g <= 12) w[(g + 3) & 3] = _mm_sha256msg1_epu32(w[(g + 3) & 3], w[g & 3]);
  }
  s0 = _mm_add_epi32(s0, abef);
  s1 = _mm_add_epi32(s1, cdgh);
  t = _mm_shuffle_epi32(s0, 0x1B);
  s1 = _mm_shuffle_epi32(s1, 0xB1);
  _mm_storeu_si128((__m128i *)state, _mm_blend_epi16(t, s1, 0xF0));
  _mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(s1, t, 8));
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t ZI[8], ZO[8]; /* HMAC states after the zero key's ipad / opad block */

static void digest_block(const uint32_t st[8], uint8_t b[64]) {
  for (int i = 0; i < 8; i++) be32(b + 4 * i, st[i]);
  memset(b + 32, 0, 32);
  b[32] = 0x80;
  b[62] = 0x03;
}

static void rpik_of(const uint8_t tek[16], uint8_t out[16]) {
  uint8_t b[64];
  uint32_t st[8], pi[8], po[8];
  memcpy(b, tek, 16);
  memset(b + 16, 0, 48);
  b[16] = 0x80; b[62] = 0x02; b[63] = 0x80;
  memcpy(st, ZI, 32); sha256(st, b);
  digest_block(st, b);
  memcpy(st, ZO, 32); sha256(st, b);
  for (int i = 0; i < 8; i++) be32(b + 4 * i, st[i] ^ 0x36363636u);
  memset(b + 32, 0x36, 32);
  memcpy(pi, IV, 32); sha256(pi, b);
  for (int i = 0; i < 8; i++) be32(b + 4 * i, st[i] ^ 0x5c5c5c5cu);
  memset(b + 32, 0x5c, 32);
  memcpy(po, IV, 32); sha256(po, b);
  memset(b, 0, 64);
  memcpy(b, "EN-RPIK\x01\x80", 9);
  b[62] = 0x02; b[63] = 0x40;
  sha256(pi, b);
  digest_block(pi, b);
  sha256(po, b);
  for (int i = 0; i < 4; i++) be32(out + 4 * i, po[i]);
}

static __m128i expand(__m128i k, __m128i a) {
  a = _mm_shuffle_epi32(a, 0xFF);
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  return _mm_xor_si128(k, a);
}
#define EXP(i, rc) rk[i] = expand(rk[i - 1], _mm_aeskeygenassist_si128(rk[i - 1], rc))

/* 144 blocks, eight at a time in flight. */
static void aes144(const uint8_t key[16], const uint8_t *in, uint8_t *out) {
  __m128i rk[11];
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  EXP(1, 0x01); EXP(2, 0x02); EXP(3, 0x04); EXP(4, 0x08); EXP(5, 0x10);
  EXP(6, 0x20); EXP(7, 0x40); EXP(8, 0x80); EXP(9, 0x1b); EXP(10, 0x36);
  for (int i = 0; i < 144; i += 8) {
    __m128i x[8];
    for (int j = 0; j < 8; j++) x[j] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * (i + j))), rk[0]);
    for (int r = 1; r < 10; r++)
      for (int j = 0; j < 8; j++) x[j] = _mm_aesenc_si128(x[j], rk[r]);
    for (int j = 0; j < 8; j++) _mm_storeu_si128((__m128i *)(out + 16 * (i + j)), _mm_aesenclast_si128(x[j], rk[10]));
  }
}

static double now(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { uint64_t prefix; uint32_t enin; } sighting;

static int by_prefix(const void *a, const void *b) {
  const sighting *x = a, *y = b;
  return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

int main(int argc, char **argv) {
  double w0 = now(CLOCK_MONOTONIC);
  if (argc != 2) { fprintf(stderr, "usage: floor INPUT\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  char magic[8];
  uint32_t nk, ns;
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "OMFLOOR1", 8) || fread(&nk, 4, 1, f) != 1 || fread(&ns, 4, 1, f) != 1) { fprintf(stderr, "bad input\n"); return 2; }
  uint8_t *keys = malloc(20 * (size_t)nk), *raw = malloc(12 * (size_t)ns);
  if (fread(keys, 20, nk, f) != nk || fread(raw, 12, ns, f) != ns) { fprintf(stderr, "short input\n"); return 2; }
  fclose(f);
  uint8_t pad[64];
  memset(pad, 0x36, 64); memcpy(ZI, IV, 32); sha256(ZI, pad);
  memset(pad, 0x5c, 64); memcpy(ZO, IV, 32); sha256(ZO, pad);
  /* sightings sorted by prefix; table: prefix -> first sighting with it */
  sighting *s = malloc(sizeof(sighting) * (ns + 1));
  for (uint32_t i = 0; i < ns; i++) {
    uint64_t p = 0;
    for (int b = 0; b < 6; b++) p = (p << 8) | raw[12 * i + b];
    s[i].prefix = p;
    memcpy(&s[i].enin, raw + 12 * i + 8, 4);
  }
  qsort(s, ns, sizeof(sighting), by_prefix);
  s[ns].prefix = ~0ull;
  uint32_t bits = 4;
  while ((1u << bits) < 2 * ns) bits++;
  uint32_t mask = (1u << bits) - 1;
  uint64_t *tp = calloc(mask + 1, 8);
  uint32_t *ti = calloc(mask + 1, 4);
  for (uint32_t i = 0; i < ns; i++) {
    if (i && s[i].prefix == s[i - 1].prefix) continue;
    uint32_t h = (uint32_t)((s[i].prefix * 0x9E3779B97F4A7C15ull) >> 40) & mask;
    while (tp[h]) h = (h + 1) & mask;
    tp[h] = s[i].prefix + 1;
    ti[h] = i;
  }
  uint32_t fbits = 16;
  while (fbits < 27 && (1u << fbits) < 32u * ns) fbits++;
  uint64_t *filter = calloc((size_t)1 << (fbits - 6), 8);
  for (uint32_t i = 0; i < ns; i++) {
    uint32_t v = (uint32_t)(s[i].prefix >> 16) >> (32 - fbits);
    filter[v >> 6] |= 1ull << (v & 63);
  }
  uint8_t blocks[144 * 16], rpis[144 * 16], rpik[16];
  uint64_t matches = 0;
  double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  for (uint32_t k = 0; k < nk; k++) {
    const uint8_t *key = keys + 20 * (size_t)k;
    uint32_t start;
    memcpy(&start, key + 16, 4);
    for (int j = 0; j < 144; j++) {
      uint32_t e = start + j;
      memcpy(blocks + 16 * j, "EN-RPI\0\0\0\0\0\0", 12);
      memcpy(blocks + 16 * j + 12, &e, 4);
    }
    rpik_of(key, rpik);
    aes144(rpik, blocks, rpis);
    for (int j = 0; j < 144; j++) {
      const uint8_t *r = rpis + 16 * j;
      uint32_t v = (((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3]) >> (32 - fbits);
      if (!((filter[v >> 6] >> (v & 63)) & 1)) continue;
      uint64_t p = ((uint64_t)r[0] << 40) | ((uint64_t)r[1] << 32) | ((uint64_t)r[2] << 24) | ((uint64_t)r[3] << 16) | ((uint64_t)r[4] << 8) | r[5];
      uint32_t h = (uint32_t)((p * 0x9E3779B97F4A7C15ull) >> 40) & mask;
      while (tp[h] && tp[h] != p + 1) h = (h + 1) & mask;
      if (!tp[h]) continue;
      for (uint32_t i = ti[h]; s[i].prefix == p; i++) {
        int64_t d = (int64_t)s[i].enin - (int64_t)(start + j);
        if (d >= -12 && d <= 12) { matches++; break; }
      }
    }
  }
  double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
  printf("{\"matches\":%llu,\"keys\":%u,\"matchCpuSeconds\":%.4f,\"cpuSeconds\":%.4f,\"wallSeconds\":%.4f}\n",
         (unsigned long long)matches, nk, c1 - c0, c1, now(CLOCK_MONOTONIC) - w0);
  return 0;
}
