/**
 * scripts/build-firmware.ts: one Espruino-safe file per board, board facts entering through `define`,
 * the Puck.js size budget, and the failures that stop a build.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Parser } from "acorn";
import { allBoards, boardIds, loadBoard } from "../../boards/index";
import { detokenise } from "../../sim/espruino/pretokenised";
import {
  boardDefines, boardFacts, buildFailures, buildFirmware, bundleBoard, groupedWarnings, REPO, LOG_RESERVE_BYTES, logRoomBytes, logRoomWarnings, sizeBudget, type BoardBuild,
} from "../../scripts/build-firmware";

describe("firmware build", () => {
  let builds: BoardBuild[] = [];
  before(async function () {
    this.timeout(60000); // tsc over all of firmware/ and common/
    builds = await buildFirmware(allBoards());
  });

  it("bundles one file per board in boards/", () => {
    expect(builds.map((b) => b.board.id)).to.deep.equal(boardIds());
    for (const b of builds) expect(b.code.length, b.board.id).to.be.greaterThan(500);
  });

  it("passes the gate on every board", () => {
    const errors = builds.map((b) => ({ ...b, bytes: 0 }));
    expect(buildFailures(errors)).to.deep.equal([]);
  });

  it("leaves each board with an enforced budget its log room: 24 KB (Puck.js minimal firmware among them), 5 pages on the standard Puck.js", () => {
    const enforced = builds.filter((b) => b.budget !== null).map((b) => b.board.id);
    expect(enforced).to.include.members(["puckjsmin", "puckjs"]);
    for (const b of builds.filter((x) => x.budget !== null)) {
      expect(b.budget).to.equal(b.board.flash.storageBytes - b.board.flash.logReserveBytes!);
      const biggest = b.modules.slice(0, 5).map((m) => m.path + " " + m.bytes).join(", ");
      expect(b.bytes, b.board.id + ".js bytes; biggest modules: " + biggest).to.be.lessThan(b.budget!);
      expect(logRoomBytes(b.board, b.bytes)).to.be.at.least(b.board.flash.logReserveBytes! - 32);
      if (b.board.id !== "puckjs") expect(b.board.flash.logReserveBytes).to.equal(LOG_RESERVE_BYTES);
    }
    // Puck.js on its standard firmware (40 KB of Storage, the one every Puck.js ships with): the file is
    // at most 20,380 bytes and, after .bootcde's 32-byte header and the 68 bytes before the log's first
    // page (the filler file's header and 4 bytes, om.log's header: firmware/app/logArea.ts), the log
    // (which runs to the end of Storage: the settings live in its pages) has at least 5 whole 4 KB pages
    const puck = builds.find((b) => b.board.id === "puckjs")!;
    expect(puck.bytes).to.be.at.most(20380);
    const ps = puck.board.flash.pageSize;
    const logStart = 32 + Math.ceil(puck.bytes / 4) * 4 + 68;
    const pages = Math.floor(puck.board.flash.storageBytes / ps) - Math.ceil(logStart / ps);
    expect(pages).to.be.at.least(5);
  });

  it("says plainly how much log room a board without an enforced budget keeps", () => {
    const mdbt = builds.find((b) => b.board.id === "mdbt42q")!;
    expect(sizeBudget(mdbt.board)).to.equal(null);
    const tight: BoardBuild = { ...mdbt, bytes: 30000 };
    const lines = logRoomWarnings([tight]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/MDBT42Q breakout the log gets 10\.7 KB of Storage \(goal 24\.0 KB\)/);
    expect(logRoomWarnings([{ ...mdbt, bytes: 1000 }])).to.deep.equal([]);
  });

  it("reports each distinct gate warning once, with its first place and a count", () => {
    const puck = builds.find((b) => b.board.id === "puckjs")!;
    const w = { line: 2, column: 5, message: "RangeError: no", level: "warning" as const };
    const lines = groupedWarnings([{ ...puck, problems: [w, { ...w, column: 9 }] }, { ...puck, board: loadBoard("joltjs"), problems: [w] }]);
    expect(lines).to.deep.equal(["dist/firmware/puckjs.js:2:5: warning: RangeError: no (and 2 more, in 2 file(s))"]);
  });

  it("keeps the code at the top level (no wrapper function: one variable less per function on the token), Omamori declared first", () => {
    for (const b of builds) {
      expect(b.code.startsWith("var Omamori;"), b.board.id).to.equal(true);
      expect(b.code.trimEnd().endsWith("})();"), b.board.id + ": no IIFE around the file").to.equal(false);
    }
  });

  it("writes the file pretokenised, and reading the tokens back gives the gated code", () => {
    const ast = (code: string) => JSON.stringify(Parser.parse(code, { ecmaVersion: 5 }), (k, v) => (k === "start" || k === "end" || k === "raw" ? undefined : v));
    for (const b of builds) {
      expect(b.file.length, b.board.id).to.be.below(b.code.length * 0.9);
      expect(/[\x80-\xff]/.test(b.file), b.board.id + " has token bytes").to.equal(true);
      expect(ast(detokenise(b.file)), b.board.id).to.equal(ast(b.code));
    }
  });

  it("turns every board fact into a literal: no board object exists on the token", () => {
    for (const b of builds) {
      expect(b.code, b.board.id).not.to.contain("OMAMORI_BOARD");
      expect(b.code, b.board.id).to.contain(JSON.stringify(b.board.id));
    }
  });

  it("says which source modules fill each file (--analyze)", () => {
    for (const b of builds) {
      const paths = b.modules.map((m) => m.path);
      expect(paths, b.board.id).to.include("firmware/crypto/index.ts");
      expect(paths, b.board.id).to.include("firmware/main.ts");
      const total = b.modules.reduce((n, m) => n + m.bytes, 0);
      expect(total, b.board.id).to.be.at.most(b.code.length);
      expect(total, b.board.id).to.be.greaterThan(b.code.length * 0.8);
    }
    const jolt = builds.find((b) => b.board.id === "joltjs")!;
    expect(jolt.modules.map((m) => m.path)).to.include("firmware/crypto/aes128.ts");
    const puck = builds.find((b) => b.board.id === "puckjs")!;
    expect(puck.modules.map((m) => m.path)).not.to.include("firmware/crypto/aes128.ts");
  });

  it("sets HAS_BUILTIN_SHA256 / HAS_BUILTIN_AES from each board's crypto facts", () => {
    const expected: Record<string, [string, string]> = {
      puckjs: ["true", "true"], mdbt42q: ["true", "false"], banglejs2: ["true", "false"],
      pixljs: ["false", "false"], joltjs: ["false", "false"], nrf52840dk: ["false", "false"],
    };
    for (const id of Object.keys(expected)) {
      const d = boardDefines(loadBoard(id), "1.2.3");
      expect([d.HAS_BUILTIN_SHA256, d.HAS_BUILTIN_AES], id).to.deep.equal(expected[id]);
      expect(d.OMAMORI_VERSION).to.equal('"1.2.3"');
    }
  });

  it("gives the firmware only the board facts it needs, as firmware/espruino.d.ts declares them", () => {
    const f = boardFacts(loadBoard("puckjs"));
    const dts = readFileSync(join(REPO, "firmware", "espruino.d.ts"), "utf8");
    const block = dts.slice(dts.indexOf("declare const OMAMORI_BOARD: {"), dts.indexOf("\n};", dts.indexOf("declare const OMAMORI_BOARD: {")));
    const declared = (block.match(/^  [a-zA-Z]+(?=:)/gm) || []).map((k) => k.trim()).sort();
    expect(declared).to.deep.equal(Object.keys(f).sort());
    expect(Object.keys(f).sort()).to.deep.equal(["battery", "button", "id", "lights", "radio", "ram", "storage", "vibration"]);
    expect(f.lights).to.deep.equal(["[LED2]", "[LED3]", "[LED1]", "[LED1,LED2]", "[LED1,LED2,LED3]"]);
    expect(boardFacts(loadBoard("pixljs")).lights, "one white LED stands for every colour").to.deep.equal(["[LED1]", "[LED1]", "[LED1]", "[LED1]", "[LED1]"]);
    expect(boardFacts(loadBoard("banglejs2")).lights, "no LED: the motor speaks").to.deep.equal(["[]", "[]", "[]", "[]", "[]"]);
    expect(f.storage).to.deep.equal({ bytes: 40960, pageSize: 4096, address: loadBoard("puckjs").flash.storageAddress, mapped: true, updateReserve: 0 });
    expect(boardFacts(loadBoard("banglejs2")).storage.mapped, "Bangle.js 2: Storage on external SPI flash").to.equal(false);
    expect(f.radio).to.deep.equal({ advertisedTxPowerDbm: -4, txPower: -4 });
    expect(f.battery).to.deep.equal({ getBattery: true });
    expect(f.ram).to.deep.equal({ vars: 2630, maxActive: 15 });
  });

  it("fails a build that is over budget or has gate errors, naming the file and the line", () => {
    const puck: BoardBuild = { ...builds.find((b) => b.board.id === "puckjsmin")!, bytes: 1000, problems: [] };
    expect(buildFailures([puck])).to.deep.equal([]);
    const big: BoardBuild = { ...puck, bytes: 80000 };
    expect(buildFailures([big]).join("\n")).to.match(/dist\/firmware\/puckjsmin\.js is 80000 bytes, over its budget of 73728 bytes/);
    const bad: BoardBuild = { ...puck, problems: [{ line: 3, column: 7, message: "Map: Espruino has no Map", level: "error" }] };
    expect(buildFailures([bad])).to.deep.equal(["dist/firmware/puckjsmin.js:3:7: error: Map: Espruino has no Map"]);
    const warned: BoardBuild = { ...puck, problems: [{ line: 1, column: 1, message: "RangeError", level: "warning" }] };
    expect(buildFailures([warned])).to.deep.equal([]);
  });

  it("refuses an entry that exports, with a message saying so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omamori-entry-"));
    try {
      const entry = join(dir, "main.js");
      writeFileSync(entry, "export var shown = 1;\nOmamori = { shown: shown };\n");
      const r = await bundleBoard(loadBoard("puckjs"), "0.0.0", entry);
      expect(r.problems[0]).to.include({ level: "error", line: 1 });
      expect(r.problems[0].message).to.match(/firmware\/main\.ts must not export anything/);
      expect(buildFailures([r]).length).to.be.greaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an unknown --board with one line and exit code 2", () => {
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, [join(REPO, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO, "scripts", "build-firmware.ts"), "--board", "toaster"], { stdio: "pipe", encoding: "utf8" });
    } catch (e) {
      const err = e as { status: number; stderr: string };
      status = err.status;
      stderr = err.stderr;
    }
    expect(status).to.equal(2);
    expect(stderr.trim().split("\n")).to.have.length(1);
    expect(stderr).to.match(/unknown board "toaster"/);
  });
});
