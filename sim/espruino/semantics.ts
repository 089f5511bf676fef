/**
 * Espruino's value semantics inside the token's vm context, where V8's differ in ways firmware
 * can trip over. Measured on the real interpreter (2v29, Linux builds shaped like a Puck.js and a
 * Bangle.js 2) and read from espruino/Espruino src/jsvar.c (jsvMathsOp, jsvAsNumber,
 * jsvGetFloat), src/jsparse.c, src/jswrap_math.c, src/jswrap_json.c, src/jswrap_object.c,
 * src/jswrap_number.c, src/jswrap_arraybuffer.c, src/jswrap_error.c. The code rewriter
 * (instrument.ts) sends the operators here; the built-ins are replaced in the context.
 *
 * Ints and floats. Espruino keeps two number types: a 32-bit int (JsVarInt) and a double.
 *   - int literals, results of | & ^ << >> ~, >>> (when < 2^31), + - * % of two ints (when the
 *     result fits 32 bits), .length, charCodeAt, parseInt, Math.round, int typed-array reads,
 *     and built-ins returning "int" are ints;
 *   - literals with '.' or an exponent (1.0, 1e3 — a minifier writes 1000 as 1e3!), anything / ,
 *     Math.floor/ceil/abs/min/max/pow/sqrt/..., parseFloat, getTime(), Number("1.5"), strings in
 *     arithmetic ("5"*2), and any + - * % with a float operand are floats, even when integral.
 *   Booleans and null count as ints in arithmetic, undefined as a float (NaN).
 * V8 has one number type, so a float whose value is a non-zero 32-bit integer is carried as a
 * Number object ("box"); every other value shows its type by its value (a non-integral or huge
 * number, NaN, -0 can only be a float). A float 0.0 is carried as 0 (boxing zero would make it
 * truthy): the one place the types differ for it, Flash.erasePage(0), is refused anyway.
 * Boxes never reach host code: built-ins unbox their arguments, and rt.global hands the host a
 * view that unboxes (realm.ts hostView).
 * Only Flash.erasePage checks the type (jsvIsInt: "Address should be an integer, got Number").
 *
 * Also as on the device:
 *   - numbers print through ftoa (numbers.ts): (0.1+0.2)+"" is "0.3", 1e21+"" is "10e+20";
 *   - Number(" 12 ") and " 12 "*1 are NaN (nothing may follow the digits), "012" is octal;
 *   - Math.round rounds half away from zero (-57.5 -> -58); Math.pow does small integer powers
 *     by multiplication and the rest by exp(log(x)*y), so Math.pow(2,16) is not exactly 65536;
 *   - JSON.stringify: typed arrays and ArrayBuffers as arrays, keys starting with "\xFF" left
 *     out, Espruino's escapes ("\u00FF"), functions in arrays as undefined, undefined as "null";
 *   - keys starting with "\xFF" are hidden from for...in, Object.keys and getOwnPropertyNames;
 *     objects keep insertion order for integer-like keys too (V8 puts them first); for...in
 *     visits keys added during the loop;
 *   - errors have no .name; Error, TypeError, ReferenceError... are separate: new TypeError(..) is
 *     not instanceof Error; V8's own TypeErrors/RangeErrors (null.x, a call of a non-function)
 *     become plain Errors (Espruino raises Error there), its ReferenceErrors stay ReferenceErrors;
 *   - typedArray.set(src, offset) copies what fits and drops the rest (no RangeError), takes
 *     strings as char codes and refuses numbers ("First argument must be Array, not Number").
 * Not emulated: integer-like keys of objects made by JSON.parse keep V8's order; a float used as
 * a property key gets V8's digits; template literals print numbers V8's way (Espruino firmware
 * is ES5); relational comparisons of a number with a string use V8's conversion; shift counts of
 * 32 or more (the nRF52 shifts them out, V8 takes them mod 32).
 */
import type { Realm } from "./realm";
import { espFloatToString, espStringToFloat, espStringToNumber } from "./numbers";

export interface SemanticsHost {
  /** Is x a live flash string (a Storage.read result)? */
  isFlashString(x: unknown): boolean;
  /** The current text of a flash string. */
  flashStringValue(x: unknown): string;
}

/** Realm-side state the host needs (key order records, the unwrapped constructors). */
export interface SemanticsHandle {
  /** Record the key order of an object the host built (Espruino keeps insertion order). */
  recordKeyOrder(obj: object, keys: string[]): void;
  /** Mark an error created by a built-in (so it is not converted as a V8 engine error). */
  markError(e: unknown): void;
  /** Turn a V8 engine error thrown in the context into what Espruino throws. */
  convertError(e: unknown): unknown;
  /** A number or boxed float / flash string as a host primitive. */
  unbox(x: unknown): unknown;
  /** Box a float result of a built-in (a non-zero 32-bit integer value). */
  box(x: number): unknown;
  isBox(x: unknown): boolean;
  /** Espruino's visible own keys of an object, in its order. */
  keys(o: object): string[];
}

const REALM_SCRIPT = String.raw`(function (g, host) {
var NumberCtor = g.Number, NumberProto = NumberCtor.prototype;
var numValueOf = NumberProto.valueOf, numToString = NumberProto.toString;
var ObjectCtor = g.Object, origKeys = ObjectCtor.keys, origNames = ObjectCtor.getOwnPropertyNames;
var getProto = ObjectCtor.getPrototypeOf, defProp = ObjectCtor.defineProperty;
var hasOwn = ObjectCtor.prototype.hasOwnProperty, isEnum = ObjectCtor.prototype.propertyIsEnumerable;
var isArray = g.Array.isArray, isView = g.ArrayBuffer.isView, DateCtor = g.Date;
var StringCtor = g.String, mathFloor = g.Math.floor, mathCeil = g.Math.ceil, mathExp = g.Math.exp, mathLog = g.Math.log;
var order = new host.WeakMap(), errMarks = new host.WeakSet();
var isFS = host.isFlashString, fsValue = host.flashStringValue;
var ftoa = host.ftoa, strToFloat = host.strToFloat, strToNumber = host.strToNumber;
var FL = false;

function hide(name, value) { defProp(g, name, { value: value, writable: true, enumerable: false, configurable: true }); }
function intv(v) { return v === (v | 0) && (v !== 0 || 1 / v > 0); }
function box(r) { return (r !== 0 && r === (r | 0)) ? new NumberCtor(r) : r; }
function isBox(x) { return x instanceof NumberCtor; }
function unbox(x) {
  if (typeof x === "object" && x !== null) {
    if (x instanceof NumberCtor) return numValueOf.call(x);
    if (isFS(x)) return fsValue(x);
  }
  return x;
}
function fmt(v, isFloat) { return (!isFloat && intv(v)) ? "" + v : ftoa(v); }

/* jsvGetFloat of an operand of - * / % (FL: it is not "integerish", so the float path is taken) */
function num(x) {
  switch (typeof x) {
    case "number": FL = !intv(x); return x;
    case "boolean": FL = false; return x ? 1 : 0;
    case "string": FL = true; return strToFloat(x);
    case "object":
      if (x === null) { FL = false; return 0; }
      if (x instanceof NumberCtor) { FL = true; return numValueOf.call(x); }
      if (isFS(x)) { FL = true; return strToFloat(fsValue(x)); }
      return objNum(x);
    default: FL = true; return NaN;
  }
}
function objNum(x) {
  if (x instanceof DateCtor) { FL = true; return DateCtor.prototype.valueOf.call(x); }
  var p = typeof x.valueOf === "function" ? x.valueOf() : x;
  if (p !== x && (typeof p !== "object" || p === null || isBox(p))) { var r = num(p); FL = FL || typeof p !== "number"; return r; }
  if (isArray(x) || isView(x)) {
    FL = true;
    if (x.length === 0) return 0;
    if (x.length === 1) { var e = num(x[0]); FL = true; return e; }
    return NaN;
  }
  FL = true; return NaN;
}
/* jsvGetValueOf for +: primitives, boxes and flash strings unwrapped; FL set for floats */
function prim(x) {
  if (typeof x === "object" && x !== null) {
    if (x instanceof NumberCtor) { FL = true; return numValueOf.call(x); }
    if (isFS(x)) { FL = false; return fsValue(x); }
    if (x instanceof DateCtor) { FL = true; return DateCtor.prototype.valueOf.call(x); }
    var p = typeof x.valueOf === "function" ? x.valueOf() : x;
    if (p !== x && (typeof p !== "object" || p === null)) { FL = typeof p === "number" && !intv(p); return p; }
    if (isBox(p)) { FL = true; return numValueOf.call(p); }
    FL = false; return StringCtor(x);
  }
  FL = typeof x === "number" && !intv(x);
  return x;
}
function str(x, isFloat) {
  if (typeof x === "number") return fmt(x, isFloat);
  return "" + x;
}
function add(a, b) {
  if (typeof a === "number" && typeof b === "number") {
    var r = a + b;
    if (a === (a | 0) && (a !== 0 || 1 / a > 0) && b === (b | 0) && (b !== 0 || 1 / b > 0)) return r;
    return box(r);
  }
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (a === undefined && b === undefined) return undefined;
  var pa = prim(a), fa = FL, pb = prim(b), fb = FL;
  var ta = typeof pa, tb = typeof pb;
  var na = ta === "number" || ta === "boolean" || ta === "undefined" || pa === null;
  var nb = tb === "number" || tb === "boolean" || tb === "undefined" || pb === null;
  if (!na || !nb) return str(pa, fa) + str(pb, fb);
  var s = (+pa) + (+pb);
  if (!fa && !fb && ta !== "undefined" && tb !== "undefined") return s;
  return box(s);
}
function sub(a, b) {
  if (typeof a === "number" && typeof b === "number" && a === (a | 0) && (a !== 0 || 1 / a > 0) && b === (b | 0) && (b !== 0 || 1 / b > 0)) return a - b;
  var x = num(a), fa = FL, y = num(b), fb = FL;
  return (fa || fb) ? box(x - y) : x - y;
}
function mul(a, b) {
  if (typeof a === "number" && typeof b === "number" && a === (a | 0) && (a !== 0 || 1 / a > 0) && b === (b | 0) && (b !== 0 || 1 / b > 0)) return a * b;
  var x = num(a), fa = FL, y = num(b), fb = FL;
  return (fa || fb) ? box(x * y) : x * y;
}
function div(a, b) {
  if (typeof a === "number" && typeof b === "number") return box(a / b);
  return box(num(a) / num(b));
}
function mod(a, b) {
  if (typeof a === "number" && typeof b === "number" && a === (a | 0) && (a !== 0 || 1 / a > 0) && b === (b | 0) && (b !== 0 || 1 / b > 0)) return b === 0 ? NaN : a % b;
  var x = num(a), fa = FL, y = num(b), fb = FL;
  if (!fa && !fb) return y === 0 ? NaN : x % y;
  return box(x % y);
}
function neg(a) { return sub(0, a); }
/* jsvAsNumber (unary +, Number(), the old value of x++) */
function asNumber(x) {
  switch (typeof x) {
    case "number": return x;
    case "boolean": return x ? 1 : 0;
    case "undefined": return NaN;
    case "string": var r = strToNumber(x); return r.isFloat ? box(r.value) : r.value;
    case "object":
      if (x === null) return 0;
      if (x instanceof NumberCtor) return x;
      if (isFS(x)) return asNumber(fsValue(x));
      return box(objNum(x));
    default: return NaN;
  }
}
function pos(x) {
  if (typeof x === "number") return x;
  if (typeof x === "object" && x !== null && !(x instanceof NumberCtor) && !isFS(x)) {
    if (x instanceof DateCtor) return box(DateCtor.prototype.valueOf.call(x));
    var p = typeof x.valueOf === "function" ? x.valueOf() : x;
    if (p !== x) return asNumber(p);
  }
  return asNumber(x);
}
function inc(x) { return (typeof x === "number" && x === (x | 0) && x !== 2147483647 && (x !== 0 || 1 / x > 0)) ? x + 1 : add(pos(x), 1); }
function dec(x) { return (typeof x === "number" && x === (x | 0) && x !== -2147483648 && (x !== 0 || 1 / x > 0)) ? x - 1 : sub(pos(x), 1); }
function seq(a, b) {
  if (a === b) return true;
  if (typeof a === "object" && a !== null) a = unbox(a);
  if (typeof b === "object" && b !== null) b = unbox(b);
  return a === b;
}
function eq(a, b) {
  a = unbox(a); b = unbox(b);
  if (typeof a === "number" && typeof b === "string") return a === strToNumber(b).value;
  if (typeof a === "string" && typeof b === "number") return b === strToNumber(a).value;
  return a == b;
}
function typeofObj(x) {
  if (x instanceof NumberCtor) return "number";
  if (isFS(x)) return "string";
  return typeof x;
}
function typeOf(x) { return (typeof x === "object" && x !== null) ? typeofObj(x) : typeof x; }

/* key order and hidden keys (jsvIsInternalObjectKey: a first character of \xFF) */
function hides(o) { return (typeof o === "object" || typeof o === "function") && o !== null && !isArray(o) && !isView(o); }
function indexKey(k) {
  if (typeof k === "number") return k === (k >>> 0) && k !== 4294967295 ? "" + k : null;
  if (typeof k !== "string" || k.length === 0 || k.length > 10) return null;
  var c = k.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && k.length > 1)) return null;
  var n = +k;
  return ("" + (n >>> 0)) === k && n !== 4294967295 ? k : null;
}
function track(o, k) {
  if (!hides(o)) return;
  var key = indexKey(k);
  if (key === null || hasOwn.call(o, key)) return;
  var rec = order.get(o);
  if (!rec) { rec = { keys: [], before: [] }; order.set(o, rec); }
  var i = rec.keys.indexOf(key);
  if (i >= 0) { rec.keys.splice(i, 1); rec.before.splice(i, 1); }
  var strs = 0, ks = origKeys(o);
  for (var j = 0; j < ks.length; j++) if (indexKey(ks[j]) === null) strs++;
  rec.keys.push(key); rec.before.push(strs);
}
function put(o, k, v) {
  if (isView(o)) { o[k] = v; return v; }
  if (typeof k === "object" && k !== null) k = unbox(k);
  if ((typeof k === "number" || typeof k === "string") && typeof o === "object" && o !== null && !isView(o) && !isArray(o)) track(o, k);
  o[k] = v;
  return v;
}
/* not a plain object: a store there needs no key-order record */
function np(o) { return typeof o !== "object" || o === null || isView(o) || isArray(o); }
function lit(o, keys) {
  var rec = { keys: [], before: [] }, strs = 0;
  for (var i = 0; i < keys.length; i++) {
    if (indexKey(keys[i]) !== null) {
      var j = rec.keys.indexOf(keys[i]);
      if (j >= 0) { rec.keys.splice(j, 1); rec.before.splice(j, 1); }
      rec.keys.push(keys[i]); rec.before.push(strs);
    } else strs++;
  }
  order.set(o, rec);
  return o;
}
function ordered(o, ks) {
  var rec = order.get(o);
  if (!rec) return ks;
  var ints = [], strs = [], present = {};
  for (var i = 0; i < ks.length; i++) { if (indexKey(ks[i]) !== null) { ints.push(ks[i]); present[ks[i]] = 1; } else strs.push(ks[i]); }
  var out = [], used = {};
  for (var n = 0; n <= strs.length; n++) {
    for (var r = 0; r < rec.keys.length; r++) {
      var key = rec.keys[r];
      if (rec.before[r] === n && present[key] && !used[key]) { used[key] = 1; out.push(key); }
    }
    if (n < strs.length) out.push(strs[n]);
  }
  for (var r2 = 0; r2 < rec.keys.length; r2++) { var k2 = rec.keys[r2]; if (present[k2] && !used[k2]) { used[k2] = 1; out.push(k2); } }
  var untracked = [];
  for (var u = 0; u < ints.length; u++) if (!used[ints[u]]) untracked.push(ints[u]);
  return untracked.concat(out);
}
function visible(o, ks) {
  if (!hides(o)) return ks;
  var out = [];
  for (var i = 0; i < ks.length; i++) if (ks[i].charCodeAt(0) !== 255) out.push(ks[i]);
  return ordered(o, out);
}
function keys(o) { return visible(o, origKeys(o)); }
ObjectCtor.keys = function keys(o) { return visible(o, origKeys(o)); };
ObjectCtor.getOwnPropertyNames = function getOwnPropertyNames(o) { return visible(o, origNames(o)); };
if (ObjectCtor.entries) ObjectCtor.entries = function entries(o) { var ks = keys(o), r = []; for (var i = 0; i < ks.length; i++) r.push([ks[i], o[ks[i]]]); return r; };
if (ObjectCtor.values) ObjectCtor.values = function values(o) { var ks = keys(o), r = []; for (var i = 0; i < ks.length; i++) r.push(o[ks[i]]); return r; };
/* for (k in o): own keys in Espruino's order, then inherited enumerable ones; keys deleted before
   they are reached are skipped, keys added during the loop are visited (Espruino walks the live list) */
function forinKeys(o) {
  var out = [], seen = {};
  for (var p = o; p !== null && p !== undefined; p = getProto(p)) {
    var ks = visible(p, origKeys(p));
    for (var i = 0; i < ks.length; i++) if (!hasOwn.call(seen, ks[i])) { seen[ks[i]] = 1; out.push(ks[i]); }
  }
  return out;
}
function forin(o) {
  if (o === null || o === undefined) return { n: function () { return false; }, k: undefined };
  if (typeof o !== "object" && typeof o !== "function") o = ObjectCtor(o);
  if (isFS(o)) o = ObjectCtor(fsValue(o));
  var list = forinKeys(o), i = 0, done = {};
  var it = { k: undefined, n: function () {
    for (;;) {
      while (i < list.length) {
        var k = list[i++];
        if (hasOwn.call(done, k)) continue;
        done[k] = 1;
        if (!(k in o)) continue;
        it.k = k; return true;
      }
      var more = forinKeys(o), fresh = [];
      for (var j = 0; j < more.length; j++) if (!hasOwn.call(done, more[j])) fresh.push(more[j]);
      if (!fresh.length) return false;
      list = fresh; i = 0;
    }
  } };
  return it;
}
/* x.p++ / ++o[k] */
function upd(o, k, d, prefix) {
  var old = o[k];
  var nv = prefix ? (d > 0 ? add(old, 1) : sub(old, 1)) : (d > 0 ? add(pos(old), 1) : sub(pos(old), 1));
  put(o, k, nv);
  return prefix ? nv : pos(old);
}
function cas0(o, k) { return { o: o, k: k, v: o[k] }; }
function cas1(ref, v, op) { var nv = op(ref.v, v); put(ref.o, ref.k, nv); return nv; }

/* ---------------------------------------------------------------- built-ins */
var M = g.Math;
function fnum(x) { return num(x); }
function mathFloat(name, fn) { M[name] = fn; }
["abs", "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan"].forEach(function (n) {
  var f = M[n];
  mathFloat(n, { [n]: function (x) { return box(f(fnum(x))); } }[n]);
});
mathFloat("floor", function floor(x) { return box(mathFloor(fnum(x))); });
mathFloat("ceil", function ceil(x) { return box(mathCeil(fnum(x))); });
var atan2 = M.atan2, rnd = M.random;
mathFloat("atan2", function atan2(y, x) { return box(atan2(fnum(y), fnum(x))); });
mathFloat("random", function random() { return box(rnd()); });
mathFloat("min", function min() { var v = Infinity; for (var i = 0; i < arguments.length; i++) { var a = fnum(arguments[i]); if (a < v || a !== a) v = a; } return box(v); });
mathFloat("max", function max() { var v = -Infinity; for (var i = 0; i < arguments.length; i++) { var a = fnum(arguments[i]); if (a > v || a !== a) v = a; } return box(v); });
/* jswrap_math_round: x + 0.5 (away from zero), then a (long long) cast that saturates on the nRF52 */
mathFloat("round", function round(x) {
  x = fnum(x);
  if (x !== x || x === Infinity || x === -Infinity || (x === 0 && 1 / x < 0)) return x;
  x += x < 0 ? -0.5 : 0.5;
  var i = x < 0 ? mathCeil(x) : mathFloor(x);
  if (i > 9223372036854775807) i = 9223372036854775807;
  if (i < -9223372036854775808) i = -9223372036854775808;
  if (i === 0 && x < 0) return -0;
  return i === (i | 0) ? i : box(i);
});
/* jswrap_math_pow */
function jsmod(x, y) { return x % y; }
mathFloat("pow", function pow(x, y) {
  x = fnum(x); y = fnum(y);
  var yi = (y > -2147483649 && y < 2147483648) ? (y < 0 ? mathCeil(y) : mathFloor(y)) : NaN;
  var p;
  if (yi >= 0 && yi < 10 && yi === y) {
    if (yi === 0) return box(1);
    p = x;
    while (yi > 1) { p *= x; yi--; }
    return box(p);
  }
  if (x < 0 && jsmod(y, 1) === 0) p = jsmod(y, 2) === 0 ? mathExp(mathLog(-x) * y) : -mathExp(mathLog(-x) * y);
  else if (x !== 0 || 0 >= y) p = mathExp(mathLog(x) * y);
  else p = 0;
  return box(p);
});
var origParseFloat = g.parseFloat;
hide("parseFloat", function parseFloat(s) { return box(origParseFloat(unbox(s))); });
/* Number(): jswrap_number_constructor */
var WrappedNumber = function Number(v) {
  if (new.target) return new NumberCtor(arguments.length ? unbox(v) : 0);
  if (arguments.length === 0) return 0;
  v = typeof v === "object" && v !== null && !isArray(v) ? unbox(v) : v;
  if (isArray(v)) {
    if (v.length === 0) return 0;
    if (v.length !== 1) return NaN;
    var e = v[0];
    if (e === "") return 0;
    if (typeof e === "boolean") return NaN;
    return asNumber(e);
  }
  if (v === undefined || (typeof v === "object" && v !== null)) return NaN;
  return asNumber(v);
};
origNames(NumberCtor).forEach(function (k) { if (k !== "prototype" && k !== "length" && k !== "name") defProp(WrappedNumber, k, ObjectCtor.getOwnPropertyDescriptor(NumberCtor, k)); });
WrappedNumber.prototype = NumberProto;
defProp(NumberProto, "constructor", { value: WrappedNumber, writable: true, enumerable: false, configurable: true });
hide("Number", WrappedNumber);
defProp(NumberProto, "toString", { writable: true, enumerable: false, configurable: true, value: function toString(radix) {
  "use strict";
  var v = numValueOf.call(this), fl = typeof this === "object" || !intv(v);
  radix = radix === undefined ? 10 : +unbox(radix);
  if (radix === 10) return fmt(v, fl);
  if (!fl) return numToString.call(v, radix);
  return ftoa(v, radix);
} });
defProp(NumberProto, "toFixed", { writable: true, enumerable: false, configurable: true, value: function toFixed(d) {
  "use strict";
  d = unbox(d) | 0;
  if (d < 0) d = 0;
  if (d > 20) d = 20;
  return ftoa(numValueOf.call(this), 10, d);
} });
/* String(x): numbers as Espruino prints them */
var WrappedString = function String(x) {
  if (new.target) return arguments.length ? new StringCtor(WrappedString(x)) : new StringCtor();
  if (arguments.length === 0) return "";
  if (typeof x === "number") return fmt(x, false);
  if (typeof x === "object" && x !== null) {
    if (x instanceof NumberCtor) return ftoa(numValueOf.call(x));
    if (isFS(x)) return fsValue(x);
  }
  return StringCtor(x);
};
origNames(StringCtor).forEach(function (k) { if (k !== "prototype" && k !== "length" && k !== "name") defProp(WrappedString, k, ObjectCtor.getOwnPropertyDescriptor(StringCtor, k)); });
WrappedString.prototype = StringCtor.prototype;
defProp(StringCtor.prototype, "constructor", { value: WrappedString, writable: true, enumerable: false, configurable: true });
hide("String", WrappedString);
/* join / toString of arrays: elements printed as Espruino prints them */
function joinWith(a, sep) {
  var s = sep === undefined ? "," : WrappedString(sep), out = "";
  for (var i = 0; i < a.length; i++) {
    if (i) out += s;
    var e = a[i];
    if (e !== undefined && e !== null) out += WrappedString(e);
  }
  return out;
}
var AP = g.Array.prototype, TAP = getProto(g.Uint8Array.prototype);
defProp(AP, "join", { writable: true, enumerable: false, configurable: true, value: function join(sep) { return joinWith(this, sep); } });
defProp(AP, "toString", { writable: true, enumerable: false, configurable: true, value: function toString() { return joinWith(this, undefined); } });
defProp(TAP, "join", { writable: true, enumerable: false, configurable: true, value: function join(sep) { return joinWith(this, sep); } });
defProp(TAP, "toString", { writable: true, enumerable: false, configurable: true, value: function toString() { return joinWith(this, undefined); } });
/* indexOf & co compare unboxed values */
["indexOf", "lastIndexOf", "includes"].forEach(function (n) {
  var f = AP[n], tf = TAP[n];
  defProp(AP, n, { writable: true, enumerable: false, configurable: true, value: { [n]: function (x, from) {
    x = unbox(x);
    var hasBox = false;
    for (var i = 0; i < this.length; i++) { var e = this[i]; if (typeof e === "object" && e !== null && (e instanceof NumberCtor || isFS(e))) { hasBox = true; break; } }
    if (!hasBox) return arguments.length > 1 ? f.call(this, x, unbox(from)) : f.call(this, x);
    var plain = []; for (var j = 0; j < this.length; j++) plain.push(unbox(this[j]));
    return arguments.length > 1 ? f.call(plain, x, unbox(from)) : f.call(plain, x);
  } }[n] });
  defProp(TAP, n, { writable: true, enumerable: false, configurable: true, value: { [n]: function (x, from) { return arguments.length > 1 ? tf.call(this, unbox(x), unbox(from)) : tf.call(this, unbox(x)); } }[n] });
});
/* jswrap_arraybufferview_set: copies what fits, strings as char codes, numbers refused */
var taSet = TAP.set;
defProp(TAP, "set", { writable: true, enumerable: false, configurable: true, value: function set(src, offset) {
  if (offset === undefined || (typeof offset === "number" && offset === (offset | 0) && offset >= 0)) {
    var o0 = offset === undefined ? 0 : offset;
    if ((isView(src) || isArray(src)) && o0 + src.length <= this.length) return taSet.call(this, src, o0);
  }
  src = unbox(src);
  if (!(typeof src === "string" || isArray(src) || isView(src) || src instanceof g.ArrayBuffer)) {
    throw new EspError("First argument must be Array, not " + (src === undefined ? "undefined" : src === null ? "null" : typeof src === "number" ? "Number" : typeof src === "boolean" ? "Boolean" : typeof src === "function" ? "Function" : "Object"));
  }
  var off = unbox(offset);
  off = off === undefined ? 0 : +off | 0;
  if (off < 0 || off >= this.length) return;
  if (src instanceof g.ArrayBuffer) src = new g.Uint8Array(src);
  var n = src.length, room = this.length - off;
  if (typeof src === "string") { for (var i = 0; i < n && i < room; i++) this[off + i] = src.charCodeAt(i); return; }
  if (isView(src) && n <= room) return taSet.call(this, src, off);
  if (isView(src)) return taSet.call(this, src.subarray(0, room), off);
  for (var j = 0; j < n && j < room; j++) this[off + j] = unbox(src[j]);
} });
/* typed array constructors: a boxed length is a length (V8 would take a Number object as an
   empty array-like) */
["Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray"].forEach(function (name) {
  var Orig = g[name];
  if (!Orig) return;
  var W = { [name]: function (a, b, c) {
    if (typeof a === "object" && a !== null && a instanceof NumberCtor) a = numValueOf.call(a);
    if (b === undefined && c === undefined) return new Orig(a);
    return new Orig(a, unbox(b), unbox(c));
  } }[name];
  origNames(Orig).forEach(function (k) { if (k !== "prototype" && k !== "length" && k !== "name") defProp(W, k, ObjectCtor.getOwnPropertyDescriptor(Orig, k)); });
  W.prototype = Orig.prototype;
  hide(name, W);
});
/* JSON.stringify (jswrap_json.c jsfGetJSONWithCallback, flags of JSON.stringify) */
var hex = "0123456789ABCDEF";
function quote(s) {
  var out = '"';
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c === 10) out += "\\n"; else if (c === 9) out += "\\t"; else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f"; else if (c === 13) out += "\\r"; else if (c === 92) out += "\\\\";
    else if (c === 34) out += '\\"';
    else if (c < 32 || c >= 127) out += "\\u" + hex[(c >> 12) & 15] + hex[(c >> 8) & 15] + hex[(c >> 4) & 15] + hex[c & 15];
    else out += s[i];
  }
  return out + '"';
}
function jsonNum(v, isFloat) { return (v !== v || v === Infinity || v === -Infinity) ? "null" : fmt(v, isFloat); }
function stringify(v, key, ws, depth, stack) {
  var pretty = ws.length > 0;
  if (v === undefined) return "null";
  if (typeof v === "object" && v !== null) {
    if (v instanceof NumberCtor) return jsonNum(numValueOf.call(v), true);
    if (isFS(v)) return quote(fsValue(v));
  }
  if (typeof v === "number") return jsonNum(v, false);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "function") return "undefined";
  if (stack.indexOf(v) >= 0) return " ... ";
  stack.push(v);
  var nl = function (d) { var s = "\n"; for (var i = 0; i < d; i++) s += ws; return s; };
  var out;
  if (isArray(v)) {
    out = pretty ? "[ " : "[";
    for (var i = 0; i < v.length; i++) {
      if (i) out += pretty ? ", " : ",";
      if (pretty) out += nl(depth + 1);
      out += hasOwn.call(v, i) ? stringify(v[i], "" + i, ws, depth + 1, stack) : "null";
    }
    if (pretty && v.length) out += nl(depth);
    out += pretty ? " ]" : "]";
  } else if (isView(v) || v instanceof g.ArrayBuffer) {
    if (v instanceof g.DataView) {
      out = stringify({ buffer: v.buffer, byteOffset: v.byteOffset, byteLength: v.byteLength }, key, ws, depth, stack);
    } else {
      var a = v instanceof g.ArrayBuffer ? new g.Uint8Array(v) : v;
      out = "[";
      if (pretty) out += nl(depth + 1);
      for (var j = 0; j < a.length; j++) {
        if (j) out += pretty ? ", " : ",";
        if (pretty) out += nl(depth + 1);
        out += jsonNum(a[j], !intv(a[j]));
      }
      if (pretty) out += nl(depth);
      out += "]";
    }
  } else if (typeof v.toJSON === "function") {
    out = stringify(v.toJSON(key), undefined, ws, depth, stack.slice(0, -1));
  } else {
    var ks = keys(v), first = true;
    out = pretty ? "{ " : "{";
    for (var k = 0; k < ks.length; k++) {
      var item = v[ks[k]];
      if (item === undefined || typeof item === "function") continue;
      var d = ObjectCtor.getOwnPropertyDescriptor(v, ks[k]);
      if (d && (d.get || d.set)) continue;
      if (!first) out += pretty ? ", " : ",";
      if (pretty) out += nl(depth + 1);
      out += quote(ks[k]) + (pretty ? ": " : ":") + stringify(item, ks[k], ws, depth + 1, stack);
      first = false;
    }
    if (pretty && !first) out += nl(depth);
    out += pretty ? " }" : "}";
  }
  stack.pop();
  return out;
}
var J = g.JSON;
J.stringify = function stringify_(v, replacer, space) {
  space = unbox(space);
  var ws = "";
  if (typeof space === "number" || typeof space === "boolean") { var s = space | 0; if (s < 0) s = 0; if (s > 10) s = 10; while (s--) ws += " "; }
  else if (space !== undefined && space !== null) ws = ("" + space).slice(0, 10);
  return stringify(v, undefined, ws, 0, []);
};
/* Errors (jswrap_error.c): no .name, an own .message and .type, each class its own; V8's engine
   errors become Espruino's */
var origError = g.Error, origTypeError = g.TypeError, origReferenceError = g.ReferenceError, origSyntaxError = g.SyntaxError, origRangeError = host.RangeError;
function wrapError(Orig, type, inherits) {
  var W = function (message) {
    var e = new Orig(message === undefined ? undefined : WrappedString(message));
    defProp(e, "message", { value: message === undefined ? "" : WrappedString(message), writable: true, enumerable: true, configurable: true });
    defProp(e, "type", { value: type, writable: true, enumerable: true, configurable: true });
    errMarks.add(e);
    return e;
  };
  defProp(W, "name", { value: type });
  W.prototype = Orig.prototype;
  defProp(Orig.prototype, "constructor", { value: W, writable: true, enumerable: false, configurable: true });
  delete Orig.prototype.name;
  defProp(Orig.prototype, "toString", { writable: true, enumerable: false, configurable: true, value: function toString() {
    var m = this.message;
    return (this.type || type) + (m === undefined || m === "" ? "" : ": " + m);
  } });
  if (!inherits) ObjectCtor.setPrototypeOf(Orig.prototype, ObjectCtor.prototype);
  hide(type, W);
  return W;
}
var EspError = wrapError(origError, "Error", true);
var EspTypeError = wrapError(origTypeError, "TypeError", false);
var EspReferenceError = wrapError(origReferenceError, "ReferenceError", false);
var EspSyntaxError = wrapError(origSyntaxError, "SyntaxError", false);
function translate(msg) {
  var m = /^Cannot read propert(?:y|ies) of (null|undefined) \(reading '(.*)'\)$/.exec(msg);
  if (m) return "Can't read property '" + m[2] + "' of " + m[1];
  m = /^Cannot set propert(?:y|ies) of (null|undefined) \(setting '(.*)'\)$/.exec(msg);
  if (m) return "Can't set property '" + m[2] + "' of " + m[1];
  m = /^(.*) is not defined$/.exec(msg);
  if (m) return '"' + m[1] + '" is not defined';
  m = /^(?:.*\.)?([A-Za-z_$][\w$]*) is not a function$/.exec(msg);
  if (m) return 'Function "' + m[1] + '" not found!';
  m = /^(.*) is not a constructor$/.exec(msg);
  if (m) return "Constructor should be a function, but is " + m[1];
  if (/^Maximum call stack size exceeded/.test(msg)) return "Too much recursion - the stack is too big";
  return msg;
}
function convertError(e) {
  if (typeof e !== "object" || e === null || errMarks.has(e)) return e;
  var c;
  if (e instanceof origReferenceError) c = new EspReferenceError(translate(e.message));
  else if (e instanceof origSyntaxError) c = new EspSyntaxError(e.message);
  else if (e instanceof origTypeError || (origRangeError && e instanceof origRangeError) || e instanceof origError) c = new EspError(translate(e.message));
  else return e;
  if (e.stack) defProp(c, "stack", { value: e.stack, writable: true, enumerable: false, configurable: true });
  return c;
}
/* Date: getTime()/Date.now() are floats */
var DP = DateCtor.prototype, dGetTime = DP.getTime;
defProp(DP, "getTime", { writable: true, enumerable: false, configurable: true, value: function getTime() { return box(dGetTime.call(this)); } });

var helpers = {
  F: box, add: add, sub: sub, mul: mul, div: div, mod: mod, neg: neg, pos: pos, inc: inc, dec: dec,
  eq: eq, ne: function (a, b) { return !eq(a, b); }, seq: seq, sne: function (a, b) { return !seq(a, b); },
  "typeof": typeOf, u: unbox, put: put, np: np, lit: lit, forin: forin, upd: upd, cas0: cas0, cas1: cas1, err: convertError, tmp: undefined,
};
for (var name in helpers) hide(host.prefix + name, helpers[name]);
return {
  recordKeyOrder: function (o, ks) { lit(o, ks); },
  markError: function (e) { if (typeof e === "object" && e !== null) errMarks.add(e); },
  convertError: convertError, unbox: unbox, box: box, isBox: isBox, keys: keys,
  Error: EspError, TypeError: EspTypeError,
};
})`;

/** Install Espruino's semantics in a fresh context (before any firmware code runs). */
export function installSemantics(realm: Realm, host: SemanticsHost, prefix: string, intrinsicRangeError: unknown): SemanticsHandle & { Error: ErrorConstructor; TypeError: TypeErrorConstructor } {
  const setup = realm.run(REALM_SCRIPT, "espruino-semantics.js") as (g: unknown, h: unknown) => SemanticsHandle & { Error: ErrorConstructor; TypeError: TypeErrorConstructor };
  return setup(realm.global, {
    WeakMap,
    WeakSet,
    RangeError: intrinsicRangeError,
    isFlashString: (x: unknown) => host.isFlashString(x),
    flashStringValue: (x: unknown) => host.flashStringValue(x),
    ftoa: (v: number, radix?: number, digits?: number) => espFloatToString(v, radix ?? 10, digits ?? -1),
    strToFloat: (s: string) => espStringToFloat(s),
    strToNumber: (s: string) => espStringToNumber(s),
    prefix,
  });
}
