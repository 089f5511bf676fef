/**
 * GAEN time units (spec v1.2, "ENIntervalNumber" and "TEKRollingPeriod").
 *
 *   ENIN = floor(unix_seconds / 600)          one interval = 10 minutes
 *   TEK rolling start = ENIN floored to a multiple of 144 (UTC midnight)
 *
 * Shared by firmware (ES5, Espruino), sim and host: plain numbers only.
 */

/** Seconds in one ENIntervalNumber. */
export const INTERVAL_SECONDS = 600;
/** Intervals a daily key (TEK) is valid for: 144 x 10 min = 24 h. */
export const TEK_ROLLING_PERIOD = 144;
/** Days a daily key and the contact log are kept (COCOA: 14 days). */
export const RETENTION_DAYS = 14;
/** Largest value an ENIN can take (it is serialised as a uint32). */
export const MAX_ENIN = 0xffffffff;

/** ENIN for a Unix time in seconds (fractions allowed). */
export function eninFromUnixSeconds(seconds: number): number {
  return Math.floor(seconds / INTERVAL_SECONDS);
}

/** Rolling start of the daily key covering `enin`: the ENIN of that UTC midnight. */
export function rollingStartFor(enin: number): number {
  return Math.floor(enin / TEK_ROLLING_PERIOD) * TEK_ROLLING_PERIOD;
}

/** UTC day number (days since 1970-01-01) of an interval. */
export function dayFromEnin(enin: number): number {
  return Math.floor(enin / TEK_ROLLING_PERIOD);
}

/** True when `n` is an integer usable as an ENIN (0 .. 2^32-1). */
export function isValidEnin(n: number): boolean {
  return typeof n === "number" && n >= 0 && n <= MAX_ENIN && Math.floor(n) === n;
}
