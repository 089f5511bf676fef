/**
 * Client of `PUT /v3/diagnosis` for `omamori register-positive` (COCOA's DiagnosisKeyRegisterServer):
 * builds COCOA's v3 body from daily keys, sends it, retries what is safe to retry with the same
 * idempotency key, and turns every failure into a SubmissionError that says, in English and
 * Japanese, what happened and whether trying again can help.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { API_ERRORS, isApiErrorCode, type ApiErrorBody, type ApiErrorCode } from "./apiErrors";
import type { RegistrationAnswer } from "./registration";
import { REGION } from "./settings";
import type { DiagnosisSubmission } from "./submission";

export type { DiagnosisSubmission, SubmittedKey } from "./submission";
export type { RegistrationAnswer } from "./registration";

/**
 * What went wrong, for the program: INVALID_NUMBER / NUMBER_EXPIRED (the person must check or
 * ask for a number), TOO_MANY_ATTEMPTS (wait), REJECTED (the request was refused: a bug),
 * UNREACHABLE (no answer), SERVER_ERROR (the server failed).
 */
export type SubmissionFailure = "INVALID_NUMBER" | "NUMBER_EXPIRED" | "TOO_MANY_ATTEMPTS" | "REJECTED" | "UNREACHABLE" | "SERVER_ERROR";

export class SubmissionError extends Error {
  readonly kind: SubmissionFailure;
  /** The server's stable error code, when it answered with one. */
  readonly code?: ApiErrorCode;
  readonly status?: number;
  /** True when sending the same submission again later may succeed. */
  readonly retryable: boolean;
  readonly messageJa: string;
  readonly retryAfterSeconds?: number;
  constructor(init: { kind: SubmissionFailure; en: string; ja: string; code?: ApiErrorCode; status?: number; retryAfterSeconds?: number; cause?: unknown }) {
    super(init.en, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "SubmissionError";
    this.kind = init.kind;
    this.code = init.code;
    this.status = init.status;
    this.messageJa = init.ja;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.retryable = init.kind === "UNREACHABLE" || init.kind === "SERVER_ERROR" || init.kind === "TOO_MANY_ATTEMPTS";
  }
}

export interface KeyToSubmit {
  keyData: Uint8Array;
  rollingStartNumber: number;
  /** Default 144. */
  rollingPeriod?: number;
}

export interface SubmissionInput {
  keys: KeyToSubmit[];
  /** The 8-digit processing number from the health centre, as typed (see normalizeProcessingNumber). */
  processingNumber: string;
  /** true: onsetDate is when symptoms began; false: it is the test date. */
  hasSymptom: boolean;
  /** Calendar date "YYYY-MM-DD" of symptom onset or of the test. */
  onsetDate: string;
  /** GAEN report type, default 1 (CONFIRMED_TEST) as COCOA sent. */
  reportType?: number;
}

/**
 * The 8 digits of a processing number as a person may type them: full-width digits (１２３４),
 * spaces and hyphens are accepted ("1234 5678", "1234-5678"). Returns undefined when what is
 * left is not exactly 8 digits.
 */
export function normalizeProcessingNumber(typed: string): string | undefined {
  if (typeof typed !== "string") return undefined;
  const digits = typed.normalize("NFKC").replace(/[\s\-‐‑–—ー－]/g, "");
  return /^[0-9]{8}$/.test(digits) ? digits : undefined;
}

/**
 * COCOA's v3 body for the keys. The date is sent as UTC midnight of the given calendar date so the
 * server's UTC-day arithmetic counts days from exactly that date. Device attestation does not exist
 * for a laptop; the field carries "none".
 */
export function buildSubmission(input: SubmissionInput): DiagnosisSubmission {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.onsetDate) || !Number.isFinite(Date.parse(input.onsetDate + "T00:00:00Z"))) {
    throw new TypeError(`onsetDate must be a date like 2026-11-20, got ${JSON.stringify(input.onsetDate)}`);
  }
  if (!Array.isArray(input.keys) || input.keys.length === 0) throw new TypeError("keys must be a non-empty list");
  const number = normalizeProcessingNumber(input.processingNumber);
  if (number === undefined) {
    // Caught before anything is sent, so it does not count against the person's attempts.
    throw new SubmissionError({
      kind: "INVALID_NUMBER",
      en: "The processing number must be 8 digits. Please check the message from the health centre.",
      ja: "処理番号は8桁の数字です。保健所からのお知らせをご確認ください。",
    });
  }
  for (const [i, k] of input.keys.entries()) {
    if (!(k.keyData instanceof Uint8Array) || k.keyData.length !== 16) throw new TypeError(`keys[${i}].keyData must be 16 bytes`);
  }
  return {
    hasSymptom: input.hasSymptom,
    onsetOfSymptomOrTestDate: `${input.onsetDate}T00:00:00.000+00:00`,
    keys: input.keys.map((k) => ({
      keyData: Buffer.from(k.keyData).toString("base64"),
      rollingStartNumber: k.rollingStartNumber,
      rollingPeriod: k.rollingPeriod ?? 144,
      reportType: input.reportType ?? 1,
    })),
    regions: [REGION],
    platform: "omamori",
    deviceVerificationPayload: "none",
    appPackageName: "jp.omamori.host",
    verificationPayload: number,
    idempotency_key: randomUUID(),
    // COCOA: random padding so the request size does not reveal the number of keys.
    padding: randomBytes(randomInt(768, 1537)).toString("base64"),
  };
}

export interface SubmitOptions {
  /** Tries in all for unreachable server / server errors (same idempotency key). Default 3. */
  attempts?: number;
  /** Wait before the 2nd try; doubles each time. Default 2000 ms. */
  backoffMs?: number;
  /** Per try. Default 20 000 ms. */
  timeoutMs?: number;
}

function errorFromAnswer(status: number, body: unknown, retryAfter: string | null): SubmissionError {
  const code = (body as ApiErrorBody | undefined)?.error?.code;
  const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  if (isApiErrorCode(code)) {
    const kind: SubmissionFailure =
      code === "INVALID_NUMBER" || code === "NUMBER_EXPIRED" || code === "TOO_MANY_ATTEMPTS" ? code : status >= 500 ? "SERVER_ERROR" : "REJECTED";
    const detail = (body as ApiErrorBody).error.detail;
    return new SubmissionError({ kind, code, status, en: API_ERRORS[code].en + (detail && kind === "REJECTED" ? ` (${detail})` : ""), ja: API_ERRORS[code].ja, retryAfterSeconds });
  }
  if (status >= 500) {
    return new SubmissionError({ kind: "SERVER_ERROR", status, en: `The registration server had a problem (HTTP ${status}). Trying again later is safe.`, ja: `登録サーバーで問題が起きました（HTTP ${status}）。後でもう一度お試しください。` });
  }
  return new SubmissionError({ kind: "REJECTED", status, en: `The registration server refused the request (HTTP ${status}).`, ja: `登録サーバーが受け付けませんでした（HTTP ${status}）。` });
}

async function tryOnce(url: string, text: string, timeoutMs: number): Promise<RegistrationAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { method: "PUT", headers: { "Content-Type": "application/json" }, body: text, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new SubmissionError({
      kind: "UNREACHABLE",
      en: "Could not reach the registration server. Please check the internet connection and try again; trying again is safe.",
      ja: "登録サーバーにつながりませんでした。インターネットの接続を確かめて、もう一度お試しください。",
      cause: e,
    });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.ok && body && typeof (body as RegistrationAnswer).keysAccepted === "number") return body as RegistrationAnswer;
  if (res.ok) throw errorFromAnswer(502, undefined, null);
  throw errorFromAnswer(res.status, body, res.headers.get("retry-after"));
}

/**
 * Sends a submission to `baseUrl` (e.g. "https://register.example.jp"). Resolves with the
 * server's answer, or rejects with a SubmissionError. Unreachable servers and server errors are
 * retried up to `attempts` times with the same idempotency key, so a key set is never stored twice.
 */
export async function submitDiagnosis(baseUrl: string, payload: DiagnosisSubmission, options: SubmitOptions = {}): Promise<RegistrationAnswer> {
  let url: string;
  try {
    url = new URL("v3/diagnosis", baseUrl.endsWith("/") ? baseUrl : baseUrl + "/").toString();
  } catch {
    throw new TypeError(`baseUrl must be a URL such as https://register.example.jp, got ${JSON.stringify(baseUrl)}`);
  }
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) throw new RangeError(`attempts must be 1..10, got ${attempts}`);
  const text = JSON.stringify(payload);
  let wait = options.backoffMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryOnce(url, text, options.timeoutMs ?? 20_000);
    } catch (e) {
      const retry = e instanceof SubmissionError && (e.kind === "UNREACHABLE" || e.kind === "SERVER_ERROR") && attempt < attempts;
      if (!retry) throw e;
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
  }
}
