/**
 * `npm run test:espruino`: every built board file on Espruino's real interpreter (2v29, Linux builds
 * shaped like the boards), with the checks of checks.ts, a per-board RAM table and Storage figures.
 * Not part of `npm test`: it needs binaries built from Espruino's source (docs/FIRMWARE-BUILD.md
 * "Real-interpreter checks"), named by OMAMORI_ESPRUINO_DIR.
 *
 * Options: --board <id> (repeatable), --hours <n> (simulated hours after the clock is set, default 24),
 *          --verbose (echo the interpreter's console), --keep (keep the Storage files in the work folder).
 * Exit codes: 0 every check passed; 1 a check failed; 2 bad arguments; 3 did not run (no binaries, no gcc).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allBoards, loadBoard, type Board } from "../../boards/index";
import { BINARIES, boardBinary, ramTable } from "./protocol";
import { runBoard, type BoardReport } from "./checks";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXIT_NOT_RUN = 3;

const HOW_TO_BUILD = `How to get the binaries (5-10 minutes on 2 cores; needs gcc-multilib, which the recipe installs):
  git clone https://github.com/espruino/Espruino          (checked with 2v29, commit c5ff787b19)
  ESPRUINO_GIT=Espruino/.git OUT=<folder> bash scripts/espruino-real/build-espruino/build.sh
  OMAMORI_ESPRUINO_DIR=<folder> npm run test:espruino
The recipe builds espruino-2630, espruino-2630min, espruino-puckflash and espruino-12000 (Linux builds
shaped like the boards: docs/FIRMWARE-BUILD.md "Real-interpreter checks").`;

function notRun(why: string): never {
  process.stdout.write("test:espruino did NOT run: " + why + "\n\n" + HOW_TO_BUILD + "\n");
  process.exit(EXIT_NOT_RUN);
}

function parseArgs(argv: string[]): { boards: Board[]; hours: number; verbose: boolean; keep: boolean } {
  const ids: string[] = [];
  let hours = 24;
  let verbose = false;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--board") ids.push(argv[++i] ?? "");
    else if (a === "--hours") hours = Number(argv[++i]);
    else if (a === "--verbose") verbose = true;
    else if (a === "--keep") keep = true;
    else {
      process.stderr.write("unknown option " + JSON.stringify(a) + " (options: --board <id>, --hours <n>, --verbose, --keep)\n");
      process.exit(2);
    }
  }
  if (!(hours >= 5 && hours <= 72)) {
    process.stderr.write("--hours must be 5..72 (the clock is set at 20:00 UTC; midnight is 4 h later)\n");
    process.exit(2);
  }
  let boards: Board[];
  try {
    boards = ids.length ? ids.map(loadBoard) : allBoards();
  } catch (e) {
    process.stderr.write((e as Error).message + "\n");
    process.exit(2);
  }
  return { boards, hours, verbose, keep };
}

/** The clock shim, compiled for the 32-bit binaries. */
function buildShim(work: string): string {
  const out = join(work, "omamori-clock.so");
  const r = spawnSync("gcc", ["-m32", "-shared", "-fPIC", "-O2", "-o", out, join(REPO, "scripts", "espruino-real", "clock-shim.c"), "-ldl", "-lpthread"], { encoding: "utf8" });
  if (r.error || r.status !== 0) notRun("could not compile the clock shim with `gcc -m32` (install gcc-multilib): " + (r.error?.message ?? r.stderr.trim()));
  return out;
}

function versionOf(binary: string, cwd: string): string {
  const r = spawnSync(binary, ["-e", "print('VER '+process.env.VERSION);quit();"], { cwd, encoding: "latin1", timeout: 10000, input: "" });
  const m = /VER (\S+)/.exec(r.stdout ?? "");
  return m ? m[1] : "unknown version";
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const binDir = process.env.OMAMORI_ESPRUINO_DIR;
  if (!binDir) notRun("OMAMORI_ESPRUINO_DIR is not set (it must name a folder with the Espruino Linux binaries).");
  if (!existsSync(binDir) || !statSync(binDir).isDirectory()) notRun("OMAMORI_ESPRUINO_DIR=" + binDir + " is not a folder.");
  const needed = [...new Set(opts.boards.map((b) => boardBinary(b).binary))];
  const missing = needed.filter((n) => !existsSync(join(binDir, n)));
  if (missing.length) notRun("missing in " + binDir + ": " + missing.join(", ") + ".");

  const work = mkdtempSync(join(tmpdir(), "omamori-espruino-"));
  const shim = buildShim(work);
  process.stdout.write("Building the firmware (npm run build)...\n");
  try {
    execFileSync(process.execPath, [join(REPO, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO, "scripts", "build-firmware.ts"), "--quiet"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    process.stdout.write("note: the build reported problems (files over budget are still written):\n" + String(err.stdout ?? "") + String(err.stderr ?? "") + "\n");
  }
  const absent = opts.boards.filter((b) => !existsSync(join(REPO, "dist", "firmware", b.id + ".js")));
  if (absent.length) {
    process.stdout.write("the build wrote no file for " + absent.map((b) => b.id).join(", ") + "; see `npm run build`\n");
    process.exit(1);
  }

  process.stdout.write("\nReal Espruino interpreter: " + versionOf(join(binDir, needed[0]), work) + " (Linux builds in " + binDir + ")\n");
  process.stdout.write("Boards and the binary each runs on:\n");
  for (const b of opts.boards) {
    const c = boardBinary(b);
    process.stdout.write("  " + b.id.padEnd(11) + c.binary.padEnd(20) + c.why + "\n");
    for (const d of c.differences) process.stdout.write("  " + "".padEnd(31) + "- " + d + "\n");
  }
  for (const n of needed) process.stdout.write("  " + n + ": " + BINARIES[n] + "\n");
  process.stdout.write("Simulated day: clock set to 2026-03-10 20:00 UTC, " + opts.hours + " h of logging with fed neighbours and a crowd, midnight at 00:00, then a sync.\n\n");

  const reports: BoardReport[] = [];
  for (const b of opts.boards) {
    const t0 = Date.now();
    process.stdout.write(b.id + " (" + boardBinary(b).binary + ")\n");
    let r = await runBoard({ board: b, dir: join(work, b.id), binDir, shim, workDir: REPO, verbose: opts.verbose, hours: opts.hours });
    for (let attempt = 2; r.crash && attempt <= 3; attempt++) {
      // Espruino's Linux build can fail an assertion when console input arrives while it reads the
      // previous input (its input thread and interpreter share the event queue unlocked): not the firmware
      process.stdout.write("  the interpreter crashed (" + r.crash + "); run " + attempt + " of 3 on a fresh Storage\n");
      const crash = r.crash;
      r = await runBoard({ board: b, dir: join(work, b.id + "-" + attempt), binDir, shim, workDir: REPO, verbose: opts.verbose, hours: opts.hours });
      r.notes.unshift("run " + attempt + ": the run before ended in an interpreter crash (" + crash + ")");
    }
    for (const c of r.checks) process.stdout.write("  " + { pass: "PASS", fail: "FAIL", unchecked: "NOT CHECKED" }[c.status] + " " + c.name.padEnd(26) + c.detail + "\n");
    for (const n of r.notes) process.stdout.write("  note: " + n + "\n");
    process.stdout.write("  (" + Math.round((Date.now() - t0) / 1000) + " s)\n");
    reports.push(r);
  }

  process.stdout.write("\nRAM in JS variables, used / the board's total (%): the harness's own variables (stubs column) removed;\n" +
    "peaks are the highest of samples taken inside every Flash, crypto and radio call of that phase.\n");
  process.stdout.write(ramTable(reports.map((r) => r.ram)) + "\n");
  const puck = reports.filter((r) => r.board === "puckjs" || r.board === "puckjsmin");
  for (const r of puck) {
    const m = r.ram;
    const peaks = [m.peaks.logWrite, m.peaks.pageSwitch, m.peaks.sync, m.peaks.midnight].filter((v): v is number => v !== null);
    const idleOk = m.idleRunning !== null && m.idleRunning <= 0.6 * m.boardVars;
    const peakOk = peaks.length === 4 && peaks.every((v) => v <= 0.85 * m.boardVars);
    process.stdout.write("  " + r.board + ": idle <= 60 % " + (m.idleRunning === null ? "not measured" : idleOk ? "met" : "NOT met") +
      ", peaks <= 85 % " + (peaks.length < 4 ? "not all measured" : peakOk ? "met" : "NOT met") + " (targets for Puck.js)\n");
  }
  const failed = reports.flatMap((r) => r.checks.filter((c) => c.status === "fail").map((c) => r.board + ": " + c.name));
  const open = reports.flatMap((r) => r.checks.filter((c) => c.status === "unchecked").map((c) => r.board + ": " + c.name));
  process.stdout.write("\n" + (failed.length ? failed.length + " check(s) failed: " + failed.join(", ") + "\n" : "") +
    (open.length ? open.length + " check(s) could not be made: " + open.join(", ") + "\n" : "") +
    (failed.length || open.length ? "" : "every check passed on " + reports.length + " board(s)\n"));
  if (opts.keep) process.stdout.write("Storage files kept in " + work + "\n");
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed.length || open.length ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write("test:espruino: " + ((e as Error).stack ?? String(e)) + "\n");
  process.exit(1);
});
