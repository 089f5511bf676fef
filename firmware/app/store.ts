/**
 * Everything the token keeps besides its contact log: owner settings, the pairing secret, the error log,
 * the daily keys and the log's at-rest key. The API is `st` (read it, change it) and storeSave().
 *
 * They live in the log's own flash pages as settings entries (ringLog.ts; docs/LOG-FORMAT.md "Settings
 * in the ring"), never in Storage files: Espruino compacts Storage by copying files through RAM and
 * erasing pages, which a power cut can interrupt with a secret in neither place. Each one-letter field
 * of `st` is one entry (type = the letter, payload = the field's JSON, at most 244 bytes); the daily
 * keys `k` are one entry per key (type 'K': rolling start u32 big-endian | TEK 16); 'X' marks an
 * erase-all under way. A save writes only the fields that changed, each as a new entry, then zeroes
 * the old one; so a power cut leaves every field as it was or as it is now (a field whose parts must
 * change together holds them all). Expired daily keys are zeroed in flash at once.
 */
import { fromHex, toHex } from "../../common/bytes";
import { Cfg } from "./config";
import { logHolds, logPutSetting, logZero } from "./ringLog";

export interface Settings {
  /** paused, contact alert, stopped for good (decommissioned): 0/1 */
  p: number;
  a: number;
  s: number;
  /** scan window, period (ms; 0 = the defaults) */
  w: number;
  P: number;
  /** pairing secret (hex) or "" */
  x: string;
  /** error count and the last few errors ("unix-seconds message") */
  e: number;
  l: string[];
  /** first UTC day in use, -1 unknown */
  f: number;
  /** log page seq the host has read up to */
  r: number;
  /** daily keys: per key its rolling start (8 hex digits) then the TEK (32 hex digits), in no particular order */
  k: string;
  /** home-hub beacon cadence in seconds, 0 = off */
  h: number;
  /** the contact log's at-rest key (16 bytes, hex), "" before the log exists (ringLog.ts) */
  z: string;
}

/** Fresh settings (first boot, erase-all): paused as `p` says, scan settings `w` and `P` kept. */
function defaults(p: number, w: number, P: number): Settings {
  return { p: p, a: 0, s: 0, w: w, P: P, x: "", e: 0, l: [], f: -1, r: 0, k: "", h: 0, z: "" };
}

/** The settings in RAM; save with storeSave() after a change. */
export var st: Settings = defaults(0, 0, 0);

const KEY = 75; // 'K'
const ERASING = 88; // 'X'

/** Where each field's entry is (a ringLog location, 0 = none), by letter from 'A'. */
var locs = new Uint32Array(58);
/** Where each daily key's entry is, and its rolling start. */
var keyLocs = new Uint32Array(Cfg.MAX_KEYS);
var keyRs = new Uint32Array(Cfg.MAX_KEYS);

/** 1 when boot found the mark of an unfinished erase-all (token.ts finishes it). */
export var erasing = 0;

/** A setting found at boot (ringLog.logOpen, in the order written: of two copies, the later wins). */
export function storeEntry(loc: number, type: number, d: Uint8Array): void {
  if (type === ERASING) {
    erasing = 1;
    return;
  }
  var at = locs;
  var i = type - 65;
  if (type === KEY) {
    var h = toHex(d);
    var rs = parseInt(h.substr(0, 8), 16);
    at = keyLocs;
    i = keyRs.indexOf(rs);
    if (i < 0 || !keyLocs[i]) {
      i = keyLocs.indexOf(0);
      if (i < 0) return logZero(loc);
      keyRs[i] = rs;
      st.k += h;
    }
  } else (st as any)[String.fromCharCode(type)] = JSON.parse(E.toString(d));
  if (at[i]) logZero(at[i]);
  at[i] = loc;
}

/** A setting was copied elsewhere (ringLog): follow it. */
export function storeMoved(from: number, to: number): void {
  var i = locs.indexOf(from);
  if (i >= 0) locs[i] = to;
  i = keyLocs.indexOf(from);
  if (i >= 0) keyLocs[i] = to;
}

/** Write `payload` as the entry at[i] of `type`, then zero the one it replaces. */
function put(at: Uint32Array, i: number, type: number, payload: any): void {
  var loc = logPutSetting(type, payload);
  if (!loc) return;
  // (read after the write: writing can move the old entry, ringLog rescue)
  var old = at[i];
  at[i] = loc;
  if (old) logZero(old);
}

/** Save what changed since the last save. */
export function storeSave(): void {
  errorsDirty = 0;
  for (var f in st) {
    if (f === "k") continue;
    var t = JSON.stringify((st as any)[f]);
    var i = f.charCodeAt(0) - 65;
    if (!locs[i] || !logHolds(locs[i], t)) put(locs, i, f.charCodeAt(0), t);
  }
  // daily keys: new ones written, dropped ones zeroed
  for (var j = 0; j < st.k.length; j += 40) {
    var s = keyRs.indexOf(parseInt(st.k.substr(j, 8), 16));
    if (s >= 0 && keyLocs[s]) continue;
    s = keyLocs.indexOf(0);
    if (s < 0) break;
    keyRs[s] = parseInt(st.k.substr(j, 8), 16);
    put(keyLocs, s, KEY, fromHex(st.k.substr(j, 40)));
  }
  for (s = 0; s < Cfg.MAX_KEYS; s++) {
    if (!keyLocs[s]) continue;
    for (j = 0; j < st.k.length && parseInt(st.k.substr(j, 8), 16) !== keyRs[s]; j += 40);
    if (j < st.k.length) continue;
    logZero(keyLocs[s]);
    keyLocs[s] = keyRs[s] = 0;
  }
}

/** Where the settings were is forgotten (their pages are erased or left behind): the next save writes them all. */
export function storeForget(): void {
  locs.fill(0);
  keyLocs.fill(0);
  keyRs.fill(0);
}

/**
 * Everything forgotten and the defaults back, paused, scan settings and a decommission kept (erase-all).
 * With `mark`, an erase-all begins: its mark is written first, so that until it is done a boot finishes it.
 */
export function storeErase(mark?: boolean): void {
  if (mark) logPutSetting(ERASING, "1");
  storeForget();
  erasing = 0;
  var s = st.s;
  st = defaults(1, st.w, st.P);
  st.s = s;
}

/** Record an error (message cut to 40 characters, time in unix seconds); saved by the heartbeat. */
export function noteError(e: any): void {
  st.e++;
  st.l.push(Math.floor(getTime()) + " " + String(e && e.message ? e.message : e).substr(0, 40));
  // (at most ERROR_LOG_SIZE, and as JSON short enough for one entry)
  while (st.l.length > Cfg.ERROR_LOG_SIZE || JSON.stringify(st.l).length > 240) st.l.shift();
  errorsDirty = 1;
}

/** 1 when an error was noted since the last save. */
export var errorsDirty = 0;

/** Errors are noted, not printed (the console is closed), and the watchdog reboots a stuck token. */
export function healthStart(): void {
  process.on("uncaughtException", noteError);
  E.enableWatchdog(Cfg.WATCHDOG_SECONDS, false);
}
