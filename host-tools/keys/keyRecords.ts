/**
 * The keys of one export file in flat form: typed columns instead of one object per key, with the
 * field rules of validateKeys.ts already applied (only keys that pass them are kept; the others
 * are counted by reason). Records [0, revisedFrom) are the file's keys, [revisedFrom, count) its
 * revised keys. Absent optional fields are ABSENT (-128).
 *
 * The key cache keeps these next to each verified zip (`files/<sha256>.keys`, written once when
 * the file is fetched), so the key store can be rebuilt without unzipping or decoding anything:
 *
 *   offset  0  "OMKREC01" (8 ASCII bytes)
 *           8  count, revisedFrom, read (uint32 LE each)
 *          20  dropped counts, one uint32 LE per reason in DROP_REASONS order (10)
 *          60  4 bytes zero
 *          64  keyData (16 x count) | rollingStart (uint32 LE x count) | rollingPeriod (count) |
 *              reportType (int8 x count) | daysSinceOnset (int8 x count) | transmissionRiskLevel (int8 x count)
 */
import { ExportFormatError } from "./exportFile";

/** Why a key is not used (the rules are in validateKeys.ts). */
export const DROP_REASONS = [
  "key-length", "no-start", "rolling-period", "too-old", "future", "report-type",
  "revoked", "days-since-onset", "risk-level", "duplicate",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export function emptyDropCounts(): Record<DropReason, number> {
  const d = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) d[r] = 0;
  return d;
}

export interface KeyRecords {
  count: number;
  /** Records from here on are revised keys (export field 8). */
  revisedFrom: number;
  keyData: Uint8Array;
  rollingStart: Uint32Array;
  rollingPeriod: Uint8Array;
  reportType: Int8Array;
  daysSinceOnset: Int8Array;
  transmissionRiskLevel: Int8Array;
  /** Keys and revised keys in the file, usable or not. */
  read: number;
  /** Keys the field rules dropped, by reason. */
  dropped: Record<DropReason, number>;
}

const MAGIC = "OMKREC01";
const HEADER = 64;

/** Grows the columns as keys are pushed (a decoder does not know the count in advance). */
export class KeyRecordBuilder {
  private r: KeyRecords;
  private capacity: number;
  private revisedStarted = false;

  constructor(capacity = 64) {
    this.capacity = Math.max(16, capacity);
    this.r = alloc(this.capacity);
  }

  /** The keys pushed from now on are revised keys. */
  startRevised(): void {
    this.r.revisedFrom = this.r.count;
    this.revisedStarted = true;
  }

  drop(reason: DropReason): void {
    this.r.read++;
    this.r.dropped[reason]++;
  }

  push(data: Uint8Array, off: number, start: number, period: number, reportType: number, daysSinceOnset: number, riskLevel: number): void {
    const r = this.r;
    if (r.count === this.capacity) this.grow();
    const i = r.count++;
    r.read++;
    const kd = r.keyData, o = 16 * i;
    for (let b = 0; b < 16; b++) kd[o + b] = data[off + b];
    r.rollingStart[i] = start;
    r.rollingPeriod[i] = period;
    r.reportType[i] = reportType;
    r.daysSinceOnset[i] = daysSinceOnset;
    r.transmissionRiskLevel[i] = riskLevel;
  }

  /** The records pushed (all of them keys when startRevised was never called). */
  finish(): KeyRecords {
    const r = this.r;
    if (!this.revisedStarted) r.revisedFrom = r.count;
    return trim(r);
  }

  private grow(): void {
    const bigger = alloc(this.capacity * 2);
    const r = this.r;
    bigger.keyData.set(r.keyData);
    bigger.rollingStart.set(r.rollingStart);
    bigger.rollingPeriod.set(r.rollingPeriod);
    bigger.reportType.set(r.reportType);
    bigger.daysSinceOnset.set(r.daysSinceOnset);
    bigger.transmissionRiskLevel.set(r.transmissionRiskLevel);
    bigger.count = r.count;
    bigger.revisedFrom = r.revisedFrom;
    bigger.read = r.read;
    bigger.dropped = r.dropped;
    this.capacity *= 2;
    this.r = bigger;
  }
}

function alloc(n: number): KeyRecords {
  return {
    count: 0, revisedFrom: 0, read: 0, dropped: emptyDropCounts(),
    keyData: new Uint8Array(16 * n), rollingStart: new Uint32Array(n), rollingPeriod: new Uint8Array(n),
    reportType: new Int8Array(n), daysSinceOnset: new Int8Array(n), transmissionRiskLevel: new Int8Array(n),
  };
}

function trim(r: KeyRecords): KeyRecords {
  const n = r.count;
  return {
    ...r,
    keyData: r.keyData.subarray(0, 16 * n), rollingStart: r.rollingStart.subarray(0, n), rollingPeriod: r.rollingPeriod.subarray(0, n),
    reportType: r.reportType.subarray(0, n), daysSinceOnset: r.daysSinceOnset.subarray(0, n), transmissionRiskLevel: r.transmissionRiskLevel.subarray(0, n),
  };
}

/** The `.keys` file bytes of some records. */
export function encodeKeyRecords(r: KeyRecords): Uint8Array {
  const n = r.count;
  const out = new Uint8Array(HEADER + 24 * n);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, n, true);
  dv.setUint32(12, r.revisedFrom, true);
  dv.setUint32(16, r.read, true);
  DROP_REASONS.forEach((reason, k) => dv.setUint32(20 + 4 * k, r.dropped[reason], true));
  let o = HEADER;
  out.set(r.keyData.subarray(0, 16 * n), o);
  o += 16 * n;
  for (let i = 0; i < n; i++) dv.setUint32(o + 4 * i, r.rollingStart[i], true);
  o += 4 * n;
  out.set(r.rollingPeriod.subarray(0, n), o);
  o += n;
  out.set(new Uint8Array(r.reportType.buffer, r.reportType.byteOffset, n), o);
  o += n;
  out.set(new Uint8Array(r.daysSinceOnset.buffer, r.daysSinceOnset.byteOffset, n), o);
  o += n;
  out.set(new Uint8Array(r.transmissionRiskLevel.buffer, r.transmissionRiskLevel.byteOffset, n), o);
  return out;
}

/** Records from `.keys` file bytes; throws ExportFormatError when the file is not one or is cut short. */
export function decodeKeyRecords(bytes: Uint8Array, name = "the key records file"): KeyRecords {
  const bad = (why: string) => new ExportFormatError(`${name} is damaged (${why})`);
  if (bytes.length < HEADER) throw bad("shorter than its header");
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) throw bad("wrong format marker");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = dv.getUint32(8, true);
  const revisedFrom = dv.getUint32(12, true);
  if (bytes.length !== HEADER + 24 * n) throw bad(`${bytes.length} bytes where ${HEADER + 24 * n} were expected`);
  if (revisedFrom > n) throw bad("revised keys start beyond the end");
  const dropped = emptyDropCounts();
  DROP_REASONS.forEach((reason, k) => (dropped[reason] = dv.getUint32(20 + 4 * k, true)));
  const r = alloc(n);
  r.count = n;
  r.revisedFrom = revisedFrom;
  r.read = dv.getUint32(16, true);
  r.dropped = dropped;
  let o = HEADER;
  r.keyData.set(bytes.subarray(o, o + 16 * n));
  o += 16 * n;
  for (let i = 0; i < n; i++) r.rollingStart[i] = dv.getUint32(o + 4 * i, true);
  o += 4 * n;
  r.rollingPeriod.set(bytes.subarray(o, o + n));
  o += n;
  new Uint8Array(r.reportType.buffer).set(bytes.subarray(o, o + n));
  o += n;
  new Uint8Array(r.daysSinceOnset.buffer).set(bytes.subarray(o, o + n));
  o += n;
  new Uint8Array(r.transmissionRiskLevel.buffer).set(bytes.subarray(o, o + n));
  for (let i = 0; i < n; i++) {
    if (r.rollingPeriod[i] < 1 || r.rollingPeriod[i] > 144) throw bad("a rolling period outside 1..144");
  }
  return r;
}
