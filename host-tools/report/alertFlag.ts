/**
 * The per-token alert request (docs/MATCHING.md "Alert flag"): `omamori check` leaves
 *
 *   $OMAMORI_HOME/tokens/<tokenId>/alert-pending.json
 *   { "format": "omamori-alert", "version": 1, "createdAt": ISO time,
 *     "riskyDays": n, "riskyMinutes": m, "latestRiskyDate": "YYYY-MM-DD" }
 *
 * and the sync service (host-tools/base/dataDir.ts alertPending / clearAlertPending: any file
 * whose name starts with "alert-pending") sets the token's contact light at its next sync and
 * then deletes the file. Nothing in it identifies anyone.
 */
import { join } from "node:path";
import { checkTokenId } from "../base/dataDir";
import { writeFileAtomic } from "../base/atomicFile";
import type { ExposureSummary } from "../match/dailySummary";

const ALERT_FILE = "alert-pending.json";

export interface AlertRequest {
  format: "omamori-alert";
  version: 1;
  createdAt: string;
  riskyDays: number;
  riskyMinutes: number;
  latestRiskyDate: string;
}

function alertPath(home: string, tokenId: string): string {
  return join(home, "tokens", checkTokenId(tokenId), ALERT_FILE);
}

/** The newest risky day of a summary, or null. */
export function latestRiskyDate(s: ExposureSummary): string | null {
  const risky = s.days.filter((d) => d.risky);
  return risky.length ? risky[risky.length - 1].date : null;
}

/** Write the alert request for a token (atomically). */
export async function writeAlertRequest(home: string, tokenId: string, s: ExposureSummary, now: Date): Promise<AlertRequest> {
  const latest = latestRiskyDate(s);
  if (!latest) throw new RangeError("no risky day: nothing to alert");
  const req: AlertRequest = { format: "omamori-alert", version: 1, createdAt: now.toISOString(), riskyDays: s.riskyDays, riskyMinutes: s.riskyMinutes, latestRiskyDate: latest };
  await writeFileAtomic(alertPath(home, tokenId), JSON.stringify(req, null, 1) + "\n");
  return req;
}
