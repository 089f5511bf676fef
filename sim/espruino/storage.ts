/**
 * Espruino's Storage file system over NorFlash, ported operation for operation from
 * espruino/Espruino src/jsflash.c (snapshot c5ff787b19, 2v29) so that power cuts leave exactly
 * what a real token would (docs/spec/espruino-platform.md section 4, `require("Storage")`):
 *
 *   - a file is a 32-byte header {u32 size (low 24 bits) | flags << 24, 28-byte 0-padded name}
 *     followed by its data, the next header at the next 4-byte boundary (JSF_ALIGNMENT 4);
 *   - deleting/replacing a file writes 0 over the first 4 name bytes (jsfEraseFileInternal);
 *     replacing is "mark old deleted, THEN create the new one" (jsfWriteFile), so a cut in
 *     between loses the file, as on the device;
 *   - new files go into the first hole after the last header of a page that has room
 *     (_jsfCreateFile); when none has room but free+trash would, Storage is compacted first
 *     (jsfCompactInternal: files copied down through a RAM ring buffer of at most
 *     pageSize+32 bytes, each destination page erased when writing reaches it). Compaction is
 *     not power-safe on the device and is not here.
 *
 * This module works on bytes; sim/espruino/modules.ts turns it into require("Storage").
 * Known simplification: when the last file ends within 32 bytes of the end of Storage, the
 * C code walks on into address 0 (firmware area); here the scan just stops.
 */
import { NorFlash } from "./flash";

export const HEADER_BYTES = 32;
export const NAME_BYTES = 28;
export const ALIGN = 4;
/** Header flags (top 8 bits of the size word), src/jsflash.h JsfFileFlags. */
export const FLAG_NONE = 0;
export const FLAG_FILENAME_TABLE = 32;
export const FLAG_STORAGEFILE = 64;
export const FLAG_COMPRESSED = 128;

const WORD_UNSET = 0xffffffff;

/** Raised where jsfWriteFile calls jsExceptionHere: the API layer rethrows it as a JS Error. */
export class StorageError extends Error {}

export interface FileHeader {
  /** Address of the header. */
  addr: number;
  size: number;
  flags: number;
  /** 28 bytes, 0-padded. */
  name: Uint8Array;
  deleted: boolean;
}

export interface StorageStats {
  totalBytes: number; freeBytes: number; fileBytes: number; fileCount: number;
  trashBytes: number; trashCount: number;
}

/** jsfNameFromVar: the first 28 bytes of the name, 0-padded (longer names are cut silently). */
export function nameBytes(name: string): Uint8Array {
  const out = new Uint8Array(NAME_BYTES);
  const n = Math.min(name.length, NAME_BYTES);
  for (let i = 0; i < n; i++) out[i] = name.charCodeAt(i) & 0xff;
  return out;
}

/** jsfVarFromName: bytes up to the first 0. */
export function nameString(name: Uint8Array): string {
  let s = "";
  for (let i = 0; i < name.length && name[i] !== 0; i++) s += String.fromCharCode(name[i]);
  return s;
}

function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

function namesEqual(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < NAME_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class JsfStorage {
  readonly start: number;
  readonly end: number;
  readonly pageSize: number;
  /** Console messages the C code prints ("Compacting...") go here. */
  onConsole: ((line: string) => void) | null = null;

  constructor(readonly flash: NorFlash) {
    this.start = flash.storageAddress;
    this.end = flash.storageAddress + flash.storageBytes;
    this.pageSize = flash.pageSize;
  }

  // ---- header walking (jsfGetFileHeader / jsfGetNextFileHeader) ----

  /** Header at addr if valid: size word not 0xFFFFFFFF or 0, and the file fits in Storage. */
  header(addr: number): FileHeader | null {
    if (!addr || addr + HEADER_BYTES > this.end) return null;
    const word = this.flash.readU32(addr);
    const size = word & 0x00ffffff;
    if (word === WORD_UNSET || word === 0 || addr + HEADER_BYTES + size > this.end) return null;
    const name = this.flash.read(addr + 4, NAME_BYTES);
    const deleted = name[0] === 0 && name[1] === 0 && name[2] === 0 && name[3] === 0;
    return { addr, size, flags: word >>> 24, name, deleted };
  }

  private nextPage(addr: number): number {
    if (!addr) return 0;
    const next = addr - ((addr - this.start) % this.pageSize) + this.pageSize;
    return next >= this.end ? 0 : next;
  }

  /** Where the header after h would be (0 = past the end) and its header if valid. */
  private next(h: FileHeader, all: boolean): { addr: number; header: FileHeader | null } {
    const newAddr = alignUp(h.addr + h.size + HEADER_BYTES);
    if (newAddr + HEADER_BYTES > this.end) return { addr: 0, header: null };
    let header = this.header(newAddr);
    if (all && !header) {
      const page = this.nextPage(newAddr);
      if (!page) return { addr: 0, header: null };
      header = this.header(page);
      return { addr: page, header };
    }
    return { addr: newAddr, header };
  }

  private cache: { writes: number; erases: number; headers: FileHeader[] } | null = null;

  /**
   * Every header in Storage (GNFH_GET_ALL), deleted ones included. Cached until the flash
   * changes (its operation counters move on every word write and page erase).
   */
  headers(): FileHeader[] {
    const ops = this.flash.ops;
    const c = this.cache;
    if (c && c.writes === ops.writes && c.erases === ops.erases) return c.headers;
    const headers = this.scanHeaders();
    this.cache = { writes: ops.writes, erases: ops.erases, headers };
    return headers;
  }

  private scanHeaders(): FileHeader[] {
    const out: FileHeader[] = [];
    let h = this.header(this.start);
    while (h) {
      out.push(h);
      h = this.next(h, true).header;
    }
    return out;
  }

  private static isRealFile(h: FileHeader): boolean {
    return !h.deleted && (h.flags === FLAG_NONE || h.flags === FLAG_STORAGEFILE || h.flags === FLAG_COMPRESSED);
  }

  // ---- lookup / read ----

  /** jsfFindFile: the live file with this exact 28-byte name. */
  find(name: Uint8Array): FileHeader | null {
    for (const h of this.headers()) if (!h.deleted && namesEqual(h.name, name)) return h;
    return null;
  }

  /** jsfReadFile with offset/length clipping; null when there is no such file. */
  read(name: Uint8Array, offset = 0, length = 0): Uint8Array | null {
    const h = this.find(name);
    if (!h) return null;
    if (offset < 0) offset = 0;
    if (length <= 0) length = h.size;
    if (offset > h.size) offset = h.size;
    if (offset + length > h.size) length = h.size - offset;
    if (length <= 0) return new Uint8Array(0);
    return this.flash.read(h.addr + HEADER_BYTES + offset, length);
  }

  dataAddress(h: FileHeader): number {
    return h.addr + HEADER_BYTES;
  }

  // ---- erase ----

  /** jsfEraseFileInternal: zero the first 4 name bytes. */
  private markDeleted(h: FileHeader): void {
    this.flash.writeWords(h.addr + 4, new Uint8Array(4));
  }

  /** jsfEraseFile; false if there was no such file. */
  erase(name: Uint8Array): boolean {
    const h = this.find(name);
    if (!h) return false;
    this.markDeleted(h);
    return true;
  }

  /** jsfEraseAll: erase every Storage page. */
  eraseAll(): void {
    this.flash.erasePages(this.start, this.end - this.start);
  }

  // ---- stats / list ----

  /** jsfGetStorageStats(start, allPages=true), plus the compaction start page. */
  stats(): StorageStats & { firstPageWithErasedFiles: number } {
    const s = { totalBytes: this.end - this.start, freeBytes: 0, fileBytes: 0, fileCount: 0, trashBytes: 0, trashCount: 0, firstPageWithErasedFiles: 0 };
    let lastAddr = this.start;
    let lastUnbrokenPageStart = this.start;
    for (const h of this.headers()) {
      if ((h.addr - this.start) % this.pageSize === 0) lastUnbrokenPageStart = h.addr;
      const fileSize = alignUp(h.size) + HEADER_BYTES;
      lastAddr = h.addr + fileSize;
      if (!h.deleted) {
        s.fileBytes += fileSize;
        s.fileCount++;
      } else {
        s.trashBytes += fileSize;
        s.trashCount++;
        if (!s.firstPageWithErasedFiles) s.firstPageWithErasedFiles = lastUnbrokenPageStart;
      }
    }
    s.freeBytes = this.end - lastAddr;
    return s;
  }

  /** Live, listable files with their header address (jsfBankListFiles order). */
  listWithAddresses(filter?: { sf?: boolean }): { name: string; addr: number }[] {
    const out: { name: string; addr: number }[] = [];
    for (const h of this.headers()) {
      if (!JsfStorage.isRealFile(h)) continue;
      if (filter && filter.sf === false && h.flags & FLAG_STORAGEFILE) continue;
      if (filter && filter.sf === true && !(h.flags & FLAG_STORAGEFILE)) continue;
      let name = nameString(h.name);
      if (h.flags & FLAG_STORAGEFILE) {
        if (name.charCodeAt(name.length - 1) !== 1) continue;
        if (filter && filter.sf === true) name = name.slice(0, -1);
      }
      out.push({ name, addr: h.addr });
    }
    return out;
  }

  /** jsfListFiles(regex-less): names of live files; StorageFiles only by their "\1" chunk. */
  list(filter?: { sf?: boolean }): string[] {
    return this.listWithAddresses(filter).map((f) => f.name);
  }

  // ---- create / write ----

  /** jsfGetSpaceLeftInPage: room from addr to the next page, or to the end if the next page is empty. */
  private spaceLeftInPage(addr: number): number {
    if (!addr) return 0;
    let nextPageStart = addr - ((addr - this.start) % this.pageSize) + this.pageSize;
    if (nextPageStart < this.end && !this.header(nextPageStart)) nextPageStart = this.end;
    return nextPageStart - addr;
  }

  /** _jsfCreateFile: write a header in the first hole that fits; returns the data address or 0. */
  private create(name: Uint8Array, size: number, flags: number): number {
    const required = alignUp(size) + HEADER_BYTES;
    let compacted = false;
    let freeAddr = 0;
    while (!freeAddr) {
      let addr = this.start;
      let freeSpace = 0;
      let trashSpace = 0;
      do {
        let h = this.header(addr);
        while (h) {
          if (h.deleted) trashSpace += h.size;
          const n = this.next(h, false);
          addr = n.addr;
          h = n.header;
        }
        const spaceInPage = this.spaceLeftInPage(addr);
        freeSpace += spaceInPage;
        if (spaceInPage < required) addr = this.nextPage(addr);
        else freeAddr = addr;
      } while (addr && !freeAddr);
      if (!freeAddr) {
        if (!compacted && required < freeSpace + trashSpace) {
          compacted = true;
          if (!this.compact()) return 0;
        } else {
          return 0;
        }
      }
    }
    const header = new Uint8Array(HEADER_BYTES);
    const word = (size | (flags << 24)) >>> 0;
    header[0] = word & 0xff;
    header[1] = (word >>> 8) & 0xff;
    header[2] = (word >>> 16) & 0xff;
    header[3] = word >>> 24;
    header.set(name, 4);
    this.flash.writeWords(freeAddr, header);
    return freeAddr + HEADER_BYTES;
  }

  /**
   * jsfWriteFile(name, data, flags, offset, size). Throws StorageError with Espruino's messages.
   * Returns false (no exception) only for negative offset/size, as the C code does.
   */
  write(name: Uint8Array, data: Uint8Array, flags: number, offset: number, size: number): boolean {
    if (offset < 0 || size < 0) return false;
    if (size === 0) size = data.length;
    if (!size) throw new StorageError("Can't create zero length file");
    let h = this.find(name);
    let addr = h ? this.dataAddress(h) : 0;
    let fileSize = h ? h.size : 0;
    if ((!h && offset === 0) ||
        (h && offset === 0 && (flags !== h.flags || size !== h.size || !this.flash.isErased(addr, size)))) {
      if (h && offset === 0 && size === h.size && flags === h.flags && data.length === size &&
          this.equal(addr, data)) {
        return true; // identical rewrite: no flash operation at all
      }
      if (h) this.markDeleted(h);
      addr = this.create(name, size, flags);
      fileSize = size;
      h = null;
    }
    if (!addr) throw new StorageError("Unable to find or create file");
    if (offset + data.length > fileSize) throw new StorageError("Too much data for file size");
    addr += offset;
    if (!this.flash.isErased(addr, data.length)) throw new StorageError("File already written with different data");
    this.flash.writeAligned(addr, data);
    return true;
  }

  private equal(addr: number, data: Uint8Array): boolean {
    for (let i = 0; i < data.length; i++) if (this.flash.readByte(addr + i) !== data[i]) return false;
    return true;
  }

  // ---- compaction (jsfBankCompact / jsfCompactInternal) ----

  /** Returns true if compaction ran (there was trash). */
  compact(): boolean {
    const stats = this.stats();
    if (!stats.trashBytes) return false;
    let swapSize = stats.fileBytes;
    if (swapSize > this.pageSize + HEADER_BYTES) swapSize = this.pageSize + HEADER_BYTES;
    return this.compactFrom(stats.firstPageWithErasedFiles, swapSize);
  }

  private compactFrom(startAddress: number, swapSize: number): boolean {
    if (this.onConsole) this.onConsole("Compacting...");
    const swap = new Uint8Array(Math.max(swapSize, 1));
    const st = { write: startAddress, head: 0, tail: 0, used: 0 };
    const pushCircular = (src: Uint8Array) => {
      for (let i = 0; i < src.length; i++) {
        swap[st.head] = src[i];
        st.head = (st.head + 1) % swapSize;
      }
    };
    let addr = startAddress;
    let h = this.header(addr);
    while (h) {
      if (JsfStorage.isRealFile(h)) {
        pushCircular(this.flash.read(h.addr, HEADER_BYTES));
        st.used += HEADER_BYTES;
        let alignedSize = alignUp(h.size);
        let ptr = h.addr + HEADER_BYTES;
        this.compactWrite(st, ptr, swap, swapSize);
        while (alignedSize) {
          let s = swapSize - st.used;
          if (s > swapSize - st.head) s = swapSize - st.head;
          if (st.tail > st.head && s > st.tail - st.head) s = st.tail - st.head;
          if (s === 0) return false; // "no space left" in the swap buffer
          if (s > alignedSize) s = alignedSize;
          swap.set(this.flash.read(ptr, s), st.head);
          alignedSize -= s;
          ptr += s;
          st.used += s;
          st.head = (st.head + s) % swapSize;
          this.compactWrite(st, ptr, swap, swapSize);
        }
      }
      const n = this.next(h, true);
      addr = n.addr;
      h = n.header;
    }
    this.compactWrite(st, this.end, swap, swapSize);
    let writeAddress = st.write;
    if (writeAddress !== startAddress) writeAddress = this.nextPage(writeAddress - 1);
    if (writeAddress) {
      if (!addr) addr = this.end;
      if (addr > writeAddress) this.flash.erasePages(writeAddress, addr - writeAddress);
    }
    return true;
  }

  /** jsfCompactWriteBuffer: flush the ring buffer to flash, never into the page still being read. */
  private compactWrite(st: { write: number; head: number; tail: number; used: number }, readAddress: number, swap: Uint8Array, swapSize: number): void {
    let nextFlashPage = this.nextPage(st.write) || this.end;
    while (st.used) {
      let s = st.used;
      if (s + st.tail > swapSize) s = swapSize - st.tail;
      if (s + st.write > nextFlashPage) s = nextFlashPage - st.write;
      if (readAddress < nextFlashPage) return;
      if ((st.write - this.start) % this.pageSize === 0) this.flash.erasePage(st.write);
      this.flash.writeAligned(st.write, swap.subarray(st.tail, st.tail + s));
      st.write += s;
      nextFlashPage = this.nextPage(st.write) || this.end;
      st.tail = (st.tail + s) % swapSize;
      st.used -= s;
    }
  }
}
