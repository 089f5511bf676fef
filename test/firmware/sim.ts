/**
 * Running the BUILT firmware (dist/firmware/<board>.js) in the sim runtime for the firmware tests:
 * booted from Storage's ".bootcde" as on a device, so the firmware takes its real share of Storage.
 */
import { loadBoard } from "../../boards/index";
import { EspruinoRuntime, loadBuiltFirmware, NorFlash } from "../../sim/espruino/runtime";
import { nameBytes } from "../../sim/espruino/storage";
import { buildAdvert } from "../../common/gaen/advert";
import { decodeLogStream, MIN_READ_BYTES, type LogEncounter } from "../../common/formats/logRecord";

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

/** The token's settings file (firmware/app/store.ts), newest complete generation, parsed. */
export function settingsOf(rt: EspruinoRuntime): any {
  let best: any = null;
  for (const name of ["om.s0", "om.s1"]) {
    const b = rt.storage.read(nameBytes(name));
    if (!b) continue;
    try {
      const s = JSON.parse(Buffer.from(b).toString("latin1"));
      if (!best || s.g > best.g) best = s;
    } catch {
      // a torn copy: the other one decides, as on the token
    }
  }
  return best;
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
export function readWholeLog(rt: EspruinoRuntime, chunk = MIN_READ_BYTES): LogEncounter[] {
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
  return decodeLogStream(all);
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
