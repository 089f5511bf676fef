/**
 * Where the contact log lives (docs/LOG-FORMAT.md "Where in flash"): one Storage file, `om.log`,
 * reserved once (first boot) over the free Storage space, in whole flash pages. Those pages are then used
 * raw through Flash (erase a page, write into erased bytes): the log and the settings kept in it
 * (store.ts) never make Storage create or delete files, so no Storage compaction (which is not power-cut
 * safe) ever runs because of them.
 *
 * The file's flash address: on boards whose Storage is memory-mapped internal flash,
 * E.getAddressOf(Storage.read(..), true) (board fact storage.mapped; the walk below is then left out of
 * the build). Bangle.js 2 keeps Storage on external SPI flash, which is not
 * memory-mapped (that call gives 0 there); Espruino's Flash module reads, writes and erases it at
 * 0x60000000 + offset (targets/nrf5x/jshardware.c, SPIFLASH_BASE), so the token walks Storage's file
 * headers there (src/jsflash.c: 32-byte header = size u32 (flags in the top byte) | 28-byte name, the
 * next header at the next 4-byte boundary, an empty slot sends the walk to the next page).
 * All addresses are kept integers (`| 0`): Espruino's Flash.erasePage refuses a float.
 */
import { Cfg } from "./config";
import { Storage, Flash } from "./modules";

export const LOG_FILE = "om.log";

/** First whole log page, number of pages, page size; pages = 0: no log area. */
export var logAddress = 0;
export var logPages = 0;

/** Flash address of the data of file `name` (0: none). */
function fileAddress(name: string): number {
  var t = Storage.read(name);
  if (!t) return 0;
  if (!OMAMORI_BOARD.storage.mapped) {
    var ps = OMAMORI_BOARD.storage.pageSize;
    var end = (OMAMORI_BOARD.storage.address + OMAMORI_BOARD.storage.bytes) | 0;
    for (var a = OMAMORI_BOARD.storage.address | 0; a + 32 <= end; ) {
      var h = Flash.read(32, a);
      if ((h[0] & h[1] & h[2] & h[3]) === 255 || !(h[0] | h[1] | h[2] | h[3])) {
        a = (((a / ps) | 0) + 1) * ps; // no file here: the next page
        continue;
      }
      var n = "";
      for (var i = 4; i < 32 && h[i]; i++) n += String.fromCharCode(h[i]);
      if (n === name) return a + 32;
      a = (a + 32 + (h[0] | (h[1] << 8) | (h[2] << 16)) + 3) & ~3;
    }
    return 0;
  }
  return E.getAddressOf(t, true) | 0;
}

/**
 * Reserve the area: every earlier file of the token (`om.*`, such as an older firmware's settings files)
 * erased, Storage compacted (so their bytes are really gone; no log exists yet to lose), then the log
 * file over the free space but the board's updateReserve, in whole pages. Its data starts on a page
 * boundary: a filler file `om.pad` takes the space before it and is erased at once, so the log's pages
 * are whole pages of the file and can be found in it again after a firmware update moved it.
 */
function reserve(): void {
  var ps = OMAMORI_BOARD.storage.pageSize;
  Storage.list(/^om\./).forEach(function (n: string) { Storage.erase(n); });
  Storage.compact();
  var free = Storage.getFree();
  var at = OMAMORI_BOARD.storage.address + OMAMORI_BOARD.storage.bytes - free;
  var b = Math.ceil((at + 68) / ps) * ps;
  var size = Math.min(((free - (b - at) - OMAMORI_BOARD.storage.updateReserve) / ps) | 0, Cfg.MAX_LOG_PAGES) * ps;
  if (size < 2 * ps) return;
  Storage.write("om.pad", "OM", 0, b - at - 64);
  Storage.write(LOG_FILE, "OM", 0, size);
  Storage.erase("om.pad");
}

/**
 * Find the log area (logAddress, logPages; logPages = 0 when there is none or no room). With `create`
 * a missing one is reserved, and so is one that is not whole pages (a firmware update moved it: a
 * compaction made room for the new .bootcde before it; or an older firmware made it). Without `create`
 * a moved area is still addressed where it is now, its pages at their old offsets in the file, so that
 * the settings in it can be read (ringLog.ts notices the move and reads nothing else).
 */
export function logAreaFind(create: boolean): void {
  var ps = OMAMORI_BOARD.storage.pageSize;
  var t = Storage.read(LOG_FILE);
  var a = t ? fileAddress(LOG_FILE) : 0;
  if (create && (!t || (a | t.length) % ps)) {
    if (t) Storage.erase(LOG_FILE);
    reserve();
    t = Storage.read(LOG_FILE);
    a = t ? fileAddress(LOG_FILE) : 0;
  }
  logAddress = a;
  logPages = t ? (t.length / ps) | 0 : 0;
  if (logPages < 2) logPages = 0;
}
