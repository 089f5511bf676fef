/**
 * History of checks, kept locally (docs/MATCHING.md "Check history"):
 *
 *   $OMAMORI_HOME/check-history.json
 *   { "version": 1,
 *     "checks": [ { "checkedAt", "keyFiles", "keysUsable",
 *                   "tokens": [ { "tokenId", "riskyDays", "riskyMinutes", "contactDays", "latestRiskyDate" } ] } ],
 *     "tokens": { "<tokenId>": { "inputs": "<sha256 of log + key files + config + day>",
 *                                "summary": {...}, "alertedThrough": "YYYY-MM-DD" | null,
 *                                "match": { version, files, horizon, scans, nowEnin, configDigest,
 *                                           tolerance, keys } } } }
 *
 * Counts, dates and digests, no identifiers, places or names; the only keys are, in `match.keys`,
 * the published diagnosis keys (public anyway) that matched something. `inputs` lets a check
 * reuse the previous result when neither the log, the keys, the configuration nor the day changed;
 * `match` lets the next check match only new key files against the whole log and old ones
 * against new sightings (incrementalMatch.ts). The last 200 checks are kept.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DamagedFileError, writeFileAtomic } from "../base/atomicFile";
import type { VerdictKind } from "./verdict";
import type { ExposureSummary } from "../match/dailySummary";
import type { MatchMemo } from "./incrementalMatch";

const HISTORY_FILE = "check-history.json";
const MAX_CHECKS = 200;

export interface CheckRecord {
  checkedAt: string;
  keyFiles: number;
  keysUsable: number;
  tokens: { tokenId: string; verdict?: VerdictKind; riskyDays: number; riskyMinutes: number; contactDays: number; latestRiskyDate: string | null }[];
}

export interface TokenMemo {
  inputs: string;
  summary: ExposureSummary;
  alertedThrough: string | null;
  /** What the last match covered, for the next check's incremental match (incrementalMatch.ts). */
  match?: MatchMemo;
}

export interface CheckHistory {
  version: 1;
  checks: CheckRecord[];
  tokens: Record<string, TokenMemo>;
}

function historyPath(home: string): string {
  return join(home, HISTORY_FILE);
}

/**
 * Read the history; a missing file starts a new one. A damaged one is a DamagedFileError: the
 * check keeps it aside (never deleted) and starts a new history.
 */
export function loadHistory(home: string): CheckHistory {
  const path = historyPath(home);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, checks: [], tokens: {} };
    throw e;
  }
  let o: any;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new DamagedFileError(path, "not valid JSON (" + (e as Error).message + ")");
  }
  if (o && o.version === 1 && Array.isArray(o.checks) && o.tokens && typeof o.tokens === "object" && !Array.isArray(o.tokens)) return o as CheckHistory;
  throw new DamagedFileError(path, "not a check history (version 1)");
}

export async function saveHistory(home: string, h: CheckHistory): Promise<void> {
  if (h.checks.length > MAX_CHECKS) h.checks = h.checks.slice(h.checks.length - MAX_CHECKS);
  await writeFileAtomic(historyPath(home), JSON.stringify(h, null, 1) + "\n");
}
