/**
 * The matcher's hot loop in JavaScript: the reference for the native matcher (native/matcher,
 * the same rules in C) and the engine used when the addon is not built (docs/spec/gaen-protocol.md sections 1 and 7).
 *
 * For each key: the intervals of its validity that are near a sighting of a log taking the key
 * (MatchPlan: nearAll, or the near array of each key class that holds it); if there are none,
 * the key costs no crypto. Otherwise derive RPIK once (fastRpik: six SHA-256 compressions),
 * then the identifiers of the first..last such interval with ONE AES-128-ECB call over prebuilt
 * PaddedData blocks, and look each one up in every log of the plan at once: a 3-byte bit filter,
 * then the 6-byte prefix map, then the remaining stored bytes. A hit counts when the entry's log
 * takes the key and one of the entry's scans lies within its tolerance of the interval.
 *
 * Equal to the plain derivation and to the addon by test/match/engine.test.ts and
 * test/match/nativeMatcher.test.ts; see bench/match.ts for speed.
 */
import { createCipheriv } from "node:crypto";
import { paddedData } from "../../common/gaen/paddedData";
import { rpikInto } from "./fastRpik";
import { MatchPlan, type MatchPlanArrays } from "./matchPlan";
import { prefix48, type SightingIndex } from "./sightingIndex";

export interface RawMatch {
  /** Index of the key in the KeySet. */
  keyIndex: number;
  /** Interval the identifier belongs to. */
  enin: number;
  /** Index of the encounter in the SightingIndex. */
  encounter: number;
  /** The full derived identifier (16 bytes), needed to decrypt the AEM of a prefix-only entry. */
  rpi: Uint8Array;
}

/** The key columns the matcher reads (a KeySet, or its shared arrays inside a matcher thread). */
export interface MatchableKeys {
  count: number;
  keyData: Uint8Array;
  rollingStart: Uint32Array;
  /** 0 = revoked (skipped). */
  rollingPeriod: Uint8Array;
}

export interface MatchRun {
  matches: RawMatch[];
  /** Keys looked at (revoked ones excluded). */
  keysChecked: number;
  /** Keys for which identifiers were derived (the rest had no sighting near their validity). */
  keysDerived: number;
  /** Identifiers derived in total. */
  identifiersDerived: number;
}

/** What one pass over a plan found: hits h = (keyIndex[h], enin[h], plan entry[h], rpi 16 h..). */
export interface PassResult {
  keyIndex: Uint32Array;
  enin: Uint32Array;
  entry: Uint32Array;
  rpi: Uint8Array;
  keysDerived: number;
  identifiersDerived: number;
}

const FILTER_BITS = 24;

/** Lookup structures of a plan for the JS loop (built per call: cheap next to the crypto). */
function lookups(plan: MatchPlanArrays) {
  const { span, nearAll, classNear, entryId, entryLen } = plan;
  const classes = classNear.length;
  const paddedBlocks = new Uint8Array(16 * span);
  for (let j = 0; j < span; j++) paddedBlocks.set(paddedData(plan.base + j), 16 * j);
  // near for every combination of classes a key can belong to
  const combos: Uint8Array[] = [];
  for (let m = 0; m < 1 << classes; m++) {
    const u = new Uint8Array(span);
    for (let j = 0; j < span; j++) {
      let v = nearAll ? nearAll[j] : 0;
      for (let c = 0; c < classes; c++) if (m & (1 << c)) v |= classNear[c][j];
      u[j] = v ? 1 : 0;
    }
    combos.push(u);
  }
  const filter = new Uint8Array(1 << (FILTER_BITS - 3));
  const byPrefix = new Map<number, number[]>();
  for (let e = 0; e < entryLen.length; e++) {
    const o = 16 * e;
    const v = (entryId[o] << 16) | (entryId[o + 1] << 8) | entryId[o + 2];
    filter[v >>> 3] |= 1 << (v & 7);
    const p = prefix48(entryId, o);
    const list = byPrefix.get(p);
    if (list) list.push(e);
    else byPrefix.set(p, [e]);
  }
  return { paddedBlocks, combos, filter, byPrefix };
}

function anyScanNear(plan: MatchPlanArrays, e: number, enin: number): boolean {
  const tol = plan.entryTolerance[e];
  const { scanStart, scanEnin } = plan;
  for (let s = scanStart[e]; s < scanStart[e + 1]; s++) {
    const k = scanEnin[s];
    if (k > enin + tol) return false;
    if (k >= enin - tol) return true;
  }
  return false;
}

/** Match keys [from, to) against every log of the plan. */
export function findMatchesInPlan(plan: MatchPlanArrays, keys: MatchableKeys, from = 0, to = keys.count): PassResult {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > keys.count || from > to) {
    throw new RangeError(`key range must satisfy 0 <= from <= to <= ${keys.count}, got ${from}..${to}`);
  }
  const hitKey: number[] = [], hitEnin: number[] = [], hitEntry: number[] = [], hitRpi: Uint8Array[] = [];
  let keysDerived = 0, identifiersDerived = 0;
  const { base, span, nearAll, classMasks, entryId, entryLen, entryClass } = plan;
  if (span > 0 && (nearAll || classMasks.length > 0)) {
    const { paddedBlocks, combos, filter, byPrefix } = lookups(plan);
    const rpik = Buffer.alloc(16);
    const starts = keys.rollingStart;
    const periods = keys.rollingPeriod;
    const classes = classMasks.length;
    for (let i = from; i < to; i++) {
      const period = periods[i];
      if (period === 0) continue; // revoked
      let lo = starts[i] - base;
      let hi = lo + period - 1;
      if (hi < 0 || lo >= span) continue;
      if (lo < 0) lo = 0;
      if (hi >= span) hi = span - 1;
      let m = 0;
      for (let c = 0; c < classes; c++) if (classMasks[c][i]) m |= 1 << c;
      if (m === 0 && !nearAll) continue;
      const u = combos[m];
      while (lo <= hi && u[lo] === 0) lo++;
      while (hi >= lo && u[hi] === 0) hi--;
      if (lo > hi) continue;
      keysDerived++;
      rpikInto(keys.keyData, 16 * i, rpik, 0);
      const cipher = createCipheriv("aes-128-ecb", rpik, null);
      cipher.setAutoPadding(false);
      const rpis = cipher.update(paddedBlocks.subarray(16 * lo, 16 * (hi + 1)));
      const n = hi - lo + 1;
      identifiersDerived += n;
      for (let j = 0; j < n; j++) {
        const o = 16 * j;
        const v = (rpis[o] << 16) | (rpis[o + 1] << 8) | rpis[o + 2];
        if ((filter[v >>> 3] & (1 << (v & 7))) === 0) continue;
        const candidates = byPrefix.get(prefix48(rpis, o));
        if (!candidates) continue;
        const enin = base + lo + j;
        for (const e of candidates) {
          let same = true;
          for (let b = 6; b < entryLen[e]; b++) if (entryId[16 * e + b] !== rpis[o + b]) { same = false; break; }
          if (!same) continue;
          const c = entryClass[e];
          if (c >= 0 && !classMasks[c][i]) continue;
          if (!anyScanNear(plan, e, enin)) continue;
          hitKey.push(i);
          hitEnin.push(enin);
          hitEntry.push(e);
          hitRpi.push(rpis.subarray(o, o + 16));
        }
      }
    }
  }
  const rpi = new Uint8Array(16 * hitRpi.length);
  hitRpi.forEach((r, h) => rpi.set(r, 16 * h));
  return { keyIndex: Uint32Array.from(hitKey), enin: Uint32Array.from(hitEnin), entry: Uint32Array.from(hitEntry), rpi, keysDerived, identifiersDerived };
}

/** Keys in [from, to) that are not revoked and that `mask` takes (every key when absent). */
export function countKeysChecked(keys: MatchableKeys, mask: Uint8Array | undefined, from = 0, to = keys.count): number {
  let n = 0;
  const p = keys.rollingPeriod;
  if (mask) {
    for (let i = from; i < to; i++) if (p[i] !== 0 && mask[i]) n++;
  } else {
    for (let i = from; i < to; i++) if (p[i] !== 0) n++;
  }
  return n;
}

/** The matches of each target of a pass, as RawMatch (encounter numbers of its SightingIndex). */
export function matchesByTarget(plan: MatchPlan, pass: PassResult): RawMatch[][] {
  const out: RawMatch[][] = plan.targets.map(() => []);
  for (let h = 0; h < pass.entry.length; h++) {
    const e = pass.entry[h];
    out[plan.entryTarget[e]].push({ keyIndex: pass.keyIndex[h], enin: pass.enin[h], encounter: plan.entryEncounter[e], rpi: pass.rpi.slice(16 * h, 16 * h + 16) });
  }
  return out;
}

/** Match keys [from, to) of `keys` against one log, on this thread, in JavaScript. */
export function findMatches(index: SightingIndex, keys: MatchableKeys, from = 0, to = keys.count): MatchRun {
  const plan = new MatchPlan([{ index }]);
  const pass = findMatchesInPlan(plan, keys, from, to);
  return {
    matches: matchesByTarget(plan, pass)[0],
    keysChecked: countKeysChecked(keys, undefined, from, to),
    keysDerived: pass.keysDerived,
    identifiersDerived: pass.identifiersDerived,
  };
}
