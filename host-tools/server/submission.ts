/**
 * COCOA's v3 positive registration body (docs/spec/gaen-protocol.md section 6, `V3DiagnosisSubmissionParameter`), and its
 * validation as COCOA's server did it (`TemporaryExposureKeyValidationService`):
 *
 *   - keyData is base64 of exactly 16 bytes; rollingPeriod <= 144 (0 means 144); reportType 0..5.
 *     A malformed key refuses the whole request (it is a client bug; nothing is used up).
 *   - keys whose rolling start is older than 14 days or in the future are dropped, as are keys whose
 *     days since onset (key's UTC day - onset/test date's UTC day) is outside -3..+10 (symptoms)
 *     or -3..+7 (test date). COCOA dropped these silently; here the answer lists them.
 *   - transmission risk level: 4 (MEDIUM) when days since onset >= -3, else 1 (LOWEST).
 *
 * Pure: no database, no clock of its own (the caller passes `nowMs`).
 */
import { dayFromEnin, eninFromUnixSeconds, isValidEnin, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { ApiError } from "./apiErrors";
import {
  EMBARGO_HOURS,
  KEY_RETENTION_DAYS,
  MS_PER_DAY,
  ONSET_WINDOW_SYMPTOMS,
  ONSET_WINDOW_TEST,
  TRL_INFECTIOUS,
  TRL_OTHER,
} from "./settings";

/** One key as COCOA's app sends it. */
export interface SubmittedKey {
  keyData: string;
  rollingStartNumber: number;
  rollingPeriod: number;
  reportType: number;
  /** v1-era field; the v3 server computes the level itself and ignores this. */
  transmissionRisk?: number;
}

/** The JSON body of `PUT /v3/diagnosis`. */
export interface DiagnosisSubmission {
  hasSymptom: boolean;
  /** RFC 3339 time with offset, COCOA format yyyy-MM-dd'T'HH:mm:ss.fffzzz. */
  onsetOfSymptomOrTestDate: string;
  keys: SubmittedKey[];
  regions: string[];
  platform: string;
  deviceVerificationPayload: string;
  appPackageName: string;
  /** The 8-digit processing number. */
  verificationPayload: string;
  idempotency_key?: string;
  padding?: string;
}

/** A key that passed every rule, ready to be stored. */
export interface AcceptedKey {
  keyData: Uint8Array;
  rollingStartNumber: number;
  rollingPeriod: number;
  reportType: number;
  transmissionRiskLevel: number;
  daysSinceOnsetOfSymptoms: number;
  /** Milliseconds since the epoch before which the key must not be published. */
  publishAfterMs: number;
}

export type DropReason = "TOO_OLD" | "IN_FUTURE" | "OUTSIDE_INFECTIOUS_PERIOD";

export interface ValidatedSubmission {
  processingNumber: string;
  idempotencyKey?: string;
  keys: AcceptedKey[];
  dropped: { index: number; reason: DropReason }[];
}

/** Most keys one submission may carry (COCOA sends at most 15; Google's server allows 30). */
export const MAX_KEYS_PER_SUBMISSION = 30;
const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:Z|[+-]\d{2}:\d{2})$/;

function fieldError(detail: string): ApiError {
  return new ApiError("INVALID_FIELD", detail);
}

function requireString(body: Record<string, unknown>, name: string, allowEmpty = false): string {
  const v = body[name];
  if (typeof v !== "string") throw fieldError(`${name} must be a string, got ${shown(v)}`);
  if (!allowEmpty && v.trim() === "") throw fieldError(`${name} must not be empty`);
  return v;
}

function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v) : typeof v === "object" ? "an object" : String(v);
}

/** UTC day number (days since 1970-01-01) of an RFC 3339 time, as COCOA's ToUniversalTime().Date. */
export function utcDayOf(rfc3339: string): number {
  if (!RFC3339.test(rfc3339)) {
    throw fieldError(`onsetOfSymptomOrTestDate must look like 2026-11-20T00:00:00.000+09:00, got ${shown(rfc3339)}`);
  }
  const ms = Date.parse(rfc3339);
  if (!Number.isFinite(ms)) throw fieldError(`onsetOfSymptomOrTestDate is not a real date: ${shown(rfc3339)}`);
  return Math.floor(ms / MS_PER_DAY);
}

function checkKey(k: unknown, i: number): { keyData: Uint8Array; rollingStartNumber: number; rollingPeriod: number; reportType: number } {
  const bad = (detail: string) => new ApiError("INVALID_KEY", `keys[${i}]: ${detail}`);
  if (typeof k !== "object" || k === null || Array.isArray(k)) throw bad(`must be an object, got ${shown(k)}`);
  const key = k as Record<string, unknown>;
  if (typeof key.keyData !== "string" || !BASE64.test(key.keyData)) throw bad(`keyData must be base64, got ${shown(key.keyData)}`);
  const keyData = new Uint8Array(Buffer.from(key.keyData, "base64"));
  if (keyData.length !== 16) throw bad(`keyData must be 16 bytes, got ${keyData.length}`);
  const rsn = key.rollingStartNumber;
  if (typeof rsn !== "number" || !isValidEnin(rsn)) throw bad(`rollingStartNumber must be a whole number 0..4294967295, got ${shown(rsn)}`);
  const period = key.rollingPeriod ?? 0;
  if (typeof period !== "number" || !Number.isInteger(period) || period < 0 || period > TEK_ROLLING_PERIOD) {
    throw bad(`rollingPeriod must be a whole number 0..144, got ${shown(period)}`);
  }
  const reportType = key.reportType ?? 0;
  if (typeof reportType !== "number" || !Number.isInteger(reportType) || reportType < 0 || reportType > 5) {
    throw bad(`reportType must be a whole number 0..5, got ${shown(reportType)}`);
  }
  return { keyData, rollingStartNumber: rsn, rollingPeriod: period === 0 ? TEK_ROLLING_PERIOD : period, reportType };
}

/**
 * Checks a parsed JSON body and returns the keys to store. Throws ApiError (INVALID_FIELD,
 * INVALID_KEY, UNSUPPORTED_REGION, NO_VALID_KEYS) with a detail naming the field.
 * The processing number is only checked for shape here; the caller verifies it.
 */
export function validateSubmission(body: unknown, nowMs: number, region: string): ValidatedSubmission {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw fieldError(`the body must be a JSON object, got ${shown(body)}`);
  const b = body as Record<string, unknown>;
  if (typeof b.hasSymptom !== "boolean") throw fieldError(`hasSymptom must be true or false, got ${shown(b.hasSymptom)}`);
  const onsetDay = utcDayOf(requireString(b, "onsetOfSymptomOrTestDate"));
  const processingNumber = requireString(b, "verificationPayload");
  requireString(b, "platform");
  requireString(b, "appPackageName");
  requireString(b, "deviceVerificationPayload");
  if (b.padding !== undefined) requireString(b, "padding", true);
  let idempotencyKey: string | undefined;
  if (b.idempotency_key !== undefined && b.idempotency_key !== null) {
    idempotencyKey = requireString(b, "idempotency_key");
    if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw fieldError(`idempotency_key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, got ${idempotencyKey.length}`);
    }
  }
  if (!Array.isArray(b.regions) || b.regions.length === 0 || !b.regions.every((r) => typeof r === "string")) {
    throw fieldError(`regions must be a non-empty list of strings, got ${shown(b.regions)}`);
  }
  if (!b.regions.includes(region)) throw new ApiError("UNSUPPORTED_REGION", `this server serves region "${region}", got ${JSON.stringify(b.regions)}`);
  if (!Array.isArray(b.keys) || b.keys.length === 0) throw fieldError(`keys must be a non-empty list, got ${shown(b.keys)}`);
  if (b.keys.length > MAX_KEYS_PER_SUBMISSION) throw fieldError(`at most ${MAX_KEYS_PER_SUBMISSION} keys per submission, got ${b.keys.length}`);

  const window = b.hasSymptom ? ONSET_WINDOW_SYMPTOMS : ONSET_WINDOW_TEST;
  const nowEnin = eninFromUnixSeconds(nowMs / 1000);
  const today = dayFromEnin(nowEnin);
  const oldestStart = (today - KEY_RETENTION_DAYS) * TEK_ROLLING_PERIOD;
  const keys: AcceptedKey[] = [];
  const dropped: ValidatedSubmission["dropped"] = [];
  b.keys.forEach((raw, index) => {
    const k = checkKey(raw, index);
    if (k.rollingStartNumber < oldestStart) return void dropped.push({ index, reason: "TOO_OLD" });
    if (k.rollingStartNumber > nowEnin) return void dropped.push({ index, reason: "IN_FUTURE" });
    const daysSinceOnset = dayFromEnin(k.rollingStartNumber) - onsetDay;
    if (daysSinceOnset < window.from || daysSinceOnset > window.to) return void dropped.push({ index, reason: "OUTSIDE_INFECTIOUS_PERIOD" });
    keys.push({
      ...k,
      transmissionRiskLevel: daysSinceOnset >= -3 ? TRL_INFECTIOUS : TRL_OTHER,
      daysSinceOnsetOfSymptoms: daysSinceOnset,
      publishAfterMs: (k.rollingStartNumber + k.rollingPeriod) * 600_000 + EMBARGO_HOURS * 3600_000,
    });
  });
  if (keys.length === 0) {
    throw new ApiError("NO_VALID_KEYS", `all ${b.keys.length} keys were outside the registrable period: ${dropped.map((d) => `keys[${d.index}] ${d.reason}`).join(", ")}`);
  }
  return { processingNumber, idempotencyKey, keys, dropped };
}
