/**
 * Times and days as a person reads them. Every time shown is in this computer's time zone, with
 * the zone named ("13 November 2026, 18:00 (Japan Standard Time)" / 「2026年11月13日 18:00（日本標準時）」).
 * Days of contact are GAEN days: UTC calendar days, as COCOA counted them (docs/spec/gaen-protocol.md
 * section 7), shown by their date; dayBoundaryNote says when such a day starts in local time.
 */
import type { Lang } from "./language";

const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS_JA = ["日", "月", "火", "水", "木", "金", "土"];
const WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Name of this computer's time zone at `d`: "Japan Standard Time" / 「日本標準時」. */
function zoneName(d: Date, lang: Lang): string {
  const parts = new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-GB", { timeZoneName: "long" }).formatToParts(d);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "UTC";
}

/** Local date and time with the zone named; an unreadable time is returned as it is. */
export function localTime(t: string | number | Date, lang: Lang): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const hhmm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return lang === "ja"
    ? `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hhmm}（${zoneName(d, lang)}）`
    : `${d.getDate()} ${MONTHS_EN[d.getMonth()]} ${d.getFullYear()}, ${hhmm} (${zoneName(d, lang)})`;
}

/** A local clock time only, "18:00". */
export function localClock(t: string | number | Date): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** A GAEN day "YYYY-MM-DD": 「11月12日(木)」 / "Thu 12 November". */
export function dayLabel(date: string, lang: Lang): string {
  const d = new Date(date + "T00:00:00Z");
  const wd = d.getUTCDay();
  return lang === "ja"
    ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日（${WEEKDAYS_JA[wd]}）`
    : `${WEEKDAYS_EN[wd]} ${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]}`;
}

/** A calendar date with its year, from a UTC day number: 「2026年11月3日」 / "3 November 2026". */
export function dateOfDay(day: number, lang: Lang): string {
  const d = new Date(day * 86400000);
  return lang === "ja"
    ? `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`
    : `${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** When a GAEN day begins here: "Each day runs from 09:00 to 09:00 (Japan Standard Time) ...". */
export function dayBoundaryNote(at: Date, lang: Lang): string {
  const midnight = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const clock = localClock(midnight);
  if (clock === "00:00") return "";
  return lang === "ja"
    ? `1日の区切りは、COCOAと同じく${clock}です（${clock}から翌日の${clock}まで、${zoneName(midnight, lang)}）。`
    : `As COCOA did, each day runs from ${clock} to ${clock} the next day (${zoneName(midnight, lang)}).`
}
