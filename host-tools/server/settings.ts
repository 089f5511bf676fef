/**
 * The server's fixed facts and tunable defaults, in one place.
 *
 * COCOA values (docs/spec/gaen-protocol.md section 6): region and key id "440" (Japan's MCC), key version "v1",
 * blob container "c19r", at most 250 000 keys per export file, keys accepted for 14 days,
 * days since onset kept -3..+10 (symptoms) or -3..+7 (test date). Apple's publishing rule
 * (docs/spec/gaen-protocol.md section 5): never publish a key before its validity ended plus 2 hours.
 */

/** Milliseconds in one UTC day. */
export const MS_PER_DAY = 86_400_000;

/** Region code written in exports and list.json (COCOA: "440"). */
export const REGION = "440";
/** Path segment under which exports are published (COCOA's blob container). */
export const CONTAINER = "c19r";
/** SignatureInfo.verification_key_id and _version the clients look the public key up by. */
export const VERIFICATION_KEY_ID = "440";
export const VERIFICATION_KEY_VERSION = "v1";

/** A key older than this many days (by rolling start) is refused and deleted (COCOA OutOfDateDays). */
export const KEY_RETENTION_DAYS = 14;
/** Published files are removed this many days after they were created. */
export const FILE_RETENTION_DAYS = 14;
/** Hours after a key's validity ends before it may be published (Apple: at least 2 h). */
export const EMBARGO_HOURS = 2;

/** Days-since-onset windows in which keys are kept (COCOA InfectiousFilterDays...). */
export const ONSET_WINDOW_SYMPTOMS = { from: -3, to: 10 } as const;
export const ONSET_WINDOW_TEST = { from: -3, to: 7 } as const;

/** Transmission risk levels COCOA wrote: MEDIUM (4) from 3 days before onset, else LOWEST (1). */
export const TRL_INFECTIOUS = 4;
export const TRL_OTHER = 1;

/** Defaults a health authority may change in server.json. */
export const DEFAULTS = {
  /** Keys per export file before splitting (COCOA 250 000; Apple allows 750 000). */
  maxKeysPerFile: 250_000,
  /** Largest accepted request body, bytes. COCOA's padding is at most ~1.5 KiB; 15 keys ~2 KiB. */
  maxBodyBytes: 64 * 1024,
  /** Processing numbers expire after this many hours unless --ttl-hours says otherwise. */
  numberTtlHours: 72,
  /** Failed processing numbers allowed per client (IPv4 address, IPv6 /56) within the window below. */
  maxFailedNumbers: 5,
  /**
   * Failed processing numbers allowed from everybody together within the window; past it only
   * clients with a clean record may try (guessLimiter.ts). Each wrong guess hits one of the
   * outstanding numbers with probability outstanding / 10^8.
   */
  maxFailedNumbersGlobal: 100,
  failedNumberWindowMs: 15 * 60 * 1000,
  /** How often `serve` publishes by itself (0 = never). */
  publishEveryMinutes: 60,
} as const;
