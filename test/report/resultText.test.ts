import { expect } from "chai";
import type { DaySummary, ExposureSummary } from "../../host-tools/match/dailySummary";
import { htmlReport } from "../../host-tools/report/htmlReport";
import { headline, resultText, coverageLines, type OwnerResult } from "../../host-tools/report/resultText";
import { dayLabel, localTime } from "../../host-tools/base/time";
import { coverage } from "../../host-tools/report/coverage";
import { decide } from "../../host-tools/report/verdict";

function day(date: string, minutes: number, risky: boolean, entries = 1): DaySummary {
  return { date, dateSeconds: Date.parse(date) / 1000, scoreSum: 0, maxScore: 0, weightedDurationSum: 0, scanSeconds: minutes * 60, minutes, windows: 1, entries, risky, displayScore: 0 };
}

function summary(days: DaySummary[], riskyMinutes: number): ExposureSummary {
  return { days, riskyDays: days.filter((d) => d.risky).length, riskyMinutes, fromDate: "2026-11-10", toDate: "2026-11-23" };
}

const NOW = Date.parse("2026-11-23T09:00:00Z") / 1000;
/** A token in use since 1 November, synced an hour before the check. */
const cov = coverage({ nowSeconds: NOW, days: 14, lastSyncAt: "2026-11-23T08:00:00Z", history: [], status: { firstDay: Date.parse("2026-11-01") / 86400000 } });

function result(s: ExposureSummary, extra: Partial<OwnerResult> = {}): OwnerResult {
  return { summary: s, verdict: decide(s.riskyDays, []), coverage: cov, keysCheckedAt: "2026-11-23T08:00:00Z", checkedAt: "2026-11-23T09:00:00Z", contacts: [], ...extra };
}

describe("report/resultText", () => {
  let tz: string | undefined;
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = "Asia/Tokyo";
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it("headline_twoDays31Minutes_englishAndJapanese (COCOA's wording)", () => {
    const r = result(summary([day("2026-11-12", 16, true), day("2026-11-14", 15, true)], 31));
    expect(headline(r, "en")).to.equal("Contact on 2 days, 31 minutes in total.");
    expect(headline(r, "ja")).to.equal("2日間に合計31分間の接触がありました。");
  });

  it("headline_oneDay_singular", () => {
    expect(headline(result(summary([day("2026-11-12", 1, true)], 1)), "en")).to.equal("Contact on 1 day, 1 minute in total.");
    expect(headline(result(summary([day("2026-11-12", 20, true)], 20)), "ja")).to.equal("1日間に合計20分間の接触がありました。");
  });

  it("headline_noContact_namesThePeriodTheLogCovers_neverTheLast14DaysBlindly", () => {
    const r = result(summary([], 0));
    expect(headline(r, "en")).to.equal("No contact found in the days your token's log covers (Tue 10 November to Mon 23 November).");
    expect(headline(r, "ja")).to.equal("お守りの記録がある期間（11月10日（火）から11月23日（月）まで）に、接触は確認されませんでした。");
  });

  it("headline_couldNotTell_withTheFirstReasonAndWhatToDo", () => {
    const r = result(summary([], 0), { verdict: decide(0, [{ code: "keys-never-fetched" }, { code: "no-key-source", settingsPath: "/h/check.json" }]) });
    const t = resultText(r, "en");
    expect(t).to.include("Could not tell whether there was a contact.");
    expect(t).to.include("Why: No key source is set in /h/check.json");
    expect(t).to.include("What to do: Add a key source");
    expect(t).to.include("Why it could not tell (all reasons)");
    expect(t).not.to.include("No contact found");
    const ja = resultText(r, "ja");
    expect(ja).to.include("接触があったかどうか、確認できませんでした。");
    expect(ja).to.include("まずすること：鍵の取得元を設定してください。");
  });

  it("resultText_severalEntriesOnADay_countsThemAndSaysTheyMayBeOnePerson", () => {
    const t = resultText(result(summary([day("2026-11-12", 40, true, 3)], 40)), "en");
    expect(t).to.include("Thu 12 November: 40 minutes of contact (3 entries)");
    expect(t).to.include("Several entries may be the same person");
  });

  it("resultText_lowRiskDaysOnly_noAlarmButMentioned", () => {
    const t = resultText(result(summary([day("2026-11-12", 3, false)], 0)), "en");
    expect(t).to.include("No contact found in the days your token's log covers");
    expect(t).to.include("short or distant contacts on 1 day");
    expect(t).not.to.include("Days with contact");
  });

  it("resultText_lowBattery_saysReplace; paused_saysNotRecording; times local with the zone named", () => {
    const t = resultText(result(summary([], 0), { keysCheckedAt: null, health: { lastSyncAt: "2026-11-23T08:00:00Z", batteryPercent: 10, paused: true } }), "en");
    expect(t).to.include("Positive keys have not been fetched yet.");
    expect(t).to.include("Token last synced: 23 November 2026, 17:00 (Japan Standard Time)");
    expect(t).to.include("Checked: 23 November 2026, 18:00 (Japan Standard Time)");
    expect(t).to.include("Battery: 10 % (low: please replace the battery)");
    expect(t).to.include("paused: it is not recording");
    const ja = resultText(result(summary([], 0), { health: { batteryPercent: 10 } }), "ja");
    expect(ja).to.include("電池を交換してください");
    expect(ja).to.include("確認した日時：2026年11月23日 18:00（日本標準時）");
    expect(ja).not.to.match(/\(UTC\)|UTC\b/);
  });

  it("coverageLines_groupsDays_namesWhyADayIsNotFullyRecorded_andWhenADayStarts", () => {
    const c = coverage({ nowSeconds: NOW, days: 14, lastSyncAt: "2026-11-23T08:00:00Z", history: [], status: { firstDay: Date.parse("2026-11-15") / 86400000 } });
    const en = coverageLines(c, "en", new Date(NOW * 1000));
    expect(en).to.deep.equal([
      "Tue 10 November to Sat 14 November: not recorded: before the token was in use",
      "Sun 15 November: partly recorded: the token started recording that day",
      "Mon 16 November to Sun 22 November: recorded",
      "Mon 23 November: partly recorded: recorded until the last sync at 17:00",
      "As COCOA did, each day runs from 09:00 to 09:00 the next day (Japan Standard Time).",
    ]);
    const ja = coverageLines(c, "ja", new Date(NOW * 1000));
    expect(ja[0]).to.equal("11月10日（火）～11月14日（土）：記録なし（お守りを使い始める前です）");
    expect(ja[3]).to.equal("11月23日（月）：一部のみ記録（最後の同期（17:00）までの分です）");
  });

  it("dayLabel_japaneseWeekday_fullWidthBrackets; localTime names the zone", () => {
    expect(dayLabel("2026-11-23", "ja")).to.equal("11月23日（月）");
    expect(dayLabel("2026-11-23", "en")).to.equal("Mon 23 November");
    expect(localTime("2026-11-23T09:00:00Z", "ja")).to.equal("2026年11月23日 18:00（日本標準時）");
  });

  it("htmlReport_escapesConfiguredText_largePrint_couldNotTellSetApart", () => {
    const html = htmlReport(result(summary([], 0), { contacts: [{ name: "<script>x</script> & Co" }] }), "en");
    expect(html).not.to.include("<script>");
    expect(html).to.include("&lt;script&gt;x&lt;/script&gt; &amp; Co");
    expect(html).to.match(/body \{[^}]*font-size: 28px/);
    expect(html).to.include('data-verdict="no-contact"');
    const cnt = htmlReport(result(summary([], 0), { verdict: decide(null, [{ code: "no-token" }]) }), "ja");
    expect(cnt).to.include('data-verdict="could-not-tell"');
    expect(cnt).to.include('<section class="main warning">');
    expect(cnt).to.include("接触があったかどうか、確認できませんでした。");
  });
});
