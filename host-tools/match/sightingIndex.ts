/**
 * The contact log arranged for matching (the shape of Google's prefix_id_map.cc):
 *   - a 2^24-bit filter over the first 3 bytes of every logged identifier (2 MB) that rejects
 *     almost every derived RPI with one memory read,
 *   - a map from the first 6 bytes (48 bits, the shortest stored prefix) to the encounters,
 *   - the intervals that have a sighting within +-12 intervals (+-2 h, docs/spec/gaen-protocol.md section 7; wider
 *     when the sync had to correct the token's clock), so
 *     identifiers are derived only where a match is possible,
 *   - the 16-byte PaddedData blocks of every interval in that span, built once, so a key's
 *     identifiers come from one AES call over a slice of them.
 */
import { fromHex } from "../../common/bytes";
import { eninFromUnixSeconds, RETENTION_DAYS, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { paddedData } from "../../common/gaen/paddedData";
import { TOLERANCE_INTERVALS } from "../keys/validateKeys";
import { LogFormatError, type ContactLog, type LogScan } from "./logFormat";

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

const FILTER_BITS = 24;
/** The most a clock correction widens the tolerance: 15 days, the oldest a usable key can be. */
const MAX_WIDENING_INTERVALS = (RETENTION_DAYS + 1) * TEK_ROLLING_PERIOD;
/**
 * The longest span of scan times a log may have (10 years; the arrays below are sized by it, 16
 * bytes an interval). A log spanning more has damaged times: refused with a plain message rather
 * than a RangeError from an array of billions of intervals.
 */
export const MAX_SPAN_DAYS = 3650;

/** First 6 bytes as an exact integer (< 2^48). */
export function prefix48(b: Uint8Array, off: number): number {
  return (b[off] * 0x10000 + (b[off + 1] << 8) + b[off + 2]) * 0x1000000 + ((b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]);
}

export class SightingIndex {
  readonly encounters: IndexedEncounter[];
  /** First interval covered by `near` and `paddedBlocks` (0 when the log is empty). */
  readonly base: number;
  /** Number of intervals covered. */
  readonly span: number;
  /** near[k - base] = 1 when interval k has a sighting within +-12 intervals. */
  readonly near: Uint8Array;
  /** PaddedData of interval base + i at [16 i, 16 i + 16). */
  readonly paddedBlocks: Uint8Array;
  readonly filter: Uint8Array;
  readonly byPrefix: Map<number, number[]>;
  /**
   * Intervals of clock tolerance: 12 (+-2 h), widened by the log's clockCorrectionSeconds (the
   * token's clock was that far off before the sync corrected it; docs/FORMATS.md).
   */
  readonly tolerance: number;
  /** The token's scan period from the log (seconds), or null when the log does not say. */
  readonly scanPeriodSeconds: number | null;

  constructor(log: ContactLog) {
    this.scanPeriodSeconds = typeof log.scanPeriodSeconds === "number" ? log.scanPeriodSeconds : null;
    // Widened by the correction, but never past the 15 days over which keys are usable at all
    // (wider finds nothing more, and an absurd correction would otherwise size the arrays below).
    this.tolerance = TOLERANCE_INTERVALS + Math.min(Math.ceil(Math.abs(log.clockCorrectionSeconds ?? 0) / 600), MAX_WIDENING_INTERVALS);
    this.encounters = log.encounters.map((e) => {
      const scans = e.scans.slice().sort((a, b) => a.t - b.t);
      return {
        rpi: fromHex(e.rpi),
        aem: fromHex(e.aem),
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
    if (this.encounters.length === 0) {
      this.base = 0;
      this.span = 0;
    } else {
      if (hi - lo > MAX_SPAN_DAYS * TEK_ROLLING_PERIOD) {
        const day = (enin: number) => new Date(Math.min(enin * 600_000, 8.64e15)).toISOString().slice(0, 10);
        throw new LogFormatError(`the log's scan times span from ${day(lo)} to ${day(hi)}, more than ${MAX_SPAN_DAYS / 365} years: some times are damaged`);
      }
      this.base = Math.max(0, lo - this.tolerance);
      this.span = hi + this.tolerance - this.base + 1;
    }
    this.near = new Uint8Array(this.span);
    const diff = new Int32Array(this.span + 1);
    for (const e of this.encounters) {
      for (const s of e.scans) {
        const k = eninFromUnixSeconds(s.t);
        diff[Math.max(0, k - this.tolerance - this.base)]++;
        diff[k + this.tolerance - this.base + 1]--;
      }
    }
    let run = 0;
    for (let i = 0; i < this.span; i++) {
      run += diff[i];
      this.near[i] = run > 0 ? 1 : 0;
    }
    this.paddedBlocks = new Uint8Array(16 * this.span);
    for (let i = 0; i < this.span; i++) this.paddedBlocks.set(paddedData(this.base + i), 16 * i);
    this.filter = new Uint8Array(1 << (FILTER_BITS - 3));
    this.byPrefix = new Map();
    this.encounters.forEach((e, i) => {
      const v = (e.rpi[0] << 16) | (e.rpi[1] << 8) | e.rpi[2];
      this.filter[v >>> 3] |= 1 << (v & 7);
      const p = prefix48(e.rpi, 0);
      const list = this.byPrefix.get(p);
      if (list) list.push(i);
      else this.byPrefix.set(p, [i]);
    });
  }
}
