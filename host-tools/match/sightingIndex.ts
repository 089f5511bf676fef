/**
 * One contact log arranged for matching and scoring, in columns (a care home checks 20 logs of
 * ~28,000 identifiers at once: objects per identifier cost more time in allocation and garbage
 * collection than the matching itself):
 *   rpi        16 bytes per logged identifier (zero after its stored length, rpiLength: 6..16)
 *   aem        4 bytes per identifier
 *   scans      scanStart[i] .. scanStart[i + 1]: the identifier's scans, sorted by time
 *              (scanTime, scanCount, scanRssiMax, scanRssiMean)
 * with the log's clock tolerance and scan period. The lookup structures of a matching pass (over
 * one or many logs) are built from these by matchPlan.ts; encounter(i) gives one identifier as an
 * object (exposureWindows.ts, for the few that matched).
 */
import { eninFromUnixSeconds, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { TOLERANCE_INTERVALS } from "../keys/validateKeys";
import { LogFormatError, type OmamoriLog, type ScanSummary } from "../log/omamoriLog";

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
  scans: ScanSummary[];
  /** ENINs of the first and last scan. */
  firstEnin: number;
  lastEnin: number;
}

/** First 6 bytes as an exact integer (< 2^48). */
export function prefix48(b: Uint8Array, off: number): number {
  return (b[off] * 0x10000 + (b[off + 1] << 8) + b[off + 2]) * 0x1000000 + ((b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]);
}

/** Value of a hex digit's char code (the log's hex was checked by logFormat.ts). */
function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** Hex text into out[off..]. */
function hexInto(hex: string, out: Uint8Array, off: number): void {
  for (let i = 0, n = hex.length >> 1; i < n; i++) out[off + i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
}

interface Columns {
  count: number;
  rpi: Uint8Array;
  rpiLength: Uint8Array;
  aem: Uint8Array;
  scanStart: Uint32Array;
  scanTime: Float64Array;
  scanCount: Float64Array;
  scanRssiMax: Float64Array;
  scanRssiMean: Float64Array;
}

function allocate(count: number, scans: number): Columns {
  return {
    count,
    rpi: new Uint8Array(16 * count), rpiLength: new Uint8Array(count), aem: new Uint8Array(4 * count), scanStart: new Uint32Array(count + 1),
    scanTime: new Float64Array(scans), scanCount: new Float64Array(scans), scanRssiMax: new Float64Array(scans), scanRssiMean: new Float64Array(scans),
  };
}

function columnsOf(log: OmamoriLog): Columns {
  const encounters = log.encounters;
  let scans = 0;
  for (const e of encounters) scans += e.scans.length;
  const c = allocate(encounters.length, scans);
  let s = 0;
  for (let i = 0; i < encounters.length; i++) {
    const e = encounters[i];
    hexInto(e.rpi, c.rpi, 16 * i);
    c.rpiLength[i] = e.rpi.length >> 1;
    hexInto(e.aem, c.aem, 4 * i);
    c.scanStart[i] = s;
    const list = e.scans;
    let sorted = true;
    for (let j = 1; j < list.length; j++) if (list[j].t < list[j - 1].t) sorted = false;
    const ordered = sorted ? list : list.slice().sort((a, b) => a.t - b.t);
    for (const x of ordered) {
      c.scanTime[s] = x.t;
      c.scanCount[s] = x.count;
      c.scanRssiMax[s] = x.rssiMax;
      c.scanRssiMean[s] = x.rssiMean;
      s++;
    }
  }
  c.scanStart[encounters.length] = s;
  return c;
}

export class SightingIndex implements Columns {
  /** Logged identifiers. */
  readonly count: number;
  readonly rpi: Uint8Array;
  readonly rpiLength: Uint8Array;
  readonly aem: Uint8Array;
  readonly scanStart: Uint32Array;
  readonly scanTime: Float64Array;
  readonly scanCount: Float64Array;
  readonly scanRssiMax: Float64Array;
  readonly scanRssiMean: Float64Array;
  /**
   * Intervals of clock tolerance: 12 (+-2 h), widened by the log's clockCorrectionSeconds (the
   * token's clock was that far off before the sync corrected it; docs/FORMATS.md).
   */
  readonly tolerance: number;
  /** The token's scan period from the log (seconds), or null when the log does not say. */
  readonly scanPeriodSeconds: number | null;
  private all: IndexedEncounter[] | null = null;

  constructor(log: OmamoriLog, columns?: Columns) {
    this.scanPeriodSeconds = typeof log.scanPeriodSeconds === "number" ? log.scanPeriodSeconds : null;
    this.tolerance = Math.min(MAX_TOLERANCE_INTERVALS, TOLERANCE_INTERVALS + Math.ceil(Math.abs(log.clockCorrectionSeconds ?? 0) / 600));
    const c = columns ?? columnsOf(log);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < c.count; i++) {
      lo = Math.min(lo, c.scanTime[c.scanStart[i]]);
      hi = Math.max(hi, c.scanTime[c.scanStart[i + 1] - 1]);
    }
    if (eninFromUnixSeconds(hi) - eninFromUnixSeconds(lo) > MAX_SPAN_DAYS * TEK_ROLLING_PERIOD) {
      const year = (t: number) => String(new Date(Math.min(t * 1000, 8.64e15)).getUTCFullYear());
      throw new LogFormatError(`the log's scan times span from ${year(lo)} to ${year(hi)}, more than ${MAX_SPAN_DAYS / 365} years: some times are damaged`);
    }
    this.count = c.count;
    this.rpi = c.rpi;
    this.rpiLength = c.rpiLength;
    this.aem = c.aem;
    this.scanStart = c.scanStart;
    this.scanTime = c.scanTime;
    this.scanCount = c.scanCount;
    this.scanRssiMax = c.scanRssiMax;
    this.scanRssiMean = c.scanRssiMean;
  }

  /** Logged identifier i as an object. */
  encounter(i: number): IndexedEncounter {
    const scans: ScanSummary[] = [];
    for (let s = this.scanStart[i]; s < this.scanStart[i + 1]; s++) {
      scans.push({ t: this.scanTime[s], count: this.scanCount[s], rssiMax: this.scanRssiMax[s], rssiMean: this.scanRssiMean[s] });
    }
    return {
      rpi: this.rpi.slice(16 * i, 16 * i + this.rpiLength[i]),
      aem: this.aem.slice(4 * i, 4 * i + 4),
      scans,
      firstEnin: eninFromUnixSeconds(scans[0].t),
      lastEnin: eninFromUnixSeconds(scans[scans.length - 1].t),
    };
  }

  /** Every logged identifier as an object (tests and the bench's baseline; the matcher reads the columns). */
  get encounters(): IndexedEncounter[] {
    if (!this.all) {
      this.all = [];
      for (let i = 0; i < this.count; i++) this.all.push(this.encounter(i));
    }
    return this.all;
  }

  /** Time of the last scan of identifier i. */
  lastScan(i: number): number {
    return this.scanTime[this.scanStart[i + 1] - 1];
  }

  /** The same log with only the identifiers for which keep(i) holds (each with all its scans). */
  subset(log: OmamoriLog, keep: (i: number) => boolean): SightingIndex {
    const which: number[] = [];
    let scans = 0;
    for (let i = 0; i < this.count; i++) {
      if (!keep(i)) continue;
      which.push(i);
      scans += this.scanStart[i + 1] - this.scanStart[i];
    }
    const c = allocate(which.length, scans);
    let s = 0;
    which.forEach((i, n) => {
      c.rpi.set(this.rpi.subarray(16 * i, 16 * i + 16), 16 * n);
      c.rpiLength[n] = this.rpiLength[i];
      c.aem.set(this.aem.subarray(4 * i, 4 * i + 4), 4 * n);
      c.scanStart[n] = s;
      const a = this.scanStart[i], b = this.scanStart[i + 1];
      c.scanTime.set(this.scanTime.subarray(a, b), s);
      c.scanCount.set(this.scanCount.subarray(a, b), s);
      c.scanRssiMax.set(this.scanRssiMax.subarray(a, b), s);
      c.scanRssiMean.set(this.scanRssiMean.subarray(a, b), s);
      s += b - a;
    });
    c.scanStart[which.length] = s;
    return new SightingIndex(log, c);
  }
}
