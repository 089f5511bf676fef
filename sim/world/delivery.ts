/**
 * Analytic advert delivery for one segment [t0, t1) in which no device changes state (docs/SIM-WORLD.md).
 *
 * For one scanner and one advertiser the advertising events inside the window are generated
 * directly, without simulating the advertiser outside scan windows: the first event falls at a
 * uniformly random phase in [0, interval + 5 ms) (so the expected count is exactly
 * window / (interval + mean advDelay)), each next one interval + advDelay later, advDelay uniform
 * 0-10 ms (Bluetooth Core spec Vol 6 Part B 4.4.2.2). Each event is received at most once (the
 * scanner listens on one of the three advertising channels at a time), with a fading sample on the
 * mean link power and probability (1 - loss(power)) x (1 - collision), collision from the other
 * advertisers the scanner hears in the segment (channel.ts). An advertiser rotating several packets sends
 * them in turn from a random one.
 */
import { fadingDb, lossProbability, reportedRssi, type Environment } from "./channel";
import type { Random } from "./random";
import type { AdvertisingState, ReceivedPacket } from "./devices/device";

/** Largest random advDelay added to every advertising interval (BLE spec), ms. */
export const ADV_DELAY_MAX_MS = 10;

export interface LinkInWindow {
  from: string;
  address: string;
  addressType: string;
  advertising: AdvertisingState;
  /** Mean received power at the scanner, dBm. */
  meanDbm: number;
  env: Environment;
  sensitivityDbm: number;
  rssiOffsetDb: number;
  /** Probability a packet is lost to a collision with another advertiser (0 when alone). */
  collision?: number;
}

/** Appends the packets the scanner receives from one advertiser during [t0, t1) to `out`, in time order. */
export function deliverWindow(link: LinkInWindow, t0: number, t1: number, rng: Random, out: ReceivedPacket[]): void {
  const interval = link.advertising.intervalMs;
  if (!(interval > 0)) throw new RangeError(link.from + ": advertising interval must be > 0 ms, got " + interval);
  const rot = link.advertising.rotation;
  const n = rot && rot.length > 1 ? rot.length : 0;
  let k = n ? Math.floor(rng.next() * n) : 0;
  const keep = 1 - (link.collision ?? 0);
  let t = t0 + rng.next() * (interval + ADV_DELAY_MAX_MS / 2);
  while (t < t1) {
    const power = link.meanDbm + fadingDb(link.env.ricianK, rng);
    if (rng.next() < keep * (1 - lossProbability(power, link.sensitivityDbm, link.env))) {
      out.push({
        timeMs: Math.floor(t),
        from: link.from,
        address: link.address,
        addressType: link.addressType,
        rssi: reportedRssi(power, link.rssiOffsetDb),
        data: n ? rot![k % n] : link.advertising.data,
        connectable: link.advertising.connectable,
      });
    }
    k++;
    t += interval + rng.next() * ADV_DELAY_MAX_MS;
  }
}

/**
 * One advertising event at a known time (the first event of a start of advertising, which the
 * SoftDevice sends at once): received with the same fading, loss and collision draw as the
 * events of a window. `link.advertising` gives the payload and connectability of that event.
 */
export function deliverOne(link: LinkInWindow, timeMs: number, rng: Random, out: ReceivedPacket[]): void {
  const keep = 1 - (link.collision ?? 0);
  const power = link.meanDbm + fadingDb(link.env.ricianK, rng);
  if (rng.next() < keep * (1 - lossProbability(power, link.sensitivityDbm, link.env))) {
    out.push({
      timeMs: Math.floor(timeMs), from: link.from, address: link.address, addressType: link.addressType,
      rssi: reportedRssi(power, link.rssiOffsetDb), data: link.advertising.data, connectable: link.advertising.connectable,
    });
  }
}

/**
 * The per-advert reference: every advertising event of the advertiser from t0 to t1 is simulated
 * (as an event-driven simulator would), and those falling inside the scan windows are delivered.
 * Used by bench/sim.ts as the baseline and by tests to check the analytic counts.
 */
export function deliverPerAdvert(link: LinkInWindow, windows: [number, number][], t0: number, t1: number, rng: Random, out: ReceivedPacket[]): number {
  let events = 0;
  let w = 0;
  const interval = link.advertising.intervalMs;
  for (let t = t0 + rng.next() * interval; t < t1; t += interval + rng.next() * ADV_DELAY_MAX_MS) {
    events++;
    while (w < windows.length && windows[w][1] <= t) w++;
    if (w >= windows.length) continue;
    if (t < windows[w][0]) continue;
    const power = link.meanDbm + fadingDb(link.env.ricianK, rng);
    if (rng.next() >= (1 - (link.collision ?? 0)) * (1 - lossProbability(power, link.sensitivityDbm, link.env))) continue;
    out.push({
      timeMs: Math.floor(t), from: link.from, address: link.address, addressType: link.addressType,
      rssi: reportedRssi(power, link.rssiOffsetDb), data: link.advertising.data, connectable: link.advertising.connectable,
    });
  }
  return events;
}
