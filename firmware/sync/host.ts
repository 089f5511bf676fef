/**
 * What the sync service (firmware/sync/) needs from the rest of the token.
 * The firmware app implements this interface and hands it to `syncStart` (firmware/sync/service.ts)
 * from firmware/main.ts. Owned by the sync module; the app implements it.
 */

import type { StatusRow } from "../../common/formats/syncMessages";

/**
 * The token's health as the app reports it: the STATUS row (common/formats/syncMessages.ts STATUS_FIELDS
 * order, positional) less the hub cadence the sync session appends.
 */
export type TokenStatus = StatusRow;

export interface DailyKey {
  tek: Uint8Array;
  rollingStart: number;
  rollingPeriod: number;
}

export interface SyncHost {
  status(): TokenStatus;
  /** Sets the clock (unix seconds); returns the correction applied in seconds (new - old). */
  setClock(unixSeconds: number): number;
  /**
   * Log bytes (whole records in the flash log record format) from an opaque cursor, at most maxBytes.
   * Cursor 0 = oldest record kept. Returns next cursor; data.length 0 when nothing newer.
   * (Sync note: every non-empty chunk must start with a base-time marker, so each chunk decodes on
   * its own after a resume; a cursor older than the oldest record kept means "from the oldest".)
   */
  readLog(cursor: number, maxBytes: number): { data: Uint8Array; next: number };
  /** Daily keys kept (the last 14 days and today). Only called after consent was granted. */
  dailyKeys(): DailyKey[];
  /** Ask the owner to confirm on the token (light pattern, press the button within timeoutMs). */
  askConsent(timeoutMs: number, done: (granted: boolean) => void): void;
  setAlert(on: boolean): void;
  /** Consent withdrawn: erase keys, log, at-rest key and secret; really erased flash. */
  eraseAll(): void;
  /** Function stop: stop advertising and scanning for good, erase everything. */
  decommission(): void;
  setScanSettings(windowMs: number, periodMs: number): boolean;
  /** Shared secret with the owner's host (32 bytes), or null when not provisioned yet. */
  secret(): Uint8Array | null;
  setSecret(secret: Uint8Array | null): void;
  /**
   * The sync service takes the radio's advertising for a sync window (true) and gives it back (false).
   * While held, the service sets its own connectable advert and a random static address; on release
   * the app must set its GAEN advert (and its own address) again.
   */
  holdAdvertising(held: boolean): void;
  /*
   * Added by the sync module (optional, so existing implementations still compile): keep the
   * home-hub beacon cadence across reboots. Seconds between hub windows, 0 = off (the default).
   * Without them the cadence lives in RAM only and a reboot turns the hub beacon off.
   */
  hubSeconds?(): number;
  setHubSeconds?(seconds: number): void;
}
