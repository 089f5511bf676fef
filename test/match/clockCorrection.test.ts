/**
 * A contact log with an absurd clock correction (hand-made or damaged): a clear message, never a
 * RangeError from an array sized by it; the largest real correction still matches.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../report/runCli";
import { findMatches } from "../../host-tools/match/engine";
import { ABSENT, KeySet } from "../../host-tools/match/keySet";
import { checkLog, LogFormatError, MAX_CLOCK_CORRECTION_SECONDS, parseLog } from "../../host-tools/log/omamoriLog";
import { MAX_TOLERANCE_INTERVALS, SightingIndex } from "../../host-tools/match/sightingIndex";
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
      expect(() => parseLog(text)).to.throw(LogFormatError, /clockCorrectionSeconds must be a number of seconds within/);
      expect(() => checkLog(JSON.parse(text))).to.throw(TypeError, /clockCorrectionSeconds/);
    });
  }

  it("the largest correction a token's clock allows: matches, with the tolerance capped where the matcher keeps it (a byte)", () => {
    const l = checkLog({ ...log(), clockCorrectionSeconds: -MAX_CLOCK_CORRECTION_SECONDS });
    const index = new SightingIndex(l);
    expect(index.tolerance).to.equal(MAX_TOLERANCE_INTERVALS);
    expect(findMatches(index, keySetOf(tek, DAY0_ENIN)).matches).to.have.length(1);
  });
});

describe("match: damaged scan times", () => {
  it("a log whose scans span thousands of years: a plain message, not a RangeError", () => {
    const l = checkLog({
      ...makeLog([]),
      encounters: [
        { rpi: "001122334455", aem: "01020304", scans: [{ t: 0, count: 1, rssiMax: -60, rssiMean: -60 }] },
        { rpi: "001122334456", aem: "01020304", scans: [{ t: 1e13, count: 1, rssiMax: -60, rssiMean: -60 }] },
      ],
    });
    expect(() => new SightingIndex(l)).to.throw(LogFormatError, /scan times span .* more than 10 years: some times are damaged/);
  });

  it("omamori match on such logs: exit 2 with the log named, no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omamori-match-"));
    try {
      for (const [name, doc] of [
        ["ccs.json", { ...makeLog([]), clockCorrectionSeconds: 1e12 }],
        ["span.json", { ...makeLog([]), encounters: [{ rpi: "001122334455", aem: "01020304", scans: [{ t: 0, count: 1, rssiMax: -60, rssiMean: -60 }, { t: 1e13, count: 1, rssiMax: -60, rssiMean: -60 }] }] }],
      ] as const) {
        writeFileSync(join(dir, name), JSON.stringify(doc));
        const r = await runCli(["match", "--log", join(dir, name), "--keys", dir, "--allow-unsigned"], { OMAMORI_HOME: dir });
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stderr).to.include(name);
        expect(r.stderr).to.not.match(/RangeError|at .*\.ts:\d+/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
