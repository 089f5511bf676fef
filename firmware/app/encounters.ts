/**
 * Encounters across scans: one per identifier, holding what the host needs to rebuild GAEN scan
 * instances (per scan its time, the number of adverts, the strongest and the mean RSSI, plus the AEM).
 * Each open encounter is its log record as it grows (common/formats/logRecord.ts newRecord/addScan),
 * with its first-seen time in 5-second units; it is written to the log once it can no longer be
 * extended: GAEN treats sightings more than 20 minutes after the first as a replay, so nothing is
 * added after that, and identifiers already written are remembered for two hours (by their first four
 * bytes) so a replay cannot start a new record.
 */
import { addScan, MAX_SCANS, newRecord, RECORD_BASE_BYTES, SCAN_BYTES, TIME_UNIT_SECONDS } from "../../common/formats/logRecord";
import { Cfg } from "./config";
import { logAppend } from "./ringLog";
import { hitCount, hitCount8, hitId, hitKey, hitMax, hitSum } from "./scanner";

/**
 * Open encounters: record (0 = free slot), key (first 4 RPI bytes), first-seen time in 5 s units, and
 * the order they were opened in (records are written in that order, so the ring drops the oldest).
 */
var recs: any[] = [];
var keys = new Int32Array(OMAMORI_BOARD.ram.maxActive);
var firsts = new Uint32Array(OMAMORI_BOARD.ram.maxActive);
var order = new Uint32Array(OMAMORI_BOARD.ram.maxActive);
var opened = 0;
/**
 * Strongest RSSI each open encounter was heard with in the window being added and in the one before
 * (-128: not heard): the higher of the two ranks it when room is needed, so one missed window (a fade,
 * a collision) does not cost a slot, two do.
 */
var heardNow = new Int8Array(OMAMORI_BOARD.ram.maxActive);
var heardBefore = new Int8Array(OMAMORI_BOARD.ram.maxActive);
/** How strongly weakest() found its encounter heard. */
var weakestHeard = 0;
/**
 * Identifiers written lately: key and first-seen time (5 s units); both 0 = a free slot. A ring: a new
 * one takes the next slot (encounters close in about the order they opened); an entry older than
 * CLOSED_KEEP_SECONDS no longer counts.
 */
var closedKeys = new Int32Array(2 * OMAMORI_BOARD.ram.maxActive);
var closedFirsts = new Uint32Array(2 * OMAMORI_BOARD.ram.maxActive);
var closedNext = 0;
/** Records handed to the log since boot (maintenance console, tests). */
export var written = 0;

/**
 * Write, oldest first, the open encounters that are due: all when `T` < 0, else those first seen too
 * long before scan time `T` (5 s units) to be extended, the next scan being `nextIn` s away, or full.
 */
function writeDue(T: number, nextIn: number, now: number): void {
  for (;;) {
    var w = -1;
    for (var s = 0; s < recs.length; s++) {
      if (recs[s] && (w < 0 || order[s] < order[w]) && (T < 0 || (T - firsts[s]) * TIME_UNIT_SECONDS + nextIn > Cfg.REPLAY_SECONDS || recs[s].length >= RECORD_BASE_BYTES + SCAN_BYTES * (MAX_SCANS - 1))) w = s;
    }
    if (w < 0) return;
    write(w, now, true);
  }
}

/**
 * Write open encounter `s` to the log. `closing`: it can no longer be extended, so its identifier is
 * remembered (a later sighting is a replay); an encounter written early to make room is not closed:
 * the identifier heard again starts a second record, which the host merges.
 */
function write(s: number, now: number, closing: boolean): void {
  if (closing) {
    closedKeys[closedNext] = keys[s];
    closedFirsts[closedNext] = firsts[s];
    closedNext = (closedNext + 1) % closedKeys.length;
  }
  if (logAppend(recs[s], firsts[s], now)) written++;
  recs[s] = 0;
  keys[s] = 0;
}

/** The open encounter heard most weakly lately (the better of this window and the one before). */
function weakest(): number {
  var w = 0, m = 0, l; // (RSSI is below 0 dBm)
  for (var i = 0; i < recs.length; i++) {
    l = Math.max(heardNow[i], heardBefore[i]);
    if (l < m) {
      m = l;
      w = i;
    }
  }
  weakestHeard = m;
  return w;
}

/**
 * The scan that started at `t` (unix s) has ended (its identifiers are in scanner.ts); the next starts
 * `nextIn` s later. Identifiers already open are extended first, so making room never splits one heard
 * in this window. When every slot is taken (a crowd), a new identifier takes the slot of the one heard
 * most weakly lately (this window or the one before), if it was heard at least as strong; else it is not logged:
 * in a crowd the token logs the nearest maxActive of each window (docs/ENERGY.md "Crowds").
 */
export function encountersAddScan(t: number, nextIn: number, now: number): void {
  var T = Math.floor(t / TIME_UNIT_SECONDS);
  var j, k, s, mark = opened;
  heardBefore.set(heardNow);
  // (and weakestHeard back to "unknown": one statement, a few bytes less on the Puck.js budget)
  heardNow.fill((weakestHeard = -128));
  for (j = 0; j < hitCount; j++) {
    k = hitKey[j];
    // (a key is 0 only in a free slot, or for 1 identifier in 4 billion, which then gets several records)
    s = k ? keys.indexOf(k) : -1;
    if (s < 0) continue;
    heardNow[s] = hitMax[j];
    if ((T - firsts[s]) * TIME_UNIT_SECONDS <= Cfg.REPLAY_SECONDS) recs[s] = addScan(recs[s], T - firsts[s], hitCount8[j], hitMax[j], hitSum[j] / hitCount8[j]);
  }
  for (j = 0; j < hitCount; j++) {
    k = hitKey[j];
    // (a key of 0 matches a free slot: that one identifier in 4 billion is skipped)
    if (keys.indexOf(k) >= 0) continue;
    // written lately: a replay (remembered CLOSED_KEEP_SECONDS; older entries are simply stale)
    s = closedKeys.indexOf(k);
    if (s >= 0 && (T - closedFirsts[s]) * TIME_UNIT_SECONDS <= Cfg.CLOSED_KEEP_SECONDS) continue;
    s = recs.indexOf(0);
    if (s < 0 && recs.length < keys.length) s = recs.length;
    if (s < 0) {
      // (weakestHeard only rises within a window: a hit weaker than it needs no search; an equal one
      // wins, so a neighbour's next identifier takes its last one's place)
      if (hitMax[j] < weakestHeard) continue;
      s = weakest();
      if (weakestHeard > hitMax[j]) continue;
      // one opened in this very window is simply not kept (it is among the window's weakest); an older
      // one is written early: it may then appear as two records, which the host merges
      if (order[s] > mark) recs[s] = keys[s] = 0;
      else write(s, now, false);
    }
    order[s] = ++opened;
    recs[s] = newRecord(hitId.subarray(10 * j, 10 * j + 10), hitCount8[j], hitMax[j], hitSum[j] / hitCount8[j]);
    keys[s] = k;
    firsts[s] = T;
    heardNow[s] = heardBefore[s] = hitMax[j];
  }
  writeDue(T, nextIn, now);
}

/** Write every open encounter now (pause, clock change, maintenance). */
export function encountersFlush(): void {
  writeDue(-1, 0, getTime());
}

/** Forget everything in RAM (erase-all). */
export function encountersReset(): void {
  recs = [];
  keys.fill(0);
  closedKeys.fill(0);
  closedFirsts.fill(0);
}

/** Open encounters and records written since boot. */
export function encountersStats(): { active: number; written: number } {
  var n = 0;
  for (var s = 0; s < recs.length; s++) if (recs[s]) n++;
  return { active: n, written: written };
}
