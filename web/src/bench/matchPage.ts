/**
 * The page of bench/web-match.ts (a benchmark, not part of the app): the web app's matcher (host-tools/match/matchTargets.ts with its
 * threads as Web Workers, web/src/check/matchWorker.ts) timed inside Chromium on the workload of
 * bench/match.ts: keys over 14 days against a dense 14-day log (5,000 sightings a day, 6-byte
 * prefixes) with planted matches, then the two halves of a daily incremental check.
 */
import "../platform/staticMount";
import "../platform/polyfills";
import { toHex } from "../../../common/bytes";
import { TEK_ROLLING_PERIOD } from "../../../common/gaen/interval";
import { fastCrypto } from "../../../host-tools/gaen/crypto";
import { matchTargets } from "../../../host-tools/match/matchTargets";
import { ABSENT, KeySet } from "../../../host-tools/match/keySet";
import type { OmamoriLog as ContactLog, LogEncounter } from "../../../host-tools/log/omamoriLog";
import { SightingIndex } from "../../../host-tools/match/sightingIndex";
import { setMatcherThreadUrl, setThreadProgress } from "../platform/workerThreads";

const DAYS = 14, SIGHTINGS_PER_DAY = 5000, PLANTED = 60, PREFIX_BYTES = 6;

function rand(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
}
function randInt(n: number): number {
  return Math.floor(Math.random() * n);
}

export async function run(o: { keys: number; full: boolean; nowMs: number }): Promise<Record<string, number | string | boolean>> {
  setMatcherThreadUrl(new URL("match-worker.js", location.href));
  const out: Record<string, number | string | boolean> = { threads: navigator.hardwareConcurrency, isolated: crossOriginIsolated };
  const firstDay = Math.floor(o.nowMs / 1000 / 86400) - DAYS;
  const firstEnin = firstDay * TEK_ROLLING_PERIOD;
  const keys = new KeySet(o.keys);
  const CHUNK = 100_000;
  for (let from = 0; from < o.keys; from += CHUNK) {
    const data = rand(16 * CHUNK);
    for (let j = 0; j < CHUNK && from + j < o.keys; j++) {
      const i = from + j;
      keys.add(data, 16 * j, { rollingStart: firstEnin + TEK_ROLLING_PERIOD * (i % DAYS), rollingPeriod: TEK_ROLLING_PERIOD, reportType: 1, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
    }
  }
  const encounters: LogEncounter[] = [];
  const t0 = firstEnin * 600;
  for (let n = 0; n < DAYS * SIGHTINGS_PER_DAY; n++) {
    encounters.push({ rpi: toHex(rand(PREFIX_BYTES)), aem: toHex(rand(4)), scans: [{ t: t0 + randInt(DAYS * 86400), count: 2, rssiMax: -70, rssiMean: -72 }] });
  }
  const planted = new Set<string>();
  for (let p = 0; p < PLANTED; p++) {
    const i = randInt(keys.count);
    const k = keys.rollingStart[i] + randInt(TEK_ROLLING_PERIOD);
    const rpi = fastCrypto.rpi(fastCrypto.rpik(keys.keyData.slice(16 * i, 16 * i + 16)), k);
    encounters.push({ rpi: toHex(rpi.subarray(0, PREFIX_BYTES)), aem: toHex(rand(4)), scans: [{ t: k * 600 + randInt(600), count: 3, rssiMax: -55, rssiMean: -57 }] });
    planted.add(`${i}/${k}`);
  }
  const log: ContactLog = { format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, encounters };
  const index = new SightingIndex(log);
  let progressEvents = 0;
  setThreadProgress(() => progressEvents++);

  // the daily incremental check's two halves (host-tools/report/incrementalMatch.ts)
  const dayKeys = new KeySet(Math.ceil(o.keys / DAYS));
  for (let i = DAYS - 1; i < keys.count; i += DAYS) dayKeys.add(keys.keyData, 16 * i, keys.fields(i));
  let t = performance.now();
  await matchTargets(dayKeys, [{ index }]);
  out.dailyNewKeys = dayKeys.count;
  out.dailyNewKeysSec = (performance.now() - t) / 1000;
  const lastDayStart = keys.rollingStart[DAYS - 1] * 600;
  const dayLog: ContactLog = { ...log, encounters: log.encounters.filter((e) => e.scans[0].t >= lastDayStart) };
  t = performance.now();
  await matchTargets(keys, [{ index: new SightingIndex(dayLog) }]);
  out.dailyAllKeysSec = (performance.now() - t) / 1000;

  if (o.full) {
    progressEvents = 0;
    t = performance.now();
    const r = (await matchTargets(keys, [{ index }])).runs[0];
    out.fullSec = (performance.now() - t) / 1000;
    out.progressEvents = progressEvents;
    const found = new Set(r.matches.map((m) => `${m.keyIndex}/${m.enin}`));
    out.planted = planted.size;
    out.exact = found.size === planted.size && [...planted].every((x) => found.has(x));
    out.identifiersDerived = r.identifiersDerived;
  }
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  if (mem) out.heapMB = Math.round(mem.usedJSHeapSize / 1048576);
  return out;
}

(globalThis as unknown as { omamoriBench: typeof run }).omamoriBench = run;
