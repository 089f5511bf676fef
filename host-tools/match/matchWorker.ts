/**
 * One JS matcher thread (matchTargets.ts, used when the native addon is not available): matches
 * its share of the keys against the plan, reading both from shared memory, and posts the hits.
 */
import { parentPort, workerData } from "node:worker_threads";
import { findMatchesInPlan, type MatchableKeys } from "./engine";
import type { MatchPlanArrays } from "./matchPlan";

export interface MatchJob {
  plan: MatchPlanArrays;
  keys: MatchableKeys;
  from: number;
  to: number;
}

const job = workerData as MatchJob;
parentPort!.postMessage(findMatchesInPlan(job.plan, job.keys, job.from, job.to));
