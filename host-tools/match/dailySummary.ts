/**
 * Daily summaries and COCOA's risky-day decision (docs/spec/gaen-protocol.md sections 6-7):
 *
 *   bucket of a scan instance by typical attenuation: immediate <= t0 < near <= t1 < medium <= t2 < other
 *   window weightedDuration = sum(secondsSinceLastScan x bucket weight)
 *   window score = weightedDuration x reportTypeWeight x infectiousnessWeight (windows under
 *                  minimumWindowScore are ignored)
 *   per UTC day: scoreSum, maxScore, weightedDurationSum, scanSeconds = sum(secondsSinceLastScan)
 *   risky day  = scoreSum >= riskyDay.minimumScoreSum AND scanSeconds >= riskyDay.minimumScanSeconds
 *   minutes    = ceil(scanSeconds / 60); total minutes = ceil(sum of risky days' scanSeconds / 60)
 * Only the last config.reportDays UTC days up to `now` are reported.
 */
import { SECONDS_PER_DAY, type ExposureWindow } from "./exposureWindows";
import { attenuationBucket, type RiskConfig } from "./riskConfig";

export interface DaySummary {
  /** "YYYY-MM-DD" (UTC). */
  date: string;
  /** Unix seconds of that UTC midnight. */
  dateSeconds: number;
  scoreSum: number;
  maxScore: number;
  weightedDurationSum: number;
  /** Sum of secondsSinceLastScan over the day's windows. */
  scanSeconds: number;
  /** ceil(scanSeconds / 60). */
  minutes: number;
  windows: number;
  /** Distinct diagnosis keys behind the day's windows (several may be one person). */
  entries: number;
  /** COCOA's decision: a contact worth telling the owner about. */
  risky: boolean;
  /** COCOA's display score: ceil(100 x scoreSum / minimumScoreSum); 100 = the threshold. */
  displayScore: number;
}

export interface ExposureSummary {
  days: DaySummary[];
  riskyDays: number;
  /** Minutes over the risky days (COCOA's "contact on N days, M minutes in total"). */
  riskyMinutes: number;
  /** First day of the reported period ("YYYY-MM-DD"). */
  fromDate: string;
  toDate: string;
}

export function isoDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Score of one window (0 when it falls under minimumWindowScore). */
export function windowScore(w: ExposureWindow, config: RiskConfig): { score: number; weightedDuration: number; scanSeconds: number } {
  let weightedDuration = 0, scanSeconds = 0;
  for (const s of w.scanInstances) {
    weightedDuration += s.secondsSinceLastScan * config.attenuationBucketWeights[attenuationBucket(s.typicalAttenuationDb, config)];
    scanSeconds += s.secondsSinceLastScan;
  }
  const infWeight = w.infectiousness === "HIGH" ? config.infectiousnessWeights.HIGH : w.infectiousness === "STANDARD" ? config.infectiousnessWeights.STANDARD : 0;
  const score = weightedDuration * config.reportTypeWeights[w.reportType] * infWeight;
  return { score, weightedDuration, scanSeconds };
}

/** Daily summaries of the last config.reportDays days up to nowSeconds. */
export function summarizeDays(windows: ExposureWindow[], config: RiskConfig, nowSeconds: number): ExposureSummary {
  if (!Array.isArray(windows)) throw new TypeError("windows must be an array of exposure windows");
  if (!Number.isFinite(nowSeconds)) throw new TypeError("nowSeconds must be a number (Unix seconds), got " + nowSeconds);
  const today = Math.floor(nowSeconds / SECONDS_PER_DAY) * SECONDS_PER_DAY;
  const first = today - (config.reportDays - 1) * SECONDS_PER_DAY;
  const byDay = new Map<number, DaySummary & { keys: Set<number> }>();
  for (const w of windows) {
    if (w.dateSeconds < first || w.dateSeconds > today) continue;
    const { score, weightedDuration, scanSeconds } = windowScore(w, config);
    if (score < config.minimumWindowScore) continue;
    let d = byDay.get(w.dateSeconds);
    if (!d) {
      d = { date: isoDate(w.dateSeconds), dateSeconds: w.dateSeconds, scoreSum: 0, maxScore: 0, weightedDurationSum: 0, scanSeconds: 0, minutes: 0, windows: 0, entries: 0, risky: false, displayScore: 0, keys: new Set() };
      byDay.set(w.dateSeconds, d);
    }
    d.scoreSum += score;
    d.maxScore = Math.max(d.maxScore, score);
    d.weightedDurationSum += weightedDuration;
    d.scanSeconds += scanSeconds;
    d.windows++;
    d.keys.add(w.key);
  }
  const days: DaySummary[] = [];
  let riskyDays = 0, riskySeconds = 0;
  for (const d of [...byDay.values()].sort((a, b) => a.dateSeconds - b.dateSeconds)) {
    const { keys, ...day } = d;
    day.entries = keys.size;
    day.minutes = Math.ceil(day.scanSeconds / 60);
    day.risky = day.scoreSum >= config.riskyDay.minimumScoreSum && day.scanSeconds >= config.riskyDay.minimumScanSeconds;
    day.displayScore = config.riskyDay.minimumScoreSum > 0 ? Math.ceil((100 * day.scoreSum) / config.riskyDay.minimumScoreSum) : 0;
    if (day.risky) {
      riskyDays++;
      riskySeconds += day.scanSeconds;
    }
    days.push(day);
  }
  return { days, riskyDays, riskyMinutes: Math.ceil(riskySeconds / 60), fromDate: isoDate(first), toDate: isoDate(today) };
}
