/**
 * A passive listener in the world: a Bluetooth sniffer that hears every advert in range, all day, and
 * keeps what a real one keeps (address, payload, when first and last heard). It never transmits. The
 * `from` of each sighting is the world's ground truth, for scoring what an attacker made of the
 * air (sim/world/sniffer.ts); an attack itself may only use address, payload and times.
 */
import { toHex } from "../../../common/bytes";
import type { RadioState, ReceivedPacket, SimDevice } from "./device";

/** One (address, payload) pair as heard: the unit an attacker reasons about. */
export interface Sighting {
  address: string;
  /** Raw advert payload, hex. */
  data: string;
  firstMs: number;
  lastMs: number;
  packets: number;
  /** Ground truth: the world id of the sender (never used by an attack). */
  from: string;
}

export class ListenerDevice {
  readonly kind = "listener" as const;
  readonly rssiOffsetDb = 0;
  /** A good receiver (Nordic nRF52 class, docs: -96 dBm), so it misses nothing a token would hear. */
  readonly sensitivityDbm = -96;
  private readonly byKey = new Map<string, Sighting>();
  private readonly state: RadioState = {
    advertising: null, address: "0c:00:00:00:00:99", addressType: "public", txPowerDbm: 0,
    scanning: { filters: null, active: false }, sleeping: false, connected: false,
  };

  constructor(readonly id: string) {}

  /** Every sighting so far, in order of first packet. */
  sightings(): Sighting[] {
    return [...this.byKey.values()].sort((a, b) => a.firstMs - b.firstMs);
  }

  nextEventTimeMs(): number {
    return Infinity;
  }

  advanceTo(): void {}

  radioState(): RadioState {
    return this.state;
  }

  onRadioChange(): void {}

  receive(p: ReceivedPacket): void {
    const data = toHex(p.data);
    const key = p.address + "|" + data;
    const s = this.byKey.get(key);
    if (s) {
      s.lastMs = Math.max(s.lastMs, p.timeMs);
      s.packets++;
    } else this.byKey.set(key, { address: p.address, data, firstMs: p.timeMs, lastMs: p.timeMs, packets: 1, from: p.from });
  }

  radiatedPowerDbm(): number {
    return -Infinity;
  }
}

/** The listener as the world sees it. */
export type Listener = ListenerDevice & SimDevice;

export function makeListener(id: string): Listener {
  return new ListenerDevice(id) as Listener;
}
