/**
 * One contact log arranged for matching and scoring: each logged identifier as bytes with its
 * scans sorted by time and the intervals of those scans, the log's clock tolerance and scan
 * period. The lookup structures of a matching pass (over one or many logs) are built from these
 * by matchPlan.ts.
 */
import { eninFromUnixSeconds, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { TOLERANCE_INTERVALS } from "../keys/validateKeys";
import { LogFormatError, type ContactLog, type LogScan } from "./logFormat";

/**
 * The widest clock tolerance, intervals: matchPlan.ts keeps each identifier's tolerance in a byte.
 * A clock correction widens the tolerance up to this (about 40 h): an absurd correction must not
 * size anything, and a token whose clock was off by days is matched within +-42 h of the corrected
 * times.
 */
export const MAX_TOLERANCE_INTERVALS = 255;
/**
 * The longest span of scan times one log may have (10 years). A log spanning more has damaged
 * times: refused with a plain message, never a RangeError from arrays sized by the span.
 */
export const MAX_SPAN_DAYS = 3650;

export interface IndexedEncounter {
  /** Logged identifier: 16 bytes or a prefix (>= 6 bytes). */
  rpi: Uint8Array;
  aem: Uint8Array;
  /** Scans sorted by time. */
  scans: LogScan[];
  /** ENINs of the first and last scan. */
  firstEnin: number;
  lastEnin: number;
}

/** First 6 bytes as an exact integer (< 2^48). */
export function prefix48(b: Uint8Array, off: number): number {
  return (b[off] * 0x10000 + (b[off + 1] << 8) + b[off + 2]) * 0x1000000 + ((b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]);
}

/** Hex already checked by logFormat.ts (even length, hex digits) to bytes. */
function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export class SightingIndex {
  readonly encounters: IndexedEncounter[];
  /**
   * Intervals of clock tolerance: 12 (+-2 h), widened by the log's clockCorrectionSeconds (the
   * token's clock was that far off before the sync corrected it; docs/FORMATS.md).
   */
  readonly tolerance: number;
  /** The token's scan period from the log (seconds), or null when the log does not say. */
  readonly scanPeriodSeconds: number | null;

  constructor(log: ContactLog) {
    this.scanPeriodSeconds = typeof log.scanPeriodSeconds === "number" ? log.scanPeriodSeconds : null;
    this.tolerance = Math.min(MAX_TOLERANCE_INTERVALS, TOLERANCE_INTERVALS + Math.ceil(Math.abs(log.clockCorrectionSeconds ?? 0) / 600));
    this.encounters = log.encounters.map((e) => {
      const scans = e.scans.length > 1 ? e.scans.slice().sort((a, b) => a.t - b.t) : e.scans;
      return {
        rpi: hexBytes(e.rpi),
        aem: hexBytes(e.aem),
        scans,
        firstEnin: eninFromUnixSeconds(scans[0].t),
        lastEnin: eninFromUnixSeconds(scans[scans.length - 1].t),
      };
    });
    let lo = Infinity, hi = -Infinity;
    for (const e of this.encounters) {
      lo = Math.min(lo, e.firstEnin);
      hi = Math.max(hi, e.lastEnin);
    }
    if (hi - lo > MAX_SPAN_DAYS * TEK_ROLLING_PERIOD) {
      const year = (enin: number) => String(new Date(Math.min(enin * 600_000, 8.64e15)).getUTCFullYear());
      throw new LogFormatError(`the log's scan times span from ${year(lo)} to ${year(hi)}, more than ${MAX_SPAN_DAYS / 365} years: some times are damaged`);
    }
  }
}
