/**
 * `npm run build`: the firmware build (docs/FIRMWARE-BUILD.md, docs/ARCHITECTURE.md "Build pipeline").
 *   1. tsc -p firmware/tsconfig.json          firmware + common -> ES5 modules in build/firmware-tsc/
 *   2. esbuild, once per board                one minified ES5 IIFE; board facts via `define`
 *   3. the Espruino gate                      scripts/espruino-gate.ts on every built file
 *   4. pretokenise                            EspruinoTools' own pretokeniser (scripts/pretokenise.ts)
 *   5. dist/firmware/<board>.js + size table  each file must leave its board's log reserve free
 * Exit code 1 when any step fails. TypeScript or gate errors: nothing is written. Over the size budget
 * only: the files are written (they run; the simulator keeps up with the code) and the exit code is 1.
 * Options: --board <id> (build only that board; an unknown id exits 2), --quiet (no table),
 *          --analyze (bytes each source module contributes to each file, largest first).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";
import { allBoards, loadBoard, maxActiveEncounters, type Board } from "../boards/index";
import { checkEspruinoSource, formatGateProblem, type GateProblem } from "./espruino-gate";
import { pretokenise } from "./pretokenise";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TSC_OUT = join(REPO, "build", "firmware-tsc");
export const DIST = join(REPO, "dist", "firmware");

/**
 * Property names esbuild shortens in the firmware file: the TokenEnv and SyncPrimitives contracts between
 * firmware/sync/service.ts and session.ts, and the SyncHost methods nothing outside the firmware calls.
 * Quoted keys are never shortened.
 */
export const MANGLED_PROPS = /^(pairingAllowed|locked|authFailed|hubSeconds|setHubSeconds|stopped|hmacSha256|hkdfSha256|ctrXor|holdAdvertising|setSecret|eraseAll|isOpen|enc|mac)$/;

/** Espruino built-in modules: left as require("x") calls (the gate checks each board has them). */
const ESPRUINO_MODULES = ["crypto", "Storage", "Flash"];

/**
 * Room the contact log needs in Storage: 14 days at 100 encounters a day with 16-byte records, the
 * ring's spare page and Storage headers (docs/LOG-FORMAT.md) fit in 24 KB.
 */
export const LOG_RESERVE_BYTES = 24 * 1024;

/**
 * Size budget of the built file for a board, in bytes, or null when the board has no enforced budget.
 * A board whose JSON sets flash.logReserveBytes must leave that much of its Storage for the log; the
 * build fails otherwise: 24 KB on Puck.js's minimal firmware, Bangle.js 2 and Jolt.js; on the standard
 * Puck.js firmware (40 KB of Storage) 20,580 bytes = 5 log pages (the settings live in them too) +
 * .bootcde's 32-byte header + the 68 bytes before the log's first page (firmware/app/logArea.ts: the
 * filler file's header and 4 bytes, om.log's header), i.e. a file of at most 20,380 bytes. Other boards
 * only get a note when the log gets less than LOG_RESERVE_BYTES (docs/FIRMWARE-BUILD.md "Size budget").
 */
export function sizeBudget(b: Board): number | null {
  const reserve = b.flash.logReserveBytes;
  return typeof reserve === "number" ? b.flash.storageBytes - reserve : null;
}

/** Storage left for the log once the firmware file is in Storage (its 32-byte header included). */
export function logRoomBytes(b: Board, fileBytes: number): number {
  return b.flash.storageBytes - 32 - Math.ceil(fileBytes / 4) * 4;
}

/** LED colours the firmware asks for, by index (firmware/app/lights.ts Color): green, blue, red, yellow, all. */
const LIGHT_COLOURS = ["green", "blue", "red", "yellow", "all"];

/**
 * The pins lit for each colour, as a JavaScript array of pin names ("[LED1,LED2]"): yellow is red +
 * green, all is every LED, a colour the board lacks uses its first LED, a board without LEDs gets "[]".
 */
export function lightPins(b: Board): string[] {
  return LIGHT_COLOURS.map((c) => {
    const pins = b.io.leds.filter((l) => c === "all" || l.color === c || (c === "yellow" && (l.color === "red" || l.color === "green")));
    const use = pins.length ? pins : b.io.leds.slice(0, 1);
    return "[" + use.map((l) => l.pin).join(",") + "]";
  });
}

/**
 * What the firmware may know about its board: the OMAMORI_BOARD facts, declared in firmware/espruino.d.ts
 * (the firmware compiles without Node types; test/build/build.test.ts keeps the two in step).
 */
export function boardFacts(b: Board) {
  return {
    id: b.id,
    lights: lightPins(b),
    button: b.io.button,
    vibration: b.io.vibration,
    storage: { bytes: b.flash.storageBytes, pageSize: b.flash.pageSize, address: b.flash.storageAddress, mapped: b.flash.memoryMapped, updateReserve: b.flash.updateReserveBytes },
    radio: { advertisedTxPowerDbm: b.radio.advertisedTxPowerDbm, txPower: b.radio.txPowerDbm !== b.radio.defaultTxPowerDbm ? b.radio.txPowerDbm : false },
    battery: { getBattery: b.battery.espruinoGetBattery },
    ram: { vars: b.ram.jsVariables, maxActive: maxActiveEncounters(b) },
  };
}

/** One esbuild `define` per leaf of an object: "OMAMORI_BOARD.storage.pageSize" -> "4096". */
function leafDefines(prefix: string, value: unknown, out: Record<string, string>): Record<string, string> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leafDefines(prefix + "." + k, v, out);
  } else {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/**
 * esbuild `define` for one board: each board fact as its own constant (no board object at run time), the
 * version, and the HAS_BUILTIN_* constants that drop the crypto a board does not use.
 */
export function boardDefines(b: Board, version: string): Record<string, string> {
  return leafDefines("OMAMORI_BOARD", boardFacts(b), {
    OMAMORI_VERSION: JSON.stringify(version),
    HAS_BUILTIN_SHA256: String(b.crypto.module && b.crypto.sha256),
    HAS_BUILTIN_AES: String(b.crypto.module && b.crypto.aesEcb),
  });
}

export interface BoardBuild {
  board: Board;
  /** The bundled JavaScript, as the gate checked it. */
  code: string;
  /** What is written to dist/firmware/<board>.js and uploaded: `code` pretokenised (8-bit characters). */
  file: string;
  /** Bytes of `file`: what the firmware takes of the token's Storage. */
  bytes: number;
  budget: number | null;
  problems: GateProblem[];
  /** Source modules (firmware/..., common/...) and the bytes each left in the minified file, largest first. */
  modules: { path: string; bytes: number }[];
}

function compileTypeScript(): void {
  try {
    execFileSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", join(REPO, "firmware", "tsconfig.json")], {
      cwd: REPO, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8",
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error("TypeScript errors in firmware/ or common/:\n" + (err.stdout || "") + (err.stderr || ""));
  }
}

/** The entry esbuild starts from: firmware/main.ts as tsc compiled it. */
export const ENTRY = join(TSC_OUT, "firmware", "main.js");

/** Bundle the entry (build/firmware-tsc/firmware/main.js) for one board (step 2) and gate it (step 3). */
export async function bundleBoard(b: Board, version: string, entry: string = ENTRY): Promise<BoardBuild> {
  const result = await esbuild({
    entryPoints: [entry],
    bundle: true,
    // "cjs" keeps require("crypto") a plain call (the "iife" format wraps require in a Proxy-based shim).
    // No IIFE around the file: Espruino keeps a function defined at the top level with one variable
    // fewer than one defined inside a function (no scope link), about 200 variables on a Puck.js
    // (docs/FIRMWARE-BUILD.md "RAM"). The minified names become globals; `Omamori` is the only one meant
    // for a reader (the maintenance console and tests).
    format: "cjs",
    banner: { js: "var Omamori;" },
    target: "es5",
    platform: "neutral",
    minify: true,
    legalComments: "none",
    charset: "ascii",
    define: boardDefines(b, version),
    // property names only the token's own code uses (the sync service <-> session contract, the sync
    // crypto) become short; what tests and the console read (Omamori.*, state(), the SyncHost calls
    // they make, Omamori.crypto's quoted keys) keeps its name
    mangleProps: MANGLED_PROPS,
    external: ESPRUINO_MODULES,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile!.outputs)[0];
  const modules = Object.keys(output ? output.inputs : {}).map((path) => ({
    path: path.replace(/^build\/firmware-tsc\//, "").replace(/\.js$/, ".ts"),
    bytes: output.inputs[path].bytesInOutput,
  })).sort((a, b) => b.bytes - a.bytes);
  const code = result.outputFiles[0].text;
  const problems = checkEspruinoSource(code, { board: b, file: b.id + ".js" });
  if (/\bOMAMORI_BOARD\b/.test(code)) {
    // a board fact the build does not define would be a ReferenceError on the token
    problems.unshift({ line: 1, column: 0, level: "error", message: "the firmware uses a board fact the build does not define (OMAMORI_BOARD." + (/OMAMORI_BOARD\.?([\w.]*)/.exec(code) || ["", ""])[1] + "); add it to boardFacts in scripts/build-firmware.ts" });
  }
  if (/\bmodule\.exports\s*=/.test(code)) {
    // the entry exported something: esbuild turned it into a CommonJS object with helpers Espruino lacks
    problems.unshift({
      line: 1, column: 0, level: "error",
      message: "firmware/main.ts must not export anything; put what the console needs on the Omamori global",
    });
  }
  const budget = sizeBudget(b);
  const file = pretokenise(code);
  return { board: b, code, file, bytes: file.length, budget, problems, modules };
}

/** Steps 1-3 for the given boards; nothing is written. */
export async function buildFirmware(boards: Board[]): Promise<BoardBuild[]> {
  compileTypeScript();
  const version = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;
  return Promise.all(boards.map((b) => bundleBoard(b, version)));
}

/** Why the build fails: gate errors (file:line:column) and budgets exceeded. Empty = it passes. */
export function buildFailures(builds: BoardBuild[]): string[] {
  const out: string[] = [];
  for (const r of builds) {
    for (const p of r.problems) {
      if (p.level === "error") out.push(formatGateProblem("dist/firmware/" + r.board.id + ".js", p));
    }
    if (r.budget !== null && r.bytes >= r.budget) {
      out.push("dist/firmware/" + r.board.id + ".js is " + r.bytes + " bytes, over its budget of " + r.budget +
        " bytes (Storage must keep room for the contact log; docs/FIRMWARE-BUILD.md)");
    }
  }
  return out;
}

/** Boards without an enforced budget whose log gets less than LOG_RESERVE_BYTES: one advisory line each. */
export function logRoomWarnings(builds: BoardBuild[]): string[] {
  const out: string[] = [];
  for (const r of builds) {
    const room = logRoomBytes(r.board, r.bytes);
    if (r.budget === null && room < LOG_RESERVE_BYTES) {
      out.push("note: on " + r.board.name + " the log gets " + kb(room) + " of Storage (goal " + kb(LOG_RESERVE_BYTES) + ")");
    }
  }
  return out;
}

/** Gate warnings, one line per distinct message: its first place and how many places in how many files. */
export function groupedWarnings(builds: BoardBuild[]): string[] {
  const seen: Record<string, { first: string; places: number; files: string[] }> = {};
  const order: string[] = [];
  for (const r of builds) {
    for (const p of r.problems) {
      if (p.level !== "warning") continue;
      const file = "dist/firmware/" + r.board.id + ".js";
      if (!seen[p.message]) { seen[p.message] = { first: formatGateProblem(file, p), places: 0, files: [] }; order.push(p.message); }
      const g = seen[p.message];
      g.places++;
      if (g.files.indexOf(file) < 0) g.files.push(file);
    }
  }
  return order.map((m) => {
    const g = seen[m];
    return g.places === 1 ? g.first : g.first + " (and " + (g.places - 1) + " more, in " + g.files.length + " file(s))";
  });
}

function kb(n: number): string {
  return (n / 1024).toFixed(1) + " KB";
}

async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  const bi = argv.indexOf("--board");
  const quiet = argv.indexOf("--quiet") >= 0;
  const analyze = argv.indexOf("--analyze") >= 0;
  let boards: Board[];
  try {
    boards = bi >= 0 ? [loadBoard(argv[bi + 1] || "")] : allBoards();
  } catch (e) {
    console.error("build-firmware: " + (e as Error).message);
    return 2;
  }
  let builds: BoardBuild[];
  try {
    builds = await buildFirmware(boards);
  } catch (e) {
    console.error("build failed: " + (e as Error).message);
    return 1;
  }
  if (analyze) {
    for (const r of builds) {
      console.log(r.board.id + ".js (" + r.bytes + " bytes):");
      for (const m of r.modules) console.log("  " + String(m.bytes).padStart(6) + "  " + m.path);
    }
  }
  for (const w of groupedWarnings(builds)) console.error(w);
  const failures = buildFailures(builds);
  for (const f of failures) console.error(f);
  const gateFailed = builds.some((r) => r.problems.some((p) => p.level === "error"));
  if (gateFailed) {
    console.error("build failed: the gate found code Espruino cannot run; dist/firmware/ left as it was");
    return 1;
  }
  // Over budget only: the files still run, so they are written (the simulator keeps working on the
  // current code), but the build fails.
  mkdirSync(DIST, { recursive: true });
  for (const r of builds) writeFileSync(join(DIST, r.board.id + ".js"), r.file, "latin1");
  if (!quiet) {
    const rows = builds.map((r) => [
      r.board.id, r.board.name, kb(r.bytes), kb(r.board.flash.storageBytes), kb(logRoomBytes(r.board, r.bytes)),
      r.budget === null ? "-" : kb(r.budget) + " (" + Math.round((100 * r.bytes) / r.budget) + "%)",
      (r.board.crypto.module && r.board.crypto.sha256 ? "built-in" : "pure") + "/" + (r.board.crypto.module && r.board.crypto.aesEcb ? "built-in" : "pure"),
    ]);
    const head = ["board", "name", "size", "storage", "log room", "budget", "sha256/aes"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    for (const row of [head].concat(rows)) console.log(row.map((c, i) => c.padEnd(widths[i])).join("  "));
    for (const n of logRoomWarnings(builds)) console.log(n);
    console.log("dist/firmware/: " + builds.length + " file(s) in " + ((Date.now() - started) / 1000).toFixed(1) + " s");
  }
  if (failures.length) {
    console.error("build failed: over the size budget (files written, see above; `npm run build -- --analyze` shows what is big)");
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 1; });
}
