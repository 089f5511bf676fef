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
var keys = new Uint32Array(OMAMORI_BOARD.ram.maxActive);
var firsts = new Uint32Array(OMAMORI_BOARD.ram.maxActive);
var order = new Uint32Array(OMAMORI_BOARD.ram.maxActive);
var opened = 0;
/** Identifiers written lately: key and first-seen time (5 s units); both 0 = a free slot. */
var closedKeys = new Uint32Array(4 * OMAMORI_BOARD.ram.maxActive);
var closedFirsts = new Uint32Array(4 * OMAMORI_BOARD.ram.maxActive);
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
    write(w, now);
  }
}

/** Write open encounter `s` to the log and remember its identifier. */
function write(s: number, now: number): void {
  var c = 0;
  for (var i = 1; i < closedFirsts.length; i++) if (closedFirsts[i] < closedFirsts[c]) c = i;
  closedKeys[c] = keys[s];
  closedFirsts[c] = firsts[s];
  if (logAppend(recs[s], firsts[s], now)) written++;
  recs[s] = 0;
  keys[s] = 0;
}

/** The scan that started at `t` (unix s) has ended (its identifiers are in scanner.ts); the next starts `nextIn` s later. */
export function encountersAddScan(t: number, nextIn: number, now: number): void {
  var T = Math.floor(t / TIME_UNIT_SECONDS);
  for (var j = 0; j < hitCount; j++) {
    var k = hitKey[j];
    // (a key is 0 only in a free slot, or for 1 identifier in 4 billion, which then gets several records)
    var s = k ? keys.indexOf(k) : -1;
    var mean = hitSum[j] / hitCount8[j];
    if (s < 0) {
      if (k && closedKeys.indexOf(k) >= 0) continue;
      s = recs.indexOf(0);
      if (s < 0 && recs.length < keys.length) s = recs.length;
      if (s < 0) {
        // full: the oldest is written early (it may then appear as two records, which the host merges)
        s = 0;
        for (var i = 1; i < recs.length; i++) if (order[i] < order[s]) s = i;
        write(s, now);
      }
      order[s] = ++opened;
      recs[s] = newRecord(hitId.subarray(10 * j, 10 * j + 10), hitCount8[j], hitMax[j], mean);
      keys[s] = k;
      firsts[s] = T;
    } else if ((T - firsts[s]) * TIME_UNIT_SECONDS <= Cfg.REPLAY_SECONDS) {
      recs[s] = addScan(recs[s], T - firsts[s], hitCount8[j], hitMax[j], mean);
    }
  }
  writeDue(T, nextIn, now);
  for (i = 0; i < closedFirsts.length; i++) {
    if ((T - closedFirsts[i]) * TIME_UNIT_SECONDS > Cfg.CLOSED_KEEP_SECONDS) closedKeys[i] = closedFirsts[i] = 0;
  }
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
