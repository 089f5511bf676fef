import { expect } from "chai";
import { EspruinoRuntime } from "../../../sim/espruino/runtime";
import { nameBytes } from "../../../sim/espruino/storage";
import { T0, evalIn, token } from "./helpers";

const S = "var S = require('Storage');";

describe("sim/espruino Storage (port of jsflash.c)", () => {
  it("writes and reads binary-safe strings, ArrayBuffers, arrays and JSON", () => {
    const rt = token(S + `
      S.write("bin", new Uint8Array([0, 1, 255, 128, 10]));
      S.write("arr", [65, 66, 67]);
      S.write("obj", {a: 1, b: "x"});
      S.writeJSON("j", {k: [1, 2], "two words": true, u: new Uint8Array([3, 4])});
    `);
    expect(evalIn(rt, "S.read('bin')")).to.equal("\x00\x01\xff\x80\n");
    expect(evalIn(rt, "Array.prototype.slice.call(new Uint8Array(S.readArrayBuffer('bin'))).join()")).to.equal("0,1,255,128,10");
    expect(evalIn(rt, "S.readArrayBuffer('bin') instanceof ArrayBuffer")).to.equal(true);
    expect(evalIn(rt, "S.read('arr')")).to.equal("ABC");
    expect(evalIn(rt, "S.readJSON('obj').b")).to.equal("x");
    expect(evalIn(rt, "S.read('j')")).to.equal('{k:[1,2],"two words":true,u:[3,4]}');
    expect(evalIn(rt, "JSON.stringify(S.readJSON('j'))")).to.equal('{"k":[1,2],"two words":true,"u":[3,4]}');
    expect(evalIn(rt, "S.read('bin', 2, 2)")).to.equal("\xff\x80");
    expect(evalIn(rt, "S.read('missing')")).to.equal(undefined);
    S;
  });

  it("readJSON throws on bad JSON unless noExceptions", () => {
    const rt = token(S + "S.write('bad', '{oops');");
    expect(() => evalIn(rt, "S.readJSON('bad')")).to.throw(/JSON/);
    expect(evalIn(rt, "S.readJSON('bad', true)")).to.equal(undefined);
  });

  it("pre-allocates with size and writes once into erased bytes only (Espruino's documented example)", () => {
    const rt = token(S + 'S.write("a","Hello",0,14);');
    expect(evalIn(rt, "S.read('a')")).to.equal("Hello" + "\xff".repeat(9));
    evalIn(rt, 'S.write("a"," ",5); S.write("a","World!!!",6);');
    expect(evalIn(rt, "S.read('a')")).to.equal("Hello World!!!");
    expect(() => evalIn(rt, 'S.write("a","x",1)')).to.throw("File already written with different data");
    expect(() => evalIn(rt, 'S.write("a","x",20)')).to.throw("Too much data for file size");
    expect(() => evalIn(rt, 'S.write("none","x",3)')).to.throw("Unable to find or create file");
    evalIn(rt, 'S.write("a"," ",0)');
    expect(evalIn(rt, "S.read('a')")).to.equal(" ");
    expect(() => evalIn(rt, 'S.write("z","")')).to.throw("Can't create zero length file");
  });

  it("an identical rewrite touches no flash; a different one marks the old file as trash and appends", () => {
    const rt = token(S + "S.write('f', 'same');");
    expect(rt.countFlashOps(() => evalIn(rt, "S.write('f', 'same')")).writes).to.equal(0);
    const before = evalIn(rt, "S.getStats()");
    evalIn(rt, "S.write('f', 'diff')");
    const after = evalIn(rt, "S.getStats()");
    expect(after.trashCount).to.equal(before.trashCount + 1);
    expect(after.fileCount).to.equal(before.fileCount);
    expect(after.trashBytes).to.equal(32 + 4);
    expect(evalIn(rt, "S.read('f')")).to.equal("diff");
  });

  it("lays files out as 32-byte headers + data at 4-byte alignment, and getStats/getFree add up", () => {
    const rt = token(S + "S.write('one', 'abcde'); S.write('two', 'xy');");
    const base = rt.board.flash.storageAddress;
    // header: size word, then the 0-padded name
    expect(rt.flash.readU32(base)).to.equal(5);
    expect(String.fromCharCode(...rt.flash.read(base + 4, 3))).to.equal("one");
    expect(rt.flash.readU32(base + 32 + 8)).to.equal(2); // 5 bytes padded to 8
    const st = evalIn(rt, "S.getStats()");
    expect(st.totalBytes).to.equal(40960);
    expect(st.fileBytes).to.equal(40 + 36);
    expect(st.freeBytes).to.equal(40960 - 76);
    expect(evalIn(rt, "S.getFree()")).to.equal(st.freeBytes);
    expect(evalIn(rt, "S.list()")).to.deep.equal(["one", "two"]);
    expect(evalIn(rt, "S.list(/^t/)")).to.deep.equal(["two"]);
  });

  it("cuts names to 28 bytes, as jsfNameFromVar does", () => {
    const long = "n".repeat(30);
    const rt = token(S + `S.write("${long}", "v");`);
    expect(evalIn(rt, "S.list()")).to.deep.equal(["n".repeat(28)]);
    expect(evalIn(rt, `S.read("${"n".repeat(28)}")`)).to.equal("v");
  });

  it("hash() changes when a file is rewritten (it hashes names and addresses) and ignores StorageFiles", () => {
    const rt = token(S + "S.write('a.js', '1'); S.write('b', '2'); var h1 = S.hash(/\\.js$/);");
    expect(evalIn(rt, "S.hash(/\\.js$/)")).to.equal(rt.global.h1);
    evalIn(rt, "S.write('b', '3'); S.open('c.js', 'w').write('x')");
    expect(evalIn(rt, "S.hash(/\\.js$/)")).to.equal(rt.global.h1);
    evalIn(rt, "S.write('a.js', '4')");
    expect(evalIn(rt, "S.hash(/\\.js$/)")).to.not.equal(rt.global.h1);
    expect(Number.isInteger(rt.global.h1)).to.equal(true);
  });

  it("erase, eraseAll and compact", () => {
    const rt = token(S + "S.write('a', 'x'); S.write('a', 'y'); S.write('b', 'z'); S.erase('b');");
    expect(evalIn(rt, "S.getStats().trashCount")).to.equal(2);
    evalIn(rt, "S.compact()");
    expect(evalIn(rt, "S.getStats().trashCount")).to.equal(0);
    expect(evalIn(rt, "S.read('a')")).to.equal("y");
    expect(rt.consoleOutput).to.include("Compacting...");
    evalIn(rt, "S.eraseAll()");
    expect(evalIn(rt, "S.list()")).to.deep.equal([]);
    expect(evalIn(rt, "S.getFree()")).to.equal(40960);
  });

  it("auto-compacts when a new file only fits with the trash removed", () => {
    const rt = token(S + `
      var big = new Uint8Array(9000); big.fill(65);
      for (var i = 0; i < 4; i++) { big[0] = 48 + i; S.write('big', big); }
    `);
    expect(evalIn(rt, "S.getStats().trashCount")).to.equal(3);
    const erasesBefore = rt.flash.ops.erases;
    evalIn(rt, "var b2 = new Uint8Array(9000); b2.fill(66); S.write('other', b2);");
    expect(rt.flash.ops.erases).to.be.greaterThan(erasesBefore);
    expect(evalIn(rt, "S.getStats().trashCount")).to.equal(0);
    expect(evalIn(rt, "S.read('big').charCodeAt(0)")).to.equal(51);
    expect(evalIn(rt, "S.read('other').length")).to.equal(9000);
  });

  it("a file that does not fit even after compaction fails with Espruino's message", () => {
    const rt = token(S);
    expect(() => evalIn(rt, "S.write('huge', new Uint8Array(50000))")).to.throw("Unable to find or create file");
  });

  describe("StorageFile (open)", () => {
    it("appends across 4064-byte chunk files and reads back by length and line", () => {
      const rt = token(S + `
        var f = S.open("log", "w");
        for (var i = 0; i < 300; i++) f.write("line " + i + " ...................\\n");
      `);
      const total = evalIn(rt, "var n = 0; for (var i = 0; i < 300; i++) n += ('line ' + i + ' ...................\\n').length; n");
      expect(evalIn(rt, "S.open('log','r').getLength()")).to.equal(total);
      expect(evalIn(rt, "S.list(/^log/)")).to.deep.equal(["log\x01"]);
      expect(evalIn(rt, "S.list(undefined, {sf:true})")).to.deep.equal(["log"]);
      expect(evalIn(rt, "S.list(undefined, {sf:false})")).to.deep.equal([]);
      const chunks = rt.storage.headers().filter((h) => !h.deleted && h.flags === 64);
      expect(chunks.length).to.be.greaterThan(1);
      expect(chunks[0].size).to.equal(4064);
      expect(evalIn(rt, "var r = S.open('log','r'); r.readLine() + r.readLine()")).to.equal("line 0 ...................\nline 1 ...................\n");
      expect(evalIn(rt, "var r2 = S.open('log','r'), s = '', c; while ((c = r2.read(1000)) !== undefined) s += c; s.length")).to.equal(total);
    });

    it("append mode continues after the last byte; 0xFF cannot be stored (reading stops there)", () => {
      const rt = token(S + "var f = S.open('x', 'w'); f.write('abc'); var g = S.open('x', 'a'); g.write('def\\xffghi');");
      expect(evalIn(rt, "S.open('x','r').read(100)")).to.equal("abcdef");
      expect(evalIn(rt, "S.open('x','r').getLength()")).to.equal(6);
    });

    it("modes are enforced and erase removes every chunk", () => {
      const rt = token(S + "var f = S.open('m', 'w'); f.write('data');");
      expect(() => evalIn(rt, "S.open('m','r').write('x')")).to.throw("Can't write in this mode");
      expect(() => evalIn(rt, "S.open('m','w').read(1)")).to.throw("Can't read in this mode");
      expect(() => evalIn(rt, "S.open('m','q')")).to.throw(/Invalid mode/);
      evalIn(rt, "S.open('m','r').erase()");
      expect(evalIn(rt, "S.list()")).to.deep.equal([]);
    });

    it("uses 10-page chunks on Bangle.js 2's 8 MB flash", () => {
      const rt = token(S + "S.open('b', 'w').write('x');", { board: "banglejs2" });
      const h = rt.storage.find(Uint8Array.from([...nameBytes("b").subarray(0, 1), 1, ...new Uint8Array(26)]));
      expect(h?.size).to.equal(40960 - 32);
    });
  });

  describe("power cuts", () => {
    const OLD = "old-value-" + "o".repeat(40);
    const NEW = "new-value-" + "n".repeat(60);

    function baseline(): EspruinoRuntime {
      return token(S + `S.write('other', 'untouched'); S.write('f', '${OLD}');`);
    }

    it("cut at every flash operation of a replacing write: what survives is what Espruino would leave", () => {
      const base = baseline();
      const probe = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash: base.flash.clone() });
      probe.boot(S);
      const ops = probe.countFlashOps(() => evalIn(probe, `S.write('f', '${NEW}')`));
      // 1 word to mark the old file deleted, 8 header words, 70 bytes of data = 18 words
      expect(ops).to.include({ writes: 1 + 8 + 18, erases: 0 });
      const outcomes = new Set<string>();
      for (let k = 1; k <= ops.writes; k++) {
        const flash = base.flash.clone();
        const rt = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash });
        rt.boot(S + `setTimeout(function () { S.write('f', '${NEW}'); global.done = 1; }, 10);`);
        rt.cutPower({ flashWrite: k });
        rt.advanceTo(T0 + 100);
        expect(rt.isHalted(), "halted at cut " + k).to.equal(true);
        expect(rt.radioState().advertising).to.equal(null);
        // power comes back: a fresh boot on the same flash
        const after = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0 + 200, flash });
        after.boot(S);
        expect(evalIn(after, "S.read('other')"), "cut " + k).to.equal("untouched");
        const f = evalIn(after, "S.read('f')");
        if (k === 1) expect(f, "cut before the delete mark").to.equal(OLD);
        else if (k <= 9) expect(f, "cut before the header is complete").to.equal(undefined);
        else {
          // header written, data partly: the written prefix then erased bytes
          expect(f.length).to.equal(NEW.length);
          const written = 4 * (k - 10);
          expect(f.slice(0, written)).to.equal(NEW.slice(0, written));
          expect(f.slice(written)).to.equal("\xff".repeat(NEW.length - written));
        }
        outcomes.add(f === OLD ? "old" : f === undefined ? "lost" : "partial");
        // Storage is still usable
        evalIn(after, `S.write('f', '${NEW}')`);
        expect(evalIn(after, "S.read('f')")).to.equal(NEW);
      }
      expect([...outcomes].sort()).to.deep.equal(["lost", "old", "partial"]);
    });

    it("compaction is not power-safe: cut points that lose or duplicate files, Storage still usable", () => {
      const base = token(S + `
        var big = new Uint8Array(9000); big.fill(65);
        for (var i = 0; i < 4; i++) { big[0] = 48 + i; S.write('big', big); }
        S.write('small', 'keep me');
      `);
      const probe = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash: base.flash.clone() });
      probe.boot(S);
      const ops = probe.countFlashOps(() => evalIn(probe, "S.compact()"));
      expect(ops.erases).to.be.greaterThan(0);
      expect(evalIn(probe, "S.list()")).to.deep.equal(["big", "small"]);
      const after = (at: { flashWrite?: number; flashErase?: number }) => {
        const flash = base.flash.clone();
        const rt = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash });
        rt.boot(S + "setTimeout(function(){ S.compact(); }, 10);");
        rt.cutPower(at);
        rt.advanceTo(T0 + 100);
        expect(rt.isHalted()).to.equal(true);
        const a = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, flash });
        a.boot(S);
        return a;
      };
      // first page erased, nothing rewritten yet: the header chain starts at an erased page, all files are gone
      expect(evalIn(after({ flashWrite: 1 }), "S.list()")).to.deep.equal([]);
      // mid-copy: the half-written new copy of 'big' comes first, so reads see its 0xFF tail
      const mid = after({ flashWrite: 1000 });
      expect(evalIn(mid, "S.list()")).to.deep.equal(["big", "big", "small"]);
      expect(evalIn(mid, "S.read('big').indexOf('\\xff')")).to.be.greaterThan(0);
      for (let k = 1; k <= ops.writes; k += 227) {
        const a = after({ flashWrite: k });
        evalIn(a, "S.write('fresh', 'ok')");
        expect(evalIn(a, "S.read('fresh')"), "usable after cut at write " + k).to.equal("ok");
      }
      for (let k = 1; k <= ops.erases; k++) {
        expect(evalIn(after({ flashErase: k }), "S.read('small')"), "erase cut " + k).to.equal("keep me");
      }
    });
  });
});
