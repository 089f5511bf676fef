/**
 * Everything the token keeps besides the contact log, in one small Storage file: owner settings,
 * the pairing secret, the error log, the daily keys and the log's at-rest key. Power-cut safe as two generations `om.s0` and
 * `om.s1`, each "gen|check|json": a save writes the other name, then erases the older one, so a cut at
 * any point leaves at least one complete generation, and a torn write fails its check.
 */
import { Cfg } from "./config";
import { Storage } from "./modules";

export interface Settings {
  /** paused, contact alert (0/1) */
  p: number;
  a: number;
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
  /** daily keys, oldest first: per key its rolling start (8 hex digits) then the TEK (32 hex digits) */
  k: string;
  /** home-hub beacon cadence in seconds, 0 = off */
  h: number;
  /** the contact log's at-rest key (16 bytes, hex), "" before the log exists (ringLog.ts) */
  z: string;
}

/** Fresh settings (first boot, erase-all): paused as `p` says, scan settings `w` and `P` kept. */
function defaults(p: number, w: number, P: number): Settings {
  return { p: p, a: 0, w: w, P: P, x: "", e: 0, l: [], f: -1, r: 0, k: "", h: 0, z: "" };
}

/** The settings in RAM; save with storeSave() after a change. */
export var st: Settings = defaults(0, 0, 0);
/** Generation of the newest complete file (-1: none). */
var gen = -1;

function check(s: string): number {
  var h = 7;
  for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) & 0xffff;
  return h;
}

/** Load the newest complete generation (boot); keeps the defaults when there is none. */
export function storeLoad(): void {
  gen = -1;
  for (var i = 0; i < 2; i++) {
    var t = Storage.read("om.s" + i);
    if (!t) continue;
    var a = t.indexOf("|");
    var b = t.indexOf("|", a + 1);
    var g = parseInt(t.substr(0, a));
    var body = t.substr(b + 1);
    if (a < 0 || b < 0 || parseInt(t.substr(a + 1, b - a - 1)) !== check(body) || g <= gen) continue;
    try {
      var s = JSON.parse(body);
      if (s && typeof s.k === "string") {
        st = s;
        gen = g;
      }
    } catch (e) {
      // a torn or foreign file: the other generation decides
    }
  }
}

/** Save the settings as the next generation. */
export function storeSave(): void {
  var body = JSON.stringify(st);
  errorsDirty = 0;
  gen++;
  Storage.write("om.s" + (gen & 1), gen + "|" + check(body) + "|" + body);
  Storage.erase("om.s" + ((gen + 1) & 1));
}

/** Both generations erased and the defaults back, paused, scan settings kept (erase-all). */
export function storeErase(): void {
  Storage.erase("om.s0");
  Storage.erase("om.s1");
  st = defaults(1, st.w, st.P);
  gen = -1;
}

/** Record an error (message cut to 40 characters, time in unix seconds); saved at the next heartbeat. */
export function noteError(e: any): void {
  st.e++;
  st.l.push(Math.floor(getTime()) + " " + String(e && e.message ? e.message : e).substr(0, 40));
  if (st.l.length > Cfg.ERROR_LOG_SIZE) st.l.shift();
  errorsDirty = 1;
}

/** 1 when an error was noted since the last save. */
export var errorsDirty = 0;

/** Errors are noted, not printed (the console is closed), and the watchdog reboots a stuck token. */
export function healthStart(): void {
  process.on("uncaughtException", noteError);
  E.enableWatchdog(Cfg.WATCHDOG_SECONDS, false);
}
