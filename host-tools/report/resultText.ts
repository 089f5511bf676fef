/**
 * What the owner reads after a check, in plain words, Japanese or English
 * (docs/spec/cocoa-promises.md "Being notified"; COCOA's own wording, docs/spec/gaen-protocol.md
 * section 6 "Display"). The headline is one of three verdicts (verdict.ts):
 *   - contact: "Contact on N days, M minutes in total", one line per day, what to do next;
 *   - no contact in the period covered: the days the log covers, named;
 *   - could not tell: every reason, and first the one thing to do.
 * Then the days checked (coverage.ts: recorded, partly, not), that several entries may be one
 * person, the consultation contacts, when the keys were fetched and the token synced (local time,
 * zone named), and the token's health. The same sections feed the text and the large-print HTML
 * report (htmlReport.ts).
 */
import type { ExposureSummary } from "../match/dailySummary";
import type { Contact } from "./checkSettings";
import type { Coverage, DayCoverage, GapReason } from "./coverage";
import { reasonText, type Verdict } from "./verdict";
import type { Lang } from "../base/language";
import { dateOfDay, dayBoundaryNote, dayLabel, localClock, localTime } from "../base/time";

export type { Lang };

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
  verdict: Verdict;
  coverage: Coverage;
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
  /** Shown as a warning (could not tell). */
  warning?: boolean;
}

function minutesEn(m: number): string {
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/** The headline sentence. */
export function headline(r: OwnerResult, lang: Lang): string {
  const ja = lang === "ja";
  const s = r.summary;
  if (r.verdict.kind === "contact") {
    return ja
      ? `${s.riskyDays}日間に合計${s.riskyMinutes}分間の接触がありました。`
      : `Contact on ${s.riskyDays} ${s.riskyDays === 1 ? "day" : "days"}, ${minutesEn(s.riskyMinutes)} in total.`;
  }
  if (r.verdict.kind === "could-not-tell") {
    return ja ? "接触があったかどうか、確認できませんでした。" : "Could not tell whether there was a contact.";
  }
  const c = r.coverage;
  const from = dayLabel(c.from ?? s.fromDate, lang), to = dayLabel(c.to ?? s.toDate, lang);
  return ja
    ? `お守りの記録がある期間（${from}から${to}まで）に、接触は確認されませんでした。`
    : `No contact found in the days your token's log covers (${from} to ${to}).`;
}

const GAP_WORDS: Record<GapReason, { none: [string, string]; part: [string, string] }> = {
  "never-synced": { none: ["the token has not been synced yet", "まだ同期していません"], part: ["the token has not been synced yet", "まだ同期していません"] },
  "not-started": { none: ["before the token was in use", "お守りを使い始める前です"], part: ["the token started recording that day", "この日から記録を始めました"] },
  "after-sync": { none: ["after the last sync: not on this computer yet", "最後の同期より後で、まだこのパソコンにありません"], part: ["recorded until the last sync", "最後の同期までの分です"] },
  off: { none: ["the token was off", "お守りの電源が切れていました"], part: ["the token was off for a while (flat or removed battery); it recorded nothing until the next sync", "お守りの電源が切れていた時間があります（電池切れなど）。次の同期まで記録していません"] },
  paused: { none: ["recording was paused", "記録を一時停止していました"], part: ["recording was paused for a while", "記録を一時停止していた時間があります"] },
  dropped: { none: ["the token's memory was full", "お守りの記録領域がいっぱいでした"], part: ["the token's memory was full: older records were overwritten before this computer copied them", "お守りの記録領域がいっぱいになり、同期する前に古い記録が上書きされました"] },
};

function gapText(d: DayCoverage, lang: Lang, lastSyncAt: string | null): string {
  const i = lang === "ja" ? 1 : 0;
  return d.reasons
    .map((g) => {
      const w = d.status === "not-covered" ? GAP_WORDS[g].none[i] : GAP_WORDS[g].part[i];
      if (g === "after-sync" && d.status === "partly" && lastSyncAt) return lang === "ja" ? `最後の同期（${localClock(lastSyncAt)}）までの分です` : `recorded until the last sync at ${localClock(lastSyncAt)}`;
      return w;
    })
    .join(lang === "ja" ? "。" : "; ");
}

/** One line per run of days with the same coverage: "Tue 3 November to Thu 12 November: recorded". */
export function coverageLines(c: Coverage, lang: Lang, at: Date): string[] {
  const ja = lang === "ja";
  const lines: string[] = [];
  let i = 0;
  while (i < c.days.length) {
    let j = i;
    const key = (d: DayCoverage) => d.status + "|" + d.reasons.join(",");
    while (j + 1 < c.days.length && key(c.days[j + 1]) === key(c.days[i])) j++;
    const d = c.days[i];
    const when = i === j ? dayLabel(d.date, lang) : ja ? `${dayLabel(d.date, lang)}～${dayLabel(c.days[j].date, lang)}` : `${dayLabel(d.date, lang)} to ${dayLabel(c.days[j].date, lang)}`;
    const what = d.status === "covered"
      ? ja ? "記録あり" : "recorded"
      : d.status === "partly"
        ? (ja ? "一部のみ記録（" : "partly recorded: ") + gapText(d, lang, c.lastSyncAt) + (ja ? "）" : "")
        : (ja ? "記録なし（" : "not recorded: ") + gapText(d, lang, c.lastSyncAt) + (ja ? "）" : "");
    lines.push(ja ? `${when}：${what}` : `${when}: ${what}`);
    i = j + 1;
  }
  const note = dayBoundaryNote(at, lang);
  if (note) lines.push(note);
  return lines;
}

/** The report as sections (used by the text and the HTML renderings). */
export function reportSections(r: OwnerResult, lang: Lang): ReportSection[] {
  const ja = lang === "ja";
  const s = r.summary;
  const v = r.verdict;
  const sections: ReportSection[] = [];
  const lines = [headline(r, lang)];
  if (v.kind === "could-not-tell") {
    const first = v.reasons.length ? reasonText(v.reasons[0], lang) : null;
    if (first) {
      lines.push((ja ? "理由：" : "Why: ") + first.why);
      lines.push((ja ? "まずすること：" : "What to do: ") + first.todo);
    }
  } else {
    const low = s.days.filter((d) => !d.risky).length;
    if (low > 0) {
      lines.push(ja
        ? `ほかに、短い時間または離れた距離の接触が${low}日ありましたが、注意が必要な程度ではありません。`
        : `There were also short or distant contacts on ${low} ${low === 1 ? "day" : "days"}, below the level that needs action.`);
    }
  }
  if (r.tokenId) lines.push(ja ? `お守り：${r.tokenId}` : `Token: ${r.tokenId}`);
  sections.push({ heading: ja ? "接触の確認結果" : "Contact check result", lines, emphasis: true, warning: v.kind === "could-not-tell" });

  if (v.kind === "could-not-tell" && v.reasons.length > 1) {
    sections.push({
      heading: ja ? "確認できなかった理由（すべて）" : "Why it could not tell (all reasons)",
      lines: v.reasons.map((x) => {
        const t = reasonText(x, lang);
        return t.why + " " + (ja ? "→ " : "→ ") + t.todo;
      }),
      warning: true,
    });
  }
  const risky = s.days.filter((d) => d.risky);
  if (risky.length) {
    sections.push({
      heading: ja ? "接触があった日" : "Days with contact",
      lines: risky.map((d) =>
        ja
          ? `${dayLabel(d.date, lang)}：${d.minutes}分間の接触${d.entries > 1 ? `（${d.entries}件）` : ""}`
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
    if (v.reasons.length) {
      sections.push({
        heading: ja ? "この確認で足りなかったこと" : "What this check was missing",
        lines: v.reasons.map((x) => {
          const t = reasonText(x, lang);
          return t.why + " → " + t.todo;
        }),
      });
    }
  } else if (v.kind === "no-contact") {
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
  sections.push({ heading: ja ? "確認した日" : "Days checked", lines: coverageLines(r.coverage, lang, new Date(r.checkedAt)) });
  sections.push({ heading: ja ? "確認の情報" : "About this check", lines: aboutLines(r, lang) });
  return sections;
}

function aboutLines(r: OwnerResult, lang: Lang): string[] {
  const ja = lang === "ja";
  const out = [ja ? `確認した日時：${localTime(r.checkedAt, lang)}` : `Checked: ${localTime(r.checkedAt, lang)}`];
  out.push(
    r.keysCheckedAt
      ? ja ? `陽性者の鍵を最後に取得した日時：${localTime(r.keysCheckedAt, lang)}` : `Positive keys last fetched: ${localTime(r.keysCheckedAt, lang)}`
      : ja ? "陽性者の鍵は、まだ取得できていません。" : "Positive keys have not been fetched yet.",
  );
  const h = r.health;
  if (!h) return out;
  if (h.lastSyncAt) out.push(ja ? `お守りを最後に同期した日時：${localTime(h.lastSyncAt, lang)}` : `Token last synced: ${localTime(h.lastSyncAt, lang)}`);
  else out.push(ja ? "お守りは、まだ同期していません。" : "The token has not been synced yet.");
  if (h.batteryPercent !== undefined) {
    const low = h.batteryPercent < 20;
    out.push(
      ja
        ? `電池：${h.batteryPercent}%${low ? "（少なくなっています。電池を交換してください）" : ""}`
        : `Battery: ${h.batteryPercent} %${low ? " (low: please replace the battery)" : ""}`,
    );
  }
  if (h.firstDay !== undefined && h.firstDay > 0) {
    const days = Math.max(1, Math.floor(Date.parse(r.checkedAt) / 86400000) - h.firstDay + 1);
    out.push(ja ? `使い始めた日：${dateOfDay(h.firstDay, lang)}（${days}日目）` : `In use since ${dateOfDay(h.firstDay, lang)} (${days} days)`);
  }
  if (h.storageUsedBytes !== undefined && h.storageFreeBytes !== undefined && h.storageUsedBytes + h.storageFreeBytes > 0) {
    const pct = Math.round((100 * h.storageUsedBytes) / (h.storageUsedBytes + h.storageFreeBytes));
    out.push(ja ? `記録の容量：${pct}% 使用` : `Log storage: ${pct} % used`);
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
