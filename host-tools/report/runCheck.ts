/**
 * `omamori check` as a function (docs/MATCHING.md section 5): fetch new keys, match every synced
 * token in the data directory, write the large-print report and, for a new risky day, the
 * token's alert request; record the check in the local history.
 *
 * Data directory (see docs/MATCHING.md; tokens/ is kept by the sync service, docs/FORMATS.md):
 *   tokens/<id>/log.json           the synced log (interchange format)     read
 *   tokens/<id>/sync-state.json    { lastSyncAt, status }                   read (token health)
 *   tokens/<id>/alert-pending.json alert request                            written
 *   keys/                          key cache (keyCache.ts)                  read/written
 *   reports/check-<id>-<date>.html large-print report                       written
 *   check-history.json             history (checkHistory.ts)                read/written
 *   check.json                     settings (checkSettings.ts)              read
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex, type Trust } from "../keys/readExport";
import { fetchKeys, type FetchOptions, type FetchResult } from "../keys/fetchKeys";
import { KeyCache } from "../keys/keyCache";
import { keysFromCache, type CachedKeys } from "../keys/loadKeys";
import { isoDate, type ExposureSummary } from "../match/dailySummary";
import { parseContactLog, type ContactLog } from "../match/logFormat";
import { matcherStatus, type MatcherStatus } from "../match/nativeMatcher";
import { loadRiskConfig, type RiskConfig } from "../match/riskConfig";
import { writeAlertRequest, latestRiskyDate } from "./alertFlag";
import { loadHistory, saveHistory, type TokenMemo } from "./checkHistory";
import { loadCheckSettings } from "./checkSettings";
import { matchTokensIncrementally, type IncrementalResult, type IncrementalStats } from "./incrementalMatch";
import { htmlReport } from "./htmlReport";
import { writeFileAtomic } from "../base/atomicFile";
import { DataDir } from "../base/dataDir";
import type { Lang, OwnerResult, TokenHealth } from "./resultText";

export interface CheckOptions {
  home: string;
  now: Date;
  lang: Lang;
  /** Overrides check.json keySources. */
  sources?: string[];
  /** Trusted keys added to check.json publicKeys. */
  extraTrust?: Trust["keys"];
  allowUnsigned?: boolean;
  /** Skip fetching (use the cache as it is). */
  offline?: boolean;
  onProgress?: FetchOptions["onProgress"];
  fetchImpl?: typeof fetch;
}

export interface TokenCheck {
  tokenId: string;
  result: OwnerResult;
  /** Path of the HTML report written. */
  reportPath: string;
  /** True when a new alert request was written for the token. */
  alertRequested: boolean;
  /** True when the previous result was reused (nothing changed). */
  reused: boolean;
  /**
   * How much was matched (incrementalMatch.ts): keys matched afresh against the whole log, keys
   * matched only against the new sightings; absent when the result was reused or on a problem.
   */
  matching?: IncrementalStats;
  /** Problem reading this token's log, if any (the token is then skipped). */
  problem?: string;
}

export interface CheckRun {
  fetch: FetchResult | null;
  keyFiles: number;
  keysUsable: number;
  keysCheckedAt: string | null;
  tokens: TokenCheck[];
  /** The matcher used (native addon or JS engine, and why: nativeMatcher.ts). */
  matcher: MatcherStatus;
}

/** Paired tokens (host-tools/base/dataDir.ts) that hold a synced log. */
export async function syncedTokenIds(home: string): Promise<string[]> {
  const data = new DataDir(home);
  return (await data.tokenIds()).filter((id) => existsSync(data.logPath(id)));
}

async function tokenHealth(home: string, id: string): Promise<TokenHealth | undefined> {
  try {
    const st = await new DataDir(home).loadState(id);
    const h: TokenHealth = { lastSyncAt: st.lastSyncAt ?? null };
    const s = st.status;
    if (s && typeof s === "object") {
      if (typeof s.batteryPercent === "number" && s.batteryPercent >= 0) h.batteryPercent = s.batteryPercent;
      if (typeof s.firstDay === "number" && s.firstDay >= 0) h.firstDay = s.firstDay;
      if (typeof s.storageUsedBytes === "number") h.storageUsedBytes = s.storageUsedBytes;
      if (typeof s.storageFreeBytes === "number") h.storageFreeBytes = s.storageFreeBytes;
      if (typeof s.paused === "boolean") h.paused = s.paused;
    }
    return h;
  } catch {
    return undefined;
  }
}

export async function runCheck(o: CheckOptions): Promise<CheckRun> {
  const settings = loadCheckSettings(o.home);
  const trust: Trust = { keys: settings.publicKeys.concat(o.extraTrust ?? []), allowUnsigned: !!o.allowUnsigned || settings.allowUnsigned };
  const config = loadRiskConfig(settings.riskConfig);
  const cache = new KeyCache(o.home);
  const nowSeconds = o.now.getTime() / 1000;
  const sources = o.sources ?? settings.keySources;
  let fetched: FetchResult | null = null;
  if (!o.offline && sources.length) {
    fetched = await fetchKeys(sources, cache, { trust, onProgress: o.onProgress, fetchImpl: o.fetchImpl });
    if (fetched.problems.length === 0) await cache.markChecked(o.now);
  }
  await cache.prune(nowSeconds);
  const loaded = await keysFromCache(cache, nowSeconds);
  const keys = loaded.validation.keys;
  const keysUsable = keys.count - countRevoked(keys);
  const keysDigest = cache.digest();
  const configDigest = sha256Hex(new TextEncoder().encode(JSON.stringify(config)));
  const history = loadHistory(o.home);
  const run: CheckRun = { fetch: fetched, keyFiles: loaded.files.length, keysUsable, keysCheckedAt: cache.index.lastCheckedAt, tokens: [], matcher: matcherStatus() };
  const data = new DataDir(o.home);
  // Every token whose inputs changed is matched in ONE pass (matchTokens: each key's identifiers
  // derived once for all their logs); the others reuse their last result.
  const ids = await syncedTokenIds(o.home);
  const prepared = ids.map((id) => prepareToken(data, id, history.tokens[id], keysDigest, configDigest, nowSeconds));
  const matched = await matchTokens(prepared, loaded, config, configDigest, nowSeconds);
  run.matcher = matched.engine;
  for (const [n, id] of ids.entries()) {
    const { inputs } = prepared[n];
    const memo = history.tokens[id];
    let summary: ExposureSummary;
    let reused = false;
    let problem: string | undefined = prepared[n].problem;
    let matching: IncrementalStats | undefined;
    let matchMemo = memo?.match;
    const inc = matched.results[n];
    if (prepared[n].reuse && memo) {
      summary = memo.summary;
      reused = true;
    } else if (inc) {
      summary = inc.report.summary;
      matching = inc.stats;
      matchMemo = inc.memo;
    } else {
      problem ??= "the log was not matched";
      summary = { days: [], riskyDays: 0, riskyMinutes: 0, fromDate: isoDate(nowSeconds - (config.reportDays - 1) * 86400), toDate: isoDate(nowSeconds) };
    }
    const result: OwnerResult = { tokenId: id, summary, keysCheckedAt: cache.index.lastCheckedAt, checkedAt: o.now.toISOString(), contacts: settings.contacts };
    const health = await tokenHealth(o.home, id);
    if (health) result.health = health;
    const reportPath = join(o.home, "reports", `check-${id}-${isoDate(nowSeconds)}.html`);
    await writeFileAtomic(reportPath, htmlReport(result, o.lang));
    const latest = latestRiskyDate(summary);
    const alertedThrough = memo?.alertedThrough ?? null;
    let alertRequested = false;
    if (!problem && latest && (alertedThrough === null || latest > alertedThrough)) {
      await writeAlertRequest(o.home, id, summary, o.now);
      alertRequested = true;
    }
    if (!problem) {
      history.tokens[id] = { inputs, summary, alertedThrough: alertRequested ? latest : alertedThrough };
      if (matchMemo) history.tokens[id].match = matchMemo;
    }
    const t: TokenCheck = { tokenId: id, result, reportPath, alertRequested, reused };
    if (matching) t.matching = matching;
    if (problem) t.problem = problem;
    run.tokens.push(t);
  }
  history.checks.push({
    checkedAt: o.now.toISOString(),
    keyFiles: run.keyFiles,
    keysUsable,
    tokens: run.tokens.map((t) => ({
      tokenId: t.tokenId,
      riskyDays: t.result.summary.riskyDays,
      riskyMinutes: t.result.summary.riskyMinutes,
      contactDays: t.result.summary.days.length,
      latestRiskyDate: latestRiskyDate(t.result.summary),
    })),
  });
  await saveHistory(o.home, history);
  return run;
}

interface PreparedToken {
  inputs: string;
  /** The inputs did not change: the last result stands. */
  reuse: boolean;
  /** The log to match (when not reused and readable). */
  log?: ContactLog;
  memo?: unknown;
  problem?: string;
}

/** Reads a token's log and decides whether it must be matched again. */
function prepareToken(data: DataDir, id: string, memo: TokenMemo | undefined, keysDigest: string, configDigest: string, nowSeconds: number): PreparedToken {
  const logBytes = new Uint8Array(readFileSync(data.logPath(id)));
  const inputs = sha256Hex(new TextEncoder().encode([sha256Hex(logBytes), keysDigest, configDigest, isoDate(nowSeconds)].join("|")));
  if (memo && memo.inputs === inputs) return { inputs, reuse: true };
  try {
    return { inputs, reuse: false, log: parseContactLog(new TextDecoder().decode(logBytes)), memo: memo?.match };
  } catch (e) {
    return { inputs, reuse: false, problem: (e as Error).message };
  }
}

/** The tokens that need it, matched together; results by token position (undefined for the others). */
async function matchTokens(prepared: PreparedToken[], loaded: CachedKeys, config: RiskConfig, configDigest: string, nowSeconds: number) {
  const which = prepared.flatMap((p, n) => (p.log ? [n] : []));
  const results: (IncrementalResult | undefined)[] = prepared.map(() => undefined);
  if (which.length === 0) return { results, engine: matcherStatus() };
  const pass = await matchTokensIncrementally(which.map((n) => ({ log: prepared[n].log!, memo: prepared[n].memo })), loaded, config, configDigest, nowSeconds);
  which.forEach((n, k) => (results[n] = pass.results[k]));
  return { results, engine: pass.engine };
}

function countRevoked(keys: { count: number; isRevoked(i: number): boolean }): number {
  let n = 0;
  for (let i = 0; i < keys.count; i++) if (keys.isRevoked(i)) n++;
  return n;
}
