/**
 * Calibration of the sim's variable meter and CPU-time model against Espruino's real interpreter
 * (figures only, never asserted in tests). Needs the Espruino Linux builds that resemble the boards
 * (espruino-2630: Puck.js, 2,630 variables of 13 bytes, memory-mapped Storage; espruino-2630min:
 * Puck.js minimal firmware; espruino-12000: Bangle.js 2, 12,000 variables of 14 bytes, Storage on
 * "external" flash) in the folder named by OMAMORI_ESPRUINO_DIR; without it, it says it did not run.
 *
 *   1. Variables of small structures: E.getSizeOf on the real interpreter against the meter's count.
 *   2. The built firmware files, booted from Storage as a device runs .bootcde (written through the
 *      console in 512-byte chunks), with a minimal NRF stub in .boot0 (the Linux builds have no
 *      Bluetooth): variables idle after boot, after the clock is set, after a scan with adverts,
 *      after the log is flushed, and the highest count inside each built-in where RAM peaks. The
 *      stub and the driver are measured alone (empty .bootcde) and taken off.
 *   3. CPU: micro-benchmarks timed on the real interpreter, fitted to the model's unit costs
 *      (cpuModel.ts TIMING: token, skipped token, scope entry scanned, call, parameter, loop), then the
 *      firmware's own functions: real time against the model's prediction.
 * Run: OMAMORI_ESPRUINO_DIR=/path/to/binaries npm run build && tsx bench/sim-calibration.ts [--json]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { loadBoard } from "../boards/index";
import { DIST } from "../scripts/build-firmware";
import { EspruinoRuntime } from "../sim/espruino/runtime";
import { nameBytes } from "../sim/espruino/storage";
import { instrumentWith } from "../sim/espruino/meterCode";
import { TIMING, X86_TO_NRF52 } from "../sim/espruino/cpuModel";
import { BOOT_BASE_VARS } from "../sim/espruino/varMeter";

const DIR = process.env.OMAMORI_ESPRUINO_DIR;
const JSON_OUT = process.argv.includes("--json");
const out: Record<string, unknown> = {};
const log = (s = "") => { if (!JSON_OUT) console.log(s); };

/**
 * Which binary runs which board's file (same variable size, same crypto library set). The 4000-variable
 * builds (same 13-byte variables; build.sh with VARIABLES=4000), when present, show what a file that runs
 * out of memory at 2,630 would use.
 */
const TARGETS: { board: string; bin: string }[] = [
  { board: "puckjs", bin: "espruino-2630" },
  { board: "puckjs", bin: "espruino-4000" },
  { board: "puckjsmin", bin: "espruino-2630min" },
  { board: "puckjsmin", bin: "espruino-4000min" },
  { board: "banglejs2", bin: "espruino-12000" },
  { board: "joltjs", bin: "espruino-12000" },
].filter((t) => !DIR || existsSync(join(DIR, t.bin)));

/**
 * The Linux builds' clock is the PC's (setTime does nothing there), so the firmware finds a valid
 * clock at boot; the sim's token is given the same time at boot, and the driver sets the clock to it.
 */
const T0_S = Math.floor(Date.now() / 1000);

function table(head: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  for (const r of [head].concat(cells)) log("  " + r.map((c, i) => c.padEnd(w[i])).join("  "));
}

// ------------------------------------------------------------------ running the real interpreter

function escapeJs(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => "\\" + c).replace(/[^\x20-\x7e]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0")) + '"';
}

/** A fresh folder whose espruino.flash holds `files`, written by `bin` through its console. */
function flashWith(bin: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "omamori-cal-"));
  let input = "";
  for (const [name, data] of Object.entries(files)) {
    if (!data.length) input += 'require("Storage").write(' + JSON.stringify(name) + ', " ");\n';
    for (let i = 0; i < data.length; i += 512) {
      input += 'require("Storage").write(' + JSON.stringify(name) + "," + escapeJs(data.slice(i, i + 512)) + "," + i + "," + data.length + ");\n";
    }
  }
  input += 'print("FILES "+JSON.stringify(require("Storage").list()));quit();\n';
  const o = execFileSync(join(DIR!, bin), [], { cwd: dir, input, encoding: "latin1", timeout: 300000, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "ignore"] });
  const line = o.split("\n").find((l) => l.includes("FILES ["));
  if (!line) throw new Error(bin + " did not write Storage:\n" + o.slice(-400));
  for (const name of Object.keys(files)) if (!line.includes(JSON.stringify(name))) throw new Error(bin + ": " + name + " missing after writing: " + line);
  return dir;
}

/** Run `bin -e code` in `dir` (boot code from Storage runs first); returns the RESULT json. */
function runReal(bin: string, dir: string, code: string, timeoutMs = 120000): any {
  // the exit status is not the test: a firmware error at boot makes it 1, the RESULT line still counts
  const r = spawnSync(join(DIR!, bin), ["-e", code], { cwd: dir, input: "", encoding: "latin1", timeout: timeoutMs, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "ignore"] });
  const o = (r.stdout || "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  const line = o.split("\n").find((l) => /RESULT [[{]/.test(l));
  if (!line) throw new Error(bin + " gave no RESULT:\n" + o.slice(-1500));
  return JSON.parse(line.slice(line.indexOf("RESULT ") + 7).trim());
}

// ------------------------------------------------------------------ 1. small structures

const STRUCTURES: [string, string][] = [
  ["empty object", "({})"], ["{a:1}", "({a:1})"], ["{abcdefghi:1}", "({abcdefghi:1})"], ["{a:1.5}", "({a:1.5})"],
  ["{a:'x'}", "({a:'x'})"], ["{a:true}", "({a:true})"], ["{a:null}", "({a:null})"], ["string 8", "'abcdefgh'"],
  ["string 9", "'abcdefghi'"], ["string 27", "'abcdefghiabcdefghiabcdefghi'"], ["[1,2,3]", "[1,2,3]"],
  ["[true,false]", "[true,false]"], ["[1.5,2.5]", "[1.5,2.5]"], ["['ab','abcdefghi']", "['ab','abcdefghi']"],
  ["[{},{},{}]", "[{},{},{}]"], ["Uint8Array(4)", "new Uint8Array(4)"], ["Uint8Array(16)", "new Uint8Array(16)"],
  ["Uint8Array(18)", "new Uint8Array(18)"], ["Uint8Array(32)", "new Uint8Array(32)"], ["Uint8Array(100)", "new Uint8Array(100)"],
  ["Uint8Array(256)", "new Uint8Array(256)"], ["Uint16Array(8)", "new Uint16Array(8)"], ["ArrayBuffer(20)", "new ArrayBuffer(20)"],
  ["{1809:1}", "({1809:1})"], ["nested", "({a:{b:{c:1}}})"], ["array of 10 objects", "(function(){var a=[];for(var i=0;i<10;i++)a.push({a:i});return a})()"],
  ["closure scope (IIFE)", "(function(){var x=1,y='abc';function f(p){return p+x;}function g(){return function(){return y;};}var h=g();return {f:f,h:h};})()"],
];

function structures(): void {
  log("\n1. Variables of small structures: E.getSizeOf on the real interpreter vs the sim's meter");
  const code = "var V=[" + STRUCTURES.map(([, e]) => e).join(",") + "];";
  const rows: (string | number)[][] = [];
  const result: Record<string, Record<string, number>> = {};
  for (const bin of ["espruino-2630", "espruino-12000"]) {
    const board = bin === "espruino-2630" ? "puckjs" : "banglejs2";
    const dir = flashWith(bin, { ".bootcde": code });
    let real: number[];
    try {
      real = runReal(bin, dir, 'print("RESULT "+JSON.stringify(V.map(function(v){return E.getSizeOf(v)})));setTimeout(quit,1);');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0_S * 1000 });
    rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(code, "latin1")), 0, 0, 0);
    rt.bootFromStorage();
    const sim = (rt.global.V as unknown[]).map((v) => rt.vars!.sizeOf(v));
    STRUCTURES.forEach(([name], i) => {
      (result[name] ??= {})[bin + " real"] = real[i];
      result[name][bin + " sim"] = sim[i];
    });
  }
  for (const [name] of STRUCTURES) {
    const r = result[name];
    rows.push([name, r["espruino-2630 real"], r["espruino-2630 sim"], r["espruino-12000 real"], r["espruino-12000 sim"]]);
  }
  table(["structure", "13-byte real", "sim", "14-byte real", "sim"], rows);
  const exact = rows.filter((r) => r[1] === r[2] && r[3] === r[4]).length;
  log("  exact on both variable sizes: " + exact + " of " + rows.length);
  out.structures = result;
}

// ------------------------------------------------------------------ 2. built firmware files

/** .boot0 on the Linux builds: what the firmware needs that they lack, recording RAM at each call. */
const STUB = `var __pk={},__ev={};
function __m(w){var u=process.memory().usage;if(!(__pk[w]>=u))__pk[w]=u;}
setTime(1);
var LED1=D1,LED2=D2,LED3=D3,BTN=D4,BTN1=D4;
E.setConsole=function(){};E.getBattery=function(){return 100;};
NRF={setAdvertising:function(d,o){__m("NRF.setAdvertising");NRF.a=d;NRF.o=o;},
setScan:function(cb,o){__m("NRF.setScan");NRF.s=cb;NRF.f=o;},
setServices:function(d,o){__m("NRF.setServices");NRF.v=d;NRF.w=o;},
updateServices:function(d){__m("NRF.updateServices");},
setAddress:function(a){__m("NRF.setAddress");NRF.d=a;},
getAddress:function(){return "c0:11:22:33:44:55";},
on:function(e,f){__ev[e]=f;},sleep:function(){},wake:function(){},disconnect:function(){},setTxPower:function(){}};
(function(){var F=require("Flash"),w=F.write,e=F.erasePage,S=require("Storage"),sw=S.write,se=S.erase,sc=S.compact;
F.write=function(d,a){__m("Flash.write");return w(d,a);};F.erasePage=function(a){__m("Flash.erasePage");return e(a|0);};
S.write=function(a,b,c,d){__m("Storage.write");return sw(a,b,c,d);};S.erase=function(a){__m("Storage.erase");return se(a);};
S.compact=function(){__m("Storage.compact");return sc();};})();
`;

const ADVERTS = 12;

/** The GAEN advert bytes of the i-th test device (RPI and AEM from a fixed pattern); same in __adv below. */
function advertBytes(i: number): number[] {
  const a = [2, 1, 0x1a, 3, 3, 0x6f, 0xfd, 0x17, 0x16, 0x6f, 0xfd];
  for (let k = 0; k < 20; k++) a.push((i * 37 + k * 11 + 5) & 255);
  return a;
}

/**
 * The steps, in .boot0 with the stub (Storage code costs the least RAM; the same in the baseline
 * run): boot, set the clock, a scan with adverts, a flush; usage after each, peaks per built-in.
 */
const DRIVER = `function __adv(i){var s="\\x02\\x01\\x1a\\x03\\x03\\x6f\\xfd\\x17\\x16\\x6f\\xfd";for(var k=0;k<20;k++)s+=String.fromCharCode((i*37+k*11+5)&255);return s;}
function __drive(T0,N){var R={};function M(k){R[k]=process.memory().usage;}M("boot");
setTimeout(function(){if(typeof Omamori=="object")Omamori.setClock(T0);M("clock");
setTimeout(function(){var n=0;if(NRF.s)for(var i=0;i<N;i++){var d=__adv(i);NRF.s({id:"c0:00:00:00:00:"+(16+i).toString(16)+" random",rssi:-60,data:E.toArrayBuffer(d),services:["fd6f"],serviceData:{"fd6f":E.toArrayBuffer(d.substr(11))}});n++;}
M("adverts");
setTimeout(function(){M("scanEnd");if(typeof Omamori=="object")Omamori.flush();M("flush");print("RESULT "+JSON.stringify({R:R,P:__pk,n:n}));setTimeout(quit,1);},600);},20);},20);}
`;
const DRIVE = "__drive(" + T0_S + "," + ADVERTS + ");";

interface MemFigures { idle: Record<string, number>; peaks: Record<string, number> }

function realMemory(bin: string, file: string): MemFigures {
  const run = (code: string) => {
    const dir = flashWith(bin, { ".boot0": STUB + DRIVER, ".bootcde": code });
    try {
      return runReal(bin, dir, DRIVE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const base = run("");
  const fw = run(file);
  // as on a device: the firmware's own variables on top of the interpreter's (BOOT_BASE_VARS)
  const idle: Record<string, number> = {};
  for (const k of Object.keys(fw.R)) idle[k] = fw.R[k] - base.R[k] + BOOT_BASE_VARS;
  const peaks: Record<string, number> = {};
  const baseLevel = base.R.boot;
  for (const k of Object.keys(fw.P)) peaks[k] = fw.P[k] - baseLevel + BOOT_BASE_VARS;
  return { idle, peaks };
}

function simMemory(board: string, file: string, bin: string): MemFigures {
  // the real runs are on a fast PC: the same steps without the CPU-time model
  const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0_S * 1000 - 60_000, cpuTime: false });
  // the 14-byte Linux build keeps Storage in a file that is not memory-mapped (nor is Bangle.js 2's
  // external flash): E.getAddressOf gives 0 there, so the firmware finds no log area; the same here
  if (bin === "espruino-12000") file = "E.getAddressOf=function(){return 0};" + file;
  file = "setTime(" + (T0_S - 60) + ");" + file;
  rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(file, "latin1")), 0, 0, 0);
  rt.bootFromStorage();
  const meter = rt.vars!;
  const idle: Record<string, number> = {};
  const now = () => meter.count().vars;
  idle.boot = now();
  rt.advanceTo(rt.worldTimeMs() + 20);
  rt.runCallback(rt.global.Omamori.setClock, null, [T0_S]);
  idle.clock = now();
  rt.advanceTo(rt.worldTimeMs() + 20);
  for (let i = 0; i < ADVERTS; i++) {
    rt.advanceTo(rt.worldTimeMs() + 10);
    rt.deliverAdvert({ address: "c0:00:00:00:00:" + (16 + i).toString(16), addressType: "random", rssi: -60, data: Uint8Array.from(advertBytes(i)) });
  }
  idle.adverts = now();
  rt.advanceTo(rt.worldTimeMs() + 600);
  idle.scanEnd = now();
  rt.runCallback(rt.global.Omamori.flush, null, []);
  idle.flush = now();
  return { idle, peaks: Object.fromEntries(meter.peaks) };
}

function builtFiles(): void {
  log("\n2. Built firmware files from Storage: variables (real = firmware's own + " + BOOT_BASE_VARS + " of the interpreter; the NRF stub and the driver taken off)");
  const rows: (string | number)[][] = [];
  const result: Record<string, { real: MemFigures; sim: MemFigures }> = {};
  for (const { board, bin } of TARGETS) {
    const file = readFileSync(join(DIST, board + ".js"), "latin1");
    let real: MemFigures;
    try {
      real = realMemory(bin, file);
    } catch (e) {
      log("  " + board + " on " + bin + ": no figures from the real interpreter (" + String((e as Error).message).split("\n")[0] + ")");
      continue;
    }
    const sim = simMemory(board, file, bin);
    result[board + " " + bin] = { real, sim };
    for (const k of Object.keys(real.idle)) {
      const r = real.idle[k], s = sim.idle[k];
      rows.push([board, bin, "idle " + k, r, s, pct(s, r)]);
    }
    const peakNames = new Set([...Object.keys(real.peaks), ...Object.keys(sim.peaks)]);
    for (const k of peakNames) {
      const r = real.peaks[k], s = sim.peaks[k];
      rows.push([board, bin, "peak " + k, r ?? "-", s ?? "-", r !== undefined && s !== undefined ? pct(s, r) : "-"]);
    }
  }
  table(["board", "binary", "when", "real", "sim", "sim vs real"], rows);
  out.builtFiles = result;
}

function pct(sim: number, real: number): string {
  const d = ((sim - real) / real) * 100;
  return (d >= 0 ? "+" : "") + d.toFixed(1) + " %";
}

// ------------------------------------------------------------------ 3. CPU time

/** Micro-benchmarks, each a function of n iterations, inside a scope of 300 names like the firmware's. */
function microSource(): string {
  const vars = Array.from({ length: 300 }, (_, i) => "v" + i + "=1").join(",");
  return `var BENCH=(function(){var ${vars};var a=0,o={a:1,b:2},u=new Uint8Array(64),ss="0123456789abcdef";
function g0(){}function g3(p,q,r){}
return {
empty:function(n){for(var i=0;i<n;i++){}},
locals:function(n){var x=1;for(var i=0;i<n;i++){x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;}},
literals:function(n){for(var i=0;i<n;i++){1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;}},
arith:function(n){var x=1,y=2,z=3;for(var i=0;i<n;i++){x=y*z+x-y;z=x&255^y;y=(z>>2)+1;}},
early:function(n){for(var i=0;i<n;i++){a=v0+v0+v0+v0;}},
late:function(n){for(var i=0;i<n;i++){a=v299+v299+v299+v299;}},
global:function(n){for(var i=0;i<n;i++){a=Math;a=Math;a=Math;a=Math;}},
skip:function(n){var x=0;for(var i=0;i<n;i++){if(x){x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;}}},
fnexpr:function(n){for(var i=0;i<n;i++){a=function(){x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;};}},
call0:function(n){for(var i=0;i<n;i++){g0();g0();}},
call3:function(n){for(var i=0;i<n;i++){g3(1,2,3);g3(1,2,3);}},
typed:function(n){for(var i=0;i<n;i++){u[i&63]=u[(i+1)&63]^i;}},
props:function(n){for(var i=0;i<n;i++){a=o.a+o.b;}},
hex:function(n){for(var i=0;i<n;i++){var e="";for(var t=0;t<4;t++)e+=ss.charAt(u[t]>>4)+ss.charAt(u[t]&15);}},
builtin:function(n){for(var i=0;i<n;i++){ss.charAt(1);ss.charAt(2);ss.charAt(3);ss.charAt(4);}},
strcat:function(n){for(var i=0;i<n;i++){var e="";e+="ab";e+="cd";e+="ef";e+="gh";}},
ops:function(n){var x=1,y=2;for(var i=0;i<n;i++){x+y;x-y;x*y;x&y;x|y;x^y;x<y;x==y;}}
};})();
function TIME(f,n,now){var t=now();f(n);return (now()-t)*1e9/n;}`;
}

const MICRO = ["empty", "locals", "literals", "arith", "early", "late", "global", "skip", "fnexpr", "call0", "call3", "typed", "props", "hex", "builtin", "strcat", "ops"];
const FEATURES = ["tokenNs", "skipTokenNs", "scanEntryNs", "callNs", "paramNs", "loopIterationNs", "operatorNs", "callSiteNs"] as const;

/** Per-iteration feature counts of each micro-benchmark, from the instrumentation (run in plain V8). */
function microFeatures(): Record<string, number[]> {
  const src = microSource();
  const feats: Record<string, number[]> = {};
  for (const b of MICRO) feats[b] = [];
  FEATURES.forEach((f) => {
    const unit = { ...Object.fromEntries(FEATURES.map((k) => [k, 0])), [f]: 1 } as typeof TIMING;
    const code = instrumentWith(src, unit).code;
    const hooks = { n: 0, f: (fn: unknown) => fn };
    const ctx = vm.createContext({ __esimHooks: hooks });
    vm.runInContext("const __esim = __esimHooks;", ctx);
    vm.runInContext(code, ctx);
    const bench = vm.runInContext("BENCH", ctx);
    for (const b of MICRO) {
      const n = 1000;
      const before = hooks.n;
      bench[b](n);
      feats[b].push((hooks.n - before) / n);
    }
  });
  return feats;
}

/**
 * Non-negative least squares on relative errors (each row divided by its measurement, so a slow
 * benchmark does not outweigh the others), by coordinate descent on normalised columns.
 */
function nnls(X: number[][], y: number[]): number[] {
  const rows = X.map((r, i) => r.map((x) => x / y[i]));
  const t = y.map(() => 1);
  const k = X[0].length;
  const norm = Array.from({ length: k }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + r[j] * r[j], 0)) || 1);
  const A = rows.map((r) => r.map((x, j) => x / norm[j]));
  const c = new Array(k).fill(0);
  for (let iter = 0; iter < 5000; iter++) {
    for (let j = 0; j < k; j++) {
      let num = 0, den = 0;
      for (let i = 0; i < A.length; i++) {
        let r = t[i];
        for (let m = 0; m < k; m++) if (m !== j) r -= A[i][m] * c[m];
        num += A[i][j] * r;
        den += A[i][j] * A[i][j];
      }
      c[j] = den > 0 ? Math.max(0, num / den) : 0;
    }
  }
  return c.map((x, j) => x / norm[j]);
}

/** Firmware functions timed on both sides (run inside the booted firmware): FW1(name, n) runs one n times. */
const FIRMWARE_OP_NAMES = ["aesBlock", "sha256of64", "sha256of1k", "hmac", "dailyKey", "rpiAem", "state"];
const FIRMWARE_OPS = `function FW1(op,n){var c=Omamori.crypto,k=new Uint8Array(16),b=new Uint8Array(16),m=new Uint8Array(64),m1=new Uint8Array(1024),md=new Uint8Array(4),i,rk,ak;
if(op=="rpiAem"){rk=c.rpik(k);ak=c.aemk(k);}
for(i=0;i<n;i++){
if(op=="aesBlock")b=c.aesEncryptBlock(k,b);
else if(op=="sha256of64")c.sha256(m);
else if(op=="sha256of1k")c.sha256(m1);
else if(op=="hmac")c.hmacSha256(k,m);
else if(op=="dailyKey"){c.rpik(k);c.aemk(k);}
else if(op=="rpiAem")c.aem(ak,c.rpi(rk,2642976+i),md);
else if(op=="state")Omamori.state();}}`;

/** CPU time (user + system, ms) of `bin -e code` in dir: steadier than wall time on a shared machine. */
function cpuMs(bin: string, dir: string, code: string): number {
  const r = spawnSync("/usr/bin/time", ["-f", "CPUTIME %U %S", join(DIR!, bin), "-e", code], {
    cwd: dir, input: "", encoding: "latin1", timeout: 600000, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "pipe"],
  });
  const m = /CPUTIME ([\d.]+) ([\d.]+)/.exec(r.stderr || "");
  if (!m) throw new Error(bin + ": no CPU time (" + (r.stderr || "").slice(-300) + ")");
  if (!/DONE/.test(r.stdout || "")) throw new Error(bin + ": the run did not finish:\n" + (r.stdout || "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").slice(-800));
  return (Number(m[1]) + Number(m[2])) * 1000;
}

/** ns per unit of work: CPU time of n units minus a run with none, over n (best of `tries`). */
function nsPer(bin: string, dir: string, call: (n: number) => string, n: number, tries = 2): number {
  const run = (k: number) => cpuMs(bin, dir, "setTimeout(function(){" + call(k) + ';print("DONE");setTimeout(quit,1);},1);');
  let best = Infinity;
  for (let t = 0; t < tries; t++) best = Math.min(best, (run(n) - run(0)) / n);
  return best * 1e6;
}

function cpu(micro: boolean): void {
  if (micro) cpuMicro();
  cpuFirmware();
}

function cpuMicro(): void {
  log("\n3. CPU time: micro-benchmarks on the real interpreter (ns per iteration, process CPU time) and the unit costs fitted to them");
  const dir = flashWith("espruino-2630", { ".bootcde": microSource() });
  const real: Record<string, number> = {};
  const feats = microFeatures();
  try {
    for (const b of MICRO) {
      // about a second of CPU per run (the model's rough figure decides the count)
      const guess = Math.max(1000, feats[b].reduce((s, x, i) => s + x * (TIMING as Record<string, number>)[FEATURES[i]], 0));
      const n = Math.max(200, Math.round(1.5e9 / guess / 4));
      real[b] = nsPer("espruino-2630", dir, (k) => "BENCH." + b + "(" + k + ")", n);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fit = nnls(MICRO.map((b) => feats[b]), MICRO.map((b) => real[b]));
  const fitted = Object.fromEntries(FEATURES.map((f, i) => [f, Math.round(fit[i] * 10) / 10]));
  const rows = MICRO.map((b) => {
    const pred = feats[b].reduce((s, x, i) => s + x * (TIMING as Record<string, number>)[FEATURES[i]], 0);
    const predFit = feats[b].reduce((s, x, i) => s + x * fit[i], 0);
    return [b, Math.round(real[b]), Math.round(pred), pct(pred, real[b]), Math.round(predFit), pct(predFit, real[b])];
  });
  table(["benchmark", "real ns", "model ns (TIMING)", "", "refit ns", ""], rows);
  log("  refit unit costs (ns): " + JSON.stringify(fitted));
  log("  in use (cpuModel.ts TIMING): " + JSON.stringify(TIMING));
  out.cpuMicro = { real, features: feats, fitted, timing: TIMING };
}

function cpuFirmware(): void {
  log("\n   The firmware's own functions: real interpreter (process CPU time) vs the model (ms on this machine)");
  const frows: (string | number)[][] = [];
  const fres: Record<string, unknown> = {};
  // one binary per board: the roomiest (timing needs a little RAM of its own)
  const perBoard = new Map<string, string>();
  for (const t of TARGETS) if (!perBoard.has(t.board) || t.bin.includes("4000")) perBoard.set(t.board, t.bin);
  for (const [board, bin] of perBoard) {
    const file = readFileSync(join(DIST, board + ".js"), "latin1");
    // the model's prediction: the instrumented counter (x86 ns) and the built-ins it charged
    const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0_S * 1000, cpuTime: true });
    // as in section 2: a valid clock at boot, and no memory-mapped Storage on the 14-byte build
    const prefix = (bin === "espruino-12000" ? "E.getAddressOf=function(){return 0};" : "") + "setTime(" + T0_S + ");";
    rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(prefix + file + "\n" + FIRMWARE_OPS, "latin1")), 0, 0, 0);
    rt.bootFromStorage();
    const simOps: Record<string, number> = {};
    const cost = (op: string, n: number) => {
      const n0 = rt.hooks.n, b0 = rt.cpu.builtinMs;
      rt.global.FW1(op, n);
      return (rt.hooks.n - n0) / 1e6 + (rt.cpu.builtinMs - b0) / X86_TO_NRF52.central;
    };
    for (const op of FIRMWARE_OP_NAMES) {
      cost(op, 1); // lazily built tables (the pure-JS AES) are made once
      simOps[op] = cost(op, 3) - cost(op, 2); // one more, set-up excluded
    }
    const d2 = flashWith(bin, { ".boot0": STUB, ".bootcde": file + "\n" + FIRMWARE_OPS });
    const realOps: Record<string, number> = {};
    try {
      for (const op of FIRMWARE_OP_NAMES) {
        const n = Math.max(1, Math.min(2000, Math.round(1000 / Math.max(0.05, simOps[op] * 4))));
        realOps[op] = nsPer(bin, d2, (k) => "FW1(" + JSON.stringify(op) + "," + k + ")", n) / 1e6;
      }
    } catch (e) {
      log("  " + board + ": " + String((e as Error).message).split("\n")[0]);
      continue;
    } finally {
      rmSync(d2, { recursive: true, force: true });
    }
    for (const k of FIRMWARE_OP_NAMES) frows.push([board, bin, k, realOps[k].toFixed(3), simOps[k].toFixed(3), pct(simOps[k], realOps[k])]);
    fres[board] = { bin, real: realOps, sim: simOps };
  }
  table(["board", "binary", "operation", "real ms", "model ms", "model vs real"], frows);
  out.cpuFirmware = fres;
}

/**
 * Built-ins on the real interpreter (ms on this machine; loop overhead taken off): what
 * cpuModel.ts BUILTIN_X86_MS charges per call. The C side of an advert has no Linux counterpart:
 * JSON.parse of an object with the device's fields stands in for it (same allocations, same kind
 * of string work).
 */
const BUILTIN_SETUP = `var C=require("crypto"),m64=new Uint8Array(64),m1k=new Uint8Array(1024),k=new Uint8Array(16),b16=new Uint8Array(16),b256=new Uint8Array(256),o={mode:"ECB"};
var J='{"id":"c0:11:22:33:44:55 random","rssi":-60,"data":"0123456789012345678901234567890","services":["fd6f"],"serviceData":{"fd6f":"01234567890123456789"}}';
function L(n,f){for(var i=0;i<n;i++)f();}
function E0(){}
function S64(){C.SHA256(m64);}function S1k(){C.SHA256(m1k);}
function A16(){C.AES.encrypt(b16,k,o);}function A256(){C.AES.encrypt(b256,k,o);}
function P(){JSON.parse(J);}
function R(){require("Storage").read("f9");}
function D(n){var c=0;function t(){if(++c<n)setTimeout(t,0);else{print("DONE");setTimeout(quit,1);}}t();}`;

function builtins(): void {
  log("\n4. Built-ins on the real interpreter (ms per call on this machine, loop overhead taken off)");
  const files: Record<string, string> = { ".bootcde": BUILTIN_SETUP };
  for (let i = 0; i < 10; i++) files["f" + i] = "x".repeat(100);
  const dir = flashWith("espruino-2630", files);
  const res: Record<string, number> = {};
  try {
    const per = (f: string, n: number) => nsPer("espruino-2630", dir, (k) => "L(" + k + "," + f + ")", n) / 1e6;
    const loop = per("E0", 20000);
    res.sha256of64 = per("S64", 5000) - loop;
    res.sha256of1k = per("S1k", 5000) - loop;
    res.aes16 = per("A16", 5000) - loop;
    res.aes256 = per("A256", 5000) - loop;
    res.jsonDevice = per("P", 5000) - loop;
    res.storageRead10files = per("R", 5000) - loop;
    // a chain of timers: the idle loop's dispatch plus the chain's own line of JavaScript
    const chain = (k: number) => cpuMs("espruino-2630", dir, "setTimeout(function(){D(" + k + ");},1);");
    res.timerDispatch = Math.min(...[0, 1].map(() => (chain(20000) - chain(1)) / 20000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(["built-in", "ms per call"], Object.entries(res).map(([k, v]) => [k, v.toFixed(4)]));
  out.builtins = res;
}

function main(): void {
  if (!DIR || !existsSync(join(DIR, "espruino-2630"))) {
    const msg = "did not run: set OMAMORI_ESPRUINO_DIR to a folder with the Espruino Linux builds (espruino-2630, espruino-2630min, espruino-12000)";
    if (JSON_OUT) console.log(JSON.stringify({ ran: false, reason: msg }));
    else console.log(msg);
    return;
  }
  for (const t of TARGETS) {
    loadBoard(t.board);
    if (!existsSync(join(DIST, t.board + ".js"))) throw new Error("dist/firmware/" + t.board + ".js is missing: run `npm run build` first");
  }
  const parts = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  if (!parts.length || parts.includes("structures")) structures();
  if (!parts.length || parts.includes("files")) builtFiles();
  if (!parts.length || parts.includes("cpu") || parts.includes("cpu-firmware")) cpu(!parts.includes("cpu-firmware"));
  if (!parts.length || parts.includes("builtins")) builtins();
  if (JSON_OUT) console.log(JSON.stringify({ ran: true, ...out }, null, 1));
  writeFileSync(join(tmpdir(), "omamori-sim-calibration.json"), JSON.stringify(out, null, 1));
}

main();
