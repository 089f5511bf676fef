/**
 * scripts/espruino-gate.ts: one failing snippet per rule (the problem must be reported on the
 * snippet's second line), a clean snippet with the look-alikes that are fine on Espruino, and
 * every built dist/firmware/<board>.js.
 */
import { expect } from "chai";
import { allBoards } from "../../boards/index";
import { checkEspruinoSource, formatGateProblem } from "../../scripts/espruino-gate";
import { builtFirmware } from "../firmware-crypto/builtFile";
import { detokenise } from "../../sim/espruino/pretokenised";

interface Case { rule: string; code: string; message: RegExp; board?: string; line?: number }

/** Each `code` starts on line 2, after a harmless first line; the problem is expected on `line` (default 2). */
const FAILING: Case[] = [
  // ES5 syntax only
  { rule: "let", code: "let x = 1;", message: /not ES5 syntax/ },
  { rule: "const", code: "const x = 1;", message: /not ES5 syntax/ },
  { rule: "arrow function", code: "var f = (a) => a;", message: /not ES5 syntax/ },
  { rule: "object destructuring", code: "var {a} = {a: 1};", message: /not ES5 syntax/ },
  { rule: "array destructuring", code: "var [a, b] = [1, 2];", message: /not ES5 syntax/ },
  { rule: "spread in call", code: "f(...args);", message: /not ES5 syntax/ },
  { rule: "spread in array", code: "var a = [0, ...b];", message: /not ES5 syntax/ },
  { rule: "rest parameter", code: "function f(...a) { return a; }", message: /not ES5 syntax/ },
  { rule: "default parameter", code: "function f(a = 1) { return a; }", message: /not ES5 syntax/ },
  { rule: "exponent operator", code: "var x = 2 ** 8;", message: /not ES5 syntax/ },
  { rule: "optional chaining", code: "var x = a?.b;", message: /not ES5 syntax/ },
  { rule: "computed key", code: "var o = {[k]: 1};", message: /not ES5 syntax/ },
  { rule: "generator", code: "function* g() { yield 1; }", message: /not ES5 syntax/ },
  { rule: "async function", code: "async function f() { await g(); }", message: /not ES5 syntax/ },
  { rule: "class", code: "class A { }", message: /not ES5 syntax/ },
  { rule: "template literal", code: "var s = `x${1}`;", message: /not ES5 syntax/ },
  // no function hoisting
  { rule: "call before declaration", code: "f();\nfunction f() { return 1; }", message: /function f is used before its declaration/ },
  { rule: "reference before declaration", code: "var g = f;\nfunction f() { return 1; }", message: /function f is used before its declaration/ },
  { rule: "call reaching a later declaration", code: "function a() { return b(); }\na();\nfunction b() { return 1; }", message: /calling a here reaches function b/, line: 3 },
  { rule: "hoisting inside a function body", code: "function outer() {\n  inner();\n  function inner() {}\n}", message: /function inner is used before/, line: 3 },
  // TypeScript helpers that noEmitHelpers leaves undefined
  { rule: "TS helper __extends", code: "__extends(B, _super);", message: /__extends: a TypeScript helper that is never defined/ },
  { rule: "TS helper __spreadArray", code: "var a = __spreadArray([0], b, true);", message: /__spreadArray: a TypeScript helper/ },
  { rule: "TS helper __generator", code: "var g = __generator(this, function (_a) { return [2]; });", message: /__generator: a TypeScript helper/ },
  // regular expressions beyond Espruino's matcher
  { rule: "regexp ?", code: "var r = /colou?r/;", message: /\? \(optional, lazy, \(\?:, lookaround\) is not supported/ },
  { rule: "regexp lookahead", code: "var r = /a(?=b)/;", message: /is not supported; Espruino has only \* and \+/ },
  { rule: "regexp {n}", code: "var r = /\\d{4}/;", message: /numeric quantifiers/ },
  { rule: "regexp \\b", code: "var r = /\\bword/;", message: /\\b is not a word boundary/ },
  { rule: "regexp group quantifier", code: "var r = /(ab)+/;", message: /quantifiers after a group/ },
  { rule: "regexp | in a group", code: "var r = /x(a|b)/;", message: /\| inside a group/ },
  { rule: "regexp backreference", code: "var r = /(a)\\1/;", message: /backreferences/ },
  { rule: "regexp flag m", code: "var r = /^a/m;", message: /flag m is ignored by Espruino/ },
  { rule: "new RegExp literal", code: "var r = new RegExp(\"ab?\", \"g\");", message: /new RegExp\("ab\?"\): \?/ },
  // implicit globals
  { rule: "assignment to an undeclared name", code: "(function () { leaked = 1; })();", message: /assignment to undeclared leaked makes it a global/ },
  { rule: "increment of an undeclared name", code: "function f() { counter++; }", message: /assignment to undeclared counter/ },
  // labels
  { rule: "label", code: "outer: for (var i = 0; i < 2; i++) { continue outer; }", message: /label outer/ },
  // missing globals
  ...["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "TextEncoder", "TextDecoder",
    "Buffer", "global", "globalThis", "setImmediate", "queueMicrotask"].map((g) => ({
    rule: g, code: "var x = " + g + ";", message: new RegExp("^" + g + ": "),
  })),
  { rule: "process (Node)", code: "var x = process.argv;", message: /process\.argv: Espruino's process has only/ },
  { rule: "bare process", code: "var x = process;", message: /process: Espruino's process has only/ },
  // built-in prototype reads
  ...["Array", "String", "Object", "Function", "Uint8Array"].map((c) => ({
    rule: c + ".prototype", code: "var s = " + c + ".prototype.slice;", message: new RegExp(c + "\\.prototype\\.slice: built-in prototype methods"),
  })),
  { rule: "prototype .call", code: "Array.prototype.forEach.call(a, f);", message: /Array\.prototype\.forEach/ },
  { rule: "prototype via string key", code: "var f = Object[\"prototype\"].hasOwnProperty;", message: /Object\.prototype\.hasOwnProperty/ },
  // missing statics and methods
  ...[["Promise", "race"], ["Promise", "allSettled"], ["Promise", "any"], ["Object", "freeze"], ["Object", "seal"],
    ["Number", "isInteger"], ["Number", "isNaN"], ["Math", "trunc"], ["Math", "log2"], ["Math", "hypot"], ["Math", "imul"],
    ["Math", "clz32"], ["Array", "from"], ["Uint8Array", "from"], ["Uint8Array", "of"], ["Uint32Array", "from"],
    ["Date", "UTC"], ["Math", "log10"], ["Object", "is"], ["Number", "MAX_SAFE_INTEGER"], ["Array", "of"]].map(([o, m]) => ({
    rule: o + "." + m, code: "var y = " + o + "." + m + "(x);", message: new RegExp(o + "\\." + m + " does not exist on Espruino"),
  })),
  { rule: "promise finally", code: "p.then(f).finally(g);", message: /\.finally: Espruino promises have no \.finally/ },
  { rule: "array flat", code: "var f = a.flat();", message: /\.flat: Espruino arrays have no \.flat/ },
  { rule: "string trimStart", code: "var t = s.trimStart();", message: /\.trimStart: Espruino strings have no \.trimStart/ },
  // modules
  { rule: "unknown module", code: "var fs = require(\"fs\");", message: /require\("fs"\): Puck\.js v2 firmware has no such module/ },
  { rule: "crypto on a board without it", code: "var c = require(\"crypto\");", board: "joltjs", message: /require\("crypto"\): Jolt\.js firmware has no such module/ },
  { rule: "computed module name", code: "var m = require(name);", message: /require\(\) needs exactly one string literal/ },
  { rule: "SHA256 where the board lacks it", code: "var h = require(\"crypto\").SHA256(m);", board: "pixljs", message: /require\("crypto"\)\.SHA256 does not exist on Pixl\.js/ },
  { rule: "AES where the board lacks it", code: "var h = require(\"crypto\").AES.encrypt(m, k, o);", board: "mdbt42q", message: /require\("crypto"\)\.AES does not exist on MDBT42Q/ },
];

const CLEAN = [
  "var Omamori;(function(){",
  "function later() { return helper(); }", // reference inside a nested function: fine once both exist
  "function helper() { return [].slice.call(arguments, 1); }",
  "later();",
  "setTimeout(function () { afterwards(); }, 10);",
  "function afterwards() { return 1; }",
  "function Thing() {} Thing.prototype.size = function () { return 1; };",
  "Array.prototype.sum = function () { return 0; };",
  "var o = { get n() { return 1; }, set n(v) {}, map: 1, Set: 2 }; o.Map = o.Set;",
  "var h = require(\"crypto\").SHA256(new Uint8Array(4)); var a = require(\"crypto\").AES.encrypt(h, h, { mode: \"ECB\" });",
  "var s = require(\"Storage\"), fl = require(\"Flash\"), mem = process.memory();",
  "var p = new Promise(function (res) { res(1); }); Promise.all([p]).then(function () {});",
  "var n = Math.floor(Math.sign(-2.5)); var k = Object.keys({}); var t = new Uint8Array(4).subarray(1);",
  "try { x(); } catch (e) { throw new TypeError(\"bad: \" + e); }",
  "var str = (5).toString(16) + o.constructor + o.hasOwnProperty(\"n\") + Object.toString();",
  "var toString = 1, constructor = 2, valueOf = toString + constructor; hasOwnProperty(toString);",
  "var r1 = /^[0-9a-f]+$/i, r2 = /a|b/g, r3 = /\\d+\\.\\d*/, r4 = /[?{}|()]/, r5 = /\\?\\{\\(/, r6 = new RegExp(\"^x+$\");",
  "var li = \"abcabc\".lastIndexOf(\"b\"), fe = Object.fromEntries([[\"a\", 1]]), en = Object.entries(fe);",
  "function scopes(p) { var v; v = 1; p = 2; arguments = 3; for (k in {}) {} var k; try {} catch (err) { err = 4; } (function named() { named = 5; })(); }",
  "Omamori = { ok: true };",
  "})();",
].join("\n");

describe("Espruino gate", () => {
  for (const c of FAILING) {
    it("flags " + c.rule + " on line " + (c.line || 2), () => {
      const problems = checkEspruinoSource("var ok = 1;\n" + c.code + "\n", { board: c.board || "puckjs" });
      const errors = problems.filter((p) => p.level === "error");
      expect(errors, JSON.stringify(problems)).to.have.length.greaterThan(0);
      expect(errors[0].line).to.equal(c.line || 2);
      expect(errors[0].column).to.be.a("number");
      expect(errors.map((p) => p.message).join("\n")).to.match(c.message);
    });
  }

  it("flags RangeError, URIError and EvalError, which Espruino lacks", () => {
    for (const name of ["RangeError", "URIError", "EvalError"]) {
      const problems = checkEspruinoSource("var ok = 1;\nthrow new " + name + "(\"x\");\n", { board: "puckjs" });
      expect(problems, name).to.have.length(1);
      expect(problems[0], name).to.include({ line: 2, level: "error" });
      expect(problems[0].message).to.match(new RegExp("Espruino has no " + name));
    }
  });

  it("passes a clean snippet full of look-alikes that Espruino does run", () => {
    const problems = checkEspruinoSource(CLEAN, { board: "puckjs" });
    expect(problems.map((p) => formatGateProblem("clean.js", p))).to.deep.equal([]);
  });

  it("formats problems as file:line:column", () => {
    const [p] = checkEspruinoSource("var ok = 1;\nvar m = new Map();\n", { board: "puckjs" });
    expect(formatGateProblem("x.js", p)).to.equal("x.js:2:12: error: Map: Espruino has no Map; use an object or a typed array");
  });

  it("rejects bad arguments with clear messages", () => {
    expect(() => checkEspruinoSource(42 as unknown as string, { board: "puckjs" })).to.throw(TypeError, /code must be a string/);
    expect(() => checkEspruinoSource("", { board: "nosuchboard" })).to.throw(/unknown board "nosuchboard"/);
  });

  for (const board of allBoards()) {
    it("finds no errors in the built dist/firmware/" + board.id + ".js", () => {
      // the file is pretokenised: the gate reads it as Espruino's lexer does
      const problems = checkEspruinoSource(detokenise(builtFirmware(board.id)), { board: board.id });
      expect(problems.filter((p) => p.level === "error").map((p) => formatGateProblem(board.id + ".js", p))).to.deep.equal([]);
    });
  }
});
