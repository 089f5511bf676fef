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
import { fromHex, toHex } from "../../common/bytes";
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import type { CachedKeys } from "../keys/loadKeys";
import { TOLERANCE_INTERVALS } from "../keys/validateKeys";
import type { MatchableKeys } from "../match/engine";
import { KeySet } from "../match/keySet";
import type { ContactLog } from "../match/logFormat";
import { matchLog, type MatchReport } from "../match/matchLog";
import { findMatchesParallel } from "../match/parallelMatch";
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

function logStats(log: ContactLog, upTo: number | null): { horizon: number | null; scans: number; scansUpTo: number } {
  let horizon: number | null = null;
  let scans = 0;
  let scansUpTo = 0;
  for (const e of log.encounters) {
    for (const s of e.scans) {
      scans++;
      if (horizon === null || s.t > horizon) horizon = s.t;
      if (upTo !== null && s.t <= upTo) scansUpTo++;
    }
  }
  return { horizon, scans, scansUpTo };
}

/** A view of `keys` in which only the keys where `take[i]` is 1 are matched (the others look revoked). */
function viewOf(keys: KeySet, take: Uint8Array): MatchableKeys {
  const period = new Uint8Array(new SharedArrayBuffer(Math.max(1, keys.count)));
  for (let i = 0; i < keys.count; i++) period[i] = take[i] ? keys.rollingPeriod[i] : 0;
  return { count: keys.count, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: period };
}

/** Why the memo cannot be used for this log and configuration, or null when it can. */
function fullMatchReason(memo: unknown, log: ContactLog, tolerance: number, configDigest: string, nowEnin: number): string | null {
  if (memo === undefined || memo === null) return "first check";
  if (!isMemo(memo)) return "memo missing or damaged";
  if (memo.configDigest !== configDigest) return "risk configuration changed";
  if (memo.tolerance !== tolerance) return "clock tolerance changed";
  if (nowEnin < memo.nowEnin) return "check time went back";
  if (memo.horizon !== null && logStats(log, memo.horizon).scansUpTo > memo.scans) return "log is not an extension of the one matched";
  return null;
}

/**
 * Match `log` against the merged key set, re-using `memo` (from the previous check of this token)
 * when it applies. Gives the same report summary and windows as matchLog(log, loaded keys).
 */
export async function matchIncrementally(
  log: ContactLog, loaded: CachedKeys, config: RiskConfig, configDigest: string, nowSeconds: number, memo: unknown,
): Promise<IncrementalResult> {
  const keys = loaded.validation.keys;
  const index = new SightingIndex(log);
  const reason = fullMatchReason(memo, log, index.tolerance, configDigest, eninFromUnixSeconds(nowSeconds));
  const take = new Uint8Array(keys.count);
  const matched = new Set<number>();
  let keysAfresh = 0, keysAgainstNewSightings = 0, newEncounters = 0;
  if (reason !== null) {
    const run = await findMatchesParallel(log, index, keys);
    keysAfresh = run.keysChecked;
    for (const m of run.matches) matched.add(m.keyIndex);
  } else {
    const m = memo as MatchMemo;
    const known = new Set(m.files);
    const fresh = loaded.fileSha256.map((sha) => !known.has(sha));
    const futureLimit = m.nowEnin + TOLERANCE_INTERVALS;
    for (let i = 0; i < keys.count; i++) take[i] = fresh[loaded.origin[i]] || keys.rollingStart[i] > futureLimit ? 1 : 0;
    const freshRun = await findMatchesParallel(log, index, viewOf(keys, take));
    keysAfresh = freshRun.keysChecked;
    for (const r of freshRun.matches) matched.add(r.keyIndex);
    // No earlier scan (an empty log was matched): every sighting is new.
    const from = m.horizon === null ? -Infinity : m.horizon - TOLERANCE_INTERVALS * 600;
    const sub: ContactLog = { ...log, encounters: log.encounters.filter((e) => e.scans.some((s) => s.t > from)) };
    newEncounters = sub.encounters.length;
    for (let i = 0; i < keys.count; i++) take[i] ^= 1;
    const oldView = viewOf(keys, take);
    if (newEncounters > 0) {
      const oldRun = await findMatchesParallel(sub, new SightingIndex(sub), oldView);
      keysAgainstNewSightings = oldRun.keysChecked;
      for (const r of oldRun.matches) matched.add(r.keyIndex);
    } else {
      for (let i = 0; i < keys.count; i++) if (oldView.rollingPeriod[i] !== 0) keysAgainstNewSightings++;
    }
    for (const k of m.keys) {
      const [hex, start] = k.split(":");
      const i = keys.find(fromHex(hex), 0, Number(start));
      if (i >= 0) matched.add(i);
    }
  }
  const small = new KeySet(Math.max(1, matched.size));
  const memoKeys: string[] = [];
  for (const i of [...matched].sort((a, b) => a - b)) {
    if (keys.isRevoked(i)) continue;
    const data = keys.keyData.subarray(16 * i, 16 * i + 16);
    small.add(data, 0, keys.fields(i));
    memoKeys.push(`${toHex(data)}:${keys.rollingStart[i]}`);
  }
  const report = await matchLog(log, small, config, nowSeconds, 1);
  const st = logStats(log, null);
  const next: MatchMemo = {
    version: MATCH_MEMO_VERSION,
    files: loaded.fileSha256.slice(),
    horizon: st.horizon,
    scans: st.scans,
    nowEnin: eninFromUnixSeconds(nowSeconds),
    configDigest,
    tolerance: index.tolerance,
    keys: memoKeys,
  };
  const stats: IncrementalStats = { full: reason !== null, keysAfresh, keysAgainstNewSightings, newEncounters, keysMatched: small.count };
  if (reason !== null) stats.reason = reason;
  return { report, memo: next, stats };
}
