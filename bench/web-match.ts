/**
 * The web app's matching speed in headless Chromium (docs/WEB.md "Speed"): the goals of the web
 * app are a daily incremental check of a national day of new keys in <= 10 s and a full check of
 * 6 million keys in <= 3 min, with progress. The page (web/src/bench/matchPage.ts) runs the app's
 * matcher (the host's engine, threads as Web Workers) on bench/match.ts's workload; the baseline,
 * in this process, is the same JavaScript engine on Node's worker threads (matchTargets with
 * engine "js"), so the ratio says what running in a browser costs.
 * Served cross-origin isolated, as `omamori web` serves the app. A figure, never a test.
 *
 *   npm run bench:web                     6 million keys (daily half uses 6M / 14 new keys)
 *   BENCH_KEYS=1000000 npm run bench:web  smaller
 *   BENCH_DAILY_ONLY=1 ...                only the daily incremental halves (430k new keys at 6M)
 */
import { createServer } from "node:http";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { bundleForBrowser, WEB_DIST } from "../scripts/build-web";
import { launchChromium } from "../test/web/chromium";
import { WEB_APP_HEADERS } from "../host-tools/web/webApp";
import { toHex } from "../common/bytes";
import { TEK_ROLLING_PERIOD } from "../common/gaen/interval";
import { matchTargets } from "../host-tools/match/matchTargets";
import { ABSENT, KeySet } from "../host-tools/match/keySet";
import type { OmamoriLog as ContactLog, LogEncounter } from "../host-tools/log/omamoriLog";
import { SightingIndex } from "../host-tools/match/sightingIndex";

const KEYS = Number(process.env.BENCH_KEYS ?? 6_000_000);
const FULL = !process.env.BENCH_DAILY_ONLY;
const DAYS = 14;

/** The same workload in Node, matched by the JS engine on worker threads (the baseline). */
async function nodeBaseline(): Promise<{ dailyNewKeysSec: number; dailyAllKeysSec: number; fullSec?: number }> {
  const firstEnin = (Math.floor(Date.now() / 86400_000) - DAYS) * TEK_ROLLING_PERIOD;
  const keys = new KeySet(KEYS);
  for (let from = 0; from < KEYS; from += 100_000) {
    const data = randomBytes(16 * 100_000);
    for (let j = 0; j < 100_000 && from + j < KEYS; j++) {
      const i = from + j;
      keys.add(data, 16 * j, { rollingStart: firstEnin + TEK_ROLLING_PERIOD * (i % DAYS), rollingPeriod: TEK_ROLLING_PERIOD, reportType: 1, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
    }
  }
  const encounters: LogEncounter[] = [];
  for (let n = 0; n < DAYS * 5000; n++) encounters.push({ rpi: toHex(randomBytes(6)), aem: toHex(randomBytes(4)), scans: [{ t: firstEnin * 600 + randomInt(DAYS * 86400), count: 2, rssiMax: -70, rssiMean: -72 }] });
  const log: ContactLog = { format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, encounters };
  const index = new SightingIndex(log);
  const dayKeys = new KeySet(Math.ceil(KEYS / DAYS));
  for (let i = DAYS - 1; i < keys.count; i += DAYS) dayKeys.add(keys.keyData, 16 * i, keys.fields(i));
  let t = performance.now();
  await matchTargets(dayKeys, [{ index }], { engine: "js" });
  const dailyNewKeysSec = (performance.now() - t) / 1000;
  const lastDayStart = keys.rollingStart[DAYS - 1] * 600;
  t = performance.now();
  await matchTargets(keys, [{ index: new SightingIndex({ ...log, encounters: encounters.filter((e) => e.scans[0].t >= lastDayStart) }) }], { engine: "js" });
  const dailyAllKeysSec = (performance.now() - t) / 1000;
  if (!FULL) return { dailyNewKeysSec, dailyAllKeysSec };
  t = performance.now();
  await matchTargets(keys, [{ index }], { engine: "js" });
  return { dailyNewKeysSec, dailyAllKeysSec, fullSec: (performance.now() - t) / 1000 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "omamori-web-bench-"));
  try {
    await bundleForBrowser({ bench: "web/src/bench/matchPage.ts" }, dir);
    copyFileSync(join(WEB_DIST, "match-worker.js"), join(dir, "match-worker.js"));
    writeFileSync(join(dir, "index.html"), '<!DOCTYPE html><html lang="en"><title>bench</title><script src="bench.js"></script></html>');
    const server = createServer((req, res) => {
      const name = (req.url ?? "/").split("?")[0].replace(/^\/+/, "") || "index.html";
      try {
        const body = readFileSync(join(dir, name.replace(/[^a-z.-]/gi, "")));
        res.writeHead(200, { ...WEB_APP_HEADERS, "Content-Type": name.endsWith(".html") ? "text/html" : "text/javascript" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    }).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    console.log(`bench/web-match: ${KEYS.toLocaleString("en")} keys over ${DAYS} days against a 14-day log of ${(DAYS * 5000).toLocaleString("en")} sightings, in headless Chromium`);
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`http://127.0.0.1:${port}/index.html`);
      const r = (await page.evaluate(`omamoriBench(${JSON.stringify({ keys: KEYS, full: FULL, nowMs: Date.now() })})`)) as Record<string, number | string | boolean>;
      console.log(`  browser: ${r.threads} matcher threads, cross-origin isolated: ${r.isolated}${r.heapMB ? `, page heap ${r.heapMB} MB` : ""}`);
      console.log(`  daily incremental: ${Number(r.dailyNewKeys).toLocaleString("en")} new keys x whole log ${Number(r.dailyNewKeysSec).toFixed(1)} s + all keys x the last day ${Number(r.dailyAllKeysSec).toFixed(1)} s = ${(Number(r.dailyNewKeysSec) + Number(r.dailyAllKeysSec)).toFixed(1)} s (goal <= 10 s)`);
      if (FULL) console.log(`  full check: ${Number(r.fullSec).toFixed(1)} s, ${Math.round(KEYS / Number(r.fullSec)).toLocaleString("en")} keys/s, ${r.progressEvents} progress reports, planted ${r.planted} ${r.exact ? "found exactly" : "MISMATCH"} (goal <= 180 s)`);
      const base = await nodeBaseline();
      const daily = Number(r.dailyNewKeysSec) + Number(r.dailyAllKeysSec);
      const nodeDaily = base.dailyNewKeysSec + base.dailyAllKeysSec;
      console.log(`  baseline (Node, same JS engine, worker threads): daily ${nodeDaily.toFixed(1)} s${base.fullSec ? `, full ${base.fullSec.toFixed(1)} s` : ""}`);
      console.log(`  ratio browser/Node: daily ${(daily / nodeDaily).toFixed(2)}x${base.fullSec ? `, full ${(Number(r.fullSec) / base.fullSec).toFixed(2)}x` : ""}`);
      if (FULL && !r.exact) process.exitCode = 1;
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
