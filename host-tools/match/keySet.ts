/**
 * A compact set of diagnosis keys for the matcher: parallel typed arrays instead of one object
 * per key, so a national peak (6 million keys, docs/spec/gaen-protocol.md section 4, docs/MATCHING.md section 7) fits in ~150 MB.
 * Each key is identified by (key data, rolling start interval); adding the same key twice keeps
 * the first (an open-addressing hash over the key bytes finds it without one string per key).
 * The columns the matcher reads (key data, rolling start, period) live in SharedArrayBuffers so
 * matcher threads (parallelMatch.ts) read them without a copy.
 */

/** Marks an absent optional field in the Int8Array columns. */
export const ABSENT = -128;

export interface KeyFields {
  rollingStart: number;
  rollingPeriod: number;
  /** ABSENT when the file had no report_type. */
  reportType: number;
  /** ABSENT when the file had no days_since_onset_of_symptoms. */
  daysSinceOnset: number;
  /** ABSENT when the file had no transmission_risk_level. */
  transmissionRiskLevel: number;
}

export class KeySet {
  count = 0;
  keyData: Uint8Array;
  rollingStart: Uint32Array;
  rollingPeriod: Uint8Array;
  reportType: Int8Array;
  daysSinceOnset: Int8Array;
  transmissionRiskLevel: Int8Array;
  /**
   * Open-addressing index over the keys, two words a slot: the key's index (-1 = empty) and a
   * fingerprint of its bytes 4..7 (most probes then stay within the table, which matters at
   * millions of keys); built when first needed (a loaded store may never need it).
   */
  private table: Int32Array | null;

  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer, got " + capacity);
    this.keyData = new Uint8Array(new SharedArrayBuffer(16 * capacity));
    this.rollingStart = new Uint32Array(new SharedArrayBuffer(4 * capacity));
    this.rollingPeriod = new Uint8Array(new SharedArrayBuffer(capacity));
    this.reportType = new Int8Array(capacity);
    this.daysSinceOnset = new Int8Array(capacity);
    this.transmissionRiskLevel = new Int8Array(capacity);
    this.table = newTable(capacity);
  }

  /**
   * A set over existing columns of `count` keys (already free of duplicates, e.g. the key store's),
   * without copying them. The columns' length is the capacity.
   */
  static fromColumns(count: number, c: Pick<KeySet, "keyData" | "rollingStart" | "rollingPeriod" | "reportType" | "daysSinceOnset" | "transmissionRiskLevel">): KeySet {
    const n = c.rollingStart.length;
    if (!(count >= 0 && count <= n) || c.keyData.length !== 16 * n || [c.rollingPeriod, c.reportType, c.daysSinceOnset, c.transmissionRiskLevel].some((a) => a.length !== n)) {
      throw new RangeError("fromColumns: the columns must all hold the same number of keys (at least count)");
    }
    const s = Object.create(KeySet.prototype) as KeySet;
    s.count = count;
    s.keyData = c.keyData;
    s.rollingStart = c.rollingStart;
    s.rollingPeriod = c.rollingPeriod;
    s.reportType = c.reportType;
    s.daysSinceOnset = c.daysSinceOnset;
    s.transmissionRiskLevel = c.transmissionRiskLevel;
    s.table = null;
    return s;
  }

  get capacity(): number {
    return this.rollingStart.length;
  }

  private index(): Int32Array {
    if (!this.table) {
      this.table = newTable(this.capacity);
      this.rebuild();
    }
    return this.table;
  }

  /** Index of the key (16 bytes at data[off..]) with this rolling start, or -1. */
  find(data: Uint8Array, off: number, rollingStart: number): number {
    const table = this.index();
    const mask = (table.length >> 1) - 1;
    const fp = fingerprint(data, off);
    let h = hashOf(data, off, rollingStart) & mask;
    for (;;) {
      const i = table[2 * h];
      if (i < 0) return -1;
      if (table[2 * h + 1] === fp && this.rollingStart[i] === rollingStart && this.sameBytes(i, data, off)) return i;
      h = (h + 1) & mask;
    }
  }

  /** Adds a key; returns its index, or -1 when the same (key data, rolling start) is already in the set. */
  add(data: Uint8Array, off: number, f: KeyFields): number {
    if (this.count === this.capacity && this.find(data, off, f.rollingStart) < 0) this.grow();
    // one probe: the key's slot, or the empty slot where it goes
    const table = this.index();
    const mask = (table.length >> 1) - 1;
    const kd = this.keyData;
    const fp = fingerprint(data, off);
    let h = hashOf(data, off, f.rollingStart) & mask;
    for (;;) {
      const j = table[2 * h];
      if (j < 0) break;
      if (table[2 * h + 1] === fp && this.rollingStart[j] === f.rollingStart && this.sameBytes(j, data, off)) return -1;
      h = (h + 1) & mask;
    }
    const i = this.count++;
    const o = 16 * i;
    for (let b = 0; b < 16; b++) kd[o + b] = data[off + b];
    this.set(i, f);
    table[2 * h] = i;
    table[2 * h + 1] = fp;
    return i;
  }

  /** Overwrite the fields of key i (for revised keys). */
  set(i: number, f: KeyFields): void {
    this.rollingStart[i] = f.rollingStart;
    this.rollingPeriod[i] = f.rollingPeriod;
    this.reportType[i] = f.reportType;
    this.daysSinceOnset[i] = f.daysSinceOnset;
    this.transmissionRiskLevel[i] = f.transmissionRiskLevel;
  }

  fields(i: number): KeyFields {
    return {
      rollingStart: this.rollingStart[i],
      rollingPeriod: this.rollingPeriod[i],
      reportType: this.reportType[i],
      daysSinceOnset: this.daysSinceOnset[i],
      transmissionRiskLevel: this.transmissionRiskLevel[i],
    };
  }

  /**
   * Marks key i as revoked: its rolling period becomes 0, so the matcher skips it, and adding the
   * same key again is still refused (a revocation is not undone by an older copy of the key).
   */
  revoke(i: number): void {
    this.rollingPeriod[i] = 0;
  }

  /** True when key i was revoked. */
  isRevoked(i: number): boolean {
    return this.rollingPeriod[i] === 0;
  }

  private sameBytes(i: number, data: Uint8Array, off: number): boolean {
    const kd = this.keyData;
    const b = 16 * i;
    for (let j = 0; j < 16; j++) if (kd[b + j] !== data[off + j]) return false;
    return true;
  }

  private insert(table: Int32Array, i: number): void {
    const mask = (table.length >> 1) - 1;
    let h = hashOf(this.keyData, 16 * i, this.rollingStart[i]) & mask;
    while (table[2 * h] >= 0) h = (h + 1) & mask;
    table[2 * h] = i;
    table[2 * h + 1] = fingerprint(this.keyData, 16 * i);
  }

  private rebuild(): void {
    const table = this.table!;
    table.fill(-1);
    for (let i = 0; i < this.count; i++) this.insert(table, i);
  }

  /** Room for at least `capacity` keys without growing again. */
  reserve(capacity: number): void {
    if (capacity > this.capacity) this.grow(capacity);
  }

  private grow(cap = this.capacity * 2): void {
    const kd = new Uint8Array(new SharedArrayBuffer(16 * cap)); kd.set(this.keyData); this.keyData = kd;
    const rs = new Uint32Array(new SharedArrayBuffer(4 * cap)); rs.set(this.rollingStart); this.rollingStart = rs;
    const rp = new Uint8Array(new SharedArrayBuffer(cap)); rp.set(this.rollingPeriod); this.rollingPeriod = rp;
    const rt = new Int8Array(cap); rt.set(this.reportType); this.reportType = rt;
    const ds = new Int8Array(cap); ds.set(this.daysSinceOnset); this.daysSinceOnset = ds;
    const tr = new Int8Array(cap); tr.set(this.transmissionRiskLevel); this.transmissionRiskLevel = tr;
    this.table = null; // rebuilt at the next lookup, for the new capacity
  }
}

function newTable(capacity: number): Int32Array {
  return new Int32Array(2 * tableSizeFor(capacity)).fill(-1);
}

function fingerprint(d: Uint8Array, off: number): number {
  return d[off + 4] | (d[off + 5] << 8) | (d[off + 6] << 16) | (d[off + 7] << 24);
}

function tableSizeFor(capacity: number): number {
  let n = 16;
  while (n < 2 * capacity) n *= 2;
  return n;
}

/** Key data is random (or a random fake), so its first 4 bytes mixed with the start hash well. */
function hashOf(d: Uint8Array, off: number, start: number): number {
  const h = (d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24)) ^ Math.imul(start, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
