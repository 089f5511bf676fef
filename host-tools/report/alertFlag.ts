/**
 * The per-token alert request (docs/MATCHING.md "Alert flag"): `omamori check` leaves
 *
 *   $OMAMORI_HOME/tokens/<tokenId>/alert-pending.json
 *   { "format": "omamori-alert", "version": 1, "createdAt": ISO time,
 *     "riskyDays": n, "riskyMinutes": m, "latestRiskyDate": "YYYY-MM-DD" }
 *
 * and the sync service (host-tools/sync/dataDir.ts alertPending / clearAlertPending: any file
 * whose name starts with "alert-pending") sets the token's contact light at its next sync and
 * then deletes the file. Nothing in it identifies anyone.
 */
import { join } from "node:path";
import { writeFileAtomicSync } from "../keys/keyCache";
import type { ExposureSummary } from "../match/dailySummary";

export const ALERT_FILE = "alert-pending.json";

export interface AlertRequest {
  format: "omamori-alert";
  version: 1;
  createdAt: string;
  riskyDays: number;
  riskyMinutes: number;
  latestRiskyDate: string;
}

export function alertPath(home: string, tokenId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(tokenId)) throw new TypeError("token id must be 1-32 lowercase letters, digits or '-', got " + JSON.stringify(tokenId));
  return join(home, "tokens", tokenId, ALERT_FILE);
}

/** The newest risky day of a summary, or null. */
export function latestRiskyDate(s: ExposureSummary): string | null {
  const risky = s.days.filter((d) => d.risky);
  return risky.length ? risky[risky.length - 1].date : null;
}

/** Write the alert request for a token (atomically). */
export function writeAlertRequest(home: string, tokenId: string, s: ExposureSummary, now: Date): AlertRequest {
  const latest = latestRiskyDate(s);
  if (!latest) throw new RangeError("no risky day: nothing to alert");
  const req: AlertRequest = { format: "omamori-alert", version: 1, createdAt: now.toISOString(), riskyDays: s.riskyDays, riskyMinutes: s.riskyMinutes, latestRiskyDate: latest };
  writeFileAtomicSync(alertPath(home, tokenId), JSON.stringify(req, null, 1) + "\n");
  return req;
}
