/**
 * The contact-log interchange format the matcher reads (what `omamori export-log` writes and what
 * the sync service keeps in the host data directory; described in docs/FORMATS.md by its owner):
 *
 *   { "format": "omamori-log", "version": 1, "tokenId"?: string, "board": string,
 *     "rssiOffsetDb": number,
 *     "encounters": [ { "rpi": hex (16 bytes, or a prefix of at least 6 bytes), "aem": hex 4 bytes,
 *                       "scans": [ { "t": unix seconds, "count": n, "rssiMax": dBm, "rssiMean": dBm } ] } ] }
 *
 * The per-identifier shape is the one definition in common/formats/logRecord.ts; the document is
 * host-tools/sync/logStore.ts's OmamoriLog. The matcher reads it with its own checks because it
 * needs less (tokenId, syncedAt, clockCorrectionSeconds may be absent, e.g. in a hand-made file)
 * and more (an identifier of at least 6 bytes, the prefix the index is built on).
 * parseContactLog names the first problem plainly.
 */
import type { LogEncounter, ScanSummary } from "../../common/formats/logRecord";
import { MAX_CLOCK_CORRECTION_SECONDS, type OmamoriLog } from "../sync/logStore";

export const LOG_FORMAT = "omamori-log";
export const LOG_VERSION = 1;
/** Shortest stored RPI prefix the matcher accepts (48 bits: chance collisions stay negligible). */
export const MIN_RPI_PREFIX_BYTES = 6;

export type LogScan = ScanSummary;
export type { LogEncounter };

/** What the matcher needs of an OmamoriLog. */
export type ContactLog = Pick<OmamoriLog, "format" | "version" | "board" | "rssiOffsetDb" | "encounters"> &
  Partial<Pick<OmamoriLog, "tokenId" | "clockCorrectionSeconds" | "scanPeriodSeconds" | "syncedAt">>;

/** A log file that is not in the interchange format. */
export class LogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogFormatError";
  }
}

const HEX_RE = /^[0-9a-fA-F]*$/;

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Check an already-parsed object and return it typed; throws LogFormatError naming the first problem. */
export function checkContactLog(o: unknown): ContactLog {
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new LogFormatError("the log must be a JSON object");
  const log = o as Record<string, unknown>;
  if (log.format !== LOG_FORMAT) throw new LogFormatError(`not an Omamori contact log (format must be "${LOG_FORMAT}", got ${JSON.stringify(log.format)})`);
  if (log.version !== LOG_VERSION) throw new LogFormatError(`unsupported log version ${JSON.stringify(log.version)} (this tool reads version ${LOG_VERSION})`);
  if (typeof log.board !== "string") throw new LogFormatError("the log needs a board id (string)");
  if (!isNum(log.rssiOffsetDb)) throw new LogFormatError("the log needs rssiOffsetDb (a number)");
  if (log.tokenId !== undefined && typeof log.tokenId !== "string") throw new LogFormatError("tokenId must be a string");
  if (log.scanPeriodSeconds !== undefined && !(isNum(log.scanPeriodSeconds) && log.scanPeriodSeconds > 0)) throw new LogFormatError("scanPeriodSeconds must be a number of seconds above 0");
  if (log.clockCorrectionSeconds !== undefined && !(isNum(log.clockCorrectionSeconds) && Math.abs(log.clockCorrectionSeconds) <= MAX_CLOCK_CORRECTION_SECONDS)) {
    throw new LogFormatError(`clockCorrectionSeconds must be a number of seconds within ±${MAX_CLOCK_CORRECTION_SECONDS} (the token clock's range), got ${JSON.stringify(log.clockCorrectionSeconds)}`);
  }
  if (!Array.isArray(log.encounters)) throw new LogFormatError("the log needs an encounters array");
  log.encounters.forEach((e: any, i: number) => {
    const where = `encounter ${i}`;
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
  return o as ContactLog;
}

/** Parse log text (JSON). */
export function parseContactLog(text: string): ContactLog {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new LogFormatError("the log is not valid JSON (" + (e as Error).message + ")");
  }
  return checkContactLog(o);
}
