/**
 * Daily keys (docs/spec/gaen-protocol.md section 1; docs/spec/cocoa-promises.md "Recording contacts"):
 * a new TEK from the hardware RNG for each UTC day, rolling start = ENIN floored to 144, kept in
 * flash (smallFiles.ts) for today and the 14 days before, then erased. RPIK and AEMK are derived
 * once per day and cached (two 16-byte arrays: the token has ~2,600 JS variables).
 */
import { fromHex, toHex } from "../../common/bytes";
import { rollingStartFor, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { aemk, rpik } from "../crypto/gaen";
import { KEEP_DAYS } from "./config";
import { randomBytes } from "./random";
import { eraseSmall, loadSmall, saveSmall } from "./smallFiles";
import { storage } from "./builtins";

const FILE = "om.t";
/** [rolling start, TEK hex], oldest first. */
let keys: [number, string][] = [];
let cache: { rs: number; rpik: Uint8Array; aemk: Uint8Array } | null = null;

export function keysLoad(): void {
  keys = loadSmall(FILE) || [];
  cache = null;
}

/** Drop keys older than 14 days before the day of `enin`; true when any was dropped. */
function dropOld(enin: number): boolean {
  const oldest = rollingStartFor(enin) - KEEP_DAYS * TEK_ROLLING_PERIOD;
  const n = keys.length;
  keys = keys.filter(function (k) { return k[0] >= oldest; });
  return keys.length !== n;
}

/**
 * Erase expired keys from flash (the heartbeat calls this). Storage only marks replaced files as
 * deleted, so it is compacted to erase the old key bytes for real; the small files sit after the
 * log area, so only their page is rewritten.
 */
export function keysExpire(enin: number): void {
  if (dropOld(enin)) {
    saveSmall(FILE, keys);
    storage().compact();
  }
}

/** RPIK and AEMK of the key for the day of `enin`, making and storing that key if needed. */
export function keyFor(enin: number): { rs: number; rpik: Uint8Array; aemk: Uint8Array } {
  const rs = rollingStartFor(enin);
  if (cache && cache.rs === rs) return cache;
  let hex = "";
  for (let i = 0; i < keys.length; i++) if (keys[i][0] === rs) hex = keys[i][1];
  if (!hex) {
    hex = toHex(randomBytes(16));
    keys.push([rs, hex]);
    keys.sort(function (a, b) { return a[0] - b[0]; });
    saveSmall(FILE, keys);
  }
  const tek = fromHex(hex);
  cache = { rs: rs, rpik: rpik(tek), aemk: aemk(tek) };
  return cache;
}

/** Keys kept, oldest first. */
export function keysList(): { tek: Uint8Array; rollingStart: number; rollingPeriod: number }[] {
  return keys.map(function (k) { return { tek: fromHex(k[1]), rollingStart: k[0], rollingPeriod: TEK_ROLLING_PERIOD }; });
}

export function keysErase(): void {
  eraseSmall(FILE);
  keys = [];
  cache = null;
}
