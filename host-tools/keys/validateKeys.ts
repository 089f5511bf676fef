/**
 * Checks every diagnosis key of decoded exports and collects the usable ones into a KeySet,
 * counting what was dropped and why (docs/spec/gaen-protocol.md sections 4 and 6). Servers pad exports with fake
 * keys; those pass (they look like any key) and simply never match.
 *
 * Rules (a key is dropped for the first that fails). Field rules, checked once when a file is
 * read (keyRecords.ts keeps only the keys that pass them):
 *   key-length        key_data is not exactly 16 bytes
 *   no-start          rolling_start_interval_number is missing
 *   rolling-period    rolling_period outside 1..144
 *   report-type       report_type is not one of 0..5
 *   days-since-onset  days_since_onset_of_symptoms outside -14..14
 *   risk-level        transmission_risk_level outside 0..8 (0 itself is VALID and kept:
 *                     COCOA's keys carried 0; the level is not used for scoring, see docs/MATCHING.md)
 * Time rules, as of the check's time:
 *   too-old           validity ended before the 14-day window (plus one day of slack)
 *   future            starts more than 2 h (12 intervals) after now
 * Rules over the whole set, in file order:
 *   revoked           report_type REVOKED (5), or a revised key revoked it
 *   duplicate         the same key (data + rolling start) was already taken
 * Revised keys (export field 8) update the report type / days since onset of a key already taken,
 * or revoke it; a revised key not seen before is taken as a new key. Exports are applied in the
 * order given (oldest first).
 */
import { eninFromUnixSeconds, RETENTION_DAYS, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { ReportType, type ExportContent, type ExportKey } from "./exportFile";
import { ABSENT, KeySet, type KeyFields } from "../match/keySet";
import { DROP_REASONS, emptyDropCounts, KeyRecordBuilder, type DropReason, type KeyRecords } from "./keyRecords";

export { DROP_REASONS, emptyDropCounts, type DropReason } from "./keyRecords";

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


/** Why a key with these fields can never be used (field rules), or null. Absent optional fields are undefined. */
export function fieldProblem(
  keyLength: number, start: number | undefined, period: number, reportType?: number, daysSinceOnset?: number, riskLevel?: number,
): DropReason | null {
  if (keyLength !== 16) return "key-length";
  if (start === undefined || !Number.isInteger(start) || start < 0) return "no-start";
  if (!Number.isInteger(period) || period < 1 || period > TEK_ROLLING_PERIOD) return "rolling-period";
  if (reportType !== undefined && (!Number.isInteger(reportType) || reportType < 0 || reportType > ReportType.REVOKED)) return "report-type";
  if (daysSinceOnset !== undefined && !(Number.isInteger(daysSinceOnset) && Math.abs(daysSinceOnset) <= 14)) return "days-since-onset";
  if (riskLevel !== undefined && !(Number.isInteger(riskLevel) && riskLevel >= 0 && riskLevel <= 8)) return "risk-level";
  return null;
}

/** Why a key valid from `start` for `period` intervals is of no use at `nowEnin` (time rules), or null. */
export function timeProblem(start: number, period: number, nowEnin: number): DropReason | null {
  if (start + period + TOLERANCE_INTERVALS < nowEnin - (RETENTION_DAYS + 1) * TEK_ROLLING_PERIOD) return "too-old";
  if (start > nowEnin + TOLERANCE_INTERVALS) return "future";
  return null;
}

/** Why `k` cannot be used at time `nowEnin`, or null when it is usable. Revocation is checked by the caller. */
export function keyProblem(k: ExportKey, nowEnin: number): DropReason | null {
  const length = k.keyData instanceof Uint8Array ? k.keyData.length : -1;
  const period = k.rollingPeriod ?? TEK_ROLLING_PERIOD;
  return fieldProblem(length, k.rollingStartIntervalNumber, period, k.reportType, k.daysSinceOnsetOfSymptoms, k.transmissionRiskLevel)
    ?? timeProblem(k.rollingStartIntervalNumber as number, period, nowEnin);
}

/** The keys of a decoded export (objects) as flat records, field rules applied. */
export function recordsFromContent(e: ExportContent): KeyRecords {
  const b = new KeyRecordBuilder(e.keys.length + e.revisedKeys.length);
  for (const list of [e.keys, e.revisedKeys]) {
    if (list === e.revisedKeys) b.startRevised();
    for (const k of list) {
      const length = k.keyData instanceof Uint8Array ? k.keyData.length : -1;
      const period = k.rollingPeriod ?? TEK_ROLLING_PERIOD;
      const problem = fieldProblem(length, k.rollingStartIntervalNumber, period, k.reportType, k.daysSinceOnsetOfSymptoms, k.transmissionRiskLevel);
      if (problem) b.drop(problem);
      else b.push(k.keyData, 0, k.rollingStartIntervalNumber as number, period, k.reportType ?? ABSENT, k.daysSinceOnsetOfSymptoms ?? ABSENT, k.transmissionRiskLevel ?? ABSENT);
    }
  }
  return b.finish();
}

/**
 * Collects keys export by export (oldest first), so a national set never has to be decoded into
 * objects all at once: decode a file, add it, let it go. With `nowSeconds` null the time rules
 * are left out (the key store keeps every key and applies them when it is loaded).
 */
export class KeyCollector {
  readonly keys: KeySet;
  readonly dropped = emptyDropCounts();
  read = 0;
  revisedApplied = 0;
  /**
   * Called with the index of every key added, repeated (a duplicate) or changed by a revised key:
   * the key store tracks which file last held each key (keyStore.ts).
   */
  onTouch: ((index: number) => void) | null = null;
  private readonly nowEnin: number | null;

  /** `keys`: a set to continue (the key store adds new files to the keys it already holds). */
  constructor(nowSeconds: number | null, capacity = 1024, keys?: KeySet) {
    if (nowSeconds !== null && !Number.isFinite(nowSeconds)) throw new TypeError("nowSeconds must be a number (Unix seconds)");
    this.nowEnin = nowSeconds === null ? null : eninFromUnixSeconds(nowSeconds);
    this.keys = keys ?? new KeySet(Math.max(16, capacity));
    this.keys.reserve(this.keys.count + capacity);
  }

  add(e: ExportContent): void {
    this.addRecords(recordsFromContent(e));
  }

  /** Adds the keys of one file (keyRecords.ts: field rules already applied, drops counted). */
  addRecords(r: KeyRecords): void {
    const keys = this.keys;
    const dropped = this.dropped;
    const nowEnin = this.nowEnin;
    this.read += r.read;
    for (const reason of DROP_REASONS) dropped[reason] += r.dropped[reason];
    const f: KeyFields = { rollingStart: 0, rollingPeriod: 0, reportType: 0, daysSinceOnset: 0, transmissionRiskLevel: 0 };
    for (let j = 0; j < r.count; j++) {
      f.rollingStart = r.rollingStart[j];
      f.rollingPeriod = r.rollingPeriod[j];
      f.reportType = r.reportType[j];
      f.daysSinceOnset = r.daysSinceOnset[j];
      f.transmissionRiskLevel = r.transmissionRiskLevel[j];
      const problem = nowEnin === null ? null : timeProblem(f.rollingStart, f.rollingPeriod, nowEnin);
      if (problem) {
        dropped[problem]++;
        continue;
      }
      const revoking = f.reportType === ReportType.REVOKED;
      if (j < r.revisedFrom) {
        if (revoking) dropped.revoked++;
        else {
          const i = keys.add(r.keyData, 16 * j, f);
          if (i >= 0) this.onTouch?.(i);
          else {
            dropped.duplicate++;
            if (this.onTouch) this.onTouch(keys.find(r.keyData, 16 * j, f.rollingStart));
          }
        }
        continue;
      }
      const i = keys.find(r.keyData, 16 * j, f.rollingStart);
      if (i >= 0) {
        this.revisedApplied++;
        this.onTouch?.(i);
        if (revoking) {
          if (!keys.isRevoked(i)) dropped.revoked++;
          keys.revoke(i);
        } else if (!keys.isRevoked(i)) keys.set(i, f);
      } else if (revoking) dropped.revoked++;
      else {
        const n = keys.add(r.keyData, 16 * j, f);
        if (n >= 0) this.onTouch?.(n);
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
