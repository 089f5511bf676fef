/**
 * Duty-cycled scanning for GAEN adverts (docs/SCAN-DEFAULTS.md): every `period` ms the receiver listens for
 * `window` ms with NRF.setScan and an FD6F service-data filter (docs/spec/espruino-platform.md section 2); each
 * identifier heard is aggregated per scan (adverts, strongest and summed RSSI) and handed to the
 * encounter tracker when the window closes. The receiver draws ~12 mA, so the window is short.
 */
import { parseAdvert } from "../../common/gaen/advert";
import { encountersAddScan, encountersScanLimit, ScanHit } from "./encounters";
import { SCAN_PERIOD_MS, SCAN_WINDOW_MS } from "./config";
import { guard } from "./health";

let windowMs = SCAN_WINDOW_MS;
let periodMs = SCAN_PERIOD_MS;
let timer: any = 0;
let stopTimer: any = 0;
let hits: { [k: string]: ScanHit } = {};
let hitCount = 0;
let started = 0;
let scans = 0;

function key(rpi: Uint8Array): string {
  let k = "";
  for (let i = 0; i < 16; i++) k += String.fromCharCode(rpi[i]);
  return k;
}

function onAdvert(dev: any): void {
  const p = parseAdvert(new Uint8Array(dev.data));
  if (!p) return;
  const k = key(p.rpi);
  let h = hits[k];
  if (!h) {
    if (hitCount >= encountersScanLimit()) return;
    hitCount++;
    const id = new Uint8Array(10);
    id.set(p.rpi.subarray(0, 6), 0);
    id.set(p.aem, 6);
    h = hits[k] = { id: id, count: 0, max: -128, sum: 0 };
  }
  h.count++;
  h.sum += dev.rssi;
  if (dev.rssi > h.max) h.max = dev.rssi;
}

function begin(): void {
  hits = {};
  hitCount = 0;
  started = getTime();
  NRF.setScan(onAdvert, { filters: [{ serviceData: { fd6f: {} } }] });
  stopTimer = setTimeout(guard(end), windowMs);
}

function end(): void {
  stopTimer = 0;
  NRF.setScan(undefined);
  scans++;
  const h = hits;
  hits = {};
  encountersAddScan(Math.floor(started), h, periodMs / 1000, getTime());
}

/** Start scanning on the duty cycle (first window at once). */
export function scanStart(): void {
  if (timer) return;
  timer = setInterval(guard(begin), periodMs);
  begin();
}

/** Stop scanning; a window in progress is closed and counted. */
export function scanStop(): void {
  if (timer) clearInterval(timer);
  timer = 0;
  if (stopTimer) {
    clearTimeout(stopTimer);
    end();
  }
}

/** Change window and period (ms); false when out of range. Restarts a running duty cycle. */
export function scanSettings(w: number, p: number): boolean {
  if (!(w >= 100 && p >= 10000 && w <= p / 2)) return false;
  windowMs = w;
  periodMs = p;
  if (timer) {
    scanStop();
    scanStart();
  }
  return true;
}

export function scanStats(): { windowMs: number; periodMs: number; scans: number; running: boolean } {
  return { windowMs: windowMs, periodMs: periodMs, scans: scans, running: !!timer };
}
