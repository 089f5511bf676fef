/**
 * The contact log record: defined once, written by the token (firmware/app/ringLog.ts), read by
 * the sim and the host. Design and false-match figures: docs/LOG-FORMAT.md.
 *
 * One record = one identifier (RPI) heard in one or more scans (docs/spec/gaen-protocol.md
 * section 7: per scan the host needs the time, the strongest and the mean RSSI).
 *
 *   record   = len u8 | body (len - 1 bytes)          len = 16 + 4 * (scans - 1), 16..248
 *   body     = rpiPrefix[6] | aem[4] | first u16 LE | count u8 | rssiMax i8 | rssiMean i8
 *              | (dt u8 | count u8 | rssiMax i8 | rssiMean i8) * (scans - 1)
 *     first  = (first-seen time - base time) / 5 s      (base time comes from the page header)
 *     dt     = (scan time - first-seen time) / 5 s       (0..255: 21 min 15 s > the 20 min replay limit)
 *
 * In flash the body is encrypted and followed by a 4-byte check (firmware/app/ringLog.ts). The token
 * hands the host a plaintext stream (SyncHost.readLog):
 *
 *   stream   = ( 0x00 | base u32 LE  |  0x01  |  record )*
 *              a 0x00 byte sets the base time of what follows; a 0x01 byte stands for a record whose
 *              check failed in the token's flash (a flipped bit): left out, counted by the host
 *
 * ES5-safe: plain arrays and Uint8Arrays only.
 */
import { toHex, u8 } from "../bytes";

/** Bytes of the RPI kept (docs/LOG-FORMAT.md: false matches at national volume). */
export const RPI_PREFIX_BYTES = 6;
/** Bytes of the AEM kept: all 4, the host needs them for the TX power. */
export const AEM_BYTES = 4;
/** Time resolution of record times, seconds. */
export const TIME_UNIT_SECONDS = 5;
/** Largest `first` offset from the page base, in time units (u16). */
export const MAX_FIRST_UNITS = 0xffff;
/** Largest scan offset from first seen, in time units (u8). */
export const MAX_DT_UNITS = 0xff;
/** Size of a record with one scan, and what every further scan adds. */
export const RECORD_BASE_BYTES = 16;
export const SCAN_BYTES = 4;
/** Largest number of scans one record holds (len stays a u8 below 0xFF, the erased value). */
export const MAX_SCANS = 59;
/** Stream byte that introduces a base time. */
export const STREAM_BASE_MARK = 0;
/** Stream byte that stands for a record the token found damaged (no record length is 1). */
export const STREAM_DAMAGED_MARK = 1;
/** The longest record (MAX_SCANS scans), and the least a log read must accept (a base mark + it). */
export const MAX_RECORD_BYTES = RECORD_BASE_BYTES + SCAN_BYTES * (MAX_SCANS - 1);
export const MIN_READ_BYTES = 5 + MAX_RECORD_BYTES;

/** One scan's summary of one identifier. */
export interface ScanSummary {
  /** Unix seconds of the scan. */
  t: number;
  /** Adverts received in that scan. */
  count: number;
  rssiMax: number;
  rssiMean: number;
}

/** What the host's log interchange format (omamori-log v1, host-tools/log/omamoriLog.ts) holds per identifier. */
export interface LogEncounter {
  /** Hex of the RPI prefix (RPI_PREFIX_BYTES bytes). */
  rpi: string;
  /** Hex of the 4 AEM bytes. */
  aem: string;
  scans: ScanSummary[];
}

/** Record length in bytes for a number of scans. */
export function recordLength(scans: number): number {
  if (scans < 1 || scans > MAX_SCANS || Math.floor(scans) !== scans) {
    throw new TypeError("scans must be 1.." + MAX_SCANS + ", got " + scans);
  }
  return RECORD_BASE_BYTES + SCAN_BYTES * (scans - 1);
}

/** True when `len` can be the first byte of a record. */
export function isRecordLength(len: number): boolean {
  return len >= RECORD_BASE_BYTES && len <= RECORD_BASE_BYTES + SCAN_BYTES * (MAX_SCANS - 1) &&
    (len - RECORD_BASE_BYTES) % SCAN_BYTES === 0;
}

function i8(v: number): number {
  return v > 127 ? v - 256 : v;
}

/**
 * RSSI as a signed byte, -127..20 dBm, rounded half up. Not Math.round: Espruino rounds -57.5 to -58
 * and V8 to -57, and the token and its simulation must write the same byte.
 */
function rssiByte(v: number): number {
  const r = Math.floor(v + 0.5);
  return (r < -127 ? -127 : r > 20 ? 20 : r) & 0xff;
}

/**
 * A record (len byte + plaintext body) for an identifier heard in one scan: `id` = RPI prefix 6 |
 * AEM 4; `first` is left 0 (setRecordFirst fills it when the record is written to a page). The token
 * builds each record this way as it hears an identifier, so what is in RAM is already the record.
 */
export function newRecord(id: Uint8Array, count: number, rssiMax: number, rssiMean: number): Uint8Array {
  const r = u8(RECORD_BASE_BYTES);
  r[0] = RECORD_BASE_BYTES;
  r.set(id.subarray(0, RPI_PREFIX_BYTES + AEM_BYTES), 1);
  r[13] = count > 255 ? 255 : count;
  r[14] = rssiByte(rssiMax);
  r[15] = rssiByte(rssiMean);
  return r;
}

/** The record with one more scan, `dt` time units (0..255) after first seen. */
export function addScan(rec: Uint8Array, dt: number, count: number, rssiMax: number, rssiMean: number): Uint8Array {
  const o = rec.length;
  const r = u8(o + SCAN_BYTES);
  r.set(rec);
  r[0] = o + SCAN_BYTES;
  r[o] = dt;
  r[o + 1] = count > 255 ? 255 : count;
  r[o + 2] = rssiByte(rssiMax);
  r[o + 3] = rssiByte(rssiMean);
  return r;
}

/** Sets a record's first-seen time: `units` time units after its page's base time (0..MAX_FIRST_UNITS). */
export function setRecordFirst(rec: Uint8Array, units: number): void {
  rec[11] = units & 0xff;
  rec[12] = units >> 8;
}

/**
 * Encode a record (len byte + plaintext body), checked (host tools and tests; the token uses newRecord,
 * addScan and setRecordFirst directly). `scans` holds flat numbers per scan: t (unix seconds), count,
 * rssiMax, rssiMean; the first scan's t is the first-seen time. Times are floored to TIME_UNIT_SECONDS
 * relative to `base`.
 */
export function encodeRecord(rpi: Uint8Array, aem: Uint8Array, scans: number[], base: number): Uint8Array {
  if (rpi.length < RPI_PREFIX_BYTES) throw new TypeError("rpi too short: " + rpi.length);
  if (aem.length !== AEM_BYTES) throw new TypeError("aem must be 4 bytes, got " + aem.length);
  if (scans.length % 4 !== 0 || scans.length === 0) throw new TypeError("scans: 4 numbers per scan");
  const n = scans.length / 4;
  recordLength(n);
  const first = Math.floor((scans[0] - base) / TIME_UNIT_SECONDS);
  if (!(first >= 0 && first <= MAX_FIRST_UNITS)) throw new TypeError("first seen outside the page");
  const id = u8(RPI_PREFIX_BYTES + AEM_BYTES);
  id.set(rpi.subarray(0, RPI_PREFIX_BYTES), 0);
  id.set(aem, RPI_PREFIX_BYTES);
  let out = newRecord(id, scans[1], scans[2], scans[3]);
  const firstT = base + first * TIME_UNIT_SECONDS;
  for (let i = 1; i < n; i++) {
    const dt = Math.floor((scans[4 * i] - firstT) / TIME_UNIT_SECONDS);
    if (!(dt >= 0 && dt <= MAX_DT_UNITS)) throw new TypeError("scan " + i + " too long after first seen");
    out = addScan(out, dt, scans[4 * i + 1], scans[4 * i + 2], scans[4 * i + 3]);
  }
  setRecordFirst(out, first);
  return out;
}

/**
 * Decode a plaintext record body (the bytes after `len`) into the interchange shape.
 * `base` is the base time (unix seconds) of the page or stream segment it came from.
 */
export function decodeRecordBody(body: Uint8Array, base: number): LogEncounter {
  if (!isRecordLength(body.length + 1)) throw new TypeError("not a record body length: " + body.length);
  const first = base + (body[10] | (body[11] << 8)) * TIME_UNIT_SECONDS;
  const scans: ScanSummary[] = [];
  let o = 12;
  while (o < body.length) {
    const dt = scans.length === 0 ? 0 : body[o++];
    scans.push({ t: first + dt * TIME_UNIT_SECONDS, count: body[o], rssiMax: i8(body[o + 1]), rssiMean: i8(body[o + 2]) });
    o += 3;
  }
  return { rpi: toHex(body.subarray(0, RPI_PREFIX_BYTES)), aem: toHex(body.subarray(RPI_PREFIX_BYTES, RPI_PREFIX_BYTES + AEM_BYTES)), scans: scans };
}

/** The 5-byte stream marker that sets the base time. */
export function streamBase(base: number): Uint8Array {
  const m = u8(5);
  m[0] = STREAM_BASE_MARK;
  m[1] = base & 0xff;
  m[2] = (base >>> 8) & 0xff;
  m[3] = (base >>> 16) & 0xff;
  m[4] = (base >>> 24) & 0xff;
  return m;
}

/**
 * Decode a plaintext log stream (what SyncHost.readLog returns, concatenated) into encounters;
 * `damaged` is called for each record the token left out because its check failed.
 * Throws a TypeError naming the offset when the stream is malformed.
 */
export function decodeLogStream(stream: Uint8Array, damaged?: () => void): LogEncounter[] {
  const out: LogEncounter[] = [];
  let base = -1;
  let i = 0;
  while (i < stream.length) {
    const b = stream[i];
    if (b === STREAM_DAMAGED_MARK) {
      if (damaged) damaged();
      i++;
    } else if (b === STREAM_BASE_MARK) {
      if (i + 5 > stream.length) throw new TypeError("log stream: base time cut short at offset " + i);
      base = (stream[i + 1] | (stream[i + 2] << 8) | (stream[i + 3] << 16)) + stream[i + 4] * 0x1000000;
      i += 5;
    } else {
      if (!isRecordLength(b)) throw new TypeError("log stream: bad record length " + b + " at offset " + i);
      if (base < 0) throw new TypeError("log stream: record before any base time at offset " + i);
      if (i + b > stream.length) throw new TypeError("log stream: record cut short at offset " + i);
      out.push(decodeRecordBody(stream.subarray(i + 1, i + b), base));
      i += b;
    }
  }
  return out;
}

/**
 * Merge encounters with the same identifier (a token may write one identifier in two records,
 * e.g. across a reboot), scans in time order.
 */
export function mergeEncounters(list: LogEncounter[]): LogEncounter[] {
  const byKey: { [k: string]: LogEncounter } = {};
  const out: LogEncounter[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const k = e.rpi + e.aem;
    const have = byKey[k];
    if (have) have.scans = have.scans.concat(e.scans);
    else {
      byKey[k] = { rpi: e.rpi, aem: e.aem, scans: e.scans.slice() };
      out.push(byKey[k]);
    }
  }
  for (let i = 0; i < out.length; i++) out[i].scans.sort(function (a, b) { return a.t - b.t; });
  return out;
}
