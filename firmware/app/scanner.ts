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
import { gaenOffset } from "../../common/gaen/advert";
import { Cfg } from "./config";
import { encountersAddScan } from "./encounters";

var windowMs = Cfg.SCAN_WINDOW_MS;
var periodMs = Cfg.SCAN_PERIOD_MS;
var timer: any = 0;
var stopTimer: any = 0;
var started = 0;
/** Scans completed since boot (maintenance console, tests). */
export var scans = 0;
/** 1 while a scan window is open. */
export var scanning = 0;
/**
 * E.getBattery() read at the end of the last scan window, while the receiver is still on (-1: none
 * yet, or the board has no E.getBattery). A coin cell's voltage sags under that load far more than
 * at rest, and it is that load that ends the token (a brown-out), so this is the reading that can
 * warn in time (docs/ENERGY.md "Battery low").
 */
export var scanBattery = -1;

/** The identifiers of the current scan: n of them; key = first 4 RPI bytes, id = RPI prefix 6 | AEM 4. */
export var hitCount = 0;
export var hitKey = new Uint32Array(2 * OMAMORI_BOARD.ram.maxActive);
export var hitId = u8(20 * OMAMORI_BOARD.ram.maxActive);
export var hitCount8 = u8(2 * OMAMORI_BOARD.ram.maxActive);
export var hitMax = new Int8Array(2 * OMAMORI_BOARD.ram.maxActive);
export var hitSum = new Int16Array(2 * OMAMORI_BOARD.ram.maxActive);

function onAdvert(dev: any): void {
  var d = u8(dev.data);
  var o = gaenOffset(d);
  if (o < 0) return;
  o &= 0xff;
  var k = (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
  var j = hitKey.indexOf(k);
  if (j < 0 || j >= hitCount) {
    if (hitCount < hitKey.length) j = hitCount++;
    else {
      // full: the weakest identifier gives way to a stronger one
      j = 0;
      for (var i = 1; i < hitCount; i++) if (hitMax[i] < hitMax[j]) j = i;
      if (dev.rssi <= hitMax[j]) return;
    }
    hitKey[j] = k;
    hitId.set(d.subarray(o, o + 6), 10 * j);
    hitId.set(d.subarray(o + 16, o + 20), 10 * j + 6);
    hitCount8[j] = 0;
    hitMax[j] = -128;
    hitSum[j] = 0;
  }
  if (hitCount8[j] < 255) {
    hitCount8[j]++;
    hitSum[j] += dev.rssi;
  }
  if (dev.rssi > hitMax[j]) hitMax[j] = dev.rssi;
}

function begin(): void {
  hitCount = 0;
  hitKey.fill(0);
  started = getTime();
  scanning = 1;
  NRF.setScan(onAdvert, { filters: [{ serviceData: { fd6f: {} } }] });
  stopTimer = setTimeout(end, windowMs);
}

function end(): void {
  stopTimer = 0;
  scanning = 0;
  if (OMAMORI_BOARD.battery.getBattery) scanBattery = E.getBattery();
  NRF.setScan();
  scans++;
  encountersAddScan(Math.floor(started), periodMs / 1000, getTime());
}

/** Start scanning on the duty cycle (first window at once). */
export function scanStart(): void {
  if (timer) return;
  timer = setInterval(begin, periodMs);
  begin();
}

/** Stop scanning; a window in progress is closed and counted. */
export function scanStop(): void {
  clearInterval(timer);
  timer = 0;
  if (stopTimer) {
    clearTimeout(stopTimer);
    end();
  }
}

/** Change window and period (ms); false when out of range. Restarts a running duty cycle. */
export function scanSettings(w: number, p: number): boolean {
  if (!(w >= Cfg.SCAN_WINDOW_MIN_MS && p >= Cfg.SCAN_PERIOD_MIN_MS && w <= p / 2)) return false;
  windowMs = w;
  periodMs = p;
  if (timer) {
    scanStop();
    scanStart();
  }
  return true;
}

export function scanStats(): { windowMs: number; periodMs: number; scans: number } {
  return { windowMs: windowMs, periodMs: periodMs, scans: scans };
}
