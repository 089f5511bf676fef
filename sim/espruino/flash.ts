/**
 * NOR flash as the nRF52 has it (docs/spec/espruino-platform.md section 4, "Flash, Storage and RAM"):
 *   - 4 KB pages that erase to 0xFF (jshFlashErasePage erases 4096 bytes);
 *   - writes can only clear bits (new = old AND data);
 *   - writes are whole 4-byte words at 4-byte aligned addresses (nRF NVMC); Espruino's
 *     jshFlashWriteAligned (src/jshardware_common.c) turns unaligned writes into a
 *     read-modify-write of the first and last words — writeAligned() does the same.
 *
 * The flash covers the board's Storage area plus `rawFreePages` pages just below it, which is
 * what require("Flash").getFree() reports. Pages are allocated lazily (Bangle.js 2 has 8 MB).
 *
 * Power cuts: cutPower({flashWrite: n}) makes the n-th word write from now (1 = the next one)
 * not happen, and likewise for page erases; from then on the flash is "dead" (every operation
 * throws PowerCutError) until revive() is called by the next power-on. The runtime turns that
 * into a halted token; tests then reboot on the same flash and check what survived.
 */

/** Thrown by every flash operation once an armed power cut has happened. */
export class PowerCutError extends Error {
  constructor(what: string) {
    super("power cut during " + what);
    this.name = "PowerCutError";
  }
}

export interface NorFlashOptions {
  /** Page size in bytes (4096 on every supported board). */
  pageSize: number;
  /** Absolute address of the first byte of the Storage area. */
  storageAddress: number;
  /** Bytes in the Storage area (a whole number of pages). */
  storageBytes: number;
  /** Raw pages below the Storage area for require("Flash") (0 = none). */
  rawFreePages: number;
}

export interface FlashOpCounts { writes: number; erases: number }

const WORD = 4;

export class NorFlash {
  readonly pageSize: number;
  readonly storageAddress: number;
  readonly storageBytes: number;
  readonly rawFreePages: number;
  /** First and one-past-last absolute address this flash holds. */
  readonly startAddress: number;
  readonly endAddress: number;
  /** Word writes and page erases since creation (never reset; cut arming counts from them). */
  readonly ops: FlashOpCounts = { writes: 0, erases: 0 };
  /** Called after every successful word write / page erase (the energy meter listens). */
  onOp: ((kind: "write" | "erase", count: number) => void) | null = null;

  private readonly pages = new Map<number, Uint8Array>();
  private readonly eraseCounts = new Map<number, number>();
  private cutAtWrite = 0;
  private cutAtErase = 0;
  private dead = false;
  private frozen = false;

  constructor(opts: NorFlashOptions) {
    for (const k of ["pageSize", "storageAddress", "storageBytes", "rawFreePages"] as const) {
      const v = opts[k];
      if (!Number.isInteger(v) || v < 0) throw new RangeError("flash " + k + " must be a non-negative integer, got " + v);
    }
    if (opts.pageSize < WORD || opts.pageSize % WORD) throw new RangeError("flash pageSize must be a multiple of 4, got " + opts.pageSize);
    if (opts.storageBytes % opts.pageSize || opts.storageAddress % opts.pageSize) {
      throw new RangeError("flash storage area must be whole pages (pageSize " + opts.pageSize + ")");
    }
    this.pageSize = opts.pageSize;
    this.storageAddress = opts.storageAddress;
    this.storageBytes = opts.storageBytes;
    this.rawFreePages = opts.rawFreePages;
    this.startAddress = opts.storageAddress - opts.rawFreePages * opts.pageSize;
    this.endAddress = opts.storageAddress + opts.storageBytes;
    if (this.startAddress < 0) throw new RangeError("flash rawFreePages reach below address 0");
  }

  /** An independent copy (contents, wear counters; not the cut arming or listener): a snapshot. */
  clone(): NorFlash {
    const c = new NorFlash({ pageSize: this.pageSize, storageAddress: this.storageAddress, storageBytes: this.storageBytes, rawFreePages: this.rawFreePages });
    for (const [a, p] of this.pages) c.pages.set(a, p.slice());
    for (const [a, n] of this.eraseCounts) c.eraseCounts.set(a, n);
    c.ops.writes = this.ops.writes;
    c.ops.erases = this.ops.erases;
    return c;
  }

  /** Changes with every word write and page erase (live flash strings re-read only then). */
  generation(): number {
    return this.ops.writes + this.ops.erases;
  }

  /** True once an armed power cut has happened (until revive()). */
  isDead(): boolean {
    return this.dead;
  }

  /**
   * No more changes until revive(): the token is rebooting (E.reboot(), watchdog) inside a callback
   * whose code may still run a catch block; on the device nothing after the reset point runs.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** Power is back: operations work again, pending cut arming is dropped. */
  revive(): void {
    this.dead = false;
    this.frozen = false;
    this.cutAtWrite = 0;
    this.cutAtErase = 0;
  }

  /** Arm a cut at the n-th word write and/or page erase from now (1 = the very next one). */
  cutPower(at: { flashWrite?: number; flashErase?: number }): void {
    if (at.flashWrite !== undefined) {
      if (!Number.isInteger(at.flashWrite) || at.flashWrite < 1) throw new RangeError("flashWrite must be an integer >= 1, got " + at.flashWrite);
      this.cutAtWrite = this.ops.writes + at.flashWrite;
    }
    if (at.flashErase !== undefined) {
      if (!Number.isInteger(at.flashErase) || at.flashErase < 1) throw new RangeError("flashErase must be an integer >= 1, got " + at.flashErase);
      this.cutAtErase = this.ops.erases + at.flashErase;
    }
  }

  /**
   * Fault injection: bit `bit` (0-7) of the byte at `addr` flips in place, either way, as charge loss or
   * a disturb can do in NOR flash (no write: not counted, not a cut point).
   */
  flipBit(addr: number, bit: number): void {
    this.checkRange(addr, 1, "flash flipBit");
    if (!Number.isInteger(bit) || bit < 0 || bit > 7) throw new RangeError("bit must be 0..7, got " + bit);
    const pageAddr = addr - (addr % this.pageSize);
    this.page(pageAddr, true)![addr - pageAddr] ^= 1 << bit;
  }

  /** How many times each page (by absolute page address) has been erased. */
  pageEraseCounts(): { address: number; erases: number }[] {
    return [...this.eraseCounts.entries()].sort((a, b) => a[0] - b[0]).map(([address, erases]) => ({ address, erases }));
  }

  /** Highest erase count of any page (wear). */
  maxPageErases(): number {
    let m = 0;
    for (const v of this.eraseCounts.values()) m = Math.max(m, v);
    return m;
  }

  private checkRange(addr: number, len: number, what: string): void {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || len < 0) throw new RangeError(what + ": bad address/length " + addr + "/" + len);
    if (addr < this.startAddress || addr + len > this.endAddress) {
      throw new RangeError(what + ": 0x" + addr.toString(16) + "+" + len + " is outside flash 0x" + this.startAddress.toString(16) + "..0x" + this.endAddress.toString(16));
    }
  }

  private alive(what: string): void {
    if (this.dead || this.frozen) throw new PowerCutError(what);
  }

  private page(pageAddr: number, create: boolean): Uint8Array | undefined {
    let p = this.pages.get(pageAddr);
    if (!p && create) {
      p = new Uint8Array(this.pageSize).fill(0xff);
      this.pages.set(pageAddr, p);
    }
    return p;
  }

  /** Read len bytes (a copy). */
  read(addr: number, len: number): Uint8Array {
    this.checkRange(addr, len, "flash read");
    const out = new Uint8Array(len);
    let o = 0;
    while (o < len) {
      const a = addr + o;
      const pageAddr = a - (a % this.pageSize);
      const inPage = a - pageAddr;
      const n = Math.min(len - o, this.pageSize - inPage);
      const p = this.pages.get(pageAddr);
      if (p) out.set(p.subarray(inPage, inPage + n), o);
      else out.fill(0xff, o, o + n);
      o += n;
    }
    return out;
  }

  /** One byte (fast path for scans). */
  readByte(addr: number): number {
    const pageAddr = addr - (addr % this.pageSize);
    const p = this.pages.get(pageAddr);
    return p ? p[addr - pageAddr] : 0xff;
  }

  /** Little-endian uint32 at a 4-aligned address. */
  readU32(addr: number): number {
    const pageAddr = addr - (addr % this.pageSize);
    const p = this.pages.get(pageAddr);
    if (!p) return 0xffffffff;
    const i = addr - pageAddr;
    return (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24)) >>> 0;
  }

  /** True if every byte in the range is 0xFF. */
  isErased(addr: number, len: number): boolean {
    this.checkRange(addr, len, "flash isErased");
    for (let i = 0; i < len; i++) if (this.readByte(addr + i) !== 0xff) return false;
    return true;
  }

  /** jshFlashWrite: whole words at an aligned address; each word is one operation (a cut point). */
  writeWords(addr: number, data: Uint8Array): void {
    if (addr % WORD || data.length % WORD) throw new RangeError("flash write must be 4-byte aligned words, got address 0x" + addr.toString(16) + " length " + data.length);
    this.checkRange(addr, data.length, "flash write");
    for (let o = 0; o < data.length; o += WORD) {
      this.alive("flash write");
      if (this.cutAtWrite && this.ops.writes + 1 >= this.cutAtWrite) {
        this.dead = true;
        throw new PowerCutError("flash write");
      }
      const a = addr + o;
      const pageAddr = a - (a % this.pageSize);
      const p = this.page(pageAddr, true)!;
      const i = a - pageAddr;
      for (let k = 0; k < WORD; k++) p[i + k] &= data[o + k];
      this.ops.writes++;
      if (this.onOp) this.onOp("write", 1);
    }
  }

  /** jshFlashWriteAligned: any address/length; unaligned ends become read-modify-write words. */
  writeAligned(addr: number, data: Uint8Array): void {
    this.checkRange(addr, data.length, "flash write");
    if (data.length === 0) return;
    const start = addr - (addr % WORD);
    const end = Math.ceil((addr + data.length) / WORD) * WORD;
    if (start === addr && end === addr + data.length) return this.writeWords(addr, data);
    // 0xFF leaves a bit unchanged under AND, so padding with 0xFF equals reading the old bytes back.
    const buf = new Uint8Array(end - start).fill(0xff);
    buf.set(data, addr - start);
    this.writeWords(start, buf);
  }

  /** jshFlashErasePage: erase the page containing addr to 0xFF. */
  erasePage(addr: number): void {
    this.checkRange(addr, 0, "flash erase");
    if (addr === this.endAddress) throw new RangeError("flash erase: 0x" + addr.toString(16) + " is outside flash");
    this.alive("flash erase");
    if (this.cutAtErase && this.ops.erases + 1 >= this.cutAtErase) {
      this.dead = true;
      throw new PowerCutError("flash erase");
    }
    const pageAddr = addr - ((addr - this.startAddress) % this.pageSize);
    this.pages.delete(pageAddr);
    this.eraseCounts.set(pageAddr, (this.eraseCounts.get(pageAddr) ?? 0) + 1);
    this.ops.erases++;
    if (this.onOp) this.onOp("erase", 1);
  }

  /** Erase every page overlapping [addr, addr+len). */
  erasePages(addr: number, len: number): void {
    const first = addr - ((addr - this.startAddress) % this.pageSize);
    for (let a = first; a < addr + len; a += this.pageSize) this.erasePage(a);
  }
}
