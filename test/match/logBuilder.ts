/** Builds contact logs from known daily keys (reference crypto), for the matcher tests. */
import { randomBytes } from "node:crypto";
import { toHex } from "../../common/bytes";
import { encodeMetadata } from "../../common/gaen/metadata";
import { referenceCrypto } from "../../host-tools/gaen/crypto";
import type { OmamoriLog, LogEncounter, ScanSummary } from "../../host-tools/log/omamoriLog";

/** A day used throughout: 2026-11-10 00:00 UTC (ENIN is a multiple of 144). */
export const DAY0 = Date.UTC(2026, 10, 10) / 1000;
export const DAY0_ENIN = DAY0 / 600;

export function randomTek(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

export interface EncounterSpec {
  tek: Uint8Array;
  /** Interval whose identifier was heard. */
  enin: number;
  /** Scan times (unix seconds); default: 3 scans 4 min apart from the interval start. */
  times?: number[];
  rssi?: number;
  txPowerDbm?: number;
  /** Metadata v1.1 confidence, -1 = v1.0. */
  confidence?: number;
  /** Store only this many bytes of the identifier. */
  prefixBytes?: number;
}

export function encounterFor(spec: EncounterSpec): LogEncounter {
  const rpik = referenceCrypto.rpik(spec.tek);
  const aemk = referenceCrypto.aemk(spec.tek);
  const rpi = referenceCrypto.rpi(rpik, spec.enin);
  const aem = referenceCrypto.aem(aemk, rpi, encodeMetadata(spec.txPowerDbm ?? -4, spec.confidence ?? -1));
  const t0 = spec.enin * 600;
  const times = spec.times ?? [t0, t0 + 240, t0 + 480];
  const rssi = spec.rssi ?? -60;
  const scans: ScanSummary[] = times.map((t) => ({ t, count: 3, rssiMax: rssi, rssiMean: rssi }));
  return { rpi: toHex(rpi.subarray(0, spec.prefixBytes ?? 16)), aem: toHex(aem), scans };
}

/** A noise encounter that matches nothing. */
export function noiseEncounter(t: number): LogEncounter {
  return { rpi: toHex(randomBytes(16)), aem: toHex(randomBytes(4)), scans: [{ t, count: 1, rssiMax: -80, rssiMean: -82 }] };
}

export function makeLog(encounters: LogEncounter[], board = "puckjs"): OmamoriLog {
  return { format: "omamori-log", version: 1, tokenId: "test-token", board, rssiOffsetDb: 0, clockCorrectionSeconds: 0, syncedAt: "2026-11-13T00:00:00.000Z", encounters };
}

/**
 * A continuous contact: the key's identifiers heard every `everySeconds` from `fromSeconds` for
 * `minutes`, one encounter per interval (as a token logs them).
 */
export function contactEncounters(tek: Uint8Array, fromSeconds: number, minutes: number, rssi: number, everySeconds = 240, txPowerDbm = -4): LogEncounter[] {
  const byEnin = new Map<number, number[]>();
  for (let t = fromSeconds; t < fromSeconds + minutes * 60; t += everySeconds) {
    const k = Math.floor(t / 600);
    if (!byEnin.has(k)) byEnin.set(k, []);
    byEnin.get(k)!.push(t);
  }
  return [...byEnin].map(([enin, times]) => encounterFor({ tek, enin, times, rssi, txPowerDbm }));
}
