/**
 * A device that only advertises: the rest of a crowd. It never scans, so a crowd of them costs the
 * world little, and nobody needs its keys. Profiles (scenario "kind": "advertiser", "profile"):
 *
 *  - "gaen": an exposure-notification phone or token nobody in the run matches: GAEN's 31-byte advert
 *    with random identifier and metadata bytes, a new identifier and non-resolvable private address
 *    every 10-20 min, an advertising interval drawn in GAEN's 200-270 ms at each change (the GAEN
 *    Bluetooth specification v1.2), radiated like the sim's Android phone (phoneModels.ts);
 *  - "phone": a smartphone's own non-GAEN adverts (Apple Continuity "Nearby" messages, Google Fast
 *    Pair and the like): no vendor publishes their rate; taken as a 24-byte manufacturer-data advert
 *    every 300 ms (an assumption; range 100-1000 ms), inside the span of Apple's accessory intervals;
 *  - "earbuds": wireless earbuds or a smartwatch: Apple's "Accessory Design Guidelines for Apple
 *    Devices" list the advertising intervals an accessory should use after its first 30 s (152.5,
 *    211.25, 318.75, 417.5, 546.25, 760, 852.5, 1022.5, 1285 ms): 211.25 ms, 27 bytes;
 *  - "beacon": an iBeacon (Apple's "Getting Started with iBeacon": 100 ms), 30 bytes.
 *
 * Radiated power: -18 dBm like the sim's phones for "gaen" and "phone" (phoneModels.ts); earbuds and
 * beacons -12 dBm (a common 0 dBm setting less small-antenna loss: an assumption).
 */
import type { Random } from "../random";
import type { RadioState, ReceivedPacket, SimDevice } from "./device";

export interface AdvertiserProfile {
  id: string;
  /** Interval range, ms (drawn uniformly at each identifier change; equal ends = fixed). */
  intervalMs: [number, number];
  radiatedDbm: number;
  /** How the advert bytes are made (fresh at each identifier change). */
  payload: (rng: Random) => Uint8Array;
  /** Identifier and address change: range in ms (Infinity: never). */
  rotateMs: [number, number];
}

function bytes(rng: Random, n: number): number[] {
  return Array.from(rng.bytes(n));
}

export const ADVERTISER_PROFILES: Record<string, AdvertiserProfile> = {
  gaen: {
    id: "gaen", intervalMs: [200, 270], radiatedDbm: -18, rotateMs: [600_000, 1_200_000],
    // flags, 16-bit service UUID list FD6F, service data FD6F + RPI (16) + AEM (4): 31 bytes
    payload: (rng) => new Uint8Array([0x02, 0x01, 0x1a, 0x03, 0x03, 0x6f, 0xfd, 0x17, 0x16, 0x6f, 0xfd, ...bytes(rng, 20)]),
  },
  phone: {
    id: "phone", intervalMs: [300, 300], radiatedDbm: -18, rotateMs: [600_000, 1_200_000],
    payload: (rng) => new Uint8Array([0x02, 0x01, 0x1a, 0x14, 0xff, 0x4c, 0x00, 0x10, ...bytes(rng, 16)]),
  },
  earbuds: {
    id: "earbuds", intervalMs: [211.25, 211.25], radiatedDbm: -12, rotateMs: [900_000, 900_000],
    payload: (rng) => new Uint8Array([0x02, 0x01, 0x06, 0x17, 0xff, 0x4c, 0x00, 0x07, ...bytes(rng, 19)]),
  },
  beacon: {
    id: "beacon", intervalMs: [100, 100], radiatedDbm: -12, rotateMs: [Infinity, Infinity],
    payload: (rng) => new Uint8Array([0x02, 0x01, 0x06, 0x1a, 0xff, 0x4c, 0x00, 0x02, 0x15, ...bytes(rng, 21)]),
  },
};

export function advertiserProfile(id: string): AdvertiserProfile {
  const p = ADVERTISER_PROFILES[id];
  if (!p) throw new RangeError("unknown advertiser profile " + JSON.stringify(id) + "; known: " + Object.keys(ADVERTISER_PROFILES).join(", "));
  return p;
}

export class AdvertiserDevice implements SimDevice {
  readonly kind = "advertiser" as const;
  readonly rssiOffsetDb = 0;
  readonly sensitivityDbm = -95;
  private state: RadioState;
  private readonly listeners: (() => void)[] = [];
  private now: number;
  private nextRotationMs: number;

  constructor(readonly id: string, readonly profile: AdvertiserProfile, private readonly rng: Random, startMs: number) {
    this.now = startMs;
    this.state = { advertising: null, address: "", addressType: "private-nonresolvable", txPowerDbm: 0, scanning: null, sleeping: false, connected: false };
    this.nextRotationMs = startMs;
    this.rotate();
    // the first change at a random point of its period, so a crowd does not change all at once
    const [a, b] = profile.rotateMs;
    this.nextRotationMs = Number.isFinite(a) ? startMs + Math.floor(rng.uniform(0, b)) : Infinity;
  }

  nextEventTimeMs(): number {
    return this.nextRotationMs;
  }

  advanceTo(ms: number): void {
    while (this.nextRotationMs <= ms) {
      this.now = this.nextRotationMs;
      this.rotate();
      const [a, b] = this.profile.rotateMs;
      this.nextRotationMs = this.now + Math.floor(this.rng.uniform(a, b));
    }
    this.now = ms;
  }

  private rotate(): void {
    const p = this.profile;
    const addr = this.rng.bytes(6);
    addr[0] &= 0x3f;
    addr[5] |= 1;
    this.state = {
      ...this.state,
      address: Array.from(addr, (x) => (x < 16 ? "0" : "") + x.toString(16)).join(":"),
      advertising: {
        data: p.payload(this.rng), connectable: false, scannable: false,
        intervalMs: p.intervalMs[0] === p.intervalMs[1] ? p.intervalMs[0] : this.rng.uniform(p.intervalMs[0], p.intervalMs[1]),
      },
    };
    for (const l of this.listeners) l();
  }

  radioState(): RadioState {
    return this.state;
  }

  onRadioChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  receive(_p: ReceivedPacket): void {
    // never scans
  }

  radiatedPowerDbm(): number {
    return this.profile.radiatedDbm;
  }
}
