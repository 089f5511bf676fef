/**
 * The Node side of the real-interpreter checks (`npm run test:espruino`, run.ts): everything that
 * needs no Espruino binary, so `npm test` covers it (test/espruino-real/protocol.test.ts).
 *
 *   parseLine            console output -> harness events ("@@ TAG ..." lines from stubs.js,
 *                        interpreter errors, memory errors)
 *   boardBinary          which Linux build stands in for which board, and what differs
 *   encodeFeed           the feed file (`omh.f`) stubs.js reads to hand adverts to the scan callback
 *   crowdIdentifier      the crowd's identifiers (the same xorshift32 as stubs.js)
 *   expectedEncounters   what the log must hold, from the adverts the stub delivered
 *   compareEncounters    log read over sync vs expected
 *   airTimeline          what the radio sends, modelled from the NRF calls as Espruino's C code does
 *   addressReuse         identifiers sent under more than one address (and addresses under more than one identifier)
 *   ramTable             the per-board RAM table
 */
import { fromHex, toHex } from "../../common/bytes";
import type { LogEncounter } from "../../common/formats/logRecord";
import { newRecord, TIME_UNIT_SECONDS } from "../../common/formats/logRecord";
import { parseAdvert } from "../../common/gaen/advert";
import type { Board } from "../../boards/index";

// ------------------------------------------------------------------ console output

export type HarnessEvent =
  | { kind: "stub"; before: number; after: number }
  | { kind: "loaded"; vars: number }
  | { kind: "ack"; n: number }
  | { kind: "mem"; tag: string; usage: number; total: number }
  | { kind: "peak"; phase: string; points: Record<string, number> }
  | { kind: "json"; value: unknown }
  | { kind: "at"; t: number }
  | { kind: "clock"; t: number }
  | { kind: "console"; text: string }
  | { kind: "buzz"; t: number; ms: number }
  | { kind: "nrf"; call: string; t: number; args: string[] }
  | { kind: "rx"; t: number; enin: number; who: string; rssi: number }
  /** A flash page erased, or (`write`) written at its start: a log page opened. */
  | { kind: "erase"; t: number; address: number; write: boolean }
  | { kind: "nowrite"; uuid: string }
  | { kind: "wrote"; name: string; bytes: number; crc: number }
  | { kind: "error"; text: string };

/** Espruino's console escape sequences (cursor moves around the input line) and the prompt. */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * One line of the interpreter's console output (without its "\n") as an event; null for lines
 * that are neither harness output nor an error (banner, prompt, echo).
 */
export function parseLine(raw: string): HarnessEvent | null {
  const line = raw.replace(ANSI, "").replace(/\r/g, "").replace(/^[>\s]+/, "");
  // only at the start: Espruino's error reports quote source lines, which may contain "@@ "
  const at = line.startsWith("@@ ") ? 0 : -1;
  if (at < 0) {
    const e = line.trim();
    if (/^Uncaught /.test(e) || /Out of Memory|New interpreter error|MEMORY|Execution Interrupted|Prefix of .* not allowed/.test(e)) {
      return { kind: "error", text: e };
    }
    if (/^(pm_id_addr_set|sd_ble_gap_addr_set) failed/.test(e)) return { kind: "error", text: e };
    return null;
  }
  const body = line.slice(at + 3);
  const sp = body.indexOf(" ");
  const tag = sp < 0 ? body : body.slice(0, sp);
  const rest = sp < 0 ? "" : body.slice(sp + 1);
  const f = rest.split(" ");
  const num = (s: string | undefined): number => {
    const n = Number(s);
    if (s === undefined || s === "" || !Number.isFinite(n)) throw new TypeError("harness line " + JSON.stringify(body) + ": not a number: " + JSON.stringify(s));
    return n;
  };
  switch (tag) {
    case "STUB": return { kind: "stub", before: num(f[0]), after: num(f[1]) };
    case "LOADED": return { kind: "loaded", vars: num(f[0]) };
    case "ACK": return { kind: "ack", n: num(f[0]) };
    case "MEM": return { kind: "mem", tag: f[0], usage: num(f[1]), total: num(f[2]) };
    case "PEAK": {
      const points: Record<string, number> = {};
      for (const kv of f.slice(1)) {
        const [k, v] = kv.split("=");
        points[k] = num(v);
      }
      return { kind: "peak", phase: f[0], points };
    }
    case "J": return { kind: "json", value: JSON.parse(rest) };
    case "AT": return { kind: "at", t: num(f[0]) };
    case "CLOCK": return { kind: "clock", t: num(f[0]) };
    case "CONSOLE": return { kind: "console", text: rest };
    case "BUZZ": return { kind: "buzz", t: num(f[0]), ms: num(f[1]) };
    case "NRF": return { kind: "nrf", call: f[0], t: num(f[1]), args: f.slice(2) };
    case "RX": return { kind: "rx", t: num(f[0]), enin: num(f[1]), who: f[2], rssi: num(f[3]) };
    case "FE": return { kind: "erase", t: num(f[0]), address: num(f[1]), write: f[2] === "w" };
    case "NOWRITE": return { kind: "nowrite", uuid: f[0] };
    case "NOBUTTON": return { kind: "error", text: "the firmware set no watch on the board's button" };
    case "WROTE": return { kind: "wrote", name: f[0], bytes: num(f[1]), crc: num(f[2]) };
    default: throw new TypeError("unknown harness line " + JSON.stringify(body));
  }
}

// ------------------------------------------------------------------ boards and binaries

export interface BinaryChoice {
  /** File name in OMAMORI_ESPRUINO_DIR. */
  binary: string;
  /** Variables the board has (what RAM percentages are of), and the binary (0: its store grows). */
  boardVars: number;
  binaryVars: number;
  /** True when the binary's variable store is that size (fixed), false when it grows. */
  sameVars: boolean;
  /** Why this binary, and what differs from the board. */
  why: string;
  /**
   * The binary's Storage, where the built file needs it and it differs from the board's (a board whose
   * Storage is not memory-mapped finds its files by walking Storage at the board's address): the file
   * is then built again with these two facts changed.
   */
  storage?: { address: number; bytes: number };
  differences: string[];
}

/** What each binary is (scripts: the real-espruino build recipe). */
export const BINARIES: Record<string, string> = {
  "espruino-2630": "Puck.js v2 shape: 2,630 variables of 13 bytes, internal flash memory-mapped, Storage 10 x 4 KB, crypto SHA256+AES",
  "espruino-2630min": "Puck.js minimal firmware: 2,630 variables, Storage 24 x 4 KB memory-mapped, no crypto module",
  "espruino-puckflash": "Puck.js flash layout (Storage 10 x 4 KB memory-mapped), variable store that grows, crypto SHA256+AES",
  "espruino-12000": "Bangle.js 2 shape: 12,000 variables of 14 bytes, Storage 256 KB at 0x10000000 NOT memory-mapped (external flash), AES-CCM",
};

/** The binary closest to a board, and how it differs (board facts from boards/<id>.json). */
export function boardBinary(b: Board): BinaryChoice {
  const vars = b.ram.jsVariables;
  const kb = (n: number) => Math.round(n / 1024) + " KB";
  switch (b.id) {
    case "puckjs":
      return { binary: "espruino-2630", boardVars: vars, binaryVars: 2630, sameVars: true, why: "the same board shape", differences: [] };
    case "puckjsmin":
      return { binary: "espruino-2630min", boardVars: vars, binaryVars: 2630, sameVars: true, why: "the same board shape", differences: [] };
    case "mdbt42q":
    case "pixljs": {
      const d = ["2,630 variables instead of " + vars.toLocaleString("en") + " (stricter)"];
      if (b.flash.storageBytes !== 40960) d.push("Storage 40 KB instead of " + kb(b.flash.storageBytes) + " (more room for the log)");
      d.push("the binary has AES in its crypto module, the board's firmware does not (the built file never calls it)");
      return { binary: "espruino-2630", boardVars: vars, binaryVars: 2630, sameVars: false, why: "nRF52832 with internal, memory-mapped Storage of 4 KB pages, like a Puck.js", differences: d };
    }
    case "banglejs2":
      return {
        binary: "espruino-12000", boardVars: vars, binaryVars: 12000, sameVars: true,
        why: "12,000 variables of 14 bytes and Storage on flash that is not memory-mapped, as on the watch",
        storage: { address: 0x10000000, bytes: 262144 },
        differences: [
          "Storage 256 KB at 0x10000000 instead of 8 MB at 0x60000000: the file is built again with that address and size",
          "no display, accelerometer or touch",
        ],
      };
    case "joltjs":
    case "nrf52840dk":
      return {
        binary: "espruino-puckflash", boardVars: vars, binaryVars: 0, sameVars: false,
        why: "its Storage is the nRF52840's internal flash, memory-mapped, in 4 KB pages (espruino-12000 has neither, " +
          "and its global AES.ccmEncrypt would make the file take a path the board lacks)",
        differences: [
          "variable store grows instead of " + vars.toLocaleString("en") + " fixed: RAM figures are counts of larger variables, compared with the board's total",
          b.flash.storageBytes !== 40960 ? "Storage 40 KB instead of " + kb(b.flash.storageBytes) : "Storage 40 KB, as on the board",
        ],
      };
    default:
      throw new RangeError("no Espruino binary chosen for board " + JSON.stringify(b.id));
  }
}

// ------------------------------------------------------------------ the feed

/** A neighbour heard in one 10-minute interval: its identifier, adverts per scan window, RSSI. */
export interface FeedEntry {
  enin: number;
  adverts: number;
  rssi: number;
  rpi: Uint8Array;
  aem: Uint8Array;
}

/** Many neighbours at once, with synthetic identifiers (crowdIdentifier), to fill log pages. */
export interface Crowd {
  seed: number;
  fromEnin: number;
  /** First interval after the crowd. */
  toEnin: number;
  size: number;
  adverts: number;
  rssi: number;
}

const ENTRY_BYTES = 26;
const HEADER_BYTES = 15;

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
  b[o + 2] = (v >>> 16) & 255;
  b[o + 3] = (v >>> 24) & 255;
}

/** The feed file stubs.js reads (layout in its comment on `tick`). */
export function encodeFeed(crowd: Crowd, entries: FeedEntry[]): Uint8Array {
  if (!(crowd.seed >= 1 && crowd.seed < 0x80000000 && Number.isInteger(crowd.seed))) throw new TypeError("crowd seed must be 1..2^31-1");
  if (crowd.size > 255 || crowd.adverts > 255) throw new TypeError("crowd size and adverts are bytes");
  const out = new Uint8Array(HEADER_BYTES + ENTRY_BYTES * entries.length);
  putU32(out, 0, crowd.seed);
  putU32(out, 4, crowd.fromEnin);
  putU32(out, 8, crowd.toEnin);
  out[12] = crowd.size;
  out[13] = crowd.adverts;
  out[14] = crowd.rssi & 255;
  entries.forEach((e, i) => {
    const o = HEADER_BYTES + ENTRY_BYTES * i;
    if (e.rpi.length !== 16 || e.aem.length !== 4) throw new TypeError("feed entry " + i + ": rpi 16 and aem 4 bytes");
    putU32(out, o, e.enin);
    out[o + 4] = e.adverts;
    out[o + 5] = e.rssi & 255;
    out.set(e.rpi, o + 6);
    out.set(e.aem, o + 22);
  });
  return out;
}

/** RSSI of the k-th advert of a scan: stubs.js varies it so that max and mean differ. */
export function feedRssi(who: string, base: number, k: number): number {
  if (who[0] === "c") return base - ((Number(who.slice(1)) + 3 * k) % 7);
  return base - ((5 * k) % 7);
}

/** RPI (16) and AEM (4) of crowd member j in interval `enin`: xorshift32 as stubs.js `crowd`. */
export function crowdIdentifier(seed: number, j: number, enin: number): { rpi: Uint8Array; aem: Uint8Array } {
  let x = (seed ^ Math.imul(enin & 0xffff, 977) ^ Math.imul(j + 1, 65599)) | 0;
  if (!x) x = 1;
  const d = new Uint8Array(20);
  for (let k = 0; k < 20; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    d[k] = x & 255;
  }
  return { rpi: d.slice(0, 16), aem: d.slice(16) };
}

/** The identifier (rpi + aem hex) the stub sent for `who` in `enin`. */
export function fedIdentifier(who: string, enin: number, crowd: Crowd, entries: FeedEntry[]): { rpi: string; aem: string } {
  if (who[0] === "c") {
    const c = crowdIdentifier(crowd.seed, Number(who.slice(1)), enin);
    return { rpi: toHex(c.rpi), aem: toHex(c.aem) };
  }
  const e = entries[Number(who.slice(1))];
  if (!e) throw new TypeError("no feed entry " + who);
  return { rpi: toHex(e.rpi), aem: toHex(e.aem) };
}

// ------------------------------------------------------------------ expected log

/**
 * An RSSI as the log stores it: the format's own encoder (common/formats/logRecord.ts newRecord, which
 * rounds half up: -67.5 -> -67; Espruino's Math.round would give -68) and back to a signed number.
 */
export function loggedRssi(v: number): number {
  const b = newRecord(new Uint8Array(10), 1, v, v)[15];
  return b > 127 ? b - 256 : b;
}

/**
 * What the token must have logged: one encounter per identifier, one scan per window in which it
 * was delivered (time = the window's start, floored to the record's 5-second unit), with the
 * number of adverts, the strongest and the mean RSSI as the log format rounds them. `scanStarts` are the times of NRF.setScan
 * calls that started a window (ascending); each delivered advert belongs to the last one before it.
 */
export function expectedEncounters(rx: { t: number; enin: number; who: string; rssi: number }[], scanStarts: number[],
  crowd: Crowd, entries: FeedEntry[]): LogEncounter[] {
  const byId = new Map<string, { rpi: string; aem: string; scans: Map<number, number[]> }>();
  for (const r of rx) {
    let w = -1;
    for (const s of scanStarts) if (s <= r.t) w = s;
    if (w < 0) throw new TypeError("advert delivered at " + r.t + " before any scan started");
    const id = fedIdentifier(r.who, r.enin, crowd, entries);
    const key = id.rpi.slice(0, 12) + id.aem;
    let e = byId.get(key);
    if (!e) {
      e = { rpi: id.rpi.slice(0, 12), aem: id.aem, scans: new Map() };
      byId.set(key, e);
    }
    const list = e.scans.get(w) ?? [];
    list.push(r.rssi);
    e.scans.set(w, list);
  }
  const out: LogEncounter[] = [];
  for (const e of byId.values()) {
    const scans = [...e.scans.entries()].sort((a, b) => a[0] - b[0]).map(([t, rs]) => ({
      t: Math.floor(Math.floor(t) / TIME_UNIT_SECONDS) * TIME_UNIT_SECONDS,
      count: rs.length,
      rssiMax: loggedRssi(Math.max(...rs)),
      rssiMean: loggedRssi(rs.reduce((a, b) => a + b, 0) / rs.length),
    }));
    out.push({ rpi: e.rpi, aem: e.aem, scans });
  }
  return out;
}

/**
 * Differences between the log the token returned and what was fed (empty when equal). Scan times
 * may differ by one 5-second unit: the stub reads the clock a few microseconds after the firmware.
 */
export function compareEncounters(actual: LogEncounter[], expected: LogEncounter[]): string[] {
  const problems: string[] = [];
  const key = (e: LogEncounter) => e.rpi + "/" + e.aem;
  const want = new Map(expected.map((e) => [key(e), e]));
  const seen = new Set<string>();
  for (const a of actual) {
    const k = key(a);
    const w = want.get(k);
    if (!w) {
      problems.push("logged an identifier that was never fed: " + k);
      continue;
    }
    if (seen.has(k)) {
      problems.push("identifier logged twice: " + k);
      continue;
    }
    seen.add(k);
    const show = (s: { t: number; count: number; rssiMax: number; rssiMean: number }[]) =>
      s.map((x) => x.t + ":" + x.count + "/" + x.rssiMax + "/" + x.rssiMean).join(" ");
    const same = a.scans.length === w.scans.length && a.scans.every((s, i) => {
      const x = w.scans[i];
      return Math.abs(s.t - x.t) <= TIME_UNIT_SECONDS && s.count === x.count && s.rssiMax === x.rssiMax && s.rssiMean === x.rssiMean;
    });
    if (!same) problems.push(k + ": logged scans " + show(a.scans) + ", fed " + show(w.scans));
  }
  for (const k of want.keys()) if (!seen.has(k)) problems.push("fed but not logged: " + k);
  return problems;
}

// ------------------------------------------------------------------ the radio, as Espruino's C code behaves

export interface OnAir {
  t: number;
  address: string;
  payload: string;
  /** What put it on the air. */
  cause: string;
}

export interface AirModel {
  sent: OnAir[];
  /** setAddress calls whose address the SoftDevice refuses (printed on the console, not thrown). */
  refused: { t: number; address: string }[];
}

/** Top two bits of an address string "aa:..." */
function topBits(a: string): number {
  return parseInt(a.slice(0, 2), 16) >> 6;
}

/**
 * What goes on the air, from the NRF calls the stub recorded, following Espruino 2v29's nRF52 code
 * (libs/bluetooth/jswrap_bluetooth.c, targets/nrf5x/bluetooth.c):
 *   - setAdvertising stores the payload; it goes out at once when the radio is awake and no central
 *     is connected (a connection stops advertising);
 *   - setAddress stores the address and restarts the SoftDevice (queued while connected), which
 *     re-applies the address and restarts advertising with the STORED payload; the stack takes only
 *     public and random static addresses (pm_id_addr_set / sd_ble_gap_addr_set refuse the others and
 *     Espruino only prints the error), so a refused address leaves the previous one in use;
 *   - sleep stops advertising, wake restarts it with the stored payload.
 * The starting address is the chip's own (`factory`).
 */
export function airTimeline(events: { call: string; t: number; args: string[] }[], factory = "c8:00:00:00:00:01"): AirModel {
  let address = factory;
  let pending: string | null = null;
  let payload: string | null = null;
  let awake = true;
  let connected = false;
  const sent: OnAir[] = [];
  const refused: { t: number; address: string }[] = [];
  const emit = (t: number, cause: string) => {
    if (awake && payload && !connected) sent.push({ t, address, payload, cause });
  };
  const restart = (t: number) => {
    if (pending !== null) {
      const [a, type] = pending.split("/");
      const ok = type === undefined || type === "public" || (type === "random" && topBits(a) === 3);
      if (ok) address = a.toLowerCase();
      else refused.push({ t, address: pending.replace("/", " ") });
      pending = null;
    }
    emit(t, "restart");
  };
  for (const e of events) {
    switch (e.call) {
      case "setAdvertising":
        if (e.args[0] === "object") break;
        payload = e.args[0];
        emit(e.t, "setAdvertising");
        break;
      case "setAddress":
        pending = e.args[0];
        if (!connected) restart(e.t);
        break;
      case "sleep":
        awake = false;
        break;
      case "wake":
        if (!awake) {
          awake = true;
          emit(e.t, "wake");
        }
        break;
      case "connected":
        connected = true;
        break;
      case "disconnect":
      case "disconnected":
        if (connected) {
          connected = false;
          if (pending !== null) restart(e.t);
          else emit(e.t, "disconnect");
        }
        break;
    }
  }
  return { sent, refused };
}

/** The GAEN identifier (RPI hex) in a payload, or null for other adverts. */
export function gaenRpi(payloadHex: string): string | null {
  const p = parseAdvert(fromHex(payloadHex));
  return p ? toHex(p.rpi) : null;
}

/**
 * Linkability on the air: a GAEN identifier sent under more than one address, or an address that
 * carried more than one identifier (GAEN changes both together so a listener cannot join them), or
 * a sync advert under an address a GAEN identifier used.
 */
export function addressReuse(sent: OnAir[]): string[] {
  const addrsOf = new Map<string, Set<string>>();
  const idsOf = new Map<string, Set<string>>();
  for (const s of sent) {
    const id = gaenRpi(s.payload) ?? "other:" + s.payload;
    if (!addrsOf.has(id)) addrsOf.set(id, new Set());
    addrsOf.get(id)!.add(s.address);
    if (!idsOf.has(s.address)) idsOf.set(s.address, new Set());
    idsOf.get(s.address)!.add(id);
  }
  const problems: string[] = [];
  for (const [id, addrs] of addrsOf) {
    if (!id.startsWith("other:") && addrs.size > 1) problems.push("identifier " + id.slice(0, 12) + "… sent under " + addrs.size + " addresses: " + [...addrs].join(", "));
  }
  for (const [a, ids] of idsOf) {
    const gaen = [...ids].filter((i) => !i.startsWith("other:"));
    if (gaen.length > 1 || (gaen.length && ids.size > gaen.length)) {
      problems.push("address " + a + " carried " + gaen.length + " GAEN identifier(s)" + (ids.size > gaen.length ? " and a sync/other advert" : ""));
    }
  }
  return problems;
}

// ------------------------------------------------------------------ RAM

export interface RamFigures {
  board: string;
  binary: string;
  /** Variables the binary has (0 = grows) and the board has. */
  binaryTotal: number;
  boardVars: number;
  /** The harness's own variables (stubs), subtracted from every figure below. */
  stub: number;
  idleBoot: number | null;
  idleRunning: number | null;
  peaks: { boot: number | null; logWrite: number | null; pageSwitch: number | null; sync: number | null; midnight: number | null };
  storage: { total: number; free: number; bootcde: number; logBytes: number; logPages: number } | null;
}

function cell(v: number | null, of: number): string {
  if (v === null) return "-";
  return v + " (" + Math.round((100 * v) / of) + "%)";
}

/** The per-board RAM table: variables used / board total and %, the harness's own share removed. */
export function ramTable(rows: RamFigures[]): string {
  const head = ["board", "binary", "vars", "idle, clock unset", "idle, running", "boot peak", "log write", "page switch", "sync", "midnight", "stubs", "Storage (file / log / free)"];
  const body = rows.map((r) => [
    r.board, r.binary, r.boardVars + (r.binaryTotal && r.binaryTotal !== r.boardVars ? " (bin " + r.binaryTotal + ")" : r.binaryTotal ? "" : " (bin grows)"),
    cell(r.idleBoot, r.boardVars), cell(r.idleRunning, r.boardVars), cell(r.peaks.boot, r.boardVars), cell(r.peaks.logWrite, r.boardVars),
    cell(r.peaks.pageSwitch, r.boardVars), cell(r.peaks.sync, r.boardVars), cell(r.peaks.midnight, r.boardVars), String(r.stub),
    r.storage ? (r.storage.bootcde / 1024).toFixed(1) + " KB / " + r.storage.logPages + " pages / " + (r.storage.free / 1024).toFixed(1) + " KB" : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  return [fmt(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(fmt)].join("\n");
}
