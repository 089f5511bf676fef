import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { toHex } from "../../common/bytes";
import { fastCrypto, referenceCrypto } from "../../host-tools/gaen/crypto";
import { findMatches } from "../../host-tools/match/engine";
import { fastRpik } from "../../host-tools/match/fastRpik";
import { KeySet, ABSENT } from "../../host-tools/match/keySet";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { officialVectors } from "../helpers/vectors";
import { DAY0, DAY0_ENIN, encounterFor, makeLog, noiseEncounter, randomTek } from "./logBuilder";

function keySetOf(teks: Uint8Array[], starts: number[], period = 144): KeySet {
  const ks = new KeySet(4);
  teks.forEach((t, i) => ks.add(t, 0, { rollingStart: starts[i], rollingPeriod: period, reportType: ABSENT, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 }));
  return ks;
}

/** The plain reference: every identifier of every key, noble crypto, string comparison. */
function plainMatches(index: SightingIndex, keys: KeySet): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.count; i++) {
    const rpik = referenceCrypto.rpik(keys.keyData.slice(16 * i, 16 * i + 16));
    for (let k = keys.rollingStart[i]; k < keys.rollingStart[i] + keys.rollingPeriod[i]; k++) {
      const rpi = toHex(referenceCrypto.rpi(rpik, k));
      index.encounters.forEach((e, c) => {
        const stored = toHex(e.rpi);
        const near = e.scans.some((s) => Math.abs(Math.floor(s.t / 600) - k) <= 12);
        if (rpi.startsWith(stored) && near) out.push(`${i}/${k}/${c}`);
      });
    }
  }
  return out.sort();
}

describe("match/fastRpik", () => {
  it("fastRpik_officialTek_equalsOfficialRpik", () => {
    const v = officialVectors();
    expect(toHex(fastRpik(Buffer.from(v.tek, "hex")))).to.equal(v.rpik);
  });
  it("fastRpik_randomTeks_equalsNobleAndNodeHkdf", () => {
    for (let i = 0; i < 200; i++) {
      const tek = new Uint8Array(randomBytes(16));
      const r = toHex(fastRpik(tek));
      expect(r).to.equal(toHex(referenceCrypto.rpik(tek)));
      expect(r).to.equal(toHex(fastCrypto.rpik(tek)));
    }
  });
  it("fastRpik_wrongLength_throws", () => {
    expect(() => fastRpik(new Uint8Array(15))).to.throw(RangeError, /16-byte/);
  });
});

describe("match/engine", () => {
  it("findMatches_randomKeysWithPlantedContacts_equalsPlainReference", () => {
    const teks = Array.from({ length: 30 }, randomTek);
    const starts = teks.map((_, i) => DAY0_ENIN + 144 * (i % 3));
    const encounters = [];
    for (let i = 0; i < 30; i += 4) encounters.push(encounterFor({ tek: teks[i], enin: starts[i] + ((i * 7) % 144) }));
    encounters.push(encounterFor({ tek: teks[5], enin: starts[5] + 3, prefixBytes: 6 }));
    encounters.push(encounterFor({ tek: teks[6], enin: starts[6] + 50, prefixBytes: 10 }));
    for (let j = 0; j < 200; j++) encounters.push(noiseEncounter(DAY0 + j * 600));
    const index = new SightingIndex(makeLog(encounters));
    const keys = keySetOf(teks, starts);
    const run = findMatches(index, keys);
    const got = run.matches.map((m) => `${m.keyIndex}/${m.enin}/${m.encounter}`).sort();
    expect(got).to.deep.equal(plainMatches(index, keys));
    expect(got.length).to.equal(10);
    expect(run.keysChecked).to.equal(30);
  });

  it("findMatches_prefixEntry_returnsTheFullDerivedIdentifier", () => {
    const tek = randomTek();
    const index = new SightingIndex(makeLog([encounterFor({ tek, enin: DAY0_ENIN + 10, prefixBytes: 6 })]));
    const run = findMatches(index, keySetOf([tek], [DAY0_ENIN]));
    expect(run.matches).to.have.length(1);
    expect(toHex(run.matches[0].rpi)).to.equal(toHex(referenceCrypto.rpi(referenceCrypto.rpik(tek), DAY0_ENIN + 10)));
  });

  for (const [offset, expected] of [[-13, 0], [-12, 1], [12, 1], [13, 0]] as const) {
    it(`findMatches_sightingAt${offset >= 0 ? "+" : ""}${offset}IntervalsFromTheIdentifiersInterval_${expected ? "matches" : "doesNotMatch"}`, () => {
      const tek = randomTek();
      const k = DAY0_ENIN + 70;
      const t = (k + offset) * 600 + 599; // last second of that interval
      const index = new SightingIndex(makeLog([encounterFor({ tek, enin: k, times: [t] })]));
      expect(findMatches(index, keySetOf([tek], [DAY0_ENIN])).matches).to.have.length(expected);
    });
  }

  it("findMatches_keyWithNoSightingWithinTwoHours_derivesNothing", () => {
    const tek = randomTek();
    const other = randomTek();
    const index = new SightingIndex(makeLog([encounterFor({ tek: other, enin: DAY0_ENIN + 144 * 5 })]));
    const run = findMatches(index, keySetOf([tek], [DAY0_ENIN]));
    expect(run.keysChecked).to.equal(1);
    expect(run.keysDerived).to.equal(0);
    expect(run.identifiersDerived).to.equal(0);
  });

  it("findMatches_sightingsInPartOfTheDay_derivesOnlyNearbyIntervals", () => {
    const tek = randomTek();
    const index = new SightingIndex(makeLog([encounterFor({ tek, enin: DAY0_ENIN + 60, times: [(DAY0_ENIN + 60) * 600] })]));
    const run = findMatches(index, keySetOf([tek], [DAY0_ENIN]));
    expect(run.identifiersDerived).to.equal(25); // 48..72
    expect(run.matches).to.have.length(1);
  });

  it("findMatches_revokedKey_skipped", () => {
    const tek = randomTek();
    const keys = keySetOf([tek], [DAY0_ENIN]);
    keys.revoke(0);
    const index = new SightingIndex(makeLog([encounterFor({ tek, enin: DAY0_ENIN + 10 })]));
    const run = findMatches(index, keys);
    expect(run.matches).to.have.length(0);
    expect(run.keysChecked).to.equal(0);
  });

  it("findMatches_badRange_throws", () => {
    const index = new SightingIndex(makeLog([]));
    expect(() => findMatches(index, keySetOf([randomTek()], [DAY0_ENIN]), 0, 5)).to.throw(RangeError);
  });
});

describe("match/keySet", () => {
  it("add_sameKeyAndStartTwice_keepsOne; differentStart_keepsBoth; grows", () => {
    const ks = new KeySet(1);
    const f = { rollingStart: 5, rollingPeriod: 144, reportType: 1, daysSinceOnset: 0, transmissionRiskLevel: 0 };
    const teks = Array.from({ length: 100 }, randomTek);
    teks.forEach((t) => expect(ks.add(t, 0, f)).to.be.at.least(0));
    expect(ks.add(teks[3], 0, f)).to.equal(-1);
    expect(ks.add(teks[3], 0, { ...f, rollingStart: 149 })).to.equal(100);
    expect(ks.count).to.equal(101);
    expect(ks.find(teks[42], 0, 5)).to.equal(42);
    expect(toHex(ks.keyData.subarray(16 * 42, 16 * 43))).to.equal(toHex(teks[42]));
  });
});

describe("match/matchTargets", () => {
  it("matchTargets_jsEngineOnThreeThreads_sameMatchesAsOneThread", async () => {
    const { matchTargets } = await import("../../host-tools/match/matchTargets");
    const teks = Array.from({ length: 300 }, randomTek);
    const starts = teks.map((_, i) => DAY0_ENIN + 144 * (i % 2));
    const encounters = [];
    for (let i = 0; i < 300; i += 37) encounters.push(encounterFor({ tek: teks[i], enin: starts[i] + 20, prefixBytes: 6 }));
    for (let j = 0; j < 50; j++) encounters.push(noiseEncounter(DAY0 + j * 1200));
    const log = makeLog(encounters);
    const index = new SightingIndex(log);
    const keys = keySetOf(teks, starts);
    const one = findMatches(index, keys);
    const many = (await matchTargets(keys, [{ index }], { engine: "js", threads: 3, minKeysForThreads: 0 })).runs[0];
    const key = (m: { keyIndex: number; enin: number; encounter: number; rpi: Uint8Array }) => `${m.keyIndex}/${m.enin}/${m.encounter}/${toHex(m.rpi)}`;
    expect(many.matches.map(key).sort()).to.deep.equal(one.matches.map(key).sort());
    expect(many.matches).to.have.length(9);
    expect(many.keysChecked).to.equal(300);
    expect(many.identifiersDerived).to.equal(one.identifiersDerived);
  });
});

describe("match/sightingIndex clock correction", () => {
  it("findMatches_logWithClockCorrection30Min_toleranceWidenedBy3Intervals", () => {
    const tek = randomTek();
    const k = DAY0_ENIN + 70;
    const enc = encounterFor({ tek, enin: k, times: [(k + 15) * 600] });
    expect(findMatches(new SightingIndex(makeLog([enc])), keySetOf([tek], [DAY0_ENIN])).matches).to.have.length(0);
    const corrected = { ...makeLog([enc]), clockCorrectionSeconds: -1800 };
    expect(new SightingIndex(corrected).tolerance).to.equal(15);
    expect(findMatches(new SightingIndex(corrected), keySetOf([tek], [DAY0_ENIN])).matches).to.have.length(1);
  });
});
