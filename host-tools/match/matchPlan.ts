/**
 * What one matching pass looks up, flattened into typed arrays: the logged identifiers of one or
 * more logs ("targets"), so that each diagnosis key's identifiers are derived once and looked up
 * in every log (a care home checks many tokens in one pass).
 *
 * A target is a log (SightingIndex) and the keys it takes: every key, or those of a byte mask
 * (the incremental check matches new keys against a whole log and older keys against its newest
 * sightings only). Targets that share one mask object form one key class.
 *
 * For the engines (engine.ts in JS, the native addon in C) the plan holds:
 *   base, span        the intervals base .. base + span - 1 that any target can need
 *   nearAll           nearAll[j] = 1 when interval base + j lies within the tolerance of a scan of
 *                     a target that takes every key (null when there is no such target)
 *   classMasks[c]     the key mask of class c; classNear[c] as nearAll for its targets
 *   entry*            every logged identifier of every target: 16 bytes (zero after entryLen),
 *                     the class it takes (-1 = every key), its tolerance in intervals, its scans'
 *                     intervals (scanEnin[scanStart[e] .. scanStart[e + 1]), ascending), and
 *                     which target and encounter it is.
 * Arrays live in SharedArrayBuffers so JS matcher threads read them without a copy.
 */
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import type { SightingIndex } from "./sightingIndex";

/** Key classes one plan can hold (the native matcher precomputes every combination). */
export const MAX_KEY_CLASSES = 6;

export interface MatchTarget {
  index: SightingIndex;
  /** keys[i] = 1 when key i is matched against this log; absent = every key. */
  keys?: Uint8Array;
  /** How many keys it takes that are not revoked, when the caller counted them already. */
  checked?: number;
}

function shared<T extends Uint8Array | Int8Array | Uint32Array>(make: new (b: SharedArrayBuffer) => T, bytesPer: number, n: number): T {
  return new make(new SharedArrayBuffer(Math.max(1, n) * bytesPer));
}

export interface MatchPlanArrays {
  base: number;
  span: number;
  nearAll: Uint8Array | null;
  classMasks: Uint8Array[];
  classNear: Uint8Array[];
  entryId: Uint8Array;
  entryLen: Uint8Array;
  entryClass: Int8Array;
  entryTolerance: Uint8Array;
  scanStart: Uint32Array;
  scanEnin: Uint32Array;
}

export class MatchPlan implements MatchPlanArrays {
  readonly base: number;
  readonly span: number;
  readonly nearAll: Uint8Array | null;
  readonly classMasks: Uint8Array[] = [];
  readonly classNear: Uint8Array[] = [];
  readonly entryId: Uint8Array;
  readonly entryLen: Uint8Array;
  readonly entryClass: Int8Array;
  readonly entryTolerance: Uint8Array;
  readonly scanStart: Uint32Array;
  readonly scanEnin: Uint32Array;
  /** Target and encounter number of each entry. */
  readonly entryTarget: Uint32Array;
  readonly entryEncounter: Uint32Array;
  /** Class of each target (-1 = every key). */
  readonly targetClass: number[];

  constructor(readonly targets: MatchTarget[]) {
    const classOf = new Map<Uint8Array, number>();
    this.targetClass = targets.map((t) => {
      if (!t.keys) return -1;
      let c = classOf.get(t.keys);
      if (c === undefined) {
        c = classOf.size;
        if (c >= MAX_KEY_CLASSES) throw new RangeError(`a matching pass takes at most ${MAX_KEY_CLASSES} distinct key masks`);
        classOf.set(t.keys, c);
        this.classMasks.push(t.keys);
      }
      return c;
    });
    let lo = Infinity, hi = -Infinity, entries = 0, scans = 0;
    for (const { index } of targets) {
      const { scanStart, scanTime, tolerance } = index;
      for (let i = 0; i < index.count; i++) {
        lo = Math.min(lo, eninFromUnixSeconds(scanTime[scanStart[i]]) - tolerance);
        hi = Math.max(hi, eninFromUnixSeconds(scanTime[scanStart[i + 1] - 1]) + tolerance);
      }
      entries += index.count;
      scans += index.scanStart[index.count];
    }
    this.base = entries === 0 ? 0 : Math.max(0, lo);
    this.span = entries === 0 ? 0 : hi - this.base + 1;
    const needAll = this.targetClass.some((c) => c < 0);
    this.nearAll = needAll ? shared(Uint8Array, 1, this.span).subarray(0, this.span) : null;
    for (let c = 0; c < this.classMasks.length; c++) this.classNear.push(shared(Uint8Array, 1, this.span).subarray(0, this.span));
    this.entryId = shared(Uint8Array, 16, entries).subarray(0, 16 * entries);
    this.entryLen = shared(Uint8Array, 1, entries).subarray(0, entries);
    this.entryClass = shared(Int8Array, 1, entries).subarray(0, entries);
    this.entryTolerance = shared(Uint8Array, 1, entries).subarray(0, entries);
    this.entryTarget = shared(Uint32Array, 4, entries).subarray(0, entries);
    this.entryEncounter = shared(Uint32Array, 4, entries).subarray(0, entries);
    this.scanStart = shared(Uint32Array, 4, entries + 1).subarray(0, entries + 1);
    const scanEnin = shared(Uint32Array, 4, scans);
    const diff = new Int32Array(this.span + 1);
    let e = 0, s = 0;
    targets.forEach(({ index }, ti) => {
      const tol = index.tolerance;
      if (tol > 255) throw new RangeError("clock tolerance above 255 intervals");
      const c = this.targetClass[ti];
      const near = c < 0 ? this.nearAll! : this.classNear[c];
      const n = index.count;
      this.entryId.set(index.rpi, 16 * e);
      this.entryLen.set(index.rpiLength, e);
      this.entryClass.fill(c, e, e + n);
      this.entryTolerance.fill(tol, e, e + n);
      this.entryTarget.fill(ti, e, e + n);
      diff.fill(0);
      const { scanStart, scanTime } = index;
      for (let i = 0; i < n; i++, e++) {
        this.entryEncounter[e] = i;
        this.scanStart[e] = s;
        let last = -1;
        for (let j = scanStart[i]; j < scanStart[i + 1]; j++) {
          const k = eninFromUnixSeconds(scanTime[j]);
          if (k === last) continue;
          scanEnin[s++] = k;
          last = k;
          diff[Math.max(0, k - tol - this.base)]++;
          diff[k + tol - this.base + 1]--;
        }
      }
      let run = 0;
      for (let j = 0; j < this.span; j++) {
        run += diff[j];
        if (run > 0) near[j] = 1;
      }
    });
    this.scanStart[entries] = s;
    this.scanEnin = scanEnin.subarray(0, s);
  }

  /** The flat arrays (what the engines and matcher threads need). */
  arrays(): MatchPlanArrays {
    const { base, span, nearAll, classMasks, classNear, entryId, entryLen, entryClass, entryTolerance, scanStart, scanEnin } = this;
    return { base, span, nearAll, classMasks, classNear, entryId, entryLen, entryClass, entryTolerance, scanStart, scanEnin };
  }
}
