/**
 * The `SyncTransport` of the web app (host-tools/sync/transport.ts): the token's sync service over
 * Web Bluetooth, so the host's own session and sync code (HostSession, syncToken, pairNewToken,
 * registerPositive) run unchanged in the browser.
 *
 * Web Bluetooth differs from a laptop's adapter in three ways, each handled here:
 *  - scanning is the browser's device chooser: `choose()` must run inside the click that asks for
 *    it (a user gesture). The chooser lists devices offering the sync service; the person picks the
 *    token whose button they just pressed. Later scans of the same sync (a reconnection after a lost
 *    link: the token keeps its window's address) reuse that choice without asking again;
 *  - the advert's service data (nonce, tag, FRESH flag) is visible only where the browser offers
 *    `watchAdvertisements` (Chrome with experimental features on). Then the advert is reported as it
 *    is and the host checks the tag as always. Elsewhere the advert is reported as `chosen`: the
 *    host cannot check the tag before connecting, and the session's mutual authentication decides
 *    (a wrong token answers "auth", a paired token refuses PAIR);
 *  - the browser does not tell the ATT MTU, so fragments are of the smallest size (MTU 23: 20 bytes),
 *    which every link carries.
 */
import { Uuid, syncServiceData } from "../../../common/formats/syncMessages";
import { parseSyncServiceData, type SeenAdvert, type SyncLink, type SyncTransport } from "../../../host-tools/sync/transport";
import { SyncError } from "../../../host-tools/sync/errors";

/** The Web Bluetooth calls used (a subset of the DOM's, typed here: TypeScript's DOM library has none). */
export interface BtCharacteristic extends EventTarget {
  value?: DataView;
  writeValueWithResponse(v: Uint8Array): Promise<void>;
  startNotifications(): Promise<BtCharacteristic>;
}
export interface BtDevice extends EventTarget {
  id: string;
  name?: string;
  gatt?: {
    connected: boolean;
    connect(): Promise<{ getPrimaryService(uuid: string): Promise<{ getCharacteristic(uuid: string): Promise<BtCharacteristic> }> }>;
    disconnect(): void;
  };
  watchAdvertisements?(o?: { signal?: AbortSignal }): Promise<void>;
}
interface Bluetooth {
  requestDevice(o: unknown): Promise<BtDevice>;
}

export function bluetooth(): Bluetooth | null {
  const b = (globalThis.navigator as unknown as { bluetooth?: Bluetooth } | undefined)?.bluetooth;
  return b ?? null;
}

/** Why Web Bluetooth cannot be used here (null when it can). */
export function bluetoothProblem(): "no-bluetooth" | "not-secure" | null {
  if (typeof isSecureContext !== "undefined" && !isSecureContext) return "not-secure";
  return bluetooth() ? null : "no-bluetooth";
}

/** MTU assumed for every link (the browser does not tell it). */
export const WEB_MTU = 23;

function bytes(v: DataView): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

export class WebBluetoothTransport implements SyncTransport {
  readonly name = "web-bluetooth";
  private device: BtDevice | null = null;
  private chosen: Promise<BtDevice> | null = null;
  private lastAdvert: SeenAdvert | null = null;

  /**
   * Opens the browser's device chooser for tokens in a sync window (call it in the click handler).
   * `fresh`: only tokens not paired yet, where the platform can filter by the advert's flags.
   */
  choose(): Promise<BtDevice> {
    const bt = bluetooth();
    if (!bt) return Promise.reject(new SyncError("not-found", "this browser has no Web Bluetooth"));
    this.device = null;
    this.lastAdvert = null;
    // The sync advert names the service only in its service data; the `services` filter matches it
    // where the platform counts service-data UUIDs as advertised services (docs/WEB.md "Limits").
    this.chosen = bt.requestDevice({ filters: [{ services: [Uuid.SERVICE] }], optionalServices: [Uuid.SERVICE] }).then((d) => (this.device = d));
    return this.chosen;
  }

  /** Forgets the chosen device (the next sync asks again). */
  forget(): void {
    this.device = null;
    this.chosen = null;
    this.lastAdvert = null;
  }

  async scan(seen: (a: SeenAdvert) => boolean, timeoutMs: number): Promise<void> {
    let device: BtDevice;
    try {
      device = this.device ?? (await (this.chosen ?? Promise.reject(new Error("no device chosen"))));
    } catch (e) {
      const name = (e as Error).name;
      throw new SyncError("not-found", name === "NotFoundError" ? "no token was chosen" : (e as Error).message);
    }
    const advert = (await this.readAdvert(device, Math.min(timeoutMs, 3000))) ?? this.lastAdvert ?? {
      address: device.id, flags: 0, nonce: new Uint8Array(4), tag: new Uint8Array(4), rssi: 0, chosen: true,
    };
    this.lastAdvert = advert;
    if (!seen(advert)) {
      // the same window's advert does not change: waiting longer would not help
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 1000)));
    }
  }

  /** The sync advert's service data, where the browser shows adverts; null elsewhere. */
  private async readAdvert(device: BtDevice, waitMs: number): Promise<SeenAdvert | null> {
    if (typeof device.watchAdvertisements !== "function") return null;
    const stop = new AbortController();
    try {
      return await new Promise<SeenAdvert | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), waitMs);
        device.addEventListener("advertisementreceived", (ev: Event) => {
          const e = ev as Event & { serviceData?: Map<string, DataView>; rssi?: number };
          const sd = e.serviceData?.get(Uuid.SERVICE);
          if (!sd) return;
          const raw = bytes(sd);
          const a = parseSyncServiceData(device.id, raw, e.rssi ?? 0) ?? (raw.length > 9 ? parseSyncServiceData(device.id, syncServiceData(raw) ?? raw, e.rssi ?? 0) : null);
          if (a) {
            clearTimeout(timer);
            resolve(a);
          }
        });
        device.watchAdvertisements!({ signal: stop.signal }).catch(() => {
          clearTimeout(timer);
          resolve(null);
        });
      });
    } finally {
      stop.abort();
    }
  }

  async connect(a: SeenAdvert): Promise<SyncLink> {
    const device = this.device;
    if (!device || !device.gatt || device.id !== a.address) throw new SyncError("disconnected", "the chosen token is not available");
    const notifyListeners: ((v: Uint8Array) => void)[] = [];
    const goneListeners: ((reason: string) => void)[] = [];
    let open = true;
    const onGone = () => {
      if (!open) return;
      open = false;
      device.removeEventListener("gattserverdisconnected", onGone);
      for (const l of goneListeners) l("the token disconnected");
    };
    let rx: BtCharacteristic, tx: BtCharacteristic;
    try {
      const server = await device.gatt.connect();
      device.addEventListener("gattserverdisconnected", onGone);
      const service = await server.getPrimaryService(Uuid.SERVICE);
      rx = await service.getCharacteristic(Uuid.RX);
      tx = await service.getCharacteristic(Uuid.TX);
      tx.addEventListener("characteristicvaluechanged", (ev: Event) => {
        const v = (ev.target as BtCharacteristic).value;
        if (open && v) for (const l of notifyListeners) l(bytes(v));
      });
      await tx.startNotifications();
    } catch (e) {
      open = false;
      try { device.gatt.disconnect(); } catch { /* already gone */ }
      throw new SyncError("disconnected", (e as Error).message);
    }
    return {
      mtu: WEB_MTU,
      write: async (v) => {
        if (!open) throw new SyncError("disconnected", "the link is closed");
        try {
          await rx.writeValueWithResponse(new Uint8Array(v));
        } catch (e) {
          throw new SyncError("disconnected", (e as Error).message);
        }
      },
      onNotify: (l) => notifyListeners.push(l),
      onDisconnect: (l) => goneListeners.push(l),
      disconnect: async () => {
        if (!open) return;
        open = false;
        device.removeEventListener("gattserverdisconnected", onGone);
        try { device.gatt!.disconnect(); } catch { /* already gone */ }
        for (const l of goneListeners) l("the host disconnected");
      },
    };
  }

  async close(): Promise<void> {}
}
