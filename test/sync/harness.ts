/**
 * A Node harness for the sync protocol before (and besides) the simulator: the real firmware
 * session (firmware/sync/session.ts) with the firmware's pure-JS crypto, over a fake SyncHost and an
 * in-memory GATT link with an MTU, asynchronous delivery, and hooks to drop, tamper with or record
 * values. One connection at a time, like an Espruino peripheral.
 */
import type { SyncHost, TokenStatus, DailyKey } from "../../firmware/sync/host";
import type { TokenEnv, TokenSession } from "../../firmware/sync/session";
import type { SyncPrimitives } from "../../common/formats/syncMessages";
import type { SyncLink, SyncTransport, SeenAdvert } from "../../host-tools/sync/transport";
import { beaconTag, statusRow, Adv } from "../../common/formats/syncMessages";
import { createTokenSession } from "../../firmware/sync/session";
import { encodeRecord, decodeRecordBody, streamBase, type LogEncounter } from "../../common/formats/logRecord";

/** The firmware's own crypto, pure-JS variant (as on Bangle.js 2 / Jolt.js), loaded in Node. */
export async function firmwarePrimitives(): Promise<SyncPrimitives> {
  const g = globalThis as Record<string, unknown>;
  g.HAS_BUILTIN_SHA256 = false;
  g.HAS_BUILTIN_AES = false;
  const { hmacSha256 } = await import("../../firmware/crypto/hmac");
  const { hkdfSha256 } = await import("../../firmware/crypto/hkdf");
  const { ctrXor } = await import("../../firmware/crypto/ctr");
  return { hmacSha256, hkdfSha256, ctrXor };
}

/** One record in the fake token's log, with what the host should make of it. */
export interface FakeEntry {
  seq: number;
  base: number;
  bytes: Uint8Array;
  encounter: LogEncounter;
}

/** A token's state as the firmware app would keep it, in memory; the log uses the real record format. */
export class FakeSyncHost implements SyncHost {
  entries: FakeEntry[] = [];
  /** Sequence number of entries[0] (older ones expired). */
  firstSeq = 0;
  clock = 1_700_000_000;
  clockValid = true;
  alert = false;
  erased = false;
  decommissioned = false;
  scan = { windowMs: 4000, periodMs: 300000 };
  storageBytes = 40960;
  dropped = 0;
  keys: DailyKey[] = [];
  /** What the owner does when asked for consent: press (true), not press (false), or never answer (null). */
  consentAnswer: boolean | null = true;
  consentAsked = 0;
  held: boolean[] = [];
  hub = 0;
  readLogCalls = 0;
  private key: Uint8Array | null;
  private rand = 1;

  constructor(secret: Uint8Array | null) {
    this.key = secret ? secret.slice() : null;
  }

  private byte(): number {
    this.rand = (this.rand * 1103515245 + 12345) >>> 0;
    return this.rand >>> 24;
  }

  /**
   * Records n encounters heard by the token's clock between `fromT` and `fromT + spanS` (1-3 scans
   * each), as the firmware would, times in token-clock seconds.
   */
  record(n: number, fromT: number, spanS = 86400): void {
    for (let i = 0; i < n; i++) {
      const rpi = new Uint8Array(16).map(() => this.byte());
      const aem = new Uint8Array(4).map(() => this.byte());
      const t0 = fromT + Math.floor((i * spanS) / Math.max(1, n));
      const base = Math.floor(t0 / 86400) * 86400;
      const scans: number[] = [];
      const nScans = 1 + (i % 3);
      for (let k = 0; k < nScans; k++) scans.push(t0 + k * 300, 1 + k, -60 - k, -70 - k);
      const bytes = encodeRecord(rpi, aem, scans, base);
      const encounter = decodeRecordBody(bytes.subarray(1), base);
      this.entries.push({ seq: this.firstSeq + this.entries.length, base, bytes, encounter });
    }
  }

  /** Drops the oldest n records (14-day expiry). */
  expire(n: number): void {
    this.entries.splice(0, n);
    this.firstSeq += n;
  }

  get logBytes(): number {
    return this.entries.reduce((a, e) => a + e.bytes.length, 0);
  }

  status(): TokenStatus {
    const used = this.logBytes;
    return statusRow({
      firmwareVersion: "0.1.0-test", board: "puckjs", batteryPercent: 87, clockSeconds: Math.floor(this.clock),
      clockValid: this.clockValid, storageUsedBytes: used, storageFreeBytes: Math.max(0, this.storageBytes - used),
      recordsKept: this.entries.length, recordsDropped: this.dropped, firstDay: 19675, paused: false, alert: this.alert, errorCount: 0,
    });
  }
  setClock(t: number): number {
    const c = t - Math.floor(this.clock);
    this.clock = t;
    this.clockValid = true;
    return c;
  }
  /** Whole records from `cursor`; every chunk starts with a base-time marker (common/formats/logRecord.ts stream). */
  readLog(cursor: number, maxBytes: number): { data: Uint8Array; next: number } {
    this.readLogCalls++;
    let i = Math.max(0, cursor - this.firstSeq);
    const parts: Uint8Array[] = [];
    let size = 0;
    let base = -1;
    while (i < this.entries.length) {
      const e = this.entries[i];
      const need = (e.base !== base ? 5 : 0) + e.bytes.length;
      if (size + need > maxBytes) break;
      if (e.base !== base) parts.push(streamBase(e.base));
      parts.push(e.bytes);
      base = e.base;
      size += need;
      i++;
    }
    return { data: new Uint8Array(Buffer.concat(parts)), next: this.firstSeq + i };
  }
  dailyKeys(): DailyKey[] {
    return this.keys;
  }
  askConsent(timeoutMs: number, done: (granted: boolean) => void): void {
    this.consentAsked++;
    if (this.consentAnswer === null) return;
    const answer = this.consentAnswer;
    setTimeout(() => done(answer), Math.min(20, timeoutMs));
  }
  setAlert(on: boolean): void {
    this.alert = on;
  }
  eraseAll(): void {
    this.erased = true;
    this.entries = [];
    this.keys = [];
    this.key = null;
  }
  decommission(): void {
    this.decommissioned = true;
    this.eraseAll();
  }
  setScanSettings(windowMs: number, periodMs: number): boolean {
    if (windowMs < 100 || periodMs < windowMs) return false;
    this.scan = { windowMs, periodMs };
    return true;
  }
  secret(): Uint8Array | null {
    return this.key;
  }
  setSecret(s: Uint8Array | null): void {
    this.key = s ? s.slice() : null;
  }
  holdAdvertising(held: boolean): void {
    this.held.push(held);
  }
  hubSeconds(): number {
    return this.hub;
  }
  setHubSeconds(s: number): void {
    this.hub = s;
  }
}

/** What passes over the air, for tests that record, replay or tamper. */
export interface AirValue {
  dir: "toToken" | "toHost";
  value: Uint8Array;
}

export interface LinkHooks {
  /** Replace (return bytes) or drop (return null) a value; called for every value in both directions. */
  tamper?: (v: AirValue, index: number) => Uint8Array | null | undefined;
  /** Disconnect after this many values went to the host. */
  disconnectAfterNotifies?: number;
}

/** A fake token: fake SyncHost + the real firmware session, reachable over in-memory links. */
export class FakeToken {
  readonly env: TokenEnv;
  failures = 0;
  windowOpen = true;
  byButton = true;
  air: AirValue[] = [];
  private active: { session: TokenSession; drop: (reason: string) => void } | null = null;
  connections = 0;
  stoppedForGood = false;

  constructor(readonly host: FakeSyncHost, crypto: SyncPrimitives, random: (n: number) => Uint8Array) {
    this.env = {
      host,
      crypto,
      random,
      pairingAllowed: () => this.byButton && this.windowOpen && !host.secret(),
      locked: () => this.failures >= 3,
      authFailed: () => {
        this.failures++;
      },
      hubSeconds: () => host.hub,
      setHubSeconds: (s) => host.setHubSeconds(s),
      stopped: () => {
        this.windowOpen = false;
        this.stoppedForGood = true;
      },
    };
  }

  get connected(): boolean {
    return this.active !== null;
  }

  /** The owner presses the button: window open, lockout cleared. */
  pressButton(): void {
    if (this.stoppedForGood) return;
    this.windowOpen = true;
    this.byButton = true;
    this.failures = 0;
  }

  /** Drops the current connection from the token side (radio lost). */
  dropLink(): void {
    if (this.active) this.active.drop("link lost");
  }

  connect(mtu: number, hooks: LinkHooks = {}): SyncLink {
    if (!this.windowOpen) throw new Error("token not connectable (no sync window)");
    if (this.active) throw new Error("token busy: already connected (a peripheral accepts one central)");
    this.connections++;
    const notifyListeners: ((v: Uint8Array) => void)[] = [];
    const disconnectListeners: ((r: string) => void)[] = [];
    let up = true;
    let index = 0;
    let notifies = 0;
    const air = this.air;
    const drop = (reason: string) => {
      if (!up) return;
      up = false;
      session.end();
      if (this.active && this.active.session === session) this.active = null;
      setImmediate(() => disconnectListeners.forEach((l) => l(reason)));
    };
    const pass = (dir: AirValue["dir"], value: Uint8Array): Uint8Array | null => {
      const v: AirValue = { dir, value: value.slice() };
      air.push(v);
      const t = hooks.tamper ? hooks.tamper(v, index) : undefined;
      index++;
      return t === undefined ? v.value : t;
    };
    const session = createTokenSession(this.env, {
      send: (value) => {
        if (!up) return;
        if (value.length > mtu - 3) throw new Error("token sent " + value.length + " bytes over MTU " + mtu);
        const v = pass("toHost", value);
        notifies++;
        if (v) setImmediate(() => up && notifyListeners.forEach((l) => l(v)));
        if (hooks.disconnectAfterNotifies !== undefined && notifies >= hooks.disconnectAfterNotifies) setImmediate(() => drop("injected disconnect"));
      },
      close: () => setImmediate(() => drop("token closed the link")),
    });
    this.active = { session, drop };
    return {
      mtu,
      write: async (value) => {
        if (!up) throw new Error("not connected");
        if (value.length > mtu - 3) throw new Error("host wrote " + value.length + " bytes over MTU " + mtu);
        const v = pass("toToken", value);
        await new Promise((r) => setImmediate(r));
        if (v && up) session.data(v);
      },
      onNotify: (l) => notifyListeners.push(l),
      onDisconnect: (l) => disconnectListeners.push(l),
      disconnect: async () => drop("host disconnected"),
    };
  }
}

/** A transport over fake tokens: scan shows the advert each open-window token would send. */
export class FakeTransport implements SyncTransport {
  readonly name = "fake";
  /** Hooks for the next connections, in order. */
  hooks: LinkHooks[] = [];
  scans = 0;
  constructor(readonly tokens: FakeToken[], readonly mtu = 247) {}

  async scan(seen: (a: SeenAdvert) => boolean, _timeoutMs: number): Promise<void> {
    this.scans++;
    for (let i = 0; i < this.tokens.length; i++) {
      const t = this.tokens[i];
      if (!t.windowOpen || t.connected) continue;
      const secret = t.host.secret();
      const nonce = t.env.random(4);
      const advert: SeenAdvert = {
        address: "token-" + i, flags: secret ? 0 : Adv.FRESH, nonce,
        tag: secret ? beaconTag(t.env.crypto, secret, nonce) : new Uint8Array(4), rssi: -50,
      };
      if (seen(advert)) return;
    }
  }

  async connect(a: SeenAdvert): Promise<SyncLink> {
    return this.tokens[Number(a.address.slice(6))].connect(this.mtu, this.hooks.shift() ?? {});
  }

  async close(): Promise<void> {}
}
