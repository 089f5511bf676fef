/**
 * Matching at national peak (docs/MATCHING.md section 7): 6 million diagnosis keys over 14 days
 * against a dense 14-day log (5,000 sightings a day, 6-byte stored prefixes as the token keeps
 * them), with PLANTED keys whose identifiers are in the log. Times, in the same run:
 *   (a) the engine (host-tools/match/parallelMatch.ts: engine.ts on every core)
 *   (b) a straightforward baseline: every key's 144 identifiers with node:crypto
 *       (fastCrypto.rpik = hkdfSync, fastCrypto.rpiRange = one AES call), hex-string Map lookup
 * Both must find exactly the planted matches. Prints keys/s, the ratio, and peak memory, and
 * (c) the two halves of a daily incremental check.
 * Goal: (a) < 60 s, >= 3x (b), peak RSS < 1 GB.
 *
 *   npx tsx bench/match.ts            BENCH_KEYS=1000000 npx tsx bench/match.ts (smaller run)
 *   BENCH_NO_BASELINE=1 npx tsx bench/match.ts   engine figures only (the baseline takes minutes)
 */
import { randomBytes, randomInt } from "node:crypto";
import { toHex } from "../common/bytes";
import { TEK_ROLLING_PERIOD } from "../common/gaen/interval";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { matchTargets } from "../host-tools/match/matchTargets";
import { ABSENT, KeySet } from "../host-tools/match/keySet";
import type { ContactLog, LogEncounter } from "../host-tools/match/logFormat";
import { SightingIndex } from "../host-tools/match/sightingIndex";

const KEYS = Number(process.env.BENCH_KEYS ?? 6_000_000);
const DAYS = 14;
const SIGHTINGS_PER_DAY = 5000;
const PLANTED = 60;
const PREFIX_BYTES = 6;

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(0) + " MB";
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Synthetic world: keys spread over 14 days, a log with noise sightings and the planted ones. */
function makeWorld() {
  const firstDay = Math.floor(Date.now() / 1000 / 86400) - DAYS;
  const firstEnin = firstDay * TEK_ROLLING_PERIOD;
  const keys = new KeySet(KEYS);
  const CHUNK = 100_000;
  for (let from = 0; from < KEYS; from += CHUNK) {
    const data = randomBytes(16 * CHUNK);
    for (let j = 0; j < CHUNK && from + j < KEYS; j++) {
      const i = from + j;
      keys.add(data, 16 * j, { rollingStart: firstEnin + TEK_ROLLING_PERIOD * (i % DAYS), rollingPeriod: TEK_ROLLING_PERIOD, reportType: 1, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
    }
  }
  const encounters: LogEncounter[] = [];
  const t0 = firstEnin * 600;
  for (let n = 0; n < DAYS * SIGHTINGS_PER_DAY; n++) {
    const t = t0 + randomInt(DAYS * 86400);
    encounters.push({ rpi: toHex(randomBytes(PREFIX_BYTES)), aem: toHex(randomBytes(4)), scans: [{ t, count: 2, rssiMax: -70, rssiMean: -72 }] });
  }
  const planted = new Set<string>();
  for (let p = 0; p < PLANTED; p++) {
    const i = randomInt(keys.count);
    const k = keys.rollingStart[i] + randomInt(TEK_ROLLING_PERIOD);
    const rpi = fastCrypto.rpi(fastCrypto.rpik(keys.keyData.slice(16 * i, 16 * i + 16)), k);
    encounters.push({ rpi: toHex(rpi.subarray(0, PREFIX_BYTES)), aem: toHex(randomBytes(4)), scans: [{ t: k * 600 + randomInt(600), count: 3, rssiMax: -55, rssiMean: -57 }] });
    planted.add(`${i}/${k}`);
  }
  const log: ContactLog = { format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, encounters };
  return { keys, log, planted };
}

/** (b) the straightforward baseline. */
function baseline(index: SightingIndex, keys: KeySet): Set<string> {
  const byHex = new Map<string, number[]>();
  index.encounters.forEach((e, c) => {
    const h = toHex(e.rpi.subarray(0, PREFIX_BYTES));
    const l = byHex.get(h);
    if (l) l.push(c); else byHex.set(h, [c]);
  });
  const found = new Set<string>();
  for (let i = 0; i < keys.count; i++) {
    const rpik = fastCrypto.rpik(keys.keyData.subarray(16 * i, 16 * i + 16));
    const start = keys.rollingStart[i];
    const rpis = Buffer.from(fastCrypto.rpiRange(rpik, start, keys.rollingPeriod[i]).buffer);
    for (let j = 0; j < keys.rollingPeriod[i]; j++) {
      const list = byHex.get(rpis.toString("hex", 16 * j, 16 * j + PREFIX_BYTES));
      if (!list) continue;
      for (const c of list) {
        const e = index.encounters[c];
        if (e.scans.some((s) => Math.abs(Math.floor(s.t / 600) - (start + j)) <= 12)) found.add(`${i}/${start + j}`);
      }
    }
  }
  return found;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

async function main(): Promise<void> {
  console.log(`bench/match: ${KEYS.toLocaleString("en")} keys over ${DAYS} days, log ${(DAYS * SIGHTINGS_PER_DAY).toLocaleString("en")} sightings + ${PLANTED} planted`);
  let t = performance.now();
  const { keys, log, planted } = makeWorld();
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s; heap ${mb(process.memoryUsage().heapUsed)}, rss ${mb(process.memoryUsage().rss)}`);

  t = performance.now();
  const index = new SightingIndex(log);
  const run = { ...(await matchTargets(keys, [{ index }])).runs[0] };
  const engineSec = (performance.now() - t) / 1000;
  const engineFound = new Set(run.matches.map((m) => `${m.keyIndex}/${m.enin}`));
  const engineRss = peakRss();
  console.log(`  (a) engine:   ${engineSec.toFixed(1)} s, ${Math.round(KEYS / engineSec).toLocaleString("en")} keys/s, ${run.identifiersDerived.toLocaleString("en")} identifiers derived, found ${engineFound.size}, peak RSS so far ${mb(engineRss)}`);

  // A daily incremental check: (c) one day of new keys against the whole log, (d) every key
  // against one day of new sightings (keys without sightings near their validity cost no crypto).
  const dayKeys = new KeySet(Math.ceil(KEYS / DAYS));
  for (let i = DAYS - 1; i < keys.count; i += DAYS) dayKeys.add(keys.keyData, 16 * i, keys.fields(i));
  t = performance.now();
  await matchTargets(dayKeys, [{ index }]);
  const newKeysSec = (performance.now() - t) / 1000;
  const lastDayStart = (keys.rollingStart[DAYS - 1]) * 600;
  const dayLog: ContactLog = { ...log, encounters: log.encounters.filter((e) => e.scans[0].t >= lastDayStart) };
  t = performance.now();
  const dayRun = (await matchTargets(keys, [{ index: new SightingIndex(dayLog) }])).runs[0];
  const newLogSec = (performance.now() - t) / 1000;
  console.log(`  (c) daily incremental: ${dayKeys.count.toLocaleString("en")} new keys x whole log ${newKeysSec.toFixed(1)} s; all keys x last day's ${dayLog.encounters.length.toLocaleString("en")} sightings ${newLogSec.toFixed(1)} s (${dayRun.keysDerived.toLocaleString("en")} keys needed crypto)`);

  const engineOk = sameSet(engineFound, planted);
  if (process.env.BENCH_NO_BASELINE) {
    console.log(`  planted ${planted.size}: engine ${engineOk ? "exact" : "MISMATCH"}; baseline skipped (BENCH_NO_BASELINE); peak RSS ${mb(peakRss())}`);
    if (!engineOk) process.exitCode = 1;
    return;
  }
  t = performance.now();
  const baseFound = baseline(index, keys);
  const baseSec = (performance.now() - t) / 1000;
  console.log(`  (b) baseline: ${baseSec.toFixed(1)} s, ${Math.round(KEYS / baseSec).toLocaleString("en")} keys/s, found ${baseFound.size}`);

  const baseOk = sameSet(baseFound, planted);
  const ratio = baseSec / engineSec;
  const peak = peakRss();
  console.log(`  planted ${planted.size}: engine ${engineOk ? "exact" : "MISMATCH"}, baseline ${baseOk ? "exact" : "MISMATCH"}`);
  console.log(`  ratio baseline/engine: ${ratio.toFixed(2)}x; peak RSS (whole run) ${mb(peak)}`);
  const full = KEYS >= 6_000_000;
  console.log(`  goals${full ? "" : " (scaled run: time goal not applicable)"}: engine < 60 s ${full ? (engineSec < 60 ? "met" : "NOT met") : "-"}; >= 3x ${ratio >= 3 ? "met" : "NOT met"}; < 1 GB ${peak < 1024 * 1048576 ? "met" : "NOT met"}`);
  if (!engineOk || !baseOk) process.exitCode = 1;
}

await main();
