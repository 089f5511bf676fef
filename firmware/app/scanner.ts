/**
 * Duty-cycled scanning for GAEN adverts: every `period` ms the receiver listens for `window` ms with
 * NRF.setScan and an FD6F service-data filter (applied by Espruino in C, so other adverts never reach
 * JavaScript); each identifier heard is aggregated per scan (adverts, strongest and summed RSSI) in
 * typed arrays, and handed to the encounter tracker when the window closes. The receiver draws
 * ~12 mA, so the window is short.
 *
 * At most 2 x maxActive identifiers per scan (30 on a Puck.js: RAM); when the table is full a new
 * identifier replaces the weakest one if it is heard stronger, so in a crowd the nearest are kept.
 * Identifiers are looked up by their first four bytes with the typed array's own indexOf (fast, in C).
 */
import { u8 } from "../../common/bytes";
import { Cfg } from "./config";
import { encountersAddScan } from "./encounters";

var windowMs = Cfg.SCAN_WINDOW_MS;
var periodMs = Cfg.SCAN_PERIOD_MS;
/** 1 while the duty cycle runs; the timer of the next window; the timer ending the open one. */
var on = 0;
var timer: any = 0;
var stopTimer: any = 0;
var started = 0;
/** Scans completed since boot (maintenance console, tests). */
export var scans = 0;
/** 1 while a scan window is open. */
export var scanning = 0;
/**
 * E.getBattery() read at the end of the last scan window, while the receiver is still on (at rest
 * until the first window; -1 where the board has no E.getBattery). A coin cell's voltage sags under
 * that load far more than at rest, and it is that load that ends the token (a brown-out), so this is
 * the reading that can warn in time (docs/ENERGY.md "Battery low").
 */
export var scanBattery = OMAMORI_BOARD.battery.getBattery ? E.getBattery() : -1;

/** The identifiers of the current scan: n of them; key = first 4 RPI bytes, id = RPI prefix 6 | AEM 4. */
export var hitCount = 0;
export var hitKey = new Int32Array(2 * OMAMORI_BOARD.ram.maxActive);
export var hitId = u8(20 * OMAMORI_BOARD.ram.maxActive);
export var hitCount8 = u8(2 * OMAMORI_BOARD.ram.maxActive);
export var hitMax = new Int8Array(2 * OMAMORI_BOARD.ram.maxActive);
export var hitSum = new Int16Array(2 * OMAMORI_BOARD.ram.maxActive);

/**
 * A lower bound of the weakest strongest-RSSI in a full table (from -128 at each window). In a crowd
 * most adverts are weaker than everything kept, and this turns them away at once.
 */
var hitMin: number;

/**
 * One GAEN advert heard (Espruino's C side has already built the device object, parsed its service
 * data and applied the FD6F filter). Kept short: in a crowd the CPU's time per advert decides how many
 * it can handle (docs/ENERGY.md "Crowds").
 */
function onAdvert(dev: any): void {
  // 20 bytes from a GAEN device (an odd length from anyone else only makes an odd identifier)
  var s = u8(dev.serviceData.fd6f);
  var r = dev.rssi;
  var k = s[0] | (s[1] << 8) | (s[2] << 16) | (s[3] << 24);
  var j = hitKey.indexOf(k);
  if (j < 0 || j >= hitCount) {
    if (hitCount < 2 * OMAMORI_BOARD.ram.maxActive) j = hitCount++;
    else {
      // full: the weakest identifier gives way to a stronger one (its RSSI found with the typed
      // array's own indexOf, in C, rising from the last bound)
      // (ends: every kept RSSI is >= -128, the start; a weaker advert costs one indexOf)
      while ((j = hitMax.indexOf(hitMin)) < 0) hitMin++;
      if (r <= hitMin) return;
    }
    hitKey[j] = k;
    hitId.set(s.subarray(0, 6), 10 * j);
    hitId.set(s.subarray(16, 20), 10 * j + 6);
    hitCount8[j] = hitSum[j] = 0;
    hitMax[j] = r;
  }
  if (hitCount8[j] < 255) {
    hitCount8[j]++;
    hitSum[j] += r;
  }
  if (r > hitMax[j]) hitMax[j] = r;
}

function begin(): void {
  timer = 0;
  hitCount = 0;
  hitMin = -128;
  hitKey.fill(0);
  started = getTime();
  scanning = 1;
  // the timers first: a radio call that throws (an error the token counts) must not stop the cycle
  stopTimer = setTimeout(end, windowMs);
  NRF.setScan(onAdvert, { filters: [{ serviceData: { fd6f: {} } }] });
}

/**
 * The window ends. A full table means a crowd: more identifiers than fit, collisions on the air and a
 * CPU that cannot handle every advert, so one window may miss a neighbour; while it lasts the next
 * window comes after CROWD_PERIOD_MS instead of the period (docs/ENERGY.md "Crowds"; a host that sets a
 * period shorter than that gets the crowd period in crowds).
 */
function end(stopping?: any): void {
  stopTimer = 0;
  scanning = 0;
  if (OMAMORI_BOARD.battery.getBattery) scanBattery = E.getBattery();
  var next = hitCount < 2 * OMAMORI_BOARD.ram.maxActive ? periodMs : Cfg.CROWD_PERIOD_MS;
  if (!stopping) timer = setTimeout(begin, next - windowMs);
  NRF.setScan();
  scans++;
  encountersAddScan(Math.floor(started), next / 1000, getTime());
}

/** Start scanning on the duty cycle (first window at once). */
export function scanStart(): void {
  if (on) return;
  on = 1;
  begin();
}

/** Stop scanning; a window in progress is closed and counted. */
export function scanStop(): void {
  if (!on) return;
  on = 0;
  clearTimeout(timer);
  timer = 0;
  if (stopTimer) {
    clearTimeout(stopTimer);
    end(1);
  }
}

/** Change window and period (ms); false when out of range. Restarts a running duty cycle. */
export function scanSettings(w: number, p: number): boolean {
  if (!(w >= Cfg.SCAN_WINDOW_MIN_MS && p >= Cfg.SCAN_PERIOD_MIN_MS && w <= p / 2)) return false;
  windowMs = w;
  periodMs = p;
  if (on) {
    scanStop();
    scanStart();
  }
  return true;
}

export function scanStats(): { windowMs: number; periodMs: number; scans: number } {
  return { windowMs: windowMs, periodMs: periodMs, scans: scans };
}
