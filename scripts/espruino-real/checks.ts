/**
 * The checks on one board file (dist/firmware/<board>.js) on one real Espruino binary; run.ts runs
 * them for every board and prints the report. What each check does is in docs/FIRMWARE-BUILD.md
 * "Real-interpreter checks".
 *
 *   1 boot       .boot0 (stubs) and .bootcde (the board file) written into Storage over the console
 *                as the Web IDE does; Espruino started without a file so it boots from Storage
 *   3 adverts    Omamori.setClock, then the GAEN advert checked against host-tools/gaen/crypto.ts
 *   4 logging    a simulated day (clock shim) with fed neighbours, a crowd that fills a log page,
 *                and a UTC midnight
 *   5 sync       pairing and a session over the stubbed GATT service, driven by host-tools'
 *                HostSession; the log read equals what was fed
 *   7 reboot     Espruino restarted on the same Storage: the log is still there
 *   RAM          process.memory() at idle and sampled inside every Flash/crypto/radio call
 */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { transformSync } from "esbuild";
import type { Board } from "../../boards/index";
import { bytesEqual, fromHex, toHex } from "../../common/bytes";
import { decodeLogStream, type LogEncounter } from "../../common/formats/logRecord";
import { beaconTag, syncServiceData, Adv, Uuid } from "../../common/formats/syncMessages";
import { buildAdvert } from "../../common/gaen/advert";
import { eninFromUnixSeconds, rollingStartFor } from "../../common/gaen/interval";
import { encodeMetadata } from "../../common/gaen/metadata";
import { referenceCrypto } from "../../host-tools/gaen/crypto";
import { hostPrimitives } from "../../host-tools/sync/primitives";
import { HostSession, pairToken } from "../../host-tools/sync/session";
import { defaultChunkBytes } from "../../host-tools/sync/syncToken";
import type { SyncLink } from "../../host-tools/sync/transport";
import { boardFacts, bundleBoard } from "../build-firmware";
import { Device } from "./device";
import {
  addressReuse, airTimeline, boardBinary, compareEncounters, encodeFeed, expectedEncounters, gaenRpi,
  type Crowd, type FeedEntry, type HarnessEvent, type RamFigures,
} from "./protocol";

export interface CheckResult {
  name: string;
  /** "unchecked": the check could not be made (what it needs did not happen); counts as not passed. */
  status: "pass" | "fail" | "unchecked";
  detail: string;
}

export interface BoardReport {
  board: string;
  binary: string;
  /** The interpreter crashed (an assertion in Espruino's own code): the run says nothing about the firmware. */
  crash: string | null;
  checks: CheckResult[];
  ram: RamFigures;
  notes: string[];
}

export interface BoardRunOptions {
  board: Board;
  dir: string;
  binDir: string;
  shim: string;
  workDir: string;
  verbose: boolean;
  /** Hours of simulated logging after the clock is set (default 24). */
  hours: number;
}

const STUBS = join(import.meta.dirname, "stubs.js");
const CONSOLE = join(import.meta.dirname, "console.js");
const CONSOLE_FILE = "omh.t";
const FEED_FILE = "omh.f";
/** 2026-03-10 20:00 UTC: the clock the harness gives the token. */
export const START = Date.UTC(2026, 2, 10, 20, 0, 0) / 1000;
const DAY = 86400;

/** The stub file for a board: its prelude (pins, battery, vibration) + stubs.js, minified as the firmware is. */
export function stubSource(b: Board): string {
  const pins = b.io.leds.map((l) => l.pin).concat([b.io.button]).filter((p, i, a) => a.indexOf(p) === i);
  for (const p of pins) if (!/^[A-Z][A-Z0-9]*$/.test(p)) throw new TypeError("board " + b.id + ": pin name " + JSON.stringify(p));
  const facts = "{button:D" + (pins.indexOf(b.io.button) + 1) + ",battery:" + (b.battery.espruinoGetBattery ? 1 : 0) + ",vibration:" + (b.io.vibration ? 1 : 0) + "}";
  const src = readFileSync(STUBS, "utf8");
  if (!src.includes("(HB_)")) throw new Error("stubs.js lost its HB_ placeholder");
  const body = transformSync(src.replace("(HB_)", "(" + facts + ")"), { loader: "js", target: "es5", minify: true, charset: "ascii", legalComments: "none" }).code;
  // the RAM before anything of the harness, then the board's pin names as real Linux pins (D1, D2, ...)
  return "var OmHm0=process.memory().usage;" + pins.map((p, i) => "if(typeof " + p + "===\"undefined\")global." + p + "=D" + (i + 1) + ";").join("") + body + "print(\"@@ STUB \"+OmHm0+\" \"+process.memory().usage);";
}

/**
 * Crowd size for a board: no more than the encounter table holds whole (at an interval's change the
 * crowd's old and new identifiers are open at once, and a full table keeps only the strongest:
 * firmware/app/encounters.ts), and no more than the log keeps without dropping its oldest page
 * (a 4 KB page holds about 200 two-scan records; the crowd stays 36 intervals), 24 at most.
 */
export function crowdFor(maxActive: number, logPages: number): number {
  return Math.max(1, Math.min(24, Math.floor(maxActive / 2) - 1, Math.floor(((logPages - 1) * 200 - 12) / 36)));
}

/** Fixed test keys for the named neighbours (not secret, just reproducible). */
function tek(name: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update("omamori real-interpreter neighbour " + name).digest()).subarray(0, 16);
}

/**
 * The neighbours of the simulated day: A in the evening, B across midnight (its own daily key changes
 * there too), C in the morning, each with real GAEN identifiers from its own keys; and a crowd of
 * `crowdSize` for six hours in the afternoon (synthetic identifiers) to fill at least one log page.
 */
export function dayFeed(crowdSize: number): { crowd: Crowd; entries: FeedEntry[] } {
  const meta = encodeMetadata(-8, -1);
  const entries: FeedEntry[] = [];
  const add = (name: string, fromS: number, toS: number, adverts: number, rssi: number) => {
    for (let e = eninFromUnixSeconds(fromS); e < eninFromUnixSeconds(toS); e++) {
      const key = tek(name + " day " + rollingStartFor(e));
      const rpi = referenceCrypto.rpi(referenceCrypto.rpik(key), e);
      entries.push({ enin: e, adverts, rssi, rpi, aem: referenceCrypto.aem(referenceCrypto.aemk(key), rpi, meta) });
    }
  };
  const h = (hours: number) => START + hours * 3600;
  add("A", h(0.5), h(1.2), 4, -58); // 20:30 - 21:12
  add("B", h(3.67), h(4.34), 3, -71); // 23:40 - 00:20
  add("C", h(11.5), h(11.84), 5, -49); // 07:30 - 07:50
  const crowd: Crowd = { seed: 0x2468ace, fromEnin: eninFromUnixSeconds(h(14)), toEnin: eninFromUnixSeconds(h(20)), size: crowdSize, adverts: 3, rssi: -66 };
  return { crowd, entries };
}

/** console.js minified as the firmware is (it is eval'd from Storage after each boot). */
export function consoleSource(): string {
  return transformSync(readFileSync(CONSOLE, "utf8"), { loader: "js", target: "es5", minify: true, charset: "ascii", legalComments: "none" }).code;
}

/** Loads console.js (omh.t) on a booted token; returns the variables it costs. */
async function loadConsole(dev: Device): Promise<number> {
  const from = dev.events.length;
  dev.send("(function(){var u=process.memory().usage;eval(require(\"Storage\").read(\"" + CONSOLE_FILE + "\"));print(\"@@ LOADED \"+(process.memory().usage-u))})()");
  return dev.waitFor("console helpers loaded", (e) => (e.kind === "loaded" ? e.vars : null), 20000, from);
}

type StorageFile = { name: string; data: string | Uint8Array };

/**
 * Write files into Storage the way the Web IDE uploads (Storage.write in 1 KB chunks typed into the
 * console) and check each file's length and CRC32 read back.
 */
async function sendFiles(dev: Device, files: StorageFile[]): Promise<void> {
  for (const f of files) {
    // base64 in 1 KB chunks, each acknowledged before the next, as the Web IDE paces an upload: the
    // Linux build's console input races its interpreter (src/jsdevices.c), so the less typed the better
    const bytes = typeof f.data === "string" ? Buffer.from(f.data, "latin1") : Buffer.from(f.data);
    for (let off = 0; off < bytes.length; off += 1024) {
      const from = dev.events.length;
      dev.send("require(\"Storage\").write(" + JSON.stringify(f.name) + ",atob(\"" + bytes.subarray(off, off + 1024).toString("base64") + "\")," + off + "," + bytes.length +
        ");print(\"@@ ACK " + off + "\")");
      await dev.waitFor("Storage write of " + f.name + " at " + off, (e) => e.kind === "ack" && e.n === off, 30000, from);
    }
    const from = dev.events.length;
    dev.send("(function(f){print(\"@@ WROTE " + f.name + " \"+(f?f.length:-1)+\" \"+(f?E.CRC32(f):0))})(require(\"Storage\").read(" + JSON.stringify(f.name) + "))");
    const w = await dev.waitFor("Storage write of " + f.name, (e) => (e.kind === "wrote" && e.name === f.name ? e : null), 120000, from);
    const want = { bytes: bytes.length, crc: crc32(bytes) };
    if (w.bytes !== want.bytes || w.crc >>> 0 !== want.crc) {
      throw new Error("Storage holds " + f.name + " as " + w.bytes + " bytes crc " + (w.crc >>> 0) + ", written " + want.bytes + " bytes crc " + want.crc);
    }
  }
}

/** A fresh Storage with `files`, written on the board's own binary before anything runs. */
export async function writeStorage(o: BoardRunOptions, binary: string, files: StorageFile[]): Promise<void> {
  const dev = new Device({ binary, cwd: o.dir, echo: o.verbose ? (l) => process.stderr.write("  [write] " + l + "\n") : undefined });
  try {
    await sendFiles(dev, files);
    if (dev.errors.length) throw new Error(dev.errors.join("; "));
  } catch (e) {
    const assert = dev.lines.filter((l) => /ASSERT|FAILED AT|EXITING/.test(l)).slice(0, 3);
    throw new Error((e as Error).message + (assert.length ? " (interpreter: " + assert.join(" / ").trim() + ")" : "") +
      "\n    last console lines:\n      " + dev.tail(6).split("\n").join("\n      "));
  } finally {
    await dev.stop();
  }
}

/** The console link the laptop's HostSession talks through: GATT writes and notifications via the stubs. */
class ConsoleLink implements SyncLink {
  private notify: ((v: Uint8Array) => void)[] = [];
  private gone: ((r: string) => void)[] = [];
  private open = true;
  private from: number;
  constructor(private readonly dev: Device, readonly mtu: number) {
    this.from = dev.events.length;
    dev.listen((e, i) => {
      if (!this.open || i < this.from || e.kind !== "nrf") return;
      if (e.call === "notify" && e.args[0] === Uuid.TX) {
        const v = fromHex(e.args[1]);
        for (const l of this.notify) l(v);
      } else if (e.call === "disconnect" || e.call === "sleep") {
        this.open = false;
        for (const l of this.gone) l("the token hung up");
      }
    });
  }
  async write(value: Uint8Array): Promise<void> {
    if (!this.open) throw new Error("disconnected");
    this.dev.send("OmH.w(" + JSON.stringify(Uuid.RX) + ",\"" + toHex(value) + "\")");
  }
  onNotify(l: (v: Uint8Array) => void): void {
    this.notify.push(l);
  }
  onDisconnect(l: (r: string) => void): void {
    this.gone.push(l);
  }
  async disconnect(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.dev.send("OmH.d()");
  }
}

async function connect(dev: Device, mtu: number): Promise<ConsoleLink> {
  const from = dev.events.length;
  const link = new ConsoleLink(dev, mtu);
  dev.send("OmH.c()");
  await dev.waitFor("connection", (e) => e.kind === "nrf" && e.call === "connected", 10000, from);
  return link;
}

function maxOf(...v: (number | undefined)[]): number | null {
  const n = v.filter((x): x is number => typeof x === "number" && x > 0);
  return n.length ? Math.max(...n) : null;
}

export async function runBoard(o: BoardRunOptions): Promise<BoardReport> {
  const b = o.board;
  const choice = boardBinary(b);
  const binary = join(o.binDir, choice.binary);
  const checks: CheckResult[] = [];
  const notes: string[] = [];
  const ram: RamFigures = {
    board: b.id, binary: choice.binary, binaryTotal: choice.binaryVars, boardVars: choice.boardVars, stub: 0, idleBoot: null, idleRunning: null,
    peaks: { boot: null, logWrite: null, pageSwitch: null, sync: null, midnight: null }, storage: null,
  };
  const report: BoardReport = { board: b.id, binary: choice.binary, crash: null, checks, ram, notes };
  const pass = (name: string, detail: string) => checks.push({ name, status: "pass", detail });
  const fail = (name: string, detail: string) => checks.push({ name, status: "fail", detail });
  const unchecked = (name: string, detail: string) => checks.push({ name, status: "unchecked", detail });
  /** Why the token is not advertising/logging, from Omamori.state(). */
  const why = (s: any) => s ? "running " + s.running + ", clockValid " + s.clockValid + ", paused " + s.paused + ", log pages " + s.log.pages +
    ", errors " + s.errors + (s.errorLog && s.errorLog.length ? " (" + s.errorLog.join("; ") + ")" : "") : "Omamori undefined";

  mkdirSync(o.dir, { recursive: true });
  let code = readFileSync(join(o.workDir, "dist", "firmware", b.id + ".js"), "latin1");
  if (choice.storage) {
    // the same build with the binary's Storage address and size (the file walks Storage there)
    const version = JSON.parse(readFileSync(join(o.workDir, "package.json"), "utf8")).version as string;
    const variant = await bundleBoard({ ...b, flash: { ...b.flash, storageAddress: choice.storage.address, storageBytes: choice.storage.bytes } }, version);
    notes.push("runs dist/firmware/" + b.id + ".js built again for the binary's Storage (" + choice.storage.bytes / 1024 + " KB at 0x" +
      choice.storage.address.toString(16) + "): " + variant.bytes + " bytes, dist file " + code.length);
    code = variant.file;
  }
  const stubs = stubSource(b);
  // the feed is written after the first boot, when the log's size is known (dayFeed: crowdFor)
  let feed = dayFeed(1);
  let feedBytes = encodeFeed(feed.crowd, feed.entries);
  const consoleJs = consoleSource();
  try {
    await writeStorage(o, binary, [
      { name: ".boot0", data: stubs },
      { name: ".bootcde", data: code },
    ]);
  } catch (e) {
    fail("1 boot from Storage", "could not write the files into Storage: " + (e as Error).message);
    const m = /(ASSERT\(.*?\) FAILED AT \S+)/.exec((e as Error).message);
    if (m) report.crash = m[1];
    return report;
  }

  let dev = new Device({ binary, cwd: o.dir, shim: o.shim, echo: o.verbose ? (l) => process.stderr.write("  [" + b.id + "] " + l + "\n") : undefined });
  const phases: Record<string, Record<string, number>> = {};
  const phase = async (next: string) => {
    const p = await dev.phase(next);
    phases[p.phase] = { ...(phases[p.phase] ?? {}) };
    for (const [k, v] of Object.entries(p.points)) phases[p.phase][k] = Math.max(phases[p.phase][k] ?? 0, v);
  };
  const errorsSince = (n: number) => dev.errors.slice(n);
  let state: any = null;
  try {
    // ---------------------------------------------------------------- 1. boot from Storage
    let stub = await dev.waitFor("stub start-up line", (e) => (e.kind === "stub" ? e : null), 20000);
    const pages = ((await dev.json("typeof Omamori==\"undefined\"?0:Omamori.state().log.pages")) as number) || 0;
    // the harness's files go before the log area, as .boot0 does: the token's log takes the Storage its
    // firmware leaves (on the 40 KB boards nothing is free after it), so the log this first boot made is
    // erased, the files written, and the token started again: it makes its log after them (a page less
    // at most: the crowd is sized for that)
    feed = dayFeed(crowdFor(boardFacts(b).ram.maxActive, pages - 1));
    feedBytes = encodeFeed(feed.crowd, feed.entries);
    dev.send("require(\"Storage\").erase(\"om.log\")");
    await sendFiles(dev, [{ name: CONSOLE_FILE, data: consoleJs }, { name: FEED_FILE, data: feedBytes }]);
    await dev.stop();
    dev = new Device({ binary, cwd: o.dir, shim: o.shim, echo: o.verbose ? (l) => process.stderr.write("  [" + b.id + "] " + l + "\n") : undefined });
    stub = await dev.waitFor("stub start-up line", (e) => (e.kind === "stub" ? e : null), 20000);
    notes.push("Storage: .bootcde " + code.length + " bytes; before the log area the harness's .boot0 (" + stubs.length + "), omh.t (" +
      consoleJs.length + ") and omh.f (" + feedBytes.length + "): bytes a token would have for its log");
    ram.stub = stub.after - stub.before + (await loadConsole(dev));
    await phase("idle");
    const idle0 = await dev.memory("idle-boot");
    if (choice.binaryVars && idle0.total !== choice.binaryVars) notes.push(choice.binary + " has " + idle0.total + " variables, not " + choice.binaryVars);
    ram.idleBoot = idle0.usage - ram.stub;
    state = await dev.json("typeof Omamori==\"undefined\"?null:{v:Omamori.version,b:Omamori.board,m:Omamori.maintenance,s:Omamori.state()}");
    const consoleCall = dev.events.find((e) => e.kind === "console");
    if (!state) fail("1 boot from Storage", "Omamori is not defined after boot" + (dev.errors.length ? ": " + dev.errors.join("; ") : ""));
    else if (dev.errors.length || state.s.errors) {
      fail("1 boot from Storage", [...dev.errors, ...(state.s.errorLog ?? []).map((l: string) => "error log: " + l)].join("; ") || state.s.errors + " error(s)");
    } else {
      pass("1 boot from Storage", "Omamori " + state.v + " (" + state.b + "), 0 errors, " + (state.s.clockValid ? "clock valid at boot (unlike a token)" : "clock not set (a token after power-on)") + ", " + state.s.log.pages + " log pages" +
        (consoleCall && consoleCall.kind === "console" ? ", console closed (E.setConsole " + consoleCall.text + ")" : ", console left open"));
    }
    if (state && state.s.log.pages < 2) notes.push("no log area (" + state.s.log.pages + " pages): the firmware file and the harness's files leave too little Storage");

    // ---------------------------------------------------------------- 3. adverts after setClock
    await phase("start");
    const clockAt = dev.events.length;
    const nErr = dev.errors.length;
    dev.send("Omamori.setClock(" + START + ")");
    let firstAdv: { t: number; payload: string; opts: string } | null = null;
    try {
      firstAdv = await dev.waitFor("GAEN advert after Omamori.setClock", (e) =>
        e.kind === "nrf" && e.call === "setAdvertising" && gaenRpi(e.args[0]) ? { t: e.t, payload: e.args[0], opts: e.args[1] } : null, 15000, clockAt);
    } catch (e) {
      const s = await dev.json("typeof Omamori==\"undefined\"?null:Omamori.state()").catch(() => null);
      fail("3 adverts", (e as Error).message + (dev.errors.length > nErr ? ": " + errorsSince(nErr).join("; ") : "") + " [" + why(s) + "]");
    }
    const meta = encodeMetadata(b.radio.advertisedTxPowerDbm, -1);
    const expectedAdvert = (keys: { rollingStart: number; tek: number[] }[], t: number): string | null => {
      const enin = eninFromUnixSeconds(t);
      const k = keys.find((x) => x.rollingStart === rollingStartFor(enin));
      if (!k) return null;
      const key = new Uint8Array(k.tek);
      const rpi = referenceCrypto.rpi(referenceCrypto.rpik(key), enin);
      return toHex(buildAdvert(rpi, referenceCrypto.aem(referenceCrypto.aemk(key), rpi, meta)));
    };
    if (firstAdv) {
      const s = await dev.json("Omamori.state()");
      const want = expectedAdvert(s.keys, firstAdv.t);
      const opts = JSON.parse(firstAdv.opts);
      if (!want) fail("3 adverts", "no daily key for the advert's day in Omamori.state().keys");
      else if (want !== firstAdv.payload) fail("3 adverts", "advert " + firstAdv.payload + " is not the GAEN payload of the token's key: " + want);
      else if (s.advert && s.advert.rpi !== gaenRpi(firstAdv.payload)) fail("3 adverts", "Omamori.state().advert.rpi " + s.advert.rpi + " differs from the payload on the air");
      else if (opts.connectable !== false || opts.scannable !== false) fail("3 adverts", "GAEN advert must be non-connectable and non-scannable: " + firstAdv.opts);
      else pass("3 adverts", "31-byte GAEN payload = RPI/AEM of the token's daily key (host-tools crypto), " + firstAdv.opts);
    }

    // ---------------------------------------------------------------- 4. a day of logging
    const run = dev.events.length;
    await dev.pass(450, 60000);
    const idle1 = await dev.memory("idle-run");
    ram.idleRunning = idle1.usage - ram.stub;
    await phase("log");
    const toMidnight = rollingStartFor(eninFromUnixSeconds(START)) * 600 + DAY - START;
    const ffTimeout = (s: number) => 60000 + s * 40; // ms: generous for slow pure-JS boards
    const passUntil = async (targetOffset: number, name: string) => {
      let now = (await dev.json("getTime()")) as number;
      while (now < START + targetOffset - 1) {
        const step = Math.min(7200, START + targetOffset - now);
        now = await dev.pass(step, ffTimeout(step));
      }
      await phase(name);
    };
    const end = o.hours * 3600;
    await passUntil(Math.min(end, toMidnight - 600), "midnight");
    await passUntil(Math.min(end, toMidnight + 600), "log");
    await passUntil(end, "end");
    state = await dev.json("Omamori.state()");
    const dayEvents = dev.events.slice(run);
    const rx = dayEvents.filter((e): e is Extract<HarnessEvent, { kind: "rx" }> => e.kind === "rx");
    const scans = dayEvents.filter((e): e is Extract<HarnessEvent, { kind: "nrf" }> => e.kind === "nrf" && e.call === "setScan" && e.args[0] !== "off").map((e) => e.t);
    const erases = dayEvents.filter((e) => e.kind === "erase" && !e.write).length;
    const opened = dayEvents.filter((e) => e.kind === "erase" && e.write).length;
    const expected = expectedEncounters(rx, scans, feed.crowd, feed.entries);
    const keyDays = new Set((state.keys as { rollingStart: number }[]).map((k) => k.rollingStart));
    const dayProblems: string[] = [];
    if (dev.errors.length > nErr) dayProblems.push(errorsSince(nErr).join("; "));
    if (state.errors) dayProblems.push(state.errors + " error(s): " + state.errorLog.join("; "));
    if (!scans.length) dayProblems.push("no scan window in " + o.hours + " simulated hours");
    if (state.log.records !== expected.length) dayProblems.push("Omamori.state().log.records = " + state.log.records + ", fed " + expected.length + " identifiers");
    if (state.encounters && state.encounters.active) dayProblems.push(state.encounters.active + " encounters still open at the end of the day");
    if (o.hours * 3600 > toMidnight + 600 && !keyDays.has(rollingStartFor(eninFromUnixSeconds(START + toMidnight + 600)))) dayProblems.push("no new daily key after midnight");
    const pageSwitches = opened + erases;
    const detail = scans.length + " scan windows, " + rx.length + " adverts fed, " + expected.length + " identifiers; log: " + state.log.records +
      " records on " + state.log.pagesUsed + "/" + state.log.pages + " pages (" + opened + " opened, " + erases + " erased), " + keyDays.size + " daily keys";
    if (!state.log.pages && !dayProblems.length) unchecked("4 a day of logging", "the token has no log area [" + why(state) + "]");
    else if (dayProblems.length) fail("4 a day of logging", dayProblems.join("; ") + " [" + detail + "; " + why(state) + "]");
    else pass("4 a day of logging", detail);
    if (pageSwitches === 0) notes.push("no log page opened or erased during the day: no page-switch RAM figure");

    // every GAEN advert of the day (from setClock on) against the token's keys
    const advs = dev.events.slice(clockAt).filter((e): e is Extract<HarnessEvent, { kind: "nrf" }> => e.kind === "nrf" && e.call === "setAdvertising" && !!gaenRpi(e.args[0]));
    const bad = advs.filter((a) => expectedAdvert(state.keys, a.t) !== a.args[0]);
    if (advs.length && !bad.length && checks.some((c) => c.name === "3 adverts" && c.status === "pass")) {
      const c = checks.find((x) => x.name === "3 adverts")!;
      c.detail += "; all " + advs.length + " GAEN adverts of the day match the keys (identifier changes across midnight included)";
    } else if (bad.length) {
      const c = checks.find((x) => x.name === "3 adverts");
      const msg = bad.length + " of " + advs.length + " GAEN adverts do not match the token's keys (first at " + new Date(bad[0].t * 1000).toISOString() + ")";
      if (c) {
        c.status = "fail";
        c.detail += "; " + msg;
      } else fail("3 adverts", msg);
    }

    // ---------------------------------------------------------------- 5. sync over the console
    const syncFrom = dev.events.length;
    const nErr2 = dev.errors.length;
    await phase("sync");
    let logRead: LogEncounter[] | null = null;
    try {
      const secret = new Uint8Array(createHash("sha256").update("omamori real-interpreter pairing secret").digest());
      dev.send("OmH.b(150)"); // a short press opens the sync window
      const advOf = async (from: number, fresh: boolean) => dev.waitFor("sync advert" + (fresh ? " (unpaired)" : ""), (e) => {
        if (e.kind !== "nrf" || e.call !== "setAdvertising" || e.args[0] === "object") return null;
        const sd = syncServiceData(fromHex(e.args[0]));
        return sd && !!(sd[0] & Adv.FRESH) === fresh ? sd : null;
      }, 15000, from);
      await advOf(syncFrom, true).catch(async (e) => {
        throw new Error((e as Error).message + " [" + why(await dev.json("typeof Omamori==\"undefined\"?null:Omamori.state()").catch(() => null)) + "]");
      });
      const mtu = b.radio.maxMtu;
      const l1 = await connect(dev, mtu);
      await pairToken(l1, secret, { timeoutMs: 30000 });
      const afterPair = dev.events.length;
      await l1.disconnect();
      const sd = await advOf(afterPair, false);
      if (!bytesEqual(beaconTag(hostPrimitives, secret, sd.subarray(1, 5)), sd.subarray(5, 9))) throw new Error("the sync advert's tag does not verify with the pairing secret");
      const l2 = await connect(dev, mtu);
      const session = await HostSession.open(l2, secret, { timeoutMs: 30000 });
      const { status } = await session.status();
      const chunk = defaultChunkBytes(b.id);
      const parts: Uint8Array[] = [];
      let cursor = 0;
      for (let i = 0; i < 10000; i++) {
        const r = await session.readLog(cursor, chunk);
        if (!r.data.length) break;
        parts.push(r.data);
        cursor = r.next;
      }
      await session.close();
      logRead = parts.flatMap((p) => decodeLogStream(p));
      const diff = compareEncounters(logRead, expected);
      if (dev.errors.length > nErr2) diff.unshift(errorsSince(nErr2).join("; "));
      if (status.recordsKept !== expected.length) diff.push("STATUS says " + status.recordsKept + " records");
      if (diff.length) fail("5 sync over the console", diff.slice(0, 6).join("; ") + (diff.length > 6 ? "; ... (" + diff.length + " problems)" : ""));
      else if (!expected.length) unchecked("5 sync over the console", "paired, authenticated, STATUS and log read work, but nothing was logged to compare");
      else {
        pass("5 sync over the console", "paired, authenticated, STATUS, " + parts.length + " log reads of <= " + chunk + " bytes at MTU " + mtu +
          ": " + logRead.length + " records = what was fed (identifiers, scan times, counts, max and mean RSSI)");
      }
    } catch (e) {
      fail("5 sync over the console", (e as Error).message + (dev.errors.length > nErr2 ? ": " + errorsSince(nErr2).join("; ") : ""));
    }
    await phase("done");

    // ---------------------------------------------------------------- what went on the air
    const air = airTimeline(dev.events.filter((e): e is Extract<HarnessEvent, { kind: "nrf" }> => e.kind === "nrf"));
    const reuse = addressReuse(air.sent.filter((s) => s.t >= START));
    const refused = air.refused.length ? air.refused.length + " setAddress calls the SoftDevice refuses (" + air.refused[0].address + "): adverts keep the previous address" : "";
    if (reuse.length || refused) {
      fail("3b addresses (modelled)", [refused, ...reuse.slice(0, 3)].filter(Boolean).join("; ") + (reuse.length > 3 ? "; ... (" + reuse.length + ")" : "") +
        " [Espruino restarts the SoftDevice in setAddress and re-sends the stored payload under the new address]");
    } else if (air.sent.length) {
      pass("3b addresses (modelled)", air.sent.length + " radio starts: every identifier under one address, every address with one identifier");
    }

    // ---------------------------------------------------------------- Storage and RAM
    const st = await dev.json("(function(){var S=require(\"Storage\");var l=S.read(\"om.log\");return {s:S.getStats(),b:S.read(\".bootcde\").length,l:l?l.length:0}})()");
    const lastState = await dev.json("Omamori.state()");
    ram.storage = { total: st.s.totalBytes, free: st.s.freeBytes, bootcde: st.b, logBytes: st.l, logPages: lastState.log.pages };
    const sub = (v: number | null) => (v === null ? null : v - ram.stub);
    ram.peaks.boot = sub(maxOf(phases.boot?.a));
    ram.peaks.logWrite = sub(maxOf(phases.log?.w, phases.midnight?.w));
    ram.peaks.pageSwitch = sub(maxOf(phases.log?.e, phases.midnight?.e, phases.start?.e));
    ram.peaks.sync = sub(maxOf(phases.sync?.a));
    ram.peaks.midnight = sub(maxOf(phases.midnight?.a));
    await dev.stop();
    report.crash = report.crash ?? dev.crash;

    // ---------------------------------------------------------------- 7. reboot on the same Storage
    dev = new Device({ binary, cwd: o.dir, shim: o.shim, echo: o.verbose ? (l) => process.stderr.write("  [" + b.id + " reboot] " + l + "\n") : undefined });
    await loadConsole(dev);
    const again = await dev.json("typeof Omamori==\"undefined\"?null:Omamori.state()");
    if (!again) fail("7 reboot keeps the log", "Omamori is not defined after the reboot" + (dev.errors.length ? ": " + dev.errors.join("; ") : ""));
    else if (dev.errors.length || again.errors) fail("7 reboot keeps the log", [...dev.errors, ...again.errorLog].join("; ") || again.errors + " error(s)");
    else if (again.log.records !== lastState.log.records || again.keys.length !== lastState.keys.length) {
      fail("7 reboot keeps the log", "after the reboot " + again.log.records + " records and " + again.keys.length + " keys; before " + lastState.log.records + " and " + lastState.keys.length);
    } else if (!again.log.records) unchecked("7 reboot keeps the log", "rebooted with 0 errors, but there was no log to keep");
    else pass("7 reboot keeps the log", again.log.records + " records and " + again.keys.length + " daily keys after a reboot, 0 errors, clock unset so not advertising");
  } catch (e) {
    const done = new Set(checks.map((c) => c.name.split(" ")[0]));
    const next = ["1", "3", "4", "5", "7"].find((n) => !done.has(n)) ?? "?";
    fail(next + " (harness)", (e as Error).message + (dev.errors.length ? ": " + dev.errors.join("; ") : "") + "\n    last console lines:\n      " + dev.tail(8).split("\n").join("\n      "));
  } finally {
    await dev.stop();
    report.crash = report.crash ?? dev.crash;
  }
  // out of memory: say how much of it is the harness's
  const spare = choice.binaryVars ? choice.boardVars - choice.binaryVars : 0;
  for (const c of checks) {
    if (c.status === "fail" && /OUT OF MEMORY|MEMORY/.test(c.detail)) {
      c.detail += " (the harness holds " + (ram.stub || "about 200") + " variables of this binary" + (spare > 0 ? ", which has " + spare + " fewer than the board" : "") + ")";
    }
  }
  return report;
}
