/**
 * Running the BUILT firmware (dist/firmware/<board>.js) in the sim runtime for the firmware tests:
 * booted from Storage's ".bootcde" as on a device, so the firmware takes its real share of Storage.
 */
import { loadBoard } from "../../boards/index";
import { EspruinoRuntime, loadBuiltFirmware, NorFlash } from "../../sim/espruino/runtime";
import { nameBytes } from "../../sim/espruino/storage";
import { buildAdvert } from "../../common/gaen/advert";
import { decodeLogStream, MIN_READ_BYTES, type LogEncounter } from "../../common/formats/logRecord";
import { crc32 } from "node:zlib";
import { syncServiceData, Uuid } from "../../common/formats/syncMessages";
import { parseSyncServiceData, type SeenAdvert, type SyncLink, type SyncTransport } from "../../host-tools/sync/transport";
import { SyncError } from "../../host-tools/sync/errors";
import { DataDir, type TokenRecord } from "../../host-tools/base/dataDir";
import { pairNewToken } from "../../host-tools/sync/syncToken";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** 2026-03-02 00:00 UTC plus a little: a day boundary the tests can reason about. */
export const T0_MS = Date.UTC(2026, 2, 2, 0, 0, 0) + 10_000;

/** The built firmware of a board (dist/firmware/<board>.js). */
export function simFirmware(boardId: string): string {
  loadBoard(boardId);
  return loadBuiltFirmware(boardId);
}

export interface TokenOpts {
  board?: string;
  /** Hold the button down while the token powers on: Espruino then skips the saved code (maintenance). */
  buttonHeldAtBoot?: boolean;
  seed?: number;
  worldTimeMs?: number;
  flash?: NorFlash;
  /** Set the clock to world time right after boot (as a host's first sync does). Default true. */
  setClock?: boolean;
  /**
   * The CPU-time model (default on). Tests of the log's own logic that feed a scan more adverts than
   * the CPU could handle in a window turn it off; what the CPU does to a crowd is tested with it on.
   */
  cpuTime?: boolean;
  /** Bytes of another Storage file written before the firmware (a Storage with little room left). */
  otherFileBytes?: number;
}

/**
 * A powered-on token running the built firmware from Storage's ".bootcde", as a device does after
 * an upload with SAVE_ON_SEND=1 (so the firmware takes its real share of Storage).
 */
export function bootToken(o: TokenOpts = {}): EspruinoRuntime {
  const board = o.board ?? "puckjs";
  const rt = new EspruinoRuntime({ board, seed: o.seed ?? 1, worldTimeMs: o.worldTimeMs ?? T0_MS, flash: o.flash, cpuTime: o.cpuTime });
  const code = simFirmware(board);
  if (o.buttonHeldAtBoot) rt.setButton(true);
  if (o.otherFileBytes) rt.storage.write(nameBytes("other"), new Uint8Array(o.otherFileBytes).fill(0x41), 0, 0, 0);
  if (!o.flash) rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(code, "latin1")), 0, 0, 0);
  rt.bootFromStorage();
  if (o.setClock ?? true) setClock(rt);
  return rt;
}

/**
 * The token's settings as they are in flash (firmware/app/store.ts, kept in the log's pages: docs/LOG-FORMAT.md
 * "Settings in the ring"), read the way the token reads them at boot: every committed settings entry whose
 * CRC-32 holds, pages in order of their sequence number, a later entry of a field winning. Returns the
 * fields (p, a, s, w, P, x, e, l, f, r, h, z and any other), k as the day keys' hex in rolling-start order,
 * and erasing (an erase-all mark); null when there is no log area.
 */
export function settingsOf(rt: EspruinoRuntime): any {
  const f = rt.storage.find(nameBytes("om.log"));
  if (!f) return null;
  const ps = rt.flash.pageSize;
  const pages: { seq: number; at: number }[] = [];
  for (let a = f.addr + 32; a + ps <= f.addr + 32 + f.size; a += ps) {
    const h = rt.flash.read(a, 20);
    if (h[19] === 0xa5) pages.push({ seq: h[0] + h[1] * 256 + h[2] * 65536 + h[3] * 16777216, at: a });
  }
  pages.sort((x, y) => x.seq - y.seq);
  const out: any = { x: "", r: 0, l: [], erasing: false };
  const keys = new Map<number, string>();
  for (const p of pages) {
    for (let o = 20; o + 12 <= ps; ) {
      const b = rt.flash.read(p.at + o, 1)[0];
      const len = b & 0xfc;
      if (b === 0xff || len < 12 || o + len > ps || (b & 3) === 2) break;
      if ((b & 3) === 1) {
        const e = Buffer.from(rt.flash.read(p.at + o, len));
        if (crc32(e.subarray(0, len - 4)) === e.readUInt32LE(len - 4)) {
          const d = e.subarray(4, 4 + e[2]);
          const type = String.fromCharCode(e[1]);
          if (type === "K") keys.set(d.readUInt32BE(0), d.toString("hex"));
          else if (type === "X") out.erasing = true;
          else out[type] = JSON.parse(d.toString("latin1"));
        }
      }
      o += len;
    }
  }
  out.k = [...keys.keys()].sort((a, b) => a - b).map((rs) => keys.get(rs)!).join("");
  return out;
}

/** Omamori.setClock(world seconds) inside the token, as the sync service calls it. */
export function setClock(rt: EspruinoRuntime): void {
  rt.runCallback(rt.global.Omamori.setClock, null, [Math.floor(rt.worldTimeMs() / 1000)]);
}

/** Omamori.state() as plain JSON; each key also gets `tekHex`. */
export function state(rt: EspruinoRuntime): any {
  const s = JSON.parse(JSON.stringify(rt.global.Omamori.state(), (_k, v) => (v && v.constructor && v.constructor.name === "Uint8Array" ? Array.from(v as Uint8Array) : v)));
  for (const k of s.keys) k.tekHex = Buffer.from(k.tek).toString("hex");
  return s;
}

/** Run a function inside the token as a firmware callback (exceptions become uncaughtErrors). */
export function inToken(rt: EspruinoRuntime, fn: () => void): void {
  rt.runCallback(fn, null, []);
}

/** Fails the test with the token's own words when it reported uncaught errors or an error count. */
export function expectHealthy(rt: EspruinoRuntime): void {
  if (rt.uncaughtErrors.length) throw new Error("token reported: " + rt.uncaughtErrors.join(" | "));
  const s = rt.global.Omamori.state();
  if (s.errors) throw new Error("token error log: " + JSON.stringify(s.errorLog));
}

export interface Advert { rpi: Uint8Array; aem: Uint8Array; rssi: number }

/** Adverts handed to a scan window arrive spread over this many ms from its start (windows are 290 ms). */
export const ADVERT_SPREAD_MS = 250;

/**
 * Advance the token to untilMs, handing it `advertsFor(scanStartMs)` at the start of every scan
 * window it opens (as if those devices were in range for that window).
 */
export function runWithAdverts(rt: EspruinoRuntime, untilMs: number, advertsFor: (scanStartMs: number) => Advert[]): number {
  let was = false;
  let scans = 0;
  for (let first = true; ; first = false) {
    const next = rt.nextEventTimeMs();
    if (!first) {
      if (next > untilMs) break;
      rt.advanceTo(next);
    }
    const now = !!rt.radioState().scanning;
    if (now && !was) {
      scans++;
      // the adverts arrive spread over the first 250 ms of the window, as devices in range send them
      // (all in the same millisecond they would wait in Espruino's event queue, and overflow it)
      const start = rt.worldTimeMs();
      const adverts = advertsFor(start);
      adverts.forEach((a, i) => {
        const at = start + Math.floor(((i + 1) * ADVERT_SPREAD_MS) / (adverts.length + 1));
        if (at > rt.worldTimeMs()) rt.advanceTo(at);
        rt.deliverAdvert({ address: "c0:00:00:00:00:01", addressType: "random", rssi: a.rssi, data: buildAdvert(a.rpi, a.aem) });
      });
    }
    was = !!rt.radioState().scanning;
  }
  // (the last window's adverts may have been spread a little past untilMs)
  rt.advanceTo(Math.max(untilMs, rt.worldTimeMs()));
  return scans;
}

/** The whole log as the host decodes it (SyncHost.readLog in chunks, then decodeLogStream). */
export function readWholeLog(rt: EspruinoRuntime, chunk = MIN_READ_BYTES, damaged?: () => void): LogEncounter[] {
  const parts: Uint8Array[] = [];
  let cursor = 0;
  for (let i = 0; i < 100000; i++) {
    let r: { data: Uint8Array; next: number } = { data: new Uint8Array(0), next: cursor };
    rt.runCallback(() => { r = rt.global.Omamori.host.readLog(cursor, chunk); }, null, []);
    if (!r.data.length) break;
    parts.push(new Uint8Array(r.data));
    cursor = r.next;
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return decodeLogStream(all, damaged);
}

export interface Flash { color: string; startMs: number; durationMs: number }

/**
 * The light as a person sees it: each time some LEDs go on together, one flash of their mixed
 * colour (red+green = yellow) lasting until they are all off again.
 */
export function flashesSeen(rt: EspruinoRuntime, fromMs: number, toMs: number): Flash[] {
  const colorOf: Record<string, string> = {};
  for (const l of rt.board.io.leds) colorOf[l.pin] = l.color;
  const on = new Set<string>();
  const out: Flash[] = [];
  let cur: { pins: Set<string>; startMs: number } | null = null;
  for (const e of rt.ledLog()) {
    if (e.on) on.add(e.pin);
    else on.delete(e.pin);
    if (e.on) {
      if (!cur) cur = { pins: new Set(), startMs: e.timeMs };
      cur.pins.add(e.pin);
    } else if (cur && on.size === 0) {
      if (cur.startMs >= fromMs && cur.startMs < toMs) {
        const cs = [...cur.pins].map((p) => colorOf[p]).sort();
        const color = cs.length === 2 && cs[0] === "green" && cs[1] === "red" ? "yellow" : cs.length === 3 ? "white" : cs.join("+");
        out.push({ color, startMs: cur.startMs, durationMs: e.timeMs - cur.startMs });
      }
      cur = null;
    }
  }
  return out;
}

/**
 * The host's Bluetooth reaching a bare runtime (no world): scanning reads the token's advert from its
 * radio state, connecting is the runtime's GATT link, and waiting runs the token's clock. Enough for the
 * host library's pairing and sessions (host-tools/sync/) in firmware tests.
 */
export class RuntimeTransport implements SyncTransport {
  readonly name = "runtime";
  constructor(readonly rt: EspruinoRuntime) {}

  async scan(seen: (a: SeenAdvert) => boolean, timeoutMs: number): Promise<void> {
    const end = this.rt.worldTimeMs() + timeoutMs;
    for (;;) {
      const adv = this.rt.radioState().advertising;
      const sd = adv && adv.connectable ? syncServiceData(adv.data) : null;
      const a = sd ? parseSyncServiceData(this.rt.radioState().address, sd, -50) : null;
      if (a && seen(a)) return;
      const next = Math.min(end, this.rt.worldTimeMs() + 100);
      if (next <= this.rt.worldTimeMs()) return;
      this.rt.advanceTo(next);
    }
  }

  async connect(_a?: SeenAdvert): Promise<SyncLink> {
    const notify: ((v: Uint8Array) => void)[] = [];
    const gone: ((r: string) => void)[] = [];
    const rt = this.rt;
    const link = rt.gattConnect({
      mtu: 247,
      onNotify: (_c, d) => notify.forEach((l) => l(d.slice())),
      onDisconnect: () => gone.forEach((l) => l("the token disconnected")),
    });
    if (!link) throw new SyncError("disconnected", "the token is not connectable");
    link.subscribe(Uuid.SERVICE, Uuid.TX);
    return {
      mtu: link.mtu,
      write: async (v) => {
        if (!link.connected()) throw new SyncError("disconnected");
        link.write(Uuid.SERVICE, Uuid.RX, v);
      },
      onNotify: (l) => notify.push(l),
      onDisconnect: (l) => gone.push(l),
      disconnect: async () => {
        if (link.connected()) link.disconnect();
      },
      pump: async (until, maxMs) => {
        const end = rt.worldTimeMs() + maxMs;
        while (!until() && rt.worldTimeMs() < end) rt.advanceTo(Math.min(end, Math.max(rt.worldTimeMs() + 1, Math.min(rt.nextEventTimeMs(), rt.worldTimeMs() + 50))));
        return until();
      },
    };
  }

  async close(): Promise<void> {}
}

/**
 * Pairs the token with a host (the host library's pairing, after a button press) and returns the host's
 * data directory and its record of the token; `done()` removes the directory.
 */
export async function pairInRuntime(rt: EspruinoRuntime, tokenId = "t"): Promise<{ data: DataDir; rec: TokenRecord; transport: RuntimeTransport; done: () => void }> {
  rt.advanceTo(rt.worldTimeMs() + 3000); // (the token has finished booting)
  rt.pressButton(150);
  rt.advanceTo(rt.worldTimeMs() + 400);
  const root = mkdtempSync(join(tmpdir(), "omamori-fw-pair-"));
  const data = new DataDir(root);
  const transport = new RuntimeTransport(rt);
  const rec = await pairNewToken({ transport, data, tokenId, now: () => rt.worldTimeMs() });
  rt.advanceTo(rt.worldTimeMs() + 61_000); // the pairing window closes
  return { data, rec, transport, done: () => rmSync(root, { recursive: true, force: true }) };
}
