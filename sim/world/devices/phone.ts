/**
 * A simulated GAEN phone (docs/spec/gaen-protocol.md sections 1 and 3), on the GAEN crypto it is given
 * (`crypto`: the simulator never imports the host tools; whoever builds the world chooses it):
 *  - a new TEK at each UTC midnight (from the device's seeded random stream, so runs replay),
 *    kept 14 days;
 *  - RPI + AEM for the current ENIN, rotated together with a new non-resolvable private address
 *    at a random time 10-20 min after the previous rotation;
 *  - non-connectable adverts every 200-270 ms (interval drawn at each rotation);
 *  - a 4 s scan every 210-300 s (Google: every 300 s minus 0..90 s);
 *  - sightings recorded per scan and RPI like Apple's EN: first time, strongest and mean RSSI,
 *    packet count (or every packet with `recordEveryPacket`);
 *  - reports its TEKs for a positive registration with a chosen report type / transmission risk.
 */
import { buildAdvert, parseAdvert } from "../../../common/gaen/advert";
import { eninFromUnixSeconds, rollingStartFor, RETENTION_DAYS, TEK_ROLLING_PERIOD, dayFromEnin } from "../../../common/gaen/interval";
import { encodeMetadata } from "../../../common/gaen/metadata";
import type { GaenCrypto } from "../../../common/gaen/crypto";
import type { Random } from "../random";
import type { ReceivedPacket, RadioState, SimDevice } from "./device";
import type { PhoneModel } from "./phoneModels";

export const ADVERT_INTERVAL_MIN_MS = 200;
export const ADVERT_INTERVAL_MAX_MS = 270;
export const ROTATION_MIN_MS = 10 * 60000;
export const ROTATION_MAX_MS = 20 * 60000;
export const SCAN_PERIOD_MIN_MS = 210000;
export const SCAN_PERIOD_MAX_MS = 300000;
export const SCAN_DURATION_MS = 4000;

export interface Sighting {
  rpi: Uint8Array;
  aem: Uint8Array;
  /** Strongest RSSI of the scan (every packet's own RSSI with recordEveryPacket). */
  rssi: number;
  meanRssi: number;
  packets: number;
  /** Time of the first packet of this RPI in the scan. */
  timeMs: number;
  /** Start of the scan it was seen in. */
  scanStartMs: number;
  /** World id of the sender (ground truth for tests; a real phone cannot know it). */
  from: string;
}

export interface DailyKey { tek: Uint8Array; rollingStart: number }

/** A key as uploaded for a positive registration (field names of the export proto, docs/spec/gaen-protocol.md section 4). */
export interface ReportedKey {
  keyData: Uint8Array;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
  reportType: number;
  transmissionRiskLevel: number;
  daysSinceOnsetOfSymptoms?: number;
}

export interface PhoneOptions {
  id: string;
  model: PhoneModel;
  rng: Random;
  startMs: number;
  /** GAEN key derivation (e.g. host-tools/gaen/crypto.ts fastCrypto). */
  crypto: GaenCrypto;
  recordEveryPacket?: boolean;
}

export class PhoneDevice implements SimDevice {
  readonly id: string;
  readonly kind = "phone" as const;
  readonly model: PhoneModel;
  readonly rssiOffsetDb: number;
  readonly sensitivityDbm: number;
  readonly sightings: Sighting[] = [];
  /** Start times of every scan made. */
  readonly scans: number[] = [];
  /** Every RPI this phone advertised, with the time it started. */
  readonly advertised: { rpi: Uint8Array; aem: Uint8Array; address: string; fromMs: number }[] = [];
  private readonly rng: Random;
  private readonly crypto: GaenCrypto;
  private readonly recordEveryPacket: boolean;
  private readonly keys: DailyKey[] = [];
  private readonly listeners: (() => void)[] = [];
  private now: number;
  private nextRotationMs = 0;
  private nextMidnightMs = 0;
  private nextScanMs: number;
  private scanEndMs = Infinity;
  private scanSeen: Record<string, Sighting> = {};
  private state: RadioState;
  private derivedFor: DailyKey | null = null;
  private rpik: Uint8Array = new Uint8Array(16);
  private aemk: Uint8Array = new Uint8Array(16);
  private readonly metadata: Uint8Array;

  constructor(o: PhoneOptions) {
    if (!o || typeof o.id !== "string") throw new TypeError("PhoneDevice needs an id");
    if (!Number.isFinite(o.startMs)) throw new RangeError("PhoneDevice startMs must be a time in ms, got " + o.startMs);
    this.id = o.id;
    this.model = o.model;
    this.rssiOffsetDb = o.model.rssiOffsetDb;
    this.sensitivityDbm = o.model.sensitivityDbm;
    this.rng = o.rng;
    if (!o.crypto) throw new TypeError("PhoneDevice needs GAEN crypto (crypto), e.g. fastCrypto of host-tools/gaen/crypto.ts");
    this.crypto = o.crypto;
    this.recordEveryPacket = o.recordEveryPacket ?? false;
    this.now = o.startMs;
    this.metadata = encodeMetadata(o.model.metadataTxPowerDbm, o.model.metadataConfidence);
    this.state = {
      advertising: null, address: "", addressType: "private-nonresolvable", txPowerDbm: -15,
      scanning: null, sleeping: false, connected: false,
    };
    this.rotate();
    this.nextMidnightMs = (Math.floor(o.startMs / 86400000) + 1) * 86400000;
    this.nextScanMs = o.startMs + Math.floor(this.rng.uniform(0, SCAN_PERIOD_MAX_MS));
  }

  nextEventTimeMs(): number {
    return Math.min(this.nextRotationMs, this.nextMidnightMs, this.state.scanning ? this.scanEndMs : this.nextScanMs);
  }

  advanceTo(ms: number): void {
    if (ms < this.now) throw new RangeError(this.id + ": cannot go back in time from " + this.now + " to " + ms);
    for (;;) {
      const t = this.nextEventTimeMs();
      if (t > ms) break;
      this.now = t;
      if (t === this.nextMidnightMs) {
        // a new daily key at UTC midnight; the RPI changes at the next rotation
        this.tekFor(eninFromUnixSeconds(t / 1000));
        this.nextMidnightMs += 86400000;
      } else if (t === this.nextRotationMs) this.rotate();
      else if (this.state.scanning) this.endScan();
      else this.startScan();
    }
    this.now = ms;
  }

  radioState(): RadioState {
    return this.state;
  }

  onRadioChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  radiatedPowerDbm(): number {
    return this.model.radiatedTxPowerDbm;
  }

  receive(p: ReceivedPacket): void {
    if (!this.state.scanning) return;
    const adv = parseAdvert(p.data);
    if (!adv) return; // not an exposure-notification advert
    if (this.recordEveryPacket) {
      this.sightings.push({
        rpi: adv.rpi.slice(), aem: adv.aem.slice(), rssi: p.rssi, meanRssi: p.rssi, packets: 1,
        timeMs: p.timeMs, scanStartMs: this.scans[this.scans.length - 1], from: p.from,
      });
      return;
    }
    const r = adv.rpi;
    const key = String.fromCharCode(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    const s = this.scanSeen[key];
    if (s) {
      s.meanRssi = (s.meanRssi * s.packets + p.rssi) / (s.packets + 1);
      s.packets++;
      if (p.rssi > s.rssi) s.rssi = p.rssi;
    } else {
      this.scanSeen[key] = {
        rpi: adv.rpi.slice(), aem: adv.aem.slice(), rssi: p.rssi, meanRssi: p.rssi, packets: 1,
        timeMs: p.timeMs, scanStartMs: this.scans[this.scans.length - 1], from: p.from,
      };
    }
  }

  /** Daily keys kept (last 14 days and today), oldest first. */
  dailyKeys(): DailyKey[] {
    return this.keys.slice();
  }

  /**
   * The keys a positive registration uploads: every kept key (today's too, as the server embargoes
   * it until its validity ends). `onsetMs` gives days_since_onset_of_symptoms per key.
   */
  reportKeys(o: { reportType: number; transmissionRiskLevel: number; onsetMs?: number }): ReportedKey[] {
    if (!Number.isInteger(o.reportType) || o.reportType < 0 || o.reportType > 5) throw new RangeError("reportType must be 0..5, got " + o.reportType);
    if (!Number.isInteger(o.transmissionRiskLevel) || o.transmissionRiskLevel < 0 || o.transmissionRiskLevel > 8) {
      throw new RangeError("transmissionRiskLevel must be 0..8, got " + o.transmissionRiskLevel);
    }
    const onsetDay = o.onsetMs === undefined ? undefined : Math.floor(o.onsetMs / 86400000);
    return this.keys.map((k) => {
      const r: ReportedKey = {
        keyData: k.tek.slice(), rollingStartIntervalNumber: k.rollingStart, rollingPeriod: TEK_ROLLING_PERIOD,
        reportType: o.reportType, transmissionRiskLevel: o.transmissionRiskLevel,
      };
      if (onsetDay !== undefined) r.daysSinceOnsetOfSymptoms = Math.max(-14, Math.min(14, dayFromEnin(k.rollingStart) - onsetDay));
      return r;
    });
  }

  private tekFor(enin: number): DailyKey {
    const start = rollingStartFor(enin);
    let k = this.keys[this.keys.length - 1];
    if (!k || k.rollingStart !== start) {
      k = { tek: this.rng.bytes(16), rollingStart: start };
      this.keys.push(k);
      while (this.keys.length && this.keys[0].rollingStart < start - RETENTION_DAYS * TEK_ROLLING_PERIOD) this.keys.shift();
    }
    return k;
  }

  private rotate(): void {
    const enin = eninFromUnixSeconds(this.now / 1000);
    const k = this.tekFor(enin);
    if (this.derivedFor !== k) {
      // RPIK and AEMK once per daily key, not per rotation
      this.derivedFor = k;
      this.rpik = this.crypto.rpik(k.tek);
      this.aemk = this.crypto.aemk(k.tek);
    }
    const rpi = this.crypto.rpi(this.rpik, enin);
    const aem = this.crypto.aem(this.aemk, rpi, this.metadata);
    const addr = this.rng.bytes(6);
    addr[0] &= 0x3f; // non-resolvable private address: two most significant bits 00
    if (addr.every((b) => b === 0)) addr[5] = 1; // never all zero (all ones cannot happen with 00 on top)
    const address = Array.from(addr, (b) => (b < 16 ? "0" : "") + b.toString(16)).join(":");
    this.state = {
      ...this.state,
      address,
      advertising: {
        data: buildAdvert(rpi, aem),
        intervalMs: Math.floor(this.rng.uniform(ADVERT_INTERVAL_MIN_MS, ADVERT_INTERVAL_MAX_MS + 1)),
        connectable: false,
        scannable: false,
      },
    };
    this.advertised.push({ rpi, aem, address, fromMs: this.now });
    // strictly between 10 and 20 minutes
    this.nextRotationMs = this.now + Math.floor(this.rng.uniform(ROTATION_MIN_MS + 1, ROTATION_MAX_MS));
    this.changed();
  }

  private startScan(): void {
    this.scans.push(this.now);
    this.scanSeen = {};
    this.scanEndMs = this.now + SCAN_DURATION_MS;
    this.state = { ...this.state, scanning: { filters: [{ services: ["fd6f"] }], active: false } };
    this.changed();
  }

  private endScan(): void {
    const seen = this.scanSeen;
    const list = Object.keys(seen).map((k) => seen[k]).sort((a, b) => a.timeMs - b.timeMs);
    for (const s of list) this.sightings.push(s);
    this.scanSeen = {};
    this.state = { ...this.state, scanning: null };
    this.nextScanMs = this.scans[this.scans.length - 1] + Math.floor(this.rng.uniform(SCAN_PERIOD_MIN_MS, SCAN_PERIOD_MAX_MS + 1));
    this.scanEndMs = Infinity;
    this.changed();
  }

  private changed(): void {
    for (const cb of this.listeners) cb();
  }
}
