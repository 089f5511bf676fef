/**
 * A bridge between Chromium's Web Bluetooth emulation and the simulated world (sim/world), so the
 * web app, in a real browser, talks to tokens that run the built firmware in the emulated Espruino.
 *
 *  - CDP `BluetoothEmulation` (on the browser session) gives the page a fake adapter. While the
 *    page's device chooser is open (`DeviceAccess.deviceRequestPrompted`, on the page session), every
 *    device advertising connectably in the world is announced with `simulateAdvertisement`, and
 *    the test's `pick` chooses one, as the person would;
 *  - a GATT connection request opens a SimCentral link to that device; its services and
 *    characteristics are added to the emulated peripheral (with the 0x2902 descriptor on every
 *    notifying characteristic, which Chromium needs before `startNotifications`); writes and
 *    subscriptions go to the link and are answered when the token has taken them;
 *  - the emulation has no command for an unsolicited notification. A notification from the token
 *    is queued, and the page is asked (a test-only script, PUMP_SCRIPT) to `readValue()` that
 *    characteristic; the read is answered with the queued value, which Chromium delivers as a
 *    `characteristicvaluechanged` event, exactly what the app listens to. Notifying
 *    characteristics are therefore marked readable in the emulation (the token's are notify-only);
 *  - the emulation shows a device's name to the chooser's name filters only when the device is
 *    announced with `simulatePreconnectedPeripheral`, so each device is announced that way once,
 *    with the name and UUIDs it advertises, then with its adverts;
 *  - the emulated scan record has no service data: a sync advert's service-data UUID is listed
 *    among its service UUIDs, so the chooser's service filter finds it, and the app cannot see
 *    the advert's nonce and tag (it connects to the chosen device; WebBluetoothTransport `chosen`);
 *  - a link the token closes is reported with `simulateGATTDisconnection`, after every operation the
 *    page still waits for on it has been refused (told in the other order, Chromium's emulation
 *    sometimes keeps the device connected and never opens the next chooser); the emulation does not
 *    report the page's own disconnects, so a new connection to the same address closes the old link.
 *
 * World time runs at the pace of real time while the page works (`resume`), and jumps when the test
 * fast-forwards (`pause`, world.runUntil, then the page's clock is set to the world's).
 */
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import type { World } from "../../sim/world/world";
import type { SimCentral, CentralLink } from "../../sim/world/central";

const CCCD = "00002902-0000-1000-8000-00805f9b34fb";
/** HCI "Connection Failed to be Established" (Core Vol 1 Part F). */
const HCI_CONNECTION_FAILED = 0x3e;
/** ATT "Unlikely Error" (Core Vol 3 Part F 3.4.1.1). */
const ATT_UNLIKELY = 0x0e;

/** Test-only page script: reads a notifying characteristic on the bridge's request (see above). */
export const PUMP_SCRIPT = `(() => {
  const chars = new Map();
  const chains = new Map();
  const P = globalThis.BluetoothRemoteGATTCharacteristic && BluetoothRemoteGATTCharacteristic.prototype;
  if (!P) return;
  const start = P.startNotifications;
  P.startNotifications = function () { chars.set(this.uuid, this); return start.call(this); };
  globalThis.__omamoriPump = (uuid) => {
    const c = chars.get(uuid);
    if (!c) return;
    const next = (chains.get(uuid) || Promise.resolve()).then(() => c.readValue()).catch(() => undefined);
    chains.set(uuid, next);
  };
})();`;

interface Peripheral {
  address: string;
  link: CentralLink | null;
  chars: Map<string, { svc: string; char: string; queue: Uint8Array[] }>;
  byUuid: Map<string, string>;
  serviceIds: string[];
  /** Refuses an operation the page is waiting for (they are all refused when the link closes). */
  inFlight: Set<() => Promise<unknown>>;
}

function u(s: string): string {
  return s.toLowerCase();
}

/** 16-bit or 128-bit UUID of an AD structure's bytes (little-endian) as Chromium writes them. */
function uuidLE(b: Uint8Array): string {
  const hex = Array.from(b).reverse().map((x) => x.toString(16).padStart(2, "0")).join("");
  if (b.length === 2) return `0000${hex}-0000-1000-8000-00805f9b34fb`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The emulation's scan record of a raw advert (+ scan response). */
export function scanRecordOf(...raws: (Uint8Array | null | undefined)[]): { name: string; uuids: string[]; appearance: number; txPower: number; manufacturerData: { key: number; data: string }[] } {
  const rec = { name: "", uuids: [] as string[], appearance: 0, txPower: 0, manufacturerData: [] as { key: number; data: string }[] };
  for (const raw of raws) {
    if (!raw) continue;
    for (let i = 0; i + 1 < raw.length && raw[i] > 0; i += 1 + raw[i]) {
      const len = raw[i], type = raw[i + 1], body = raw.subarray(i + 2, i + 1 + len);
      if (type === 0x08 || type === 0x09) rec.name = Buffer.from(body).toString("latin1");
      else if (type === 0x02 || type === 0x03) for (let o = 0; o + 2 <= body.length; o += 2) rec.uuids.push(uuidLE(body.subarray(o, o + 2)));
      else if (type === 0x06 || type === 0x07) for (let o = 0; o + 16 <= body.length; o += 16) rec.uuids.push(uuidLE(body.subarray(o, o + 16)));
      else if (type === 0x21 && body.length >= 16) rec.uuids.push(uuidLE(body.subarray(0, 16)));
      else if (type === 0x16 && body.length >= 2) rec.uuids.push(uuidLE(body.subarray(0, 2)));
      else if (type === 0xff && body.length >= 2) rec.manufacturerData.push({ key: body[0] | (body[1] << 8), data: Buffer.from(body.subarray(2)).toString("base64") });
    }
  }
  return rec;
}

export class BleBridge {
  private readonly peripherals = new Map<string, Peripheral>();
  private readonly announced = new Set<string>();
  private readonly answered = new Set<string>();
  private advertTimer: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;
  /** Chooses a device in the chooser (by its address, upper case); null waits for more. */
  pick: (devices: { id: string; name: string }[]) => string | null = (d) => d[0]?.id ?? null;
  /** Log every write and notification too. */
  verbose = !!process.env.OMAMORI_BRIDGE_VERBOSE;
  /** Everything the bridge did, for a failing test's message. */
  readonly log: string[] = [];
  private page!: Page;
  private pageSession!: CDPSession;

  private constructor(private readonly bs: CDPSession, readonly world: World, readonly central: SimCentral) {
    // with the verbose log, every line says when (ms since the bridge started)
    const t0 = Date.now(), push = this.log.push.bind(this.log);
    if (this.verbose) this.log.push = (...l: string[]) => push(...l.map((x) => "[" + (Date.now() - t0) + " ms] " + x));
  }

  /** Enables the emulation on the browser (before any page uses Bluetooth). */
  static async create(browser: Browser, world: World, central: SimCentral): Promise<BleBridge> {
    const bs = await browser.newBrowserCDPSession();
    await bs.send("BluetoothEmulation.enable" as never, { state: "powered-on", leSupported: true } as never);
    const b = new BleBridge(bs, world, central);
    bs.on("BluetoothEmulation.gattOperationReceived" as never, (e: { address: string; type: string }) => void b.gatt(e));
    bs.on("BluetoothEmulation.characteristicOperationReceived" as never, (e: { characteristicId: string; type: string; data?: string }) => void b.characteristic(e));
    bs.on("BluetoothEmulation.descriptorOperationReceived" as never, (e: { descriptorId: string; type: string }) => {
      void bs.send("BluetoothEmulation.simulateDescriptorOperationResponse" as never, { descriptorId: e.descriptorId, type: e.type, code: 0 } as never).catch(() => undefined);
    });
    return b;
  }

  /** Connects the bridge to the page the app runs in (the context must have PUMP_SCRIPT). */
  async attach(context: BrowserContext, page: Page): Promise<void> {
    this.page = page;
    this.pageSession = await context.newCDPSession(page);
    await this.pageSession.send("DeviceAccess.enable" as never);
    this.pageSession.on("DeviceAccess.deviceRequestPrompted" as never, (e: { id: string; devices: { id: string; name: string }[] }) => {
      if (this.verbose) this.log.push("prompt " + e.id + " " + JSON.stringify(e.devices));
      if (this.answered.has(e.id)) return; // selecting a prompt twice crashes Chromium (chooser's callback_ check)
      if (this.log[this.log.length - 1] !== "chooser open: " + e.devices.length) this.log.push("chooser open: " + e.devices.length);
      const chosen = this.pick(e.devices);
      if (chosen) {
        this.log.push("chooser: picked " + chosen + " of " + e.devices.map((d) => d.id).join(","));
        this.answered.add(e.id);
        void this.pageSession.send("DeviceAccess.selectPrompt" as never, { id: e.id, deviceId: chosen } as never).catch((err) => this.log.push("select failed: " + err.message));
      } else this.announce();
    });
    this.advertTimer = setInterval(() => this.announce(), 250);
  }

  /**
   * Announces every device advertising connectably in the world (every 250 ms, and when the test
   * calls it: a device must be announced before the chooser opens for its name to be shown).
   */
  announce(): void {
    for (const d of this.world.devices()) {
      const s = d.radioState();
      if (!s.advertising || !s.advertising.connectable || s.sleeping || d === (this.central as unknown)) continue;
      const entry = { deviceAddress: s.address.toUpperCase(), rssi: -50, scanRecord: scanRecordOf(s.advertising.data, (s.advertising as { scanResponse?: Uint8Array | null }).scanResponse) };
      const first = !this.announced.has(entry.deviceAddress);
      if (first) {
        this.announced.add(entry.deviceAddress);
        this.log.push("advert " + JSON.stringify(entry));
      }
      void (async () => {
        if (first && entry.scanRecord.name) {
          // the emulation takes a device's name only from this call (an advert's name is not shown
          // to the chooser's name filters); the name is the one the device advertises
          const r = entry.scanRecord;
          await this.bs.send("BluetoothEmulation.simulatePreconnectedPeripheral" as never, { address: entry.deviceAddress, name: r.name, manufacturerData: r.manufacturerData, knownServiceUuids: r.uuids } as never);
        }
        await this.bs.send("BluetoothEmulation.simulateAdvertisement" as never, { entry } as never);
      })().catch((err) => this.log.push("advert failed: " + err.message));
    }
  }

  // ------------------------------------------------------------------ world time

  /**
   * World time runs from now on at the pace of real time, and never stands still: GATT operations
   * move it on by their own simulated cost, so it may run a little ahead of real time; it then
   * keeps moving at the same pace (a token's answer must not wait for real time to catch up).
   */
  resume(): void {
    if (this.ticker) return;
    let last = performance.now();
    this.ticker = setInterval(() => {
      const t = performance.now();
      this.world.runUntil(Math.ceil(this.world.now + Math.max(1, t - last)));
      last = t;
    }, 20);
  }

  /** Stops world time (before the test moves it itself). */
  pause(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  async close(): Promise<void> {
    this.pause();
    if (this.advertTimer) clearInterval(this.advertTimer);
    for (const p of this.peripherals.values()) await p.link?.disconnect().catch(() => undefined);
    await this.bs.send("BluetoothEmulation.disable" as never).catch(() => undefined);
  }

  // ------------------------------------------------------------------ GATT

  private peripheral(address: string): Peripheral {
    let p = this.peripherals.get(address);
    if (!p) {
      p = { address, link: null, chars: new Map(), byUuid: new Map(), serviceIds: [], inFlight: new Set() };
      this.peripherals.set(address, p);
    }
    return p;
  }

  private async gatt(e: { address: string; type: string }): Promise<void> {
    const p = this.peripheral(e.address);
    let code = 0;
    if (e.type === "connection") {
      try {
        if (p.link) await p.link.disconnect().catch(() => undefined);
        const link = await this.central.connect(u(e.address));
        p.link = link;
        this.log.push("connected " + e.address + " mtu " + link.mtu);
        link.onDisconnect((reason) => {
          if (p.link !== link) return;
          p.link = null;
          for (const c of p.chars.values()) c.queue.length = 0;
          this.log.push("token hung up " + e.address + ": " + reason);
          // Every operation the page still waits for is refused first, then the page is told. A
          // disconnection told while an operation is pending can leave Chromium's emulation believing
          // the device is still connected, and its next device chooser never opens.
          void Promise.all([...p.inFlight].map((refuse) => refuse()))
            .then(() => new Promise((r) => setTimeout(r, 20)))
            .then(() => this.bs.send("BluetoothEmulation.simulateGATTDisconnection" as never, { address: e.address } as never))
            .then(() => this.log.push("told the page " + e.address + " is gone"), (err) => this.log.push("could not tell the page " + e.address + " is gone: " + err.message));
        });
        // the emulation forgets a peripheral's services when it disconnects: add them for every connection
        for (const id of p.serviceIds.splice(0)) await this.bs.send("BluetoothEmulation.removeService" as never, { serviceId: id } as never).catch(() => undefined);
        p.chars.clear();
        p.byUuid.clear();
        {
          for (const s of await link.services()) {
            const { serviceId } = (await this.bs.send("BluetoothEmulation.addService" as never, { address: e.address, serviceUuid: s.uuid } as never)) as unknown as { serviceId: string };
            p.serviceIds.push(serviceId);
            for (const c of s.characteristics) {
              const properties = { read: c.readable || c.notify, write: c.writable, notify: c.notify, indicate: c.indicate };
              const { characteristicId } = (await this.bs.send("BluetoothEmulation.addCharacteristic" as never, { serviceId, characteristicUuid: c.uuid, properties } as never)) as unknown as { characteristicId: string };
              if (c.notify || c.indicate) await this.bs.send("BluetoothEmulation.addDescriptor" as never, { characteristicId, descriptorUuid: CCCD } as never);
              p.chars.set(characteristicId, { svc: s.uuid, char: c.uuid, queue: [] });
              p.byUuid.set(c.uuid, characteristicId);
            }
          }
        }
      } catch (err) {
        this.log.push("connect " + e.address + " failed: " + (err as Error).message);
        code = HCI_CONNECTION_FAILED;
      }
    }
    await this.bs.send("BluetoothEmulation.simulateGATTOperationResponse" as never, { address: e.address, type: e.type, code } as never).catch(() => undefined);
  }

  private async characteristic(e: { characteristicId: string; type: string; data?: string }): Promise<void> {
    const address = e.characteristicId.split("_")[0];
    const p = this.peripheral(address);
    const c = p.chars.get(e.characteristicId);
    let answered: Promise<unknown> | null = null;
    const answer = (code: number, data?: Uint8Array): Promise<unknown> => {
      if (answered) return answered; // refused already, when the link closed
      p.inFlight.delete(refuse);
      return (answered = this.bs.send("BluetoothEmulation.simulateCharacteristicOperationResponse" as never, {
        characteristicId: e.characteristicId, type: e.type, code, ...(data ? { data: Buffer.from(data).toString("base64") } : {}),
      } as never).catch(() => undefined));
    };
    const refuse = () => answer(ATT_UNLIKELY);
    p.inFlight.add(refuse);
    if (!c || !p.link) {
      if (this.verbose) this.log.push(e.type + " on a closed link: refused");
      await answer(ATT_UNLIKELY);
      return;
    }
    try {
      if (e.type === "write") {
        if (this.verbose) this.log.push("write " + c.char.slice(0, 8) + " " + Buffer.from(e.data ?? "", "base64").toString("latin1"));
        await p.link.write(c.svc, c.char, new Uint8Array(Buffer.from(e.data ?? "", "base64")));
        if (this.verbose) this.log.push("write done");
        await answer(0);
      } else if (e.type === "subscribe-to-notifications") {
        this.log.push("subscribed " + c.char);
        await p.link.subscribe(c.svc, c.char, (v) => {
          c.queue.push(v);
          if (this.verbose) this.log.push("notify " + c.char.slice(0, 8) + " " + Buffer.from(v).toString("latin1"));
          void this.page.evaluate((uuid) => (globalThis as unknown as { __omamoriPump?: (u: string) => void }).__omamoriPump?.(uuid), c.char).catch(() => undefined);
        });
        await answer(0);
      } else if (e.type === "read") {
        const v = c.queue.shift();
        if (this.verbose) this.log.push("read " + c.char.slice(0, 8) + (v ? " answered" : " empty"));
        await answer(v ? 0 : ATT_UNLIKELY, v ?? undefined);
      } else await answer(0);
    } catch (err) {
      this.log.push(e.type + " on " + c.char + " failed: " + (err as Error).message);
      await answer(ATT_UNLIKELY);
    }
  }
}
