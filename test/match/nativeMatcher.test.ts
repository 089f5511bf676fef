import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createCipheriv, randomBytes, randomInt } from "node:crypto";
import { fromHex, toHex } from "../../common/bytes";
import { paddedData } from "../../common/gaen/paddedData";
import { fastCrypto } from "../../host-tools/gaen/crypto";
import { findMatchesInPlan, type PassResult } from "../../host-tools/match/engine";
import { fastRpik } from "../../host-tools/match/fastRpik";
import { ABSENT, KeySet } from "../../host-tools/match/keySet";
import type { OmamoriLog, LogEncounter } from "../../host-tools/log/omamoriLog";
import { MatchPlan, type MatchTarget } from "../../host-tools/match/matchPlan";
import { matchTargets } from "../../host-tools/match/matchTargets";
import { matcherStatus, nativeMatcher, type NativeAddon } from "../../host-tools/match/nativeMatcher";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { officialVectors } from "../helpers/vectors";
import { DAY0_ENIN } from "./logBuilder";

const hasCompiler = ["cc", "gcc", "clang"].some((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
const addon = process.env.OMAMORI_MATCHER === "js" ? null : nativeMatcher();

function aesEcb(key: Uint8Array, blocks: Uint8Array): string {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return c.update(blocks).toString("hex");
}

/** Hits of a pass as sorted strings, for comparing engines. */
function hits(r: PassResult): string[] {
  const out: string[] = [];
  for (let h = 0; h < r.entry.length; h++) out.push(`${r.keyIndex[h]}/${r.enin[h]}/${r.entry[h]}/${toHex(r.rpi.subarray(16 * h, 16 * h + 16))}`);
  return out.sort();
}

/**
 * A random world: keys over 4 days (some revoked, some with short periods, some far outside the
 * logs), three logs with different clock tolerances and stored prefix lengths, identifiers
 * planted at and just beyond the tolerance edges, prefix collisions, and two key classes.
 */
function randomWorld(nKeys: number) {
  const keys = new KeySet(nKeys);
  const data = randomBytes(16 * nKeys);
  for (let i = 0; i < nKeys; i++) {
    const far = i % 97 === 0;
    const start = far ? DAY0_ENIN - 144 * 40 : DAY0_ENIN + 144 * (i % 4) + (i % 11 === 0 ? randomInt(100) : 0);
    const period = i % 13 === 0 ? 1 + randomInt(144) : 144;
    keys.add(data, 16 * i, { rollingStart: start, rollingPeriod: period, reportType: 1, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
    if (i % 17 === 0) keys.revoke(i);
  }
  const logs: OmamoriLog[] = [];
  for (let l = 0; l < 3; l++) {
    const encounters: LogEncounter[] = [];
    const prefix = [6, 16, 10][l];
    // noise spread over the 4 days, sparse enough that some keys need no crypto
    for (let n = 0; n < 150; n++) {
      const t = (DAY0_ENIN + randomInt(4 * 144)) * 600 + randomInt(600);
      encounters.push({ rpi: toHex(randomBytes(prefix)), aem: "00000000", scans: [{ t, count: 1, rssiMax: -70, rssiMean: -70 }] });
    }
    for (let p = 0; p < 40; p++) {
      const i = randomInt(nKeys);
      const k = keys.rollingStart[i] + randomInt(keys.rollingPeriod[i] || 144);
      const rpi = fastCrypto.rpi(fastCrypto.rpik(keys.keyData.slice(16 * i, 16 * i + 16)), k);
      const tol = 12 + 3 * l;
      // at the edge (matches), one beyond it (does not), or in the interval itself
      const offset = [0, tol, -tol, tol + 1, -(tol + 1), 5][p % 6];
      const scans = [{ t: (k + offset) * 600 + randomInt(600), count: 2, rssiMax: -60, rssiMean: -61 }];
      if (p % 5 === 0) scans.push({ t: (k + offset + 40) * 600, count: 1, rssiMax: -60, rssiMean: -60 });
      encounters.push({ rpi: toHex(rpi.subarray(0, prefix)), aem: "00000000", scans });
      // the same 6-byte prefix with different later bytes: must not match when more is stored
      if (p % 7 === 0 && prefix > 6) encounters.push({ rpi: toHex(rpi.subarray(0, 6)) + toHex(randomBytes(prefix - 6)), aem: "00000000", scans });
    }
    logs.push({ format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, clockCorrectionSeconds: 1800 * l, encounters });
  }
  const maskA = new Uint8Array(nKeys), maskB = new Uint8Array(nKeys);
  for (let i = 0; i < nKeys; i++) {
    maskA[i] = i % 3 === 0 ? 1 : 0;
    maskB[i] = maskA[i] ? 0 : 1;
  }
  const indexes = logs.map((log) => new SightingIndex(log));
  const targets: MatchTarget[] = [{ index: indexes[0] }, { index: indexes[1], keys: maskA }, { index: indexes[2], keys: maskB }, { index: indexes[2], keys: maskA }];
  return { keys, targets };
}

describe("native matcher (native/matcher)", function () {
  it("native_onAMachineWithACompiler_isBuiltAndLoads; otherwise says why", () => {
    if (process.env.OMAMORI_MATCHER === "js") {
      expect(matcherStatus()).to.deep.include({ engine: "js" });
      return;
    }
    if (hasCompiler) {
      expect(addon, matcherStatus().reason).to.not.equal(null);
      expect(matcherStatus().engine).to.equal("native");
      expect(addon!.backends()).to.include("portable");
    } else {
      expect(matcherStatus().engine).to.equal("js");
      expect(matcherStatus().reason).to.match(/not built|could not be loaded/);
    }
  });

  describe("agrees with the JavaScript engine and the official vectors", function () {
    before(function () {
      // Only a machine without a C compiler gets here without the addon (the test above fails otherwise).
      if (!addon) this.skip();
    });

    it("backends_everyOneThisCpuHas_reproducesTheOfficialRpikAndAll144Rpis", () => {
      const a = addon as NativeAddon;
      const v = officialVectors();
      const blocks = new Uint8Array(16 * 144);
      v.intervals.forEach((iv, j) => blocks.set(paddedData(iv.enin), 16 * j));
      expect(v.intervals).to.have.length(144);
      for (const b of a.backends()) {
        const rpik = a.rpik(fromHex(v.tek), b);
        expect(toHex(rpik), b).to.equal(v.rpik);
        const rpis = a.aes(rpik, blocks, b);
        v.intervals.forEach((iv, j) => expect(toHex(rpis.subarray(16 * j, 16 * j + 16)), `${b} interval ${iv.i}`).to.equal(iv.rpi));
      }
    });

    it("backends_randomTeksAndBlocks_equalFastRpikAndNodeAes", () => {
      const a = addon as NativeAddon;
      for (const b of a.backends()) {
        const teks = new Uint8Array(randomBytes(16 * 257)); // odd: the last key goes alone
        const rpiks = a.rpik(teks, b);
        for (let i = 0; i < 257; i++) expect(toHex(rpiks.subarray(16 * i, 16 * i + 16)), `${b} key ${i}`).to.equal(toHex(fastRpik(teks.subarray(16 * i, 16 * i + 16))));
        for (const n of [1, 7, 8, 9, 31, 144]) {
          const key = new Uint8Array(randomBytes(16));
          const blocks = new Uint8Array(randomBytes(16 * n));
          expect(toHex(a.aes(key, blocks, b)), `${b} ${n} blocks`).to.equal(aesEcb(key, blocks));
        }
      }
    });

    it("match_randomWorldsWithClassesAndToleranceEdges_sameHitsAndCountsAsJs_everyBackendAndThreadCount", () => {
      const a = addon as NativeAddon;
      for (let round = 0; round < 2; round++) {
        const { keys, targets } = randomWorld(10_000);
        const plan = new MatchPlan(targets);
        const js = findMatchesInPlan(plan, keys);
        expect(js.entry.length, "planted identifiers found").to.be.greaterThan(20);
        for (const backend of a.backends()) {
          for (const threads of [1, 3]) {
            const native = a.match({ ...plan.arrays(), count: keys.count, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: keys.rollingPeriod, from: 0, to: keys.count, threads, backend });
            expect(native.backend).to.equal(backend);
            expect(hits(native), `${backend}, ${threads} threads`).to.deep.equal(hits(js));
            expect(native.keysDerived).to.equal(js.keysDerived);
            expect(native.identifiersDerived).to.equal(js.identifiersDerived);
          }
        }
        // a key range, as a caller splitting the work would ask
        const part = a.match({ ...plan.arrays(), count: keys.count, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: keys.rollingPeriod, from: 1234, to: 7777, threads: 2 });
        expect(hits(part)).to.deep.equal(hits(findMatchesInPlan(plan, keys, 1234, 7777)));
      }
    });

    it("matchTargets_nativeAndJs_samePerLogMatchesAndKeysChecked", async () => {
      const { keys, targets } = randomWorld(3000);
      const native = await matchTargets(keys, targets);
      const js = await matchTargets(keys, targets, { engine: "js" });
      expect(native.engine.engine).to.equal("native");
      expect(js.engine.engine).to.equal("js");
      const key = (m: { keyIndex: number; enin: number; encounter: number; rpi: Uint8Array }) => `${m.keyIndex}/${m.enin}/${m.encounter}/${toHex(m.rpi)}`;
      targets.forEach((_, t) => {
        expect(native.runs[t].matches.map(key).sort()).to.deep.equal(js.runs[t].matches.map(key).sort());
        expect(native.runs[t].keysChecked).to.equal(js.runs[t].keysChecked);
      });
      expect(native.runs.reduce((n, r) => n + r.matches.length, 0)).to.be.greaterThan(10);
    });

    it("match_badJob_throwsNamingTheField_neverReadsOutOfBounds", () => {
      const a = addon as NativeAddon;
      const { keys, targets } = randomWorld(50);
      const plan = new MatchPlan(targets);
      const good = { ...plan.arrays(), count: keys.count, keyData: keys.keyData, rollingStart: keys.rollingStart, rollingPeriod: keys.rollingPeriod, from: 0, to: keys.count, threads: 1 };
      expect(() => a.match({ ...good, count: keys.count + 1, to: keys.count + 1 })).to.throw(RangeError, /shorter than count/);
      expect(() => a.match({ ...good, from: 5, to: 2 })).to.throw(RangeError, /from and to/);
      expect(() => a.match({ ...good, keyData: [1, 2, 3] as unknown as Uint8Array })).to.throw(TypeError, /keyData/);
      expect(() => a.match({ ...good, entryLen: plan.entryLen.map(() => 5) })).to.throw(RangeError, /entryLen/);
      expect(() => a.match({ ...good, scanStart: plan.scanStart.map((s, i) => (i === plan.scanStart.length - 1 ? s + 1 : s)) })).to.throw(RangeError, /beyond scanEnin/);
      expect(() => a.match({ ...good, classNear: plan.classNear.slice(1) })).to.throw(RangeError, /same length/);
      expect(() => a.match({ ...good, backend: "quantum" })).to.throw(RangeError, /not supported/);
      expect(() => a.rpik(new Uint8Array(15))).to.throw(RangeError, /16 bytes/);
    });
  });
});
