/**
 * Everything the token keeps besides the contact log, in one small Storage file: owner settings,
 * the pairing secret, the error log, the daily keys and the log's at-rest key. Power-cut safe as two
 * generations `om.s0` and `om.s1`, each the settings as JSON with their generation number `g`: a save
 * writes the other name, then erases the older one, so a cut at any point leaves at least one complete
 * generation. A write cut short leaves erased bytes (0xFF) where the end of the JSON should be, so it
 * does not parse and the other generation is used.
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
  /** generation of this copy of the file */
  g: number;
}

/** Fresh settings (first boot, erase-all): paused as `p` says, scan settings `w` and `P` kept. */
function defaults(p: number, w: number, P: number): Settings {
  return { p: p, a: 0, w: w, P: P, x: "", e: 0, l: [], f: -1, r: 0, k: "", h: 0, z: "", g: -1 };
}

/** The settings in RAM; save with storeSave() after a change. */
export var st: Settings = defaults(0, 0, 0);
/** Load the newest complete generation (boot); keeps the defaults when there is none. */
export function storeLoad(): void {
  for (var i = 0; i < 2; i++) {
    var s = Storage.readJSON("om.s" + i, true);
    if (s && typeof s.k === "string" && s.g > st.g) st = s;
  }
}

/** Save the settings as the next generation. */
export function storeSave(): void {
  errorsDirty = 0;
  st.g++;
  Storage.write("om.s" + (st.g & 1), JSON.stringify(st));
  Storage.erase("om.s" + ((st.g + 1) & 1));
}

/** Both generations erased and the defaults back, paused, scan settings kept (erase-all). */
export function storeErase(): void {
  Storage.erase("om.s0");
  Storage.erase("om.s1");
  st = defaults(1, st.w, st.P);
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
