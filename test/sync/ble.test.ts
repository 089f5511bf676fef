/**
 * The `ble` transport (host-tools/sync/transports/ble.ts) against a fake that behaves like
 * @stoprocent/noble's real API (index.d.ts: Noble EventEmitter with state and stateChange,
 * start/stopScanningAsync, "discover" events carrying Peripherals whose advertisement.serviceData
 * holds { uuid: lowercase hex without dashes, data: Buffer } as lib/hci-socket/gap.js parses AD type
 * 0x21; Peripheral connectAsync, discoverSomeServicesAndCharacteristicsAsync, mtu, "disconnect";
 * Characteristic writeAsync, subscribeAsync, "data"). The fake's far side is a FakeToken running the
 * firmware session.
 */
import { expect } from "chai";
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syncAdvert, beaconTag, type SyncPrimitives, Adv, Uuid } from "../../common/formats/syncMessages";
import { BleTransport, nobleUuid, type NobleLike } from "../../host-tools/sync/transports/ble";
import { DataDir } from "../../host-tools/base/dataDir";
import { syncToken } from "../../host-tools/sync/syncToken";
import { readLog } from "../../host-tools/log/omamoriLog";
import { SyncError } from "../../host-tools/sync/errors";
import { FakeSyncHost, FakeToken, firmwarePrimitives } from "./harness";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

/** noble's parsing of AD structures into serviceData (lib/hci-socket/gap.js, types 0x16/0x20/0x21). */
function serviceDataOf(raw: Uint8Array): Array<{ uuid: string; data: Buffer }> {
  const out: Array<{ uuid: string; data: Buffer }> = [];
  for (let i = 0; i < raw.length; ) {
    const len = raw[i];
    const type = raw[i + 1];
    const bytes = Buffer.from(raw.subarray(i + 2, i + 1 + len));
    const ul = type === 0x16 ? 2 : type === 0x20 ? 4 : type === 0x21 ? 16 : 0;
    if (ul) out.push({ uuid: bytes.subarray(0, ul).toString("hex").match(/.{1,2}/g)!.reverse().join(""), data: bytes.subarray(ul) });
    i += 1 + len;
  }
  return out;
}

class FakeCharacteristic extends EventEmitter {
  subscribed = false;
  constructor(readonly uuid: string, private readonly onWrite: (b: Buffer) => Promise<void>) {
    super();
  }
  async writeAsync(data: Buffer, withoutResponse: boolean): Promise<void> {
    if (!Buffer.isBuffer(data)) throw new TypeError("noble wants a Buffer");
    if (withoutResponse) throw new Error("the sync service writes with response");
    await this.onWrite(data);
  }
  async subscribeAsync(): Promise<void> {
    this.subscribed = true;
  }
}

class FakePeripheral extends EventEmitter {
  state = "disconnected";
  mtu: number | null = null;
  readonly advertisement: { serviceData: Array<{ uuid: string; data: Buffer }>; serviceUuids: string[] };
  private link: Awaited<ReturnType<FakeToken["connect"]>> | null = null;
  constructor(readonly id: string, readonly rssi: number, raw: Uint8Array, private readonly token: FakeToken | null, private readonly negotiatedMtu: number) {
    super();
    this.advertisement = { serviceData: serviceDataOf(raw), serviceUuids: [] };
  }
  async connectAsync(): Promise<void> {
    if (!this.token) throw new Error("connection failed");
    this.link = this.token.connect(this.negotiatedMtu);
    this.link.onDisconnect((r) => {
      this.state = "disconnected";
      this.emit("disconnect", r);
    });
    this.state = "connected";
    this.mtu = this.negotiatedMtu;
  }
  async disconnectAsync(): Promise<void> {
    await this.link?.disconnect();
  }
  async discoverSomeServicesAndCharacteristicsAsync(services: string[], chars: string[]) {
    if (this.state !== "connected") throw new Error("not connected");
    const link = this.link!;
    const tx = new FakeCharacteristic(nobleUuid(Uuid.TX), async () => undefined);
    const rx = new FakeCharacteristic(nobleUuid(Uuid.RX), (b) => link.write(new Uint8Array(b)));
    link.onNotify((v) => {
      if (tx.subscribed) tx.emit("data", Buffer.from(v), true);
    });
    const characteristics = [rx, tx].filter((c) => chars.includes(c.uuid));
    return { services: services.map((uuid) => ({ uuid })), characteristics };
  }
}

/**
 * Like noble's hci-socket binding: "poweredOff" at first, then, once the adapter answered, its
 * real state ("poweredOn", or "unsupported" when there is none, ...) in a stateChange event.
 */
class FakeNoble extends EventEmitter implements NobleLike {
  state = "poweredOff";
  scanning = false;
  filters: unknown[] = [];
  constructor(private readonly peripherals: () => FakePeripheral[], finalState = "poweredOn") {
    super();
    setTimeout(() => {
      if (finalState === this.state) return;
      this.state = finalState;
      this.emit("stateChange", finalState);
    }, 20);
  }
  async startScanningAsync(serviceUUIDs?: string[], allowDuplicates?: boolean): Promise<void> {
    if (this.state !== "poweredOn") throw new Error("Could not start scanning, state is " + this.state + " (not poweredOn)");
    this.filters.push([serviceUUIDs, allowDuplicates]);
    this.scanning = true;
    setImmediate(() => {
      for (const p of this.peripherals()) if (this.scanning) this.emit("discover", p);
    });
  }
  async stopScanningAsync(): Promise<void> {
    this.scanning = false;
  }
}

describe("ble transport (fake noble)", () => {
  let fw: SyncPrimitives;
  before(async () => {
    fw = await firmwarePrimitives();
  });

  function advertOf(t: FakeToken): Uint8Array {
    const s = t.host.secret();
    const nonce = rnd(4);
    return syncAdvert(s ? 0 : Adv.FRESH, nonce, s ? beaconTag(fw, s, nonce) : new Uint8Array(4));
  }

  it("finds its own token among strangers, connects, subscribes and syncs the whole log", async () => {
    const secret = rnd(32);
    const host = new FakeSyncHost(secret);
    host.record(120, host.clock - 86400);
    const token = new FakeToken(host, fw, rnd);
    const stranger = new FakeToken(new FakeSyncHost(rnd(32)), fw, rnd);
    const noble = new FakeNoble(() => [
      new FakePeripheral("aa:00:00:00:00:01", -70, new Uint8Array([2, 1, 6, 3, 0x16, 0x6f, 0xfd]), null, 23),
      new FakePeripheral("aa:00:00:00:00:02", -60, advertOf(stranger), stranger, 185),
      new FakePeripheral("aa:00:00:00:00:03", -55, advertOf(token), token, 185),
    ]);
    const root = await mkdtemp(join(tmpdir(), "omamori-ble-"));
    const data = new DataDir(root);
    await data.saveToken({ tokenId: "t1", secret, pairedAt: "", board: "puckjs" });
    const transport = new BleTransport(noble);
    const r = await syncToken({ transport, data, tokenId: "t1", now: () => host.clock * 1000 });
    expect(r.cursor).to.equal(120);
    expect(stranger.connections).to.equal(0);
    expect(noble.scanning).to.equal(false);
    const log = (await readLog(data.logPath("t1")))!;
    expect(log.encounters.length).to.equal(120);
    // the MTU noble negotiated was used: no value over 182 bytes, some above the minimum 20
    const sizes = token.air.map((v) => v.value.length);
    expect(Math.max(...sizes)).to.be.at.most(182).and.above(20);
    await rm(root, { recursive: true, force: true });
  });

  async function failure(p: Promise<unknown>): Promise<SyncError> {
    try {
      await p;
    } catch (e) {
      expect(e).to.be.instanceOf(SyncError);
      return e as SyncError;
    }
    throw new Error("no error");
  }

  it("no adapter, Bluetooth off, not allowed: each said as such, never as 'no token nearby'", async () => {
    const none = await failure(new BleTransport(new FakeNoble(() => [], "unsupported"), 5000).scan(() => true, 100));
    expect(none.code).to.equal("no-adapter");
    expect(none.message).to.include("no Bluetooth adapter");
    expect((await failure(new BleTransport(new FakeNoble(() => [], "poweredOff"), 100).ready())).code).to.equal("bluetooth-off");
    expect((await failure(new BleTransport(new FakeNoble(() => [], "unauthorized"), 5000).ready())).code).to.equal("no-permission");
    // no adapter listed by the system: the library is not even loaded
    const unlisted = new BleTransport(null, 5000, () => false);
    expect((await failure(unlisted.ready())).code).to.equal("no-adapter");
  });

  it("a sync with no adapter fails at once, without the reconnection attempts meant for a lost token", async () => {
    const root = await mkdtemp(join(tmpdir(), "omamori-ble-"));
    const data = new DataDir(root);
    await data.saveToken({ tokenId: "t1", secret: rnd(32), pairedAt: "2026-11-01T00:00:00Z", board: "puckjs" });
    const noble = new FakeNoble(() => [], "unsupported");
    let startScans = 0;
    const start = noble.startScanningAsync.bind(noble);
    noble.startScanningAsync = async (...a) => {
      startScans++;
      return start(...a);
    };
    const e = await failure(syncToken({ transport: new BleTransport(noble, 5000), data, tokenId: "t1", scanTimeoutMs: 20000 }));
    expect(e.code).to.equal("no-adapter");
    expect(startScans).to.equal(0);
    expect(await readLog(data.logPath("t1"))).to.equal(null);
    await rm(root, { recursive: true, force: true });
  });

  it("a scan that sees no sync advert ends at its timeout", async () => {
    const noble = new FakeNoble(() => [new FakePeripheral("x", -50, new Uint8Array([2, 1, 6]), null, 23)]);
    const t0 = Date.now();
    let calls = 0;
    await new BleTransport(noble).scan(() => {
      calls++;
      return false;
    }, 120);
    expect(Date.now() - t0).to.be.at.least(100);
    expect(calls).to.equal(0);
    expect(noble.scanning).to.equal(false);
  });
});
