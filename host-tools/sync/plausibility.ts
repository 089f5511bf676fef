/**
 * What the host can check of a log record the token sends (common/formats/logRecord.ts) before it
 * enters the owner's log. The token keeps records encrypted at rest without a per-record tag, so a
 * bit flipped in flash decrypts to a flipped bit in the record: in the identifier or the AEM it is
 * undetectable here (any 6 bytes are a possible identifier; such a record simply never matches), but
 * where it breaks what a real scan can produce it is caught, and the record is left out rather than
 * allowed to claim a stronger signal or another time:
 *
 *   - every scan heard at least one advert (count >= 1);
 *   - RSSI within what the token records (-127..20 dBm) and the strongest not weaker than the mean;
 *   - scans in time order (each scan after the previous one);
 *   - nothing heard after the token's own clock at the sync (plus a minute of slack), when its
 *     clock is known to be set.
 *
 * A tag per record (so every flip is caught) belongs to the token's at-rest format.
 */
import type { LogEncounter } from "../../common/formats/logRecord";

/** The RSSI range the token's encoder keeps (clampRssi in logRecord.ts). */
export const RSSI_MIN = -127;
export const RSSI_MAX = 20;
/** Slack between the token's clock read at the sync and the newest record, seconds. */
export const CLOCK_SLACK_S = 60;

/** Why a decoded record cannot come from a real scan, or null when it could. */
export function implausibleRecord(e: LogEncounter, tokenClockSeconds: number | null): string | null {
  let previous = -Infinity;
  for (let i = 0; i < e.scans.length; i++) {
    const s = e.scans[i];
    if (!(s.count >= 1)) return `scan ${i} heard no advert`;
    if (s.rssiMax < RSSI_MIN || s.rssiMax > RSSI_MAX || s.rssiMean < RSSI_MIN || s.rssiMean > RSSI_MAX) return `scan ${i} has an RSSI outside ${RSSI_MIN}..${RSSI_MAX} dBm`;
    if (s.rssiMax < s.rssiMean) return `scan ${i} has its strongest signal weaker than its mean`;
    if (s.t < previous) return `scan ${i} is earlier than the scan before it`;
    previous = s.t;
  }
  if (tokenClockSeconds !== null && previous > tokenClockSeconds + CLOCK_SLACK_S) return "heard after the token's own clock at the sync";
  return null;
}
