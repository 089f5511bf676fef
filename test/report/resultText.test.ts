import { expect } from "chai";
import type { DaySummary, ExposureSummary } from "../../host-tools/match/dailySummary";
import { htmlReport } from "../../host-tools/report/htmlReport";
import { dayLabel, headline, resultText, type OwnerResult } from "../../host-tools/report/resultText";

function day(date: string, minutes: number, risky: boolean, entries = 1): DaySummary {
  return { date, dateSeconds: Date.parse(date) / 1000, scoreSum: 0, maxScore: 0, weightedDurationSum: 0, scanSeconds: minutes * 60, minutes, windows: 1, entries, risky, displayScore: 0 };
}

function summary(days: DaySummary[], riskyMinutes: number): ExposureSummary {
  return { days, riskyDays: days.filter((d) => d.risky).length, riskyMinutes, fromDate: "2026-11-10", toDate: "2026-11-23" };
}

const base: OwnerResult = { summary: summary([], 0), keysCheckedAt: "2026-11-23T08:00:00Z", checkedAt: "2026-11-23T09:00:00Z", contacts: [] };

describe("report/resultText", () => {
  it("headline_twoDays31Minutes_englishAndJapanese (COCOA's wording)", () => {
    const s = summary([day("2026-11-12", 16, true), day("2026-11-14", 15, true)], 31);
    expect(headline(s, "en")).to.equal("Contact on 2 days, 31 minutes in total.");
    expect(headline(s, "ja")).to.equal("2日間に合計31分間の接触がありました。");
  });

  it("headline_oneDay_singular", () => {
    expect(headline(summary([day("2026-11-12", 1, true)], 1), "en")).to.equal("Contact on 1 day, 1 minute in total.");
    expect(headline(summary([day("2026-11-12", 20, true)], 20), "ja")).to.equal("1日間に合計20分間の接触がありました。");
  });

  it("headline_none_noContactInTheLast14Days", () => {
    expect(headline(base.summary, "en")).to.equal("No contact found in the last 14 days.");
    expect(headline(base.summary, "ja")).to.equal("過去14日間に接触は確認されませんでした。");
  });

  it("resultText_severalEntriesOnADay_countsThemAndSaysTheyMayBeOnePerson", () => {
    const t = resultText({ ...base, summary: summary([day("2026-11-12", 40, true, 3)], 40) }, "en");
    expect(t).to.include("Thu 12 November: 40 minutes of contact (3 entries)");
    expect(t).to.include("Several entries may be the same person");
  });

  it("resultText_lowRiskDaysOnly_noAlarmButMentioned", () => {
    const t = resultText({ ...base, summary: summary([day("2026-11-12", 3, false)], 0) }, "en");
    expect(t).to.include("No contact found in the last 14 days.");
    expect(t).to.include("short or distant contacts on 1 day");
    expect(t).not.to.include("Days with contact");
  });

  it("resultText_keysNeverFetched_saysConnectAndCheckAgain; lowBattery_saysReplace; paused_saysNotRecording", () => {
    const t = resultText({ ...base, keysCheckedAt: null, health: { lastSyncAt: null, batteryPercent: 10, paused: true } }, "en");
    expect(t).to.include("Positive keys have not been fetched yet");
    expect(t).to.include("The token has not been synced yet.");
    expect(t).to.include("Battery: 10 % (low: please replace the battery)");
    expect(t).to.include("paused: it is not recording");
    const ja = resultText({ ...base, keysCheckedAt: null, health: { batteryPercent: 10 } }, "ja");
    expect(ja).to.include("電池を交換してください");
  });

  it("dayLabel_japaneseWeekday", () => {
    expect(dayLabel("2026-11-23", "ja")).to.equal("11月23日(月)");
    expect(dayLabel("2026-11-23", "en")).to.equal("Mon 23 November");
  });

  it("htmlReport_escapesConfiguredText_largePrint", () => {
    const html = htmlReport({ ...base, contacts: [{ name: "<script>x</script> & Co" }] }, "en");
    expect(html).not.to.include("<script>");
    expect(html).to.include("&lt;script&gt;x&lt;/script&gt; &amp; Co");
    expect(html).to.match(/body \{[^}]*font-size: 28px/);
  });
});
