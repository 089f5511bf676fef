import { expect } from "chai";
import { findMatches } from "../../host-tools/match/engine";
import { attenuationDb, buildExposureWindows, type ExposureWindow } from "../../host-tools/match/exposureWindows";
import { summarizeDays, windowScore } from "../../host-tools/match/dailySummary";
import { KeySet, ABSENT } from "../../host-tools/match/keySet";
import { matchLog, receiverRssiOffset } from "../../host-tools/match/matchLog";
import { attenuationBucket, defaultRiskConfig, effectiveReportType, infectiousnessFor } from "../../host-tools/match/riskConfig";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { contactEncounters, DAY0, DAY0_ENIN, encounterFor, makeLog, randomTek } from "./logBuilder";
import { loadBoard } from "../../boards/index";

const config = defaultRiskConfig();
const NOW = DAY0 + 3 * 86400;

function keysOf(tek: Uint8Array, fields: Partial<{ reportType: number; daysSinceOnset: number; transmissionRiskLevel: number }> = {}): KeySet {
  const ks = new KeySet(2);
  ks.add(tek, 0, { rollingStart: DAY0_ENIN, rollingPeriod: 144, reportType: ABSENT, daysSinceOnset: ABSENT, transmissionRiskLevel: ABSENT, ...fields });
  return ks;
}

function windowsFor(log: ReturnType<typeof makeLog>, keys: KeySet) {
  const index = new SightingIndex(log);
  return buildExposureWindows(index, keys, findMatches(index, keys).matches, config, 0);
}

describe("match/exposureWindows", () => {
  for (const [tx, kept] of [[-51, false], [-50, true], [20, true], [21, false]] as const) {
    it(`buildExposureWindows_txPower${tx}dBm_${kept ? "kept" : "dropped"}`, () => {
      const tek = randomTek();
      const r = windowsFor(makeLog([encounterFor({ tek, enin: DAY0_ENIN + 50, txPowerDbm: tx })]), keysOf(tek));
      expect(r.windows.length).to.equal(kept ? 1 : 0);
      expect(r.dropped.txPower).to.equal(kept ? 0 : 1);
    });
  }

  it("buildExposureWindows_txPowerFromAem_setsAttenuation; v1.1 confidence carried", () => {
    const tek = randomTek();
    const r = windowsFor(makeLog([encounterFor({ tek, enin: DAY0_ENIN + 50, txPowerDbm: 8, rssi: -50, confidence: 3 })]), keysOf(tek));
    expect(r.windows[0].scanInstances[0].typicalAttenuationDb).to.equal(58);
    expect(r.windows[0].calibrationConfidence).to.equal(3);
  });

  it("attenuationDb_receiverOffsetAndSaturation", () => {
    expect(attenuationDb(-4, -60, 0)).to.equal(56);
    expect(attenuationDb(-4, -60, 5)).to.equal(51);
    expect(attenuationDb(-4, 0, 0)).to.equal(0);
  });

  it("buildExposureWindows_scanExactly20MinAfterFirst_kept; 1s later_droppedAsReplay", () => {
    const tek = randomTek();
    const k = DAY0_ENIN + 50;
    const t0 = k * 600;
    const r = windowsFor(makeLog([encounterFor({ tek, enin: k, times: [t0, t0 + 600, t0 + 1200, t0 + 1201, t0 + 3000] })]), keysOf(tek));
    const scans = r.windows.flatMap((w) => w.scanInstances).map((s) => s.t);
    expect(scans).to.deep.equal([t0, t0 + 600, t0 + 1200]);
    expect(r.dropped.replay).to.equal(2);
  });

  it("buildExposureWindows_longContact_splitIntoThirtyMinuteWindows", () => {
    const tek = randomTek();
    const r = windowsFor(makeLog(contactEncounters(tek, DAY0 + 36000, 70, -55)), keysOf(tek));
    expect(r.windows.length).to.equal(3);
    for (const w of r.windows) expect(w.scanInstances[w.scanInstances.length - 1].t - w.scanInstances[0].t).to.be.below(1800);
    expect(r.windows.every((w) => w.scanInstances.slice(1).every((s) => s.secondsSinceLastScan === 240))).to.equal(true);
    expect(r.windows[0].scanInstances[0].secondsSinceLastScan).to.equal(120); // first scan: previous unknown
  });

  it("secondsSinceLastScan_countedFromTheTokensPreviousScan_ofAnyIdentifier", () => {
    // The token scans every 5 min; the contact's first scan follows a scan that heard only someone
    // else 3 min earlier, and the contact's own scans are 301 s apart (clock rounding): a phone would
    // count 3 min, then 5 min each, not "unknown".
    const tek = randomTek(), other = randomTek();
    const k = DAY0_ENIN + 60;
    const t0 = k * 600 + 30;
    const contact = encounterFor({ tek, enin: k, times: [t0, t0 + 301] });
    const noise = encounterFor({ tek: other, enin: k, times: [t0 - 180] });
    const r = windowsFor(makeLog([noise, contact]), keysOf(tek));
    expect(r.windows.flatMap((w) => w.scanInstances).map((s) => s.secondsSinceLastScan)).to.deep.equal([180, 300]);
  });

  it("secondsSinceLastScan_afterALongQuietStretch_cappedAtFiveMinutes; firstScanOfTheLog_unknownTwoMinutes", () => {
    const tek = randomTek(), other = randomTek();
    const k = DAY0_ENIN + 70;
    const t0 = k * 600;
    const early = encounterFor({ tek: other, enin: k - 30, times: [(k - 30) * 600] });
    const alone = windowsFor(makeLog([encounterFor({ tek, enin: k, times: [t0] })]), keysOf(tek));
    expect(alone.windows[0].scanInstances[0].secondsSinceLastScan).to.equal(120);
    const afterQuiet = windowsFor(makeLog([early, encounterFor({ tek, enin: k, times: [t0] })]), keysOf(tek));
    expect(afterQuiet.windows[0].scanInstances[0].secondsSinceLastScan).to.equal(300);
  });

  it("secondsSinceLastScan_firstScanOfTheLog_theTokensScanPeriodWhenTheLogStatesIt", () => {
    const tek = randomTek();
    const k = DAY0_ENIN + 80;
    const log = { ...makeLog([encounterFor({ tek, enin: k, times: [k * 600, k * 600 + 240] })]), scanPeriodSeconds: 240 };
    const r = windowsFor(log, keysOf(tek));
    expect(r.windows[0].scanInstances.map((s) => s.secondsSinceLastScan)).to.deep.equal([240, 240]);
    const long = windowsFor({ ...log, scanPeriodSeconds: 900 }, keysOf(tek));
    expect(long.windows[0].scanInstances[0].secondsSinceLastScan).to.equal(300);
  });

  it("buildExposureWindows_contactAcrossUtcMidnight_windowsOnBothDays", () => {
    const tek = randomTek();
    const ks = new KeySet(2);
    ks.add(tek, 0, { rollingStart: DAY0_ENIN, rollingPeriod: 144, reportType: 1, daysSinceOnset: 0, transmissionRiskLevel: 4 });
    // the key is valid on DAY0 only; its last identifier (23:50) is still heard after midnight (drift)
    const k = DAY0_ENIN + 143;
    const r = windowsFor(makeLog([encounterFor({ tek, enin: k, times: [k * 600, k * 600 + 240, k * 600 + 660] })]), ks);
    expect(r.windows.map((w) => w.dateSeconds)).to.deep.equal([DAY0, DAY0 + 86400]);
  });
});

describe("match/riskConfig mapping (COCOA's failure: risk level 0, no report type)", () => {
  it("effectiveReportType_missingOrUnknown_confirmedTest; revoked_null", () => {
    expect(effectiveReportType(undefined, config)).to.equal("CONFIRMED_TEST");
    expect(effectiveReportType(0, config)).to.equal("CONFIRMED_TEST");
    expect(effectiveReportType(ABSENT, config)).to.equal("CONFIRMED_TEST");
    expect(effectiveReportType(3, config)).to.equal("SELF_REPORT");
    expect(effectiveReportType(5, config)).to.equal(null);
  });

  it("infectiousnessFor_cocoaDays_highFromMinus3To10_noneOutside_highWhenMissing", () => {
    expect(infectiousnessFor(-4, config)).to.equal("NONE");
    expect(infectiousnessFor(-3, config)).to.equal("HIGH");
    expect(infectiousnessFor(10, config)).to.equal("HIGH");
    expect(infectiousnessFor(11, config)).to.equal("NONE");
    expect(infectiousnessFor(undefined, config)).to.equal("HIGH");
  });

  it("matchLog_keyWithRiskLevel0AndNoReportTypeNoOnset_closeFor20Min_isARiskyDay", async () => {
    const tek = randomTek();
    const keys = keysOf(tek, { transmissionRiskLevel: 0 });
    const log = makeLog(contactEncounters(tek, DAY0 + 36000, 20, -60)); // tx -4 -> attenuation 56: near (x2.5)
    const r = await matchLog(log, keys, config, NOW);
    expect(r.summary.riskyDays).to.equal(1);
    expect(r.summary.days[0].risky).to.equal(true);
    expect(r.summary.days[0].entries).to.equal(1);
  });

  it("matchLog_keyWithOnsetDay11_infectiousnessNone_noWindow", async () => {
    const tek = randomTek();
    const r = await matchLog(makeLog(contactEncounters(tek, DAY0 + 36000, 20, -60)), keysOf(tek, { daysSinceOnset: 11 }), config, NOW);
    expect(r.windows).to.have.length(0);
    expect(r.dropped.infectiousnessNone).to.be.greaterThan(0);
  });

  it("receiverRssiOffset_knownBoard_fromBoardsFile; unknownBoard_fromLog", () => {
    expect(receiverRssiOffset({ ...makeLog([]), board: "puckjs", rssiOffsetDb: 99 })).to.equal(loadBoard("puckjs").radio.rssiOffsetDb);
    expect(receiverRssiOffset({ ...makeLog([]), board: "someboard", rssiOffsetDb: 7 })).to.equal(7);
  });
});

function win(day: number, instances: [number, number][], over: Partial<ExposureWindow> = {}): ExposureWindow {
  return {
    dateSeconds: DAY0 + day * 86400, reportType: "CONFIRMED_TEST", infectiousness: "HIGH", calibrationConfidence: 0, key: 0,
    scanInstances: instances.map(([att, sec], i) => ({ t: DAY0 + day * 86400 + i * 60, typicalAttenuationDb: att, minAttenuationDb: att, secondsSinceLastScan: sec })),
    ...over,
  };
}

describe("match/dailySummary (COCOA thresholds)", () => {
  it("attenuationBucket_edges_46_60_65", () => {
    expect([46, 47, 60, 61, 65, 66].map((a) => attenuationBucket(a, config))).to.deep.equal([0, 1, 1, 2, 2, 3]);
  });

  it("windowScore_weights_immediate1_near2.5_medium1.3_other0.01", () => {
    expect(windowScore(win(0, [[40, 100]]), config).score).to.equal(100);
    expect(windowScore(win(0, [[50, 100]]), config).score).to.equal(250);
    expect(windowScore(win(0, [[63, 100]]), config).score).to.be.closeTo(130, 1e-9);
    expect(windowScore(win(0, [[80, 100]]), config).score).to.be.closeTo(1, 1e-9);
  });

  it("summarizeDays_score1350AndSeconds900_risky", () => {
    // 900 s immediate (900) + 180 s near (450) = 1350, 1080 s
    const s = summarizeDays([win(0, [[40, 900], [50, 180]])], config, NOW);
    expect(s.days[0].scoreSum).to.equal(1350);
    expect(s.days[0].risky).to.equal(true);
    expect(s.days[0].displayScore).to.equal(100);
  });

  it("summarizeDays_scoreJustUnder1350_notRisky", () => {
    const s = summarizeDays([win(0, [[40, 899], [50, 180]])], config, NOW);
    expect(s.days[0].scoreSum).to.equal(1349);
    expect(s.days[0].risky).to.equal(false);
    expect(s.riskyDays).to.equal(0);
  });

  it("summarizeDays_seconds900ExactlyWithScoreAbove_risky; 899_notRisky", () => {
    expect(summarizeDays([win(0, [[50, 900]])], config, NOW).days[0].risky).to.equal(true); // 2250
    expect(summarizeDays([win(0, [[50, 899]])], config, NOW).days[0].risky).to.equal(false); // 2247.5 but 899 s
  });

  it("summarizeDays_highScoreInShortTime_notRisky (both conditions needed)", () => {
    const s = summarizeDays([win(0, [[50, 600]])], config, NOW); // 1500 score, 600 s
    expect(s.days[0].scoreSum).to.equal(1500);
    expect(s.days[0].risky).to.equal(false);
  });

  it("summarizeDays_twoRiskyDays_totalMinutesCeil_entriesCounted", () => {
    const s = summarizeDays([
      win(0, [[50, 600], [50, 330]], { key: 1 }),
      win(0, [[40, 60]], { key: 2 }),
      win(1, [[45, 900], [50, 240]], { key: 3 }),
    ], config, NOW);
    expect(s.riskyDays).to.equal(2);
    expect(s.days.map((d) => d.minutes)).to.deep.equal([17, 19]);
    expect(s.riskyMinutes).to.equal(Math.ceil((990 + 1140) / 60));
    expect(s.days[0].entries).to.equal(2);
  });

  it("summarizeDays_windowOlderThan14Days_notReported", () => {
    const s = summarizeDays([win(0, [[40, 2000]])], config, DAY0 + 14 * 86400);
    expect(s.days).to.have.length(0);
    const s2 = summarizeDays([win(0, [[40, 2000]])], config, DAY0 + 13 * 86400);
    expect(s2.days).to.have.length(1);
  });

  it("summarizeDays_infectiousnessStandardWeight_applied", () => {
    const c = { ...config, infectiousnessWeights: { STANDARD: 0.5, HIGH: 1 } };
    expect(windowScore(win(0, [[40, 1000]], { infectiousness: "STANDARD" }), c).score).to.equal(500);
  });
});
