/**
 * Simulator runtime figures (never asserted in tests): wall time to advance emulated tokens
 * through simulated days, for
 *   1. a synthetic firmware that wakes every 4 s, rotates a raw GAEN-sized advert every
 *      10 minutes, scans 4 s every 5 minutes and appends a record to a StorageFile each scan;
 *   2. the built firmware files dist/firmware/<board>.js (when built), with the variable meter and the
 *      CPU-time model on (as tests and the world run them) and off (the baseline: what they cost).
 * The brief's target: "well under a second of wall time per token-day".
 * Run: tsx bench/sim-runtime.ts [days]   (default 14)
 */
import { existsSync } from "node:fs";
import { allBoards } from "../boards/index";
import { EspruinoRuntime, loadBuiltFirmware, type RuntimeOptions } from "../sim/espruino/runtime";

const DAY = 86_400_000;
const days = Number(process.argv[2] ?? 14);
if (!(days > 0)) throw new RangeError("days must be a positive number, got " + process.argv[2]);
const T0 = Date.UTC(2026, 10, 1);

const SYNTHETIC = `
var S = require('Storage'), log = S.open('bench', 'a'), n = 0, seen = 0;
function advert() {
  var a = new Uint8Array(31); a.set([2,1,0x1a,3,3,0x6f,0xfd,0x17,0x16,0x6f,0xfd]);
  for (var i = 11; i < 31; i++) a[i] = E.hwRand() & 255;
  NRF.setAdvertising(a, {connectable:false, scannable:false, interval:250});
}
advert();
setInterval(function () {
  n++;
  if (n % 150 === 0) advert();
  if (n % 75 === 0) {
    NRF.setScan(function (d) { seen++; }, {filters:[{services:['fd6f']}]});
    setTimeout(function () { NRF.setScan(); if (log.getLength() > 30000) { log.erase(); log = S.open('bench', 'a'); } log.write(Math.round(getTime()) + ',' + seen + '\\n'); }, 4000);
  }
}, 4000);
`;

interface Row { name: string; simDays: number; wallMs: number; callbacks: number; mAhPerDay: number; flashWrites: number; flashErases: number; errors: number }

function run(name: string, board: string, code: string, opts: Partial<RuntimeOptions> = {}): Row {
  const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0, ...opts });
  rt.boot(code);
  const setClock = rt.global.Omamori?.setClock ?? rt.global.setTime;
  rt.runCallback(setClock, null, [Math.floor(T0 / 1000)]);
  const cbBefore = rt.callbacksRun;
  const t = performance.now();
  for (let d = 1; d <= days; d++) rt.advanceTo(T0 + d * DAY);
  const wallMs = performance.now() - t;
  return {
    name, simDays: days, wallMs,
    callbacks: rt.callbacksRun - cbBefore,
    mAhPerDay: rt.energy.mAhPerDay(), flashWrites: rt.flash.ops.writes, flashErases: rt.flash.ops.erases,
    errors: rt.uncaughtErrors.length,
  };
}

function table(rows: Row[]): void {
  const head = ["token", "days", "wall ms", "ms/token-day", "callbacks", "mAh/day", "flash writes", "erases", "errors"];
  const cells = rows.map((r) => [
    r.name, String(r.simDays), r.wallMs.toFixed(0), (r.wallMs / r.simDays).toFixed(1), String(r.callbacks),
    r.mAhPerDay.toFixed(3), String(r.flashWrites), String(r.flashErases), String(r.errors),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const r of [head].concat(cells)) console.log("  " + r.map((c, i) => c.padEnd(w[i])).join("  "));
}

console.log(`Simulator runtime: ${days} simulated days per token (target: well under 1000 ms per token-day)\n`);
const rows: Row[] = [];
const OFF = { cpuTime: false, varMeter: false };
rows.push(run("synthetic 4 s wake (puckjs)", "puckjs", SYNTHETIC));
rows.push(run("synthetic 4 s wake (banglejs2)", "banglejs2", SYNTHETIC));
const ratios: string[] = [];
for (const b of allBoards()) {
  try {
    if (!existsSync(new URL("../dist/firmware/" + b.id + ".js", import.meta.url))) continue;
    const on = run("built firmware " + b.id, b.id, loadBuiltFirmware(b.id));
    const off = run("  same, meter and CPU model off", b.id, loadBuiltFirmware(b.id), OFF);
    rows.push(on, off);
    ratios.push(b.id + " " + (on.wallMs / off.wallMs).toFixed(2) + "x");
  } catch (e) {
    console.log("  (skipped " + b.id + ": " + (e as Error).message + ")");
  }
}
table(rows);
console.log("\n  cost of the variable meter and the CPU-time model (wall time on / off): " + ratios.join(", "));
const worst = Math.max(...rows.map((r) => r.wallMs / r.simDays));
console.log(`\n  worst: ${worst.toFixed(1)} ms per token-day = ${(1000 / worst).toFixed(0)} token-days per wall second (${(worst / 1000 * 100).toFixed(2)} % of the 1 s budget)`);
