/*
 * match_run (matcher.h): the lookup structures are built once, then threads (libuv's, so the
 * addon needs nothing beyond Node) take chunks of keys from a shared counter.
 *
 * Lookup of a derived identifier: a bit filter on its 6-byte prefix (about 32 bits per distinct
 * logged prefix; each prefix sets 3 bits of one 64-bit word, so one read tests it and ~0.1 % of
 * misses get past it: with a single bit ~2-3 % did, and with the 560,000 prefixes of 20 care-home
 * logs their directory reads, missing the cache, cost a third more than one log), then the sorted
 * distinct 6-byte prefixes (every log keeps at least those) through a directory on their top
 * bits (about one prefix per bucket; both arrays stay small enough for the L2 cache too: an
 * open-addressing hash table here missed the cache on most probes), then the remaining stored
 * bytes and the scan intervals of each entry with that prefix.
 */
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "matcher.h"

#define CHUNK 4096

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

typedef struct match_index {
  uint8_t *padded;       /* span blocks of PaddedData */
  uint32_t *next_near;   /* per class combination m, span entries: first near interval >= j (span: none) */
  uint32_t *prev_near;   /* per class combination m, span entries: last near interval <= j + 1 (0: none) */
  uint64_t *filter;
  uint32_t filter_shift; /* filter word = prefix >> filter_shift; its bits: filter_bits(prefix) */
  uint32_t *dir;         /* prefixes with top bits b: prefix[dir[b] .. dir[b + 1]) */
  uint32_t dir_shift;    /* b = prefix >> dir_shift */
  uint64_t *prefix;      /* distinct prefixes, ascending */
  uint32_t *first;       /* entries of prefix k: order[first[k] .. first[k + 1]) */
  uint32_t *order;       /* entries sorted by prefix, then entry number */
} match_index;

static inline uint64_t prefix48(const uint8_t *b) {
  return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) | ((uint64_t)b[2] << 24) | ((uint64_t)b[3] << 16) | ((uint64_t)b[4] << 8) | b[5];
}

/* The 3 bits a prefix sets in its filter word, from its low 18 bits (the word comes from its top
   bits: at most 21 of them, so the two never overlap). */
static inline uint64_t filter_bits(uint64_t p) {
  return (1ull << (p & 63)) | (1ull << ((p >> 6) & 63)) | (1ull << ((p >> 12) & 63));
}

typedef struct pair {
  uint64_t prefix;
  uint32_t entry;
} pair;

static int pair_cmp(const void *a, const void *b) {
  const pair *x = a, *y = b;
  if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
  return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static void index_free(match_index *ix) {
  free(ix->padded);
  free(ix->next_near);
  free(ix->prev_near);
  free(ix->filter);
  free(ix->dir);
  free(ix->prefix);
  free(ix->first);
  free(ix->order);
}

static int index_build(const match_input *in, match_index *ix) {
  memset(ix, 0, sizeof *ix);
  size_t span = in->span;
  uint32_t combos = 1u << in->n_classes;
  ix->padded = malloc(16 * (span ? span : 1));
  ix->next_near = malloc(sizeof(uint32_t) * (size_t)combos * (span ? span : 1));
  ix->prev_near = malloc(sizeof(uint32_t) * (size_t)combos * (span ? span : 1));
  ix->order = malloc(sizeof(uint32_t) * (in->n_entries ? in->n_entries : 1));
  pair *pairs = malloc(sizeof(pair) * (in->n_entries ? in->n_entries : 1));
  uint8_t *near = malloc(span ? span : 1);
  if (!ix->padded || !ix->next_near || !ix->prev_near || !ix->order || !pairs || !near) {
    free(near);
    free(pairs);
    return -1;
  }
  for (size_t j = 0; j < span; j++) gaen_padded_data(in->base + (uint32_t)j, ix->padded + 16 * j);
  /* for each combination of classes a key can be in: where the near intervals are, so a key's
     first and last near interval are two reads (a key far from every sighting costs nothing) */
  for (uint32_t m = 0; m < combos; m++) {
    uint32_t *next = ix->next_near + (size_t)m * span, *prev = ix->prev_near + (size_t)m * span;
    for (size_t j = 0; j < span; j++) {
      uint8_t v = in->near_all ? in->near_all[j] : 0;
      for (uint32_t c = 0; c < in->n_classes; c++)
        if (m & (1u << c)) v |= in->class_near[c][j];
      near[j] = v;
    }
    uint32_t last = 0;
    for (size_t j = 0; j < span; j++) {
      if (near[j]) last = (uint32_t)j + 1;
      prev[j] = last;
    }
    uint32_t first = (uint32_t)span;
    for (size_t j = span; j-- > 0;) {
      if (near[j]) first = (uint32_t)j;
      next[j] = first;
    }
  }
  free(near);
  for (uint32_t e = 0; e < in->n_entries; e++) {
    pairs[e].prefix = prefix48(in->entry_id + 16 * (size_t)e);
    pairs[e].entry = e;
  }
  qsort(pairs, in->n_entries, sizeof(pair), pair_cmp);
  uint32_t distinct = 0;
  for (uint32_t e = 0; e < in->n_entries; e++) {
    ix->order[e] = pairs[e].entry;
    if (e == 0 || pairs[e].prefix != pairs[e - 1].prefix) distinct++;
  }
  /* filter: a power of two >= 32 bits per distinct prefix, 2^16 .. 2^27 bits, in 64-bit words */
  uint32_t fbits = 16;
  while (fbits < 27 && (1ull << fbits) < 32ull * distinct) fbits++;
  ix->filter_shift = 48 - (fbits - 6);
  ix->filter = calloc((size_t)1 << (fbits - 6), sizeof(uint64_t));
  /* directory: a power of two >= the distinct prefixes, 2^4 .. 2^28 buckets */
  uint32_t dbits = 4;
  while (dbits < 28 && (1ull << dbits) < distinct) dbits++;
  ix->dir_shift = 48 - dbits;
  ix->dir = calloc(((size_t)1 << dbits) + 1, sizeof(uint32_t));
  ix->prefix = malloc(sizeof(uint64_t) * (distinct ? distinct : 1));
  ix->first = malloc(sizeof(uint32_t) * (distinct + 1));
  if (!ix->filter || !ix->dir || !ix->prefix || !ix->first) {
    free(pairs);
    return -1;
  }
  uint32_t k = 0;
  for (uint32_t e = 0; e < in->n_entries; e++) {
    if (e > 0 && pairs[e].prefix == pairs[e - 1].prefix) continue;
    uint64_t p = pairs[e].prefix;
    ix->filter[p >> ix->filter_shift] |= filter_bits(p);
    ix->prefix[k] = p;
    ix->first[k] = e;
    ix->dir[(p >> ix->dir_shift) + 1]++;
    k++;
  }
  ix->first[distinct] = in->n_entries;
  for (size_t b = 1; b <= ((size_t)1 << dbits); b++) ix->dir[b] += ix->dir[b - 1];
  free(pairs);
  return 0;
}

typedef struct worker {
  const match_input *in;
  const match_index *ix;
  uv_mutex_t *lock;
  uint32_t *next;
  match_hit *hits;
  size_t n_hits, cap;
  uint64_t derived, identifiers;
  int oom;
  uv_thread_t thread;
} worker;

static int any_scan_near(const match_input *in, uint32_t e, uint32_t enin) {
  uint32_t tol = in->entry_tolerance[e];
  uint32_t lo = enin > tol ? enin - tol : 0;
  uint64_t hi = (uint64_t)enin + tol;
  const uint32_t *s = in->scan_enin;
  uint32_t a = in->scan_start[e], b = in->scan_start[e + 1];
  /* first scan >= lo */
  while (a < b) {
    uint32_t mid = a + (b - a) / 2;
    if (s[mid] < lo) a = mid + 1;
    else b = mid;
  }
  return a < in->scan_start[e + 1] && s[a] <= hi;
}

static void add_hit(worker *w, uint32_t key, uint32_t enin, uint32_t entry, const uint8_t *rpi) {
  if (w->n_hits == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    match_hit *h = realloc(w->hits, cap * sizeof(match_hit));
    if (!h) {
      w->oom = 1;
      return;
    }
    w->hits = h;
    w->cap = cap;
  }
  match_hit *h = &w->hits[w->n_hits++];
  h->key = key;
  h->enin = enin;
  h->entry = entry;
  memcpy(h->rpi, rpi, 16);
}

/* Identifiers of key i for intervals base + lo .. base + hi, looked up. */
static void derive_and_look_up(worker *w, uint32_t i, const uint8_t rpik[16], uint32_t lo, uint32_t hi) {
  const match_input *in = w->in;
  const match_index *ix = w->ix;
  uint8_t rpis[144 * 16];
  uint32_t n = hi - lo + 1;
  in->backend->aes128_encrypt(rpik, ix->padded + 16 * (size_t)lo, rpis, n);
  w->derived++;
  w->identifiers += n;
  /* In phases, so the memory reads of all identifiers overlap instead of waiting one by one:
     the filter words (prefetched, then tested), then the directory of the few that pass. */
  uint64_t p[144];
  uint32_t cand[144], nc = 0;
  for (uint32_t j = 0; j < n; j++) {
    p[j] = prefix48(rpis + 16 * j);
    PREFETCH(&ix->filter[p[j] >> ix->filter_shift]);
  }
  for (uint32_t j = 0; j < n; j++) {
    uint64_t bits = filter_bits(p[j]);
    cand[nc] = j;
    nc += (uint32_t)((ix->filter[p[j] >> ix->filter_shift] & bits) == bits);
  }
  for (uint32_t c = 0; c < nc; c++) PREFETCH(&ix->dir[p[cand[c]] >> ix->dir_shift]);
  for (uint32_t c = 0; c < nc; c++) {
    uint32_t j = cand[c];
    const uint8_t *r = rpis + 16 * j;
    uint64_t b = p[j] >> ix->dir_shift;
    uint32_t k = ix->dir[b], end = ix->dir[b + 1];
    while (k < end && ix->prefix[k] < p[j]) k++;
    if (k == end || ix->prefix[k] != p[j]) continue;
    uint32_t enin = in->base + lo + j;
    for (uint32_t x = ix->first[k]; x < ix->first[k + 1]; x++) {
      uint32_t e = ix->order[x];
      uint32_t len = in->entry_len[e];
      if (len > 6 && memcmp(in->entry_id + 16 * (size_t)e + 6, r + 6, len - 6) != 0) continue;
      int8_t c = in->entry_class[e];
      if (c >= 0 && !in->class_mask[c][i]) continue;
      if (!any_scan_near(in, e, enin)) continue;
      add_hit(w, i, enin, e, r);
    }
  }
}

static void work(void *arg) {
  worker *w = arg;
  const match_input *in = w->in;
  const match_index *ix = w->ix;
  const uint32_t span = in->span;
  /* keys waiting for their RPIK, derived two at a time */
  uint32_t qi[2], qlo[2], qhi[2];
  int queued = 0;
  for (;;) {
    uv_mutex_lock(w->lock);
    uint32_t from = *w->next;
    *w->next = from + CHUNK > in->to || from + CHUNK < from ? in->to : from + CHUNK;
    uint32_t to = *w->next;
    uv_mutex_unlock(w->lock);
    if (from >= to) break;
    for (uint32_t i = from; i < to; i++) {
      uint32_t period = in->rolling_period[i];
      if (period == 0 || span == 0) continue;
      int64_t lo = (int64_t)in->rolling_start[i] - in->base;
      int64_t hi = lo + period - 1;
      if (hi < 0 || lo >= span) continue;
      if (lo < 0) lo = 0;
      if (hi >= span) hi = span - 1;
      uint32_t m = 0;
      for (uint32_t c = 0; c < in->n_classes; c++)
        if (in->class_mask[c][i]) m |= 1u << c;
      if (m == 0 && !in->near_all) continue;
      uint32_t first = ix->next_near[(size_t)m * span + lo];
      uint32_t last = ix->prev_near[(size_t)m * span + hi]; /* last near + 1, 0 when none */
      if (last == 0 || first >= last) continue;
      lo = first;
      hi = last - 1;
      qi[queued] = i;
      qlo[queued] = (uint32_t)lo;
      qhi[queued] = (uint32_t)hi;
      if (++queued == 2) {
        uint8_t rpik[2][16];
        gaen_rpik2(in->backend, in->key_data + 16 * (size_t)qi[0], in->key_data + 16 * (size_t)qi[1], rpik[0], rpik[1]);
        derive_and_look_up(w, qi[0], rpik[0], qlo[0], qhi[0]);
        derive_and_look_up(w, qi[1], rpik[1], qlo[1], qhi[1]);
        queued = 0;
      }
    }
  }
  if (queued) {
    uint8_t rpik[16];
    gaen_rpik(in->backend, in->key_data + 16 * (size_t)qi[0], rpik);
    derive_and_look_up(w, qi[0], rpik, qlo[0], qhi[0]);
  }
}

static int hit_cmp(const void *a, const void *b) {
  const match_hit *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->enin != y->enin) return x->enin < y->enin ? -1 : 1;
  return x->entry < y->entry ? -1 : x->entry > y->entry;
}

int match_run(const match_input *in, match_output *out) {
  memset(out, 0, sizeof *out);
  match_index ix;
  if (index_build(in, &ix) != 0) {
    index_free(&ix);
    return -1;
  }
  uint32_t threads = in->threads < 1 ? 1 : in->threads > 64 ? 64 : in->threads;
  uint32_t keys = in->to - in->from;
  if (threads > 1 && keys < 2 * CHUNK) threads = 1;
  worker *ws = calloc(threads, sizeof(worker));
  uv_mutex_t lock;
  uint32_t next = in->from;
  if (!ws || uv_mutex_init(&lock) != 0) {
    free(ws);
    index_free(&ix);
    return -1;
  }
  uint32_t started = 0;
  for (uint32_t t = 0; t < threads; t++) {
    ws[t].in = in;
    ws[t].ix = &ix;
    ws[t].lock = &lock;
    ws[t].next = &next;
  }
  /* thread 0 is this one; the others are started (if one cannot be, the rest do its share) */
  for (uint32_t t = 1; t < threads; t++) {
    if (uv_thread_create(&ws[t].thread, work, &ws[t]) != 0) break;
    started = t;
  }
  work(&ws[0]);
  for (uint32_t t = 1; t <= started; t++) uv_thread_join(&ws[t].thread);
  uv_mutex_destroy(&lock);
  index_free(&ix);
  size_t total = 0;
  int oom = 0;
  for (uint32_t t = 0; t <= started; t++) {
    total += ws[t].n_hits;
    oom |= ws[t].oom;
    out->keys_derived += ws[t].derived;
    out->identifiers_derived += ws[t].identifiers;
  }
  match_hit *all = oom ? NULL : malloc(sizeof(match_hit) * (total ? total : 1));
  if (all) {
    size_t k = 0;
    for (uint32_t t = 0; t <= started; t++) {
      if (ws[t].n_hits) memcpy(all + k, ws[t].hits, ws[t].n_hits * sizeof(match_hit));
      k += ws[t].n_hits;
    }
    qsort(all, total, sizeof(match_hit), hit_cmp);
  }
  for (uint32_t t = 0; t <= started; t++) free(ws[t].hits);
  free(ws);
  if (!all) {
    memset(out, 0, sizeof *out);
    return -1;
  }
  out->hits = all;
  out->n_hits = total;
  return 0;
}
