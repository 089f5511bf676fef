/**
 * The matcher's hot loop: which diagnosis keys produced identifiers that are in the log
 * (docs/spec/gaen-protocol.md sections 1 and 7; docs/MATCHING.md section 2).
 *
 * For each key: take the intervals of its validity that have a sighting within +-12 intervals
 * (SightingIndex.near); if there are none, skip the key without any crypto. Otherwise derive
 * RPIK (fastRpik: six SHA-256 compressions), then the RPIs of the first..last such interval with
 * ONE AES-128-ECB call over prebuilt PaddedData blocks, and look each one up: a 3-byte bit
 * filter, then the 6-byte prefix map, then the remaining stored bytes. A hit counts only when one
 * of the encounter's scans lies within +-12 intervals of the identifier's interval.
 *
 * Equal to the plain derivation by test/match/engine.test.ts; see bench/match.ts for speed.
 */
import { createCipheriv } from "node:crypto";
import { eninFromUnixSeconds } from "../../common/gaen/interval";
import { rpikInto } from "./fastRpik";
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

function anyScanNear(index: SightingIndex, encounter: number, enin: number): boolean {
  const e = index.encounters[encounter];
  const tol = index.tolerance;
  if (e.lastEnin < enin - tol || e.firstEnin > enin + tol) return false;
  for (const s of e.scans) {
    const k = eninFromUnixSeconds(s.t);
    if (k >= enin - tol && k <= enin + tol) return true;
  }
  return false;
}

/** Match keys [from, to) of `keys` against the log. */
export function findMatches(index: SightingIndex, keys: MatchableKeys, from = 0, to = keys.count): MatchRun {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > keys.count || from > to) {
    throw new RangeError(`key range must satisfy 0 <= from <= to <= ${keys.count}, got ${from}..${to}`);
  }
  const run: MatchRun = { matches: [], keysChecked: 0, keysDerived: 0, identifiersDerived: 0 };
  const { base, span, near, paddedBlocks, filter, byPrefix, encounters } = index;
  if (span === 0) {
    for (let i = from; i < to; i++) if (keys.rollingPeriod[i] !== 0) run.keysChecked++;
    return run;
  }
  const rpik = Buffer.alloc(16);
  const starts = keys.rollingStart;
  const periods = keys.rollingPeriod;
  for (let i = from; i < to; i++) {
    const period = periods[i];
    if (period === 0) continue; // revoked
    run.keysChecked++;
    const s = starts[i];
    let lo = s - base;
    let hi = s + period - 1 - base;
    if (hi < 0 || lo >= span) continue;
    if (lo < 0) lo = 0;
    if (hi >= span) hi = span - 1;
    while (lo <= hi && near[lo] === 0) lo++;
    while (hi >= lo && near[hi] === 0) hi--;
    if (lo > hi) continue;
    run.keysDerived++;
    rpikInto(keys.keyData, 16 * i, rpik, 0);
    const cipher = createCipheriv("aes-128-ecb", rpik, null);
    cipher.setAutoPadding(false);
    const rpis = cipher.update(paddedBlocks.subarray(16 * lo, 16 * (hi + 1)));
    const n = hi - lo + 1;
    run.identifiersDerived += n;
    for (let j = 0; j < n; j++) {
      const o = 16 * j;
      const v = (rpis[o] << 16) | (rpis[o + 1] << 8) | rpis[o + 2];
      if ((filter[v >>> 3] & (1 << (v & 7))) === 0) continue;
      const candidates = byPrefix.get(prefix48(rpis, o));
      if (!candidates) continue;
      const enin = base + lo + j;
      for (const c of candidates) {
        const stored = encounters[c].rpi;
        let same = true;
        for (let b = 6; b < stored.length; b++) if (stored[b] !== rpis[o + b]) { same = false; break; }
        if (!same || !anyScanNear(index, c, enin)) continue;
        run.matches.push({ keyIndex: i, enin, encounter: c, rpi: new Uint8Array(rpis.subarray(o, o + 16)) });
      }
    }
  }
  return run;
}
