/**
 * The variable meter (sim/espruino/varMeter.ts): Espruino's own figures for small structures, the
 * scopes that closures keep alive, what built-ins hold, process.memory(), and out of memory.
 * Expected values were measured with E.getSizeOf on Espruino 2v29's Linux builds shaped like a
 * Puck.js (2,630 variables of 13 bytes) and a Bangle.js 2 (12,000 of 14 bytes); bench/sim-calibration.ts
 * measures them again when those builds are at hand.
 */
import { expect } from "chai";
import { EspruinoRuntime } from "../../../sim/espruino/runtime";
import { nameBytes } from "../../../sim/espruino/storage";
import { T0, token } from "./helpers";

/** expression, variables on the 13-byte build, on the 14-byte build (E.getSizeOf, measured) */
const MEASURED: [string, number, number][] = [
  ["({})", 1, 1], ["({a:1})", 2, 2], ["({abcdefghi:1})", 3, 3], ["({abcdefghijklmn:1})", 4, 3], ["({a:1.5})", 3, 3],
  ["({a:'x'})", 3, 3], ["({a:true})", 3, 3], ["({a:null})", 3, 3], ["({a:undefined})", 2, 2], ["({a:-5})", 2, 2],
  ["({a:3000000000})", 3, 3], ["({1809:1})", 2, 2], ["({1809:'x'})", 3, 3],
  ["'abcdefgh'", 1, 1], ["'abcdefghi'", 2, 1], ["'abcdefghiabcdefghiabcdefghi'", 4, 3],
  ["[1,2,3]", 4, 4], ["[true,false]", 3, 3], ["[1.5,2.5]", 5, 5], ["[null]", 3, 3], ["['ab','abcdefghi']", 6, 5], ["[{},{},{}]", 7, 7],
  ["new Uint8Array(4)", 3, 3], ["new Uint8Array(16)", 4, 4], ["new Uint8Array(18)", 5, 4], ["new Uint8Array(32)", 6, 6],
  ["new Uint8Array(100)", 11, 11], ["new Uint8Array(256)", 23, 22], ["new Uint16Array(8)", 4, 4], ["new ArrayBuffer(20)", 4, 4],
  ["({a:{b:{c:1}}})", 6, 6], ["(function(){var a=[];for(var i=0;i<10;i++)a.push({a:i});return a})()", 31, 31],
  // a scope with two closures: the IIFE's scope (x, y, f, g, h), f, g, h defined in g (a copy of the scope list)
  ["(function(){var x=1,y='abc';function f(p){return p+x;}function g(){return function(){return y;};}var h=g();return {f:f,h:h};})()", 27, 27],
  // floats stay floats in Espruino even when whole: a literal 1e3, a division, Math.floor
  ["(function(){var a=1e3,b=1000,c=Math.floor(5.5),d=14/7,e=7*2;return function(){return a+b+c+d+e};})()", 13, 13],
  // a function with an empty body keeps neither code nor scope
  ["(function(){var q=1;return function(){};})()", 1, 1],
];

function sizes(board: string): number[] {
  // loaded from Storage as a device runs .bootcde: function code stays in flash
  const code = "var V=[" + MEASURED.map((m) => m[0]).join(",") + "];";
  const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0, cpuTime: false });
  rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(code, "latin1")), 0, 0, 0);
  rt.bootFromStorage();
  return (rt.global.V as unknown[]).map((v) => rt.global.E.getSizeOf(v));
}

describe("sim/espruino variable meter (Espruino's JsVars, src/jsvar.h)", () => {
  it("E.getSizeOf gives what Espruino measured for objects, strings, arrays, typed arrays and closures (13-byte variables)", () => {
    const got = sizes("puckjs");
    MEASURED.forEach(([expr, want], i) => expect(got[i], expr).to.equal(want));
  });

  it("and with 14-byte variables (boards above 4,095 variables: longer strings per variable)", () => {
    const got = sizes("banglejs2");
    MEASURED.forEach(([expr, , want], i) => expect(got[i], expr).to.equal(want));
  });

  it("counts the globals, the closures' scopes, timers and listeners; process.memory() reports it", () => {
    const rt = token("", { board: "puckjs" });
    const empty = rt.vars!.count().vars;
    expect(rt.global.process.memory().usage).to.equal(empty);
    rt.global.eval("var big = []; for (var i = 0; i < 100; i++) big.push({n: i + 0.5});");
    // 100 elements: index name + object + name "n" + float = 4 each, the array, the name "big" (and "i")
    expect(rt.vars!.count().vars - empty).to.equal(100 * 4 + 1 + 1 + 1);
    const before = rt.vars!.count().vars;
    rt.global.eval("setInterval(function(){ big.length; }, 1000);");
    // an interval: 5 variables in the timer list, and its function (one: `eval` code is not instrumented)
    expect(rt.vars!.count().vars - before).to.be.at.least(5 + 1);
    const free = rt.global.process.memory().free;
    expect(free).to.equal(2630 - rt.vars!.count().vars);
  });

  it("samples idle between callbacks and peaks inside built-ins, where a callback's temporaries show", () => {
    const rt = token(
      "var keep = new Uint8Array(64);" +
      "setTimeout(function () { var tmp = new Uint8Array(2000); require('Flash').write(tmp, " + 0x6c000 + "); }, 10);",
      { board: "puckjs" },
    );
    rt.advanceTo(T0 + 100);
    const m = rt.vars!;
    const tmpVars = 2 + 1 + Math.ceil(2000 / 13); // view, ArrayBuffer, flat string
    expect(m.peaks.get("Flash.write")! - m.lastIdle!.vars).to.be.at.least(tmpVars);
    expect(m.peak!.where).to.equal("Flash.write");
    expect(m.idle!.vars).to.be.below(m.peak!.vars);
  });

  it("out of memory: a built-in call over the board's variables interrupts the code, as Espruino does", () => {
    // (the array is a global: the meter cannot see a running function's locals)
    const rt = token(
      "var done = false, a = [];" +
      "setTimeout(function () { for (var i = 0; i < 3000; i++) a.push(i + 0.5);" +
      "  try { require('Storage').write('x', 'y'); } catch (e) {} done = true; }, 10);",
      { board: "puckjs" },
    );
    rt.advanceTo(T0 + 100);
    expect(rt.outOfMemory.length).to.equal(1);
    expect(rt.outOfMemory[0].where).to.equal("Storage.write");
    expect(rt.outOfMemory[0].vars).to.be.above(2630);
    expect(rt.uncaughtErrors.join("\n")).to.match(/OUT OF MEMORY: \d+ of 2630 variables \(Storage\.write\)/);
    // interrupted: the rest of the callback never ran (not even after the firmware's own catch)
    expect(rt.global.done).to.equal(false);
    expect(rt.storage.find(nameBytes("x"))).to.equal(null);
    // a Bangle.js 2 has 12,000 variables: the same code fits
    const big = token(
      "var done = false, a = []; setTimeout(function () { for (var i = 0; i < 3000; i++) a.push(i + 0.5);" +
      " require('Storage').write('x', 'y'); done = true; }, 10);",
      { board: "banglejs2" },
    );
    big.advanceTo(T0 + 100);
    expect(big.outOfMemory).to.deep.equal([]);
    expect(big.global.done).to.equal(true);
  });

  it("out of memory at boot or between callbacks is reported too", () => {
    const rt = token("var a = []; for (var i = 0; i < 1400; i++) a.push(i + 0.5);", { board: "puckjs" });
    expect(rt.outOfMemory.map((o) => o.where)).to.deep.equal(["boot (idle)"]);
    expect(rt.uncaughtErrors[0]).to.match(/^OUT OF MEMORY: \d+ of 2630 variables/);
  });

  it("can be turned off (varMeter: false): no figures, process.memory() estimates", () => {
    const rt = token("var a = [1,2,3];", { varMeter: false });
    expect(rt.vars).to.equal(null);
    expect(rt.global.process.memory().usage).to.be.above(0);
  });
});
