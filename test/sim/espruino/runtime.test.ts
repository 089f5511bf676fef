import { expect } from "chai";
import { EspruinoRuntime, NorFlash, loadBuiltFirmware } from "../../../sim/espruino/runtime";
import { T0, evalIn, token } from "./helpers";

describe("sim/espruino runtime: context, timers, clock, console", () => {
  it("offers no Node or post-ES5 globals Espruino lacks (docs/spec/espruino-platform.md section 1)", () => {
    const rt = token("");
    const absent = ["Map", "Set", "WeakMap", "Symbol", "Proxy", "Reflect", "Buffer", "TextEncoder", "setImmediate", "queueMicrotask", "WebAssembly", "Intl", "RangeError", "URIError", "EvalError"];
    for (const name of absent) expect(evalIn(rt, "typeof " + name), name).to.equal("undefined");
    expect(evalIn(rt, "typeof process.env.VERSION")).to.equal("string");
    expect(evalIn(rt, "typeof process.memory().free")).to.equal("number");
    expect(evalIn(rt, "process.memory().total")).to.equal(2630);
    expect(evalIn(rt, "typeof process.exit")).to.equal("undefined");
    expect(evalIn(rt, "typeof Promise.race + typeof Promise.prototype.finally + typeof Array.from + typeof Uint8Array.from")).to.equal("undefinedundefinedundefinedundefined");
    expect(evalIn(rt, "typeof Object.freeze + typeof Number.isInteger + typeof Math.trunc")).to.equal("undefinedundefinedundefined");
    expect(evalIn(rt, "typeof Promise.all + typeof Object.assign + typeof DataView")).to.equal("functionfunctionfunction");
  });

  it("require resolves only Storage, Flash and the board's crypto; others throw like Espruino", () => {
    const puck = token("");
    expect(evalIn(puck, "typeof require('Storage').write")).to.equal("function");
    expect(evalIn(puck, "typeof require('Flash').getFree")).to.equal("function");
    expect(evalIn(puck, "typeof require('crypto').SHA256")).to.equal("function");
    expect(() => evalIn(puck, "require('fs')")).to.throw('Module "fs" not found');
    const jolt = token("", { board: "joltjs" });
    expect(() => evalIn(jolt, "require('crypto')")).to.throw('Module "crypto" not found');
  });

  it("require falls back to a Storage file evaluated as a module", () => {
    const rt = token("require('Storage').write('mymod', 'exports.x = 41 + 1;');");
    expect(evalIn(rt, "require('mymod').x")).to.equal(42);
  });

  it("runs timeouts and intervals in time order with arguments, on virtual time", () => {
    const rt = token(`
      var log = [];
      setTimeout(function (a) { log.push("t300:" + a); }, 300, "x");
      var k = 0;
      var iv = setInterval(function () { log.push("i100@" + Math.round(getTime() * 1000)); if (++k === 4) clearInterval(iv); }, 100);
      setTimeout("log.push('string cb')", 150);
    `);
    expect(rt.nextEventTimeMs()).to.be.closeTo(T0 + 100, 1e-6);
    rt.advanceTo(T0 + 1000);
    expect(rt.global.log).to.deep.equal(["i100@100", "string cb", "i100@200", "t300:x", "i100@300", "i100@400"]);
    expect(rt.nextEventTimeMs()).to.equal(Infinity);
  });

  it("clearTimeout(): no argument clears all, an explicit undefined throws, an unknown id is ignored", () => {
    const rt = token("var n = 0; setTimeout(function(){n++}, 10); setInterval(function(){n++}, 10);");
    expect(() => evalIn(rt, "clearTimeout(undefined)")).to.throw("clearTimeout(undefined) not allowed. Use clearTimeout() instead");
    evalIn(rt, "clearTimeout(12345)");
    evalIn(rt, "clearTimeout()");
    rt.advanceTo(T0 + 100);
    expect(rt.global.n).to.equal(0);
    expect(() => evalIn(rt, "setTimeout(42, 10)")).to.throw("Function or String not supplied!");
  });

  it("changeInterval restarts the period from now; unknown ids throw", () => {
    const rt = token("var t = []; var id = setInterval(function(){ t.push(Math.round(getTime()*1000)); }, 1000);");
    rt.advanceTo(T0 + 1500);
    evalIn(rt, "changeInterval(id, 200)");
    rt.advanceTo(T0 + 2000);
    expect(rt.global.t).to.deep.equal([1000, 1700, 1900]);
    expect(() => evalIn(rt, "changeInterval(999, 10)")).to.throw("Unknown Interval");
  });

  it("getTime starts near 0 at power-on; setTime moves the clock but not the timers; Date follows it", () => {
    const rt = token("var fired = -1; setTimeout(function(){ fired = getTime(); }, 5000);");
    expect(evalIn(rt, "getTime()")).to.be.lessThan(0.01);
    rt.advanceTo(T0 + 1000);
    expect(evalIn(rt, "getTime()")).to.be.closeTo(1, 1e-9);
    evalIn(rt, "setTime(1700000000)");
    expect(evalIn(rt, "Date.now()")).to.be.closeTo(1700000000000, 1e-3);
    expect(evalIn(rt, "new Date().getUTCFullYear()")).to.equal(2023);
    rt.advanceTo(T0 + 5000);
    expect(rt.global.fired).to.be.closeTo(1700000004, 1e-6);
  });

  it("E.setTimeZone shifts Date's local fields, never the host's zone", () => {
    const rt = token("setTime(Date.UTC(2026, 0, 1, 12, 0, 0) / 1000); E.setTimeZone(9);");
    expect(evalIn(rt, "new Date().getHours()")).to.equal(21);
    expect(evalIn(rt, "new Date().getUTCHours()")).to.equal(12);
    expect(evalIn(rt, "new Date().getTimezoneOffset()")).to.equal(-540);
  });

  it("applies clock drift: a +250 ppm token's 1000 s timer fires 0.25 s early in world time", () => {
    const rt = token("var at = 0; setTimeout(function(){ at = getTime(); }, 1000000);", { clockDriftPpm: 250 });
    expect(rt.nextEventTimeMs() - T0).to.be.closeTo(1_000_000 / 1.00025, 1e-3);
    rt.advanceTo(T0 + 1_000_000);
    expect(rt.global.at).to.be.closeTo(1000, 1e-6);
  });

  it("records uncaught errors like Espruino and keeps running other callbacks", () => {
    const rt = token(`
      var ok = 0;
      setTimeout(function(){ throw new Error("boom"); }, 10);
      setTimeout(function(){ null.x; }, 20);
      setTimeout(function(){ throw "str"; }, 25);
      setTimeout(function(){ ok = 1; print("still", "alive", 3, [1,2]); console.log({a:1}); }, 30);
    `);
    rt.advanceTo(T0 + 100);
    expect(rt.uncaughtErrors[0]).to.equal("Uncaught Error: boom");
    // Espruino raises a plain Error (not a TypeError) for a property of null, in its own words
    expect(rt.uncaughtErrors[1]).to.equal("Uncaught Error: Can't read property 'x' of null");
    expect(rt.uncaughtErrors[2]).to.equal('Uncaught "str"');
    expect(rt.global.ok).to.equal(1);
    expect(rt.consoleOutput).to.include("still alive 3 [ 1, 2 ]");
    expect(rt.consoleOutput).to.include('{ "a": 1 }');
  });

  it("an error in boot code stops the rest of the file, as evaluating .bootcde does", () => {
    const rt = token("var a = 1; throw new Error('early'); var b = 2;");
    expect(rt.uncaughtErrors).to.deep.equal(["Uncaught Error: early"]);
    expect(evalIn(rt, "typeof b")).to.equal("undefined");
  });

  it("runs promise callbacks before the next event, and E.on('init') then onInit() after boot code", () => {
    const rt = token("var log = []; function onInit(){ log.push('onInit'); } E.on('init', function(){ log.push('init'); }); Promise.resolve().then(function(){ log.push('then'); }); log.push('boot');");
    expect(rt.global.log).to.deep.equal(["boot", "then", "init", "onInit"]);
  });

  it("E.hwRand and Math.random are deterministic per seed and differ between seeds", () => {
    const a = token("var r = [E.hwRand(), E.hwRand(), Math.random()];", { seed: 7 });
    const b = token("var r = [E.hwRand(), E.hwRand(), Math.random()];", { seed: 7 });
    const c = token("var r = [E.hwRand(), E.hwRand(), Math.random()];", { seed: 8 });
    expect(a.global.r).to.deep.equal(b.global.r);
    expect(a.global.r).to.not.deep.equal(c.global.r);
    expect(Number.isInteger(a.global.r[0])).to.equal(true);
    expect(a.global.r[0]).to.be.within(-2147483648, 2147483647);
  });

  it("E.getBattery exists only where the board says so", () => {
    expect(evalIn(token(""), "E.getBattery()")).to.equal(100);
    expect(evalIn(token("", { board: "mdbt42q" }), "typeof E.getBattery")).to.equal("undefined");
    expect(evalIn(token("", { board: "mdbt42q" }), "typeof NRF.getBattery()")).to.equal("number");
  });

  it("watchdog: a missed kick reboots, flash and clock kept; kicks keep it alive", () => {
    const code = "var boots = (require('Storage').readJSON('boots', 1) || 0) + 1; require('Storage').writeJSON('boots', boots);" +
      "E.enableWatchdog(5, false); var k = setInterval(function(){ if (getTime() < 20) E.kickWatchdog(); }, 1000);";
    const rt = token(code);
    rt.advanceTo(T0 + 19_000);
    expect(rt.reboots).to.have.length(0);
    rt.advanceTo(T0 + 26_000);
    expect(rt.reboots.map((r) => r.reason)).to.deep.equal(["watchdog"]);
    expect(rt.consoleOutput).to.include("WATCHDOG RESET");
    expect(rt.global.boots).to.equal(2);
    expect(evalIn(rt, "getTime()")).to.be.greaterThan(24);
  });

  it("reboot('power') restarts the clock near 0 but keeps flash; E.reboot() reboots after unwinding", () => {
    const rt = token("require('Storage').write('x', 'kept'); setTimeout(function(){ E.reboot(); global.after = 1; }, 1000);");
    rt.advanceTo(T0 + 1500);
    expect(rt.reboots.map((r) => r.reason)).to.deep.equal(["reset"]);
    expect(evalIn(rt, "typeof after")).to.equal("undefined");
    expect(evalIn(rt, "getTime()")).to.be.closeTo(1.5, 1e-6);
    rt.reboot("power");
    expect(evalIn(rt, "getTime()")).to.be.lessThan(0.01);
    expect(evalIn(rt, "require('Storage').read('x')")).to.equal("kept");
  });

  it("code after E.reboot() (a catch block) cannot write flash: nothing runs after a reset on the device", () => {
    const rt = token("var S = require('Storage'); setTimeout(function(){ try { E.reboot(); } catch (e) { S.write('trace', 'caught'); } }, 10);");
    rt.advanceTo(T0 + 15);
    expect(rt.reboots).to.have.length(1);
    expect(evalIn(rt, "S.read('trace')")).to.equal(undefined);
    expect(rt.uncaughtErrors).to.deep.equal([]);
  });

  it("a new runtime on the same flash sees the files; bootFromStorage runs .bootcde", () => {
    const a = token("require('Storage').write('.bootcde', 'var fromStorage = 1;');");
    const b = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash: a.flash });
    b.bootFromStorage();
    expect(b.global.fromStorage).to.equal(1);
    expect(() => new EspruinoRuntime({ board: "pixljs", seed: 1, worldTimeMs: T0, flash: a.flash })).to.throw(/geometry/);
  });

  it("checks its arguments with clear messages", () => {
    expect(() => new EspruinoRuntime({ board: "nope", seed: 1, worldTimeMs: T0 })).to.throw(/unknown board/);
    const rt = token("");
    expect(() => rt.advanceTo(T0 - 1)).to.throw(/back in time/);
    expect(() => rt.reboot("x" as never)).to.throw(/reboot reason/);
    expect(() => loadBuiltFirmware("nope")).to.throw(/unknown board/);
  });
});

describe("sim/espruino runtime: flash-mapped strings, Flash module, Date()", () => {
  it("E.getAddressOf(str, true) gives the flash address of a string read from Storage", () => {
    const rt = token("var S = require('Storage'); S.write('a', 'xyz'); S.write('b', 'hello world'); var s = S.read('b'); var part = S.read('b', 6);");
    const h = rt.storage.find(new Uint8Array([98, ...new Uint8Array(27)]))!;
    expect(evalIn(rt, "E.getAddressOf(s, true)")).to.equal(h.addr + 32);
    expect(evalIn(rt, "E.getAddressOf(part, true)")).to.equal(h.addr + 32 + 6);
    expect(evalIn(rt, "E.getAddressOf('not from flash', true)")).to.equal(0);
    const addr = evalIn(rt, "E.getAddressOf(s, true)");
    expect(evalIn(rt, `E.toString(require('Flash').read(5, ${addr}))`)).to.equal("hello");
  });

  it("require('Flash') works on raw pages below Storage when the flash has them; getFree() is [] on stock boards", () => {
    expect(evalIn(token(""), "require('Flash').getFree()")).to.deep.equal([]);
    const b = token("").board.flash;
    const flash = new NorFlash({ pageSize: b.pageSize, storageAddress: b.storageAddress, storageBytes: b.storageBytes, rawFreePages: 2 });
    const rt = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash });
    rt.boot("var F = require('Flash'); var free = F.getFree();");
    const free = rt.global.free;
    expect(free.length).to.equal(1);
    expect(free[0].length).to.equal(8192);
    expect(free[0].addr).to.equal(b.storageAddress - 8192);
    evalIn(rt, "F.write(new Uint8Array([1,2,3]), free[0].addr + 1); F.write([0xF0], free[0].addr + 1)");
    expect(Array.from(evalIn(rt, "F.read(5, free[0].addr)") as Uint8Array)).to.deep.equal([255, 0, 2, 3, 255]);
    evalIn(rt, "F.erasePage(free[0].addr)");
    expect(Array.from(evalIn(rt, "F.read(2, free[0].addr + 1)") as Uint8Array)).to.deep.equal([255, 255]);
    expect(evalIn(rt, "F.getPage(free[0].addr + 5000).addr")).to.equal(free[0].addr + 4096);
    expect(() => evalIn(rt, "F.read(4, 0)")).to.throw(/outside the flash the simulator holds/);
  });

  it("Date works with and without new, and instanceof Date holds", () => {
    const rt = token("setTime(86400);");
    expect(evalIn(rt, "new Date() instanceof Date")).to.equal(true);
    expect(evalIn(rt, "typeof Date()")).to.equal("string");
    expect(evalIn(rt, "new Date(2026, 0, 2).getDate()")).to.equal(2);
    expect(evalIn(rt, "new Date(new Date(5000)).getTime()")).to.equal(5000);
    expect(evalIn(rt, "new Date().getTime()")).to.be.closeTo(86_400_000, 1);
  });
});

describe("sim/espruino runtime: power cuts outside callbacks", () => {
  it("a cut hit by code called directly still halts the token before anything else runs", () => {
    const rt = token("var ticks = 0; setInterval(function(){ ticks++; }, 100);");
    rt.cutPower({ flashWrite: 1 });
    expect(() => evalIn(rt, "require('Storage').write('x', 'y')")).to.throw(/power cut/);
    rt.advanceTo(T0 + 1000);
    expect(rt.isHalted()).to.equal(true);
    expect(rt.global.ticks).to.equal(0);
    rt.reboot("power");
    expect(rt.isHalted()).to.equal(false);
    expect(evalIn(rt, "require('Storage').read('x')")).to.equal(undefined);
  });
});

describe("sim/espruino runtime: unhandled promise rejections", () => {
  it("are reported by the token (Espruino's wording) instead of crashing the host", async () => {
    const rt = token("Promise.reject(new Error('nope')); var p = new Promise(function(res, rej){ rej('x'); }); p.catch(function(){});");
    await new Promise((r) => setTimeout(r, 20));
    expect(rt.uncaughtErrors).to.deep.equal(["Uncaught Error: Unhandled promise rejection: Error: nope"]);
  });
});

describe("sim/espruino runtime: runaway boot code", () => {
  it("an endless loop at the top level is stopped and reported, the runtime stays usable", () => {
    const rt = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, bootTimeoutMs: 200 });
    rt.boot("var i = 0; while (true) { i++; }");
    expect(rt.uncaughtErrors[0]).to.match(/timed out/);
    expect(evalIn(rt, "1 + 1")).to.equal(2);
  });
});

describe("sim/espruino E helpers", () => {
  it("toUint8Array, toString, CRC32 and getTemperature behave as Espruino's", () => {
    const rt = token("");
    expect(evalIn(rt, "E.toUint8Array('EN-RPI') instanceof Uint8Array")).to.equal(true);
    expect(evalIn(rt, "Array.prototype.join.call(E.toUint8Array('AB', [1, 2], 3), ',')")).to.equal("65,66,1,2,3");
    expect(evalIn(rt, "E.toString(new Uint8Array([72, 105]))")).to.equal("Hi");
    expect(evalIn(rt, "E.toString(72, 105)")).to.equal("Hi");
    expect(evalIn(rt, "E.CRC32('123456789')")).to.equal(0xcbf43926);
    expect(evalIn(rt, "E.getTemperature()")).to.be.within(21, 23);
    const before = evalIn(rt, "E.hwRand()");
    const again = token("");
    evalIn(again, "E.getTemperature()");
    expect(evalIn(again, "E.hwRand()")).to.equal(before);
  });
});
