/**
 * The contact log: a ring of raw flash pages (docs/LOG-FORMAT.md; record layout in
 * common/formats/logRecord.ts), encrypted at rest.
 *
 *   page   = header (20 bytes) | records ...
 *   header = seq u32 | nonce u32 | base time u32 | dropped u32 | page number u24 | commit A5
 * (the page number = flash address / page size, so a page seen at another address — the log file
 * moved by a Storage compaction after a firmware update — never counts as written)
 *   record = len | 3 (reserved) .. body (encrypted) .. then len (committed)
 *
 * Power cuts: a header counts only once its commit byte (written last) is there; a record is first
 * written whole with the two low bits of its length byte set (lengths are multiples of 4, so the bits
 * are free), then committed by clearing them — one more write to a word no other write touches twice.
 * A cut leaves at most one uncommitted record, which readers skip by its length; older records are
 * never written again. Pages are used in ring order (wear spread over all), the oldest is erased when
 * the ring is full (its records counted as dropped), and pages whose records are all older than 14 days
 * are erased.
 *
 * At rest: each record body is XORed with the AES-128 keystream (firmware/crypto/ctr.ts) for the
 * 13-byte nonce page seq u32 LE | page nonce u32 LE | record offset u16 LE | 0 x 3, under the token's
 * own key (16 random bytes, kept in the settings file: store.ts). Every (page seq, nonce, offset) is used
 * once per key, so no keystream is reused; erasing the key makes every page unreadable at once.
 *
 * Per-page state lives in typed arrays (a page costs RAM only as bytes, not as JS variables).
 */
import { readU32LE, writeU32LE, u8 } from "../../common/bytes";
import { isRecordLength, MAX_FIRST_UNITS, MIN_READ_BYTES, setRecordFirst, streamBase, TIME_UNIT_SECONDS } from "../../common/formats/logRecord";
import { ctrXor } from "../crypto/ctr";
import { Cfg } from "./config";
import { logAddress, logPages } from "./logArea";
import { Flash } from "./modules";

const HEADER = 20;
const COMMIT = 0xa5;
/** A new page's base time lies this far before its opening (records may start before it opens). */
const BASE_LEAD_SECONDS = 3600;

var key: Uint8Array | null = null;
/** Per page: seq (0 = no header), base time, records, newest record time it can hold (0 unknown). */
var seqs = new Uint32Array(0);
var bases = new Uint32Array(0);
var counts = new Uint16Array(0);
var newest = new Uint32Array(0);
var cur = -1;
var off = 0;
/** Seq of the newest page (the host's read position is kept against it). */
export var maxSeq = 0;
var dropped = 0;
/** Set by walk() callbacks. */
var lastOff = -1;

function addr(p: number): number {
  return (logAddress + p * OMAMORI_BOARD.storage.pageSize) | 0;
}

/**
 * The at-rest keystream nonce of the record at page p offset o: the page header's first 8 bytes are
 * its seq and nonce, little-endian, as the nonce wants them.
 */
function nonce(p: number, o: number): Uint8Array {
  var n = u8(13);
  n.set(Flash.read(8, addr(p)));
  n[8] = o & 255;
  n[9] = o >> 8;
  return n;
}

/** The decrypted body of the record at page p offset o (len bytes in all). */
function body(p: number, o: number, len: number): Uint8Array {
  return ctrXor(key!, nonce(p, o), Flash.read(len - 1, addr(p) + o + 1));
}

/**
 * Walk the committed records of page p from offset `from`; `each(p, offset, len)` (return true to stop).
 * Returns where the next record would go (the page size when the page is closed).
 */
function walk(p: number, from: number, each: (p: number, o: number, len: number) => boolean): number {
  var ps = OMAMORI_BOARD.storage.pageSize;
  var o = from;
  while (o + 16 <= ps) {
    var b = Flash.read(1, addr(p) + o)[0];
    if (b === 0xff) return o;
    if (!isRecordLength(b & 0xfc) || o + (b & 0xfc) > ps) return ps;
    if (!(b & 3) && each(p, o, b)) return o;
    o += b & 0xfc;
  }
  return ps;
}

function countRecord(p: number, o: number): boolean {
  counts[p]++;
  lastOff = o;
  return false;
}

/** Pages holding a header, oldest first. */
function bySeq(): number[] {
  var out = [];
  for (var p = 0; p < logPages; p++) if (seqs[p]) out.push(p);
  return out.sort(function (a, b) { return seqs[a] - seqs[b]; });
}

/** Read every page header and find where to write next (boot); `k` = the at-rest key. */
export function logOpen(k: Uint8Array): void {
  key = k;
  seqs = new Uint32Array(logPages);
  bases = new Uint32Array(logPages);
  counts = new Uint16Array(logPages);
  newest = new Uint32Array(logPages);
  cur = -1;
  maxSeq = dropped = off = 0;
  for (var p = 0; p < logPages; p++) {
    var h = Flash.read(HEADER, addr(p));
    var ok = h[19] === COMMIT && readU32LE(h, 16) === ((addr(p) / OMAMORI_BOARD.storage.pageSize) & 0xffffff) + COMMIT * 0x1000000;
    if (ok) {
      seqs[p] = readU32LE(h, 0);
      bases[p] = readU32LE(h, 8);
      if (seqs[p] > maxSeq) {
        maxSeq = seqs[p];
        cur = p;
        dropped = readU32LE(h, 12);
      }
    }
  }
  var order = bySeq();
  for (var i = 0; i < order.length; i++) {
    p = order[i];
    lastOff = -1;
    var end = walk(p, HEADER, countRecord);
    if (p === cur) {
      off = end;
      if (lastOff >= 0) {
        var b = body(p, lastOff, Flash.read(1, addr(p) + lastOff)[0]);
        newest[p] = bases[p] + ((b[10] | (b[11] << 8)) + (b.length > 15 ? b[b.length - 4] : 0)) * TIME_UNIT_SECONDS;
      }
    } else {
      newest[p] = bases[order[i + 1]] + BASE_LEAD_SECONDS;
    }
  }
}

/** Erase page p if it holds anything (a header, or a torn one a power cut left); its records are gone. */
function erasePage(p: number): void {
  var h = Flash.read(HEADER, addr(p));
  for (var i = 0; i < HEADER; i++) if (h[i] !== 0xff) i = HEADER + 1;
  if (seqs[p] || i > HEADER) Flash.erasePage(addr(p));
  seqs[p] = counts[p] = newest[p] = 0;
}

function openPage(now: number): void {
  var p = cur < 0 ? 0 : (cur + 1) % logPages;
  if (seqs[p] && newest[p] >= now - Cfg.KEEP_DAYS * 86400) dropped += counts[p];
  erasePage(p);
  var h = u8(HEADER);
  var seq = maxSeq + 1;
  var base = Math.floor((now - BASE_LEAD_SECONDS) / TIME_UNIT_SECONDS) * TIME_UNIT_SECONDS;
  writeU32LE(h, 0, seq);
  writeU32LE(h, 4, E.hwRand());
  writeU32LE(h, 8, base);
  writeU32LE(h, 12, dropped);
  writeU32LE(h, 16, (addr(p) / OMAMORI_BOARD.storage.pageSize) & 0xffffff);
  h[19] = 0xff;
  Flash.write(h, addr(p));
  Flash.write([COMMIT], addr(p) + 19);
  maxSeq = seqs[p] = seq;
  bases[p] = base;
  cur = p;
  off = HEADER;
}

/**
 * Write one record (common/formats/logRecord.ts newRecord/addScan, `first` not yet set) of an
 * identifier first seen at `firstUnits` (5 s units). Returns false when the token has no log area.
 */
export function logAppend(rec: Uint8Array, firstUnits: number, now: number): boolean {
  if (!logPages || !key) return false;
  var len = rec.length;
  var first = firstUnits * TIME_UNIT_SECONDS;
  if (cur < 0 || off + len > OMAMORI_BOARD.storage.pageSize || first < bases[cur] || (first - bases[cur]) / TIME_UNIT_SECONDS > MAX_FIRST_UNITS) {
    openPage(now);
  }
  setRecordFirst(rec, firstUnits - bases[cur] / TIME_UNIT_SECONDS);
  var out = u8(len);
  out[0] = len | 3;
  out.set(ctrXor(key!, nonce(cur, off), rec.subarray(1)), 1);
  var a = addr(cur) + off;
  Flash.write(out, a);
  Flash.write([len], a);
  counts[cur]++;
  off += len;
  var last = first + (len > 16 ? rec[len - 4] * TIME_UNIT_SECONDS : 0);
  if (last > newest[cur]) newest[cur] = last;
  return true;
}

/** Erase pages whose records are all older than 14 days (the current one too, after a fresh page). */
export function logExpire(now: number): void {
  if (!logPages) return;
  var limit = now - Cfg.KEEP_DAYS * 86400;
  if (cur >= 0 && counts[cur] && newest[cur] < limit) openPage(now);
  for (var p = 0; p < logPages; p++) if (p !== cur && seqs[p] && newest[p] < limit) erasePage(p);
}

var out = u8(0);
var used = 0;
var next = 0;
var marked = false;
var full = false;

/** One record into the read buffer (a base-time marker first on each page); true when full. */
function copyRecord(p: number, o: number, len: number): boolean {
  if (used + len + (marked ? 0 : 5) > out.length) {
    next = seqs[p] * 65536 + o;
    return (full = true);
  }
  if (!marked) {
    out.set(streamBase(bases[p]), used);
    used += 5;
    marked = true;
  }
  out[used] = len;
  out.set(body(p, o, len), used + 1);
  used += len;
  return false;
}

/**
 * Plaintext log stream (common/formats/logRecord.ts) from an opaque cursor (page seq * 65536 + offset;
 * 0 = oldest), whole records only, at most max(maxBytes, MIN_READ_BYTES) bytes: a read always has room
 * for one whole record, so a long record can never stall a sync.
 */
export function logRead(cursor: number, maxBytes: number): { data: Uint8Array; next: number } {
  out = u8(maxBytes > MIN_READ_BYTES ? maxBytes : MIN_READ_BYTES);
  used = 0;
  next = cursor;
  full = false;
  var cs = Math.floor(cursor / 65536);
  var order = key ? bySeq() : [];
  for (var i = 0; i < order.length && !full; i++) {
    var p = order[i];
    if (seqs[p] < cs) continue;
    marked = false;
    var end = walk(p, seqs[p] === cs && cursor % 65536 > HEADER ? cursor % 65536 : HEADER, copyRecord);
    if (!full) next = seqs[p] * 65536 + end;
  }
  var data = out.subarray(0, used);
  out = u8(0);
  return { data: data, next: next };
}

/** Erase every log page (erase-all: the pages are really erased, not just forgotten). */
export function logEraseAll(): void {
  for (var p = 0; p < logPages; p++) Flash.erasePage(addr(p));
  seqs = new Uint32Array(0);
  counts = new Uint16Array(0);
  cur = -1;
  key = null;
}

export interface LogStats {
  pages: number;
  pageSize: number;
  pagesUsed: number;
  records: number;
  dropped: number;
  /** Seq of the page the next page switch erases while it still holds records (0: none). */
  nextDropSeq: number;
  currentSeq: number;
}

export function logStats(): LogStats {
  var used = 0;
  var records = 0;
  for (var p = 0; p < seqs.length; p++) {
    if (seqs[p]) used++;
    records += counts[p];
  }
  var nx = cur < 0 || !logPages ? -1 : (cur + 1) % logPages;
  return {
    pages: logPages, pageSize: logPages ? OMAMORI_BOARD.storage.pageSize : 0, pagesUsed: used, records: records, dropped: dropped,
    nextDropSeq: nx >= 0 && seqs[nx] && counts[nx] ? seqs[nx] : 0, currentSeq: maxSeq,
  };
}
