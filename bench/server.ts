/**
 * Benchmark of the reference diagnosis-key server (docs/SERVER.md): figures, never assertions.
 *
 *   1. submissions per second: a local load generator PUTs COCOA v3 bodies with fresh processing
 *      numbers to a server on 127.0.0.1, from a few concurrent workers; bounded by a count and a
 *      time limit, whichever comes first;
 *   2. publishing time for 100,000 keys: keys registered through the normal validation and
 *      registration path (14 per person over 14 days), then one publish() into signed zips.
 *
 * Run: npx tsx bench/server.ts [--count N] [--seconds S] [--workers W] [--keys K]
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { initDataDir } from "../host-tools/server/dataDir";
import { startServer } from "../host-tools/server/httpServer";
import { issueNumber } from "../host-tools/server/processingNumbers";
import { publish } from "../host-tools/server/publish";
import { registerKeys } from "../host-tools/server/registration";
import { openStore } from "../host-tools/server/store";
import { validateSubmission, type DiagnosisSubmission } from "../host-tools/server/submission";

const MS_PER_DAY = 86_400_000;

export interface ServerBenchOptions {
  count: number;
  seconds: number;
  workers: number;
  keys: number;
}

function cocoaBody(number: string, nowMs: number, keysPerPerson: number): DiagnosisSubmission {
  const today = Math.floor(nowMs / MS_PER_DAY);
  return {
    hasSymptom: true,
    onsetOfSymptomOrTestDate: new Date((today - 10) * MS_PER_DAY).toISOString().replace("Z", "+00:00"),
    keys: Array.from({ length: keysPerPerson }, (_, d) => ({
      keyData: randomBytes(16).toString("base64"),
      rollingStartNumber: (today - (d % 14)) * 144,
      rollingPeriod: 144,
      reportType: 1,
    })),
    regions: ["440"],
    platform: "omamori",
    deviceVerificationPayload: "none",
    appPackageName: "jp.omamori.host",
    verificationPayload: number,
    idempotency_key: randomUUID(),
    padding: randomBytes(1100).toString("base64"),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function benchSubmissions(opts: ServerBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "omamori-bench-server-"));
  try {
    const { dataDir } = initDataDir(dir);
    const db = openStore(dataDir.databasePath);
    const now = Date.now();
    const numbers = Array.from({ length: opts.count }, () => issueNumber(db, dataDir.numberSecret, now, 24).number);
    db.close();
    const server = await startServer({ dataDir: dir, host: "127.0.0.1", port: 0, publishEveryMinutes: 0 });
    const bodies = numbers.map((n) => JSON.stringify(cocoaBody(n, now, 14)));
    const latencies: number[] = [];
    let next = 0;
    let failed = 0;
    const deadline = performance.now() + opts.seconds * 1000;
    const started = performance.now();
    const worker = async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const body = bodies[next++];
        const t0 = performance.now();
        const res = await fetch(server.url + "/v3/diagnosis", { method: "PUT", headers: { "Content-Type": "application/json" }, body });
        await res.arrayBuffer();
        if (res.status !== 200) failed++;
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: opts.workers }, worker));
    const seconds = (performance.now() - started) / 1000;
    await server.close();
    latencies.sort((a, b) => a - b);
    console.log(`submissions: ${latencies.length} in ${seconds.toFixed(2)} s from ${opts.workers} workers on 127.0.0.1 (${failed} failed)`);
    console.log(`  ${(latencies.length / seconds).toFixed(0)} submissions/s, ${((latencies.length * 14) / seconds).toFixed(0)} keys/s`);
    console.log(`  latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchPublish(opts: ServerBenchOptions): void {
  const dir = mkdtempSync(join(tmpdir(), "omamori-bench-publish-"));
  try {
    const { dataDir } = initDataDir(dir, { publicUrl: "https://cdn.example.jp" });
    const db = openStore(dataDir.databasePath);
    const now = Math.floor(Date.now() / MS_PER_DAY) * MS_PER_DAY + 12 * 3600_000; // today 12:00 UTC
    const t0 = performance.now();
    let stored = 0;
    while (stored < opts.keys) {
      const per = Math.min(14, opts.keys - stored);
      const number = issueNumber(db, dataDir.numberSecret, now, 24).number;
      // Registered yesterday with keys of 1..14 days ago: all past their embargo at noon today.
      const body = cocoaBody(number, now - MS_PER_DAY, per);
      stored += registerKeys(db, dataDir.numberSecret, validateSubmission(body, now - MS_PER_DAY, "440"), now - MS_PER_DAY).keysAccepted;
    }
    const tStore = performance.now();
    const r = publish(dataDir, db, { nowMs: now });
    const tPublish = performance.now();
    const bytes = r.files.reduce((s, f) => s + statSync(f.path).size, 0);
    db.close();
    console.log(`publishing: ${r.keysPublished} keys into ${r.files.length} signed zips (${(bytes / 1e6).toFixed(2)} MB) in ${((tPublish - tStore) / 1000).toFixed(2)} s`);
    console.log(`  (registering them first took ${((tStore - t0) / 1000).toFixed(2)} s, ${(opts.keys / ((tStore - t0) / 1000)).toFixed(0)} keys/s without HTTP)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runServerBench(partial: Partial<ServerBenchOptions> = {}): Promise<void> {
  const opts: ServerBenchOptions = { count: 2000, seconds: 20, workers: 8, keys: 100_000, ...partial };
  for (const [k, v] of Object.entries(opts)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${k} must be a whole number of at least 1, got ${v}`);
  }
  if (opts.count > 100_000 || opts.seconds > 300 || opts.workers > 64) throw new RangeError("bounded: at most 100000 submissions, 300 s and 64 workers");
  console.log("== server ==");
  await benchSubmissions(opts);
  benchPublish(opts);
}

function parseArgs(argv: string[]): Partial<ServerBenchOptions> {
  const out: Partial<ServerBenchOptions> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "") as keyof ServerBenchOptions;
    if (!["count", "seconds", "workers", "keys"].includes(name)) throw new Error(`unknown option ${argv[i]}`);
    out[name] = Number(argv[i + 1]);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runServerBench(parseArgs(process.argv.slice(2))).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
