/**
 * `omamori check` as a function (docs/MATCHING.md section 5): fetch new keys, match every paired
 * token, decide the verdict for each (verdict.ts: contact / no contact in the period covered /
 * could not tell, with reasons), say which days the log covers (coverage.ts), write the
 * large-print report and, for a new risky day, the token's alert request; record the check in
 * the local history.
 *
 * Data directory (see docs/MATCHING.md; tokens/ is kept by the sync service, docs/FORMATS.md):
 *   tokens/<id>/log.json           the synced log (interchange format)     read
 *   tokens/<id>/sync-state.json    { lastSyncAt, status, history }          read (health, coverage)
 *   tokens/<id>/alert-pending.json alert request                            written
 *   keys/                          key cache (keyCache.ts)                  read/written
 *   reports/check-<id>-<date>.html large-print report                       written
 *   check-history.json             history (checkHistory.ts)                read/written
 *   check.json                     settings (checkSettings.ts)              read
 * With `readOnly` (the folder cannot be written) nothing is fetched or written, and the verdict
 * can only be "contact" or "could not tell".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex, type Trust } from "../keys/readExport";
import { fetchKeys, type FetchOptions, type FetchProblem, type FetchResult } from "../keys/fetchKeys";
import { KeyCache } from "../keys/keyCache";
import { keysFromCache, type CachedKeys } from "../keys/loadKeys";
import { isoDate, type ExposureSummary } from "../match/dailySummary";
import { readLogForMatching } from "../match/logColumns";
import type { OmamoriLog } from "../log/omamoriLog";
import type { SightingIndex } from "../match/sightingIndex";
import { matcherStatus, type MatcherStatus } from "../match/nativeMatcher";
import { loadRiskConfig, type RiskConfig } from "../match/riskConfig";
import { writeAlertRequest, latestRiskyDate } from "./alertFlag";
import { loadHistory, saveHistory, type TokenMemo } from "./checkHistory";
import { CheckSettingsError, defaultCheckSettings, loadCheckSettings, type CheckSettings } from "./checkSettings";
import { coverage, type Coverage } from "./coverage";
import { matchTokensIncrementally, type IncrementalResult, type IncrementalStats } from "./incrementalMatch";
import { htmlReport } from "./htmlReport";
import { decide, exitCodeOf, overall, sortReasons, type Reason, type Verdict, type VerdictKind } from "./verdict";
import { DamagedFileError, keepAside, writeFileAtomic } from "../base/atomicFile";
import { DataDir, type SyncState } from "../base/dataDir";
import type { Lang } from "../base/language";
import type { OwnerResult, TokenHealth } from "./resultText";

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
  /** Override check.json maxKeyAgeHours / maxSyncAgeHours. */
  maxKeyAgeHours?: number;
  maxSyncAgeHours?: number;
  /** The data folder cannot be written (why, e.g. "read-only"): fetch and write nothing. */
  readOnly?: string;
  onProgress?: FetchOptions["onProgress"];
  fetchImpl?: typeof fetch;
  /** How each downloaded file is checked (FetchOptions.checkZip; the web app verifies with WebCrypto). */
  checkZip?: FetchOptions["checkZip"];
}

export interface TokenCheck {
  tokenId: string;
  verdict: Verdict;
  coverage: Coverage;
  result: OwnerResult;
  /** Path of the HTML report written (null when the folder is read-only). */
  reportPath: string | null;
  /** True when a new alert request was written for the token. */
  alertRequested: boolean;
  /** True when the previous result was reused (nothing changed). */
  reused: boolean;
  /**
   * How much was matched (incrementalMatch.ts): keys matched afresh against the whole log, keys
   * matched only against the new sightings; absent when the result was reused or not matched.
   */
  matching?: IncrementalStats;
}

export interface CheckRun {
  /** The answer over every token (verdict.ts overall) and its exit code. */
  verdict: VerdictKind;
  exitCode: number;
  /** Reasons that concern every token (settings, keys, the data folder). */
  reasons: Reason[];
  /** Damaged files kept aside and started afresh during this check. */
  recovered: { file: string; keptAs: string }[];
  fetch: FetchResult | null;
  keyFiles: number;
  keysUsable: number;
  keysCheckedAt: string | null;
  tokens: TokenCheck[];
  /** The matcher used (native addon or JS engine, and why: nativeMatcher.ts). */
  matcher: MatcherStatus;
}

function tokenHealth(st: SyncState): TokenHealth {
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
}

/** A fetch problem as a reason, by what went wrong. */
export function fetchReason(p: FetchProblem, settingsPath: string): Reason {
  const m = p.message;
  const code = /cannot find|not a plain file|no such file/i.test(m) ? "key-source-missing"
    : /could not reach|answered HTTP/i.test(m) ? "key-source-unreachable"
    : /signature/i.test(m) ? "key-file-unverified"
    : "key-file-damaged";
  return { code, subject: p.source, settingsPath, detail: m };
}

/** check.json, or the defaults and the reason it could not be used. */
function settingsOf(home: string, reasons: Reason[]): CheckSettings {
  try {
    return loadCheckSettings(home);
  } catch (e) {
    if (!(e instanceof CheckSettingsError)) throw e;
    reasons.push({ code: "settings-invalid", subject: e.path, problem: e.problem, setting: e.setting, suggestion: e.suggestion, detail: e.detail });
    return { ...defaultCheckSettings(home), exists: true };
  }
}

/** The risk configuration; a broken one named in check.json is a reason, and COCOA's is used. */
function configOf(settings: CheckSettings, reasons: Reason[]): RiskConfig {
  try {
    return loadRiskConfig(settings.riskConfig);
  } catch (e) {
    if (!settings.riskConfig || (e as Error).name !== "RiskConfigError") throw e;
    reasons.push({ code: "settings-invalid", subject: settings.path, problem: "bad-value", setting: "riskConfig", detail: "riskConfig: " + (e as Error).message });
    return loadRiskConfig();
  }
}

export async function runCheck(o: CheckOptions): Promise<CheckRun> {
  const global: Reason[] = [];
  const recovered: CheckRun["recovered"] = [];
  const write = !o.readOnly;
  if (o.readOnly) global.push({ code: "home-not-writable", subject: o.home, detail: o.readOnly });
  const settings = settingsOf(o.home, global);
  // a check.json that could not be read has not said "no key source": its own reason stands alone
  const settingsUnread = global.some((r) => r.code === "settings-invalid");
  const maxKeyAge = o.maxKeyAgeHours ?? settings.maxKeyAgeHours;
  const maxSyncAge = o.maxSyncAgeHours ?? settings.maxSyncAgeHours;
  const trust: Trust = { keys: settings.publicKeys.concat(o.extraTrust ?? []), allowUnsigned: !!o.allowUnsigned || settings.allowUnsigned };
  const config = configOf(settings, global);
  let cache: KeyCache;
  try {
    cache = new KeyCache(o.home);
  } catch (e) {
    if ((e as Error).name !== "ExportFormatError" || !write) throw e;
    const index = join(o.home, "keys", "index.json");
    recovered.push({ file: index, keptAs: await keepAside(index, o.now) }); // rebuilt by this fetch
    cache = new KeyCache(o.home);
  }
  const nowSeconds = o.now.getTime() / 1000;
  const sources = o.sources ?? settings.keySources;
  if (!settings.exists && !o.sources) global.push({ code: "settings-missing", subject: settings.path });
  else if (sources.length === 0 && !settingsUnread) global.push({ code: "no-key-source", settingsPath: settings.path });
  let fetched: FetchResult | null = null;
  if (write && !o.offline && sources.length) {
    fetched = await fetchKeys(sources, cache, { trust, onProgress: o.onProgress, fetchImpl: o.fetchImpl, checkZip: o.checkZip, now: () => o.now.getTime() });
    if (fetched.problems.length === 0) await cache.markChecked(o.now);
    for (const p of fetched.problems) global.push(fetchReason(p, settings.path));
  }
  const checkedAt = cache.index.lastCheckedAt;
  if (sources.length || o.offline) {
    if (!checkedAt) global.push({ code: "keys-never-fetched" });
    else {
      const ageHours = (o.now.getTime() - Date.parse(checkedAt)) / 3600_000;
      if (ageHours > maxKeyAge) global.push({ code: "keys-stale", at: checkedAt, ageHours, maxHours: maxKeyAge });
    }
  }
  if (write) await cache.prune(nowSeconds);
  const loaded = await keysFromCache(cache, nowSeconds);
  const keys = loaded.validation.keys;
  const keysUsable = keys.count - countRevoked(keys);
  const keysDigest = cache.digest();
  const configDigest = sha256Hex(new TextEncoder().encode(JSON.stringify(config)));
  let history;
  try {
    history = loadHistory(o.home);
  } catch (e) {
    if (!(e instanceof DamagedFileError) || !write) throw e;
    recovered.push({ file: e.path, keptAs: await keepAside(e.path, o.now) });
    history = loadHistory(o.home);
  }
  const data = new DataDir(o.home);
  const paired = await data.tokenIds();
  const lost = await data.lostPairings(); // their log is still checked, with what is missing said
  const ids = [...paired, ...lost.map((l) => l.tokenId)].sort();
  if (ids.length === 0) global.push({ code: "no-token" });
  const run: CheckRun = {
    verdict: "could-not-tell", exitCode: 0, reasons: sortReasons(global), recovered, fetch: fetched,
    keyFiles: loaded.files.length, keysUsable, keysCheckedAt: checkedAt, tokens: [], matcher: matcherStatus(),
  };
  const emptySummary = (): ExposureSummary => ({ days: [], riskyDays: 0, riskyMinutes: 0, fromDate: isoDate(nowSeconds - (config.reportDays - 1) * 86400), toDate: isoDate(nowSeconds) });
  // Every token whose inputs changed is matched in ONE pass (each key's identifiers derived once
  // for all their logs); the others reuse their last result.
  const prepared: PreparedToken[] = [];
  for (const id of ids) {
    const reasons = [...global];
    const l = lost.find((x) => x.tokenId === id);
    if (l) reasons.push(l.keptAs ? { code: "pairing-lost", tokenId: id, subject: l.keptAs } : { code: "pairing-lost", tokenId: id });
    prepared.push(await prepareToken(data, id, history.tokens[id], reasons, keysDigest, configDigest, nowSeconds));
  }
  const matched = await matchTokens(prepared, loaded, config, configDigest, nowSeconds);
  run.matcher = matched.engine;
  for (const [n, p] of prepared.entries()) {
    const { id, state, reasons, inputs } = p;
    const memo = history.tokens[id];
    let summary: ExposureSummary = emptySummary();
    let isMatched = false;
    let matching: IncrementalStats | undefined;
    let matchMemo = memo?.match;
    const inc = matched.results[n];
    if (p.reuse && memo) {
      summary = memo.summary;
      isMatched = true;
    } else if (inc) {
      summary = inc.report.summary;
      matching = inc.stats;
      matchMemo = inc.memo;
      isMatched = true;
    } else if (p.log) {
      reasons.push({ code: "match-failed", tokenId: id, detail: matched.error ?? "the log was not matched" });
    }
    const reused = p.reuse;
    const cov = coverage({ nowSeconds, days: config.reportDays, lastSyncAt: state?.lastSyncAt ?? null, history: state?.history ?? [], status: state?.status ?? null });
    const syncAgeHours = state?.lastSyncAt ? (o.now.getTime() - Date.parse(state.lastSyncAt)) / 3600_000 : null;
    if (syncAgeHours !== null && syncAgeHours > maxSyncAge) reasons.push({ code: "sync-stale", tokenId: id, at: state!.lastSyncAt!, ageHours: syncAgeHours, maxHours: maxSyncAge });
    else if (cov.from === null && !reasons.some((r) => r.tokenId === id)) reasons.push({ code: "not-covered", tokenId: id, days: config.reportDays });
    const verdict = decide(isMatched ? summary.riskyDays : null, reasons);
    const result: OwnerResult = { tokenId: id, summary, verdict, coverage: cov, keysCheckedAt: checkedAt, checkedAt: o.now.toISOString(), contacts: settings.contacts };
    if (state) result.health = tokenHealth(state);
    let reportPath: string | null = null;
    let alertRequested = false;
    if (write) {
      reportPath = join(o.home, "reports", `check-${id}-${isoDate(nowSeconds)}.html`);
      await writeFileAtomic(reportPath, htmlReport(result, o.lang));
      const latest = latestRiskyDate(summary);
      const alertedThrough = memo?.alertedThrough ?? null;
      if (verdict.kind === "contact" && latest && (alertedThrough === null || latest > alertedThrough)) {
        await writeAlertRequest(o.home, id, summary, o.now);
        alertRequested = true;
      }
      if (isMatched) {
        history.tokens[id] = { inputs, summary, alertedThrough: alertRequested ? latest : alertedThrough };
        if (matchMemo) history.tokens[id].match = matchMemo;
      }
    }
    const t: TokenCheck = { tokenId: id, verdict, coverage: cov, result, reportPath, alertRequested, reused };
    if (matching) t.matching = matching;
    run.tokens.push(t);
  }
  run.verdict = overall(run.tokens.map((t) => t.verdict.kind));
  run.exitCode = exitCodeOf(run.verdict);
  if (write) {
    history.checks.push({
      checkedAt: o.now.toISOString(),
      keyFiles: run.keyFiles,
      keysUsable,
      tokens: run.tokens.map((t) => ({
        tokenId: t.tokenId,
        verdict: t.verdict.kind,
        riskyDays: t.result.summary.riskyDays,
        riskyMinutes: t.result.summary.riskyMinutes,
        contactDays: t.result.summary.days.length,
        latestRiskyDate: latestRiskyDate(t.result.summary),
      })),
    });
    await saveHistory(o.home, history);
  }
  return run;
}

interface PreparedToken {
  id: string;
  state: SyncState | null;
  /** Reasons so far (the check's own, then this token's). */
  reasons: Reason[];
  inputs: string;
  /** The inputs did not change: the last result stands. */
  reuse: boolean;
  /** The log to match, when not reused and readable: its header and its index (logColumns.ts). */
  log?: OmamoriLog;
  index?: SightingIndex;
  memo?: unknown;
}

/** Reads a token's sync record and log, and decides whether it must be matched again. */
async function prepareToken(data: DataDir, id: string, memo: TokenMemo | undefined, reasons: Reason[], keysDigest: string, configDigest: string, nowSeconds: number): Promise<PreparedToken> {
  let state: SyncState | null = null;
  try {
    state = await data.loadState(id);
  } catch (e) {
    if (!(e instanceof DamagedFileError)) throw e;
    reasons.push({ code: "state-damaged", tokenId: id, subject: e.path, detail: e.detail });
  }
  let logBytes: Uint8Array | null = null;
  try {
    logBytes = new Uint8Array(readFileSync(data.logPath(id)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (!logBytes) {
    if (state?.lastSyncAt) reasons.push({ code: "log-damaged", tokenId: id, subject: data.logPath(id), detail: "the file is missing" });
    else if (state) reasons.push({ code: "never-synced", tokenId: id });
    return { id, state, reasons, inputs: "", reuse: false };
  }
  const inputs = sha256Hex(new TextEncoder().encode([sha256Hex(logBytes), keysDigest, configDigest, isoDate(nowSeconds)].join("|")));
  if (memo && memo.inputs === inputs) return { id, state, reasons, inputs, reuse: true };
  try {
    const { header, index } = readLogForMatching(logBytes);
    return { id, state, reasons, inputs, reuse: false, log: header, index, memo: memo?.match };
  } catch (e) {
    reasons.push({ code: "log-damaged", tokenId: id, subject: data.logPath(id), detail: (e as Error).message });
    return { id, state, reasons, inputs, reuse: false };
  }
}

/** The tokens that need it, matched together; results by token position (undefined for the others). */
async function matchTokens(prepared: PreparedToken[], loaded: CachedKeys, config: RiskConfig, configDigest: string, nowSeconds: number) {
  const which = prepared.flatMap((p, n) => (p.log ? [n] : []));
  const results: (IncrementalResult | undefined)[] = prepared.map(() => undefined);
  if (which.length === 0) return { results, engine: matcherStatus(), error: undefined };
  try {
    const pass = await matchTokensIncrementally(which.map((n) => ({ log: prepared[n].log!, index: prepared[n].index, memo: prepared[n].memo })), loaded, config, configDigest, nowSeconds);
    which.forEach((n, k) => (results[n] = pass.results[k]));
    return { results, engine: pass.engine, error: undefined };
  } catch (e) {
    return { results, engine: matcherStatus(), error: (e as Error).message };
  }
}

function countRevoked(keys: { count: number; isRevoked(i: number): boolean }): number {
  let n = 0;
  for (let i = 0; i < keys.count; i++) if (keys.isRevoked(i)) n++;
  return n;
}
