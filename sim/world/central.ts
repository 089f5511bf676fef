/**
 * The host's Bluetooth adapter in the simulated world: a GATT central for the `sim` sync
 * transport (host-tools/sync/transports/sim.ts). It is a world device (kind "central") placed
 * near a token (or anywhere), so scanning uses the same analytic delivery and channel as
 * everything else; its methods return Promises and advance the world's clock by the simulated
 * time each operation takes.
 *
 * Timing (Bluetooth Core spec Vol 6 Part B, Vol 3 Parts A/F), all in whole connection events:
 *  - connection interval 7.5-30 ms (multiples of 1.25 ms), `packetsPerEvent` link-layer packets
 *    per connection event (default 4, what phone and laptop stacks typically fit), LL payload
 *    27 bytes (no Data Length Extension; 251 with `llPayloadBytes: 251`);
 *  - an ATT PDU of n bytes is n + 4 bytes of L2CAP, i.e. ceil((n + 4) / llPayload) LL packets;
 *  - notifications and writes without response are pipelined: ceil(packets / packetsPerEvent) events;
 *  - a request (write with response, read, discovery) gets its response in the next event;
 *  - connecting waits for the token's next connectable advert, then one event for CONNECT_IND
 *    and the first event, then an MTU exchange (one request/response).
 * `link.stats.busyMs` and the `transferMs` of each result give the simulated time used.
 * Disconnects can be injected after a number of ATT payload bytes (both directions) or at a time.
 */
import type { GattCentral as RuntimeCentral, GattLink } from "../espruino/runtime";
import type { GattCharacteristicInfo } from "../espruino/nrf";
import type { RadioState, ReceivedPacket, SimDevice } from "./devices/device";
import type { Attachment, World } from "./world";

export const ATT_HEADER_BYTES = 3;
export const L2CAP_HEADER_BYTES = 4;
export const DEFAULT_LL_PAYLOAD = 27;
export const MIN_INTERVAL_MS = 7.5;
export const MAX_INTERVAL_MS = 30;
export const MIN_MTU = 23;

export interface CentralOptions {
  id?: string;
  /** Where the adapter is (default: 0.5 m from the first token in the scenario, on a table). */
  where?: Attachment;
  /** ATT MTU the central asks for (23..517, default 247); the link uses min(this, board radio.maxMtu). */
  mtu?: number;
  /** Connection interval, 7.5..30 ms in 1.25 ms steps (default 30). */
  connectionIntervalMs?: number;
  /** Link-layer packets per connection event (1..20, default 4). */
  packetsPerEvent?: number;
  /** LL payload bytes per packet: 27 (default) or up to 251 with Data Length Extension. */
  llPayloadBytes?: number;
}

export interface ScanResult {
  /** World id of the advertiser (the real host cannot know it; for tests). */
  deviceId: string;
  address: string;
  addressType: string;
  rssi: number;
  data: Uint8Array;
  connectable: boolean;
  timeMs: number;
}

export class CentralDisconnected extends Error {
  constructor(readonly reason: string) {
    super("disconnected: " + reason);
  }
}

export interface LinkStats {
  bytesSent: number;
  bytesReceived: number;
  /** Simulated time the link spent transferring (ms). */
  busyMs: number;
  connectedAtMs: number;
}

function checkRange(name: string, v: number, min: number, max: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new RangeError(name + " must be a number " + min + ".." + max + ", got " + v);
  }
}

export class SimCentral implements SimDevice {
  readonly id: string;
  readonly kind = "central" as const;
  readonly rssiOffsetDb = 0;
  readonly sensitivityDbm = -95;
  readonly mtu: number;
  readonly intervalMs: number;
  readonly packetsPerEvent: number;
  readonly llPayloadBytes: number;
  private readonly world: World;
  private readonly listeners: (() => void)[] = [];
  private state: RadioState = {
    advertising: null, address: "0c:00:00:00:00:01", addressType: "public", txPowerDbm: 0,
    scanning: null, sleeping: false, connected: false,
  };
  private scanSink: ((p: ReceivedPacket) => void) | null = null;
  private readonly links: CentralLink[] = [];

  constructor(world: World, o: CentralOptions = {}) {
    this.world = world;
    this.id = o.id ?? "host";
    this.mtu = o.mtu ?? 247;
    checkRange("mtu", this.mtu, MIN_MTU, 517);
    this.intervalMs = o.connectionIntervalMs ?? 30;
    checkRange("connectionIntervalMs", this.intervalMs, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
    if (Math.abs(this.intervalMs / 1.25 - Math.round(this.intervalMs / 1.25)) > 1e-9) {
      throw new RangeError("connectionIntervalMs must be a multiple of 1.25 ms, got " + this.intervalMs);
    }
    this.packetsPerEvent = o.packetsPerEvent ?? 4;
    checkRange("packetsPerEvent", this.packetsPerEvent, 1, 20);
    this.llPayloadBytes = o.llPayloadBytes ?? DEFAULT_LL_PAYLOAD;
    checkRange("llPayloadBytes", this.llPayloadBytes, DEFAULT_LL_PAYLOAD, 251);
    let where = o.where;
    if (!where) {
      const token = world.devices().find((d) => d.kind === "token");
      if (!token) throw new RangeError("the world has no token to put the central next to; pass `where`");
      where = { near: token.id, offsetM: 0.5, carry: "table" };
    }
    world.attach(this, where);
  }

  // ----------------------------------------------------------------- SimDevice

  nextEventTimeMs(): number {
    let t = Infinity;
    for (const l of this.links) t = Math.min(t, l.nextEventTimeMs());
    return t;
  }

  advanceTo(ms: number): void {
    for (const l of this.links.slice()) l.advanceTo(ms);
  }

  radioState(): RadioState {
    return this.state;
  }

  onRadioChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  receive(p: ReceivedPacket): void {
    if (this.scanSink) this.scanSink(p);
  }

  radiatedPowerDbm(): number {
    return 0;
  }

  private setScanning(on: boolean): void {
    this.state = { ...this.state, scanning: on ? { filters: null, active: false } : null };
    for (const cb of this.listeners) cb();
  }

  // ----------------------------------------------------------------- scanning and connecting

  /**
   * Scans for up to `timeoutMs` of simulated time. `seen` is called for each advert (connectable
   * ones only unless `all`); returning true stops the scan at that advert.
   */
  async scan(timeoutMs: number, seen: (r: ScanResult) => boolean | void = () => false, o: { all?: boolean } = {}): Promise<ScanResult[]> {
    checkRange("timeoutMs", timeoutMs, 0, 7 * 86400000);
    if (this.scanSink) throw new Error("a scan is already running");
    const out: ScanResult[] = [];
    let done = false;
    this.scanSink = (p) => {
      if (done || (!p.connectable && !o.all)) return;
      const r: ScanResult = { deviceId: p.from, address: p.address, addressType: p.addressType, rssi: p.rssi, data: p.data.slice(), connectable: p.connectable, timeMs: p.timeMs };
      out.push(r);
      if (seen(r) === true) {
        done = true;
        this.setScanning(false);
      }
    };
    this.setScanning(true);
    try {
      this.world.runUntil(this.world.now + timeoutMs, () => done);
    } finally {
      this.scanSink = null;
      if (this.state.scanning) this.setScanning(false);
    }
    return out;
  }

  /**
   * Connects to the device now advertising connectably at `target`'s address: waits for its next
   * advert, CONNECT_IND, first event and MTU exchange. Rejects when nobody connectable has that
   * address, the device is out of range or busy.
   */
  async connect(target: ScanResult | string): Promise<CentralLink> {
    const address = typeof target === "string" ? target : target.address;
    const dev = this.world.devices().find((d) => {
      const s = d.radioState();
      return d !== this && s.address === address && !!s.advertising && s.advertising.connectable && !s.sleeping;
    });
    if (!dev) throw new CentralDisconnected("no connectable device at " + address);
    const rt = (dev as unknown as { rt?: { gattConnect(c: RuntimeCentral): GattLink | null } }).rt;
    if (!rt) throw new CentralDisconnected(dev.id + " does not accept GATT connections");
    const here = this.world.placementOf(this.id);
    const there = this.world.placementOf(dev.id);
    if (!here || !there || !this.world.scenario.path(here.room, there.room)) throw new CentralDisconnected(dev.id + " is out of range");
    const adv = dev.radioState().advertising!;
    // next advertising event of the target, then CONNECT_IND and the first connection event
    await this.runFor(this.world.rng.fork("connect/" + this.world.now).uniform(0, adv.intervalMs) + this.intervalMs);
    const link = new CentralLink(this, this.world, dev.id);
    const rtLink = rt.gattConnect(link.runtimeCentral);
    if (!rtLink) throw new CentralDisconnected(dev.id + " refused the connection (not connectable any more, or busy)");
    link.attach(rtLink);
    this.links.push(link);
    await link.roundTrip(ATT_HEADER_BYTES + 2, ATT_HEADER_BYTES + 2); // ATT Exchange MTU
    return link;
  }

  /** @internal a link ended */
  forget(link: CentralLink): void {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
  }

  /** Runs the world for `ms` of simulated time. */
  async runFor(ms: number): Promise<void> {
    this.world.runUntil(Math.ceil(this.world.now + ms));
  }

  /** LL packets an ATT PDU of `attBytes` takes. */
  packetsFor(attBytes: number): number {
    return Math.ceil((attBytes + L2CAP_HEADER_BYTES) / this.llPayloadBytes);
  }

  /** Connection events needed to send `packets` LL packets. */
  eventsFor(packets: number): number {
    return Math.ceil(packets / this.packetsPerEvent);
  }
}

/** One connection from the central to a token. */
export class CentralLink {
  readonly stats: LinkStats;
  /** Negotiated MTU (set when connected). */
  mtu = MIN_MTU;
  readonly deviceId: string;
  /** @internal what the runtime calls */
  readonly runtimeCentral: RuntimeCentral;
  private link: GattLink | null = null;
  private open = true;
  private busyUntil: number;
  private readonly pending: { at: number; char: string; data: Uint8Array }[] = [];
  private readonly notifyListeners: Record<string, ((data: Uint8Array) => void)[]> = {};
  private readonly disconnectListeners: ((reason: string) => void)[] = [];
  private cutAfterBytes = Infinity;
  private cutAtMs = Infinity;
  private closedReason = "";

  constructor(private readonly central: SimCentral, private readonly world: World, deviceId: string) {
    this.deviceId = deviceId;
    this.busyUntil = world.now;
    this.stats = { bytesSent: 0, bytesReceived: 0, busyMs: 0, connectedAtMs: world.now };
    const self = this;
    this.runtimeCentral = {
      mtu: central.mtu,
      address: central.radioState().address + " public",
      onNotify(charUuid: string, data: Uint8Array) { self.queueNotification(charUuid, data); },
      onDisconnect() { self.closed("the token disconnected"); },
    };
  }

  /** @internal */
  attach(link: GattLink): void {
    this.link = link;
    this.mtu = link.mtu;
  }

  connected(): boolean {
    return this.open;
  }

  /** Drop the link after `afterBytes` more ATT payload bytes, and/or at world time `atMs`. */
  injectDisconnect(o: { afterBytes?: number; atMs?: number }): void {
    if (!o || (o.afterBytes === undefined && o.atMs === undefined)) throw new TypeError("injectDisconnect needs {afterBytes} and/or {atMs}");
    if (o.afterBytes !== undefined) {
      checkRange("afterBytes", o.afterBytes, 0, Number.MAX_SAFE_INTEGER);
      this.cutAfterBytes = this.stats.bytesSent + this.stats.bytesReceived + o.afterBytes;
    }
    if (o.atMs !== undefined) {
      checkRange("atMs", o.atMs, this.world.now, Number.MAX_SAFE_INTEGER);
      this.cutAtMs = o.atMs;
    }
  }

  onNotify(charUuid: string, listener: (data: Uint8Array) => void): void {
    (this.notifyListeners[charUuid.toLowerCase()] ??= []).push(listener);
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListeners.push(listener);
  }

  /** Service and characteristic discovery: one request/response per service and per characteristic, plus one. */
  async services(): Promise<{ uuid: string; characteristics: GattCharacteristicInfo[] }[]> {
    const list = this.need().services();
    const chars = list.reduce((n, s) => n + s.characteristics.length, 0);
    for (let i = 0; i < 1 + list.length + chars; i++) await this.roundTrip(ATT_HEADER_BYTES + 4, ATT_HEADER_BYTES + 20);
    return list;
  }

  async read(svc: string, char: string): Promise<{ value: Uint8Array; transferMs: number }> {
    const t0 = this.world.now;
    const value = this.need().read(svc, char);
    const sent = Math.min(value.length, this.mtu - 1);
    await this.roundTrip(ATT_HEADER_BYTES, 1 + sent);
    return { value: value.subarray(0, sent), transferMs: this.world.now - t0 };
  }

  /** Write (with response by default); resolves when the token has the value, and its onWrite ran. */
  async write(svc: string, char: string, data: Uint8Array, o: { withResponse?: boolean } = {}): Promise<{ transferMs: number }> {
    if (!(data instanceof Uint8Array)) throw new TypeError("write data must be a Uint8Array");
    if (data.length > this.mtu - ATT_HEADER_BYTES) throw new RangeError("write of " + data.length + " bytes exceeds MTU - 3 = " + (this.mtu - ATT_HEADER_BYTES));
    const t0 = this.world.now;
    const pdu = ATT_HEADER_BYTES + data.length;
    const withResponse = o.withResponse ?? true;
    const events = this.central.eventsFor(this.central.packetsFor(pdu));
    await this.occupy(events * this.central.intervalMs, data.length, 0);
    const arrived = this.world.now;
    this.need().write(svc, char, data);
    if (withResponse) {
      // the Write Response goes back in the next connection event, beside any notifications
      const at = arrived + this.central.intervalMs;
      if (at > this.busyUntil) {
        this.stats.busyMs += at - Math.max(this.busyUntil, arrived);
        this.busyUntil = at;
      }
      this.world.runUntil(Math.ceil(at));
      this.need();
    }
    return { transferMs: this.world.now - t0 };
  }

  async subscribe(svc: string, char: string, listener?: (data: Uint8Array) => void): Promise<void> {
    if (listener) this.onNotify(char, listener);
    await this.roundTrip(ATT_HEADER_BYTES + 4, 1); // write the CCCD
    this.need().subscribe(svc, char);
  }

  /** Runs the world until `done()` is true (checked after each step) or `maxMs` of simulated time passed. Returns done(). */
  async pumpUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    checkRange("maxMs", maxMs, 0, 7 * 86400000);
    if (done()) return true;
    this.world.runUntil(Math.ceil(this.world.now + maxMs), done);
    return done();
  }

  async disconnect(): Promise<void> {
    if (!this.open) return;
    await this.central.runFor(this.central.intervalMs); // LL_TERMINATE_IND
    if (this.link && this.link.connected()) this.link.disconnect();
    this.closed("the host disconnected");
  }

  // ----------------------------------------------------------------- internals

  /** @internal world events of this link: notification arrivals and an injected disconnect */
  nextEventTimeMs(): number {
    let t = this.cutAtMs;
    if (this.pending.length && this.pending[0].at < t) t = this.pending[0].at;
    return this.open ? t : Infinity;
  }

  /** @internal */
  advanceTo(ms: number): void {
    while (this.open && this.pending.length && this.pending[0].at <= ms) {
      const n = this.pending.shift()!;
      for (const l of this.notifyListeners[n.char] ?? []) l(n.data);
    }
    if (this.open && this.cutAtMs <= ms) this.drop("injected disconnect at " + new Date(this.cutAtMs).toISOString());
  }

  private need(): GattLink {
    if (!this.open || !this.link) throw new CentralDisconnected(this.closedReason || "not connected");
    return this.link;
  }

  /** A request of `reqBytes` and its response of `respBytes` (ATT PDUs). */
  async roundTrip(reqBytes: number, respBytes: number): Promise<void> {
    const c = this.central;
    const events = c.eventsFor(c.packetsFor(reqBytes)) + c.eventsFor(c.packetsFor(respBytes));
    await this.occupy(events * c.intervalMs, Math.max(0, reqBytes - ATT_HEADER_BYTES), Math.max(0, respBytes - ATT_HEADER_BYTES));
  }

  /** Holds the link for `ms`, counting payload bytes; an injected byte limit cuts it short. */
  private async occupy(ms: number, sent: number, received: number): Promise<void> {
    this.need();
    const start = Math.max(this.world.now, this.busyUntil);
    const used = this.stats.bytesSent + this.stats.bytesReceived;
    const total = sent + received;
    if (used + total > this.cutAfterBytes) {
      const part = total > 0 ? (this.cutAfterBytes - used) / total : 0;
      this.stats.bytesSent += Math.round(sent * part);
      this.stats.bytesReceived += Math.round(received * part);
      this.world.runUntil(Math.ceil(start + ms * part));
      this.drop("injected disconnect at " + this.cutAfterBytes + " bytes transferred on this link");
      throw new CentralDisconnected(this.closedReason);
    }
    this.busyUntil = start + ms;
    this.stats.busyMs += ms;
    this.world.runUntil(Math.ceil(this.busyUntil));
    this.need();
    this.stats.bytesSent += sent;
    this.stats.bytesReceived += received;
  }

  private queueNotification(charUuid: string, data: Uint8Array): void {
    if (!this.open) return;
    const c = this.central;
    const rtNow = this.tokenNow();
    const ms = c.eventsFor(c.packetsFor(ATT_HEADER_BYTES + data.length)) * c.intervalMs;
    const used = this.stats.bytesSent + this.stats.bytesReceived;
    if (used + data.length > this.cutAfterBytes) {
      this.cutAtMs = Math.min(this.cutAtMs, Math.ceil(Math.max(rtNow, this.busyUntil) + ms / 2));
      return;
    }
    this.stats.bytesReceived += data.length;
    const at = Math.max(rtNow, this.busyUntil) + ms;
    this.busyUntil = at;
    this.stats.busyMs += ms;
    this.pending.push({ at: Math.ceil(at), char: charUuid.toLowerCase(), data: data.slice() });
  }

  /** When the token sends: its CPU's time (after the work its callback has done so far, sim/espruino/cpuModel.ts). */
  private tokenNow(): number {
    const dev = this.world.device(this.deviceId) as unknown as { rt?: { worldTimeMs(): number; cpuWorldTimeMs?(): number } };
    return dev.rt ? (dev.rt.cpuWorldTimeMs ? dev.rt.cpuWorldTimeMs() : dev.rt.worldTimeMs()) : this.world.now;
  }

  private drop(reason: string): void {
    if (!this.open) return;
    if (this.link && this.link.connected()) this.link.disconnect();
    this.closed(reason);
  }

  private closed(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.closedReason = reason;
    this.pending.length = 0;
    this.central.forget(this);
    for (const l of this.disconnectListeners) l(reason);
  }
}
