/**
 * The sim is no kinder than Espruino: each behaviour below was measured on the real interpreter
 * (2v29, Linux builds shaped like a Puck.js with memory-mapped Storage and like a Bangle.js 2 with
 * Storage on SPI flash) or read from Espruino's source (docs/SIM-RUNTIME.md "Where V8 and Espruino
 * differ"), and each test runs the pattern an earlier firmware used and shows it failing the way
 * it fails on the device.
 */
import { expect } from "chai";
import { toHex } from "../../../common/bytes";
import { EspruinoRuntime } from "../../../sim/espruino/runtime";
import type { GattCentral } from "../../../sim/espruino/runtime";
import { T0, evalIn, token } from "./helpers";

function nameOf(s: string): Uint8Array {
  const n = new Uint8Array(28);
  for (let i = 0; i < s.length; i++) n[i] = s.charCodeAt(i);
  return n;
}

describe("sim/espruino: no kinder than Espruino", () => {
  describe("ints and floats: Flash.erasePage takes only an int-typed address", () => {
    const setup = "var S = require('Storage'), F = require('Flash'); S.write('f', 'x', 0, 9000); var a = E.getAddressOf(S.read('f'), true); var ps = 4096; S.write('g', 'y');";

    it("the old log set-up, erasePage(Math.ceil(a/ps)*ps), throws 'Address should be an integer, got Number' at boot", () => {
      const rt = token(setup + "var first = Math.ceil(a / ps) * ps; var area = { address: first }; F.erasePage(area.address + 1 * ps); var booted = true;");
      expect(rt.uncaughtErrors).to.deep.equal(["Uncaught Error: Address should be an integer, got Number"]);
      expect(evalIn(rt, "typeof booted")).to.equal("undefined");
      // Flash.write and Flash.read take the same float (their address is an "int" parameter)
      expect(() => evalIn(rt, "F.write([0], first + 8); F.read(4, first)")).to.not.throw();
      // made an int with |0 it is accepted
      expect(() => evalIn(rt, "F.erasePage((first | 0) + 1 * ps)")).to.not.throw();
    });

    it("knows which values are ints, as measured on the interpreter", () => {
      const rt = token(setup + "var p = (a >> 12) << 12;");
      const accepted = (expr: string): string => {
        try {
          evalIn(rt, "F.erasePage(" + expr + ")");
          return "int";
        } catch (e) {
          return (e as Error).message;
        }
      };
      const floats = ["Math.ceil(a / ps) * ps", "p + 0.5 - 0.5", "p * 1.0", "p / 1", "Math.floor(p)", "Math.min(p, p)", "Math.abs(p)",
        "Math.pow(p, 1)", "parseFloat('' + p)", "p - 1e3 + 1000", "3000000000", "0x80000000 >>> 0", "Number(p + '.0')", "'' * 1 + p + 0.5 - 0.5"];
      for (const f of floats) expect(accepted(f), f).to.equal("Address should be an integer, got Number");
      const ints = ["p", "p | 0", "(p / 1) | 0", "Math.ceil(a / ps) * ps | 0", "Math.round(p + 0.4)", "parseInt('' + p)", "Number('' + p)", "+('' + p)",
        "JSON.parse('' + p)", "p >>> 0", "(p >> 12) << 12", "p + 4096 - 4096", "2 * (p / 2 | 0)", "-(-p)", "p % 1000000", "p + true - 1", "p + null",
        "E.getAddressOf(S.read('g'), true) * 0 + (a >> 12 << 12)", "new Uint32Array([p])[0]", "'abc'.length * 0 + p"];
      for (const i of ints) expect(accepted(i), i).to.equal("int");
      expect(accepted("'" + 4096 + "'")).to.equal("Address should be an integer, got String");
      expect(accepted("undefined")).to.equal("Address should be an integer, got undefined");
      expect(accepted("true")).to.equal("Address should be an integer, got Number");
      // a float stays a float through variables, properties, arrays, arguments and returns
      expect(accepted("(function (x) { var o = { v: [x] }; return o.v[0]; })(Math.floor(p))")).to.equal("Address should be an integer, got Number");
      expect(accepted("(function (x) { var o = { v: [x] }; return o.v[0]; })(p)")).to.equal("int");
      // the sim's one blind spot: a float that is exactly 0 is carried as an int (see semantics.ts)
      expect(accepted("p + 0.0")).to.equal("int");
    });

    it("prints integral floats like ints and keeps them numbers", () => {
      const rt = token("var f = Math.floor(4096.5);");
      expect(evalIn(rt, "[typeof f, f + '', f === 4096, f == 4096, JSON.stringify({f: f}), [f].indexOf(4096)].join('|')")).to.equal("number|4096|true|true|{\"f\":4096}|0");
      expect(evalIn(rt, "switch (f) { case 4096: 'matched'; break; default: 'not' }")).to.equal("matched");
      expect(rt.global.f).to.equal(4096); // the host sees a plain number
    });
  });

  describe("Bangle.js 2: Storage on external SPI flash", () => {
    it("E.getAddressOf(Storage.read(f), true) is 0 there, so the old raw-page log finds no area", () => {
      const code = "var S = require('Storage'); S.write('om.log', 'OM', 0, 20000); var t = S.read('om.log'); var a = E.getAddressOf(t, true); var area = a ? { address: (Math.ceil(a / 4096) * 4096) | 0 } : null;";
      const bangle = token(code, { board: "banglejs2" });
      expect(bangle.global.a).to.equal(0);
      expect(bangle.global.area).to.equal(null);
      const puck = token(code);
      expect(puck.global.a).to.equal(puck.storage.find(nameOf("om.log"))!.addr + 32);
      expect(puck.global.area).to.not.equal(null);
    });

    it("require('Flash') reaches the SPI flash at 0x60000000 in 4096-byte pages; getFree() lists none of it", () => {
      const rt = token("var S = require('Storage'), F = require('Flash'); S.write('f', 'hello');", { board: "banglejs2" });
      const addr = rt.storage.find(nameOf("f"))!.addr + 32;
      expect(addr).to.be.at.least(0x60000000);
      expect(evalIn(rt, "E.toString(F.read(5, " + addr + "))")).to.equal("hello");
      expect(evalIn(rt, "JSON.stringify(F.getPage(" + (addr + 5) + "))")).to.equal(JSON.stringify({ addr: addr - (addr % 4096), length: 4096 }));
      expect(evalIn(rt, "F.getPage(0x60800000 + 4096 * 300)")).to.equal(undefined);
      expect(evalIn(rt, "JSON.stringify(F.getFree())")).to.equal("[]");
      // a Storage string there is a flash string: read through on every access, so writes show
      evalIn(rt, "var s = S.read('f'); F.write('J', " + addr + ")");
      expect(evalIn(rt, "s")).to.equal("Hello");
    });
  });

  describe("keys starting with \\xFF are hidden", () => {
    it("from for-in, Object.keys and JSON.stringify: the old scanner, keyed by raw identifier bytes, lost 1 in 256", () => {
      const rt = token(`
        var ids = ["\\x12\\x34", "\\xff\\x0c", "\\x56\\x78"], hits = {};
        ids.forEach(function (id) { hits[id] = (hits[id] || 0) + 1; });
        var logged = []; for (var k in hits) logged.push(k.charCodeAt(0));
      `);
      expect(rt.global.logged).to.deep.equal([0x12, 0x56]);
      expect(evalIn(rt, "Object.keys(hits).length + ' ' + Object.getOwnPropertyNames(hits).length + ' ' + JSON.stringify(hits)")).to.equal('2 2 {"\\u00124":1,"Vx":1}');
      expect(evalIn(rt, "[hits['\\xff\\x0c'], '\\xff\\x0c' in hits, hits.hasOwnProperty('\\xff\\x0c')].join()")).to.equal("1,true,true");
      expect(evalIn(rt, "var arr = []; arr['\\xffx'] = 1; Object.keys(arr).length")).to.equal(1); // arrays do not hide them
    });
  });

  describe("Math.round rounds half away from zero", () => {
    it("a mean RSSI of -57.5 dBm is -58 (V8: -57)", () => {
      const rt = token("var sum = -115, n = 2, mean = Math.round(sum / n);");
      expect(rt.global.mean).to.equal(-58);
      expect(evalIn(rt, "[Math.round(57.5), Math.round(-0.4) + '', 1 / Math.round(-0.4), Math.round(0.49999999999999994), Math.round(2.5), Math.round(-2.5)].join()")).to.equal("58,0,-Infinity,1,3,-3");
    });
  });

  describe("smaller differences", () => {
    it("JSON.stringify writes typed arrays and ArrayBuffers as arrays, and Espruino's escapes", () => {
      const rt = token("");
      expect(evalIn(rt, "JSON.stringify(new Uint8Array([1,2]))")).to.equal("[1,2]");
      expect(evalIn(rt, "JSON.stringify({a: new Int8Array([-1]), b: new Uint8Array([3]).buffer})")).to.equal('{"a":[-1],"b":[3]}');
      expect(evalIn(rt, "JSON.stringify('a\\xff\\x01\\n\"/')")).to.equal('"a\\u00FF\\u0001\\n\\"/"');
      expect(evalIn(rt, "JSON.stringify([undefined, function(){}, 0.1 + 0.2, 1e21, NaN])")).to.equal("[null,undefined,0.3,10e+20,null]");
    });

    it("a TypeError is not an Error and no error has a name; V8's own TypeErrors are Espruino's plain Errors", () => {
      const rt = token("");
      // a built-in's TypeError (JSET_TYPEERROR) and one made by JS code
      expect(evalIn(rt, "try { NRF.setAdvertising(5) } catch (e) { [e instanceof Error, e instanceof TypeError, typeof e.name, e.message, String(e)].join('|') }"))
        .to.equal("false|true|undefined|Expecting Array or Object, got Number|TypeError: Expecting Array or Object, got Number");
      expect(evalIn(rt, "var t = new TypeError('x'); [t instanceof Error, t instanceof TypeError, typeof t.name, Object.keys(t).join('/')].join('|')")).to.equal("false|true|undefined|message/type");
      // what V8 raises as a TypeError, Espruino raises as an Error with its own words
      expect(evalIn(rt, "try { null.x } catch (e) { [e instanceof Error, e instanceof TypeError, e.message].join('|') }")).to.equal("true|false|Can't read property 'x' of null");
      expect(evalIn(rt, "try { nosuch } catch (e) { [e instanceof ReferenceError, e instanceof Error, e.message].join('|') }")).to.equal("true|false|\"nosuch\" is not defined");
      // so code that only handles `instanceof Error` lets a TypeError through
      const old = token("var handled = []; function guard(f) { try { f(); } catch (e) { if (e instanceof Error) handled.push(e.message); else throw e; } } guard(function () { throw new TypeError('bad key'); });");
      expect(old.uncaughtErrors).to.deep.equal(["Uncaught TypeError: bad key"]);
      expect(old.global.handled).to.deep.equal([]);
    });

    it("typedArray.set past the end copies what fits and drops the rest (no RangeError)", () => {
      const rt = token("var u = new Uint8Array(4); u.set([1, 2, 3], 2); var v = new Uint8Array(4); v.set([9], 7); var w = new Uint8Array(3); w.set('AB', 1);");
      expect(Array.from(rt.global.u as Uint8Array)).to.deep.equal([0, 0, 1, 2]);
      expect(Array.from(rt.global.v as Uint8Array)).to.deep.equal([0, 0, 0, 0]);
      expect(Array.from(rt.global.w as Uint8Array)).to.deep.equal([0, 65, 66]);
      expect(() => evalIn(rt, "u.set(5, 1)")).to.throw("First argument must be Array, not Number");
    });

    it("Number(' 12 ') is NaN: nothing may follow the digits; a leading 0 is octal", () => {
      const rt = token("");
      expect(evalIn(rt, "[Number(' 12 '), Number('12 '), Number(' 12'), Number(''), Number(' '), Number('012'), Number('0x10'), ' 12 ' * 1, +' 12 ', Number([5]), Number('1e3')].join()"))
        .to.equal("NaN,NaN,12,0,NaN,10,16,NaN,NaN,5,1000");
    });

    it("prints numbers as Espruino does", () => {
      const rt = token("");
      expect(evalIn(rt, "[(0.1 + 0.2) + '', (1 / 3) + '', 1e21 + '', String(2 / 3), (1e6 / 7).toString(), [0.1 + 0.2].join(), (1.96).toFixed(1), 5e-7 + '', -1 / 3 + '']"))
        .to.deep.equal(["0.3", "0.33333333333", "10e+20", "0.66666666666", "142857.14285714286", "0.3", "1.9", "5e-7", "-0.33333333333"]);
      expect(evalIn(rt, "print(0.1 + 0.2, 1 / 3)")).to.equal(undefined);
      expect(rt.consoleOutput).to.include("0.3 0.33333333333");
      // Storage.writeJSON (measured: the same bytes on the interpreter)
      evalIn(rt, "require('Storage').writeJSON('j', {b: 1, a: 'x\\xff\\x01y\\n', c: [0.1 + 0.2, Math.floor(4.5)], 5: 2, '\\xffh': 1, 'a b': 2})");
      expect(evalIn(rt, "require('Storage').read('j')")).to.equal('{b:1,a:"x\\xFF\\1y\\n",c:[0.3,4],5:2,"a b":2}');
    });

    it("for-in keeps insertion order for integer-like keys too", () => {
      const rt = token("var o = {}; o[5] = 1; o.b = 2; o[1] = 3; o['10'] = 4; o.a = 5; var ks = []; for (var k in o) ks.push(k); var lit = {5: 1, b: 2, 1: 3};");
      expect(rt.global.ks).to.deep.equal(["5", "b", "1", "10", "a"]);
      expect(evalIn(rt, "Object.keys(o).join()")).to.equal("5,b,1,10,a");
      expect(evalIn(rt, "JSON.stringify(o)")).to.equal('{"5":1,"b":2,"1":3,"10":4,"a":5}');
      expect(evalIn(rt, "Object.keys(lit).join()")).to.equal("5,b,1");
      // keys added during the loop are visited (Espruino walks the live list)
      expect(evalIn(rt, "var d = {a: 1}, seen = []; for (var k in d) { seen.push(k); if (k === 'a') d.z = 1; } seen.join()")).to.equal("a,z");
    });

    it("Storage strings on internal flash are live views of it: a later Flash.write, or a compaction, shows through", () => {
      const rt = token("var S = require('Storage'), F = require('Flash'); S.write('cfg', 'hello'); var s = S.read('cfg'); var a = E.getAddressOf(s, true);");
      evalIn(rt, "F.write('J', a)");
      expect(evalIn(rt, "s + ''")).to.equal("Hello");
      expect(evalIn(rt, "[typeof s, s.length, s[0], s.charCodeAt(1), s === 'Hello', JSON.stringify(s)].join('|')")).to.equal('string|5|H|101|true|"Hello"');
      // a string kept across a compaction points at whatever lands at its old address
      evalIn(rt, "S.erase('cfg'); S.compact(); S.write('new', 'WORLD')");
      expect(evalIn(rt, "s + ''")).to.equal("WORLD");
      expect(rt.global.s).to.equal("WORLD");
    });
  });

  describe("addresses and SoftDevice restarts (from Espruino's source)", () => {
    const payload = (n: number) => "[2, 1, 6, 3, 0xff, 0x90, " + n + "]";
    const hexOf = (n: number) => "020106" + "03ff90" + n.toString(16).padStart(2, "0");
    const stale = (rt: EspruinoRuntime, oldPayload: string, newAddress: string) =>
      rt.takeAdvertStarts().filter((s) => toHex(s.data) === oldPayload && s.address === newAddress.slice(0, 17));

    it("the old rotation (wake, setAddress, setAdvertising) sends the old payload once under the new address", () => {
      const rt = token("NRF.setAdvertising(" + payload(1) + ", {connectable: false, scannable: false, interval: 250});");
      rt.takeAdvertStarts();
      evalIn(rt, "NRF.wake(); NRF.setAddress('c1:11:11:11:11:11 random'); NRF.setAdvertising(" + payload(2) + ", {connectable: false, scannable: false, interval: 250});");
      const starts = rt.takeAdvertStarts().map((s) => [toHex(s.data), s.address]);
      expect(starts).to.deep.equal([[hexOf(1), "c1:11:11:11:11:11"], [hexOf(2), "c1:11:11:11:11:11"]]);
      // what stays on the air is the new payload under the new address
      expect(toHex(rt.radioState().advertising!.data)).to.equal(hexOf(2));
    });

    it("the safe order (sleep, setAdvertising, setAddress, wake) never pairs the old payload with the new address", () => {
      const rt = token("NRF.setAdvertising(" + payload(1) + ", {connectable: false, scannable: false, interval: 250});");
      rt.takeAdvertStarts();
      evalIn(rt, "NRF.sleep(); NRF.setAdvertising(" + payload(2) + ", {connectable: false, scannable: false, interval: 250}); NRF.setAddress('c1:22:22:22:22:22 random'); NRF.wake();");
      expect(rt.takeAdvertStarts().map((s) => [toHex(s.data), s.address])).to.deep.equal([[hexOf(2), "c1:22:22:22:22:22"]]);
      // setAddress before setAdvertising is just as safe while asleep
      evalIn(rt, "NRF.sleep(); NRF.setAddress('c1:33:33:33:33:33 random'); NRF.setAdvertising(" + payload(3) + ", {connectable: false, scannable: false, interval: 250}); NRF.wake();");
      expect(stale(rt, hexOf(2), "c1:33:33:33:33:33")).to.deep.equal([]);
      expect(toHex(rt.radioState().advertising!.data)).to.equal(hexOf(3));
    });

    it("Bangle.js 2 refuses a private-nonresolvable address like every board: the factory address stays on the air, the refusal is only printed", () => {
      const rt = token("NRF.setAdvertising(" + payload(1) + ", {connectable: false, scannable: false});", { board: "banglejs2" });
      const factory = rt.radioState().address;
      const seen = new Set<string>();
      for (let i = 0; i < 5; i++) {
        evalIn(rt, "NRF.wake(); NRF.setAddress('0" + i + ":12:34:56:78:9a private-nonresolvable'); NRF.setAdvertising(" + payload(10 + i) + ", {connectable: false, scannable: false});");
        seen.add(rt.radioState().address);
      }
      expect([...seen]).to.deep.equal([factory]);
      expect(rt.uncaughtErrors).to.deep.equal([]);
      expect(rt.consoleOutput.filter((l) => l === "pm_id_addr_set failed: 0x3202")).to.have.length(5);
      expect(rt.radioState().addressType).to.equal("random");
    });

    it("while a central is connected the restart waits for the disconnection, then the stored payload goes out under the new address", () => {
      const rt = token("NRF.setAdvertising(" + payload(1) + ", {interval: 250});");
      const central: GattCentral = { mtu: 23, onNotify: () => {}, onDisconnect: () => {} };
      const link = rt.gattConnect(central)!;
      const before = rt.radioState().address;
      evalIn(rt, "NRF.setAddress('c1:44:44:44:44:44 random')");
      expect(rt.consoleOutput).to.include("BLE Connected, queueing BLE restart for later");
      expect(rt.radioState().address).to.equal(before);
      expect(evalIn(rt, "NRF.getAddress(true)")).to.equal("c1:44:44:44:44:44");
      rt.takeAdvertStarts();
      link.disconnect();
      expect(rt.takeAdvertStarts().map((s) => [toHex(s.data), s.address])).to.deep.equal([[hexOf(1), before], [hexOf(1), "c1:44:44:44:44:44"]]);
    });
  });

  it("(the sim's rewrite keeps timers and reboots working with boxed floats)", () => {
    const rt = new EspruinoRuntime({ board: "puckjs", seed: 3, worldTimeMs: T0, cpuTime: false });
    rt.boot("var n = 0; setInterval(function () { n = n + 0.5; }, 1000 / 2);");
    rt.advanceTo(T0 + 2000);
    expect(rt.global.n).to.equal(2);
    expect(evalIn(rt, "typeof n")).to.equal("number");
  });
});
