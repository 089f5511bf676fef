/**
 * The `ble` transport: a real Bluetooth adapter through @stoprocent/noble (an optional dependency,
 * imported only when this transport is used). Scan for the sync advert's 128-bit service data,
 * connect, discover the sync service's two characteristics, subscribe to TX notifications, write
 * RX with response. Written against the library's typings (index.d.ts) and tested against a fake
 * with the same shape (test/sync/ble.test.ts); not yet tried on real hardware.
 */
import { existsSync, readdirSync } from "node:fs";
import { Uuid } from "../../../common/formats/syncMessages";
import { parseSyncServiceData, type SeenAdvert, type SyncLink, type SyncTransport } from "../transport";
import { SyncError } from "../errors";
import { say } from "../../base/language";

/** The part of noble's API this transport uses (matches @stoprocent/noble's Noble class). */
export interface NobleLike {
  readonly state: string;
  startScanningAsync(serviceUUIDs?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  on(event: "discover", listener: (p: PeripheralLike) => void): unknown;
  on(event: "stateChange", listener: (state: string) => void): unknown;
  removeListener(event: "discover", listener: (p: PeripheralLike) => void): unknown;
  removeListener(event: "stateChange", listener: (state: string) => void): unknown;
  stop?(): void;
}

export interface CharacteristicLike {
  readonly uuid: string;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: "data", listener: (data: Buffer, isNotification: boolean) => void): unknown;
}

export interface PeripheralLike {
  readonly id: string;
  readonly rssi: number;
  readonly mtu: number | null;
  readonly advertisement: { serviceData: Array<{ uuid: string; data: Buffer }> };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(serviceUUIDs: string[], characteristicUUIDs: string[]): Promise<{ characteristics: CharacteristicLike[] }>;
  once(event: "disconnect", listener: (reason: unknown) => void): unknown;
}

/** noble's UUID spelling: lowercase hex without dashes. */
export function nobleUuid(uuid: string): string {
  return uuid.replace(/-/g, "").toLowerCase();
}

const SERVICE = nobleUuid(Uuid.SERVICE);
const RX = nobleUuid(Uuid.RX);
const TX = nobleUuid(Uuid.TX);

/**
 * Where Linux lists its Bluetooth adapters. OMAMORI_BLUETOOTH_SYSFS replaces it (tests, and
 * systems that keep it elsewhere).
 */
function sysfsDir(): string {
  return process.env.OMAMORI_BLUETOOTH_SYSFS || "/sys/class/bluetooth";
}

/**
 * False when this computer surely has no Bluetooth adapter: on Linux, none is listed in sysfs.
 * Known before the library is even loaded, so the cause is said first and at once.
 */
function adapterListed(): boolean {
  if (process.platform !== "linux") return true;
  const dir = sysfsDir();
  try {
    return existsSync(dir) && readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** Imports @stoprocent/noble on first use; a clear message when it is missing. */
async function loadNoble(): Promise<NobleLike> {
  try {
    const mod = (await import("@stoprocent/noble")) as unknown as { default: NobleLike };
    return mod.default;
  } catch (e) {
    throw new SyncError("no-adapter", say(
      "the Bluetooth library @stoprocent/noble could not be loaded: " + (e as Error).message,
      "Bluetooth のライブラリー @stoprocent/noble を読み込めませんでした",
    ));
  }
}

/** How long the adapter may take to report a definite state (noble says "poweredOff" at first, then the truth). */
const ADAPTER_SETTLE_MS = 3000;

/** Waits for the adapter's definite state: resolves when powered on, else the SyncError saying why. */
async function adapterReady(noble: NobleLike, settleMs = ADAPTER_SETTLE_MS): Promise<void> {
  const final = (s: string) => s === "poweredOn" || s === "unsupported" || s === "unauthorized";
  let state = noble.state;
  if (!final(state)) {
    state = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => {
        noble.removeListener("stateChange", on);
        resolve(noble.state);
      }, settleMs);
      const on = (s: string) => {
        if (!final(s)) return;
        clearTimeout(timer);
        noble.removeListener("stateChange", on);
        resolve(s);
      };
      noble.on("stateChange", on);
    });
  }
  if (state === "poweredOn") return;
  if (state === "unauthorized") throw new SyncError("no-permission");
  if (state === "poweredOff") throw new SyncError("bluetooth-off");
  throw new SyncError("no-adapter", state);
}

export class BleTransport implements SyncTransport {
  readonly name = "ble";
  private readonly seen = new Map<string, PeripheralLike>();

  private checked = false;

  /**
   * `noble` is injected by tests (and `listed`, whether an adapter is listed); by default the real
   * library is imported on first use, after the system was asked whether it has an adapter at all.
   */
  constructor(private noble: NobleLike | null = null, private readonly settleMs = ADAPTER_SETTLE_MS, private readonly listed: () => boolean = adapterListed) {}

  /** The adapter, powered on; else at once the SyncError saying why (no adapter, off, not allowed). */
  async ready(): Promise<NobleLike> {
    if (!this.noble && !this.listed()) throw new SyncError("no-adapter");
    if (!this.noble) this.noble = await loadNoble();
    if (!this.checked || this.noble.state !== "poweredOn") {
      await adapterReady(this.noble, this.settleMs);
      this.checked = true;
    }
    return this.noble;
  }

  async scan(seen: (a: SeenAdvert) => boolean, timeoutMs: number): Promise<void> {
    const noble = await this.ready();
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        noble.removeListener("discover", onDiscover);
        noble.stopScanningAsync().then(() => resolve(), () => resolve());
      };
      const onDiscover = (p: PeripheralLike) => {
        const sd = (p.advertisement?.serviceData ?? []).find((d) => d.uuid === SERVICE);
        if (!sd) return;
        const advert = parseSyncServiceData(p.id, new Uint8Array(sd.data), p.rssi);
        if (!advert) return;
        this.seen.set(p.id, p);
        if (seen(advert)) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      noble.on("discover", onDiscover);
      // No UUID filter: not every platform's filter looks at service data; we filter above.
      noble.startScanningAsync([], true).catch((e) => {
        done = true;
        clearTimeout(timer);
        noble.removeListener("discover", onDiscover);
        reject(new SyncError("not-found", (e as Error).message));
      });
    });
  }

  async connect(a: SeenAdvert): Promise<SyncLink> {
    const p = this.seen.get(a.address);
    if (!p) throw new SyncError("not-found", "no advert seen from " + a.address);
    const disconnectListeners: ((r: string) => void)[] = [];
    const notifyListeners: ((v: Uint8Array) => void)[] = [];
    let up = false;
    p.once("disconnect", (reason) => {
      up = false;
      disconnectListeners.forEach((l) => l(String(reason)));
    });
    await p.connectAsync();
    up = true;
    try {
      const { characteristics } = await p.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [RX, TX]);
      const rx = characteristics.find((c) => c.uuid === RX);
      const tx = characteristics.find((c) => c.uuid === TX);
      if (!rx || !tx) throw new SyncError("protocol", "the sync service is incomplete on this device");
      tx.on("data", (data) => notifyListeners.forEach((l) => l(new Uint8Array(data))));
      await tx.subscribeAsync();
      return {
        mtu: p.mtu ?? 23,
        write: async (value) => {
          if (!up) throw new SyncError("disconnected");
          await rx.writeAsync(Buffer.from(value), false);
        },
        onNotify: (l) => notifyListeners.push(l),
        onDisconnect: (l) => disconnectListeners.push(l),
        disconnect: async () => {
          if (up) await p.disconnectAsync().catch(() => undefined);
        },
      };
    } catch (e) {
      await p.disconnectAsync().catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.seen.clear();
    this.noble?.stop?.();
  }
}
