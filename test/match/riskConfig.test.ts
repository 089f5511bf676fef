import { expect } from "chai";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRiskConfig, defaultRiskConfig, loadRiskConfig, RiskConfigError } from "../../host-tools/match/riskConfig";

describe("match/riskConfig file", () => {
  it("defaultRiskConfig_isCocoasFinalConfiguration", () => {
    const c = defaultRiskConfig();
    expect(c.attenuationThresholdsDb).to.deep.equal([46, 60, 65]);
    expect(c.attenuationBucketWeights).to.deep.equal([1.0, 2.5, 1.3, 0.01]);
    expect(c.riskyDay).to.deep.equal({ minimumScoreSum: 1350, minimumScanSeconds: 900 });
    expect(c.reportTypeWhenMissing).to.equal("CONFIRMED_TEST");
    expect(c.infectiousnessWhenDaysSinceOnsetMissing).to.equal("HIGH");
    expect(c.txPowerRangeDbm).to.deep.equal([-50, 20]);
    expect(c.replayAfterSeconds).to.equal(1200);
    expect(c.reportDays).to.equal(14);
  });

  const broken: [string, (c: any) => void, RegExp][] = [
    ["weight above 2.5", (c) => (c.attenuationBucketWeights[1] = 3), /0 to 2.5/],
    ["three weights", (c) => c.attenuationBucketWeights.pop(), /array of 4 numbers/],
    ["unknown infectiousness", (c) => (c.infectiousnessByDaysSinceOnset.values[3] = "MEDIUM"), /NONE", "STANDARD" or "HIGH/],
    ["missing riskyDay", (c) => delete c.riskyDay, /riskyDay/],
    ["bad reportTypeWhenMissing", (c) => (c.reportTypeWhenMissing = "REVOKED"), /reportTypeWhenMissing/],
    ["tx range reversed", (c) => (c.txPowerRangeDbm = [20, -50]), /txPowerRangeDbm/],
  ];
  for (const [name, breakIt, msg] of broken) {
    it(`checkRiskConfig_${name.replace(/ /g, "_")}_refusedNamingTheField`, () => {
      const c = JSON.parse(JSON.stringify(defaultRiskConfig()));
      breakIt(c);
      expect(() => checkRiskConfig(c)).to.throw(RiskConfigError, msg);
    });
  }

  it("loadRiskConfig_missingFileOrBadJson_plainError", () => {
    const dir = mkdtempSync(join(tmpdir(), "omamori-cfg-"));
    expect(() => loadRiskConfig(join(dir, "nope.json"))).to.throw(RiskConfigError, /cannot read .*ENOENT/);
    writeFileSync(join(dir, "bad.json"), "{");
    expect(() => loadRiskConfig(join(dir, "bad.json"))).to.throw(RiskConfigError, /not valid JSON/);
    rmSync(dir, { recursive: true });
  });
});
