/**
 * Daily keys (GAEN: a new Temporary Exposure Key each UTC day; COCOA kept 14 days): a new TEK from the
 * hardware RNG for each UTC day, rolling start = ENIN floored to 144, kept in the settings (store.ts)
 * for today and the 14 days before, then erased. RPIK and AEMK of the current day are derived
 * once and cached (deriving them costs about 100 ms of pure-JS crypto per key on a PC, far more on the
 * token).
 */
import { fromHex, toHex, u8 } from "../../common/bytes";
import { rollingStartFor, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { aemk, rpik } from "../crypto/gaen";
import { Cfg } from "./config";
import { randomBytes } from "./random";
import { st, storeSave } from "./store";

/** Rolling start of the cached key (-1: none), and its RPIK and AEMK. */
var cacheRs = -1;
export var dayRpik = u8(16);
export var dayAemk = u8(16);

/**
 * Drop keys older than 14 days before the day of `enin`, and keys of days after tomorrow (made while the
 * clock ran ahead, before the host set it back: at most Cfg.MAX_KEYS are kept); erase them from flash.
 */
export function keysExpire(enin: number): void {
  var today = rollingStartFor(enin);
  var k = "";
  for (var i = 0; i < st.k.length; i += 40) {
    var rs = parseInt(st.k.substr(i, 8), 16);
    if (rs >= today - Cfg.KEEP_DAYS * TEK_ROLLING_PERIOD && rs <= today + TEK_ROLLING_PERIOD) k += st.k.substr(i, 40);
  }
  if (k === st.k) return;
  st.k = k;
  // the expired key's entry is zeroed in flash (store.ts): its bytes are really gone
  storeSave();
}

/**
 * Make dayRpik/dayAemk those of the key for the day of `enin`, making and storing that key if needed.
 * Returns the key's rolling start.
 */
export function keyFor(enin: number): number {
  var rs = rollingStartFor(enin);
  if (rs === cacheRs) return rs;
  var at = -1;
  for (var i = 0; i < st.k.length; i += 40) if (parseInt(st.k.substr(i, 8), 16) === rs) at = i;
  if (at < 0) {
    // (a clock set back can add a key out of order: each key carries its rolling start, order is not needed)
    at = st.k.length;
    st.k += hex8(rs) + toHex(randomBytes(16));
    storeSave();
  }
  var tek = fromHex(st.k.substr(at + 8, 32));
  dayRpik = rpik(tek);
  dayAemk = aemk(tek);
  cacheRs = rs;
  return rs;
}

function hex8(n: number): string {
  return ("0000000" + n.toString(16)).slice(-8);
}

/** Keys kept, oldest first, as the sync KEYS response and the console list them. */
export function keysList(): { tek: Uint8Array; rollingStart: number; rollingPeriod: number }[] {
  var out = [];
  for (var i = 0; i < st.k.length; i += 40) {
    out.push({ tek: fromHex(st.k.substr(i + 8, 32)), rollingStart: parseInt(st.k.substr(i, 8), 16), rollingPeriod: TEK_ROLLING_PERIOD });
  }
  // (st.k is in the order the keys were made or, after a boot, found in the ring)
  return out.sort(function (a, b) { return a.rollingStart - b.rollingStart; });
}

/** Forget the cached day key (erase-all; the settings holding the keys are erased by the caller). */
export function keysForget(): void {
  cacheRs = -1;
}
