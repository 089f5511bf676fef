/*
 * Self-test of the native matcher's C code without Node, for any CPU (scripts/native-selftest.mjs
 * builds and runs it, also with a cross compiler under qemu, e.g. for the ARMv8 backend):
 *   - every backend this CPU has reproduces the official vectors (RPIK and all 144 RPIs),
 *   - every backend equals the portable one on random TEKs and blocks (one and two lanes),
 *   - match_run with every backend finds the same hits as with the portable one, and exactly the
 *     identifiers planted in a synthetic log.
 * Input (stdin): the vectors as text lines "tek HEX", "rpik HEX", then "rpi ENIN HEX" x 144.
 * Exits 0 when all holds; prints what failed otherwise. libuv's thread calls are replaced by a
 * single-thread stand-in here (the addon uses libuv's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "../src/gaen_crypto.h"
#include "../src/matcher.h"

/* single-thread stand-ins for the libuv calls matcher.c makes */
int uv_mutex_init(uv_mutex_t *m) { (void)m; return 0; }
void uv_mutex_lock(uv_mutex_t *m) { (void)m; }
void uv_mutex_unlock(uv_mutex_t *m) { (void)m; }
void uv_mutex_destroy(uv_mutex_t *m) { (void)m; }
int uv_thread_create(uv_thread_t *t, uv_thread_cb cb, void *a) { (void)t; (void)cb; (void)a; return -1; }
int uv_thread_join(uv_thread_t *t) { (void)t; return 0; }

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static void unhex(const char *s, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(s + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
}

static uint32_t rng = 12345;
static uint32_t rnd(void) {
  rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
  return rng;
}
static void fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

int main(void) {
  uint8_t tek[16], rpik[16], rpis[144][16];
  uint32_t enins[144];
  char word[16], hex[64];
  int n_rpi = 0;
  while (scanf("%15s", word) == 1) {
    if (!strcmp(word, "tek") && scanf("%63s", hex) == 1) unhex(hex, tek, 16);
    else if (!strcmp(word, "rpik") && scanf("%63s", hex) == 1) unhex(hex, rpik, 16);
    else if (!strcmp(word, "rpi") && n_rpi < 144 && scanf("%u %63s", &enins[n_rpi], hex) == 2) unhex(hex, rpis[n_rpi++], 16);
  }
  CHECK(n_rpi == 144, "expected 144 identifiers on stdin, got %d", n_rpi);
  const gaen_backend *bs[4];
  int nb = gaen_backends(bs);
  const gaen_backend *portable = bs[nb - 1];
  printf("backends:");
  for (int b = 0; b < nb; b++) printf(" %s", bs[b]->name);
  printf("\n");

  for (int b = 0; b < nb; b++) {
    const gaen_backend *be = bs[b];
    uint8_t r[16], blocks[144 * 16], out[144 * 16];
    gaen_rpik(be, tek, r);
    CHECK(!memcmp(r, rpik, 16), "%s: official RPIK", be->name);
    for (int j = 0; j < 144; j++) gaen_padded_data(enins[j], blocks + 16 * j);
    be->aes128_encrypt(r, blocks, out, 144);
    for (int j = 0; j < 144; j++) CHECK(!memcmp(out + 16 * j, rpis[j], 16), "%s: official RPI of interval %u", be->name, enins[j]);
    for (int round = 0; round < 2000; round++) {
      uint8_t k1[16], k2[16], a1[16], a2[16], p1[16], p2[16], in[16 * 20], x[16 * 20], y[16 * 20];
      fill(k1, 16); fill(k2, 16);
      gaen_rpik2(be, k1, k2, a1, a2);
      gaen_rpik(portable, k1, p1);
      gaen_rpik(portable, k2, p2);
      CHECK(!memcmp(a1, p1, 16) && !memcmp(a2, p2, 16), "%s: RPIK of random TEKs (round %d)", be->name, round);
      size_t n = 1 + rnd() % 20;
      fill(in, 16 * n);
      be->aes128_encrypt(k1, in, x, n);
      portable->aes128_encrypt(k1, in, y, n);
      CHECK(!memcmp(x, y, 16 * n), "%s: AES of %zu random blocks", be->name, n);
    }
  }

  /* a synthetic pass: 3000 keys over 3 days, 400 noise identifiers, 40 planted (6- or 16-byte) */
  enum { KEYS = 3000, NOISE = 400, PLANT = 40, E = NOISE + PLANT };
  const uint32_t day0 = 2642976;
  static uint8_t key_data[16 * KEYS], period[KEYS], id[16 * E], len[E], tol[E];
  static uint32_t start[KEYS], scan_start[E + 1], scan_enin[E], planted_key[PLANT], planted_enin[PLANT];
  static int8_t cls[E];
  fill(key_data, sizeof key_data);
  for (int i = 0; i < KEYS; i++) { start[i] = day0 + 144 * (i % 3); period[i] = 144; }
  for (int e = 0; e < E; e++) {
    scan_start[e] = e;
    tol[e] = 12;
    cls[e] = -1;
    if (e < NOISE) {
      fill(id + 16 * e, 16);
      len[e] = 16;
      scan_enin[e] = day0 + rnd() % (3 * 144);
    } else {
      int p = e - NOISE;
      uint32_t i = rnd() % KEYS, k = start[i] + rnd() % 144;
      uint8_t r[16], blk[16];
      gaen_rpik(portable, key_data + 16 * i, r);
      gaen_padded_data(k, blk);
      portable->aes128_encrypt(r, blk, id + 16 * e, 1);
      len[e] = p % 2 ? 6 : 16;
      memset(id + 16 * e + len[e], 0, 16 - len[e]);
      scan_enin[e] = k + (p % 5) - 2;
      planted_key[p] = i;
      planted_enin[p] = k;
    }
  }
  scan_start[E] = E;
  uint32_t base = day0 - 12, span = 3 * 144 + 24;
  static uint8_t near_all[3 * 144 + 24];
  memset(near_all, 1, sizeof near_all);
  match_output ref = { 0 };
  for (int b = nb - 1; b >= 0; b--) {
    match_input in;
    memset(&in, 0, sizeof in);
    in.key_data = key_data; in.rolling_start = start; in.rolling_period = period;
    in.n_keys = KEYS; in.from = 0; in.to = KEYS; in.base = base; in.span = span; in.near_all = near_all;
    in.n_entries = E; in.entry_id = id; in.entry_len = len; in.entry_class = cls;
    in.scan_start = scan_start; in.scan_enin = scan_enin; in.entry_tolerance = tol;
    in.threads = 1; in.backend = bs[b];
    match_output out;
    CHECK(match_run(&in, &out) == 0, "%s: match_run", bs[b]->name);
    if (b == nb - 1) {
      ref = out;
      for (int p = 0; p < PLANT; p++) {
        int found = 0;
        for (size_t h = 0; h < out.n_hits; h++) found |= out.hits[h].key == planted_key[p] && out.hits[h].enin == planted_enin[p] && out.hits[h].entry == (uint32_t)(NOISE + p);
        CHECK(found, "portable: planted identifier %d found", p);
      }
    } else {
      CHECK(out.n_hits == ref.n_hits && !memcmp(out.hits, ref.hits, out.n_hits * sizeof(match_hit)), "%s: same hits as portable", bs[b]->name);
      CHECK(out.keys_derived == ref.keys_derived && out.identifiers_derived == ref.identifiers_derived, "%s: same counts as portable", bs[b]->name);
      free(out.hits);
    }
  }
  printf("hits %zu, keys derived %llu\n", ref.n_hits, (unsigned long long)ref.keys_derived);
  free(ref.hits);
  printf(failures ? "%d FAILED\n" : "all passed\n", failures);
  return failures ? 1 : 0;
}
