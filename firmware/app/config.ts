/**
 * Token settings in one place. Times in ms unless the name says otherwise.
 * Scan defaults: docs/SCAN-DEFAULTS.md (sim evidence); light/button table: docs/USER-GUIDE.md.
 */

/** GAEN advertising interval: the spec allows 200-270 ms; the top end spends least. */
export const ADVERT_INTERVAL_MS = 270;
/** Identifier + address rotation: uniformly random in (10 min, 20 min) after the last change. */
export const ROTATE_MIN_MS = 600000;
export const ROTATE_SPAN_MS = 600000;
/** Default scan window and period (docs/SCAN-DEFAULTS.md); the host may change them at sync. */
export const SCAN_WINDOW_MS = 290;
export const SCAN_PERIOD_MS = 300000;
/** Limits the host's scan settings must respect. */
export const SCAN_WINDOW_MIN_MS = 100;
export const SCAN_PERIOD_MIN_MS = 10000;
/** An identifier heard more than this after it was first heard is a replay (docs/spec/gaen-protocol.md section 3). */
export const REPLAY_SECONDS = 1200;
/** Identifiers already written are remembered this long, so a replay cannot start a new record. */
export const CLOSED_KEEP_SECONDS = 7800;
/** Days keys and log are kept (COCOA: 14 days). */
export const KEEP_DAYS = 14;
/** A clock before this (2024-01-01) was never set: the token neither advertises nor logs. */
export const MIN_VALID_TIME = 1704067200;
/** Owner-interface period: heartbeat blink, watchdog kick, expiry and battery checks. */
export const HEARTBEAT_MS = 60000;
/** Watchdog timeout, seconds (a stuck loop misses three heartbeats). */
export const WATCHDOG_SECONDS = 200;
/** Battery percent below which the token shows "battery low". */
export const BATTERY_LOW_PERCENT = 15;
/** Button: a press shorter than this is a short press; holds for pause and erase (ms). */
export const SHORT_PRESS_MS = 1500;
export const PAUSE_HOLD_MS = 3000;
export const PAUSE_HOLD_MAX_MS = 8000;
export const ERASE_HOLD_MS = 10000;
/** After the erase hold, a short press within this time confirms. */
export const ERASE_CONFIRM_MS = 10000;
/** Most errors kept in the error log. */
export const ERROR_LOG_SIZE = 4;
/** Bytes of Storage left free after the log area, for the small files (keys, settings). */
export const SMALL_FILES_RESERVE = 4096;
/** Most log pages (4 KB each): 400 pages = 1.6 MB, enough for 14 days at 5,000 encounters a day. */
export const MAX_LOG_PAGES = 400;
/** Identifiers tracked in RAM at once before the oldest is written early (per 1,000 JS variables). */
export const ACTIVE_PER_1000_VARS = 6;
