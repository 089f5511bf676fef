/*
 * The matcher's hot loop in C (the same rules as host-tools/match/engine.ts, which is the
 * reference and the fallback): for every key, the intervals of its validity that are "near" a
 * sighting of a log that takes the key; if there are any, its RPIK (once), the identifiers of the
 * first..last such interval, and a lookup of each in every log at once.
 *
 * Logs ("targets") may take every key, or only the keys of a class (a byte mask over the keys,
 * as the incremental check uses: new keys against the whole log, older keys against its newest
 * sightings). A hit (key, interval, logged identifier) counts when the logged bytes equal the
 * derived identifier's first bytes, the identifier's log takes the key, and one of its scans lies
 * within the log's tolerance of the interval.
 */
#ifndef OMAMORI_MATCHER_H
#define OMAMORI_MATCHER_H

#include <stddef.h>
#include <stdint.h>
#include "gaen_crypto.h"

/* Most key classes one run accepts (the combinations are precomputed: 2^MAX_CLASSES arrays). */
#define MATCH_MAX_CLASSES 6

typedef struct match_input {
  /* keys: 16 bytes, rolling start, rolling period (0 = skip: revoked) */
  const uint8_t *key_data;
  const uint32_t *rolling_start;
  const uint8_t *rolling_period;
  uint32_t n_keys, from, to;
  /* intervals base .. base + span - 1 */
  uint32_t base, span;
  /* near_all[j]: interval base + j is near a sighting of a log that takes every key (may be NULL) */
  const uint8_t *near_all;
  /* classes: class_mask[c][key] = 1 when the class holds the key; class_near[c][j] as near_all */
  uint32_t n_classes;
  const uint8_t *class_mask[MATCH_MAX_CLASSES];
  const uint8_t *class_near[MATCH_MAX_CLASSES];
  /* logged identifiers ("entries") of every log */
  uint32_t n_entries;
  const uint8_t *entry_id;        /* 16 bytes each; only the first entry_len[e] count */
  const uint8_t *entry_len;       /* 6..16 */
  const int8_t *entry_class;      /* -1: its log takes every key; else the class it takes */
  const uint32_t *scan_start;     /* n_entries + 1 offsets into scan_enin */
  const uint32_t *scan_enin;      /* the entry's scan intervals, ascending */
  const uint8_t *entry_tolerance; /* intervals either side */
  uint32_t threads;
  const gaen_backend *backend;
} match_input;

typedef struct match_hit {
  uint32_t key, enin, entry;
  uint8_t rpi[16];
} match_hit;

typedef struct match_output {
  match_hit *hits; /* sorted by key, interval, entry; free() it */
  size_t n_hits;
  uint64_t keys_derived, identifiers_derived;
} match_output;

/* Returns 0, or -1 when memory ran out (out is then empty). */
int match_run(const match_input *in, match_output *out);

#endif
