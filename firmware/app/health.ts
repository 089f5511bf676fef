/**
 * Health: a watchdog that reboots a stuck token, and every
 * timer/button/radio callback run through guard(), so an exception is counted and kept in a
 * small error log for the host instead of breaking the loop.
 */
import { ERROR_LOG_SIZE, WATCHDOG_SECONDS } from "./config";

let errorCount = 0;
let errorLog: string[] = [];
let onChange: (() => void) | null = null;

/** Record an error (message cut to 40 characters, time in unix seconds). */
export function noteError(e: any): void {
  errorCount++;
  const m = Math.floor(getTime()) + " " + String(e && e.message ? e.message : e).substr(0, 40);
  errorLog.push(m);
  if (errorLog.length > ERROR_LOG_SIZE) errorLog.shift();
  if (onChange) onChange();
}

/** A callback that never throws: errors are noted. */
export function guard(fn: (a?: any) => void): (a?: any) => void {
  return function (a?: any) {
    try {
      fn(a);
    } catch (e) {
      noteError(e);
    }
  };
}

/** Start the watchdog (manual kicks: a stuck loop stops kicking, the token reboots). */
export function healthStart(count: number, log: string[], changed: () => void): void {
  errorCount = count;
  errorLog = log;
  onChange = changed;
  E.enableWatchdog(WATCHDOG_SECONDS, false);
}

export function healthKick(): void {
  E.kickWatchdog();
}

export function healthErrors(): { count: number; log: string[] } {
  return { count: errorCount, log: errorLog };
}

export function healthReset(): void {
  errorCount = 0;
  errorLog = [];
}
