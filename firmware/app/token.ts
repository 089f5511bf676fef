/**
 * The token's state and its one rule: it advertises and logs only while its clock is valid, it is not
 * paused and it has a log; otherwise the radio is quiet and the light says why. Owner settings: store.ts.
 * A heartbeat every minute kicks the watchdog, expires keys and log pages, saves noted errors and blinks
 * the status (docs/USER-GUIDE.md). `tokenHost` is the token's side of the sync service's SyncHost
 * contract (firmware/sync/host.ts).
 */
import { dayFromEnin, eninFromUnixSeconds } from "../../common/gaen/interval";
import { fromHex, toHex } from "../../common/bytes";
import { SyncHost } from "../sync/host";
import { advertiseHold, advertiseStart, advertiseStop } from "./advertiser";
import { buttonAskConsent } from "./button";
import { Cfg } from "./config";
import { encountersFlush, encountersReset } from "./encounters";
import { keysExpire, keysForget, keysList } from "./keys";
import { logAreaFind, logPages } from "./logArea";
import { buzz, Color, flash, lightsOff } from "./lights";
import { logEraseAll, logExpire, logKey, logMoved, logNextDrop, logOpen, logRead, logStats, maxSeq } from "./ringLog";
import { randomBytes } from "./random";
import { scanBattery, scanSettings, scanStart, scanStats, scanStop } from "./scanner";
import { erasing, errorsDirty, st, storeEntry, storeErase, storeForget, storeMoved, storeSave } from "./store";

var alertTimer: any = 0;
/** The day (unix days) keys and log were last expired on. */
var expiredDay = 0;
/** 1 while advertising and scanning. */
export var running = 0;

export function clockValid(): boolean {
  return getTime() >= Cfg.MIN_VALID_TIME;
}


/** The log would soon drop records the host has not read, or there is no room for a log. */
export function needsSync(): boolean {
  var d = logNextDrop();
  return !clockValid() || !logPages || (d > 0 && d >= st.r);
}

/** Radio on or off according to clock, pause and log. */
function refresh(): void {
  var run = clockValid() && !st.p && logPages > 0;
  if (run && !running) {
    running = 1;
    if (st.f < 0) {
      st.f = dayFromEnin(eninFromUnixSeconds(getTime()));
      storeSave();
    }
    advertiseStart();
    scanStart();
  } else if (!run && running) stopRadio();
}

function stopRadio(): void {
  running = 0;
  scanStop();
  encountersFlush();
  advertiseStop();
}

/** The status pattern: alert > needs sync > paused > battery low > working. */
function showStatus(long: boolean): void {
  var on = long ? 400 : 40;
  if (st.a) flash(Color.RED, 3, on, 300);
  else if (needsSync()) flash(Color.BLUE, 2, on, 300);
  else if (st.p) flash(Color.YELLOW, 1, long ? 1500 : 500, 0);
  else if (scanBattery >= 0 && scanBattery < Cfg.BATTERY_LOW_PERCENT) flash(Color.RED, 3, on, 300);
  else flash(Color.GREEN, 1, long ? 1000 : 30, 0);
}

var errorsSaved = 0;

function heartbeat(): void {
  E.kickWatchdog();
  // a clock set from the Web IDE (setTime) rather than through the sync service counts too
  refresh();
  var now = getTime();
  // expiry at the first heartbeat of each (UTC) day and after a boot: days kept are whole days, and
  // the CPU is spared the loops every minute
  if (clockValid() && Math.floor(now / 86400) !== expiredDay) {
    expiredDay = Math.floor(now / 86400);
    keysExpire(eninFromUnixSeconds(now));
    logExpire(now);
  }
  // (noted errors are saved at most once an hour: each save takes room in the log's pages)
  if (errorsDirty && now - errorsSaved >= 3600) {
    errorsSaved = now;
    storeSave();
  }
  if (!st.a) showStatus(false);
}

function alertBlink(): void {
  flash(Color.RED, 1, 100, 0);
}

function startAlert(): void {
  clearInterval(alertTimer);
  alertTimer = 0;
  if (!st.a) return;
  buzz(500);
  alertTimer = setInterval(alertBlink, 2000);
}

/**
 * Open the log and read the settings kept in its pages. A fresh log (a new area, a new at-rest key)
 * starts on first boot; after an erase-all a power cut interrupted (finished now); and after a
 * firmware update moved the log (the settings carry over, the records do not).
 */
function openLog(): void {
  logAreaFind(false);
  logOpen(storeEntry, storeMoved);
  if (erasing) storeErase();
  if (st.z && !logMoved) logKey(fromHex(st.z));
  else freshLog();
}

/**
 * A new log: its area reserved if need be, every page erased and read back, a new at-rest key and the
 * settings written into it (ringLog.ts logEraseAll: the page that held the old ones is erased last, by logKey).
 */
function freshLog(): void {
  logAreaFind(true);
  logEraseAll();
  storeForget();
  st.z = toHex(randomBytes(16));
  storeSave();
  logKey(fromHex(st.z));
}

/** Boot, part one: the log and the settings in it. True when the token was stopped for good (decommissioned). */
export function tokenLoad(): boolean {
  openLog();
  return !!st.s;
}

/** Boot, part two: heartbeat, radio. */
export function tokenStart(): void {
  if (st.w) scanSettings(st.w, st.P);
  setInterval(heartbeat, Cfg.HEARTBEAT_MS);
  startAlert();
  refresh();
  if (!running) advertiseStop();
}

/** Short press: clear an alert, show the status in long flashes. */
export function tokenShortPress(): void {
  if (st.a) {
    setAlert(false);
    flash(Color.GREEN, 1, 1000, 0);
  } else showStatus(true);
}

export function tokenPauseToggle(): void {
  st.p = st.p ? 0 : 1;
  storeSave();
  refresh();
  flash(st.p ? Color.YELLOW : Color.GREEN, 1, 1500, 0);
}

function setAlert(on: boolean): void {
  st.a = on ? 1 : 0;
  storeSave();
  startAlert();
}

/** Set the clock (unix seconds); returns the correction (new - old) in seconds. */
function setClock(seconds: number): number {
  if (!(seconds >= Cfg.MIN_VALID_TIME && seconds < 4294967296)) throw new TypeError("bad clock");
  var old = getTime();
  if (running) stopRadio();
  setTime(seconds);
  refresh();
  return seconds - old;
}

/**
 * Consent withdrawn: keys, log pages, at-rest key, secret and settings really erased (every page of the
 * log, which holds them all, is erased); then paused.
 */
export function tokenEraseAll(): void {
  running = 0;
  scanStop();
  advertiseStop();
  encountersReset();
  keysForget();
  storeErase(true);
  freshLog();
  startAlert();
  lightsOff();
  flash(Color.ALL, 1, 2000, 0);
}

/** Everything a test or a maintenance console needs to see (never sent over the air). */
export function tokenState(): any {
  return {
    clockValid: clockValid(), running: !!running, paused: !!st.p, alert: !!st.a, needsSync: needsSync(), keys: keysList(),
    scan: scanStats(), log: logStats(), errors: st.e, errorLog: st.l,
  };
}

export var tokenHost: SyncHost = {
  /** The STATUS row (common/formats/syncMessages.ts STATUS_FIELDS, in that order, less the hub cadence). */
  status: function () {
    var s = logStats();
    return [
      OMAMORI_VERSION, OMAMORI_BOARD.id, scanBattery, Math.floor(getTime()), clockValid(), s.pagesUsed * s.pageSize, (s.pages - s.pagesUsed) * s.pageSize,
      s.records, s.dropped, st.f, !!st.p, !!st.a, st.e, scanStats().periodMs / 1000,
    ];
  },
  setClock: setClock,
  readLog: function (cursor: number, maxBytes: number) {
    var r = logRead(cursor, maxBytes);
    if (!r.data.length && maxSeq !== st.r) {
      st.r = maxSeq;
      storeSave();
    }
    return r;
  },
  dailyKeys: keysList,
  /**
   * The consent light is white (every LED at once: no other pattern lights them all but the one
   * "erase done" flash), one second on, one off, for the whole wait; it hides the red alert meanwhile.
   */
  askConsent: function (timeoutMs: number, done: (ok: boolean) => void) {
    lightsOff();
    flash(Color.ALL, Math.floor(timeoutMs / 2000), 1000, 1000);
    buzz(300);
    buttonAskConsent(timeoutMs, function (ok: boolean) {
      lightsOff();
      if (ok) flash(Color.GREEN, 1, 1000, 0);
      done(ok);
    });
  },
  setAlert: setAlert,
  eraseAll: tokenEraseAll,
  /** Function stop: erase everything and never advertise or scan again (kept across reboots: store.ts `s`). */
  decommission: function () {
    st.s = 1;
    storeSave();
    tokenEraseAll();
    NRF.sleep();
  },
  setScanSettings: function (w: number, p: number) {
    if (!scanSettings(w, p)) return false;
    st.w = w;
    st.P = p;
    storeSave();
    return true;
  },
  secret: function () {
    return st.x ? fromHex(st.x) : null;
  },
  setSecret: function (secret: Uint8Array | null) {
    st.x = secret ? toHex(secret) : "";
    storeSave();
  },
  holdAdvertising: function (h: boolean) {
    advertiseHold(h ? 1 : 0);
  },
  hubSeconds: function () {
    return st.h;
  },
  setHubSeconds: function (s: number) {
    st.h = s;
    storeSave();
  },
};
