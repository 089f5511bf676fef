/**
 * The LOG INTERCHANGE FORMAT (omamori-log version 1, docs/FORMATS.md "Log interchange"): what
 * `omamori sync` keeps per token in the data directory and what `omamori export-log` writes; the
 * matcher reads it. Per-identifier records come from common/formats/logRecord.ts (one definition of
 * an encounter and its scan summaries); this module adds the document around them, reading with
 * checks, atomic writing, and an incremental merge that never duplicates a scan.
 */
import type { LogEncounter, ScanSummary } from "../../common/formats/logRecord";
import { DamagedFileError, readJsonFile, writeFileAtomic } from "../base/atomicFile";

export type { LogEncounter, ScanSummary };

export interface OmamoriLog {
  format: "omamori-log";
  version: 1;
  /** Host-side name of the token (its folder in the data directory). */
  tokenId: string;
  /** Board id (boards/<id>.json), for the receiver's RSSI calibration. */
  board: string;
  /** Add to every RSSI to correct this board's receiver (boards/<id>.json radio.rssiOffsetDb). */
  rssiOffsetDb: number;
  /**
   * Seconds added to the token's own times of the encounters fetched at the latest sync, because
   * its clock was that far off (0 when it was within CLOCK_SHIFT_THRESHOLD_S). Scan times `t` below
   * are already corrected; matching may widen its time tolerance by this much.
   */
  clockCorrectionSeconds: number;
  /**
   * How often the token scanned, seconds (from its status at the latest sync). The matcher credits
   * a scan whose previous scan is not in the log with this (capped at 5 min), as a phone knows its
   * own scan schedule. Optional: absent in logs from tokens that do not report it.
   */
  scanPeriodSeconds?: number;
  /** ISO 8601 time of the latest sync that added to this log. */
  syncedAt: string;
  /** Sorted by rpi then aem; each encounter's scans sorted by t, unique t. */
  encounters: LogEncounter[];
}

const HEX = /^[0-9a-f]+$/;

/**
 * Largest clock correction a sync can record: the token's clock is a u32 of seconds, so no real
 * correction exceeds 2^32 s. A larger value is a damaged or hand-made file (and the matcher would
 * widen its time tolerance by it).
 */
export const MAX_CLOCK_CORRECTION_SECONDS = 2 ** 32;

function fail(where: string, what: string): never {
  throw new TypeError("omamori-log: " + where + " " + what);
}

function checkNumber(where: string, v: unknown, integer: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) fail(where, "must be " + (integer ? "an integer" : "a number") + ", got " + JSON.stringify(v));
  return v as number;
}

/** Checks a parsed document; throws a TypeError naming the first bad field. */
export function checkLog(doc: unknown): OmamoriLog {
  const d = doc as Record<string, unknown>;
  if (!d || typeof d !== "object") fail("document", "must be a JSON object");
  if (d.format !== "omamori-log") fail("format", 'must be "omamori-log", got ' + JSON.stringify(d.format));
  if (d.version !== 1) fail("version", "must be 1, got " + JSON.stringify(d.version));
  for (const k of ["tokenId", "board", "syncedAt"]) if (typeof d[k] !== "string") fail(k, "must be a string");
  checkNumber("rssiOffsetDb", d.rssiOffsetDb, false);
  if (Math.abs(checkNumber("clockCorrectionSeconds", d.clockCorrectionSeconds, true)) > MAX_CLOCK_CORRECTION_SECONDS) {
    fail("clockCorrectionSeconds", "must be within ±" + MAX_CLOCK_CORRECTION_SECONDS + " seconds (the token clock's range), got " + d.clockCorrectionSeconds);
  }
  if (d.scanPeriodSeconds !== undefined && checkNumber("scanPeriodSeconds", d.scanPeriodSeconds, false) <= 0) fail("scanPeriodSeconds", "must be above 0");
  if (!Array.isArray(d.encounters)) fail("encounters", "must be an array");
  (d.encounters as unknown[]).forEach((e0, i) => {
    const e = e0 as Record<string, unknown>;
    const w = "encounters[" + i + "]";
    if (!e || typeof e !== "object") fail(w, "must be an object");
    if (typeof e.rpi !== "string" || !HEX.test(e.rpi) || e.rpi.length < 2 || e.rpi.length > 32 || e.rpi.length % 2) fail(w + ".rpi", "must be 1..16 bytes of lowercase hex");
    if (typeof e.aem !== "string" || !HEX.test(e.aem) || e.aem.length !== 8) fail(w + ".aem", "must be 4 bytes of lowercase hex");
    if (!Array.isArray(e.scans) || e.scans.length === 0) fail(w + ".scans", "must be a non-empty array");
    (e.scans as unknown[]).forEach((s0, j) => {
      const s = s0 as Record<string, unknown>;
      const ws = w + ".scans[" + j + "]";
      if (!s || typeof s !== "object") fail(ws, "must be an object");
      checkNumber(ws + ".t", s.t, true);
      checkNumber(ws + ".count", s.count, true);
      checkNumber(ws + ".rssiMax", s.rssiMax, true);
      checkNumber(ws + ".rssiMean", s.rssiMean, true);
    });
  });
  return d as unknown as OmamoriLog;
}

/** An empty log for a token. */
export function emptyLog(tokenId: string, board: string, rssiOffsetDb: number): OmamoriLog {
  return { format: "omamori-log", version: 1, tokenId, board, rssiOffsetDb, clockCorrectionSeconds: 0, syncedAt: new Date(0).toISOString(), encounters: [] };
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
