/**
 * Where the contact log lives (docs/LOG-FORMAT.md "Where in flash"): one Storage file, `om.log`,
 * reserved once (first boot, or after erase-all) over the free Storage space minus a reserve for
 * the small files, sized so that it ends on a flash-page boundary. The whole 4 KB pages inside it
 * are then used raw through require("Flash") (erase a page, write into erased bytes), so the log
 * never makes Storage create or delete files: no Storage compaction (which is not power-cut safe)
 * ever runs because of the log, and files written later land in pages after the log, so a
 * compaction they cause never moves it.
 */
import { BOARD } from "../board";
import { MAX_LOG_PAGES, SMALL_FILES_RESERVE } from "./config";

import { storage } from "./builtins";
export const LOG_FILE = "om.log";
/** Storage's per-file header (src/jsflash.h). */
const FILE_HEADER = 32;

export interface LogArea {
  /** Flash address of the first whole page. */
  address: number;
  pages: number;
  pageSize: number;
}

function dataAddress(): number {
  const t = storage().read(LOG_FILE);
  return t ? E.getAddressOf(t, true) : 0;
}

/** Reserve the area (Storage is compacted first: there is no log yet to lose). */
function reserve(): void {
  const ps = BOARD.storage.pageSize;
  storage().compact();
  let size = Math.min(storage().getFree() - FILE_HEADER - SMALL_FILES_RESERVE, (MAX_LOG_PAGES + 1) * ps);
  if (size < 2 * ps) return;
  storage().write(LOG_FILE, "OM", 0, size);
  const cut = (dataAddress() + size) % ps;
  if (cut) {
    storage().erase(LOG_FILE);
    storage().compact();
    storage().write(LOG_FILE, "OM", 0, size - cut);
  }
}

/**
 * The log area, reserving it when `create` and there is none; null when there is no room. A log
 * file that no longer ends on a page boundary was moved by a compaction (a firmware update
 * replaced .bootcde before it): its pages are unreadable, so it is dropped and made anew.
 */
export function logArea(create: boolean): LogArea | null {
  const ps = BOARD.storage.pageSize;
  const old = storage().read(LOG_FILE);
  if (old && (dataAddress() + old.length) % ps) storage().erase(LOG_FILE);
  if (!storage().read(LOG_FILE, 0, 1) && create) reserve();
  const t = storage().read(LOG_FILE);
  if (!t) return null;
  const a = E.getAddressOf(t, true);
  if (!a) return null;
  const first = Math.ceil(a / ps) * ps;
  const pages = Math.floor((a + t.length - first) / ps);
  return pages > 1 ? { address: first, pages: pages, pageSize: ps } : null;
}
