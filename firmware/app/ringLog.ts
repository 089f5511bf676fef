/**
 * The contact log: a ring of raw flash pages (docs/LOG-FORMAT.md; record layout in
 * common/formats/logRecord.ts).
 *
 *   page   = header (20 bytes) | records ...
 *   header = seq u32 | nonce u32 | base time u32 | dropped u32 | page number u24 | commit A5
 * (the page number = flash address / page size, so a page seen at another address — the log file
 * moved by a Storage compaction after a firmware update — never counts as written)
 *   record = len | 3 (reserved) .. body (encrypted, atRest.ts) .. then len (committed)
 *
 * Power cuts: a header counts only once its commit byte (written last) is there; a record is
 * first written whole with the two low bits of its length byte set (lengths are multiples of 4,
 * so the bits are free), then committed by clearing them — one more write to a word no other
 * write touches twice. A cut leaves at most one uncommitted record, which readers skip by its
 * length; older records are never written again. Pages are used in ring order (wear spread
 * over all), the oldest is erased when the ring is full (its records counted as dropped), and
 * pages whose records are all older than 14 days are erased.
 */
import { readU32LE, writeU32LE } from "../../common/bytes";
import { encodeRecord, isRecordLength, streamBase, TIME_UNIT_SECONDS, MAX_FIRST_UNITS, MIN_READ_BYTES } from "../../common/formats/logRecord";
import { cryptRecord } from "./atRest";
import { KEEP_DAYS } from "./config";
import { LogArea } from "./logArea";

import { flashModule } from "./builtins";
const HEADER = 20;
const COMMIT = 0xa5;
/** A new page's base time lies this far before its opening (records may start before it opens). */
const BASE_LEAD_SECONDS = 3600;

let area: LogArea | null = null;
let key: Uint8Array | null = null;
let seqs: number[] = [];
let nonces: number[] = [];
let bases: number[] = [];
let counts: number[] = [];
/** Newest record time (unix s) a page can hold; -1 unknown. */
let newest: number[] = [];
let dirty: boolean[] = [];
let cur = -1;
let off = 0;
let maxSeq = 0;
let dropped = 0;

function addr(p: number): number {
  return area!.address + p * area!.pageSize;
}

function pageNo(p: number): number {
  return (addr(p) / area!.pageSize) & 0xffffff;
}

function byteAt(a: number): number {
  return flashModule().read(1, a)[0];
}

/**
 * Walk the records of page p from offset `from`; `each(p, offset, len)` for committed records
 * (return true to stop). Returns where the next record would go (pageSize when closed).
 * (Callbacks are module-level functions: closures inside loops cost a helper per loop in ES5.)
 */
function walk(p: number, from: number, each: (p: number, o: number, len: number) => boolean): number {
  const ps = area!.pageSize;
  let o = from;
  while (o + 16 <= ps) {
    const b = byteAt(addr(p) + o);
    if (b === 0xff) return o;
    const len = b & 0xfc;
    if (!isRecordLength(len) || o + len > ps) return ps;
    if ((b & 3) === 0 && each(p, o, len)) return o;
    o += len;
  }
  return ps;
}

/** The decrypted body of the record at page p offset o. */
function body(p: number, o: number, len: number): Uint8Array {
  const b = flashModule().read(len - 1, addr(p) + o + 1);
  cryptRecord(key!, b, seqs[p], nonces[p], o);
  return b;
}

/** Time of the last scan in a record (body: ... first u16 at 10, last scan's dt 4 bytes from the end). */
function lastScanTime(p: number, o: number, len: number): number {
  const b = body(p, o, len);
  return bases[p] + ((b[10] | (b[11] << 8)) + (len > 16 ? b[len - 5] : 0)) * TIME_UNIT_SECONDS;
}

/** Page indices holding a header, oldest first. */
function bySeq(): number[] {
  const out: number[] = [];
  for (let p = 0; p < seqs.length; p++) if (seqs[p]) out.push(p);
  out.sort(function (a, b) { return seqs[a] - seqs[b]; });
  return out;
}

/** Read every page header and find where to write next (boot). */
export function logOpen(a: LogArea, atRestKey: Uint8Array): void {
  area = a;
  key = atRestKey;
  seqs = []; nonces = []; bases = []; counts = []; newest = []; dirty = [];
  cur = -1; maxSeq = 0; dropped = 0; off = 0;
  for (let p = 0; p < a.pages; p++) {
    const h = flashModule().read(HEADER, addr(p));
    let blank = true;
    for (let i = 0; i < HEADER; i++) if (h[i] !== 0xff) blank = false;
    const ok = h[19] === COMMIT && readU32LE(h, 16) === pageNo(p) + COMMIT * 0x1000000;
    seqs.push(ok ? readU32LE(h, 0) : 0);
    nonces.push(readU32LE(h, 4));
    bases.push(readU32LE(h, 8));
    counts.push(0);
    newest.push(-1);
    dirty.push(!ok && !blank);
    if (ok && seqs[p] > maxSeq) {
      maxSeq = seqs[p];
      cur = p;
      dropped = readU32LE(h, 12);
    }
  }
  const order = bySeq();
  for (let i = 0; i < order.length; i++) {
    const p = order[i];
    lastOff = -1;
    const end = walk(p, HEADER, countRecord);
    if (p === cur) {
      off = end;
      newest[p] = lastOff < 0 ? 0 : lastScanTime(p, lastOff, byteAt(addr(p) + lastOff));
    } else {
      newest[p] = bases[order[i + 1]] + BASE_LEAD_SECONDS;
    }
  }
}

let lastOff = -1;
function countRecord(p: number, o: number): boolean {
  counts[p]++;
  lastOff = o;
  return false;
}

/** Erase page p if it holds anything; its records are gone. */
function erasePage(p: number): void {
  if (seqs[p] || dirty[p]) flashModule().erasePage(addr(p));
  seqs[p] = 0;
  counts[p] = 0;
  newest[p] = -1;
  dirty[p] = false;
}

function openPage(now: number): void {
  const p = cur < 0 ? 0 : (cur + 1) % area!.pages;
  if (seqs[p] && newest[p] >= now - KEEP_DAYS * 86400) dropped += counts[p];
  erasePage(p);
  const h = new Uint8Array(HEADER);
  h.fill(0xff);
  const seq = maxSeq + 1;
  const nonce = E.hwRand() >>> 0;
  const base = Math.floor((now - BASE_LEAD_SECONDS) / TIME_UNIT_SECONDS) * TIME_UNIT_SECONDS;
  writeU32LE(h, 0, seq);
  writeU32LE(h, 4, nonce);
  writeU32LE(h, 8, base);
  writeU32LE(h, 12, dropped);
  writeU32LE(h, 16, pageNo(p) | 0xff000000);
  flashModule().write(h, addr(p));
  flashModule().write(new Uint8Array([COMMIT]), addr(p) + 19);
  maxSeq = seq;
  seqs[p] = seq;
  nonces[p] = nonce;
  bases[p] = base;
  newest[p] = 0;
  cur = p;
  off = HEADER;
}

/**
 * Write one encounter: `id` = RPI prefix (6) + AEM (4), `scans` = flat (t, count, rssiMax,
 * rssiMean) per scan. Returns false when the token has no log area.
 */
export function logAppend(id: Uint8Array, scans: number[], now: number): boolean {
  if (!area) return false;
  const len = 16 + 4 * (scans.length / 4 - 1);
  const first = scans[0];
  if (cur < 0 || off + len > area.pageSize || first < bases[cur] || (first - bases[cur]) / TIME_UNIT_SECONDS > MAX_FIRST_UNITS) {
    openPage(now);
  }
  const rec = encodeRecord(id.subarray(0, 6), id.subarray(6, 10), scans, bases[cur]);
  cryptRecord(key!, rec.subarray(1), seqs[cur], nonces[cur], off);
  rec[0] = len | 3;
  const a = addr(cur) + off;
  flashModule().write(rec, a);
  flashModule().write(new Uint8Array([len]), a);
  counts[cur]++;
  off += len;
  const lastT = scans[scans.length - 4];
  if (lastT > newest[cur]) newest[cur] = lastT;
  return true;
}

/** Erase pages whose records are all older than 14 days (the current one too, after a fresh page). */
export function logExpire(now: number): void {
  if (!area) return;
  const limit = now - KEEP_DAYS * 86400;
  if (cur >= 0 && counts[cur] && newest[cur] < limit) openPage(now);
  for (let p = 0; p < area.pages; p++) {
    if (p !== cur && seqs[p] && newest[p] < limit) erasePage(p);
  }
}

/**
 * Plaintext log stream (common/formats/logRecord.ts) from an opaque cursor (page seq * 65536 +
 * offset; 0 = oldest), whole records only, at most max(maxBytes, MIN_READ_BYTES = 253) bytes.
 */
export function logRead(cursor: number, maxBytes: number): { data: Uint8Array; next: number } {
  // a smaller buffer could stall on a long record and look like the end of the log: a read always
  // has room for one whole record, so it may return up to MIN_READ_BYTES even when asked for less
  out = new Uint8Array(maxBytes > MIN_READ_BYTES ? maxBytes : MIN_READ_BYTES);
  used = 0;
  next = cursor;
  full = false;
  if (area) {
    const cs = Math.floor(cursor / 65536);
    const co = cursor % 65536;
    const order = bySeq();
    for (let i = 0; i < order.length && !full; i++) {
      const p = order[i];
      if (seqs[p] < cs) continue;
      marked = false;
      const end = walk(p, seqs[p] === cs && co > HEADER ? co : HEADER, copyRecord);
      if (!full) next = seqs[p] * 65536 + end;
    }
  }
  const data = out.subarray(0, used);
  out = new Uint8Array(0);
  return { data: data, next: next };
}

let out = new Uint8Array(0);
let used = 0;
let next = 0;
let marked = false;
let full = false;
/** One record into the read buffer (a base-time marker first on each page); true when full. */
function copyRecord(p: number, o: number, len: number): boolean {
  if (used + len + (marked ? 0 : 5) > out.length) {
    next = seqs[p] * 65536 + o;
    full = true;
    return true;
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

/** Erase every log page (erase-all: the pages are really erased, not just forgotten). */
export function logEraseAll(): void {
  if (!area) return;
  for (let p = 0; p < area.pages; p++) flashModule().erasePage(addr(p));
  area = null;
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
  let used = 0;
  let records = 0;
  for (let p = 0; p < seqs.length; p++) {
    if (seqs[p]) used++;
    records += counts[p];
  }
  const n = area ? area.pages : 0;
  const nx = cur < 0 || !n ? -1 : (cur + 1) % n;
  return {
    pages: n, pageSize: area ? area.pageSize : 0, pagesUsed: used, records: records, dropped: dropped,
    nextDropSeq: nx >= 0 && seqs[nx] && counts[nx] ? seqs[nx] : 0, currentSeq: maxSeq,
  };
}
