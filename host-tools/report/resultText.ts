/**
 * What the owner reads after a check, in plain words, Japanese or English (docs/spec/cocoa-promises.md "Being
 * notified"; the wording follows COCOA's own screens, docs/spec/gaen-protocol.md section 6 "Display"):
 *   - "No contact found in the last 14 days", or "Contact on N days, M minutes in total" with
 *     one line per day;
 *   - that several entries may be one person;
 *   - when the keys were last checked and the token last synced;
 *   - what to do next, with the configured local consultation contacts;
 *   - the token's health (battery, days in use, storage, paused).
 * The same structured sections feed the text and the large-print HTML report (htmlReport.ts).
 */
import type { ExposureSummary } from "../match/dailySummary";
import type { Contact } from "./checkSettings";

export type Lang = "ja" | "en";

export interface TokenHealth {
  lastSyncAt?: string | null;
  batteryPercent?: number;
  /** UTC day number (days since 1970-01-01) the token started recording. */
  firstDay?: number;
  storageUsedBytes?: number;
  storageFreeBytes?: number;
  paused?: boolean;
}

export interface OwnerResult {
  tokenId?: string;
  summary: ExposureSummary;
  /** ISO time the keys were last updated (null when never). */
  keysCheckedAt: string | null;
  /** ISO time of this check. */
  checkedAt: string;
  contacts: Contact[];
  health?: TokenHealth;
}

export interface ReportSection {
  heading: string;
  lines: string[];
  /** The headline: shown big. */
  emphasis?: boolean;
}

const WEEKDAYS_JA = ["日", "月", "火", "水", "木", "金", "土"];
const WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "11月12日(木)" / "Thu 12 November" for a "YYYY-MM-DD" date. */
export function dayLabel(date: string, lang: Lang): string {
  const d = new Date(date + "T00:00:00Z");
  const wd = d.getUTCDay();
  return lang === "ja"
    ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日(${WEEKDAYS_JA[wd]})`
    : `${WEEKDAYS_EN[wd]} ${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]}`;
}

/** "2026年11月23日 13:05" / "23 November 2026, 13:05" (UTC, the times the log uses). */
export function timeLabel(iso: string, lang: Lang): string {
  const d = new Date(iso);
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return lang === "ja"
    ? `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${hh}:${mm} (UTC)`
    : `${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

function minutesEn(m: number): string {
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/** The headline sentence. */
export function headline(s: ExposureSummary, lang: Lang): string {
  if (s.riskyDays === 0) {
    return lang === "ja" ? `過去${daysOf(s)}日間に接触は確認されませんでした。` : `No contact found in the last ${daysOf(s)} days.`;
  }
  return lang === "ja"
    ? `${s.riskyDays}日間に合計${s.riskyMinutes}分間の接触がありました。`
    : `Contact on ${s.riskyDays} ${s.riskyDays === 1 ? "day" : "days"}, ${minutesEn(s.riskyMinutes)} in total.`;
}

function daysOf(s: ExposureSummary): number {
  return Math.round((Date.parse(s.toDate) - Date.parse(s.fromDate)) / 86400000) + 1;
}

/** The report as sections (used by the text and the HTML renderings). */
export function reportSections(r: OwnerResult, lang: Lang): ReportSection[] {
  const ja = lang === "ja";
  const s = r.summary;
  const sections: ReportSection[] = [];
  const title = ja ? "接触の確認結果" : "Contact check result";
  const period = ja
    ? `確認した期間: ${dayLabel(s.fromDate, lang)} から ${dayLabel(s.toDate, lang)} まで`
    : `Period checked: ${dayLabel(s.fromDate, lang)} to ${dayLabel(s.toDate, lang)}`;
  const lines = [headline(s, lang), period];
  const low = s.days.filter((d) => !d.risky).length;
  if (low > 0) {
    lines.push(ja
      ? `ほかに、短い時間または離れた距離の接触が${low}日ありましたが、注意が必要な程度ではありません。`
      : `There were also short or distant contacts on ${low} ${low === 1 ? "day" : "days"}, below the level that needs action.`);
  }
  if (r.tokenId) lines.push(ja ? `お守り(トークン): ${r.tokenId}` : `Token: ${r.tokenId}`);
  sections.push({ heading: title, lines, emphasis: true });

  const risky = s.days.filter((d) => d.risky);
  if (risky.length) {
    sections.push({
      heading: ja ? "接触があった日" : "Days with contact",
      lines: risky.map((d) =>
        ja
          ? `${dayLabel(d.date, lang)}: ${d.minutes}分間の接触${d.entries > 1 ? ` (${d.entries}件)` : ""}`
          : `${dayLabel(d.date, lang)}: ${minutesEn(d.minutes)} of contact${d.entries > 1 ? ` (${d.entries} entries)` : ""}`,
      ),
    });
    sections.push({
      heading: ja ? "ご注意" : "Please note",
      lines: [
        ja
          ? "同じ人との接触が、複数の件数として数えられることがあります。この仕組みでは区別できません。"
          : "Several entries may be the same person; the system cannot tell them apart.",
        ja
          ? "距離は電波の強さから推定しています。壁やガラス越し、持ち方によって実際と違うことがあります。"
          : "Distance is estimated from signal strength; walls, glass and how the token is carried can make it wrong.",
      ],
    });
    sections.push({
      heading: ja ? "これからすること" : "What to do next",
      lines: ja
        ? [
            "あわてる必要はありません。接触があったことは、感染したことを意味しません。",
            "最後の接触の日から14日間は、体温を測るなど体調に気をつけてください。",
            "熱やせきなど具合が悪いときは、病院へ行く前に、下の相談窓口に電話してください。「接触確認の通知を受けた」と伝えてください。",
          ]
        : [
            "There is no need to panic: a contact does not mean you are infected.",
            "For 14 days after the last contact day, watch your health, for example take your temperature.",
            "If you have a fever, a cough or feel unwell, telephone a consultation centre below before going to a clinic, and say you received a contact notification.",
          ],
    });
  } else {
    sections.push({
      heading: ja ? "これからすること" : "What to do next",
      lines: ja
        ? ["これまでどおり、お守りを毎日身につけて、ときどき同期してください。", "数日後にもう一度確認してください。"]
        : ["Keep wearing your token every day and sync it now and then.", "Check again in a few days."],
    });
  }
  if (r.contacts.length) {
    sections.push({
      heading: ja ? "相談窓口" : "Where to call",
      lines: r.contacts.map((c) => [c.name, c.phone, c.hours, c.note].filter((x) => x).join("  ")),
    });
  } else if (risky.length) {
    sections.push({
      heading: ja ? "相談窓口" : "Where to call",
      lines: [ja ? "お住まいの地域の保健所、またはかかりつけの医師に電話してください。" : "Telephone your local health centre or your family doctor."],
    });
  }
  sections.push({ heading: ja ? "確認の情報" : "About this check", lines: aboutLines(r, lang) });
  return sections;
}

function aboutLines(r: OwnerResult, lang: Lang): string[] {
  const ja = lang === "ja";
  const out = [ja ? `確認した日時: ${timeLabel(r.checkedAt, lang)}` : `Checked: ${timeLabel(r.checkedAt, lang)}`];
  out.push(
    r.keysCheckedAt
      ? ja ? `陽性者の鍵を最後に取得した日時: ${timeLabel(r.keysCheckedAt, lang)}` : `Positive keys last fetched: ${timeLabel(r.keysCheckedAt, lang)}`
      : ja ? "陽性者の鍵はまだ取得できていません。インターネットにつないでもう一度確認してください。" : "Positive keys have not been fetched yet. Connect to the internet and check again.",
  );
  const h = r.health;
  if (!h) return out;
  if (h.lastSyncAt) out.push(ja ? `お守りを最後に同期した日時: ${timeLabel(h.lastSyncAt, lang)}` : `Token last synced: ${timeLabel(h.lastSyncAt, lang)}`);
  else out.push(ja ? "お守りはまだ同期されていません。" : "The token has not been synced yet.");
  if (h.batteryPercent !== undefined) {
    const low = h.batteryPercent < 20;
    out.push(
      ja
        ? `電池: ${h.batteryPercent}%${low ? " (少なくなっています。電池を交換してください)" : ""}`
        : `Battery: ${h.batteryPercent} %${low ? " (low: please replace the battery)" : ""}`,
    );
  }
  if (h.firstDay !== undefined && h.firstDay > 0) {
    const start = new Date(h.firstDay * 86400000).toISOString().slice(0, 10);
    const days = Math.max(1, Math.floor(Date.parse(r.checkedAt) / 86400000) - h.firstDay + 1);
    out.push(ja ? `使い始めた日: ${dayLabel(start, lang)} (${days}日目)` : `In use since ${dayLabel(start, lang)} (${days} days)`);
  }
  if (h.storageUsedBytes !== undefined && h.storageFreeBytes !== undefined && h.storageUsedBytes + h.storageFreeBytes > 0) {
    const pct = Math.round((100 * h.storageUsedBytes) / (h.storageUsedBytes + h.storageFreeBytes));
    out.push(ja ? `記録の容量: ${pct}% 使用` : `Log storage: ${pct} % used`);
  }
  if (h.paused) out.push(ja ? "お守りは一時停止中です。記録していません。" : "The token is paused: it is not recording.");
  return out;
}

/** The report as plain text for the terminal. */
export function resultText(r: OwnerResult, lang: Lang): string {
  return reportSections(r, lang)
    .map((s) => (s.emphasis ? `== ${s.heading} ==\n` : `-- ${s.heading} --\n`) + s.lines.map((l) => "  " + l).join("\n"))
    .join("\n\n") + "\n";
}
