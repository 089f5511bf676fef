/*
 * The two GAEN derivations the matcher needs, in three interchangeable backends:
 *
 *   RPIK = HKDF-SHA256(IKM = TEK, salt = none, info = "EN-RPIK", L = 16)
 *   RPI  = AES-128(RPIK, PaddedData(ENIN))        PaddedData = "EN-RPI" 0x00 x 6 ENIN(uint32 LE)
 *
 * HKDF with one output block is two HMACs; the first one's key (32 zero bytes) is fixed, so its
 * inner and outer SHA-256 states are computed once: each RPIK then costs six SHA-256 compressions.
 *
 * Backends: "vaes+sha-ni" and "aes-ni+sha-ni" (x86-64), "armv8-crypto" (AArch64), "portable"
 * (plain C: T-table AES, which is not constant-time; harmless here, because every key and
 * identifier the matcher handles is public: diagnosis keys are published, identifiers were
 * broadcast). gaen_backends() lists those this CPU supports, fastest first, detected at run time.
 */
#ifndef OMAMORI_GAEN_CRYPTO_H
#define OMAMORI_GAEN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct gaen_backend {
  const char *name;
  /* SHA-256 compression of one 64-byte block into state (8 words, standard order). */
  void (*sha256_compress)(uint32_t state[8], const uint8_t block[64]);
  /* Two independent compressions at once (interleaved where that is faster). */
  void (*sha256_compress2)(uint32_t sa[8], const uint8_t ba[64], uint32_t sb[8], const uint8_t bb[64]);
  /* AES-128 encryption of n 16-byte blocks (ECB) under key. in and out may be the same. */
  void (*aes128_encrypt)(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n);
} gaen_backend;

/* The portable backend: always available. */
extern const gaen_backend gaen_portable;

/* The backends this CPU supports, fastest first, the portable one last; returns how many (<= 4). */
int gaen_backends(const gaen_backend *out[4]);

/* RPIK of one TEK with the given backend. */
void gaen_rpik(const gaen_backend *b, const uint8_t tek[16], uint8_t rpik[16]);
/* RPIKs of two TEKs at once (the two computations interleaved). */
void gaen_rpik2(const gaen_backend *b, const uint8_t tek_a[16], const uint8_t tek_b[16], uint8_t rpik_a[16], uint8_t rpik_b[16]);

/* PaddedData of one interval. */
void gaen_padded_data(uint32_t enin, uint8_t out[16]);

/* Helpers shared by the backends (gaen_portable.c). */
extern const uint8_t gaen_sbox[256];
/* AES-128 key schedule as 44 big-endian words (FIPS-197 order). */
void gaen_aes128_expand(const uint8_t key[16], uint32_t rk[44]);

/* Hardware backends the CPU supports, fastest first (none when it lacks the instructions). */
#if defined(__x86_64__) || defined(_M_X64)
int gaen_x86_backends(const gaen_backend **out);
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
int gaen_arm_backends(const gaen_backend **out);
#endif

#endif
