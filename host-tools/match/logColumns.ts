/**
 * A contact log file straight to a SightingIndex, without an object per identifier: a care home
 * checks 20 logs of ~28,000 identifiers, and JSON.parse + checkLog + copying into columns
 * cost more than the matching (bench/match.ts). This reader walks the JSON bytes once and writes
 * each identifier into the columns as it goes.
 *
 * It is a fast path only: it accepts exactly the documents that JSON.parse and checkLog
 * accept and that it fully understands (no backslash escapes, the usual field types); for
 * anything else it gives up, and the caller takes the ordinary way, which then also names any
 * problem exactly as before. Equal to the ordinary way by test/match/logColumns.test.ts.
 */
import { checkLog, MIN_RPI_PREFIX_BYTES, parseLog, type OmamoriLog } from "../log/omamoriLog";
import { SightingIndex } from "./sightingIndex";

/** Thrown inside the reader: take the ordinary way. */
const GIVE_UP = Symbol("give up");

const QUOTE = 0x22, COMMA = 0x2c, COLON = 0x3a, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d, BACKSLASH = 0x5c;
const DECODER = new TextDecoder();
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Growable columns of one log. */
class Builder {
  count = 0;
  scans = 0;
  rpi: Uint8Array;
  rpiLength: Uint8Array;
  aem: Uint8Array;
  scanStart: Uint32Array;
  scanTime: Float64Array;
  scanCount: Float64Array;
  scanRssiMax: Float64Array;
  scanRssiMean: Float64Array;

  constructor(encounters: number) {
    const n = Math.max(16, encounters);
    this.rpi = new Uint8Array(16 * n);
    this.rpiLength = new Uint8Array(n);
    this.aem = new Uint8Array(4 * n);
    this.scanStart = new Uint32Array(n + 1);
    this.scanTime = new Float64Array(n);
    this.scanCount = new Float64Array(n);
    this.scanRssiMax = new Float64Array(n);
    this.scanRssiMean = new Float64Array(n);
  }

  encounterRoom(): void {
    if (this.count + 1 < this.rpiLength.length) return;
    const n = 2 * this.rpiLength.length;
    const grow = <T extends Uint8Array | Uint32Array>(a: T, size: number, make: new (n: number) => T): T => {
      const b = new make(size);
      b.set(a);
      return b;
    };
    this.rpi = grow(this.rpi, 16 * n, Uint8Array);
    this.rpiLength = grow(this.rpiLength, n, Uint8Array);
    this.aem = grow(this.aem, 4 * n, Uint8Array);
    this.scanStart = grow(this.scanStart, n + 1, Uint32Array);
  }

  scanRoom(): void {
    if (this.scans < this.scanTime.length) return;
    const n = 2 * this.scanTime.length;
    for (const k of ["scanTime", "scanCount", "scanRssiMax", "scanRssiMean"] as const) {
      const b = new Float64Array(n);
      b.set(this[k]);
      this[k] = b;
    }
  }

  columns() {
    const n = this.count, s = this.scans;
    this.scanStart[n] = s;
    return {
      count: n,
      rpi: this.rpi.subarray(0, 16 * n), rpiLength: this.rpiLength.subarray(0, n), aem: this.aem.subarray(0, 4 * n),
      scanStart: this.scanStart.subarray(0, n + 1),
      scanTime: this.scanTime.subarray(0, s), scanCount: this.scanCount.subarray(0, s),
      scanRssiMax: this.scanRssiMax.subarray(0, s), scanRssiMean: this.scanRssiMean.subarray(0, s),
    };
  }
}

class Reader {
  i = 0;
  /** Bytes [spanStart, spanEnd) of the last string read by stringSpan (no array per string). */
  spanStart = 0;
  spanEnd = 0;
  constructor(readonly b: Uint8Array) {}

  ws(): void {
    const b = this.b;
    while (this.i < b.length) {
      const c = b[this.i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  expect(c: number): void {
    this.ws();
    if (this.b[this.i] !== c) throw GIVE_UP;
    this.i++;
  }

  /** Whether the next character (after whitespace) is c; consumed if so. */
  take(c: number): boolean {
    this.ws();
    if (this.b[this.i] !== c) return false;
    this.i++;
    return true;
  }

  /** A string's bytes into spanStart, spanEnd (no escapes; no control characters, as JSON requires). */
  stringSpan(): void {
    this.expect(QUOTE);
    const b = this.b, start = this.i;
    const end = b.indexOf(QUOTE, start);
    if (end < 0) throw GIVE_UP;
    for (let j = start; j < end; j++) {
      const c = b[j];
      if (c === BACKSLASH || c < 0x20) throw GIVE_UP;
    }
    this.i = end + 1;
    this.spanStart = start;
    this.spanEnd = end;
  }

  string(): string {
    this.stringSpan();
    return DECODER.decode(this.b.subarray(this.spanStart, this.spanEnd));
  }

  /** A key that is one of the given ASCII names: its position in `names`, or -1 for another key. */
  key(names: string[]): number {
    this.stringSpan();
    const s = this.spanStart, e = this.spanEnd;
    this.expect(COLON);
    outer: for (let k = 0; k < names.length; k++) {
      const n = names[k];
      if (n.length !== e - s) continue;
      for (let j = 0; j < n.length; j++) if (this.b[s + j] !== n.charCodeAt(j)) continue outer;
      return k;
    }
    return -1;
  }

  number(): number {
    this.ws();
    const b = this.b, start = this.i;
    let plain = true; // only digits after an optional minus sign
    while (this.i < b.length) {
      const c = b[this.i];
      if (c >= 0x30 && c <= 0x39) this.i++;
      else if (c === 0x2d && this.i === start) this.i++;
      else if (c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) {
        plain = false;
        this.i++;
      } else break;
    }
    const neg = b[start] === 0x2d ? 1 : 0;
    const digits = this.i - start - neg;
    if (plain && digits > 0 && digits <= 15 && (digits === 1 || b[start + neg] !== 0x30)) {
      let v = 0;
      for (let j = start + neg; j < this.i; j++) v = v * 10 + (b[j] - 0x30);
      return neg ? -v : v;
    }
    const text = String.fromCharCode(...b.subarray(start, this.i));
    if (!NUMBER.test(text)) throw GIVE_UP;
    return Number(text);
  }

  /** Any JSON value, as JSON.parse gives it. */
  value(): unknown {
    this.ws();
    const c = this.b[this.i];
    if (c === QUOTE) return this.string();
    if (c === LBRACE) {
      this.i++;
      const o: Record<string, unknown> = {};
      if (this.take(RBRACE)) return o;
      do {
        const k = this.string();
        if (k === "__proto__") throw GIVE_UP; // JSON.parse makes it an own property; here it would not be
        this.expect(COLON);
        o[k] = this.value();
      } while (this.take(COMMA));
      this.expect(RBRACE);
      return o;
    }
    if (c === LBRACKET) {
      this.i++;
      const a: unknown[] = [];
      if (this.take(RBRACKET)) return a;
      do a.push(this.value());
      while (this.take(COMMA));
      this.expect(RBRACKET);
      return a;
    }
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.b[this.i] === word.charCodeAt(0)) {
        for (let j = 0; j < word.length; j++) if (this.b[this.i + j] !== word.charCodeAt(j)) throw GIVE_UP;
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }
}

/** Value of each byte as a hex digit, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX[0x41 + c] = HEX[0x61 + c] = 10 + c;

/** Hex string bytes [s, e) into out[off..]; its byte length. */
function hexInto(b: Uint8Array, s: number, e: number, out: Uint8Array, off: number): number {
  if ((e - s) % 2) throw GIVE_UP;
  for (let j = s, o = off; j < e; j += 2, o++) {
    const hi = HEX[b[j]], lo = HEX[b[j + 1]];
    if ((hi | lo) < 0) throw GIVE_UP;
    out[o] = (hi << 4) | lo;
  }
  return (e - s) / 2;
}

const ENCOUNTER_KEYS = ["rpi", "aem", "scans"];
const SCAN_KEYS = ["t", "count", "rssiMax", "rssiMean"];

/** One encounter object into the builder (the checks of checkLog; anything else gives up). */
function encounter(r: Reader, out: Builder): void {
  r.expect(LBRACE);
  out.encounterRoom();
  const e = out.count;
  let rpiLen = -1, aemLen = -1, scansFrom = -1, scansTo = -1;
  const firstScan = out.scans;
  if (!r.take(RBRACE)) {
    do {
      const k = r.key(ENCOUNTER_KEYS);
      if (k === 0) {
        r.stringSpan();
        if (r.spanEnd - r.spanStart > 32) throw GIVE_UP;
        out.rpi.fill(0, 16 * e, 16 * e + 16);
        rpiLen = hexInto(r.b, r.spanStart, r.spanEnd, out.rpi, 16 * e);
      } else if (k === 1) {
        r.stringSpan();
        if (r.spanEnd - r.spanStart !== 8) throw GIVE_UP;
        aemLen = hexInto(r.b, r.spanStart, r.spanEnd, out.aem, 4 * e);
      } else if (k === 2) {
        if (scansFrom >= 0) throw GIVE_UP; // scans given twice: the ordinary way keeps the last
        scansFrom = out.scans;
        r.expect(LBRACKET);
        if (!r.take(RBRACKET)) {
          do scan(r, out);
          while (r.take(COMMA));
          r.expect(RBRACKET);
        }
        scansTo = out.scans;
      } else r.value();
    } while (r.take(COMMA));
    r.expect(RBRACE);
  }
  if (rpiLen < MIN_RPI_PREFIX_BYTES || aemLen !== 4 || scansFrom !== firstScan || scansTo === scansFrom) throw GIVE_UP;
  out.rpiLength[e] = rpiLen;
  out.scanStart[e] = scansFrom;
  sortScans(out, scansFrom, scansTo);
  out.count++;
}

function scan(r: Reader, out: Builder): void {
  r.expect(LBRACE);
  out.scanRoom();
  const s = out.scans;
  let seen = 0; // bit k: SCAN_KEYS[k] given
  if (!r.take(RBRACE)) {
    do {
      const k = r.key(SCAN_KEYS);
      if (k < 0) {
        r.value();
        continue;
      }
      r.ws();
      const v = r.number();
      if (!Number.isFinite(v)) throw GIVE_UP;
      seen |= 1 << k;
      if (k === 0) out.scanTime[s] = v;
      else if (k === 1) out.scanCount[s] = v;
      else if (k === 2) out.scanRssiMax[s] = v;
      else out.scanRssiMean[s] = v;
    } while (r.take(COMMA));
    r.expect(RBRACE);
  }
  if (seen !== 15 || out.scanTime[s] < 0) throw GIVE_UP;
  out.scans++;
}

/** Scans of one encounter sorted by time (a stable insertion sort: they nearly always come sorted). */
function sortScans(out: Builder, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    if (out.scanTime[i] >= out.scanTime[i - 1]) continue;
    const t = out.scanTime[i], c = out.scanCount[i], mx = out.scanRssiMax[i], mn = out.scanRssiMean[i];
    let j = i - 1;
    while (j >= from && out.scanTime[j] > t) {
      out.scanTime[j + 1] = out.scanTime[j];
      out.scanCount[j + 1] = out.scanCount[j];
      out.scanRssiMax[j + 1] = out.scanRssiMax[j];
      out.scanRssiMean[j + 1] = out.scanRssiMean[j];
      j--;
    }
    out.scanTime[j + 1] = t;
    out.scanCount[j + 1] = c;
    out.scanRssiMax[j + 1] = mx;
    out.scanRssiMean[j + 1] = mn;
  }
}

/**
 * The fast path: the log's header (every field but its encounters, which are left empty) and its
 * index, or null to take the ordinary way.
 */
export function readLogColumns(bytes: Uint8Array): { header: OmamoriLog; index: SightingIndex } | null {
  const r = new Reader(bytes);
  const header: Record<string, unknown> = {};
  const out = new Builder(bytes.length / 100);
  try {
    // a UTF-8 byte order mark is not JSON: JSON.parse refuses it too
    r.expect(LBRACE);
    let sawEncounters = false;
    if (!r.take(RBRACE)) {
      do {
        const k = r.string();
        r.expect(COLON);
        if (k === "encounters") {
          if (sawEncounters) return null;
          sawEncounters = true;
          r.expect(LBRACKET);
          if (!r.take(RBRACKET)) {
            do encounter(r, out);
            while (r.take(COMMA));
            r.expect(RBRACKET);
          }
          header.encounters = [];
        } else if (k === "__proto__") return null;
        else header[k] = r.value();
      } while (r.take(COMMA));
      r.expect(RBRACE);
    }
    r.ws();
    if (r.i !== bytes.length || !sawEncounters) return null;
  } catch {
    return null; // GIVE_UP, or a document nested too deep for this reader: the ordinary way decides
  }
  let log: OmamoriLog;
  try {
    log = checkLog(header); // the header's checks, exactly as for any log
  } catch {
    return null;
  }
  return { header: log, index: new SightingIndex(log, out.columns()) };
}

/**
 * A log file's bytes to its header (every field but the encounters, left empty) and its index.
 * Throws LogFormatError naming the first problem, as parseLog does.
 */
export function readLogForMatching(bytes: Uint8Array): { header: OmamoriLog; index: SightingIndex } {
  const fast = readLogColumns(bytes);
  if (fast) return fast;
  const log = parseLog(DECODER.decode(bytes));
  return { header: { ...log, encounters: [] }, index: new SightingIndex(log) };
}
