/**
 * The simulated radio world (docs/SIM-WORLD.md): one clock (ms since the Unix epoch), one seed,
 * devices placed by a scenario, and an event loop.
 *
 * Loop: the next time anything happens is the minimum of every device's nextEventTimeMs(), the
 * next scenario movement and the end of the run. Between now and then no device changes its
 * radio state, so adverts are delivered analytically for that segment (delivery.ts): for every
 * scanning device and every advertising device with a radio path, the packets received in the
 * segment are drawn at once (with the collisions among the advertisers each scanner hears and
 * the seeded shadowing of each pair of placements). Packets for tokens (and any device whose
 * reaction may change the world) are delivered one by one in time order; if a delivery makes any
 * device change its radio state or schedule an earlier event, the segment is cut at that packet
 * and the rest redrawn.
 * Phones record their packets directly. Then every device is advanced to the segment end.
 */
import { ADVERT_AIRTIME_MS, carryLossDb, meanReceivedDbm, SKIP_MARGIN_DB, type Environment } from "./channel";
import { deliverOne, deliverWindow, type LinkInWindow } from "./delivery";
import { Random } from "./random";
import { Scenario, type DeviceSpec, type Placement, type Span } from "./scenario";
import { PhoneDevice } from "./devices/phone";
import type { GaenCrypto } from "../../common/gaen/crypto";
import { TokenDevice } from "./devices/token";
import { phoneModel } from "./devices/phoneModels";
import type { AdvertStartEvent, ReceivedPacket, SimDevice } from "./devices/device";

export interface DeviceContext {
  world: World;
  spec: DeviceSpec;
  /** The device's own random stream (seed/device/<id>). */
  rng: Random;
  startMs: number;
}

export type DeviceFactory = (ctx: DeviceContext) => SimDevice;

export interface WorldOptions {
  scenario: Scenario;
  seed: string | number;
  /** Builds token devices (default TokenDevice.factory(): the built firmware; tests may pass a fake). */
  makeToken?: DeviceFactory;
  /** Overrides how phones are built (default: PhoneDevice with the scenario's model and phoneCrypto). */
  makePhone?: DeviceFactory;
  /** GAEN crypto for the default phones; needed when the scenario has phones (the sim imports no host code). */
  phoneCrypto?: GaenCrypto;
  /** Keep every delivered packet in `world.packetLog` (tests; costs memory). */
  logPackets?: boolean;
}

/** Where an attached (non-scenario) device is: fixed, or following a scenario device. */
export type Attachment = Placement | { near: string; offsetM?: number; carry?: string };

export interface WorldStats {
  segments: number;
  linksConsidered: number;
  packetsDelivered: number;
  segmentsCut: number;
}

interface Entry {
  device: SimDevice;
  spans: readonly Span[] | null;
  cursor: number;
  attachment: Attachment | null;
  here: Placement | null;
  /** Start of the current placement (span start, or attach time), keys the shadowing draw. */
  hereSince: number;
  /** First advertising events the device sent that are not delivered yet (takeAdvertStarts). */
  starts: AdvertStartEvent[];
}

const MAX_STEPS_AT_ONE_TIME = 10000;

export class World {
  readonly scenario: Scenario;
  readonly rng: Random;
  readonly stats: WorldStats = { segments: 0, linksConsidered: 0, packetsDelivered: 0, segmentsCut: 0 };
  readonly packetLog: (ReceivedPacket & { to: string })[] = [];
  private readonly entries: Entry[] = [];
  private readonly byId: Record<string, Entry> = {};
  private readonly channelRng: Random;
  private readonly changeTimes: number[];
  private changeIndex = 0;
  private readonly logPackets: boolean;
  private nowMs: number;
  private radioChanged = false;
  private readonly shadowCache = new Map<string, number>();

  constructor(o: WorldOptions) {
    if (!o || !(o.scenario instanceof Scenario)) throw new TypeError("World needs { scenario: Scenario, seed }");
    this.scenario = o.scenario;
    this.rng = new Random(o.seed);
    this.channelRng = this.rng.fork("channel");
    this.logPackets = o.logPackets ?? false;
    this.nowMs = o.scenario.startMs;
    this.changeTimes = o.scenario.changeTimes();
    let makeToken: DeviceFactory | undefined;
    for (const spec of o.scenario.devices) {
      const ctx: DeviceContext = { world: this, spec, rng: this.rng.fork("device/" + spec.id), startMs: this.nowMs };
      let dev: SimDevice;
      if (spec.kind === "phone") {
        if (!o.makePhone && !o.phoneCrypto) throw new TypeError("the scenario has phones: give the world phoneCrypto (GAEN crypto, e.g. fastCrypto of host-tools/gaen/crypto.ts)");
        dev = o.makePhone ? o.makePhone(ctx) : new PhoneDevice({ id: spec.id, model: phoneModel(spec.model!), rng: ctx.rng, startMs: ctx.startMs, crypto: o.phoneCrypto! });
      } else {
        if (!makeToken) makeToken = o.makeToken ?? TokenDevice.factory();
        dev = makeToken(ctx);
      }
      if (dev.id !== spec.id) throw new RangeError("device factory returned id " + dev.id + " for " + spec.id);
      this.add({ device: dev, spans: o.scenario.spansOf(spec.id), cursor: 0, attachment: null, here: null, hereSince: 0, starts: [] });
    }
    this.place(this.nowMs);
  }

  /** Current simulated time, ms since the Unix epoch. */
  get now(): number {
    return this.nowMs;
  }

  device<T extends SimDevice = SimDevice>(id: string): T {
    const e = this.byId[id];
    if (!e) throw new RangeError("no device " + JSON.stringify(id) + " in the world; devices: " + Object.keys(this.byId).join(", "));
    return e.device as T;
  }

  devices(): SimDevice[] {
    return this.entries.map((e) => e.device);
  }

  /** Where a device is now (null when away). */
  placementOf(id: string): Placement | null {
    this.device(id);
    return this.byId[id].here;
  }

  /** Adds a device that is not in the scenario (e.g. the host's GATT central). */
  attach(device: SimDevice, where: Attachment): void {
    if (this.byId[device.id]) throw new RangeError("a device with id " + device.id + " is already in the world");
    if ("near" in where) this.device(where.near);
    else carryLossDb(where.carry);
    this.add({ device, spans: null, cursor: 0, attachment: where, here: null, hereSince: this.nowMs, starts: [] });
    this.place(this.nowMs);
  }

  /** Removes an attached device. */
  detach(id: string): void {
    const e = this.byId[id];
    if (!e || !e.attachment) throw new RangeError("no attached device " + JSON.stringify(id));
    this.entries.splice(this.entries.indexOf(e), 1);
    delete this.byId[id];
  }

  /**
   * The shadowing (dB, subtracted from the mean power) between two devices where they are now:
   * drawn once per pair of placements from the seed, the same both ways. 0 when either is away.
   */
  shadowDb(a: string, b: string): number {
    const ea = this.byId[a];
    const eb = this.byId[b];
    if (!ea || !eb) throw new RangeError("no device " + JSON.stringify(ea ? b : a) + " in the world");
    if (!ea.here || !eb.here) return 0;
    return this.shadow(ea, eb);
  }

  private shadow(ea: Entry, eb: Entry): number {
    const [x, y] = ea.device.id < eb.device.id ? [ea, eb] : [eb, ea];
    const key = x.device.id + "|" + y.device.id + "|" + x.hereSince + "|" + y.hereSince;
    let v = this.shadowCache.get(key);
    if (v === undefined) {
      const sigma = this.scenario.linkEnvironment(x.here!.room, y.here!.room).shadowSigmaDb;
      v = sigma * this.rng.fork("shadow/" + key).normal();
      if (this.shadowCache.size > 100000) this.shadowCache.clear();
      this.shadowCache.set(key, v);
    }
    return v;
  }

  runFor(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("runFor needs a duration >= 0 ms, got " + ms);
    this.runUntil(this.nowMs + ms);
  }

  /**
   * Runs the world until `endMs` (ms since epoch), or earlier, at the end of the first step after
   * which `stop()` returns true.
   */
  runUntil(endMs: number, stop?: () => boolean): void {
    if (!Number.isFinite(endMs) || endMs < this.nowMs) {
      throw new RangeError("runUntil needs a time >= now (" + this.nowMs + "), got " + endMs);
    }
    let stuck = 0;
    while (this.nowMs < endMs) {
      let t = endMs;
      while (this.changeIndex < this.changeTimes.length && this.changeTimes[this.changeIndex] <= this.nowMs) this.changeIndex++;
      if (this.changeIndex < this.changeTimes.length && this.changeTimes[this.changeIndex] < t) t = this.changeTimes[this.changeIndex];
      for (const e of this.entries) {
        const n = e.device.nextEventTimeMs();
        if (n < t) t = n;
      }
      // world time stays in whole ms (token oscillators with drift schedule fractional times)
      t = Math.ceil(t);
      if (t < this.nowMs) t = this.nowMs;
      if (t > this.nowMs) {
        t = this.deliver(this.nowMs, t);
        stuck = 0;
      } else if (++stuck > MAX_STEPS_AT_ONE_TIME) {
        const due = this.entries.filter((e) => e.device.nextEventTimeMs() <= this.nowMs).map((e) => e.device.id);
        throw new Error("simulation stuck at " + new Date(this.nowMs).toISOString() + ": devices keep scheduling events now: " + due.join(", "));
      }
      this.nowMs = t;
      this.place(t);
      for (const e of this.entries) e.device.advanceTo(t);
      if (stop && stop()) break;
    }
  }

  private add(e: Entry): void {
    this.entries.push(e);
    this.byId[e.device.id] = e;
    e.device.onRadioChange(() => { this.radioChanged = true; });
  }

  private place(t: number): void {
    for (const e of this.entries) {
      if (!e.spans) continue;
      while (e.cursor < e.spans.length && e.spans[e.cursor].endMs <= t) e.cursor++;
      const s = e.spans[e.cursor];
      e.here = s && s.startMs <= t ? s : null;
      if (e.here) e.hereSince = s.startMs;
    }
    for (const e of this.entries) {
      const a = e.attachment;
      if (!a) continue;
      if ("near" in a) {
        const anchor = this.byId[a.near];
        const h = anchor?.here;
        e.here = h ? { room: h.room, x: h.x + (a.offsetM ?? 0.5), y: h.y, carry: a.carry ?? "table" } : null;
        if (h) e.hereSince = Math.max(anchor.hereSince, e.hereSince);
      } else {
        e.here = a;
      }
    }
  }

  /** Delivers adverts for [t0, t1); returns the time the segment really ended (t1, or earlier when cut). */
  private deliver(t0: number, t1: number): number {
    this.stats.segments++;
    const rng = this.channelRng;
    const reactive: { to: Entry; p: ReceivedPacket }[] = [];
    const direct: { to: Entry; packets: ReceivedPacket[] }[] = [];
    // first advertising events (sent at once by a start of advertising) waiting to be delivered
    for (const e of this.entries) {
      const s = e.device.takeAdvertStarts ? e.device.takeAdvertStarts() : [];
      // a start made while the devices were advanced to t0 may carry a fractional time just before
      // it (a token's event that waited for its CPU): it is on the air from t0
      for (const x of s) e.starts.push(x.timeMs < t0 ? { ...x, timeMs: t0 } : x);
    }
    for (const rx of this.entries) {
      const rs = rx.device.radioState();
      if (!rs.scanning || rs.sleeping || !rx.here) continue;
      const out: ReceivedPacket[] = [];
      const links: LinkInWindow[] = [];
      const firsts: { link: LinkInWindow; timeMs: number }[] = [];
      let rate = 0;
      for (const tx of this.entries) {
        if (tx === rx || !tx.here) continue;
        const ts = tx.device.radioState();
        const starts = tx.starts.filter((x) => x.timeMs >= t0 && x.timeMs < t1);
        if ((!ts.advertising || ts.sleeping) && !starts.length) continue;
        const path = this.scenario.path(tx.here.room, rx.here.room);
        if (!path) continue;
        this.stats.linksConsidered++;
        const env: Environment = this.scenario.linkEnvironment(tx.here.room, rx.here.room);
        const meanDbm = meanReceivedDbm({
          radiatedTxDbm: tx.device.radiatedPowerDbm(ts.txPowerDbm),
          distanceM: Math.hypot(tx.here.x - rx.here.x, tx.here.y - rx.here.y),
          env,
          wallsDb: path.wallsDb,
          txCarryDb: carryLossDb(tx.here.carry),
          rxCarryDb: carryLossDb(rx.here.carry),
        }) - this.shadow(tx, rx);
        if (meanDbm < rx.device.sensitivityDbm - SKIP_MARGIN_DB) continue;
        const common = { from: tx.device.id, meanDbm, env, sensitivityDbm: rx.device.sensitivityDbm, rssiOffsetDb: rx.device.rssiOffsetDb };
        for (const x of starts) {
          firsts.push({ timeMs: x.timeMs, link: { ...common, address: x.address, addressType: x.addressType, advertising: { data: x.data, intervalMs: 1, connectable: x.connectable, scannable: false } } });
        }
        if (!ts.advertising || ts.sleeping) continue;
        links.push({ ...common, address: ts.address, addressType: ts.addressType, advertising: ts.advertising });
        // advertisers the scanner can hear (mean power above its sensitivity) collide with each other
        if (meanDbm >= rx.device.sensitivityDbm) rate += (2 * ADVERT_AIRTIME_MS) / ts.advertising.intervalMs;
      }
      for (const l of links) {
        const own = l.meanDbm >= rx.device.sensitivityDbm ? (2 * ADVERT_AIRTIME_MS) / l.advertising.intervalMs : 0;
        l.collision = 1 - Math.exp(-(rate - own));
        deliverWindow(l, t0, t1, rng, out);
      }
      for (const f of firsts) {
        f.link.collision = 1 - Math.exp(-rate);
        deliverOne(f.link, f.timeMs, rng, out);
      }
      out.sort((a, b) => a.timeMs - b.timeMs);
      if (out.length === 0) continue;
      if (rx.device.kind === "phone" || rx.device.kind === "listener") {
        direct.push({ to: rx, packets: out });
      } else {
        for (const p of out) reactive.push({ to: rx, p });
      }
    }
    let end = t1;
    if (reactive.length) {
      reactive.sort((a, b) => a.p.timeMs - b.p.timeMs);
      this.radioChanged = false;
      for (const r of reactive) {
        if (r.p.timeMs >= end) break;
        r.to.device.receive(r.p);
        this.stats.packetsDelivered++;
        if (this.logPackets) this.packetLog.push({ ...r.p, to: r.to.device.id });
        if (end === t1 && (this.radioChanged || r.to.device.nextEventTimeMs() < t1)) {
          // something changed: keep the packets of this millisecond, redraw the rest
          end = Math.min(t1, r.p.timeMs + 1);
          this.stats.segmentsCut++;
        }
      }
    }
    for (const d of direct) {
      d.packets.sort((a, b) => a.timeMs - b.timeMs);
      for (const p of d.packets) {
        if (p.timeMs >= end) break;
        d.to.device.receive(p);
        this.stats.packetsDelivered++;
        if (this.logPackets) this.packetLog.push({ ...p, to: d.to.device.id });
      }
    }
    // first events before the segment's end are done with (delivered, or nobody was listening)
    for (const e of this.entries) if (e.starts.length) e.starts = e.starts.filter((x) => x.timeMs >= end);
    return end;
  }
}

