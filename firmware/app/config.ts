/**
 * Token settings in one place. Times in ms unless the name says otherwise. Scan defaults:
 * docs/SCAN-DEFAULTS.md; light and button: docs/USER-GUIDE.md.
 *
 * A `const enum`: tsc writes each value where it is used and nothing of it exists at run time (a
 * top-level `var` holding a number costs Espruino a variable or two for as long as the token runs).
 */
export const enum Cfg {
  /** GAEN advertising interval: the specification allows 200-270 ms; the top end spends least. */
  ADVERT_INTERVAL_MS = 270,
  /** Identifier + address rotation: uniformly random in (10 min, 20 min) after the last change. */
  ROTATE_MIN_MS = 600000,
  ROTATE_SPAN_MS = 600000,
  /** Default scan window and period (docs/SCAN-DEFAULTS.md); the host may change them at sync. */
  SCAN_WINDOW_MS = 290,
  SCAN_PERIOD_MS = 300000,
  /**
   * In a crowd (a scan window that filled the identifier table) the next window comes this soon
   * instead of after the period, while the crowd lasts (docs/ENERGY.md "Crowds").
   */
  CROWD_PERIOD_MS = 60000,
  /** Limits the host's scan settings must respect. */
  SCAN_WINDOW_MIN_MS = 100,
  SCAN_PERIOD_MIN_MS = 10000,
  /** An identifier heard more than this after it was first heard is a replay (GAEN: 20 minutes). */
  REPLAY_SECONDS = 1200,
  /** Identifiers already written are remembered this long, so a replay cannot start a new record. */
  CLOSED_KEEP_SECONDS = 7800,
  /** Days keys and log are kept (COCOA: 14 days). */
  KEEP_DAYS = 14,
  /** A clock before this (2024-01-01) was never set: the token neither advertises nor logs. */
  MIN_VALID_TIME = 1704067200,
  /** Owner-interface period: heartbeat blink, watchdog kick, expiry and battery checks. */
  HEARTBEAT_MS = 60000,
  /** Watchdog timeout, seconds (a stuck loop misses three heartbeats). */
  WATCHDOG_SECONDS = 200,
  /**
   * Battery percent below which the token shows "battery low", as E.getBattery() reads it under the
   * scan load (scanner.ts scanBattery): on a Puck.js's CR2032 about 10 mAh (a week or more) before the
   * scan pulse browns the chip out; at rest it would still read 30-50 % then (docs/ENERGY.md).
   */
  BATTERY_LOW_PERCENT = 15,
  /** Button: a press shorter than this is a short press; holds for pause and erase (ms). */
  SHORT_PRESS_MS = 1500,
  PAUSE_HOLD_MS = 3000,
  PAUSE_HOLD_MAX_MS = 8000,
  ERASE_HOLD_MS = 10000,
  /** After the erase hold, a short press within this time confirms. */
  ERASE_CONFIRM_MS = 10000,
  /** Most errors kept in the error log. */
  ERROR_LOG_SIZE = 4,
  /**
   * Most daily keys kept: today's, the 14 days before and tomorrow's (a clock set back), and at midnight
   * the new day's until the oldest expires at the next heartbeat.
   */
  MAX_KEYS = 17,
  /** Most log pages (4 KB each): 400 pages = 1.6 MB, enough for 14 days at 5,000 encounters a day. */
  MAX_LOG_PAGES = 400,
}

