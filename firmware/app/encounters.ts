/**
 * Encounters across scans (docs/LOG-FORMAT.md): one per identifier, holding what the
 * host needs to rebuild GAEN scan instances (docs/spec/gaen-protocol.md section 7): per scan its time, the number of
 * adverts, the strongest and the mean RSSI, plus the AEM. An identifier is written to the log once
 * it can no longer be extended: GAEN treats sightings more than 20 minutes after the first as a
 * replay, so nothing is added after that, and identifiers already written are remembered for two
 * hours so a replay cannot start a new record.
 */
import { MAX_SCANS } from "../../common/formats/logRecord";
import { CLOSED_KEEP_SECONDS, REPLAY_SECONDS } from "./config";
import { logAppend } from "./ringLog";

/** One identifier's aggregate within one scan. */
export interface ScanHit {
  /** RPI prefix (6) + AEM (4). */
  id: Uint8Array;
  count: number;
  max: number;
  sum: number;
}

interface Encounter {
  id: Uint8Array;
  /** Flat (t, count, rssiMax, rssiMean) per scan. */
  s: number[];
}

let active: { [k: string]: Encounter } = {};
let activeCount = 0;
let closed: { [k: string]: number } = {};
let closedCount = 0;
let maxActive = 20;
let written = 0;

/** `limit` identifiers open at once (RAM: ~2,600 variables on Puck.js); 4 x that remembered as written. */
export function encountersInit(limit: number): void {
  maxActive = limit;
}

/** Identifiers a scan may aggregate (beyond that, new ones in that scan are not kept). */
export function encountersScanLimit(): number {
  return 2 * maxActive;
}

function write(k: string, now: number): void {
  const e = active[k];
  delete active[k];
  activeCount--;
  if (closedCount >= 4 * maxActive) forgetOldestClosed();
  closed[k] = e.s[0];
  closedCount++;
  if (logAppend(e.id, e.s, now)) written++;
}

/**
 * A scan that started at `t` (unix s) ended with `hits` (key = identifier); the next scan starts
 * about `nextIn` seconds later.
 */
export function encountersAddScan(t: number, hits: { [k: string]: ScanHit }, nextIn: number, now: number): void {
  for (const k in hits) {
    const h = hits[k];
    let e = active[k];
    if (!e) {
      if (closed[k] !== undefined) continue;
      if (activeCount >= maxActive) writeOldest(now);
      e = active[k] = { id: h.id, s: [] };
      activeCount++;
    } else if (t - e.s[0] > REPLAY_SECONDS) {
      continue;
    }
    e.s.push(t, h.count, h.max, Math.round(h.sum / h.count));
  }
  const done: string[] = [];
  for (const k in active) {
    const e = active[k];
    if (t + nextIn - e.s[0] > REPLAY_SECONDS || e.s.length >= 4 * MAX_SCANS) done.push(k);
  }
  for (let i = 0; i < done.length; i++) write(done[i], now);
  const old: string[] = [];
  for (const k in closed) if (t - closed[k] > CLOSED_KEEP_SECONDS) old.push(k);
  for (let i = 0; i < old.length; i++) delete closed[old[i]];
  closedCount -= old.length;
}

function forgetOldestClosed(): void {
  let oldest = "";
  for (const k in closed) if (!oldest || closed[k] < closed[oldest]) oldest = k;
  delete closed[oldest];
  closedCount--;
}

function writeOldest(now: number): void {
  let oldest = "";
  for (const k in active) if (!oldest || active[k].s[0] < active[oldest].s[0]) oldest = k;
  if (oldest) write(oldest, now);
}

/** Write every open encounter now (pause, clock change, maintenance). */
export function encountersFlush(now: number): void {
  const all: string[] = [];
  for (const k in active) all.push(k);
  for (let i = 0; i < all.length; i++) write(all[i], now);
}

/** Forget everything in RAM (erase-all). */
export function encountersReset(): void {
  active = {};
  closed = {};
  activeCount = 0;
  closedCount = 0;
}

export function encountersStats(): { active: number; written: number } {
  return { active: activeCount, written: written };
}
