/**
 * Match one contact log against a set of diagnosis keys and summarise by day: the whole
 * pipeline of docs/MATCHING.md section 2 (engine -> exposure windows -> daily summaries).
 *
 * Receiver calibration: the RSSI offset of the token's board from boards/<id>.json
 * (radio.rssiOffsetDb); the log's own rssiOffsetDb only when its board is not in the catalogue.
 */
import { loadBoard } from "../../boards/index";
import { findMatchesParallel } from "./parallelMatch";
import { buildExposureWindows, type ExposureWindow, type WindowDrops } from "./exposureWindows";
import { summarizeDays, type ExposureSummary } from "./dailySummary";
import type { KeySet } from "./keySet";
import type { ContactLog } from "./logFormat";
import type { RiskConfig } from "./riskConfig";
import { SightingIndex } from "./sightingIndex";

export interface MatchReport {
  tokenId?: string;
  board: string;
  /** Receiver calibration used (dB added to measured RSSI). */
  rssiOffsetDb: number;
  encounters: number;
  keysChecked: number;
  keysDerived: number;
  identifiersDerived: number;
  /** Logged identifiers that matched a key (before TX power / replay checks). */
  matchedIdentifiers: number;
  dropped: WindowDrops;
  windows: ExposureWindow[];
  summary: ExposureSummary;
}

/** Receiver RSSI calibration for a log: from its board file when known, else the log's value. */
export function receiverRssiOffset(log: ContactLog): number {
  try {
    return loadBoard(log.board).radio.rssiOffsetDb;
  } catch {
    return log.rssiOffsetDb;
  }
}

/** Match on every core (parallelMatch.ts); `threads` 1 keeps it on this thread. */
export async function matchLog(log: ContactLog, keys: KeySet, config: RiskConfig, nowSeconds: number, threads?: number): Promise<MatchReport> {
  if (!Number.isFinite(nowSeconds)) throw new TypeError("nowSeconds must be a number (Unix seconds), got " + nowSeconds);
  const index = new SightingIndex(log);
  const run = await findMatchesParallel(log, index, keys, threads);
  const rssiOffsetDb = receiverRssiOffset(log);
  const { windows, dropped } = buildExposureWindows(index, keys, run.matches, config, rssiOffsetDb);
  const report: MatchReport = {
    board: log.board,
    rssiOffsetDb,
    encounters: index.encounters.length,
    keysChecked: run.keysChecked,
    keysDerived: run.keysDerived,
    identifiersDerived: run.identifiersDerived,
    matchedIdentifiers: run.matches.length,
    dropped,
    windows,
    summary: summarizeDays(windows, config, nowSeconds),
  };
  if (log.tokenId !== undefined) report.tokenId = log.tokenId;
  return report;
}
