/**
 * The token's state and its one rule: it advertises and logs only while its clock is
 * valid, it is not paused and it has a log; otherwise the radio is quiet and the light says why.
 * Owner settings (paused, alert, scan settings, pairing secret, error log, first day, how far the
 * host has read) live in one small file (smallFiles.ts). A heartbeat every minute kicks the
 * watchdog, expires keys and log pages, and blinks the status (docs/USER-GUIDE.md).
 */
import { dayFromEnin, eninFromUnixSeconds } from "../../common/gaen/interval";
import { fromHex, toHex } from "../../common/bytes";
import { BOARD } from "../board";
import { TokenStatus } from "../sync/host";
import { advertiseStart, advertiseState, advertiseStop } from "./advertiser";
import { atRestKey, AT_REST_FILE } from "./atRest";
import { buttonAskConsent } from "./button";
import { ACTIVE_PER_1000_VARS, BATTERY_LOW_PERCENT, HEARTBEAT_MS, MIN_VALID_TIME } from "./config";
import { encountersFlush, encountersInit, encountersReset, encountersStats } from "./encounters";
import { guard, healthErrors, healthKick, healthReset, healthStart } from "./health";
import { keysErase, keysExpire, keysList, keysLoad } from "./keys";
import { logArea } from "./logArea";
import { BLUE, buzz, flash, GREEN, lightsOff, RED, YELLOW, ALL } from "./lights";
import { logEraseAll, logExpire, logOpen, logRead, logStats } from "./ringLog";
import { scanSettings, scanStart, scanStats, scanStop } from "./scanner";
import { eraseSmall, loadSmall, saveSmall } from "./smallFiles";

import { storage } from "./builtins";
const SETTINGS = "om.s";
/** Present after a decommission (function stop): the token stays silent for good. */
export const STOPPED_FILE = "om.x";

interface Settings {
  /** paused, alert */
  p: boolean;
  a: boolean;
  /** scan window, period (ms) */
  w: number;
  P: number;
  /** pairing secret (hex) or "" */
  x: string;
  /** error count and log */
  e: number;
  l: string[];
  /** first UTC day in use, -1 unknown */
  f: number;
  /** log page seq the host has read up to */
  r: number;
}

let st: Settings = { p: false, a: false, w: 0, P: 0, x: "", e: 0, l: [], f: -1, r: 0 };
let hasLog = false;
let errorsDirty = false;
let alertTimer: any = 0;
let running = false;

function save(): void {
  const h = healthErrors();
  st.e = h.count;
  st.l = h.log;
  saveSmall(SETTINGS, st);
  errorsDirty = false;
}

export function clockValid(): boolean {
  return getTime() >= MIN_VALID_TIME;
}

function battery(): number {
  return BOARD.battery.getBattery ? E.getBattery() : -1;
}

/** The log would soon drop records the host has not read, or there is no room for a log. */
function needsSync(): boolean {
  const s = logStats();
  return !clockValid() || !hasLog || (s.nextDropSeq > 0 && s.nextDropSeq >= st.r);
}

/** Radio on or off according to clock, pause and log. */
export function refresh(): void {
  const run = clockValid() && !st.p && hasLog;
  if (run && !running) {
    running = true;
    if (st.f < 0) {
      st.f = dayFromEnin(eninFromUnixSeconds(getTime()));
      save();
    }
    advertiseStart();
    scanStart();
  } else if (!run && running) {
    running = false;
    scanStop();
    encountersFlush(getTime());
    advertiseStop();
  }
}

/** The status pattern: alert > needs sync > paused > battery low > working. */
function showStatus(long: boolean): void {
  const on = long ? 400 : 40;
  if (st.a) flash(RED, 3, on, 300);
  else if (needsSync()) flash(BLUE, 2, on, 300);
  else if (st.p) flash(YELLOW, 1, long ? 1500 : 500, 0);
  else if (battery() >= 0 && battery() < BATTERY_LOW_PERCENT) flash(RED, 3, on, 300);
  else flash(GREEN, 1, long ? 1000 : 30, 0);
}

function heartbeat(): void {
  healthKick();
  // a clock set from the Web IDE (setTime) rather than through the sync service counts too
  refresh();
  const now = getTime();
  if (clockValid()) {
    keysExpire(eninFromUnixSeconds(now));
    logExpire(now);
  }
  if (errorsDirty) save();
  if (!st.a) showStatus(false);
}

function startAlert(): void {
  if (alertTimer) clearInterval(alertTimer);
  alertTimer = 0;
  if (!st.a) return;
  buzz(500);
  alertTimer = setInterval(guard(function () { flash(RED, 1, 100, 0); }), 2000);
}

/** Boot: settings, keys, at-rest key and log, watchdog, heartbeat, radio. */
export function tokenStart(): void {
  const saved = loadSmall(SETTINGS);
  if (saved) st = saved;
  healthStart(st.e, st.l, function () { errorsDirty = true; });
  keysLoad();
  encountersInit(Math.floor(ACTIVE_PER_1000_VARS * BOARD.ram.vars / 1000));
  let key = atRestKey(false);
  let area = logArea(false);
  if (!key || !area) {
    // first boot, erase-all, or a damaged key file: start a fresh log (old pages are unreadable
    // anyway). The area comes first so that every small file lies after it (logArea.ts).
    storage().erase(AT_REST_FILE);
    area = logArea(true);
    key = atRestKey(true);
    if (area) {
      logOpen(area, key!);
      logEraseAll();
    }
  }
  if (area) {
    logOpen(area, key!);
    hasLog = true;
  }
  if (st.w) scanSettings(st.w, st.P);
  setInterval(guard(heartbeat), HEARTBEAT_MS);
  startAlert();
  refresh();
  if (!running) advertiseStop();
}

/** Short press: clear an alert, show the status in long flashes. */
export function tokenShortPress(): void {
  if (st.a) {
    tokenSetAlert(false);
    flash(GREEN, 1, 1000, 0);
    return;
  }
  showStatus(true);
}

export function tokenPauseToggle(): void {
  st.p = !st.p;
  save();
  refresh();
  flash(st.p ? YELLOW : GREEN, 1, 1500, 0);
}

export function tokenSetAlert(on: boolean): void {
  st.a = on;
  save();
  startAlert();
}

/** Set the clock (unix seconds); returns the correction (new - old) in seconds. */
export function tokenSetClock(seconds: number): number {
  if (!(seconds >= MIN_VALID_TIME && seconds < 4294967296)) throw new TypeError("bad clock " + seconds);
  const old = getTime();
  if (running) {
    running = false;
    scanStop();
    encountersFlush(old);
    advertiseStop();
  }
  setTime(seconds);
  refresh();
  return seconds - old;
}

/** Consent withdrawn: keys, log pages, at-rest key, secret and settings really erased; then paused. */
export function tokenEraseAll(): void {
  running = false;
  scanStop();
  advertiseStop();
  encountersReset();
  logEraseAll();
  keysErase();
  eraseSmall(SETTINGS);
  storage().erase(AT_REST_FILE);
  storage().compact();
  healthReset();
  st = { p: true, a: false, w: st.w, P: st.P, x: "", e: 0, l: [], f: -1, r: 0 };
  hasLog = false;
  const area = logArea(true);
  if (area) {
    logOpen(area, atRestKey(true)!);
    hasLog = true;
  }
  save();
  startAlert();
  lightsOff();
  flash(ALL, 1, 2000, 0);
}

/** Function stop: erase everything and never advertise or scan again. */
export function tokenDecommission(): void {
  tokenEraseAll();
  storage().write(STOPPED_FILE, "1");
  NRF.sleep();
}

export function tokenSetScan(w: number, p: number): boolean {
  if (!scanSettings(w, p)) return false;
  st.w = w;
  st.P = p;
  save();
  return true;
}

export function tokenSecret(): Uint8Array | null {
  return st.x ? fromHex(st.x) : null;
}

export function tokenSetSecret(secret: Uint8Array | null): void {
  st.x = secret ? toHex(secret) : "";
  save();
}

export function tokenReadLog(cursor: number, maxBytes: number): { data: Uint8Array; next: number } {
  const r = logRead(cursor, maxBytes);
  if (!r.data.length) {
    const seq = logStats().currentSeq;
    if (seq !== st.r) {
      st.r = seq;
      save();
    }
  }
  return r;
}

export function tokenAskConsent(timeoutMs: number, done: (ok: boolean) => void): void {
  lightsOff();
  flash(BLUE, Math.floor(timeoutMs / 1000), 500, 500);
  buzz(300);
  buttonAskConsent(timeoutMs, done);
}

/** Everything a test or a maintenance console needs to see (never sent over the air). */
export function tokenState(): any {
  const log = logStats();
  const h = healthErrors();
  const keys = keysList();
  return {
    clockValid: clockValid(),
    running: running,
    paused: st.p,
    alert: st.a,
    needsSync: needsSync(),
    keys: keys.map(function (k) { return { rollingStart: k.rollingStart, tek: k.tek }; }),
    advert: advertiseState(),
    scan: scanStats(),
    encounters: encountersStats(),
    log: log,
    readUpTo: st.r,
    errors: h.count,
    errorLog: h.log,
  };
}

/** SyncHost.status(). */
export function tokenStatus(): TokenStatus {
  const s = logStats();
  return {
    firmwareVersion: OMAMORI_VERSION,
    board: BOARD.id,
    batteryPercent: battery(),
    clockSeconds: Math.floor(getTime()),
    clockValid: clockValid(),
    storageUsedBytes: s.pagesUsed * s.pageSize,
    storageFreeBytes: (s.pages - s.pagesUsed) * s.pageSize,
    recordsKept: s.records,
    recordsDropped: s.dropped,
    firstDay: st.f,
    paused: st.p,
    alert: st.a,
    errorCount: healthErrors().count,
    scanPeriodSeconds: scanStats().periodMs / 1000,
  };
}
