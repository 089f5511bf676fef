/**
 * Incremental matching for `omamori check` (docs/MATCHING.md section 5
 * "Incremental matching": nothing is matched twice).
 *
 * A token's memo (checkHistory.ts `match`) remembers what the last check already matched: the
 * key-cache files (by SHA-256), the log's horizon (latest scan time), how many scans the log then
 * held, the ENIN of that check, the configuration digest and clock tolerance, and the diagnosis
 * keys (key data + rolling start; public keys, never identifiers) that matched anything.
 *
 * This check then derives identifiers only for
 *   - "fresh" keys: added or revised by a file not matched before, or starting after the last
 *     check's "future" limit (they were dropped then) -> against the whole log;
 *   - all other keys -> against the sub-log of encounters with a scan later than horizon - 2 h
 *     (only a new scan can make a new match; the scans of such an encounter are all kept).
 * The keys that matched, plus the remembered ones still in the merged key set, are copied (with
 * their final, revised fields; revoked keys are left out) into a small KeySet, and the ordinary
 * matchLog runs on it over the whole log: the same windows and summary as a full match, because
 * keys that match nothing contribute nothing.
 *
 * A full match (every key fresh) is done when there is no usable memo, the configuration or the
 * log's clock tolerance changed, the check's time is earlier than the last one's (keys dropped as
 * too old then may be usable now), or the log holds more scans up to the horizon than it did (it
 * is not the log that was matched, extended by a sync).
 */
import { toHex } from "../../common/bytes";
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import type { CachedKeys } from "../keys/loadKeys";
import { TOLERANCE_INTERVALS } from "../keys/validateKeys";
import { KeySet } from "../match/keySet";
import type { OmamoriLog } from "../log/omamoriLog";
import { reportOf, type MatchReport } from "../match/matchLog";
import type { MatchTarget } from "../match/matchPlan";
import { matchTargets } from "../match/matchTargets";
import type { MatcherStatus } from "../match/nativeMatcher";
import type { RiskConfig } from "../match/riskConfig";
import { SightingIndex } from "../match/sightingIndex";

export const MATCH_MEMO_VERSION = 1;

/** What one check matched for one token (stored in check-history.json). */
export interface MatchMemo {
  version: 1;
  /** SHA-256 of the key-cache files whose keys were matched. */
  files: string[];
  /** Latest scan time (Unix seconds) in the log matched; null for an empty log. */
  horizon: number | null;
  /** Scans in the log matched. */
  scans: number;
  /** ENIN of the check (keys starting after it + 12 intervals were dropped as "future"). */
  nowEnin: number;
  /** SHA-256 of the risk configuration. */
  configDigest: string;
  /** Clock tolerance of the log in intervals (SightingIndex.tolerance). */
  tolerance: number;
  /** Keys that matched something: "<key data hex>:<rolling start>". */
  keys: string[];
}

export interface IncrementalStats {
  /** True when every key was matched against the whole log. */
  full: boolean;
  /** Why a full match was needed (when full). */
  reason?: string;
  /** Keys matched against the whole log. */
  keysAfresh: number;
  /** Keys matched only against the new sightings (their files were matched before). */
  keysAgainstNewSightings: number;
  /** Encounters in the sub-log of new sightings. */
  newEncounters: number;
  /** Keys in the small set given to matchLog. */
  keysMatched: number;
}

export interface IncrementalResult {
  report: MatchReport;
  memo: MatchMemo;
  stats: IncrementalStats;
}

function isMemo(m: unknown): m is MatchMemo {
  const o = m as MatchMemo;
  return !!o && typeof o === "object" && o.version === MATCH_MEMO_VERSION && Array.isArray(o.files) && Array.isArray(o.keys)
    && (o.horizon === null || typeof o.horizon === "number") && typeof o.scans === "number" && typeof o.nowEnin === "number"
    && typeof o.configDigest === "string" && typeof o.tolerance === "number"
    && o.files.every((f) => typeof f === "string") && o.keys.every((k) => typeof k === "string" && /^[0-9a-f]{32}:\d+$/.test(k));
}

function logStats(index: SightingIndex, upTo: number | null): { horizon: number | null; scans: number; scansUpTo: number } {
  let horizon: number | null = null;
  let scansUpTo = 0;
  for (const t of index.scanTime) {
    if (horizon === null || t > horizon) horizon = t;
    if (upTo !== null && t <= upTo) scansUpTo++;
  }
  return { horizon, scans: index.scanTime.length, scansUpTo };
}

/** Why the memo cannot be used for this log and configuration, or null when it can. */
function fullMatchReason(memo: unknown, index: SightingIndex, configDigest: string, nowEnin: number): string | null {
  if (memo === undefined || memo === null) return "first check";
  if (!isMemo(memo)) return "memo missing or damaged";
  if (memo.configDigest !== configDigest) return "risk configuration changed";
  if (memo.tolerance !== index.tolerance) return "clock tolerance changed";
  if (nowEnin < memo.nowEnin) return "check time went back";
  if (memo.horizon !== null && logStats(index, memo.horizon).scansUpTo > memo.scans) return "log is not an extension of the one matched";
  return null;
}

/** One token's log (its header, when `index` is given: logColumns.ts) and the memo of its last check. */
export interface TokenToMatch {
  log: OmamoriLog;
  memo: unknown;
  index?: SightingIndex;
}

export interface TokensResult {
  /** Per token, in order. */
  results: IncrementalResult[];
  /** The engine of the shared pass (nativeMatcher.ts). */
  engine: MatcherStatus;
}

/** A mask over the keys in shared memory (matcher threads read it without a copy). */
function keyMask(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, n))).subarray(0, n);
}

/**
 * Key indexes of "<key data hex>:<rolling start>" strings still in `keys`, for several lists at
 * once (the memos of every token of a pass): one scan over the keys, whatever the number of lists.
 */
function indexesOf(keys: KeySet, lists: string[][]): number[][] {
  // first 4 bytes of the key data -> the wanted keys starting with them, and the lists naming each
  const byHead = new Map<number, { data: Buffer; start: number; lists: number[] }[]>();
  const byText = new Map<string, { lists: number[] }>();
  lists.forEach((wanted, l) => {
    for (const w of wanted) {
      const known = byText.get(w);
      if (known) {
        if (known.lists[known.lists.length - 1] !== l) known.lists.push(l);
        continue;
      }
      const [hex, start] = w.split(":");
      const data = Buffer.from(hex, "hex");
      const entry = { data, start: Number(start), lists: [l] };
      byText.set(w, entry);
      const head = data.readUInt32BE(0);
      const list = byHead.get(head);
      if (list) list.push(entry);
      else byHead.set(head, [entry]);
    }
  });
  const out: number[][] = lists.map(() => []);
  if (byHead.size === 0) return out;
  // the first two bytes of the wanted keys, so almost every key is passed over with one array read
  const maybe = new Uint8Array(65536);
  for (const head of byHead.keys()) maybe[head >>> 16] = 1;
  const kd = keys.keyData, count = keys.count;
  for (let i = 0; i < count; i++) {
    const o = 16 * i;
    if (maybe[(kd[o] << 8) | kd[o + 1]] === 0) continue;
    const list = byHead.get(((kd[o] << 24) | (kd[o + 1] << 16) | (kd[o + 2] << 8) | kd[o + 3]) >>> 0);
    if (!list) continue;
    for (const w of list) {
      if (w.start !== keys.rollingStart[i]) continue;
      let same = true;
      for (let b = 4; b < 16; b++) if (kd[o + b] !== w.data[b]) { same = false; break; }
      if (same) for (const l of w.lists) out[l].push(i);
    }
  }
  return out;
}

/**
 * The key masks of one memo: fresh keys (their file is new, or they start after `futureLimit`)
 * and the others, and how many of each are not revoked. One tight loop over typed arrays: it runs
 * over every key of a national set at each daily check.
 */
function splitKeys(keys: KeySet, origin: Uint32Array, freshFile: Uint8Array, futureLimit: number) {
  const count = keys.count, rollingStart = keys.rollingStart, rollingPeriod = keys.rollingPeriod;
  const fresh = keyMask(count), old = keyMask(count);
  let freshCount = 0, oldCount = 0;
  for (let i = 0; i < count; i++) {
    const live = rollingPeriod[i] !== 0 ? 1 : 0;
    if (freshFile[origin[i]] === 1 || rollingStart[i] > futureLimit) {
      fresh[i] = 1;
      freshCount += live;
    } else {
      old[i] = 1;
      oldCount += live;
    }
  }
  return { fresh, old, freshCount, oldCount };
}

interface Planned {
  index: SightingIndex;
  reason: string | null;
  /** Targets of this token in the pass: [whole log] or [whole log (fresh keys), new sightings (older keys)]. */
  targets: number[];
  old?: Uint8Array;
  oldCount?: number;
  newEncounters: number;
}

/**
 * Match every token's log against the merged key set in ONE pass (each key's identifiers derived
 * once for all logs), re-using each token's memo when it applies. Each token gets the same report
 * summary and windows as matchLog(its log, loaded keys).
 */
export async function matchTokensIncrementally(
  tokens: TokenToMatch[], loaded: CachedKeys, config: RiskConfig, configDigest: string, nowSeconds: number,
): Promise<TokensResult> {
  const keys = loaded.validation.keys;
  const nowEnin = eninFromUnixSeconds(nowSeconds);
  const targets: MatchTarget[] = [];
  // One pair of masks per distinct memo (tokens checked together share it).
  const masks = new Map<string, { fresh: Uint8Array; old: Uint8Array; freshCount: number; oldCount: number }>();
  const planned: Planned[] = tokens.map(({ log, memo, index: given }) => {
    const index = given ?? new SightingIndex(log);
    const reason = fullMatchReason(memo, index, configDigest, nowEnin);
    if (reason !== null) {
      targets.push({ index });
      return { index, reason, targets: [targets.length - 1], newEncounters: 0 };
    }
    const m = memo as MatchMemo;
    const id = `${m.nowEnin}|${m.files.join(",")}`;
    let mask = masks.get(id);
    if (!mask) {
      const known = new Set(m.files);
      const fresh = loaded.fileSha256.map((sha) => !known.has(sha));
      const futureLimit = m.nowEnin + TOLERANCE_INTERVALS;
      mask = splitKeys(keys, loaded.origin, Uint8Array.from(fresh, (f) => (f ? 1 : 0)), futureLimit);
      masks.set(id, mask);
    }
    targets.push({ index, keys: mask.fresh, checked: mask.freshCount });
    const mine = [targets.length - 1];
    // No earlier scan (an empty log was matched): every sighting is new.
    const from = m.horizon === null ? -Infinity : m.horizon - TOLERANCE_INTERVALS * 600;
    const sub = index.subset(log, (i) => index.lastScan(i) > from);
    if (sub.count > 0) {
      targets.push({ index: sub, keys: mask.old, checked: mask.oldCount });
      mine.push(targets.length - 1);
    }
    return { index, reason, targets: mine, old: mask.old, oldCount: mask.oldCount, newEncounters: sub.count };
  });
  const pass = await matchTargets(keys, targets);
  // the keys each token's memo remembers, found in one scan for all tokens
  const remembered = indexesOf(keys, tokens.map(({ memo }, t) => (planned[t].reason === null ? (memo as MatchMemo).keys : [])));
  const results: IncrementalResult[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const { log } = tokens[t];
    const p = planned[t];
    const matched = new Set<number>();
    for (const ti of p.targets) for (const r of pass.runs[ti].matches) matched.add(r.keyIndex);
    let keysAfresh = pass.runs[p.targets[0]].keysChecked, keysAgainstNewSightings = 0;
    if (p.reason === null) {
      if (p.targets.length > 1) keysAgainstNewSightings = pass.runs[p.targets[1]].keysChecked;
      else keysAgainstNewSightings = p.oldCount!;
      for (const i of remembered[t]) matched.add(i);
    }
    const small = new KeySet(Math.max(1, matched.size));
    const memoKeys: string[] = [];
    for (const i of [...matched].sort((a, b) => a - b)) {
      if (keys.isRevoked(i)) continue;
      const data = keys.keyData.subarray(16 * i, 16 * i + 16);
      small.add(data, 0, keys.fields(i));
      memoKeys.push(`${toHex(data)}:${keys.rollingStart[i]}`);
    }
    // The keys that matched anything, against the whole log: the same windows as a full match.
    const own = await matchTargets(small, [{ index: p.index }], { threads: 1 });
    const report: MatchReport = reportOf(log, p.index, small, own.runs[0], config, nowSeconds, pass.engine);
    const st = logStats(p.index, null);
    const next: MatchMemo = {
      version: MATCH_MEMO_VERSION,
      files: loaded.fileSha256.slice(),
      horizon: st.horizon,
      scans: st.scans,
      nowEnin,
      configDigest,
      tolerance: p.index.tolerance,
      keys: memoKeys,
    };
    const stats: IncrementalStats = { full: p.reason !== null, keysAfresh, keysAgainstNewSightings, newEncounters: p.newEncounters, keysMatched: small.count };
    if (p.reason !== null) stats.reason = p.reason;
    results.push({ report, memo: next, stats });
  }
  return { results, engine: pass.engine };
}
