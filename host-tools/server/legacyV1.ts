/**
 * COCOA's 2020-era submission path, `PUT /diagnosis` (v1, the API of COCOA 1.0-1.2), off by
 * default (ServerOptions.legacyV1). It exists to reproduce COCOA's failure honestly in the
 * end-to-end test (test/e2e/story.test.ts, docs/spec/cocoa-promises.md "The lesson from COCOA's failure"): v1 clients
 * sent each key's `transmissionRisk` themselves (Android sent 0) and no report type, and the server
 * published what it got. A key registered here keeps the client's level, so exports carry keys
 * with transmission risk level 0, as COCOA's did from 2020-09 to 2021-02.
 *
 * Body (COCOA v1 DiagnosisSubmissionParameter; `userUuid` is accepted and never stored):
 *   { "userUuid"?, "keys": [{ "keyData", "rollingStartNumber", "rollingPeriod", "transmissionRisk" }],
 *     "regions": ["440"], "platform", "deviceVerificationPayload", "appPackageName",
 *     "verificationPayload": "<8-digit processing number>", "padding"? }
 *
 * Rules shared with v3: base64 16-byte keys, rolling period 0..144 (0 = 144), keys older than 14 days
 * or in the future dropped, region 440, the processing number used once in the same transaction
 * that stores the keys, guesses limited by the caller's reservation (guessLimiter.ts). v1 has no onset date
 * and no report type: the store needs a value for each, so keys are stored with report type
 * UNKNOWN (0), which clients treat exactly as a missing report type (GAEN v2;
 * host-tools/match/riskConfig.ts), and days since onset 0.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dayFromEnin, eninFromUnixSeconds, isValidEnin, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { ApiError } from "./apiErrors";
import type { GuessTicket } from "./guessLimiter";
import { consumeNumber } from "./processingNumbers";
import { EMBARGO_HOURS, KEY_RETENTION_DAYS } from "./settings";
import type { Db } from "./store";

export const LEGACY_V1_PATH = "/diagnosis";

export interface LegacyKey {
  keyData: Uint8Array;
  rollingStartNumber: number;
  rollingPeriod: number;
  transmissionRisk: number;
  publishAfterMs: number;
}

export interface LegacyAnswer {
  keysAccepted: number;
  keysDropped: { index: number; reason: "TOO_OLD" | "IN_FUTURE" }[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function str(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (typeof v !== "string" || v.trim() === "") throw new ApiError("INVALID_FIELD", `${name} must be a non-empty string`);
  return v;
}

/** Checks a v1 body; returns the number and the keys to store. Pure (the caller passes the time). */
export function validateLegacyV1(body: unknown, nowMs: number, region: string): { number: string; keys: LegacyKey[]; dropped: LegacyAnswer["keysDropped"] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ApiError("INVALID_FIELD", "the body must be a JSON object");
  const b = body as Record<string, unknown>;
  const number = str(b, "verificationPayload");
  str(b, "platform");
  str(b, "appPackageName");
  str(b, "deviceVerificationPayload");
  if (!Array.isArray(b.regions) || !b.regions.every((r) => typeof r === "string")) throw new ApiError("INVALID_FIELD", "regions must be a list of strings");
  if (!b.regions.includes(region)) throw new ApiError("UNSUPPORTED_REGION", `this server serves region "${region}"`);
  if (!Array.isArray(b.keys) || b.keys.length === 0 || b.keys.length > 30) throw new ApiError("INVALID_FIELD", "keys must be a list of 1..30 keys");
  const nowEnin = eninFromUnixSeconds(nowMs / 1000);
  const oldest = (dayFromEnin(nowEnin) - KEY_RETENTION_DAYS) * TEK_ROLLING_PERIOD;
  const keys: LegacyKey[] = [];
  const dropped: LegacyAnswer["keysDropped"] = [];
  b.keys.forEach((raw, i) => {
    const bad = (d: string) => new ApiError("INVALID_KEY", `keys[${i}]: ${d}`);
    const k = raw as Record<string, unknown>;
    if (!k || typeof k !== "object") throw bad("must be an object");
    if (typeof k.keyData !== "string" || !BASE64.test(k.keyData)) throw bad("keyData must be base64");
    const keyData = new Uint8Array(Buffer.from(k.keyData, "base64"));
    if (keyData.length !== 16) throw bad(`keyData must be 16 bytes, got ${keyData.length}`);
    const rsn = k.rollingStartNumber;
    if (typeof rsn !== "number" || !isValidEnin(rsn)) throw bad("rollingStartNumber must be a whole ENIN");
    const period = k.rollingPeriod ?? 0;
    if (typeof period !== "number" || !Number.isInteger(period) || period < 0 || period > TEK_ROLLING_PERIOD) throw bad("rollingPeriod must be 0..144");
    const trl = k.transmissionRisk ?? 0;
    if (typeof trl !== "number" || !Number.isInteger(trl) || trl < 0 || trl > 8) throw bad("transmissionRisk must be 0..8");
    if (rsn < oldest) return void dropped.push({ index: i, reason: "TOO_OLD" });
    if (rsn > nowEnin) return void dropped.push({ index: i, reason: "IN_FUTURE" });
    const p = period === 0 ? TEK_ROLLING_PERIOD : period;
    keys.push({ keyData, rollingStartNumber: rsn, rollingPeriod: p, transmissionRisk: trl, publishAfterMs: (rsn + p) * 600_000 + EMBARGO_HOURS * 3600_000 });
  });
  if (keys.length === 0) throw new ApiError("NO_VALID_KEYS", "every key was too old or in the future");
  return { number, keys, dropped };
}

/** Uses the number and stores the keys in one transaction (nothing stored when the number fails). */
export function registerLegacyV1(db: Db, numberSecret: Uint8Array, v: ReturnType<typeof validateLegacyV1>, nowMs: number): LegacyAnswer {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO diagnosis_keys
       (key_data, rolling_start, rolling_period, report_type, transmission_risk, days_since_onset, publish_after)
     VALUES (?, ?, ?, 0, ?, 0, ?)`,
  );
  const run = db.transaction(() => {
    const used = consumeNumber(db, numberSecret, v.number, nowMs);
    if (used !== "ok") return used;
    for (const k of v.keys) insert.run(Buffer.from(k.keyData), k.rollingStartNumber, k.rollingPeriod, k.transmissionRisk, k.publishAfterMs);
    return "ok" as const;
  });
  const r = run.immediate();
  if (r === "invalid") throw new ApiError("INVALID_NUMBER");
  if (r === "expired") throw new ApiError("NUMBER_EXPIRED");
  return { keysAccepted: v.keys.length, keysDropped: v.dropped };
}

export interface LegacyContext {
  db: Db;
  numberSecret: Uint8Array;
  region: string;
  clock: () => number;
  /** This request's reserved guess (the caller reserved it before the body and releases it after). */
  ticket: GuessTicket;
  readBody: (req: IncomingMessage) => Promise<Buffer>;
}

/** The route: PUT /diagnosis. Errors are thrown as ApiError for the server's error answer. */
export async function handleLegacyV1(req: IncomingMessage, res: ServerResponse, c: LegacyContext): Promise<void> {
  if (req.method !== "PUT") throw new ApiError("METHOD_NOT_ALLOWED", "use PUT");
  const body = await c.readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new ApiError("BAD_JSON", (e as Error).message);
  }
  const now = c.clock();
  const v = validateLegacyV1(parsed, now, c.region);
  let answer: LegacyAnswer;
  try {
    answer = registerLegacyV1(c.db, c.numberSecret, v, now);
  } catch (e) {
    if (e instanceof ApiError && (e.code === "INVALID_NUMBER" || e.code === "NUMBER_EXPIRED")) c.ticket.wrong(now);
    throw e;
  }
  const text = JSON.stringify(answer);
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
  res.end(text);
}
