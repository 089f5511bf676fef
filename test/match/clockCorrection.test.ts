/**
 * A contact log with an absurd clock correction (hand-made or damaged): a clear message, never a
 * RangeError from an array sized by it; the largest real correction still matches.
 */
import { expect } from "chai";
import { findMatches } from "../../host-tools/match/engine";
import { ABSENT, KeySet } from "../../host-tools/match/keySet";
import { checkContactLog, LogFormatError, parseContactLog } from "../../host-tools/match/logFormat";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { checkLog, MAX_CLOCK_CORRECTION_SECONDS } from "../../host-tools/sync/logStore";
import { DAY0_ENIN, encounterFor, makeLog, randomTek } from "./logBuilder";

function keySetOf(tek: Uint8Array, start: number): KeySet {
  const ks = new KeySet(1);
  ks.add(tek, 0, { rollingStart: start, rollingPeriod: 144, reportType: ABSENT, daysSinceOnset: ABSENT, transmissionRiskLevel: 0 });
  return ks;
}

describe("match: clock correction bounds", () => {
  const tek = randomTek();
  const k = DAY0_ENIN + 70;
  const log = () => makeLog([encounterFor({ tek, enin: k, times: [(k + 15) * 600] })]);

  for (const bad of [1e12, -1e15, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
    it(`clockCorrectionSeconds ${bad}: a LogFormatError naming the field, not a RangeError`, () => {
      const text = JSON.stringify({ ...log(), clockCorrectionSeconds: bad });
      expect(() => parseContactLog(text)).to.throw(LogFormatError, /clockCorrectionSeconds must be a number of seconds within/);
      expect(() => checkLog(JSON.parse(text))).to.throw(TypeError, /clockCorrectionSeconds/);
    });
  }

  it("the largest correction a token's clock allows: matches, with the widening capped at 15 days", () => {
    const l = checkContactLog({ ...log(), clockCorrectionSeconds: -MAX_CLOCK_CORRECTION_SECONDS });
    const index = new SightingIndex(l);
    expect(index.tolerance).to.equal(12 + 15 * 144);
    expect(findMatches(index, keySetOf(tek, DAY0_ENIN)).matches).to.have.length(1);
  });
});
