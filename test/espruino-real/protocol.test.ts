/**
 * The Node side of `npm run test:espruino` (scripts/espruino-real/), without an Espruino binary:
 * the console parser, the feed file and the radio that reads it (console.js run in a Node vm, with
 * Storage holding the feed), the stubs' NRF records, the expected log, the on-air model, the board
 * mapping and the RAM table. The real-interpreter run itself needs the binaries (docs/FIRMWARE-BUILD.md).
 */
import { expect } from "chai";
import { createContext, runInContext } from "node:vm";
import { allBoards, loadBoard } from "../../boards/index";
import { toHex } from "../../common/bytes";
import type { LogEncounter } from "../../common/formats/logRecord";
import { buildAdvert, parseAdvert } from "../../common/gaen/advert";
import { checkEspruinoSource } from "../../scripts/espruino-gate";
import { consoleSource, crowdFor, dayFeed, stubSource, START } from "../../scripts/espruino-real/checks";
import {
  BINARIES, addressReuse, airTimeline, boardBinary, compareEncounters, crowdIdentifier, encodeFeed, loggedRssi,
  expectedEncounters, fedIdentifier, parseLine, ramTable, type Crowd, type FeedEntry, type HarnessEvent,
} from "../../scripts/espruino-real/protocol";

const ESC = "\x1b[J";

describe("espruino-real: console parser", () => {
  it("reads every harness line, with Espruino's prompt and escape sequences around it", () => {
    expect(parseLine(ESC + ">@@ NRF setAdvertising 1773172800.5 02011a {\"connectable\":false}\r")).to.deep.equal(
      { kind: "nrf", call: "setAdvertising", t: 1773172800.5, args: ["02011a", "{\"connectable\":false}"] });
    expect(parseLine("@@ PEAK log a=1800 w=1790 e=0")).to.deep.equal({ kind: "peak", phase: "log", points: { a: 1800, w: 1790, e: 0 } });
    expect(parseLine("@@ J {\"log\":{\"records\":3}}")).to.deep.equal({ kind: "json", value: { log: { records: 3 } } });
    expect(parseLine("@@ MEM idle-boot 1729 2630")).to.deep.equal({ kind: "mem", tag: "idle-boot", usage: 1729, total: 2630 });
    expect(parseLine("@@ RX 1773190000.1 2955316 c3 -68")).to.deep.equal({ kind: "rx", t: 1773190000.1, enin: 2955316, who: "c3", rssi: -68 });
    expect(parseLine("@@ STUB 37 229")).to.deep.equal({ kind: "stub", before: 37, after: 229 });
    expect(parseLine("@@ WROTE .bootcde 25286 3888310666")).to.deep.equal({ kind: "wrote", name: ".bootcde", bytes: 25286, crc: 3888310666 });
  });

  it("reports the interpreter's errors: uncaught exceptions, out of memory, refused addresses", () => {
    expect(parseLine("Uncaught Error: Address should be an integer, got Number\r")).to.deep.equal(
      { kind: "error", text: "Uncaught Error: Address should be an integer, got Number" });
    expect(parseLine(">OUT OF MEMORY    at erasePage (:1:1)")?.kind).to.equal("error");
    expect(parseLine("New interpreter error: LOW_MEMORY,MEMORY")?.kind).to.equal("error");
    expect(parseLine("pm_id_addr_set failed: 0x3202")?.kind).to.equal("error");
  });

  it("ignores the banner, the prompt and quoted source (an error report may quote a line holding \"@@ \")", () => {
    expect(parseLine(" 2v29.277 (c) 2026 G.Williams")).to.equal(null);
    expect(parseLine(">")).to.equal(null);
    expect(parseLine("o(2),g(n),print(\"@@ FE \"+getTime()+\" \"+n)")).to.equal(null);
  });

  it("refuses a harness line it cannot read instead of guessing", () => {
    expect(() => parseLine("@@ MEM idle x 2630")).to.throw(/not a number/);
    expect(() => parseLine("@@ WHAT 1")).to.throw(/unknown harness line/);
  });
});

/** console.js in a Node vm: Storage holds `feed`; returns what one scan window delivers. */
function runRadio(feed: Uint8Array, enin: number, filters: unknown): { printed: string[]; devs: any[] } {
  const printed: string[] = [];
  const devs: any[] = [];
  const H: any = { s: () => undefined, n: () => undefined };
  const ctx = createContext({
    OmH: H, Uint8Array, JSON, Math, parseInt,
    print: (s: string) => printed.push(s),
    getTime: () => enin * 600 + 1,
    require: (n: string) => {
      if (n !== "Storage") throw new Error("no module " + n);
      return { read: (f: string) => (f === "omh.f" ? Buffer.from(feed).toString("latin1") : undefined) };
    },
    process: { memory: () => ({ usage: 1, total: 2630 }) },
  });
  runInContext(consoleSource(), ctx);
  const w = { cb: (d: any) => devs.push(d), f: filters };
  for (let k = 0; k < 50 && H.t(w, enin, k); k++);
  return { printed, devs };
}

describe("espruino-real: the feed and the radio that reads it", () => {
  const E = 2955316;
  const entry = (enin: number, adverts: number, rssi: number, seed: number): FeedEntry => ({
    enin, adverts, rssi, rpi: new Uint8Array(16).fill(seed), aem: new Uint8Array([seed, 1, 2, 3]),
  });
  const crowd: Crowd = { seed: 12345, fromEnin: E, toEnin: E + 1, size: 3, adverts: 2, rssi: -66 };
  const entries = [entry(E, 4, -58, 0xa1), entry(E + 1, 3, -70, 0xb2), entry(E, 1, -49, 0xc3)];
  const feed = encodeFeed(crowd, entries);

  it("hands the scan callback GAEN adverts of exactly the neighbours present, built as Espruino builds them", () => {
    const { printed, devs } = runRadio(feed, E, [{ serviceData: { fd6f: {} } }]);
    const rx = printed.map((p) => parseLine(p)).filter((e): e is Extract<HarnessEvent, { kind: "rx" }> => e?.kind === "rx");
    const count = (who: string) => rx.filter((r) => r.who === who).length;
    expect([count("c0"), count("c1"), count("c2"), count("n0"), count("n1"), count("n2")]).to.deep.equal([2, 2, 2, 4, 0, 1]);
    expect(devs).to.have.length(rx.length); // the Espruino device advert is filtered out
    devs.forEach((d, i) => {
      const data = new Uint8Array(d.data);
      const p = parseAdvert(data)!;
      const id = fedIdentifier(rx[i].who, E, crowd, entries);
      expect(toHex(p.rpi)).to.equal(id.rpi);
      expect(toHex(p.aem)).to.equal(id.aem);
      expect(toHex(data)).to.equal(toHex(buildAdvert(p.rpi, p.aem)));
      expect(d.rssi).to.equal(rx[i].rssi);
      expect(d.services).to.deep.equal(["fd6f"]);
      expect(new Uint8Array(d.serviceData.fd6f)).to.have.length(20);
    });
    expect(rx.filter((r) => r.who === "n0").map((r) => r.rssi)).to.deep.equal([-58, -63, -61, -59]);
  });

  it("the crowd's identifiers are the same xorshift32 in Node and in the stub, different per member and interval", () => {
    const a = crowdIdentifier(12345, 0, E);
    expect(toHex(a.rpi)).to.not.equal(toHex(crowdIdentifier(12345, 1, E).rpi));
    expect(toHex(a.rpi)).to.not.equal(toHex(crowdIdentifier(12345, 0, E + 1).rpi));
    const { devs } = runRadio(feed, E, undefined);
    const c0 = devs.find((d) => d.id.includes(":01:00 "));
    expect(toHex(parseAdvert(new Uint8Array(c0.data))!.rpi)).to.equal(toHex(a.rpi));
  });

  it("without filters the callback also gets the other advert; a filter it cannot match passes nothing", () => {
    expect(runRadio(feed, E, undefined).devs.some((d) => d.manufacturer === 0x0590)).to.equal(true);
    expect(runRadio(feed, E, [{ serviceData: { feaa: {} } }]).devs).to.have.length(0);
    expect(runRadio(feed, E, [{ name: "x" }]).devs).to.have.length(0);
  });

  it("the crowd fits the encounter table and the log (no page dropped, so every fed identifier must be there)", () => {
    expect(crowdFor(15, 4)).to.equal(13); // Puck.js: 15 open encounters
    expect(crowdFor(72, 3)).to.equal(21); // 3 pages: 2 x 200 records over 18 intervals, with the 10 named ones
    expect(crowdFor(72, 57)).to.equal(24);
    expect(crowdFor(15, 2)).to.equal(10);
    expect(crowdFor(15, 0)).to.equal(1);
  });

  it("the day's feed: neighbours with real GAEN identifiers before, across and after midnight", () => {
    const f = dayFeed(12);
    const byEnin = new Set(f.entries.map((e) => e.enin));
    expect(f.entries.length).to.be.greaterThan(8);
    expect(f.entries.some((e) => e.enin * 600 < START + 4 * 3600) && f.entries.some((e) => e.enin * 600 >= START + 4 * 3600)).to.equal(true);
    expect(byEnin.size).to.equal(f.entries.length);
    expect(f.crowd.toEnin - f.crowd.fromEnin).to.equal(18);
  });
});

describe("espruino-real: the stubs' radio records", () => {
  /** stubs.js (with a board prelude) in a Node vm: returns NRF, the printed lines and the fake Flash. */
  function boot() {
    const printed: string[] = [];
    const flash: string[] = [];
    const watches: string[] = [];
    const flashModule = { write: () => flash.push("write"), erasePage: () => flash.push("erase"), read: () => new Uint8Array(1) };
    const g: any = {
      print: (s: string) => printed.push(s), getTime: () => 1000, setTime: () => undefined, setTimeout: () => 0,
      setWatch: (_cb: unknown, pin: string) => watches.push(pin),
      JSON, Math, Object, Error, Promise, Uint8Array, D1: "D1", D2: "D2", D3: "D3", D4: "D4",
      process: { memory: () => ({ usage: 42 }) },
      E: { toUint8Array: (d: any) => new Uint8Array(d) },
      require: (n: string) => {
        if (n === "Flash") return flashModule; // Espruino hands out the same module object every time
        throw new Error("Module " + n + " not found");
      },
    };
    g.global = g;
    runInContext(stubSource(loadBoard("puckjs")), createContext(g));
    return { g, printed, flash, watches };
  }

  it("records NRF calls as lines the parser reads, and refuses a malformed address as Espruino does", () => {
    const { g, printed } = boot();
    g.NRF.setAddress("c1:02:03:04:05:06 random");
    g.NRF.setAdvertising([2, 1, 6], { connectable: false });
    expect(() => g.NRF.setAddress("c1:02:03:04:05")).to.throw("Expecting mac address of the form aa:bb:cc:dd:ee:ff");
    expect(() => g.NRF.setAddress("c1:02:03:04:05:06 static")).to.throw("Expecting mac address");
    expect(() => g.NRF.setAdvertising(new Array(32).fill(0))).to.throw("INVALID_LENGTH");
    const ev = printed.map((p) => parseLine(p)).filter((e) => e?.kind === "nrf") as any[];
    expect(ev.map((e) => e.call + " " + e.args.join(" "))).to.deep.equal(["setAddress c1:02:03:04:05:06/random", "setAdvertising 020106 {\"connectable\":false}"]);
    expect(g.LED1).to.equal("D1");
    expect(g.BTN).to.equal("D4");
  });

  it("keeps the button's watch callback (so the harness can press it) and still sets the real watch", () => {
    const { g, watches } = boot();
    const other = () => undefined;
    const button = () => undefined;
    g.setWatch(other, "D1", {});
    g.setWatch(button, g.BTN, { repeat: true });
    expect(watches).to.deep.equal(["D1", "D4"]);
    expect(g.OmH.btn).to.equal(button);
  });

  it("wraps Flash in place: the real methods still run, with a RAM sample first", () => {
    const { g, flash, printed } = boot();
    g.require("Flash").write(new Uint8Array(1), 4100);
    expect(g.OmH.pw).to.equal(42); // a log write
    expect(g.OmH.pe).to.equal(0);
    g.require("Flash").erasePage(4096);
    expect(g.OmH.pe).to.equal(42); // a page switch
    expect(parseLine(printed[printed.length - 1])).to.deep.equal({ kind: "erase", t: 1000, address: 4096, write: false });
    g.require("Flash").write(new Uint8Array(20), 8192); // a page header: a page opened
    expect(parseLine(printed[printed.length - 1])).to.deep.equal({ kind: "erase", t: 1000, address: 8192, write: true });
    expect(flash).to.deep.equal(["write", "erase", "write"]);
  });

  it("the stubs and console.js pass the project's Espruino gate (but for `global`, which the stubs exist to use, and a require(\"crypto\") in try/catch)", () => {
    for (const b of allBoards()) {
      const stubProblems = checkEspruinoSource(stubSource(b), { board: b, file: ".boot0" })
        .filter((p) => !/`global`/.test(p.message) && !(!b.crypto.module && /require\("crypto"\)/.test(p.message)));
      expect(stubProblems.map((p) => p.message), b.id).to.deep.equal([]);
    }
    expect(checkEspruinoSource(consoleSource(), { board: loadBoard("puckjs"), file: "omh.t" }).map((p) => p.message)).to.deep.equal([]);
  });
});

describe("espruino-real: the expected log", () => {
  const crowd: Crowd = { seed: 7, fromEnin: 0, toEnin: 0, size: 0, adverts: 0, rssi: -60 };
  const entries: FeedEntry[] = [
    { enin: 100, adverts: 3, rssi: -60, rpi: new Uint8Array(16).fill(1), aem: new Uint8Array(4).fill(2) },
    { enin: 100, adverts: 2, rssi: -70, rpi: new Uint8Array(16).fill(3), aem: new Uint8Array(4).fill(4) },
  ];
  const rx = [
    { t: 60002.1, enin: 100, who: "n0", rssi: -57 }, { t: 60002.12, enin: 100, who: "n0", rssi: -58 },
    { t: 60002.14, enin: 100, who: "n1", rssi: -70 },
    { t: 60302.1, enin: 100, who: "n0", rssi: -60 },
  ];
  const expected = expectedEncounters(rx, [60002, 60302], crowd, entries);

  it("one encounter per identifier, one scan per window, times in 5-second units, RSSI rounded as the log format does", () => {
    expect(expected).to.deep.equal([
      { rpi: "010101010101", aem: "02020202", scans: [{ t: 60000, count: 2, rssiMax: -57, rssiMean: -57 }, { t: 60300, count: 1, rssiMax: -60, rssiMean: -60 }] },
      { rpi: "030303030303", aem: "04040404", scans: [{ t: 60000, count: 1, rssiMax: -70, rssiMean: -70 }] },
    ]);
    expect(loggedRssi(-57.5)).to.equal(-57); // half up (Espruino's Math.round would say -58)
    expect(loggedRssi(-57.4)).to.equal(-57);
    expect(loggedRssi(-200)).to.equal(-127);
  });

  it("finds every difference between the log read and what was fed", () => {
    const copy = (): LogEncounter[] => JSON.parse(JSON.stringify(expected));
    expect(compareEncounters(copy(), expected)).to.deep.equal([]);
    const changed = copy();
    changed[0].scans[1].count = 2;
    expect(compareEncounters(changed, expected)[0]).to.match(/^010101010101\/02020202: logged scans/);
    expect(compareEncounters(copy().slice(1), expected)).to.deep.equal(["fed but not logged: 010101010101/02020202"]);
    const extra = copy();
    extra.push({ rpi: "ffffffffffff", aem: "00000000", scans: [] });
    expect(compareEncounters(extra, expected)).to.deep.equal(["logged an identifier that was never fed: ffffffffffff/00000000"]);
    const shifted = copy();
    shifted[1].scans[0].t += 5;
    expect(compareEncounters(shifted, expected)).to.deep.equal([]); // one 5-s unit: the stub reads the clock after the firmware
    shifted[1].scans[0].t += 5;
    expect(compareEncounters(shifted, expected)).to.have.length(1);
  });

  it("refuses an advert delivered before any scan window", () => {
    expect(() => expectedEncounters(rx, [70000], crowd, entries)).to.throw(/before any scan/);
  });
});

describe("espruino-real: what goes on the air (Espruino's nRF52 code)", () => {
  const gaen = (b: number) => toHex(buildAdvert(new Uint8Array(16).fill(b), new Uint8Array(4).fill(b)));
  const ev = (call: string, t: number, ...args: string[]) => ({ call, t, args });

  it("setAddress restarts the SoftDevice, which re-sends the stored payload under the new address", () => {
    const air = airTimeline([
      ev("setAddress", 1, "c1:00:00:00:00:01/random"), ev("setAdvertising", 1, gaen(1), "{}"),
      ev("setAddress", 2, "c2:00:00:00:00:02/random"), ev("setAdvertising", 2, gaen(2), "{}"),
    ]);
    expect(air.sent.map((s) => s.address + " " + s.cause)).to.deep.equal([
      "c1:00:00:00:00:01 setAdvertising", "c2:00:00:00:00:02 restart", "c2:00:00:00:00:02 setAdvertising",
    ]);
    const problems = addressReuse(air.sent);
    expect(problems.join("; ")).to.match(/identifier 010101010101… sent under 2 addresses/);
    expect(problems.join("; ")).to.match(/address c2:00:00:00:00:02 carried 2 GAEN/);
  });

  it("changing both while the radio sleeps puts only matching pairs on the air", () => {
    const air = airTimeline([
      ev("setAdvertising", 1, gaen(1), "{}"), ev("setAddress", 1, "c1:00:00:00:00:01/random"),
      ev("sleep", 2), ev("setAdvertising", 2, gaen(2), "{}"), ev("setAddress", 2, "c2:00:00:00:00:02/random"), ev("wake", 2),
    ]);
    expect(addressReuse(air.sent.slice(1))).to.deep.equal([]);
    expect(air.sent[air.sent.length - 1]).to.include({ address: "c2:00:00:00:00:02", payload: gaen(2) });
  });

  it("the stack refuses a non-resolvable private address: the adverts keep the old one", () => {
    const air = airTimeline([ev("setAdvertising", 1, gaen(1), "{}"), ev("setAddress", 2, "01:00:00:00:00:01/private-nonresolvable")]);
    expect(air.refused).to.deep.equal([{ t: 2, address: "01:00:00:00:00:01 private-nonresolvable" }]);
    expect(air.sent.every((s) => s.address === "c8:00:00:00:00:01")).to.equal(true);
    expect(airTimeline([ev("setAddress", 1, "41:00:00:00:00:01/random")]).refused).to.have.length(1); // top bits must be 11
  });

  it("a connected central defers the restart until it leaves", () => {
    const air = airTimeline([
      ev("setAdvertising", 1, gaen(1), "{}"), ev("connected", 2), ev("setAddress", 3, "c3:00:00:00:00:03/random"), ev("disconnected", 4),
    ]);
    expect(air.sent.map((s) => s.t + " " + s.address)).to.deep.equal(["1 c8:00:00:00:00:01", "4 c3:00:00:00:00:03"]);
  });
});

describe("espruino-real: boards, binaries and the RAM table", () => {
  it("every board has a binary the build recipe makes, and says how it differs", () => {
    for (const b of allBoards()) {
      const c = boardBinary(b);
      expect(BINARIES, b.id).to.have.property(c.binary);
      expect(c.boardVars).to.equal(b.ram.jsVariables);
      if (!c.sameVars) expect(c.differences.length, b.id).to.be.greaterThan(0);
    }
    expect(boardBinary(loadBoard("puckjsmin")).binary).to.equal("espruino-2630min");
    expect(boardBinary(loadBoard("banglejs2")).binary).to.equal("espruino-12000");
  });

  it("prints used / total and % per board, '-' where nothing was measured", () => {
    const t = ramTable([{
      board: "puckjs", binary: "espruino-2630", binaryTotal: 2630, boardVars: 2630, stub: 200, idleBoot: 1315, idleRunning: null,
      peaks: { boot: 2104, logWrite: null, pageSwitch: null, sync: 2630, midnight: null },
      storage: { total: 40960, free: 2048, bootcde: 16384, logBytes: 12288, logPages: 3 },
    }]);
    expect(t).to.include("1315 (50%)");
    expect(t).to.include("2104 (80%)");
    expect(t).to.include("2630 (100%)");
    expect(t).to.include("16.0 KB / 3 pages / 2.0 KB");
    expect(t.split("\n")).to.have.length(3);
  });
});
