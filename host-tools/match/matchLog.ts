/**
 * Match one contact log against a set of diagnosis keys and summarise by day: the whole
 * pipeline of docs/MATCHING.md section 2 (engine -> exposure windows -> daily summaries).
 *
 * Receiver calibration: the RSSI offset of the token's board from boards/<id>.json
 * (radio.rssiOffsetDb); the log's own rssiOffsetDb only when its board is not in the catalogue.
 */
import { loadBoard } from "../../boards/index";
import type { MatchRun } from "./engine";
import { matchTargets } from "./matchTargets";
import type { MatcherStatus } from "./nativeMatcher";
import { buildExposureWindows, type ExposureWindow, type WindowDrops } from "./exposureWindows";
import { summarizeDays, type ExposureSummary } from "./dailySummary";
import type { KeySet } from "./keySet";
import type { OmamoriLog } from "../log/omamoriLog";
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
  /** The engine that derived the identifiers (nativeMatcher.ts). */
  engine: MatcherStatus;
}

/** Receiver RSSI calibration for a log: from its board file when known, else the log's value. */
export function receiverRssiOffset(log: OmamoriLog): number {
  try {
    return loadBoard(log.board).radio.rssiOffsetDb;
  } catch {
    return log.rssiOffsetDb;
  }
}

/**
 * Match on every core (matchTargets.ts); `threads` 1 keeps the JS engine on this thread. `index`:
 * the log's index when the caller has it (logColumns.ts reads a file straight into one; `log`
 * then only needs its header).
 */
export async function matchLog(
  log: OmamoriLog, keys: KeySet, config: RiskConfig, nowSeconds: number, threads?: number, index = new SightingIndex(log),
): Promise<MatchReport> {
  if (!Number.isFinite(nowSeconds)) throw new TypeError("nowSeconds must be a number (Unix seconds), got " + nowSeconds);
  const pass = await matchTargets(keys, [{ index }], { threads });
  return reportOf(log, index, keys, pass.runs[0], config, nowSeconds, pass.engine);
}

/** Windows and daily summary of one log from its matches (a pass over one or many logs). */
export function reportOf(log: OmamoriLog, index: SightingIndex, keys: KeySet, run: MatchRun, config: RiskConfig, nowSeconds: number, engine: MatcherStatus): MatchReport {
  const rssiOffsetDb = receiverRssiOffset(log);
  const { windows, dropped } = buildExposureWindows(index, keys, run.matches, config, rssiOffsetDb);
  const report: MatchReport = {
    board: log.board,
    rssiOffsetDb,
    encounters: index.count,
    keysChecked: run.keysChecked,
    keysDerived: run.keysDerived,
    identifiersDerived: run.identifiersDerived,
    matchedIdentifiers: run.matches.length,
    dropped,
    windows,
    summary: summarizeDays(windows, config, nowSeconds),
    engine,
  };
  if (log.tokenId !== undefined) report.tokenId = log.tokenId;
  return report;
}
