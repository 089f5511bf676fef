/**
 * The `sim` transport: the host's adapter in the simulated world (sim/world/central.ts SimCentral),
 * reaching tokens that run the built firmware in the emulated Espruino (sim/espruino). Scanning,
 * connecting, writes and notifications take simulated time with the central's MTU, connection
 * interval and packets per event; while the session waits for an answer, simulated time runs
 * (SyncLink.pump).
 */
import { Uuid, syncServiceData } from "../../../common/formats/syncMessages";
import { parseSyncServiceData, type SeenAdvert, type SyncLink, type SyncTransport } from "../transport";
import { SyncError } from "../errors";
import type { SimCentral, CentralLink } from "../../../sim/world/central";

export class SimTransport implements SyncTransport {
  readonly name = "sim";
  /** The links this transport opened (benchmarks read their stats). */
  readonly links: CentralLink[] = [];
  /** Called with each new link before the sync service is used (tests inject disconnects here). */
  onLink: ((link: CentralLink) => void) | null = null;

  constructor(readonly central: SimCentral) {}

  async scan(seen: (a: SeenAdvert) => boolean, timeoutMs: number): Promise<void> {
    await this.central.scan(timeoutMs, (r) => {
      const sd = syncServiceData(r.data);
      const a = sd ? parseSyncServiceData(r.address, sd, r.rssi) : null;
      return a ? seen(a) : false;
    });
  }

  async connect(a: SeenAdvert): Promise<SyncLink> {
    let link: CentralLink;
    try {
      link = await this.central.connect(a.address);
    } catch (e) {
      throw new SyncError("disconnected", (e as Error).message);
    }
    this.links.push(link);
    if (this.onLink) this.onLink(link);
    const notify: ((v: Uint8Array) => void)[] = [];
    try {
      const services = await link.services();
      const svc = services.find((s) => s.uuid === Uuid.SERVICE);
      if (!svc || !svc.characteristics.some((c) => c.uuid === Uuid.RX) || !svc.characteristics.some((c) => c.uuid === Uuid.TX)) {
        throw new SyncError("protocol", "the sync service is missing on this device");
      }
      await link.subscribe(Uuid.SERVICE, Uuid.TX, (v) => notify.forEach((l) => l(v)));
    } catch (e) {
      await link.disconnect().catch(() => undefined);
      throw e instanceof SyncError ? e : new SyncError("disconnected", (e as Error).message);
    }
    return {
      mtu: link.mtu,
      write: async (v) => {
        await link.write(Uuid.SERVICE, Uuid.RX, v);
      },
      onNotify: (l) => notify.push(l),
      onDisconnect: (l) => link.onDisconnect(l),
      disconnect: () => link.disconnect(),
      pump: (until, maxMs) => link.pumpUntil(until, maxMs),
    };
  }

  async close(): Promise<void> {}
}
