/**
 * The token's flash ring: raw 4 KB pages (docs/LOG-FORMAT.md) holding the contact log's records,
 * encrypted at rest, and the token's settings (store.ts), each an entry with its own check.
 *
 *   page    = header (20 bytes) | entry ... | 0xFF (erased)
 *   header  = seq u32 | nonce u32 | base time u32 | dropped u32 | page number u24 | commit A5
 *   entry   = first byte: len (a multiple of 4, 12..252) | state in the two low bits,
 *             11 being written, 00 a record, 01 a setting, 10 never written: the rest of the page is unusable
 *   record  = len | body (encrypted, common/formats/logRecord.ts less its len) | check u32
 *   setting = len | type | n | FF | payload (n bytes, zero padded to 4) | check u32
 *   check   = CRC-32 (E.CRC32) of the entry's other bytes, the committed first byte included
 *
 * (page number = flash address / page size: pages read back at another address were moved by a Storage
 * compaction after a firmware update, logArea.ts; their settings are read, their records are not.)
 *
 * Power cuts: a header counts only once its commit byte (written last) is there; an entry is written
 * whole with state 11, then committed by writing its first byte again (lengths are multiples of 4, so
 * every word is written at most twice between erases, as the nRF52 allows). A cut leaves at most one
 * uncommitted entry, which readers skip by its length; older entries are never written again, except
 * that a setting no longer needed is zeroed (bytes 4.. written 0: its check fails, its payload is gone).
 * Pages are used in ring order (wear spread over all); the oldest is erased when the ring is full (its
 * records counted as dropped), and pages whose records are all older than 14 days are erased. Every
 * erase is read back.
 *
 * Settings survive every erase: the page after the current one never holds a live setting. Whenever a
 * page is opened, the live settings of the page after it (the next to be erased) are copied into the new
 * page and zeroed where they were; a page that expires has its settings copied out first. At any cut
 * each setting has a complete copy, or two (the later one wins, the earlier is zeroed at the next boot).
 *
 * At rest: each record body is XORed with the AES-128 keystream (firmware/crypto/ctr.ts) for the
 * 13-byte nonce page seq u32 LE | page nonce u32 LE | entry offset u16 LE | 0 x 3, under the key kept in
 * the settings (store.ts). Every (page seq, nonce, offset) is used once per key, so no keystream is
 * reused. The check covers the stored bytes, so a flipped bit is found without the key; such a record is
 * never handed out as data (the host is told one was damaged). Settings are not encrypted: the key would
 * lie beside them.
 *
 * Per-page state lives in typed arrays (a page costs RAM only as bytes, not as JS variables).
 */
import { readU32LE, writeU32LE, u8 } from "../../common/bytes";
import { isRecordLength, MAX_FIRST_UNITS, MIN_READ_BYTES, setRecordFirst, STREAM_DAMAGED_MARK, streamBase, TIME_UNIT_SECONDS } from "../../common/formats/logRecord";
import { ctrXor } from "../crypto/ctr";
import { Cfg } from "./config";
import { logAddress, logPages } from "./logArea";
import { Flash } from "./modules";
import { noteError } from "./store";

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
/** 1 when boot found the pages at other addresses than they were written at (logArea.ts: a moved log file). */
export var logMoved = 0;
var dropped = 0;
/** Set by walk() callbacks. */
var lastOff = -1;

function addr(p: number): number {
  return (logAddress + p * OMAMORI_BOARD.storage.pageSize) | 0;
}

/** The check of entry `e` (its last 4 bytes) holds. */
function checks(e: Uint8Array): boolean {
  return E.CRC32(e.subarray(0, e.length - 4)) === readU32LE(e, e.length - 4);
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

/** The record at page p offset o, len bytes: its plaintext body, or null when its check fails. */
function body(p: number, o: number, len: number): Uint8Array | null {
  var e = Flash.read(len, addr(p) + o);
  return checks(e) ? ctrXor(key!, nonce(p, o), e.subarray(1, len - 4)) : null;
}

/**
 * Walk the committed entries of page p from offset `from`; `each(p, offset, first byte)` (return true to
 * stop). A first byte no entry has (a flipped bit) ends the walk with `each(p, offset, 2)`: the rest of
 * the page cannot be read. Returns where the next entry would go (the page size when the page is closed).
 */
function walk(p: number, from: number, each: (p: number, o: number, b: number) => boolean): number {
  var ps = OMAMORI_BOARD.storage.pageSize;
  var o = from;
  while (o + 12 <= ps) {
    var b = Flash.read(1, addr(p) + o)[0];
    if (b === 0xff) return o;
    if ((b & 0xfc) < 12 || o + (b & 0xfc) > ps || (b & 3) === 2) b = 2;
    if ((b & 3) !== 3 && each(p, o, b)) return o;
    if (b === 2) return ps;
    o += b & 0xfc;
  }
  return ps;
}

/** The setting at page p offset o: its bytes, or null when it is not one or its check fails (zeroed or torn). */
function setting(p: number, o: number, b: number): Uint8Array | null {
  if ((b & 3) !== 1) return null;
  var e = Flash.read(b & 0xfc, addr(p) + o);
  return checks(e) ? e : null;
}

/** The setting at `loc` holds `text` (what the store last saved there; a byte changed in flash does not). */
export function logHolds(loc: number, text: string): boolean {
  var e = Flash.read(4 + text.length, addr(((loc - 1) / 65536) | 0) + (loc - 1) % 65536);
  return e[2] === text.length && E.toString(e.subarray(4)) === text;
}

/** The store's callbacks: a setting found at boot (location, type, payload); a setting moved (old, new location). */
var onSetting: (loc: number, type: number, payload: Uint8Array) => void;
var onMoved: (from: number, to: number) => void;

/** At boot: counts records, hands settings to the store. */
function openEntry(p: number, o: number, b: number): boolean {
  var e = setting(p, o, b);
  if (e) onSetting(p * 65536 + o + 1, e[1], e.subarray(4, 4 + e[2]));
  else if (!(b & 3)) {
    counts[p]++;
    lastOff = o;
  }
  return false;
}

/**
 * Write entry `e` at the current position: written with state 11, then committed with first byte `b`
 * (len | state); with `b` 0, `e` is a whole entry copied as it is, else its check is made here first.
 * Returns where it is, as one number (never 0): page * 65536 + offset + 1.
 */
function put(e: Uint8Array, b: number): number {
  var a = addr(cur) + off;
  if (b) {
    e[0] = b;
    writeU32LE(e, e.length - 4, E.CRC32(e.subarray(0, e.length - 4)));
  }
  b = e[0];
  e[0] = b | 3;
  Flash.write(e, a);
  Flash.write([b], a);
  off += e.length;
  return cur * 65536 + off - e.length + 1;
}

/** Zero the setting at `loc` from byte 4 on (its check then fails): superseded or expired. */
export function logZero(loc: number): void {
  var p = ((loc - 1) / 65536) | 0;
  var o = (loc - 1) % 65536;
  Flash.write(u8((Flash.read(1, addr(p) + o)[0] & 0xfc) - 4), addr(p) + o + 4);
}

/** Copy the live settings of page q into the current page, then zero them in q (before q is erased). */
function rescue(q: number): void {
  if (q !== cur && seqs[q]) {
    walk(q, HEADER, function (p, o, b) {
      var e = setting(p, o, b);
      if (e) {
        onMoved(p * 65536 + o + 1, put(e, 0));
        logZero(p * 65536 + o + 1);
      }
      return false;
    });
  }
}

/**
 * Write a setting of `type` (a letter's code) holding `payload` (a string or bytes, at most 244 bytes);
 * returns its location (for logZero), 0 when the token has no log area.
 */
export function logPutSetting(type: number, payload: any): number {
  var d = E.toUint8Array(payload);
  if (!logPages || d.length > 244) return 0;
  var e = u8((d.length + 11) & ~3);
  e[1] = type;
  e[2] = d.length;
  e[3] = 255;
  e.set(d, 4);
  if (cur < 0 || off + e.length > OMAMORI_BOARD.storage.pageSize) openPage(getTime());
  return put(e, e.length | 1);
}

/** Pages holding a header, oldest first. */
function bySeq(): number[] {
  var out = [];
  for (var p = 0; p < logPages; p++) if (seqs[p]) out.push(p);
  return out.sort(function (a, b) { return seqs[a] - seqs[b]; });
}

/**
 * Read every page header and find where to write next (boot), handing every live setting to `setting`
 * (pages in the order written) and telling `moved` when a setting is copied elsewhere. Records can be
 * read once the store has given the at-rest key (logKey).
 */
export function logOpen(setting: (loc: number, type: number, payload: Uint8Array) => void, moved: (from: number, to: number) => void): void {
  onSetting = setting;
  onMoved = moved;
  key = null;
  seqs = new Uint32Array(logPages);
  bases = new Uint32Array(logPages);
  counts = new Uint16Array(logPages);
  newest = new Uint32Array(logPages);
  cur = lastOff = -1;
  maxSeq = dropped = off = logMoved = 0;
  for (var p = 0; p < logPages; p++) {
    var h = Flash.read(HEADER, addr(p));
    if (h[19] === COMMIT) {
      if (readU32LE(h, 16) !== ((addr(p) / OMAMORI_BOARD.storage.pageSize) & 0xffffff) + COMMIT * 0x1000000) logMoved = 1;
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
    var end = walk(p, HEADER, openEntry);
    if (p === cur) off = end;
    else newest[p] = bases[order[i + 1]] + BASE_LEAD_SECONDS;
  }
  // a cut while a page was opened can leave settings in the page after it: moved now (the page just
  // opened has room for them). A moved log is only read.
  if (cur >= 0 && !logMoved) rescue((cur + 1) % logPages);
}

/**
 * The at-rest key, once the store has read it (after logOpen) or, after erase-all, written the new
 * settings: records can be read and written from now on. Erase-all's step two: the page that held the
 * old settings and the erase mark is erased (read back).
 */
export function logKey(k: Uint8Array): void {
  if (eraseLater >= 0 && eraseLater !== cur) erase(eraseLater);
  eraseLater = -1;
  key = k;
  var b = cur >= 0 && lastOff >= 0 ? body(cur, lastOff, Flash.read(1, addr(cur) + lastOff)[0]) : null;
  if (b) newest[cur] = bases[cur] + ((b[10] | (b[11] << 8)) + (b.length > 15 ? b[b.length - 4] : 0)) * TIME_UNIT_SECONDS;
}

/** Erase page p and read it back (again, up to three times, until it is blank; an error is noted otherwise). */
function erase(p: number): void {
  var ps = OMAMORI_BOARD.storage.pageSize;
  for (var tries = 0, o = 0; tries < 3 && o < ps; tries++) {
    Flash.erasePage(addr(p));
    for (o = 0; o < ps && E.sum(Flash.read(256, addr(p) + o)) === 65280; o += 256);
  }
  if (o < ps) noteError("erase failed");
  seqs[p] = counts[p] = newest[p] = 0;
}

function openPage(now: number): void {
  var p = cur < 0 ? 0 : (cur + 1) % logPages;
  if (seqs[p] && newest[p] >= now - Cfg.KEEP_DAYS * 86400) dropped += counts[p];
  // erased if it holds anything (a header, or a torn one a power cut left): its records are gone
  if (seqs[p] || E.sum(Flash.read(HEADER, addr(p))) !== 255 * HEADER) erase(p);
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
  // the page erased next must hold no live setting: they move here (a fresh page has room for them all)
  rescue((p + 1) % logPages);
}

/**
 * Write one record (common/formats/logRecord.ts newRecord/addScan, `first` not yet set) of an
 * identifier first seen at `firstUnits` (5 s units). Returns false when the token has no log area.
 */
export function logAppend(rec: Uint8Array, firstUnits: number, now: number): boolean {
  if (!logPages || !key) return false;
  var len = rec.length + 4;
  var first = firstUnits * TIME_UNIT_SECONDS;
  if (cur < 0 || off + len > OMAMORI_BOARD.storage.pageSize || first < bases[cur] || (first - bases[cur]) / TIME_UNIT_SECONDS > MAX_FIRST_UNITS) {
    openPage(now);
  }
  setRecordFirst(rec, firstUnits - bases[cur] / TIME_UNIT_SECONDS);
  var e = u8(len);
  e.set(ctrXor(key!, nonce(cur, off), rec.subarray(1)), 1);
  put(e, len);
  counts[cur]++;
  var last = first + (len > 20 ? rec[len - 8] * TIME_UNIT_SECONDS : 0);
  if (last > newest[cur]) newest[cur] = last;
  return true;
}

/**
 * Erase pages whose records are all older than 14 days (the current one too, after a fresh page), their
 * settings moved out first: into the current page, or a fresh one when it has no room for them.
 */
export function logExpire(now: number): void {
  if (!logPages) return;
  var limit = now - Cfg.KEEP_DAYS * 86400;
  if (cur >= 0 && counts[cur] && newest[cur] < limit) openPage(now);
  for (var p = 0; p < logPages; p++) {
    if (p === cur || !counts[p] || newest[p] >= limit) continue;
    // (opening a page erases the page after the current one, which holds no setting — so never p, whose
    // settings need room — and moves the settings of the page after that, which may be p)
    var n = 0;
    walk(p, HEADER, function (q, o, b) {
      if (setting(q, o, b)) n += b & 0xfc;
      return false;
    });
    if (off + n > OMAMORI_BOARD.storage.pageSize) openPage(now);
    rescue(p);
    erase(p);
  }
}

var out = u8(0);
var used = 0;
var next = 0;
var marked = false;
var full = false;

/**
 * One record into the read buffer (a base-time marker first on each page); true when full. A record
 * whose check fails, an entry marked a setting without a setting's FF as byte 3 (a record whose state
 * bit flipped; but 1 in 256 of those), and the unreadable rest of a page are each one damage mark.
 */
function copyRecord(p: number, o: number, b: number): boolean {
  var d = b & 3 || !isRecordLength(b - 4) ? null : body(p, o, b);
  if ((b & 3) === 1 && Flash.read(1, addr(p) + o + 3)[0] === 255) return false;
  var n = d ? b - 4 : 1;
  if (used + n + (marked ? 0 : 5) > out.length) {
    next = seqs[p] * 65536 + o;
    return (full = true);
  }
  if (!marked) {
    out.set(streamBase(bases[p]), used);
    used += 5;
    marked = true;
  }
  if (d) {
    out[used] = n;
    out.set(d, used + 1);
  } else out[used] = STREAM_DAMAGED_MARK;
  used += n;
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

/**
 * Erase-all, step one: every page but the current one (which holds the erase mark, store.ts) erased and
 * read back, and the ring forgotten, so that the next setting opens a fresh page after it; step two
 * (logKey) erases that page once the new settings are written. A cut at any point leaves the mark (a
 * boot finishes the erase) or the new settings. (After a moved log or on a new area: every page.)
 */
export function logEraseAll(): void {
  var old = logMoved ? -1 : cur;
  seqs = new Uint32Array(logPages);
  bases = new Uint32Array(logPages);
  counts = new Uint16Array(logPages);
  newest = new Uint32Array(logPages);
  for (var p = 0; p < logPages; p++) if (p !== old) erase(p);
  key = null;
  logMoved = 0;
  cur = eraseLater = old;
  off = OMAMORI_BOARD.storage.pageSize;
}

/** The page erase-all keeps until the new settings are written (-1: none). */
var eraseLater = -1;

export interface LogStats {
  pages: number;
  pageSize: number;
  pagesUsed: number;
  records: number;
  dropped: number;
  /** Seq of the page the next page switch erases while it still holds records (0: none). */
  nextDropSeq: number;
  currentSeq: number;
  /** Bytes left in the current page (0: none open). */
  free: number;
}

export function logStats(): LogStats {
  var used = 0;
  var records = 0;
  for (var p = 0; p < seqs.length; p++) {
    if (seqs[p]) used++;
    records += counts[p];
  }
  return {
    pages: logPages, pageSize: logPages ? OMAMORI_BOARD.storage.pageSize : 0, pagesUsed: used, records: records, dropped: dropped,
    nextDropSeq: logNextDrop(), currentSeq: maxSeq, free: cur < 0 ? 0 : OMAMORI_BOARD.storage.pageSize - off,
  };
}

/** Sequence number of the page the ring will erase next if it holds records (0: none yet). */
export function logNextDrop(): number {
  var nx = cur < 0 || !logPages ? -1 : (cur + 1) % logPages;
  return nx >= 0 && seqs[nx] && counts[nx] ? seqs[nx] : 0;
}
