/**
 * findMatches on every core: the key range is split evenly between worker threads that read the
 * KeySet's shared columns without copying (keySet.ts), each with its own SightingIndex of the
 * same log (so encounter numbers agree). Sets under PARALLEL_MIN_KEYS stay on this thread, where
 * starting threads would cost more than it saves.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { findMatches, type MatchableKeys, type MatchRun } from "./engine";
import type { ContactLog } from "./logFormat";
import type { MatchJob } from "./matchWorker";
import type { SightingIndex } from "./sightingIndex";

/** Below this many keys one thread is used. */
export const PARALLEL_MIN_KEYS = 200_000;

const WORKER_URL = new URL("./matchWorker.mjs", import.meta.url);

function runWorker(job: MatchJob): Promise<MatchRun> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: job });
    w.once("message", (m: MatchRun) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error("matcher thread stopped with code " + code));
    });
  });
}

/** Matches like findMatches(index, keys); `threads` defaults to the number of cores. */
export async function findMatchesParallel(
  log: ContactLog, index: SightingIndex, keys: MatchableKeys, threads = availableParallelism(), minKeys = PARALLEL_MIN_KEYS,
): Promise<MatchRun> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError("threads must be a positive integer, got " + threads);
  if (threads === 1 || keys.count < minKeys || index.encounters.length === 0) return findMatches(index, keys);
  const per = Math.ceil(keys.count / threads);
  const jobs: Promise<MatchRun>[] = [];
  for (let from = 0; from < keys.count; from += per) {
    jobs.push(runWorker({ log, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: keys.rollingPeriod, count: keys.count, from, to: Math.min(keys.count, from + per) }));
  }
  const runs = await Promise.all(jobs);
  const total: MatchRun = { matches: [], keysChecked: 0, keysDerived: 0, identifiersDerived: 0 };
  for (const r of runs) {
    for (const m of r.matches) total.matches.push({ ...m, rpi: new Uint8Array(m.rpi) });
    total.keysChecked += r.keysChecked;
    total.keysDerived += r.keysDerived;
    total.identifiersDerived += r.identifiersDerived;
  }
  return total;
}
