/**
 * Matching speed, memory and the goals of the matcher (docs/MATCHING.md section 7; figures only,
 * nothing here is asserted by the tests). Synthetic data: random diagnosis keys spread over 14
 * days, a dense 14-day log of 5,000 sightings a day (6-byte stored prefixes, as tokens keep them)
 * with 60 planted identifiers; every program must find exactly the planted ones.
 *
 * Part 1, per key set size (0.5M, 1M, 6M keys), measured alternately, each run in its own process
 * (so its peak RSS is its own), loading the keys included:
 *   floor     bench/floor/floor.c compiled here (cc -O3 -msse4.1 -maes -msha): HKDF with precomputed HMAC
 *             pads (SHA-NI) + 144 AES-NI blocks + a prefix lookup per key, one core, its keys read
 *             from a flat file. The machine's floor.
 *   addon     the native matcher (native/matcher), keys from the key store (keys/store.bin)
 *   js        the JavaScript engine (engine.ts on every core), keys from the key store
 *   baseline  a straightforward numeric loop on one thread: node:crypto hkdfSync + one
 *             aes-128-ecb call for the 144 blocks + a Map lookup of the 6-byte prefix as a number
 * Figures: wall seconds, keys/s per core (keys / CPU seconds of the process), CPU time per key
 * as a multiple of the floor's, peak RSS.
 *
 * Part 2, the goals, as a user waits (process start to result, `omamori` in a child process, keys
 * already downloaded and verified into the key cache by `omamori keys fetch`):
 *   - `omamori check` of 6M keys against the dense log                       <= 5 s, RSS <= 500 MB
 *   - the next day's check: a new file of ~430k keys fetched, a day of sightings synced  <= 1 s
 *   - 20 care-home tokens (2,000 encounters a day each) against 1: full and daily      <= 1.2 x
 *   - `omamori match --keys <14 signed zips, 1M keys> --log <70k sightings> --json` (unzip,
 *     signature and decoding included) against the floor on the same 1M keys          <= 1.5 x
 * And the export.bin decoders (protobufjs vs exportKeys.ts) on one day's file.
 *
 *   npm run bench -- match                         everything (about 15 minutes on 2 cores)
 *   BENCH_SIZES=500000,1000000 BENCH_ROUNDS=1 ...  a shorter part 1
 *   BENCH_PART=1 | BENCH_PART=2                    one part only
 *   BENCH_NATIONAL=1000000                         part 2 with fewer keys (a trial run; goals not comparable)
 *   BENCH_KEEP=1                                   keep the temporary folder (its homes, zips and logs) for profiling
 */
import { spawnSync } from "node:child_process";
import { createCipheriv, generateKeyPairSync, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toHex } from "../common/bytes";
import { TEK_ROLLING_PERIOD } from "../common/gaen/interval";
import { paddedData } from "../common/gaen/paddedData";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { decodeExportBin, encodeExportBin, signatureInfoFor, signExport, writeExportZip, type ExportKey } from "../host-tools/keys/exportFile";
import { readExportKeys } from "../host-tools/keys/exportKeys";
import { emptyDropCounts } from "../host-tools/keys/keyRecords";
import { encodeStore, readStore, usableKeys } from "../host-tools/keys/keyStore";
import { ABSENT, KeySet } from "../host-tools/match/keySet";
import type { OmamoriLog, LogEncounter } from "../host-tools/log/omamoriLog";
import { matchTargets } from "../host-tools/match/matchTargets";
import { matcherStatus } from "../host-tools/match/nativeMatcher";
import { prefix48, SightingIndex } from "../host-tools/match/sightingIndex";
import { peakRssKb } from "./omamori-peak.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const DAYS = 14;
const SIGHTINGS_PER_DAY = 5000;
const PLANTED = 60;
const PREFIX = 6;
const SIZES = (process.env.BENCH_SIZES ?? "500000,1000000,6000000").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PART = process.env.BENCH_PART ?? "all";
/** Keys of the national set in part 2 (BENCH_NATIONAL for a quicker trial run). */
const NATIONAL = Number(process.env.BENCH_NATIONAL ?? 6_000_000);
/** Day 0 of the synthetic world: the keys' days are 0..13, the checks run on day 14 and 15. */
const DAY0 = Math.floor(Date.now() / 86400000) * 86400 - DAYS * 86400;
const DAY0_ENIN = DAY0 / 600;
const NOW = DAY0 + DAYS * 86400 + 9 * 3600;
const FAKE_FILE = "0".repeat(64);

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(0) + " MB";
}
function s(x: number, digits = 2): string {
  return x.toFixed(digits) + " s";
}
function n(x: number): string {
  return Math.round(x).toLocaleString("en");
}

// ---------------------------------------------------------------------------------------------
// Child process: one measured run of an engine (part 1)

interface EngineRun {
  engine: string;
  size: number;
  wall: number;
  cpu: number;
  exact: boolean;
  found: number;
  rssKb: number;
  backend?: string;
}

/** The straightforward numeric baseline: every key's 144 identifiers, one thread. */
function baseline(keys: KeySet, index: SightingIndex): Set<string> {
  const byPrefix = new Map<number, number[]>();
  index.encounters.forEach((e, c) => {
    const p = prefix48(e.rpi, 0);
    const l = byPrefix.get(p);
    if (l) l.push(c);
    else byPrefix.set(p, [c]);
  });
  const blocks = new Map<number, Buffer>();
  const found = new Set<string>();
  const none = Buffer.alloc(0);
  for (let i = 0; i < keys.count; i++) {
    const start = keys.rollingStart[i];
    const period = keys.rollingPeriod[i];
    if (period === 0) continue;
    let pd = blocks.get(start);
    if (!pd) {
      pd = Buffer.alloc(16 * 144);
      for (let j = 0; j < 144; j++) pd.set(paddedData(start + j), 16 * j);
      blocks.set(start, pd);
    }
    const rpik = Buffer.from(hkdfSync("sha256", keys.keyData.subarray(16 * i, 16 * i + 16), none, "EN-RPIK", 16));
    const c = createCipheriv("aes-128-ecb", rpik, null);
    c.setAutoPadding(false);
    const rpis = c.update(pd.subarray(0, 16 * period));
    for (let j = 0; j < period; j++) {
      const list = byPrefix.get(prefix48(rpis, 16 * j));
      if (!list) continue;
      for (const e of list) {
        if (index.encounters[e].scans.some((sc) => Math.abs(Math.floor(sc.t / 600) - (start + j)) <= 12)) found.add(`${i}/${start + j}`);
      }
    }
  }
  return found;
}

async function childRun(engine: string, dir: string, size: number): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const stored = readStore(join(dir, `keys-${size}.store`));
  if (!stored) throw new Error("bench store missing");
  const keys = usableKeys(stored, NOW, [FAKE_FILE]).keys;
  const log = JSON.parse(readFileSync(join(dir, "log.json"), "utf8")) as OmamoriLog;
  const index = new SightingIndex(log);
  let found: Set<string>;
  let backend: string | undefined;
  if (engine === "baseline") found = baseline(keys, index);
  else {
    const run = await matchTargets(keys, [{ index }], { engine: engine === "js" ? "js" : "auto" });
    if (engine === "addon" && run.engine.engine !== "native") throw new Error("the native matcher is not available: " + run.engine.reason);
    backend = run.engine.backend;
    found = new Set(run.runs[0].matches.map((m) => `${m.keyIndex}/${m.enin}`));
  }
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const planted = JSON.parse(readFileSync(join(dir, "planted.json"), "utf8")) as string[];
  const want = new Set(planted.filter((p) => Number(p.split("/")[0]) < size));
  const exact = found.size === want.size && [...found].every((f) => want.has(f));
  const out: EngineRun = { engine, size, wall, cpu: (c.user + c.system) / 1e6, exact, found: found.size, rssKb: peakRssKb(), backend };
  process.stdout.write(JSON.stringify(out) + "\n");
}

// ---------------------------------------------------------------------------------------------
// Synthetic world

interface World {
  keyData: Uint8Array;
  starts: Uint32Array;
  log: OmamoriLog;
  planted: string[];
}

function makeWorld(total: number): World {
  const keyData = new Uint8Array(randomBytes(16 * total));
  const starts = new Uint32Array(total);
  for (let i = 0; i < total; i++) starts[i] = DAY0_ENIN + TEK_ROLLING_PERIOD * (i % DAYS);
  const encounters: LogEncounter[] = [];
  for (let k = 0; k < DAYS * SIGHTINGS_PER_DAY; k++) {
    const t = DAY0 + randomInt(DAYS * 86400);
    encounters.push({ rpi: toHex(randomBytes(PREFIX)), aem: toHex(randomBytes(4)), scans: [{ t, count: 2, rssiMax: -75, rssiMean: -78 }] });
  }
  // planted among the first 0.5M keys, so every size has the same 60
  const planted: string[] = [];
  const plantRange = Math.min(total, 500_000);
  const used = new Set<number>();
  while (planted.length < PLANTED) {
    const i = randomInt(plantRange);
    if (used.has(i)) continue;
    used.add(i);
    const k = starts[i] + randomInt(TEK_ROLLING_PERIOD);
    const rpi = fastCrypto.rpi(fastCrypto.rpik(keyData.slice(16 * i, 16 * i + 16)), k);
    encounters.push({ rpi: toHex(rpi.subarray(0, PREFIX)), aem: toHex(randomBytes(4)), scans: [{ t: k * 600 + randomInt(600), count: 3, rssiMax: -55, rssiMean: -57 }] });
    planted.push(`${i}/${k}`);
  }
  const log: OmamoriLog = { format: "omamori-log", version: 1, tokenId: "bench", board: "puckjs", rssiOffsetDb: 0, encounters };
  return { keyData, starts, log, planted };
}

function keySetOf(w: World, from: number, to: number): KeySet {
  const ks = new KeySet(Math.max(1, to - from));
  for (let i = from; i < to; i++) ks.add(w.keyData, 16 * i, { rollingStart: w.starts[i], rollingPeriod: 144, reportType: 1, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
  return ks;
}

/** Input of the floor program: the first `size` keys and every sighting's prefix and interval. */
function floorInput(w: World, size: number): Uint8Array {
  const sightings = w.log.encounters.length;
  const out = new Uint8Array(16 + 20 * size + 12 * sightings);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from("OMFLOOR1"), 0);
  dv.setUint32(8, size, true);
  dv.setUint32(12, sightings, true);
  for (let i = 0; i < size; i++) {
    out.set(w.keyData.subarray(16 * i, 16 * i + 16), 16 + 20 * i);
    dv.setUint32(16 + 20 * i + 16, w.starts[i], true);
  }
  let o = 16 + 20 * size;
  for (const e of w.log.encounters) {
    out.set(Buffer.from(e.rpi.slice(0, 2 * PREFIX), "hex"), o);
    dv.setUint32(o + 8, Math.floor(e.scans[0].t / 600), true);
    o += 12;
  }
  return out;
}

function compileFloor(dir: string): string | null {
  const exe = join(dir, "floor");
  // Exactly the instruction sets it needs: with -march=native the compiler mixes AVX-encoded code
  // with the SSE-only SHA-NI instructions, and the transition penalties made it 15x slower here.
  const r = spawnSync("cc", ["-O3", "-msse4.1", "-maes", "-msha", "-o", exe, join(here, "floor", "floor.c")], { encoding: "utf8" });
  if (r.status !== 0) {
    console.log(`  floor: could not compile bench/floor/floor.c (${(r.stderr || r.error?.message || "").split("\n")[0]}); no floor figures`);
    return null;
  }
  return exe;
}

interface FloorRun {
  matches: number;
  keys: number;
  matchCpuSeconds: number;
  cpuSeconds: number;
  wallSeconds: number;
  wall: number;
}

function runFloor(exe: string, input: string): FloorRun {
  const t0 = performance.now();
  const r = spawnSync(exe, [input], { encoding: "utf8" });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error("floor failed: " + r.stderr);
  return { ...JSON.parse(r.stdout), wall };
}

function runEngine(engine: string, dir: string, size: number): EngineRun {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--run", engine, dir, String(size)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${engine} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

// ---------------------------------------------------------------------------------------------
// Part 1

async function part1(w: World, dir: string, floorExe: string | null): Promise<void> {
  console.log(`\n  Part 1: ${availableParallelism()} cores; keys over ${DAYS} days, log ${n(w.log.encounters.length)} sightings (${PLANTED} planted); alternating runs, each in its own process, loading included`);
  console.log(`  native matcher: ${matcherStatus().engine === "native" ? matcherStatus().backend : "NOT AVAILABLE (" + matcherStatus().reason + ")"}`);
  writeFileSync(join(dir, "log.json"), JSON.stringify(w.log));
  writeFileSync(join(dir, "planted.json"), JSON.stringify(w.planted));
  const rows: string[] = [];
  for (const size of SIZES) {
    const ks = keySetOf(w, 0, size);
    writeFileSync(join(dir, `keys-${size}.store`), encodeStore({ keys: ks, origin: new Uint32Array(size), files: [FAKE_FILE], read: size, revisedApplied: 0, dropped: emptyDropCounts() }));
    writeFileSync(join(dir, `floor-${size}.bin`), floorInput(w, size));
    const engines = ["floor", "addon", "js", "baseline"].filter((e) => e !== "floor" || floorExe);
    const results: Record<string, { wall: number[]; cpu: number[]; rss: number[]; exact: boolean[] }> = {};
    const rounds = size >= 6_000_000 ? Math.min(ROUNDS, 1) : ROUNDS;
    for (let round = 0; round < rounds; round++) {
      const order = engines.map((_, k) => engines[(k + round) % engines.length]);
      for (const e of order) {
        const r = results[e] ??= { wall: [], cpu: [], rss: [], exact: [] };
        if (e === "floor") {
          const f = runFloor(floorExe!, join(dir, `floor-${size}.bin`));
          r.wall.push(f.wall); r.cpu.push(f.cpuSeconds); r.rss.push(0); r.exact.push(f.matches === w.planted.filter((p) => Number(p.split("/")[0]) < size).length);
        } else {
          const x = runEngine(e, dir, size);
          r.wall.push(x.wall); r.cpu.push(x.cpu); r.rss.push(x.rssKb * 1024); r.exact.push(x.exact);
        }
        process.stdout.write(`    ${n(size)} keys, round ${round + 1}: ${e} ${s(r.wall[r.wall.length - 1], 1)} wall, ${s(r.cpu[r.cpu.length - 1], 1)} CPU\n`);
      }
    }
    const best = (a: number[]) => Math.min(...a);
    const floorCpu = results.floor ? best(results.floor.cpu) : NaN;
    for (const e of engines) {
      const r = results[e];
      const cpu = best(r.cpu);
      rows.push(`| ${n(size)} | ${e} | ${s(best(r.wall), 1)} | ${n(size / cpu)} | ${Number.isNaN(floorCpu) ? "-" : (cpu / floorCpu).toFixed(2) + " x"} | ${e === "floor" ? "-" : mb(Math.max(...r.rss))} | ${r.exact.every(Boolean) ? "exact" : "MISMATCH"} |`);
    }
    rmSync(join(dir, `keys-${size}.store`));
    rmSync(join(dir, `floor-${size}.bin`));
  }
  console.log("\n  | keys | program | wall (best) | keys/s per core | CPU / floor | peak RSS | planted found |");
  console.log("  |---|---|---|---|---|---|---|");
  for (const r of rows) console.log("  " + r);
}

// ---------------------------------------------------------------------------------------------
// Part 2: the goals, through the omamori command

const SIGNER = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const SIGN = { keyId: "440", keyVersion: "v1" };

/** One signed export zip of keys [from, to) of the world (+ extra keys). */
function zipOf(w: World, from: number, to: number, day: number, extra: ExportKey[] = []): Uint8Array {
  const keys: ExportKey[] = [];
  for (let i = from; i < to; i++) keys.push({ keyData: w.keyData.subarray(16 * i, 16 * i + 16), rollingStartIntervalNumber: w.starts[i], rollingPeriod: 144, transmissionRiskLevel: 0, reportType: 1 });
  keys.push(...extra);
  const bin = encodeExportBin({
    startTimestamp: DAY0 + (day + 1) * 86400, endTimestamp: DAY0 + (day + 2) * 86400, region: "440", batchNum: 1, batchSize: 1,
    signatureInfos: [signatureInfoFor(SIGN)], keys, revisedKeys: [],
  });
  return writeExportZip(bin, signExport(bin, SIGNER.privateKey, SIGN));
}

interface CliRun {
  wall: number;
  /** CPU seconds of the process, every thread. */
  cpu: number;
  rssKb: number;
  stdout: string;
  status: number | null;
}

/** `omamori ...` in a child process: wall time from start to exit, and its peak RSS. */
function omamori(home: string, args: string[]): CliRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, "omamori-peak.mjs"), ...args], {
    env: { ...process.env, OMAMORI_HOME: home, LANG: "en_GB.UTF-8" }, encoding: "utf8", maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t0) / 1000;
  const m = /BENCH_PEAK_RSS_KB=(\d+) BENCH_CPU_S=([0-9.]+)/.exec(r.stderr);
  // exit 3 and 4 are verdicts (contact; could not tell: an --offline check cannot vouch for fresh keys)
  if (r.status !== 0 && r.status !== 3 && r.status !== 4) console.log(`    omamori ${args.join(" ")} exited ${r.status}: ${r.stderr.split("\n").slice(0, 3).join(" / ")}`);
  return { wall, cpu: m ? Number(m[2]) : NaN, rssKb: m ? Number(m[1]) : 0, stdout: r.stdout, status: r.status };
}

function addToken(home: string, id: string, log: OmamoriLog): void {
  const d = join(home, "tokens", id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "log.json"), JSON.stringify({ ...log, tokenId: id }));
  writeFileSync(join(d, "token.json"), JSON.stringify({ tokenId: id, secret: "11".repeat(32), pairedAt: new Date(DAY0 * 1000).toISOString(), board: "puckjs" }));
  writeFileSync(join(d, "sync-state.json"), JSON.stringify({ cursor: 1, lastSyncAt: new Date(NOW * 1000).toISOString(), status: { batteryPercent: 80 } }));
}

function newHome(dir: string, name: string): string {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, "check.json"), JSON.stringify({ publicKeys: [{ keyId: "440", keyVersion: "v1", publicKey: SIGNER.publicKey.export({ format: "der", type: "spki" }).toString("base64") }] }));
  return home;
}

/** The key cache of `from` shared into `to` by hard links (the goals compare token counts on the same keys). */
function shareKeys(from: string, to: string): void {
  const copy = (a: string, b: string) => {
    mkdirSync(b, { recursive: true });
    for (const f of readdirSync(a)) {
      const p = join(a, f);
      if (statSync(p).isDirectory()) copy(p, join(b, f));
      else linkSync(p, join(b, f));
    }
  };
  copy(join(from, "keys"), join(to, "keys"));
}

/**
 * A 35-minute close contact with key i of the world on its day, heard once a minute (in a dense
 * log each scan counts about a minute, so this is a risky day: about 2,100 scan seconds).
 */
function contact(w: World, i: number, minuteOfDay: number): LogEncounter[] {
  const rpik = fastCrypto.rpik(w.keyData.slice(16 * i, 16 * i + 16));
  const aemk = fastCrypto.aemk(w.keyData.slice(16 * i, 16 * i + 16));
  const out: LogEncounter[] = [];
  const t0 = w.starts[i] * 600 + minuteOfDay * 60;
  for (let t = t0; t < t0 + 35 * 60; t += 60) {
    const k = Math.floor(t / 600);
    const rpi = fastCrypto.rpi(rpik, k);
    const prev = out.find((e) => e.rpi === toHex(rpi.subarray(0, PREFIX)));
    const scan = { t, count: 3, rssiMax: -50, rssiMean: -52 };
    if (prev) prev.scans.push(scan);
    else out.push({ rpi: toHex(rpi.subarray(0, PREFIX)), aem: toHex(fastCrypto.aem(aemk, rpi, Uint8Array.from([0x40, 0xf8, 0, 0]))), scans: [scan] });
  }
  return out;
}

/** Noise sightings: `perDay` a day over days [fromDay, toDay). */
function noise(perDay: number, fromDay: number, toDay: number): LogEncounter[] {
  const out: LogEncounter[] = [];
  for (let d = fromDay; d < toDay; d++) {
    for (let k = 0; k < perDay; k++) {
      out.push({ rpi: toHex(randomBytes(PREFIX)), aem: toHex(randomBytes(4)), scans: [{ t: DAY0 + d * 86400 + randomInt(86400), count: 1, rssiMax: -80, rssiMean: -82 }] });
    }
  }
  return out;
}

/** Runs of each goal: from the same state, one after another (BENCH_GOAL_RUNS). */
const RUNS = Number(process.env.BENCH_GOAL_RUNS ?? 3);

function range(xs: number[]): string {
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return lo.toFixed(2) === hi.toFixed(2) ? s(lo) : `${lo.toFixed(2)}-${s(hi)}`;
}

/** "wall s (CPU s)" of command runs, as ranges over the runs. */
function took(runs: CliRun[]): string {
  return `${range(runs.map((r) => r.wall))} (CPU ${range(runs.map((r) => r.cpu))})`;
}

function best(runs: CliRun[], what: "wall" | "cpu"): number {
  return Math.min(...runs.map((r) => r[what]));
}

/** Whether the runs' wall times meet a goal of `limit` seconds. */
function verdict(runs: CliRun[], limit: number): string {
  const met = runs.filter((r) => r.wall <= limit).length;
  return met === runs.length ? "met" : met === 0 ? "NOT met" : `met in ${met} of ${runs.length} runs`;
}

/**
 * `omamori check --offline --now <at> --json`, RUNS times from the same state: the check history
 * (what a check keeps for the next one) is put back before each run, so every run does the same
 * work. The state after the last run is that of a single check. With BENCH_KEEP=1 the history
 * before the check stays beside it (check-history.before-<at>.json) for profiling.
 */
function checks(home: string, at: string): CliRun[] {
  const hist = join(home, "check-history.json");
  const before = existsSync(hist) ? readFileSync(hist) : null;
  if (before && process.env.BENCH_KEEP === "1") writeFileSync(join(home, `check-history.before-${at.slice(0, 10)}.json`), before);
  const out: CliRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    if (before) writeFileSync(hist, before);
    else rmSync(hist, { force: true });
    out.push(omamori(home, ["check", "--offline", "--now", at, "--json"]));
  }
  return out;
}

function riskyDays(stdout: string): string {
  try {
    const j = JSON.parse(stdout);
    return j.tokens.map((t: { summary: { riskyDays: number } }) => t.summary.riskyDays).join(",");
  } catch {
    return "?";
  }
}

async function part2(w: World, dir: string, floorExe: string | null): Promise<void> {
  const total = w.starts.length;
  console.log(`\n  Part 2: the goals through the omamori command (process start to result)`);
  // export files: 14 days of the 6M keys, then the next day's file (~430k new keys)
  const zips = join(dir, "zips");
  const nextZips = join(dir, "zips-next");
  mkdirSync(zips);
  mkdirSync(nextZips);
  let t = performance.now();
  const perDay = Math.ceil(total / DAYS);
  // keys of the world are spread over the days by index (i % 14); a file holds one day's keys
  const byDay: number[][] = Array.from({ length: DAYS }, () => []);
  const order = new Uint32Array(total);
  let p = 0;
  for (let d = 0; d < DAYS; d++) for (let i = d; i < total; i += DAYS) order[p++] = i;
  // reorder the world so each day's keys are contiguous (zipOf takes ranges)
  const kd = new Uint8Array(16 * total), st = new Uint32Array(total);
  order.forEach((i, q) => { kd.set(w.keyData.subarray(16 * i, 16 * i + 16), 16 * q); st[q] = w.starts[i]; });
  const dw: World = { ...w, keyData: kd, starts: st };
  for (let d = 0, from = 0; d < DAYS; d++) {
    const count = Math.ceil((total - d) / DAYS);
    byDay[d] = [from, from + count];
    writeFileSync(join(zips, `day${String(d).padStart(2, "0")}.zip`), zipOf(dw, from, from + count, d));
    from += count;
  }
  // the next day: perDay fresh keys starting on day 14, one of them met on day 14
  const next = makeWorld(perDay).keyData;
  const nextWorld: World = { ...dw, keyData: next, starts: new Uint32Array(perDay).fill(DAY0_ENIN + DAYS * TEK_ROLLING_PERIOD) };
  writeFileSync(join(nextZips, "day14.zip"), zipOf(nextWorld, 0, perDay, DAYS));
  console.log(`    generated ${DAYS} + 1 signed export files (${n(total)} + ${n(perDay)} keys) in ${s((performance.now() - t) / 1000, 0)}`);

  // decoders on one day's export.bin
  const day0 = readFileSync(join(zips, "day00.zip"));
  const { readExportZip } = await import("../host-tools/keys/exportFile");
  const bin = readExportZip(new Uint8Array(day0)).bin;
  t = performance.now();
  const viaProtobuf = decodeExportBin(bin).keys.length;
  const protobufSec = (performance.now() - t) / 1000;
  t = performance.now();
  const viaReader = readExportKeys(bin).records.count;
  const readerSec = (performance.now() - t) / 1000;
  console.log(`    decoding one day's export.bin (${n(viaProtobuf)} keys): protobufjs ${s(protobufSec)} (${(protobufSec / viaProtobuf * 1e6).toFixed(2)} us/key), exportKeys.ts ${s(readerSec)} (${(readerSec / viaReader * 1e6).toFixed(2)} us/key), ${(protobufSec / readerSec).toFixed(1)} x`);

  // the dense log with 3 planted 20-minute contacts on days 3, 8, 12
  const dense: OmamoriLog = { ...w.log, encounters: [...noise(SIGHTINGS_PER_DAY, 0, DAYS)] };
  for (const d of [3, 8, 12]) dense.encounters.push(...contact(dw, byDay[d][0] + 7, 600));
  const one = newHome(dir, "one");
  addToken(one, "bench", dense);
  t = performance.now();
  const fetched = omamori(one, ["keys", "fetch", "--source", zips]);
  console.log(`    omamori keys fetch: ${DAYS} files, ${n(total)} keys (unzip, signature, decode, .keys files, key store): ${took([fetched])}, peak RSS ${mb(fetched.rssKb * 1024)}`);
  const storeBytes = statSync(join(one, "keys", "store.bin")).size;
  console.log(`    key store: ${mb(storeBytes)} for ${n(total)} keys`);
  // care homes with 1 and with 20 residents, sharing these 14 days of keys (hard links)
  const homes: Record<number, string> = {};
  for (const tokens of [1, 20]) {
    const home = newHome(dir, `care-${tokens}`);
    shareKeys(one, home);
    for (let k = 0; k < tokens; k++) {
      const log: OmamoriLog = { ...w.log, encounters: noise(2000, 0, DAYS) };
      log.encounters.push(...contact(dw, byDay[2 + ((k * 5) % (DAYS - 2))][0] + 100 + k, 480));
      addToken(home, `resident${String(k + 1).padStart(2, "0")}`, log);
    }
    homes[tokens] = home;
  }

  const nowIso = new Date(NOW * 1000).toISOString();
  const nextIso = new Date((NOW + 86400) * 1000).toISOString();
  const full = checks(one, nowIso);
  console.log(`    load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (this machine has ${availableParallelism()} cores: wall times grow with other work, CPU times much less); each goal run ${RUNS} times from the same state`);
  const fullRss = Math.max(...full.map((r) => r.rssKb)) * 1024;
  console.log(`    GOAL 6M keys x dense 14-day log, omamori check (first, full): ${took(full)} (goal <= 5 s: ${verdict(full, 5)}), peak RSS ${mb(fullRss)} (goal <= 500 MB: ${fullRss <= 500 * 1048576 ? "met" : "NOT met"}), risky days ${riskyDays(full[0].stdout)} (3 planted)`);
  const again = omamori(one, ["check", "--offline", "--now", nowIso, "--json"]);
  console.log(`    the same check again, nothing changed (results reused): ${took([again])}`);
  const startup = omamori(one, ["--version"]);
  console.log(`    for scale: omamori --version ${took([startup])}`);

  // the next day: the new file fetched (untimed: "keys already downloaded"), a day of sightings synced
  fetchAndSync(one, nextZips, nextWorld, ["bench"]);
  const daily = checks(one, nextIso);
  const dailyRss = Math.max(...daily.map((r) => r.rssKb)) * 1024;
  console.log(`    GOAL daily check (${n(perDay)} new keys, a day of new sightings): ${took(daily)} (goal <= 1 s: ${verdict(daily, 1)}), peak RSS ${mb(dailyRss)}, risky days ${riskyDays(daily[0].stdout)} (4 planted)`);

  const care: Record<number, { full: CliRun[]; daily: CliRun[] }> = {};
  for (const tokens of [1, 20]) {
    const home = homes[tokens];
    const fullRuns = checks(home, nowIso);
    fetchAndSync(home, nextZips, nextWorld, readdirSync(join(home, "tokens")), 2000);
    care[tokens] = { full: fullRuns, daily: checks(home, nextIso) };
  }
  const ratio = (k: "full" | "daily", what: "wall" | "cpu") => (best(care[20][k], what) / best(care[1][k], what)).toFixed(2);
  console.log(`    GOAL 20 care-home tokens (2,000 encounters a day each) vs 1 (goal <= 1.2 x; best runs compared): full check ${took(care[20].full)} vs ${took(care[1].full)} = ${ratio("full", "wall")} x wall, ${ratio("full", "cpu")} x CPU; daily ${took(care[20].daily)} vs ${took(care[1].daily)} = ${ratio("daily", "wall")} x wall, ${ratio("daily", "cpu")} x CPU; peak RSS ${mb(Math.max(...care[20].full.map((r) => r.rssKb)) * 1024)}; risky days per token, full ${riskyDays(care[20].full[0].stdout)}, daily ${riskyDays(care[20].daily[0].stdout)}`);

  // omamori match straight from 14 signed zips of 1M keys, against the floor on the same keys
  const M = Math.min(1_000_000, total);
  const mZips = join(dir, "zips-1m");
  mkdirSync(mZips);
  const per = Math.ceil(M / DAYS);
  for (let d = 0; d < DAYS; d++) writeFileSync(join(mZips, `m${String(d).padStart(2, "0")}.zip`), zipOf(w, d * per, Math.min(M, (d + 1) * per), d));
  writeFileSync(join(dir, "match-log.json"), JSON.stringify(w.log));
  const pub = SIGNER.publicKey.export({ format: "der", type: "spki" }).toString("base64");
  const matchRuns: CliRun[] = [];
  const floorRuns: FloorRun[] = [];
  if (floorExe) writeFileSync(join(dir, "floor-1m.bin"), floorInput(w, M));
  for (let round = 0; round < Math.max(3, RUNS); round++) {
    if (floorExe) floorRuns.push(runFloor(floorExe, join(dir, "floor-1m.bin")));
    matchRuns.push(omamori(one, ["match", "--keys", mZips, "--log", join(dir, "match-log.json"), "--public-key", pub, "--now", nowIso, "--json"]));
  }
  const bestMatch = Math.min(...matchRuns.map((r) => r.wall));
  let found = "?";
  try { found = String(JSON.parse(matchRuns[0].stdout).matching.matchedIdentifiers); } catch { /* reported below */ }
  if (floorExe) {
    const bestFloor = Math.min(...floorRuns.map((r) => r.wall));
    const matchCpu = Math.min(...matchRuns.map((r) => r.cpu)), floorCpu = Math.min(...floorRuns.map((r) => r.cpuSeconds));
    const pairs = matchRuns.map((r, k) => r.wall / floorRuns[k].wall);
    console.log(`    GOAL omamori match --keys (14 signed zips, ${n(M)} keys) --log (${n(w.log.encounters.length)} sightings) --json: ${took(matchRuns)} vs the floor's ${range(floorRuns.map((f) => f.wall))} (CPU ${range(floorRuns.map((f) => f.cpuSeconds))}) on the same keys, run alternately: best ${(bestMatch / bestFloor).toFixed(2)} x wall, ${(matchCpu / floorCpu).toFixed(2)} x CPU, run by run ${range(pairs).replace(/ s$/, "")} x wall (goal <= 1.5 x: ${bestMatch <= 1.5 * bestFloor ? "met" : "NOT met"}); identifiers matched ${found} (${w.planted.filter((x) => Number(x.split("/")[0]) < M).length} planted), peak RSS ${mb(Math.max(...matchRuns.map((r) => r.rssKb)) * 1024)}`);
  } else console.log(`    omamori match on ${n(M)} keys from zips: ${s(bestMatch)} (no floor to compare)`);
}

/** The next day's file into the cache (untimed), and a day of sightings (with one contact) synced into each token's log. */
function fetchAndSync(home: string, nextZips: string, nextWorld: World, tokens: string[], perDay = SIGHTINGS_PER_DAY): void {
  omamori(home, ["keys", "fetch", "--source", nextZips]);
  syncDay(home, nextWorld, tokens, perDay);
}

function syncDay(home: string, nextWorld: World, tokens: string[], perDay: number): void {
  tokens.forEach((id, k) => {
    const path = join(home, "tokens", id, "log.json");
    const log = JSON.parse(readFileSync(path, "utf8")) as OmamoriLog;
    log.encounters.push(...noise(perDay, DAYS, DAYS + 1), ...contact(nextWorld, 11 + k, 300));
    writeFileSync(path, JSON.stringify(log));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === "--run") {
    await childRun(process.argv[3], process.argv[4], Number(process.argv[5]));
    return;
  }
  const total = Math.max(PART === "2" ? 0 : Math.max(...SIZES), PART === "1" ? 0 : NATIONAL);
  console.log(`bench/match: up to ${n(total)} keys over ${DAYS} days; dense log ${n(DAYS * SIGHTINGS_PER_DAY)} sightings + ${PLANTED} planted`);
  const dir = mkdtempSync(join(tmpdir(), "omamori-bench-match-"));
  try {
    let t = performance.now();
    const w = makeWorld(total);
    console.log(`  world generated in ${s((performance.now() - t) / 1000, 1)}`);
    t = performance.now();
    const floorExe = compileFloor(dir);
    if (floorExe) console.log(`  floor compiled (cc -O3 -msse4.1 -maes -msha bench/floor/floor.c)`);
    if (PART !== "2") await part1(w, dir, floorExe);
    if (PART !== "1") await part2(w, dir, floorExe);
  } finally {
    if (process.env.BENCH_KEEP === "1") console.log(`  kept ${dir} (BENCH_KEEP=1)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
