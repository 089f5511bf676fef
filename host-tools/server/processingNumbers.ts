/**
 * Processing numbers (処理番号, docs/spec/cocoa-promises.md "Registering as positive"): 8 random digits
 * (COCOA's `\A[0-9]{8}\z`), single use, expiring, handed to the patient by the health centre.
 *
 * Stored as HMAC-SHA256(number-secret, digits), never in clear. Why HMAC with a secret rather
 * than a plain hash or scrypt: there are only 10^8 numbers, so a plain SHA-256 table is reversed
 * in seconds from a copy of the database, and even scrypt only slows that down while making each
 * legitimate check expensive. With a 32-byte secret kept in a separate file (mode 0600), a copy
 * of the database alone reveals nothing, and a check is one indexed lookup.
 */
import { createHmac, randomInt } from "node:crypto";
import type { Db } from "./store";

export const NUMBER_PATTERN = /^[0-9]{8}$/;

/** HMAC-SHA256 of a processing number under the server's number secret. */
export function hashNumber(secret: Uint8Array, digits: string): Buffer {
  return createHmac("sha256", secret).update("omamori processing number\0" + digits).digest();
}

export interface IssuedNumber {
  number: string;
  expiresAt: number;
}

/** Issues a fresh number valid for `ttlHours` from `nowMs`. */
export function issueNumber(db: Db, secret: Uint8Array, nowMs: number, ttlHours: number): IssuedNumber {
  if (!(ttlHours > 0) || ttlHours > 24 * 30) throw new RangeError(`ttlHours must be more than 0 and at most 720, got ${ttlHours}`);
  const expiresAt = nowMs + Math.round(ttlHours * 3600_000);
  const insert = db.prepare("INSERT OR IGNORE INTO processing_numbers (hash, expires_at) VALUES (?, ?)");
  db.prepare("DELETE FROM processing_numbers WHERE expires_at <= ?").run(nowMs);
  // A collision with an outstanding number is possible (10^8 values); draw again.
  for (let attempt = 0; attempt < 100; attempt++) {
    const number = String(randomInt(0, 100_000_000)).padStart(8, "0");
    if (insert.run(hashNumber(secret, number), expiresAt).changes === 1) return { number, expiresAt };
  }
  throw new Error("could not find an unused processing number after 100 draws; too many are outstanding");
}

export type ConsumeResult = "ok" | "invalid" | "expired";

/**
 * Deletes the number if it exists and has not expired. Must run inside the caller's
 * transaction so that using the number and storing the keys happen together or not at all.
 * An expired number is deleted too, and reported as such so the person knows to ask again.
 */
export function consumeNumber(db: Db, secret: Uint8Array, digits: string, nowMs: number): ConsumeResult {
  if (!NUMBER_PATTERN.test(digits)) return "invalid";
  const hash = hashNumber(secret, digits);
  const row = db.prepare("DELETE FROM processing_numbers WHERE hash = ? RETURNING expires_at").get(hash) as
    | { expires_at: number }
    | undefined;
  if (!row) return "invalid";
  return row.expires_at > nowMs ? "ok" : "expired";
}

/** Count of numbers issued and not yet used or expired (for status output). */
export function outstandingNumbers(db: Db, nowMs: number): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM processing_numbers WHERE expires_at > ?").get(nowMs) as { n: number }).n;
}
