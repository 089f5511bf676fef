/*
 * x86-64 backends: SHA-256 with the SHA extensions (SHA-NI), AES-128 with AES-NI (eight blocks in
 * flight) or, where the CPU has it, VAES on 256-bit registers (two blocks per instruction). Only
 * these functions carry the instruction-set attributes, so the rest of the addon runs on any
 * x86-64; gaen_x86_backends() checks CPUID (and that the OS saves YMM registers) first.
 * The SHA-NI round sequence is Intel's published one ("Intel SHA Extensions", 2013).
 */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "gaen_crypto.h"

#if defined(__GNUC__) || defined(__clang__)
#include <cpuid.h>
#define HW __attribute__((target("sse4.1,aes,sha")))
#define ALIGN16 __attribute__((aligned(16)))
#else
#include <intrin.h>
#define HW
#define ALIGN16 __declspec(align(16))
#endif

static int osxsave_ok = 1;

/* The OS saves the YMM registers on a context switch (XCR0 bits 1 and 2). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((target("xsave")))
#endif
static int os_saves_ymm(void) {
  if (!osxsave_ok) return 0;
  return (_xgetbv(0) & 6) == 6;
}

/* 0 = no AES-NI/SHA-NI, 1 = AES-NI + SHA-NI, 2 = also VAES with AVX2 (two blocks per instruction) */
static int x86_level(void) {
  unsigned a, b, c, d;
#if defined(__GNUC__) || defined(__clang__)
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!((c >> 27) & 1)) osxsave_ok = 0; /* OSXSAVE: xgetbv usable */
  int aes = (c >> 25) & 1, sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1, avx = (c >> 28) & 1;
  if (__get_cpuid_max(0, 0) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  int sha = (b >> 29) & 1, avx2 = (b >> 5) & 1, vaes = (c >> 9) & 1;
#else
  int r[4];
  __cpuid(r, 1);
  int aes = (r[2] >> 25) & 1, sse41 = (r[2] >> 19) & 1, ssse3 = (r[2] >> 9) & 1, avx = (r[2] >> 28) & 1;
  if (!((r[2] >> 27) & 1)) osxsave_ok = 0;
  __cpuid(r, 0);
  if (r[0] < 7) return 0;
  __cpuidex(r, 7, 0);
  int sha = (r[1] >> 29) & 1, avx2 = (r[1] >> 5) & 1, vaes = (r[2] >> 9) & 1;
  (void)a; (void)b; (void)c; (void)d;
#endif
  if (!(aes && sse41 && ssse3 && sha)) return 0;
  return avx && avx2 && vaes && os_saves_ymm() ? 2 : 1;
}

ALIGN16 static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/*
 * SHA-256 compression of L independent blocks at once (L = 1 or 2): the rounds of one block form
 * a long dependency chain, so two interleaved chains keep the SHA unit busy.
 */
#define KW(g) _mm_load_si128((const __m128i *)(K + 4 * (g)))
#define LANES(L, ...) for (int l = 0; l < (L); l++) { __VA_ARGS__; }
/* rounds 4g..4g+3 of every lane; W = that group's schedule words */
#define RND(L, g, W) do {                                                              \
    __m128i m_[2];                                                                      \
    LANES(L, m_[l] = _mm_add_epi32(W, KW(g)); s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], m_[l])) \
    LANES(L, m_[l] = _mm_shuffle_epi32(m_[l], 0x0E); s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], m_[l])) \
  } while (0)
/* Wn += alignr(Wc, Wp, 4), then msg2 with Wc: finishes the schedule of group g + 1 */
#define NEXT(L, Wn, Wc, Wp) LANES(L, Wn = _mm_sha256msg2_epu32(_mm_add_epi32(Wn, _mm_alignr_epi8(Wc, Wp, 4)), Wc))
#define MSG1(L, Wp, Wc) LANES(L, Wp = _mm_sha256msg1_epu32(Wp, Wc))

#define SHA256_NI_BODY(L)                                                               \
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);    \
  __m128i s0[2], s1[2], w0[2], w1[2], w2[2], w3[2], abef[2], cdgh[2];                   \
  LANES(L, {                                                                            \
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[l][0]), 0xB1); \
    s1[l] = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[l][4]), 0x1B);   \
    s0[l] = _mm_alignr_epi8(t, s1[l], 8);                                               \
    s1[l] = _mm_blend_epi16(s1[l], t, 0xF0);                                            \
    abef[l] = s0[l]; cdgh[l] = s1[l];                                                   \
    w0[l] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block[l] + 0)), MASK);   \
    w1[l] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block[l] + 16)), MASK);  \
    w2[l] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block[l] + 32)), MASK);  \
    w3[l] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block[l] + 48)), MASK);  \
  })                                                                                    \
  RND(L, 0, w0[l]);                                                                     \
  RND(L, 1, w1[l]); MSG1(L, w0[l], w1[l]);                                              \
  RND(L, 2, w2[l]); MSG1(L, w1[l], w2[l]);                                              \
  RND(L, 3, w3[l]); NEXT(L, w0[l], w3[l], w2[l]); MSG1(L, w2[l], w3[l]);                \
  RND(L, 4, w0[l]); NEXT(L, w1[l], w0[l], w3[l]); MSG1(L, w3[l], w0[l]);                \
  RND(L, 5, w1[l]); NEXT(L, w2[l], w1[l], w0[l]); MSG1(L, w0[l], w1[l]);                \
  RND(L, 6, w2[l]); NEXT(L, w3[l], w2[l], w1[l]); MSG1(L, w1[l], w2[l]);                \
  RND(L, 7, w3[l]); NEXT(L, w0[l], w3[l], w2[l]); MSG1(L, w2[l], w3[l]);                \
  RND(L, 8, w0[l]); NEXT(L, w1[l], w0[l], w3[l]); MSG1(L, w3[l], w0[l]);                \
  RND(L, 9, w1[l]); NEXT(L, w2[l], w1[l], w0[l]); MSG1(L, w0[l], w1[l]);                \
  RND(L, 10, w2[l]); NEXT(L, w3[l], w2[l], w1[l]); MSG1(L, w1[l], w2[l]);               \
  RND(L, 11, w3[l]); NEXT(L, w0[l], w3[l], w2[l]); MSG1(L, w2[l], w3[l]);               \
  RND(L, 12, w0[l]); NEXT(L, w1[l], w0[l], w3[l]); MSG1(L, w3[l], w0[l]);               \
  RND(L, 13, w1[l]); NEXT(L, w2[l], w1[l], w0[l]);                                      \
  RND(L, 14, w2[l]); NEXT(L, w3[l], w2[l], w1[l]);                                      \
  RND(L, 15, w3[l]);                                                                    \
  LANES(L, {                                                                            \
    __m128i a = _mm_add_epi32(s0[l], abef[l]), c = _mm_add_epi32(s1[l], cdgh[l]);       \
    __m128i t = _mm_shuffle_epi32(a, 0x1B);                                             \
    c = _mm_shuffle_epi32(c, 0xB1);                                                     \
    _mm_storeu_si128((__m128i *)&state[l][0], _mm_blend_epi16(t, c, 0xF0));             \
    _mm_storeu_si128((__m128i *)&state[l][4], _mm_alignr_epi8(c, t, 8));                \
  })

HW static void sha256_compress_ni(uint32_t st[8], const uint8_t blk[64]) {
  uint32_t *state[1] = { st };
  const uint8_t *block[1] = { blk };
  SHA256_NI_BODY(1)
}

HW static void sha256_compress2_ni(uint32_t sa[8], const uint8_t ba[64], uint32_t sb[8], const uint8_t bb[64]) {
  uint32_t *state[2] = { sa, sb };
  const uint8_t *block[2] = { ba, bb };
  SHA256_NI_BODY(2)
}

/* AES-128 key schedule (FIPS-197) into rk[0..10]; a macro, so each caller's encoding is kept. */
#define EXPAND_STEP(prev, rcon, next) do {                                \
    __m128i k_ = prev, a_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev, rcon), 0xFF); \
    k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                        \
    k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                        \
    k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                        \
    next = _mm_xor_si128(k_, a_);                                         \
  } while (0)
#define EXPAND_KEY(key, rk) do {                                          \
    rk[0] = _mm_loadu_si128((const __m128i *)(key));                      \
    EXPAND_STEP(rk[0], 0x01, rk[1]); EXPAND_STEP(rk[1], 0x02, rk[2]);     \
    EXPAND_STEP(rk[2], 0x04, rk[3]); EXPAND_STEP(rk[3], 0x08, rk[4]);     \
    EXPAND_STEP(rk[4], 0x10, rk[5]); EXPAND_STEP(rk[5], 0x20, rk[6]);     \
    EXPAND_STEP(rk[6], 0x40, rk[7]); EXPAND_STEP(rk[7], 0x80, rk[8]);     \
    EXPAND_STEP(rk[8], 0x1b, rk[9]); EXPAND_STEP(rk[9], 0x36, rk[10]);    \
  } while (0)

HW static void aes128_encrypt_ni(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n) {
  __m128i rk[11];
  EXPAND_KEY(key, rk);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i x[8];
    for (int j = 0; j < 8; j++) x[j] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * (i + j))), rk[0]);
    for (int r = 1; r < 10; r++)
      for (int j = 0; j < 8; j++) x[j] = _mm_aesenc_si128(x[j], rk[r]);
    for (int j = 0; j < 8; j++) _mm_storeu_si128((__m128i *)(out + 16 * (i + j)), _mm_aesenclast_si128(x[j], rk[10]));
  }
  for (; i < n; i++) {
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i)), rk[0]);
    for (int r = 1; r < 10; r++) x = _mm_aesenc_si128(x, rk[r]);
    _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(x, rk[10]));
  }
}

#if defined(__GNUC__) || defined(__clang__)
#define HW_VAES __attribute__((target("sse4.1,aes,avx2,vaes")))
#else
#define HW_VAES
#endif

/*
 * AES-128 with VAES on 256-bit registers: two blocks per instruction, eight in flight. Ends with
 * vzeroupper, so the SSE-encoded SHA-NI code that runs next pays no AVX transition penalty.
 */
HW_VAES static void aes128_encrypt_vaes(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n) {
  __m128i rk[11];
  EXPAND_KEY(key, rk);
  __m256i k[11];
  for (int r = 0; r < 11; r++) k[r] = _mm256_broadcastsi128_si256(rk[r]);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i x[4];
    for (int j = 0; j < 4; j++) x[j] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(in + 16 * i + 32 * j)), k[0]);
    for (int r = 1; r < 10; r++)
      for (int j = 0; j < 4; j++) x[j] = _mm256_aesenc_epi128(x[j], k[r]);
    for (int j = 0; j < 4; j++) _mm256_storeu_si256((__m256i *)(out + 16 * i + 32 * j), _mm256_aesenclast_epi128(x[j], k[10]));
  }
  for (; i < n; i++) {
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * i)), rk[0]);
    for (int r = 1; r < 10; r++) x = _mm_aesenc_si128(x, rk[r]);
    _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_aesenclast_si128(x, rk[10]));
  }
  _mm256_zeroupper();
}

static const gaen_backend X86_NI = { "aes-ni+sha-ni", sha256_compress_ni, sha256_compress2_ni, aes128_encrypt_ni };
static const gaen_backend X86_VAES = { "vaes+sha-ni", sha256_compress_ni, sha256_compress2_ni, aes128_encrypt_vaes };

int gaen_x86_backends(const gaen_backend **out) {
  int level = x86_level(), n = 0;
  if (level >= 2) out[n++] = &X86_VAES;
  if (level >= 1) out[n++] = &X86_NI;
  return n;
}
#endif
