/*
 * AArch64 backend: SHA-256 and AES-128 with the ARMv8 Cryptography Extensions. This file is
 * compiled with +crypto (binding.gyp), but its functions run only after gaen_arm_supported()
 * found the extensions (gaen_arm_backends) (Linux: AT_HWCAP; macOS on Apple silicon: always present).
 */
#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>
#include "gaen_crypto.h"
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_AES
#define HWCAP_AES (1 << 3)
#endif
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif
#endif

static int arm_supported(void) {
#if defined(__APPLE__)
  return 1;
#elif defined(__linux__)
  unsigned long caps = getauxval(AT_HWCAP);
  return (caps & HWCAP_AES) && (caps & HWCAP_SHA2);
#else
  return 0;
#endif
}

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_compress_arm(uint32_t state[8], const uint8_t block[64]) {
  uint32x4_t s0 = vld1q_u32(state), s1 = vld1q_u32(state + 4);
  const uint32x4_t abcd = s0, efgh = s1;
  uint32x4_t w[4];
  for (int i = 0; i < 4; i++) w[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(block + 16 * i)));
  for (int g = 0; g < 16; g++) {
    uint32x4_t t = vaddq_u32(w[g & 3], vld1q_u32(K + 4 * g));
    uint32x4_t prev = s0;
    if (g < 12) w[g & 3] = vsha256su0q_u32(w[g & 3], w[(g + 1) & 3]);
    s0 = vsha256hq_u32(s0, s1, t);
    s1 = vsha256h2q_u32(s1, prev, t);
    if (g < 12) w[g & 3] = vsha256su1q_u32(w[g & 3], w[(g + 2) & 3], w[(g + 3) & 3]);
  }
  vst1q_u32(state, vaddq_u32(s0, abcd));
  vst1q_u32(state + 4, vaddq_u32(s1, efgh));
}

static void aes128_encrypt_arm(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n) {
  uint32_t w[44];
  uint8_t bytes[176];
  gaen_aes128_expand(key, w);
  for (int i = 0; i < 44; i++) {
    bytes[4 * i] = (uint8_t)(w[i] >> 24); bytes[4 * i + 1] = (uint8_t)(w[i] >> 16);
    bytes[4 * i + 2] = (uint8_t)(w[i] >> 8); bytes[4 * i + 3] = (uint8_t)w[i];
  }
  uint8x16_t rk[11];
  for (int r = 0; r < 11; r++) rk[r] = vld1q_u8(bytes + 16 * r);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint8x16_t x0 = vld1q_u8(in + 16 * i), x1 = vld1q_u8(in + 16 * i + 16);
    uint8x16_t x2 = vld1q_u8(in + 16 * i + 32), x3 = vld1q_u8(in + 16 * i + 48);
    for (int r = 0; r < 9; r++) {
      x0 = vaesmcq_u8(vaeseq_u8(x0, rk[r])); x1 = vaesmcq_u8(vaeseq_u8(x1, rk[r]));
      x2 = vaesmcq_u8(vaeseq_u8(x2, rk[r])); x3 = vaesmcq_u8(vaeseq_u8(x3, rk[r]));
    }
    vst1q_u8(out + 16 * i, veorq_u8(vaeseq_u8(x0, rk[9]), rk[10]));
    vst1q_u8(out + 16 * i + 16, veorq_u8(vaeseq_u8(x1, rk[9]), rk[10]));
    vst1q_u8(out + 16 * i + 32, veorq_u8(vaeseq_u8(x2, rk[9]), rk[10]));
    vst1q_u8(out + 16 * i + 48, veorq_u8(vaeseq_u8(x3, rk[9]), rk[10]));
  }
  for (; i < n; i++) {
    uint8x16_t x = vld1q_u8(in + 16 * i);
    for (int r = 0; r < 9; r++) x = vaesmcq_u8(vaeseq_u8(x, rk[r]));
    vst1q_u8(out + 16 * i, veorq_u8(vaeseq_u8(x, rk[9]), rk[10]));
  }
}

static void sha256_compress2_arm(uint32_t sa[8], const uint8_t ba[64], uint32_t sb[8], const uint8_t bb[64]) {
  sha256_compress_arm(sa, ba);
  sha256_compress_arm(sb, bb);
}

static const gaen_backend ARM = { "armv8-crypto", sha256_compress_arm, sha256_compress2_arm, aes128_encrypt_arm };

int gaen_arm_backends(const gaen_backend **out) {
  if (!arm_supported()) return 0;
  out[0] = &ARM;
  return 1;
}
#endif
