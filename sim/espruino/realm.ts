/**
 * The node:vm context a token's JavaScript runs in, trimmed to what Espruino offers
 * (docs/spec/espruino-platform.md section 1, "JavaScript language"), and helpers to move values across
 * the host/context boundary.
 *
 * A vm context has its own set of JS built-ins, so values made on the host side (a host
 * Uint8Array, a host Error) would fail `instanceof` inside the firmware. Everything the
 * emulated APIs hand to firmware is therefore built with the context's own constructors.
 *
 * Removed because Espruino has no such thing (section 1 table, "no such classes in
 * src/jswrap_*.c; VERIFIED"): Map, Set, WeakMap, WeakSet, Symbol, Proxy, Reflect, WeakRef,
 * FinalizationRegistry, BigInt and BigInt64 arrays, Intl, SharedArrayBuffer, Atomics,
 * WebAssembly, AggregateError, the vm's console; Promise.race/allSettled/any and
 * Promise.prototype.finally; Array.from, Uint8Array.from/of (all typed arrays), ArrayBuffer
 * slice; Object.freeze/seal; Number.isInteger/isNaN; Math.trunc/log2/hypot/imul/clz32;
 * Array.prototype.flat. What cannot be emulated in V8: `Array.prototype.slice` etc. being
 * undefined (github.com/espruino/Espruino/issues/159) — firmware's own methods rely on the prototype, so the
 * build's static gate (scripts/espruino-gate.ts) is the check for that, not this context.
 * Parser-level gaps (no default parameters, destructuring, `**`, hoisting, labels) are also
 * the gate's job: the firmware file is ES5 by the time it runs here.
 */
import vm from "node:vm";
import { concat } from "../../common/bytes";

const REMOVED_GLOBALS = [
  "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "WeakRef", "FinalizationRegistry",
  "BigInt", "BigInt64Array", "BigUint64Array", "Intl", "SharedArrayBuffer", "Atomics", "WebAssembly",
  "AggregateError", "console", "escape", "unescape",
  // error classes Espruino lacks (src/jswrap_error.c; the build gate flags them too)
  "RangeError", "URIError", "EvalError",
];

const TRIM_SCRIPT = `(function (g, used) {
  delete g.Promise.race; delete g.Promise.allSettled; delete g.Promise.any;
  delete g.Promise.prototype.finally;
  delete g.Array.from; delete g.Array.prototype.flat; delete g.Array.prototype.flatMap;
  var typed = ["Uint8Array","Int8Array","Uint16Array","Int16Array","Uint32Array","Int32Array",
    "Float32Array","Float64Array","Uint8ClampedArray"];
  var TypedArray = Object.getPrototypeOf(g.Uint8Array);
  delete TypedArray.from; delete TypedArray.of;
  delete g.ArrayBuffer.prototype.slice;
  delete g.Object.freeze; delete g.Object.seal;
  delete g.Number.isInteger; delete g.Number.isNaN;
  delete g.Math.trunc; delete g.Math.log2; delete g.Math.hypot; delete g.Math.imul; delete g.Math.clz32;
  // Promise jobs can only exist once .then has been called: note it so idle callbacks skip draining.
  var then = g.Promise.prototype.then;
  g.Promise.prototype.then = function (a, b) { used.promises = true; return then.call(this, a, b); };
  return typed.length;
})`;

/**
 * Unhandled promise rejections inside a token must not take the host process down (Node's
 * default) but be reported by that token, as Espruino reports them (src/jswrap_promise.c:
 * "Unhandled promise rejection: %v"). One process listener routes them by the promise's realm.
 * Rejections from host code keep what they had without this listener: Node's default (crash)
 * when nobody else listens, and mocha's (it re-emits them to other listeners and else ignores
 * them) under mocha.
 */
const unhandledByRealm = new WeakMap<object, (reason: unknown) => void>();
const unhandledSeen = new WeakSet<object>(); // mocha re-emits the event: report each promise once
let unhandledHooked = false;
function hookUnhandledRejections(): void {
  if (unhandledHooked) return;
  unhandledHooked = true;
  process.on("unhandledRejection", (reason, promise) => {
    const report = promise ? unhandledByRealm.get(Object.getPrototypeOf(promise)) : undefined;
    if (report) {
      if (unhandledSeen.has(promise)) return;
      unhandledSeen.add(promise);
      return report(reason);
    }
    const underMocha = typeof (globalThis as { it?: unknown }).it === "function";
    if (!underMocha && process.listenerCount("unhandledRejection") === 1) {
      process.nextTick(() => {
        throw reason;
      });
    }
  });
}

/** Constructors and helpers of one context, for building values the firmware can use. */
export class Realm {
  readonly context: vm.Context;
  readonly global: any;
  readonly Uint8Array: Uint8ArrayConstructor;
  readonly ArrayBuffer: ArrayBufferConstructor;
  readonly Error: ErrorConstructor;
  readonly TypeError: TypeErrorConstructor;
  readonly Object: ObjectConstructor;
  readonly Array: ArrayConstructor;
  readonly JSON: JSON;
  private readonly drainScript = new vm.Script("undefined");
  private readonly promiseUse = { promises: false };

  /** Called (asynchronously, when Node notices) with the reason of an unhandled rejection. */
  onUnhandledRejection: (reason: unknown) => void = () => {};

  constructor() {
    // afterEvaluate: promise jobs run when a script evaluation ends, so drain() after each
    // callback gives Espruino's "promise callbacks run before the next event" ordering.
    this.context = vm.createContext({}, { name: "espruino", microtaskMode: "afterEvaluate", codeGeneration: { strings: true, wasm: false } });
    this.global = vm.runInContext("globalThis", this.context);
    const g = this.global;
    vm.runInContext(TRIM_SCRIPT, this.context)(g, this.promiseUse);
    for (const name of REMOVED_GLOBALS) delete g[name];
    this.Uint8Array = g.Uint8Array;
    this.ArrayBuffer = g.ArrayBuffer;
    this.Error = g.Error;
    this.TypeError = g.TypeError;
    this.Object = g.Object;
    this.Array = g.Array;
    this.JSON = g.JSON;
    // Espruino calls the global object `global` as well.
    g.global = g;
    hookUnhandledRejections();
    unhandledByRealm.set(g.Promise.prototype, (reason) => this.onUnhandledRejection(reason));
  }

  /** Run pending promise jobs of this context. */
  drain(): void {
    if (this.promiseUse.promises) this.drainScript.runInContext(this.context);
  }

  /**
   * Evaluate source text in the context (as Espruino evaluates .bootcde). `timeoutMs` (wall
   * time) stops runaway code; it costs a watchdog thread per call, so callbacks do not use it.
   */
  run(code: string, filename: string, timeoutMs?: number): unknown {
    return new vm.Script(code, { filename }).runInContext(this.context, timeoutMs ? { timeout: timeoutMs } : undefined);
  }

  /** A context-realm Error (what jsExceptionHere(JSET_ERROR, ...) throws). */
  error(message: string): Error {
    return new this.Error(message);
  }

  typeError(message: string): Error {
    return new this.TypeError(message);
  }

  /** A plain object of the context. */
  object<T extends object>(props?: T): T {
    const o = new this.Object() as T;
    if (props) Object.assign(o, props);
    return o;
  }

  array<T>(items: T[]): T[] {
    const a = new this.Array() as T[];
    for (const it of items) a.push(it);
    return a;
  }

  /** A context ArrayBuffer holding a copy of bytes. */
  arrayBuffer(bytes: Uint8Array): ArrayBuffer {
    const ab = new this.ArrayBuffer(bytes.length);
    new this.Uint8Array(ab).set(bytes);
    return ab;
  }

  uint8Array(bytes: Uint8Array): Uint8Array {
    const u = new this.Uint8Array(bytes.length);
    u.set(bytes);
    return u;
  }
}

/** Espruino strings are 8-bit: bytes <-> a "binary" string of char codes 0..255. */
export function bytesToString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return Object.prototype.toString.call(v) === "[object ArrayBuffer]";
}

/**
 * Bytes of a value the way Espruino's JSV_GET_AS_CHAR_ARRAY / jsvIterateCallback see it:
 * a string (char codes & 0xFF), an array of numbers, a typed array / DataView, an ArrayBuffer,
 * a number (one byte), or an object {data, count} (E.toUint8Array style). Works across realms.
 * Returns null for what Espruino cannot turn into bytes (undefined, null, plain objects).
 */
export function toBytes(v: unknown): Uint8Array | null {
  if (typeof v === "string") {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
    return out;
  }
  if (typeof v === "number" || typeof v === "boolean") return new Uint8Array([Number(v) & 0xff]);
  if (ArrayBuffer.isView(v)) {
    // typed arrays and DataViews are written as their raw bytes (Espruino's flat-data path)
    // (host-side copy: the context's ArrayBuffer has no slice, as on Espruino)
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  }
  if (isArrayBuffer(v)) return new Uint8Array(v).slice();
  if (Array.isArray(v)) {
    const parts: Uint8Array[] = [];
    for (const item of v) {
      const b = toBytes(item);
      if (!b) return null;
      parts.push(b);
    }
    return concat(parts);
  }
  if (v && typeof v === "object" && "data" in (v as object)) {
    const o = v as { data: unknown; count?: number };
    const b = toBytes(o.data);
    if (!b) return null;
    const count = typeof o.count === "number" ? o.count : 1;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) parts.push(b);
    return concat(parts);
  }
  return null;
}

