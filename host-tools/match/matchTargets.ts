/**
 * One matching pass over one or more logs, on the fastest engine available: the native addon
 * (nativeMatcher.ts; threads inside it) or, without it, engine.ts, on every core through worker
 * threads for large key sets (matchWorker.ts reads the plan's and the keys' shared arrays without
 * a copy). Each key's identifiers are derived once for all the logs (matchPlan.ts).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { countKeysChecked, findMatchesInPlan, matchesByTarget, type MatchableKeys, type MatchRun, type PassResult } from "./engine";
import { MAX_KEY_CLASSES, MatchPlan, type MatchTarget } from "./matchPlan";
import type { MatchJob } from "./matchWorker";
import { matcherStatus, nativeMatcher, type MatcherStatus } from "./nativeMatcher";

/** Below this many keys the JS engine stays on this thread (starting threads would cost more). */
export const PARALLEL_MIN_KEYS = 200_000;

const WORKER_URL = new URL("./matchWorker.mjs", import.meta.url);

export interface PassOptions {
  /** Threads to use (default: every core). */
  threads?: number;
  /** "js" forces the JavaScript engine (tests and the bench compare the two). */
  engine?: "auto" | "js";
  /** Smallest key set the JS engine spreads over threads. */
  minKeysForThreads?: number;
}

export interface TargetsRun {
  /** Per target, in order: its matches (encounters of its SightingIndex) and the keys it took. */
  runs: MatchRun[];
  /** Keys whose identifiers were derived, and identifiers derived, for all targets together. */
  keysDerived: number;
  identifiersDerived: number;
  /** The engine that matched. */
  engine: MatcherStatus;
}

function runWorker(job: MatchJob): Promise<PassResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: job });
    w.once("message", (m: PassResult) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error("matcher thread stopped with code " + code));
    });
  });
}

async function jsPass(plan: MatchPlan, keys: MatchableKeys, threads: number, minKeys: number): Promise<PassResult> {
  if (threads === 1 || keys.count < minKeys || plan.span === 0) return findMatchesInPlan(plan, keys);
  const per = Math.ceil(keys.count / threads);
  const jobs: Promise<PassResult>[] = [];
  const { count, keyData, rollingStart, rollingPeriod } = keys;
  for (let from = 0; from < count; from += per) {
    jobs.push(runWorker({ plan: plan.arrays(), keys: { count, keyData, rollingStart, rollingPeriod }, from, to: Math.min(count, from + per) }));
  }
  const parts = await Promise.all(jobs);
  const hits = parts.reduce((n, p) => n + p.entry.length, 0);
  const out: PassResult = { keyIndex: new Uint32Array(hits), enin: new Uint32Array(hits), entry: new Uint32Array(hits), rpi: new Uint8Array(16 * hits), keysDerived: 0, identifiersDerived: 0 };
  let h = 0;
  for (const p of parts) {
    out.keyIndex.set(p.keyIndex, h);
    out.enin.set(p.enin, h);
    out.entry.set(p.entry, h);
    out.rpi.set(p.rpi, 16 * h);
    h += p.entry.length;
    out.keysDerived += p.keysDerived;
    out.identifiersDerived += p.identifiersDerived;
  }
  return out;
}

/** Targets in groups of at most MAX_KEY_CLASSES distinct key masks (one pass each). */
function groups(targets: MatchTarget[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let masks = new Set<Uint8Array>();
  targets.forEach((t, i) => {
    if (t.keys && !masks.has(t.keys) && masks.size === MAX_KEY_CLASSES) {
      out.push(cur);
      cur = [];
      masks = new Set();
    }
    if (t.keys) masks.add(t.keys);
    cur.push(i);
  });
  if (cur.length) out.push(cur);
  return out;
}

/** Match `keys` against every target; each key's identifiers are derived once per pass. */
export async function matchTargets(keys: MatchableKeys, targets: MatchTarget[], opts: PassOptions = {}): Promise<TargetsRun> {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError("threads must be a positive integer, got " + threads);
  const addon = opts.engine === "js" ? null : nativeMatcher();
  const engine: MatcherStatus = addon ? matcherStatus() : opts.engine === "js" ? { engine: "js", reason: "the JavaScript engine was asked for" } : matcherStatus();
  const runs: MatchRun[] = new Array(targets.length);
  let keysDerived = 0, identifiersDerived = 0;
  // keys each target takes, counted once per distinct mask (20 logs share one or two)
  const checked = new Map<Uint8Array | undefined, number>();
  const keysChecked = (mask: Uint8Array | undefined): number => {
    let c = checked.get(mask);
    if (c === undefined) checked.set(mask, (c = countKeysChecked(keys, mask)));
    return c;
  };
  for (const group of groups(targets)) {
    const plan = new MatchPlan(group.map((i) => targets[i]));
    const pass = addon
      ? addon.match({ ...plan.arrays(), count: keys.count, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: keys.rollingPeriod, from: 0, to: keys.count, threads })
      : await jsPass(plan, keys, threads, opts.minKeysForThreads ?? PARALLEL_MIN_KEYS);
    keysDerived += pass.keysDerived;
    identifiersDerived += pass.identifiersDerived;
    const matches = matchesByTarget(plan, pass);
    group.forEach((ti, g) => {
      runs[ti] = {
        matches: matches[g],
        keysChecked: targets[ti].checked ?? keysChecked(targets[ti].keys),
        keysDerived: pass.keysDerived,
        identifiersDerived: pass.identifiersDerived,
      };
    });
  }
  return { runs, keysDerived, identifiersDerived, engine };
}
