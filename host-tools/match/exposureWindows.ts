/**
 * From matched identifiers to GAEN v2 exposure windows (docs/spec/gaen-protocol.md section 7):
 *
 *   TX power   decrypt the AEM with the derived RPI and the key's AEMK; drop the encounter when
 *              the TX power is outside config.txPowerRangeDbm (Google: -50..+20 dBm)
 *   tolerance  keep only scans within +-12 intervals of the identifier's interval (SightingIndex.tolerance)
 *   replay     drop scans more than config.replayAfterSeconds (20 min) after the identifier's first
 *   attenuation  max(TX power - (RSSI + receiver rssiOffsetDb), 0): typical from rssiMean, min from rssiMax
 *   scan instance  scans of one key within 1.5 x (4 + 13) s are one instance (strongest kept);
 *              secondsSinceLastScan = minutes since the token's previous scan, rounded, capped at
 *              5 min, as a phone counts it from its own scan schedule (Google's ExposureWindowUtils).
 *              The token scans on a fixed cadence but logs only scans that heard something, so its
 *              previous scan is known up to that: the latest earlier scan of ANY identifier in the
 *              log (a quiet stretch only reaches the 5 min cap sooner); no earlier scan: the token's
 *              scan period when the log states it (scanPeriodSeconds), else unknown = 2 min.
 *   window     per key, a new window after config.maxWindowMinutes or at UTC midnight; report type
 *              and infectiousness from the key (riskConfig.ts mapping); NONE infectiousness dropped
 */
import { decodeMetadata } from "../../common/gaen/metadata";
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import { fastCrypto } from "../gaen/crypto";
import type { RawMatch } from "./engine";
import { ABSENT, type KeySet } from "./keySet";
import { effectiveReportType, infectiousnessFor, type InfectiousnessName, type RiskConfig, type WeightedReportType } from "./riskConfig";
import type { SightingIndex } from "./sightingIndex";

/** Sightings closer than this are one scan instance (1.5 x (4 + 13) s). */
export const SCAN_MERGE_SECONDS = 25.5;
/** secondsSinceLastScan is capped at 5 min. */
export const MAX_SECONDS_SINCE_LAST_SCAN = 300;
/** secondsSinceLastScan when the previous scan is unknown: 2 min. */
export const UNKNOWN_SECONDS_SINCE_LAST_SCAN = 120;
export const SECONDS_PER_DAY = 86400;

export interface ScanInstance {
  /** Unix seconds of the scan. */
  t: number;
  typicalAttenuationDb: number;
  minAttenuationDb: number;
  secondsSinceLastScan: number;
}

export interface ExposureWindow {
  /** Unix seconds of the UTC midnight starting the window's day. */
  dateSeconds: number;
  reportType: WeightedReportType;
  infectiousness: InfectiousnessName;
  /** Metadata v1.1 TX calibration confidence (0..3), 0 for v1.0. */
  calibrationConfidence: number;
  scanInstances: ScanInstance[];
  /** Index of the diagnosis key within this run (tells windows of different keys apart; not stored). */
  key: number;
}

export interface WindowDrops {
  /** Encounters whose decrypted TX power was outside the accepted range. */
  txPower: number;
  /** Scans outside +-12 intervals of the identifier's interval. */
  outsideTolerance: number;
  /** Scans more than 20 min after the identifier's first sighting. */
  replay: number;
  /** Windows of keys whose infectiousness is NONE (days since onset outside the configured days). */
  infectiousnessNone: number;
}

interface Sighting {
  t: number;
  typical: number;
  min: number;
  weight: number;
}

export function attenuationDb(txPowerDbm: number, rssiDbm: number, rssiOffsetDb: number): number {
  return Math.max(txPowerDbm - (rssiDbm + rssiOffsetDb), 0);
}

/** Build exposure windows for the matches of one run. */
export function buildExposureWindows(
  index: SightingIndex, keys: KeySet, matches: RawMatch[], config: RiskConfig, rssiOffsetDb: number,
): { windows: ExposureWindow[]; dropped: WindowDrops } {
  if (!Number.isFinite(rssiOffsetDb)) throw new TypeError("rssiOffsetDb must be a number of dB, got " + rssiOffsetDb);
  const dropped: WindowDrops = { txPower: 0, outsideTolerance: 0, replay: 0, infectiousnessNone: 0 };
  const byKey = new Map<number, { sightings: Sighting[]; confidence: number }>();
  const aemks = new Map<number, Uint8Array>();
  const [txLo, txHi] = config.txPowerRangeDbm;
  for (const m of matches) {
    let aemk = aemks.get(m.keyIndex);
    if (!aemk) {
      aemk = fastCrypto.aemk(keys.keyData.subarray(16 * m.keyIndex, 16 * m.keyIndex + 16));
      aemks.set(m.keyIndex, aemk);
    }
    const e = index.encounter(m.encounter);
    const md = decodeMetadata(fastCrypto.aem(aemk, m.rpi, e.aem));
    if (md.txPowerDbm < txLo || md.txPowerDbm > txHi) {
      dropped.txPower++;
      continue;
    }
    const near = e.scans.filter((s) => Math.abs(eninFromUnixSeconds(s.t) - m.enin) <= index.tolerance);
    dropped.outsideTolerance += e.scans.length - near.length;
    if (near.length === 0) continue;
    const first = near[0].t;
    let entry = byKey.get(m.keyIndex);
    if (!entry) {
      entry = { sightings: [], confidence: md.minor >= 1 ? md.confidence : 0 };
      byKey.set(m.keyIndex, entry);
    }
    for (const s of near) {
      if (s.t - first > config.replayAfterSeconds) {
        dropped.replay++;
        continue;
      }
      entry.sightings.push({
        t: s.t,
        typical: attenuationDb(md.txPowerDbm, s.rssiMean, rssiOffsetDb),
        min: attenuationDb(md.txPowerDbm, s.rssiMax, rssiOffsetDb),
        weight: Math.max(1, s.count),
      });
    }
  }
  const scanTimes = byKey.size > 0 ? tokenScanTimes(index) : new Float64Array(0); // sorting every scan costs; only matches need it
  const windows: ExposureWindow[] = [];
  for (const [k, { sightings, confidence }] of byKey) {
    if (sightings.length === 0) continue;
    const reportType = effectiveReportType(keys.reportType[k] === ABSENT ? undefined : keys.reportType[k], config);
    const dso = keys.daysSinceOnset[k] === ABSENT ? undefined : keys.daysSinceOnset[k];
    const infectiousness = infectiousnessFor(dso, config);
    const instances = scanInstances(sightings, scanTimes, index.scanPeriodSeconds);
    const split = splitWindows(instances, config.maxWindowMinutes * 60);
    if (reportType === null) continue;
    if (infectiousness === "NONE") {
      dropped.infectiousnessNone += split.length;
      continue;
    }
    for (const scanList of split) {
      windows.push({
        dateSeconds: Math.floor(scanList[0].t / SECONDS_PER_DAY) * SECONDS_PER_DAY,
        reportType,
        infectiousness,
        calibrationConfidence: confidence,
        scanInstances: scanList,
        key: k,
      });
    }
  }
  windows.sort((a, b) => a.scanInstances[0].t - b.scanInstances[0].t);
  return { windows, dropped };
}

/** Every scan time in the log (any identifier), sorted and without repeats: the token's scans that heard something. */
export function tokenScanTimes(index: SightingIndex): Float64Array {
  const all = index.scanTime.slice().sort();
  const out = new Float64Array(all.length);
  let n = 0;
  for (const t of all) if (n === 0 || t - out[n - 1] > SCAN_MERGE_SECONDS) out[n++] = t;
  return out.slice(0, n);
}

/** The latest scan time in `times` (sorted) more than SCAN_MERGE_SECONDS before t, or -Infinity. */
function previousScan(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length; // first index with times[i] >= t - SCAN_MERGE_SECONDS
  const limit = t - SCAN_MERGE_SECONDS;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -Infinity : times[lo - 1];
}

/** Merge one key's sightings into scan instances with secondsSinceLastScan. */
function scanInstances(sightings: Sighting[], scanTimes: Float64Array, scanPeriodSeconds: number | null): ScanInstance[] {
  sightings.sort((a, b) => a.t - b.t);
  const groups: Sighting[][] = [];
  for (const s of sightings) {
    const g = groups[groups.length - 1];
    if (g && s.t - g[0].t <= SCAN_MERGE_SECONDS) g.push(s);
    else groups.push([s]);
  }
  const out: ScanInstance[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    let wsum = 0, tsum = 0, min = Infinity;
    for (const s of g) {
      wsum += s.weight;
      tsum += s.typical * s.weight;
      min = Math.min(min, s.min);
    }
    const t = g[0].t;
    const gap = t - previousScan(scanTimes, t);
    const sinceLast = gap === Infinity ? scanPeriodSeconds : gap;
    const seconds = sinceLast === null ? UNKNOWN_SECONDS_SINCE_LAST_SCAN
      : Math.min(MAX_SECONDS_SINCE_LAST_SCAN, Math.max(1, Math.round(sinceLast / 60)) * 60);
    out.push({ t, typicalAttenuationDb: Math.round(tsum / wsum), minAttenuationDb: Math.round(min), secondsSinceLastScan: seconds });
  }
  return out;
}

/** Split scan instances into windows of at most `maxSeconds`, never across UTC midnight. */
function splitWindows(instances: ScanInstance[], maxSeconds: number): ScanInstance[][] {
  const out: ScanInstance[][] = [];
  let cur: ScanInstance[] = [];
  for (const s of instances) {
    const start = cur.length ? cur[0].t : s.t;
    if (cur.length && (s.t - start >= maxSeconds || Math.floor(s.t / SECONDS_PER_DAY) !== Math.floor(start / SECONDS_PER_DAY))) {
      out.push(cur);
      cur = [];
    }
    cur.push(s);
  }
  if (cur.length) out.push(cur);
  return out;
}
