/**
 * One matcher thread of the web app (a Web Worker started by the check through the
 * `node:worker_threads` stand-in, web/src/platform/workerThreads.ts): the job matchTargets.ts gives
 * a Node thread, matched with the same engine (host-tools/match/engine.ts), in slices so it can say
 * how far it is. Slices of one key range give exactly the hits of one pass over it, in order.
 */
import "../platform/staticMount"; // host modules below read repository files when they load
import { findMatchesInPlan, type MatchableKeys, type PassResult } from "../../../host-tools/match/engine";
import type { MatchPlanArrays } from "../../../host-tools/match/matchPlan";

const SLICE = 20000;

self.onmessage = (e: MessageEvent<{ plan: MatchPlanArrays; keys: MatchableKeys; from: number; to: number }>) => {
  const { plan, keys, from, to } = e.data;
  try {
    const parts: PassResult[] = [];
    for (let a = from; a < to; a += SLICE) {
      parts.push(findMatchesInPlan(plan, keys, a, Math.min(to, a + SLICE)));
      (self as unknown as Worker).postMessage({ progress: Math.min(to, a + SLICE) - from });
    }
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
    (self as unknown as Worker).postMessage({ result: out });
  } catch (err) {
    (self as unknown as Worker).postMessage({ error: (err as Error).message });
  }
};
