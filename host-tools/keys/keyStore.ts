/**
 * The key store: every cached key merged (duplicates dropped, revised keys applied, in file
 * order) into one flat file, `keys/store.bin`, so a check loads a national key set in one read,
 * with no unzipping, decoding or hashing. It is rebuilt from the cache's `.keys` files
 * (keyRecords.ts) whenever the cache's files change (a fetch adds, a prune removes), and holds
 * what the incremental check needs: which files it was built from and, per key, the file that
 * last added or revised it.
 *
 * The time rules (too old, in the future) depend on the check's time, so they are applied when
 * the store is loaded (usableKeys): keys they drop are removed from the loaded columns. A file
 * pruned from the cache (its keys older than 15 days) leaves the store as it is until the next
 * fetch rewrites it; loading drops that file's keys. The keys, their fields and origins equal
 * KeyCollector's over the cached files at that time; only the counts differ where the order of
 * the rules shows (a key repeated in two files and then too old counts as one duplicate and one
 * too-old, not two too-old; revisedApplied includes revisions of keys the time rules then drop;
 * a revoked key is judged with a 144-interval period). One more difference, after a prune: a key
 * first published in a pruned file and repeated unchanged-in-name but with other fields in a later
 * file keeps the first file's fields (servers publish a key once; a change comes as a revised key).
 *
 *   offset  0  "OMKSTORE"
 *           8  0x01020304 (uint32, this machine's byte order: the file is written and read here)
 *          12  version (1), count, files, read, revisedApplied (uint32 each)
 *          32  dropped counts, one uint32 per reason in DROP_REASONS order (field rules, revoked, duplicate)
 *         128  the files' SHA-256, 64 hex characters each, oldest first; then zeros to a multiple of 16
 *              keyData (16 x count) | rollingStart (uint32 x count) | origin (uint32 x count, index
 *              into the file list) | rollingPeriod (count; 0 = revoked) | reportType | daysSinceOnset |
 *              transmissionRiskLevel (int8 x count each)
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import { KeySet } from "../match/keySet";
import { writeFileAtomic } from "../base/atomicFile";
import type { CachedFile, KeyCache } from "./keyCache";
import { DROP_REASONS, emptyDropCounts, type DropReason } from "./keyRecords";
import { KeyCollector, timeProblem, type KeyValidation } from "./validateKeys";

export const STORE_FILE = "store.bin";
const MAGIC = "OMKSTORE";
const BYTE_ORDER = 0x01020304;
const VERSION = 1;
const HEADER = 128;

/** The merged keys of a list of files, before the time rules. */
export interface StoredKeys {
  keys: KeySet;
  /** Per key: the position in `files` of the file that last added or revised it. */
  origin: Uint32Array;
  /** SHA-256 of the files merged, oldest first. */
  files: string[];
  read: number;
  revisedApplied: number;
  dropped: Record<DropReason, number>;
}

export function storePath(cache: KeyCache): string {
  return join(cache.dir, STORE_FILE);
}

function columnsOffset(files: number): number {
  return Math.ceil((HEADER + 64 * files) / 16) * 16;
}

function storeBytes(count: number, files: number): number {
  return columnsOffset(files) + 28 * count;
}

/** Views of the columns of a store of `count` keys and `files` files in `buf`. */
function columns(buf: ArrayBufferLike, count: number, files: number) {
  let o = columnsOffset(files);
  const keyData = new Uint8Array(buf, o, 16 * count); o += 16 * count;
  const rollingStart = new Uint32Array(buf, o, count); o += 4 * count;
  const origin = new Uint32Array(buf, o, count); o += 4 * count;
  const rollingPeriod = new Uint8Array(buf, o, count); o += count;
  const reportType = new Int8Array(buf, o, count); o += count;
  const daysSinceOnset = new Int8Array(buf, o, count); o += count;
  const transmissionRiskLevel = new Int8Array(buf, o, count);
  return { keyData, rollingStart, origin, rollingPeriod, reportType, daysSinceOnset, transmissionRiskLevel };
}

/**
 * Merge cached files (oldest first) without the time rules, onto `base` (keys merged before, of
 * files that come first) when given.
 */
export async function mergeCachedFiles(cache: KeyCache, files: CachedFile[], base?: StoredKeys): Promise<StoredKeys> {
  const adding = files.reduce((n, f) => n + f.keys, 0);
  const collector = new KeyCollector(null, adding, base?.keys);
  const first = base ? base.files.length : 0;
  let origin = new Uint32Array(Math.max(16, collector.keys.capacity));
  if (base) origin.set(base.origin.subarray(0, base.keys.count));
  let current = 0;
  collector.onTouch = (i) => {
    if (i >= origin.length) {
      const o = new Uint32Array(Math.max(2 * origin.length, i + 1));
      o.set(origin);
      origin = o;
    }
    origin[i] = current;
  };
  if (base) {
    collector.read = base.read;
    collector.revisedApplied = base.revisedApplied;
    for (const r of DROP_REASONS) collector.dropped[r] = base.dropped[r];
  }
  for (let n = 0; n < files.length; n++) {
    current = first + n;
    collector.addRecords(await cache.records(files[n]));
  }
  const v = collector.result();
  return {
    keys: v.keys, origin: origin.subarray(0, v.keys.count), files: [...(base?.files ?? []), ...files.map((f) => f.sha256)],
    read: v.read, revisedApplied: v.revisedApplied, dropped: v.dropped,
  };
}

/** store.bin bytes of merged keys. */
export function encodeStore(s: StoredKeys): Uint8Array {
  const n = s.keys.count;
  const buf = new ArrayBuffer(storeBytes(n, s.files.length));
  const bytes = new Uint8Array(buf);
  const head = new Uint32Array(buf, 0, HEADER / 4);
  for (let i = 0; i < 8; i++) bytes[i] = MAGIC.charCodeAt(i);
  head[2] = BYTE_ORDER;
  head[3] = VERSION;
  head[4] = n;
  head[5] = s.files.length;
  head[6] = s.read;
  head[7] = s.revisedApplied;
  DROP_REASONS.forEach((r, k) => (head[8 + k] = s.dropped[r]));
  s.files.forEach((sha, f) => {
    for (let i = 0; i < 64; i++) bytes[HEADER + 64 * f + i] = sha.charCodeAt(i);
  });
  const c = columns(buf, n, s.files.length);
  const k = s.keys;
  c.keyData.set(k.keyData.subarray(0, 16 * n));
  c.rollingStart.set(k.rollingStart.subarray(0, n));
  c.origin.set(s.origin.subarray(0, n));
  c.rollingPeriod.set(k.rollingPeriod.subarray(0, n));
  c.reportType.set(k.reportType.subarray(0, n));
  c.daysSinceOnset.set(k.daysSinceOnset.subarray(0, n));
  c.transmissionRiskLevel.set(k.transmissionRiskLevel.subarray(0, n));
  return bytes;
}

/** Read store.bin into shared memory (matcher threads read the columns in place); null when it is missing or not a store. */
export function readStore(path: string): StoredKeys | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER) return null;
    const buf = new SharedArrayBuffer(size);
    const bytes = new Uint8Array(buf);
    for (let got = 0; got < size;) {
      const n = readSync(fd, bytes, got, size - got, got);
      if (n === 0) return null;
      got += n;
    }
    const head = new Uint32Array(buf, 0, HEADER / 4);
    for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return null;
    if (head[2] !== BYTE_ORDER || head[3] !== VERSION) return null;
    const count = head[4], nFiles = head[5];
    if (size !== storeBytes(count, nFiles)) return null;
    const files: string[] = [];
    for (let f = 0; f < nFiles; f++) files.push(String.fromCharCode(...bytes.subarray(HEADER + 64 * f, HEADER + 64 * f + 64)));
    if (!files.every((sha) => /^[0-9a-f]{64}$/.test(sha))) return null;
    const dropped = emptyDropCounts();
    DROP_REASONS.forEach((r, k) => (dropped[r] = head[8 + k]));
    const c = columns(buf, count, nFiles);
    for (let i = 0; i < count; i++) if (c.origin[i] >= nFiles || c.rollingPeriod[i] > 144) return null;
    return { keys: KeySet.fromColumns(count, c), origin: c.origin, files, read: head[6], revisedApplied: head[7], dropped };
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the keys for which `keep(key index)` holds (asked once per key, in order). When they form
 * one run [from, from + count) nothing moves (the usual case: the oldest file's keys are the ones
 * too old); otherwise they are moved down to 0 in place, one copy per run and column.
 */
function compact(s: StoredKeys, keep: (i: number) => boolean): { from: number; count: number } {
  const k = s.keys;
  const n = k.count;
  const flags = new Uint8Array(n);
  let runs = 0, first = -1, count = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    flags[i] = 1;
    count++;
    if (i === 0 || !flags[i - 1]) {
      runs++;
      if (first < 0) first = i;
    }
  }
  if (runs <= 1) return { from: Math.max(0, first), count };
  const cols: (Uint8Array | Int8Array | Uint32Array)[] = [k.rollingStart, s.origin, k.rollingPeriod, k.reportType, k.daysSinceOnset, k.transmissionRiskLevel];
  let kept = 0;
  for (let i = 0; i < n;) {
    if (!flags[i]) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && flags[j]) j++;
    if (kept !== i) {
      k.keyData.copyWithin(16 * kept, 16 * i, 16 * j);
      for (const c of cols) c.copyWithin(kept, i, j);
    }
    kept += j - i;
    i = j;
  }
  return { from: 0, count };
}

/** The keys [from, from + count) of a store, as views of its columns (no copy). */
function window(s: StoredKeys, from: number, count: number): { keys: KeySet; origin: Uint32Array } {
  const k = s.keys;
  if (from === 0 && count === k.count) return { keys: k, origin: s.origin };
  const to = from + count;
  const keys = KeySet.fromColumns(count, {
    keyData: k.keyData.subarray(16 * from, 16 * to), rollingStart: k.rollingStart.subarray(from, to), rollingPeriod: k.rollingPeriod.subarray(from, to),
    reportType: k.reportType.subarray(from, to), daysSinceOnset: k.daysSinceOnset.subarray(from, to), transmissionRiskLevel: k.transmissionRiskLevel.subarray(from, to),
  });
  return { keys, origin: s.origin.subarray(from, to) };
}

/**
 * The merged keys of the cache as it is now. store.bin as it is when it holds the cached files,
 * oldest first, and possibly files pruned since (usableKeys drops their keys). When new files
 * were added after those, they are merged onto it (the pruned files' keys left out) and store.bin
 * is written again; in any other case (a file inserted earlier, a damaged store) every .keys file
 * is merged afresh.
 */
export async function currentStore(cache: KeyCache): Promise<StoredKeys> {
  const files = cache.orderedFiles();
  const shas = files.map((f) => f.sha256);
  const stored = readStore(storePath(cache));
  let merged: StoredKeys;
  const cached = new Set(shas);
  const kept = stored ? stored.files.filter((sha) => cached.has(sha)) : [];
  if (stored && kept.every((sha, i) => sha === shas[i])) {
    if (kept.length === shas.length) return stored;
    // drop the keys of pruned files, renumber the origins, then add the new files
    const still = stored.files.map((sha) => cached.has(sha));
    const renumber = new Uint32Array(stored.files.length);
    let n = 0;
    stored.files.forEach((_sha, f) => (renumber[f] = still[f] ? n++ : 0));
    const { from, count } = compact(stored, (i) => still[stored.origin[i]]);
    const { keys, origin } = window(stored, from, count);
    for (let i = 0; i < count; i++) origin[i] = renumber[origin[i]];
    const base: StoredKeys = { ...stored, keys, origin, files: kept };
    merged = await mergeCachedFiles(cache, files.slice(kept.length), base);
  } else merged = await mergeCachedFiles(cache, files);
  try {
    await writeFileAtomic(storePath(cache), encodeStore(merged));
  } catch (e) {
    // a store that cannot be written (a read-only or full data folder) is only a lost shortcut:
    // the merged keys are used, and the store is written at a later check
    if (!["EROFS", "EACCES", "EPERM", "ENOSPC", "EDQUOT", "ENOENT"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
  }
  return merged;
}

/**
 * The keys usable at `nowSeconds` from the cached files `cachedSha256` (oldest first): keys too
 * old or in the future (validateKeys.ts time rules) and keys of files pruned since the store was
 * written are removed from the columns in place; origins are renumbered to `cachedSha256`. The
 * keys, their fields and origins equal KeyCollector's over the same files at that time (the
 * counts differ where the order of the rules shows: see the top of this file).
 */
export function usableKeys(s: StoredKeys, nowSeconds: number, cachedSha256: string[]): KeyValidation & { origin: Uint32Array } {
  const k = s.keys;
  const nowEnin = eninFromUnixSeconds(nowSeconds);
  const dropped = { ...s.dropped };
  const position = new Map(cachedSha256.map((sha, n) => [sha, n]));
  const renumber = Int32Array.from(s.files, (sha) => position.get(sha) ?? -1);
  const keep = (i: number): boolean => {
    if (renumber[s.origin[i]] < 0) return false;
    const problem = timeProblem(k.rollingStart[i], k.rollingPeriod[i] || 144, nowEnin);
    if (problem) dropped[problem]++;
    return problem === null;
  };
  const { from, count } = compact(s, keep);
  const { keys, origin } = window(s, from, count);
  if (renumber.some((r, f) => r !== f)) for (let i = 0; i < count; i++) origin[i] = renumber[origin[i]];
  return { keys, origin, read: s.read, revisedApplied: s.revisedApplied, dropped };
}
