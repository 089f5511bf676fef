import { expect } from "chai";
import { randomBytes } from "node:crypto";
import type { ExportKey } from "../../host-tools/keys/exportFile";
import { keyProblem, validateKeys } from "../../host-tools/keys/validateKeys";
import { ABSENT } from "../../host-tools/match/keySet";
import { exportContent } from "./fixtures";

const NOW = Date.UTC(2026, 10, 20, 12) / 1000;
const NOW_ENIN = Math.floor(NOW / 600);
const TODAY = NOW_ENIN - (NOW_ENIN % 144);

function key(over: Partial<ExportKey> = {}): ExportKey {
  return { keyData: new Uint8Array(randomBytes(16)), rollingStartIntervalNumber: TODAY - 144 * 3, rollingPeriod: 144, ...over };
}

describe("keys/validateKeys", () => {
  const cases: [string, Partial<ExportKey>, string | null][] = [
    ["15-byte key", { keyData: new Uint8Array(15) }, "key-length"],
    ["17-byte key", { keyData: new Uint8Array(17) }, "key-length"],
    ["no start", { rollingStartIntervalNumber: undefined }, "no-start"],
    ["period 0", { rollingPeriod: 0 }, "rolling-period"],
    ["period 145", { rollingPeriod: 145 }, "rolling-period"],
    ["period 1", { rollingPeriod: 1 }, null],
    ["period 144", { rollingPeriod: 144 }, null],
    ["16 days old", { rollingStartIntervalNumber: TODAY - 144 * 16 - 13 }, "too-old"],
    ["14 days old", { rollingStartIntervalNumber: TODAY - 144 * 14 }, null],
    ["starts 2h10 in the future", { rollingStartIntervalNumber: NOW_ENIN + 13 }, "future"],
    ["starts 2h in the future", { rollingStartIntervalNumber: NOW_ENIN + 12 }, null],
    ["report type 6", { reportType: 6 }, "report-type"],
    ["report type 4 RECURSIVE", { reportType: 4 }, null],
    ["days since onset 15", { daysSinceOnsetOfSymptoms: 15 }, "days-since-onset"],
    ["days since onset -15", { daysSinceOnsetOfSymptoms: -15 }, "days-since-onset"],
    ["days since onset -14", { daysSinceOnsetOfSymptoms: -14 }, null],
    ["risk level 9", { transmissionRiskLevel: 9 }, "risk-level"],
    ["risk level 0 (COCOA)", { transmissionRiskLevel: 0 }, null],
    ["no report type, no onset, no risk level", {}, null],
  ];
  for (const [name, over, problem] of cases) {
    it(`keyProblem_${name.replace(/ /g, "_")}_${problem ?? "ok"}`, () => {
      expect(keyProblem(key(over), NOW_ENIN)).to.equal(problem);
    });
  }

  it("validateKeys_mixedFile_countsEachDropReasonAndKeepsTheRest", () => {
    const good = [key(), key({ transmissionRiskLevel: 0 }), key({ reportType: 1, daysSinceOnsetOfSymptoms: 2 })];
    const bad = [key({ keyData: new Uint8Array(8) }), key({ rollingPeriod: 200 }), key({ reportType: 5 }), key({ daysSinceOnsetOfSymptoms: 20 })];
    const dup = { ...good[0] };
    const v = validateKeys([exportContent([...good, ...bad, dup])], NOW);
    expect(v.keys.count).to.equal(3);
    expect(v.read).to.equal(8);
    expect(v.dropped).to.include({ "key-length": 1, "rolling-period": 1, revoked: 1, "days-since-onset": 1, duplicate: 1 });
    expect(v.keys.reportType[1]).to.equal(ABSENT);
    expect(v.keys.transmissionRiskLevel[1]).to.equal(0);
  });

  it("validateKeys_sameKeyInTwoFiles_keptOnce", () => {
    const k = key();
    const v = validateKeys([exportContent([k]), exportContent([{ ...k }])], NOW);
    expect(v.keys.count).to.equal(1);
    expect(v.dropped.duplicate).to.equal(1);
  });

  it("validateKeys_revisedKeyRevokes_keyNoLongerMatched", () => {
    const k = key({ reportType: 1 });
    const v = validateKeys([exportContent([k]), exportContent([], { revisedKeys: [{ ...k, reportType: 5 }] })], NOW);
    expect(v.keys.isRevoked(0)).to.equal(true);
    expect(v.revisedApplied).to.equal(1);
    expect(v.dropped.revoked).to.equal(1);
  });

  it("validateKeys_revisedKeyChangesReportType_updated", () => {
    const k = key({ reportType: 3 });
    const v = validateKeys([exportContent([k], { revisedKeys: [{ ...k, reportType: 1, daysSinceOnsetOfSymptoms: 4 }] })], NOW);
    expect(v.keys.reportType[0]).to.equal(1);
    expect(v.keys.daysSinceOnset[0]).to.equal(4);
  });

  it("validateKeys_revisedKeyNotSeenBefore_takenAsNew", () => {
    const v = validateKeys([exportContent([], { revisedKeys: [key({ reportType: 1 })] })], NOW);
    expect(v.keys.count).to.equal(1);
  });
});
