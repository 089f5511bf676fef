/**
 * The log interchange format, omamori-log version 1 (docs/FORMATS.md "Log interchange"), defined
 * here once: what `omamori sync` keeps per token in the data directory, what `omamori export-log`
 * writes, and what the matcher reads (`omamori check`, `omamori match`). The per-identifier shape
 * (an encounter and its scan summaries) is the one of common/formats/logRecord.ts, which the token
 * streams; this module owns the document around it: its type, the one set of rules every reader
 * checks (checkLog, parseLog), atomic reading and writing, and the merge that never doubles a scan.
 *
 *   { "format": "omamori-log", "version": 1, "board": string, "rssiOffsetDb": number,
 *     "tokenId"?: string, "clockCorrectionSeconds"?: number, "scanPeriodSeconds"?: number, "syncedAt"?: ISO,
 *     "encounters": [ { "rpi": hex of 6..16 bytes, "aem": hex of 4 bytes,
 *                       "scans": [ { "t": unix seconds, "count", "rssiMax", "rssiMean" } ] } ] }
 *
 * A sync writes every field; a hand-made file (for `omamori match`) may leave the optional ones out.
 * host-tools/match/logColumns.ts is a fast reader for matching that accepts exactly what checkLog
 * accepts (kept equal by test/match/logColumns.test.ts).
 */
import type { LogEncounter, ScanSummary } from "../../common/formats/logRecord";
import { DamagedFileError, readJsonFile, writeFileAtomic } from "../base/atomicFile";

export type { LogEncounter, ScanSummary };

const LOG_FORMAT = "omamori-log";
const LOG_VERSION = 1;
/** Shortest stored RPI prefix accepted (48 bits, what the token keeps: chance collisions stay negligible). */
export const MIN_RPI_PREFIX_BYTES = 6;
/**
 * Largest clock correction a sync can record: the token's clock is a u32 of seconds, so no real
 * correction exceeds 2^32 s. A larger value is a damaged or hand-made file (and the matcher would
 * widen its time tolerance by it).
 */
export const MAX_CLOCK_CORRECTION_SECONDS = 2 ** 32;

export interface OmamoriLog {
  format: "omamori-log";
  version: 1;
  /** Host-side name of the token (its folder in the data directory). */
  tokenId?: string;
  /** Board id (boards/<id>.json), for the receiver's RSSI calibration. */
  board: string;
  /** Add to every RSSI to correct this board's receiver (boards/<id>.json radio.rssiOffsetDb). */
  rssiOffsetDb: number;
  /**
   * Seconds added to the token's own times of the encounters fetched at the latest sync, because
   * its clock was that far off (0 when it was within CLOCK_SHIFT_THRESHOLD_S). Scan times `t` below
   * are already corrected; matching may widen its time tolerance by this much.
   */
  clockCorrectionSeconds?: number;
  /**
   * How often the token scanned, seconds (from its status at the latest sync). The matcher credits
   * a scan whose previous scan is not in the log with this (capped at 5 min), as a phone knows its
   * own scan schedule. Absent in logs from tokens that do not report it.
   */
  scanPeriodSeconds?: number;
  /** ISO 8601 time of the latest sync that added to this log. */
  syncedAt?: string;
  /** Sorted by rpi then aem; each encounter's scans sorted by t, unique t (as a sync writes them). */
  encounters: LogEncounter[];
}

/** A document that is not a valid omamori-log; the message names the first problem. */
export class LogFormatError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "LogFormatError";
  }
}

const HEX_RE = /^[0-9a-fA-F]*$/;

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Checks an already-parsed document and returns it typed; throws LogFormatError naming the first problem. */
export function checkLog(o: unknown): OmamoriLog {
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new LogFormatError("the log must be a JSON object");
  const log = o as Record<string, unknown>;
  if (log.format !== LOG_FORMAT) throw new LogFormatError(`not an Omamori contact log (format must be "${LOG_FORMAT}", got ${JSON.stringify(log.format)})`);
  if (log.version !== LOG_VERSION) throw new LogFormatError(`unsupported log version ${JSON.stringify(log.version)} (this tool reads version ${LOG_VERSION})`);
  if (typeof log.board !== "string") throw new LogFormatError("the log needs a board id (string)");
  if (!isNum(log.rssiOffsetDb)) throw new LogFormatError("the log needs rssiOffsetDb (a number)");
  if (log.tokenId !== undefined && typeof log.tokenId !== "string") throw new LogFormatError("tokenId must be a string");
  if (log.syncedAt !== undefined && typeof log.syncedAt !== "string") throw new LogFormatError("syncedAt must be a time (string)");
  if (log.scanPeriodSeconds !== undefined && !(isNum(log.scanPeriodSeconds) && log.scanPeriodSeconds > 0)) throw new LogFormatError("scanPeriodSeconds must be a number of seconds above 0");
  if (log.clockCorrectionSeconds !== undefined && !(isNum(log.clockCorrectionSeconds) && Math.abs(log.clockCorrectionSeconds) <= MAX_CLOCK_CORRECTION_SECONDS)) {
    throw new LogFormatError(`clockCorrectionSeconds must be a number of seconds within ±${MAX_CLOCK_CORRECTION_SECONDS} (the token clock's range), got ${JSON.stringify(log.clockCorrectionSeconds)}`);
  }
  if (!Array.isArray(log.encounters)) throw new LogFormatError("the log needs an encounters array");
  log.encounters.forEach((e: any, i: number) => {
    const where = `encounter ${i} (encounters[${i}])`;
    if (!e || typeof e !== "object") throw new LogFormatError(`${where} is not an object`);
    if (typeof e.rpi !== "string" || !HEX_RE.test(e.rpi) || e.rpi.length % 2 !== 0 || e.rpi.length < 2 * MIN_RPI_PREFIX_BYTES || e.rpi.length > 32) {
      throw new LogFormatError(`${where}: rpi must be hex of ${MIN_RPI_PREFIX_BYTES} to 16 bytes`);
    }
    if (typeof e.aem !== "string" || !HEX_RE.test(e.aem) || e.aem.length !== 8) throw new LogFormatError(`${where}: aem must be 4 bytes of hex`);
    if (!Array.isArray(e.scans) || e.scans.length === 0) throw new LogFormatError(`${where}: scans must be a non-empty array`);
    e.scans.forEach((s: any, j: number) => {
      if (!s || !isNum(s.t) || s.t < 0 || !isNum(s.count) || !isNum(s.rssiMax) || !isNum(s.rssiMean)) {
        throw new LogFormatError(`${where} scan ${j}: needs numbers t (unix seconds), count, rssiMax, rssiMean`);
      }
    });
  });
  return o as OmamoriLog;
}

/** Parses log text (JSON) and checks it. */
export function parseLog(text: string): OmamoriLog {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new LogFormatError("the log is not valid JSON (" + (e as Error).message + ")");
  }
  return checkLog(o);
}

/** An empty log for a token. */
export function emptyLog(tokenId: string, board: string, rssiOffsetDb: number): OmamoriLog {
  return { format: LOG_FORMAT, version: LOG_VERSION, tokenId, board, rssiOffsetDb, clockCorrectionSeconds: 0, syncedAt: new Date(0).toISOString(), encounters: [] };
}

/**
 * Reads and checks a log file; null when it does not exist. A file that is not a valid log is a
 * DamagedFileError naming it, never overwritten silently (the sync keeps it aside and rebuilds).
 */
export async function readLog(path: string): Promise<OmamoriLog | null> {
  const doc = await readJsonFile(path);
  if (doc === null) return null;
  try {
    return checkLog(doc);
  } catch (e) {
    throw new DamagedFileError(path, (e as Error).message);
  }
}

/** Writes a log atomically (temp file + rename): a crash leaves the previous copy intact. */
export async function writeLog(path: string, log: OmamoriLog): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(checkLog(log), null, 1) + "\n");
}

/**
 * Adds `incoming` encounters to `log` (in place, returned): same rpi + aem = same encounter; a
 * scan already present at the same time `t` is kept once (re-reading after a resume adds nothing).
 * Returns the number of scans that were new.
 */
export function mergeLog(log: OmamoriLog, incoming: LogEncounter[]): number {
  const byKey = new Map<string, LogEncounter>();
  for (const e of log.encounters) byKey.set(e.rpi + "/" + e.aem, e);
  let added = 0;
  for (const e of incoming) {
    const key = e.rpi + "/" + e.aem;
    let have = byKey.get(key);
    if (!have) {
      have = { rpi: e.rpi, aem: e.aem, scans: [] };
      byKey.set(key, have);
      log.encounters.push(have);
    }
    const times = new Set(have.scans.map((s) => s.t));
    for (const s of e.scans) {
      if (times.has(s.t)) continue;
      times.add(s.t);
      have.scans.push({ t: s.t, count: s.count, rssiMax: s.rssiMax, rssiMean: s.rssiMean });
      added++;
    }
    have.scans.sort((a, b) => a.t - b.t);
  }
  log.encounters.sort((a, b) => (a.rpi < b.rpi ? -1 : a.rpi > b.rpi ? 1 : a.aem < b.aem ? -1 : a.aem > b.aem ? 1 : 0));
  return added;
}

/** Shifts every scan time by `seconds` (the token clock correction), returning new encounters. */
export function shiftTimes(encounters: LogEncounter[], seconds: number): LogEncounter[] {
  return encounters.map((e) => ({ rpi: e.rpi, aem: e.aem, scans: e.scans.map((s) => ({ t: s.t + seconds, count: s.count, rssiMax: s.rssiMax, rssiMean: s.rssiMean })) }));
}

/** Total number of scans in a log. */
export function scanCount(log: OmamoriLog): number {
  return log.encounters.reduce((n, e) => n + e.scans.length, 0);
}
