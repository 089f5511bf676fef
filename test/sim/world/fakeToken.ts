/**
 * A stand-in for a token in world tests that must not depend on the built firmware: advertises a
 * fixed GAEN payload every 250 ms (non-connectable), scans 4 s every 5 min (or continuously with
 * `continuous`, or never with `neverScan`), and records every packet.
 * Optionally stops scanning after `stopScanAfter` packets (to exercise segment cutting).
 */
import { buildAdvert } from "../../../common/gaen/advert";
import type { RadioState, ReceivedPacket, SimDevice } from "../../../sim/world/devices/device";
import type { DeviceContext } from "../../../sim/world/world";

export class FakeToken implements SimDevice {
  readonly kind = "token" as const;
  readonly rssiOffsetDb = 0;
  readonly sensitivityDbm = -96;
  readonly received: ReceivedPacket[] = [];
  readonly rpi: Uint8Array;
  private listeners: (() => void)[] = [];
  private now: number;
  private state: RadioState;
  private stopScanAfter: number;
  private continuous: boolean;
  private nextToggle: number;
  private radiated: number;

  constructor(readonly id: string, ctx: { rng: DeviceContext["rng"]; startMs: number }, o: { stopScanAfter?: number; radiatedDbm?: number; continuous?: boolean; neverScan?: boolean } = {}) {
    this.now = ctx.startMs;
    this.rpi = ctx.rng.bytes(16);
    this.stopScanAfter = o.stopScanAfter ?? Infinity;
    this.radiated = o.radiatedDbm ?? -4;
    this.continuous = o.continuous ?? false;
    this.nextToggle = this.continuous || o.neverScan ? Infinity : ctx.startMs + Math.floor(ctx.rng.uniform(0, 300000));
    this.state = {
      advertising: { data: buildAdvert(this.rpi, new Uint8Array([0x40, 0xfc, 0, 0])), intervalMs: 250, connectable: false, scannable: false },
      address: "c0:00:00:00:00:01", addressType: "random", txPowerDbm: 0,
      scanning: this.continuous ? { filters: [{ services: ["fd6f"] }] } : null, sleeping: false, connected: false,
    };
  }
  nextEventTimeMs(): number { return this.nextToggle; }
  advanceTo(ms: number): void {
    if (ms < this.now) throw new Error("time went back");
    while (this.nextToggle <= ms) {
      const scanning = !this.state.scanning;
      this.state = { ...this.state, scanning: scanning ? { filters: [{ services: ["fd6f"] }] } : null };
      this.nextToggle += scanning ? 4000 : 296000;
      for (const cb of this.listeners) cb();
    }
    this.now = ms;
  }
  radioState(): RadioState { return this.state; }
  onRadioChange(cb: () => void): void { this.listeners.push(cb); }
  radiatedPowerDbm(): number { return this.radiated; }
  receive(p: ReceivedPacket): void {
    if (!this.state.scanning) throw new Error(this.id + " got a packet while not scanning");
    if (p.timeMs < this.now) throw new Error("packet from the past");
    this.now = p.timeMs;
    this.received.push(p);
    if (this.received.length >= this.stopScanAfter) {
      this.state = { ...this.state, scanning: null };
      for (const cb of this.listeners) cb();
    }
  }
}
