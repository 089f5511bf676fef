/**
 * Registering a positive person's keys: one SQLite transaction that (1) answers a retry with the
 * answer already given, (2) uses up the processing number, (3) stores the keys and the answer.
 * Either all of it happens or none, so two submissions racing with one number give exactly one
 * success, and a retry with the same idempotency key and number never inserts twice.
 */
import { createHmac } from "node:crypto";
import { ApiError } from "./apiErrors";
import { consumeNumber } from "./processingNumbers";
import type { Db } from "./store";
import type { ValidatedSubmission } from "./submission";

/** The JSON body of a successful `PUT /v3/diagnosis`. */
export interface RegistrationAnswer {
  keysAccepted: number;
  keysDropped: ValidatedSubmission["dropped"];
}

/** How long a retry with the same idempotency key gets the same answer. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

function idempotencyToken(secret: Uint8Array, idempotencyKey: string, number: string): Buffer {
  return createHmac("sha256", secret).update("omamori idempotency\0" + idempotencyKey + "\0" + number).digest();
}

/**
 * Registers validated keys. Throws ApiError INVALID_NUMBER or NUMBER_EXPIRED when the number
 * cannot be used (nothing is stored then, except that an expired number is forgotten).
 */
export function registerKeys(db: Db, secret: Uint8Array, sub: ValidatedSubmission, nowMs: number): RegistrationAnswer {
  const findAnswer = db.prepare("SELECT response FROM submissions WHERE token = ? AND expires_at > ?");
  const saveAnswer = db.prepare("INSERT OR REPLACE INTO submissions (token, response, expires_at) VALUES (?, ?, ?)");
  const insertKey = db.prepare(
    `INSERT OR IGNORE INTO diagnosis_keys
       (key_data, rolling_start, rolling_period, report_type, transmission_risk, days_since_onset, publish_after)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const run = db.transaction((): RegistrationAnswer | "invalid" | "expired" => {
    const token = sub.idempotencyKey === undefined ? undefined : idempotencyToken(secret, sub.idempotencyKey, sub.processingNumber);
    if (token) {
      const earlier = findAnswer.get(token, nowMs) as { response: string } | undefined;
      if (earlier) return JSON.parse(earlier.response) as RegistrationAnswer;
    }
    const used = consumeNumber(db, secret, sub.processingNumber, nowMs);
    if (used !== "ok") return used;
    for (const k of sub.keys) {
      insertKey.run(
        Buffer.from(k.keyData),
        k.rollingStartNumber,
        k.rollingPeriod,
        k.reportType,
        k.transmissionRiskLevel,
        k.daysSinceOnsetOfSymptoms,
        k.publishAfterMs,
      );
    }
    const answer: RegistrationAnswer = { keysAccepted: sub.keys.length, keysDropped: sub.dropped };
    if (token) saveAnswer.run(token, JSON.stringify(answer), nowMs + IDEMPOTENCY_WINDOW_MS);
    return answer;
  });
  const result = run.immediate();
  if (result === "invalid") throw new ApiError("INVALID_NUMBER");
  if (result === "expired") throw new ApiError("NUMBER_EXPIRED");
  return result;
}

/** Forgets idempotency answers past their window (called when publishing). */
export function forgetOldAnswers(db: Db, nowMs: number): number {
  return db.prepare("DELETE FROM submissions WHERE expires_at <= ?").run(nowMs).changes;
}
