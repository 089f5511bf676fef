/**
 * Checks every diagnosis key of decoded exports and collects the usable ones into a KeySet,
 * counting what was dropped and why (docs/spec/gaen-protocol.md sections 4 and 6). Servers pad exports with fake
 * keys; those pass (they look like any key) and simply never match.
 *
 * Rules (a key is dropped for the first that fails):
 *   key-length        key_data is not exactly 16 bytes
 *   no-start          rolling_start_interval_number is missing
 *   rolling-period    rolling_period outside 1..144
 *   too-old           validity ended before the 14-day window (plus one day of slack)
 *   future            starts more than 2 h (12 intervals) after now
 *   report-type       report_type is not one of 0..5
 *   revoked           report_type REVOKED (5), or a revised key revoked it
 *   days-since-onset  days_since_onset_of_symptoms outside -14..14
 *   risk-level        transmission_risk_level outside 0..8 (0 itself is VALID and kept:
 *                     COCOA's keys carried 0; the level is not used for scoring, see docs/MATCHING.md)
 *   duplicate         the same key (data + rolling start) was already taken
 * Revised keys (export field 8) update the report type / days since onset of a key already taken,
 * or revoke it; a revised key not seen before is taken as a new key. Exports are applied in the
 * order given (oldest first).
 */
import { eninFromUnixSeconds, RETENTION_DAYS, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { ReportType, type ExportContent, type ExportKey } from "./exportFile";
import { ABSENT, KeySet, type KeyFields } from "../match/keySet";

export const DROP_REASONS = [
  "key-length", "no-start", "rolling-period", "too-old", "future", "report-type",
  "revoked", "days-since-onset", "risk-level", "duplicate",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Clock drift tolerance (docs/spec/gaen-protocol.md section 7): 12 intervals = 2 h. */
export const TOLERANCE_INTERVALS = 12;

export interface KeyValidation {
  keys: KeySet;
  /** Keys read (keys + revised keys) across all exports. */
  read: number;
  /** Revised keys that changed or revoked a key already taken. */
  revisedApplied: number;
  dropped: Record<DropReason, number>;
}

export function emptyDropCounts(): Record<DropReason, number> {
  const d = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) d[r] = 0;
  return d;
}

/** Why `k` cannot be used at time `nowEnin`, or null when it is usable. Revocation is checked by the caller. */
export function keyProblem(k: ExportKey, nowEnin: number): DropReason | null {
  if (!(k.keyData instanceof Uint8Array) || k.keyData.length !== 16) return "key-length";
  const start = k.rollingStartIntervalNumber;
  if (start === undefined || !Number.isInteger(start) || start < 0) return "no-start";
  const period = k.rollingPeriod ?? TEK_ROLLING_PERIOD;
  if (!Number.isInteger(period) || period < 1 || period > TEK_ROLLING_PERIOD) return "rolling-period";
  if (start + period + TOLERANCE_INTERVALS < nowEnin - (RETENTION_DAYS + 1) * TEK_ROLLING_PERIOD) return "too-old";
  if (start > nowEnin + TOLERANCE_INTERVALS) return "future";
  if (k.reportType !== undefined && (!Number.isInteger(k.reportType) || k.reportType < 0 || k.reportType > ReportType.REVOKED)) return "report-type";
  if (k.daysSinceOnsetOfSymptoms !== undefined && !(Number.isInteger(k.daysSinceOnsetOfSymptoms) && Math.abs(k.daysSinceOnsetOfSymptoms) <= 14)) return "days-since-onset";
  if (k.transmissionRiskLevel !== undefined && !(Number.isInteger(k.transmissionRiskLevel) && k.transmissionRiskLevel >= 0 && k.transmissionRiskLevel <= 8)) return "risk-level";
  return null;
}

function fieldsOf(k: ExportKey): KeyFields {
  return {
    rollingStart: k.rollingStartIntervalNumber as number,
    rollingPeriod: k.rollingPeriod ?? TEK_ROLLING_PERIOD,
    reportType: k.reportType ?? ABSENT,
    daysSinceOnset: k.daysSinceOnsetOfSymptoms ?? ABSENT,
    transmissionRiskLevel: k.transmissionRiskLevel ?? ABSENT,
  };
}

/**
 * Collects keys export by export (oldest first), so a national set never has to be decoded into
 * objects all at once: decode a file, add it, let it go.
 */
export class KeyCollector {
  readonly keys: KeySet;
  readonly dropped = emptyDropCounts();
  read = 0;
  revisedApplied = 0;
  /** Called with the index of every key added or changed by a revised key (runCheck.ts tracks which file last touched each key). */
  onTouch: ((index: number) => void) | null = null;
  private readonly nowEnin: number;

  constructor(nowSeconds: number, capacity = 1024) {
    if (!Number.isFinite(nowSeconds)) throw new TypeError("nowSeconds must be a number (Unix seconds)");
    this.nowEnin = eninFromUnixSeconds(nowSeconds);
    this.keys = new KeySet(Math.max(16, capacity));
  }

  add(e: ExportContent): void {
    const keys = this.keys;
    const dropped = this.dropped;
    this.read += e.keys.length + e.revisedKeys.length;
    for (const k of e.keys) {
      const problem = keyProblem(k, this.nowEnin);
      if (problem) dropped[problem]++;
      else if (k.reportType === ReportType.REVOKED) dropped.revoked++;
      else {
        const i = keys.add(k.keyData, 0, fieldsOf(k));
        if (i < 0) dropped.duplicate++;
        else this.onTouch?.(i);
      }
    }
    for (const k of e.revisedKeys) {
      const problem = keyProblem(k, this.nowEnin);
      if (problem) {
        dropped[problem]++;
        continue;
      }
      const i = keys.find(k.keyData, 0, k.rollingStartIntervalNumber as number);
      if (i >= 0) {
        this.revisedApplied++;
        this.onTouch?.(i);
        if (k.reportType === ReportType.REVOKED) {
          if (!keys.isRevoked(i)) dropped.revoked++;
          keys.revoke(i);
        } else if (!keys.isRevoked(i)) keys.set(i, fieldsOf(k));
      } else if (k.reportType === ReportType.REVOKED) dropped.revoked++;
      else {
        const j = keys.add(k.keyData, 0, fieldsOf(k));
        if (j >= 0) this.onTouch?.(j);
      }
    }
  }

  result(): KeyValidation {
    return { keys: this.keys, read: this.read, revisedApplied: this.revisedApplied, dropped: this.dropped };
  }
}

/** Validate and collect keys from exports (oldest first) as of `nowSeconds` (Unix seconds). */
export function validateKeys(exports: ExportContent[], nowSeconds: number): KeyValidation {
  if (!Array.isArray(exports)) throw new TypeError("exports must be an array of decoded export files");
  const c = new KeyCollector(nowSeconds, exports.reduce((n, e) => n + e.keys.length + e.revisedKeys.length, 0));
  for (const e of exports) c.add(e);
  return c.result();
}
