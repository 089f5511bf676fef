/**
 * Where the contact log lives (docs/LOG-FORMAT.md "Where in flash"): one Storage file, `om.log`,
 * reserved once (first boot, or after erase-all) over the free Storage space minus a reserve for the
 * small files, sized so that it ends on a flash-page boundary. The whole 4 KB pages inside it are then
 * used raw through Flash (erase a page, write into erased bytes), so the log never makes
 * Storage create or delete files: no Storage compaction (which is not power-cut safe) ever runs because
 * of the log, and files written later land in pages after the log, so a compaction they cause never
 * moves it.
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

/** Reserve the area (Storage is compacted first: there is no log yet to lose). */
function reserve(): void {
  var ps = OMAMORI_BOARD.storage.pageSize;
  Storage.compact();
  var size = Math.min(Storage.getFree() - 32 - Cfg.SMALL_FILES_RESERVE, (Cfg.MAX_LOG_PAGES + 1) * ps);
  if (size < 2 * ps) return;
  Storage.write(LOG_FILE, "OM", 0, size);
  var cut = (fileAddress(LOG_FILE) + size) % ps;
  if (cut) {
    Storage.erase(LOG_FILE);
    Storage.compact();
    Storage.write(LOG_FILE, "OM", 0, size - cut);
  }
}

/**
 * Find the log area (logAddress, logPages), reserving it when `create` and there is none; logPages = 0
 * when there is no room. A log file that no longer ends on a page boundary was moved by a compaction
 * (a firmware update replaced .bootcde before it): its pages are unreadable, so it is dropped and made anew.
 */
export function logAreaFind(create: boolean): void {
  var ps = OMAMORI_BOARD.storage.pageSize;
  var t = Storage.read(LOG_FILE);
  if (t && (fileAddress(LOG_FILE) + t.length) % ps) Storage.erase(LOG_FILE);
  if (!Storage.read(LOG_FILE, 0, 1) && create) reserve();
  t = Storage.read(LOG_FILE);
  var a = t ? fileAddress(LOG_FILE) : 0;
  logAddress = ((((a + ps - 1) / ps) | 0) * ps) | 0;
  logPages = a ? (((a + t!.length - logAddress) / ps) | 0) : 0;
  if (logPages < 2) logPages = 0;
}
