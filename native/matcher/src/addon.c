/*
 * N-API glue of the native matcher (host-tools/match/nativeMatcher.ts loads it):
 *
 *   backends()                 names of the crypto backends this CPU supports, fastest first
 *   match(job)                 matcher.h's match_run on typed arrays; see nativeMatcher.ts
 *   rpik(teks, backend?)       RPIKs of n TEKs (16 n bytes), for the tests
 *   aes(key, blocks, backend?) AES-128-ECB of blocks (16 n bytes), for the tests
 *
 * Every array is checked for type and length before the C code reads it; a wrong job throws a
 * TypeError or RangeError naming the field. The call is synchronous (the threads run inside it).
 */
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <uv.h>
#include "gaen_crypto.h"
#include "matcher.h"

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "N-API call failed: " #call); return NULL; } } while (0)

static const gaen_backend *BACKENDS[4];
static int N_BACKENDS = 0;
static uv_once_t ONCE = UV_ONCE_INIT;

static void detect(void) {
  N_BACKENDS = gaen_backends(BACKENDS);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* Backend by name (NULL or "" = fastest); NULL when this CPU does not support it. */
static const gaen_backend *backend_named(napi_env env, napi_value v, int *ok) {
  napi_valuetype t;
  *ok = 1;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null) return BACKENDS[0];
  char name[64];
  size_t len;
  if (t != napi_string || napi_get_value_string_utf8(env, v, name, sizeof name, &len) != napi_ok) {
    *ok = 0;
    throw_type(env, "backend must be a string");
    return NULL;
  }
  for (int i = 0; i < N_BACKENDS; i++)
    if (strcmp(BACKENDS[i]->name, name) == 0) return BACKENDS[i];
  *ok = 0;
  throw_range(env, "backend not supported on this CPU");
  return NULL;
}

/* A typed array of the given type: data and element count. Returns 0 and throws otherwise. */
static int typed(napi_env env, napi_value v, napi_typedarray_type want, const char *field, void **data, size_t *count) {
  bool is;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  char msg[128];
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, count, data, &ab, &off) != napi_ok || type != want) {
    const char *kind = want == napi_uint8_array ? "a Uint8Array" : want == napi_uint32_array ? "a Uint32Array" : want == napi_int8_array ? "an Int8Array" : "a typed array";
    snprintf(msg, sizeof msg, "%s must be %s", field, kind);
    throw_type(env, msg);
    return 0;
  }
  if (*count == 0) *data = NULL;
  return 1;
}

static int field_typed(napi_env env, napi_value obj, const char *field, napi_typedarray_type want, void **data, size_t *count) {
  napi_value v;
  if (napi_get_named_property(env, obj, field, &v) != napi_ok) return 0;
  return typed(env, v, want, field, data, count);
}

static int field_u32(napi_env env, napi_value obj, const char *field, uint32_t *out) {
  napi_value v;
  double d;
  char msg[128];
  if (napi_get_named_property(env, obj, field, &v) != napi_ok) return 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    snprintf(msg, sizeof msg, "%s must be an integer 0..4294967295", field);
    throw_range(env, msg);
    return 0;
  }
  *out = (uint32_t)d;
  return 1;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_undefined || t == napi_null);
}

static napi_value new_typed(napi_env env, napi_typedarray_type type, size_t count, size_t elem, void **data) {
  napi_value ab, arr;
  if (napi_create_arraybuffer(env, count * elem, data, &ab) != napi_ok) return NULL;
  if (napi_create_typedarray(env, type, count, ab, 0, &arr) != napi_ok) return NULL;
  return arr;
}

static napi_value js_backends(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr, s;
  CHECK(napi_create_array_with_length(env, N_BACKENDS, &arr));
  for (int i = 0; i < N_BACKENDS; i++) {
    CHECK(napi_create_string_utf8(env, BACKENDS[i]->name, NAPI_AUTO_LENGTH, &s));
    CHECK(napi_set_element(env, arr, i, s));
  }
  return arr;
}

static napi_value js_rpik(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = { NULL, NULL };
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *teks;
  size_t n;
  int ok;
  if (argc < 1 || !typed(env, argv[0], napi_uint8_array, "teks", &teks, &n)) return NULL;
  if (n % 16) return throw_range(env, "teks must hold 16 bytes per key");
  const gaen_backend *b = backend_named(env, argc > 1 ? argv[1] : NULL, &ok);
  if (!ok) return NULL;
  void *out;
  napi_value arr = new_typed(env, napi_uint8_array, n, 1, &out);
  if (!arr) return NULL;
  size_t k = 0;
  for (; k + 2 <= n / 16; k += 2) gaen_rpik2(b, (uint8_t *)teks + 16 * k, (uint8_t *)teks + 16 * k + 16, (uint8_t *)out + 16 * k, (uint8_t *)out + 16 * k + 16);
  if (k < n / 16) gaen_rpik(b, (uint8_t *)teks + 16 * k, (uint8_t *)out + 16 * k);
  return arr;
}

static napi_value js_aes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3] = { NULL, NULL, NULL };
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *key, *blocks;
  size_t kn, n;
  int ok;
  if (argc < 2 || !typed(env, argv[0], napi_uint8_array, "key", &key, &kn) || !typed(env, argv[1], napi_uint8_array, "blocks", &blocks, &n)) return NULL;
  if (kn != 16) return throw_range(env, "key must be 16 bytes");
  if (n % 16) return throw_range(env, "blocks must be a multiple of 16 bytes");
  const gaen_backend *b = backend_named(env, argc > 2 ? argv[2] : NULL, &ok);
  if (!ok) return NULL;
  void *out;
  napi_value arr = new_typed(env, napi_uint8_array, n, 1, &out);
  if (!arr) return NULL;
  if (n) b->aes128_encrypt(key, blocks, out, n / 16);
  return arr;
}

static napi_value js_match(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value job, v;
  CHECK(napi_get_cb_info(env, info, &argc, &job, NULL, NULL));
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, job, &t) != napi_ok || t != napi_object) return throw_type(env, "match needs a job object");
  match_input in;
  memset(&in, 0, sizeof in);
  void *p;
  size_t n, nk, ns, ne;
  /* keys */
  if (!field_typed(env, job, "keyData", napi_uint8_array, &p, &n)) return NULL;
  in.key_data = p;
  if (!field_typed(env, job, "rollingStart", napi_uint32_array, &p, &nk)) return NULL;
  in.rolling_start = p;
  if (!field_typed(env, job, "rollingPeriod", napi_uint8_array, &p, &ns)) return NULL;
  in.rolling_period = p;
  if (!field_u32(env, job, "count", &in.n_keys) || !field_u32(env, job, "from", &in.from) || !field_u32(env, job, "to", &in.to)) return NULL;
  if (n < 16 * (size_t)in.n_keys || nk < in.n_keys || ns < in.n_keys) return throw_range(env, "the key arrays are shorter than count");
  if (in.from > in.to || in.to > in.n_keys) return throw_range(env, "from and to must satisfy 0 <= from <= to <= count");
  /* intervals */
  if (!field_u32(env, job, "base", &in.base) || !field_u32(env, job, "span", &in.span)) return NULL;
  if ((uint64_t)in.base + in.span > 0xffffffffull) return throw_range(env, "base + span beyond the last interval number");
  CHECK(napi_get_named_property(env, job, "nearAll", &v));
  if (!is_nullish(env, v)) {
    if (!typed(env, v, napi_uint8_array, "nearAll", &p, &n)) return NULL;
    if (n != in.span) return throw_range(env, "nearAll must hold span bytes");
    in.near_all = p;
  }
  napi_value masks, nears;
  uint32_t nm, nn;
  bool is_arr;
  CHECK(napi_get_named_property(env, job, "classMasks", &masks));
  CHECK(napi_get_named_property(env, job, "classNear", &nears));
  if (napi_is_array(env, masks, &is_arr) != napi_ok || !is_arr) return throw_type(env, "classMasks must be an array");
  if (napi_is_array(env, nears, &is_arr) != napi_ok || !is_arr) return throw_type(env, "classNear must be an array");
  CHECK(napi_get_array_length(env, masks, &nm));
  CHECK(napi_get_array_length(env, nears, &nn));
  if (nm != nn) return throw_range(env, "classMasks and classNear must have the same length");
  if (nm > MATCH_MAX_CLASSES) return throw_range(env, "too many key classes in one job");
  in.n_classes = nm;
  for (uint32_t c = 0; c < nm; c++) {
    CHECK(napi_get_element(env, masks, c, &v));
    if (!typed(env, v, napi_uint8_array, "classMasks[]", &p, &n)) return NULL;
    if (n < in.n_keys) return throw_range(env, "each class mask must hold count bytes");
    in.class_mask[c] = p;
    CHECK(napi_get_element(env, nears, c, &v));
    if (!typed(env, v, napi_uint8_array, "classNear[]", &p, &n)) return NULL;
    if (n != in.span) return throw_range(env, "each classNear must hold span bytes");
    in.class_near[c] = p;
  }
  /* entries */
  if (!field_typed(env, job, "entryLen", napi_uint8_array, &p, &ne)) return NULL;
  in.entry_len = p;
  in.n_entries = (uint32_t)ne;
  if (ne > 0xfffffffeu) return throw_range(env, "too many logged identifiers");
  if (!field_typed(env, job, "entryId", napi_uint8_array, &p, &n)) return NULL;
  in.entry_id = p;
  if (n != 16 * ne) return throw_range(env, "entryId must hold 16 bytes per entry");
  if (!field_typed(env, job, "entryClass", napi_int8_array, &p, &n)) return NULL;
  in.entry_class = p;
  if (n != ne) return throw_range(env, "entryClass must hold one byte per entry");
  if (!field_typed(env, job, "entryTolerance", napi_uint8_array, &p, &n)) return NULL;
  in.entry_tolerance = p;
  if (n != ne) return throw_range(env, "entryTolerance must hold one byte per entry");
  if (!field_typed(env, job, "scanStart", napi_uint32_array, &p, &n)) return NULL;
  in.scan_start = p;
  if (n != ne + 1) return throw_range(env, "scanStart must hold entries + 1 offsets");
  if (!field_typed(env, job, "scanEnin", napi_uint32_array, &p, &ns)) return NULL;
  in.scan_enin = p;
  for (size_t e = 0; e < ne; e++) {
    if (in.entry_len[e] < 6 || in.entry_len[e] > 16) return throw_range(env, "entryLen must be 6..16");
    if (in.entry_class[e] < -1 || in.entry_class[e] >= (int)nm) return throw_range(env, "entryClass must be -1 or a class number");
    if (in.scan_start[e] > in.scan_start[e + 1]) return throw_range(env, "scanStart must not decrease");
    for (uint32_t s = in.scan_start[e] + 1; s < in.scan_start[e + 1] && s < ns; s++)
      if (in.scan_enin[s - 1] > in.scan_enin[s]) return throw_range(env, "each entry's scanEnin must ascend");
  }
  if (ne && in.scan_start[0] != 0) return throw_range(env, "scanStart must begin at 0");
  if (in.scan_start[ne] > ns) return throw_range(env, "scanStart points beyond scanEnin");
  if (!field_u32(env, job, "threads", &in.threads)) return NULL;
  int ok;
  CHECK(napi_get_named_property(env, job, "backend", &v));
  in.backend = backend_named(env, v, &ok);
  if (!ok) return NULL;

  match_output out;
  if (match_run(&in, &out) != 0) {
    napi_throw_error(env, "ENOMEM", "the native matcher ran out of memory");
    return NULL;
  }
  napi_value result, a_key, a_enin, a_entry, a_rpi, num, name;
  void *dk, *de, *dn, *dr;
  a_key = new_typed(env, napi_uint32_array, out.n_hits, 4, &dk);
  a_enin = new_typed(env, napi_uint32_array, out.n_hits, 4, &de);
  a_entry = new_typed(env, napi_uint32_array, out.n_hits, 4, &dn);
  a_rpi = new_typed(env, napi_uint8_array, 16 * out.n_hits, 1, &dr);
  if (!a_key || !a_enin || !a_entry || !a_rpi) {
    free(out.hits);
    return NULL;
  }
  for (size_t h = 0; h < out.n_hits; h++) {
    ((uint32_t *)dk)[h] = out.hits[h].key;
    ((uint32_t *)de)[h] = out.hits[h].enin;
    ((uint32_t *)dn)[h] = out.hits[h].entry;
    memcpy((uint8_t *)dr + 16 * h, out.hits[h].rpi, 16);
  }
  free(out.hits);
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "keyIndex", a_key));
  CHECK(napi_set_named_property(env, result, "enin", a_enin));
  CHECK(napi_set_named_property(env, result, "entry", a_entry));
  CHECK(napi_set_named_property(env, result, "rpi", a_rpi));
  CHECK(napi_create_double(env, (double)out.keys_derived, &num));
  CHECK(napi_set_named_property(env, result, "keysDerived", num));
  CHECK(napi_create_double(env, (double)out.identifiers_derived, &num));
  CHECK(napi_set_named_property(env, result, "identifiersDerived", num));
  CHECK(napi_create_string_utf8(env, in.backend->name, NAPI_AUTO_LENGTH, &name));
  CHECK(napi_set_named_property(env, result, "backend", name));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  uv_once(&ONCE, detect); /* worker threads may load the addon at the same time */
  napi_property_descriptor props[] = {
    { "backends", NULL, js_backends, NULL, NULL, NULL, napi_default, NULL },
    { "match", NULL, js_match, NULL, NULL, NULL, napi_default, NULL },
    { "rpik", NULL, js_rpik, NULL, NULL, NULL, napi_default, NULL },
    { "aes", NULL, js_aes, NULL, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
