/**
 * One matcher thread (parallelMatch.ts): builds its own SightingIndex from the log, matches its
 * share of the keys straight from the shared key columns, and posts the raw matches back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { findMatches } from "./engine";
import type { ContactLog } from "./logFormat";
import { SightingIndex } from "./sightingIndex";

export interface MatchJob {
  log: ContactLog;
  keyData: Uint8Array;
  rollingStart: Uint32Array;
  rollingPeriod: Uint8Array;
  count: number;
  from: number;
  to: number;
}

const job = workerData as MatchJob;
const run = findMatches(new SightingIndex(job.log), job, job.from, job.to);
parentPort!.postMessage(run);
