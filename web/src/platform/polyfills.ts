/**
 * What a page that is not cross-origin isolated lacks: SharedArrayBuffer. The key set and the match
 * plan (host-tools/match/keySet.ts, matchPlan.ts) keep their columns in shared memory so matcher
 * threads read them without a copy; without isolation they live in ordinary buffers and each thread
 * gets a copy (correct, slower to start). `omamori web` serves the app isolated (COOP/COEP headers).
 */
const g = globalThis as unknown as { SharedArrayBuffer?: unknown };
if (typeof g.SharedArrayBuffer === "undefined") g.SharedArrayBuffer = ArrayBuffer;
export {};
