/**
 * Which days of the period checked the token's log covers (docs/MATCHING.md "Verdicts"), from
 * what the syncs saw (sync-state.json `history`, host-tools/base/dataDir.ts SyncEvent):
 *
 *   not covered    before the token was in use; after the last sync; never synced
 *   partly covered the day the token started, or of the last sync; a stretch between two syncs in
 *                  which the token was paused, was off (its clock had been lost: a power cut, so
 *                  nothing was recorded until the sync set it), or had to overwrite records
 *                  before this computer copied them (its memory was full)
 *   covered        otherwise
 *
 * What happened between two syncs is known only at the second one, so such a stretch is marked
 * as a whole: the token reports its state, not its history (a firmware that logged pauses and
 * power cuts could narrow these stretches down).
 */
import type { SyncEvent } from "../base/dataDir";
import type { StatusBody } from "../../common/formats/syncMessages";

export type DayStatus = "covered" | "partly" | "not-covered";
export type GapReason = "never-synced" | "not-started" | "after-sync" | "paused" | "off" | "dropped";

export interface DayCoverage {
  /** The GAEN day (UTC date) "YYYY-MM-DD". */
  date: string;
  status: DayStatus;
  /** Why it is not (fully) covered, most important first; empty when covered. */
  reasons: GapReason[];
}

export interface Coverage {
  days: DayCoverage[];
  /** First and last day with anything covered (null when none). */
  from: string | null;
  to: string | null;
  /** ISO time of the last sync, null when never synced. */
  lastSyncAt: string | null;
}

export interface CoverageInput {
  nowSeconds: number;
  /** Days in the period checked, ending today (UTC). */
  days: number;
  lastSyncAt: string | null;
  history: SyncEvent[];
  /** The status saved at the last sync (used when an older data folder has no history). */
  status: Partial<StatusBody> | null;
}

interface Span {
  from: number;
  to: number;
  none: boolean;
  reason: GapReason;
}

const DAY = 86400;
const ORDER: GapReason[] = ["never-synced", "not-started", "after-sync", "off", "paused", "dropped"];

function isoDay(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}

/** The syncs to reason from: the history, or one event made from the last saved status. */
function eventsOf(i: CoverageInput): SyncEvent[] {
  if (i.history.length) return i.history;
  if (!i.lastSyncAt) return [];
  const s = i.status ?? {};
  return [{
    at: i.lastSyncAt, clockValid: s.clockValid !== false, paused: s.paused === true, recordsDropped: s.recordsDropped ?? 0,
    firstDay: typeof s.firstDay === "number" ? s.firstDay : -1, firstRecordAt: null, fullRead: true,
  }];
}

function spansOf(i: CoverageInput): Span[] {
  const events = eventsOf(i);
  if (!events.length) return [{ from: -Infinity, to: Infinity, none: true, reason: "never-synced" }];
  const spans: Span[] = [];
  const last = events[events.length - 1];
  const lastAt = Date.parse(last.at) / 1000;
  spans.push({ from: lastAt, to: Infinity, none: true, reason: "after-sync" });
  const firstDay = last.firstDay;
  const start = firstDay >= 0 ? firstDay * DAY : -Infinity;
  if (firstDay >= 0) {
    spans.push({ from: -Infinity, to: start, none: true, reason: "not-started" });
    spans.push({ from: start, to: start + DAY, none: false, reason: "not-started" }); // started during that day
  }
  for (let k = 0; k < events.length; k++) {
    const e = events[k];
    const prev = k > 0 ? events[k - 1] : null;
    const from = prev ? Date.parse(prev.at) / 1000 : start;
    const to = Date.parse(e.at) / 1000;
    if (!e.clockValid) spans.push({ from, to, none: false, reason: "off" });
    if (e.paused) spans.push({ from, to, none: false, reason: "paused" });
    if (e.recordsDropped > (prev ? prev.recordsDropped : 0)) {
      spans.push({ from, to: e.firstRecordAt !== null ? Math.min(e.firstRecordAt, to) : to, none: false, reason: "dropped" });
    }
  }
  return spans.filter((s) => s.to > s.from);
}

/** Per-day coverage of the `days` days ending today (UTC), oldest first. */
export function coverage(i: CoverageInput): Coverage {
  const today = Math.floor(i.nowSeconds / DAY);
  const spans = spansOf(i);
  const days: DayCoverage[] = [];
  for (let day = today - i.days + 1; day <= today; day++) {
    const d0 = day * DAY, d1 = d0 + DAY;
    const touching = spans.filter((s) => s.from < d1 && s.to > d0);
    // the part of the day outside every "not covered" span
    let open = [[d0, d1]];
    for (const s of touching.filter((t) => t.none)) {
      open = open.flatMap(([a, b]) => [[a, Math.min(b, s.from)], [Math.max(a, s.to), b]]).filter(([a, b]) => b > a);
    }
    const none = open.length === 0;
    const reasons = ORDER.filter((r) => touching.some((s) => s.reason === r && (s.none || !none)));
    const status: DayStatus = none ? "not-covered" : reasons.length ? "partly" : "covered";
    days.push({ date: isoDay(day), status, reasons });
  }
  const some = days.filter((d) => d.status !== "not-covered");
  return { days, from: some.length ? some[0].date : null, to: some.length ? some[some.length - 1].date : null, lastSyncAt: i.lastSyncAt };
}
