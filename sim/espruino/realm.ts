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
import { instrument, HELPER_PREFIX } from "./instrument";
import { installSemantics, type SemanticsHandle } from "./semantics";

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
  /** Espruino's Error / TypeError (semantics.ts): own .message and .type, no .name. */
  readonly Error: ErrorConstructor;
  readonly TypeError: TypeErrorConstructor;
  /** Espruino's value semantics in this context (semantics.ts). */
  readonly sem: SemanticsHandle;
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
    const intrinsicRangeError = g.RangeError;
    for (const name of REMOVED_GLOBALS) delete g[name];
    const sem = installSemantics(this, {
      isFlashString: (x) => isFlashString(x),
      flashStringValue: (x) => flashStringValue(x),
    }, HELPER_PREFIX, intrinsicRangeError);
    this.sem = sem;
    this.Uint8Array = g.Uint8Array;
    this.ArrayBuffer = g.ArrayBuffer;
    this.Error = sem.Error;
    this.TypeError = sem.TypeError;
    // eval(code) from the host (and the console) runs rewritten code, as everything the token runs
    const origEval = g.eval;
    Object.defineProperty(g, "eval", { value: function (code: unknown) { return origEval(typeof code === "string" ? instrument(code) : code); }, writable: true, enumerable: false, configurable: true });
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

  /** Evaluate the simulator's own source text in the context (not rewritten). */
  run(code: string, filename: string, timeoutMs?: number): unknown {
    return new vm.Script(code, { filename }).runInContext(this.context, timeoutMs ? { timeout: timeoutMs } : undefined);
  }

  /**
   * Evaluate the token's JavaScript (as Espruino evaluates .bootcde), rewritten so Espruino's value
   * semantics apply (instrument.ts). `timeoutMs` (wall time) stops runaway code; it costs a
   * watchdog thread per call, so callbacks do not use it.
   */
  runFirmware(code: string, filename: string, timeoutMs?: number): unknown {
    return this.run(instrument(code), filename, timeoutMs);
  }

  /** A context-realm Error (what jsExceptionHere(JSET_ERROR, ...) throws). */
  error(message: string): Error {
    return new this.Error(message);
  }

  typeError(message: string): Error {
    return new this.TypeError(message);
  }

  /**
   * A plain object of the context. Functions among the properties are the host's built-ins:
   * they get their arguments unboxed (a boxed float becomes a number, a flash string a string),
   * except those marked with rawArgs().
   */
  object<T extends object>(props?: T): T {
    const o = new this.Object() as T;
    if (props) {
      for (const k of Object.keys(props)) {
        const v = (props as Record<string, unknown>)[k];
        (o as Record<string, unknown>)[k] = typeof v === "function" ? this.hostFn(v as (...a: unknown[]) => unknown) : v;
      }
    }
    return o;
  }

  /** A host built-in for the context: arguments unboxed (see object()). */
  hostFn<F extends (...a: any[]) => unknown>(fn: F): F {
    if ((fn as unknown as Record<symbol, unknown>)[RAW_ARGS]) return fn;
    const sem = this.sem;
    const w = function (this: unknown) {
      // copy the arguments only when one of them is a box or a flash string
      for (let i = 0; i < arguments.length; i++) {
        const a = arguments[i];
        if (typeof a === "object" && a !== null && (sem.isBox(a) || isFlashString(a))) {
          const args = Array.prototype.slice.call(arguments);
          for (let j = i; j < args.length; j++) if (typeof args[j] === "object" && args[j] !== null) args[j] = sem.unbox(args[j]);
          return fn.apply(this, args);
        }
      }
      return fn.apply(this, arguments as unknown as unknown[]);
    };
    RAW_ARGS_OR_HOSTFN.add(w);
    return w as unknown as F;
  }

  /** A float result of a built-in: boxed when it is a non-zero 32-bit integer (semantics.ts). */
  float(v: number): number {
    return this.sem.box(v) as number;
  }

  /**
   * What the host sees of a context value (rt.global): boxed floats and flash strings as
   * primitives, objects and functions through a view that does the same for whatever is read or
   * returned through it (typed arrays are handed out as they are: they hold plain numbers).
   */
  hostView(v: unknown): unknown {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return v;
    if (this.sem.isBox(v) || isFlashString(v)) return this.sem.unbox(v);
    if (ArrayBuffer.isView(v) || isArrayBuffer(v)) return v;
    const seen = this.views.get(v as object);
    if (seen) return seen;
    const realm = this;
    const p: object = new Proxy(v as object, {
      get(t, k) {
        const val = Reflect.get(t, k, t);
        const d = Reflect.getOwnPropertyDescriptor(t, k);
        if (d && !d.configurable && !d.writable && "value" in d) return val;
        return realm.hostView(val);
      },
      set(t, k, val) {
        return Reflect.set(t, k, realm.toContext(val), t);
      },
      apply(t, thisArg, args) {
        try {
          return realm.hostView(Reflect.apply(t as (...a: unknown[]) => unknown, realm.unview(thisArg), args.map((a) => realm.toContext(a))));
        } catch (e) {
          throw realm.sem.convertError(e);
        }
      },
      construct(t, args, newTarget): object {
        const nt = (newTarget === p ? t : newTarget) as new (...a: unknown[]) => object;
        return realm.hostView(Reflect.construct(t as new (...a: unknown[]) => object, args.map((a) => realm.toContext(a)), nt)) as object;
      },
    });
    this.views.set(v as object, p);
    this.unviews.set(p, v as object);
    return p;
  }

  /**
   * A host value handed to the context: a view becomes the value behind it; a host function
   * (a test's callback) gets what the context passes it through hostView, and its result back
   * unviewed.
   */
  toContext(v: unknown): unknown {
    if (typeof v === "function" && !this.unviews.has(v) && !(v instanceof this.global.Function) && !RAW_ARGS_OR_HOSTFN.has(v)) {
      const seen = this.callbacks.get(v);
      if (seen) return seen;
      const realm = this;
      const f = v as (...a: unknown[]) => unknown;
      const w = function (this: unknown, ...args: unknown[]) {
        return realm.unview(f.apply(realm.hostView(this), args.map((a) => realm.hostView(a))));
      };
      this.callbacks.set(v, w);
      RAW_ARGS_OR_HOSTFN.add(w);
      return w;
    }
    return this.unview(v);
  }

  private readonly callbacks = new WeakMap<object, object>();

  /** toContext() of each argument; the same array when nothing needs changing. */
  argsToContext(args: unknown[]): unknown[] {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if ((typeof a === "object" && a !== null) || typeof a === "function") {
        if (this.toContext(a) !== a) return args.map((x) => this.toContext(x));
      }
    }
    return args;
  }

  /** The context value behind a host view (or v itself). */
  unview(v: unknown): unknown {
    if (v !== null && (typeof v === "object" || typeof v === "function")) return this.unviews.get(v as object) ?? v;
    return v;
  }

  private readonly views = new WeakMap<object, object>();
  private readonly unviews = new WeakMap<object, object>();

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

const RAW_ARGS = Symbol("rawArgs");
/** Host functions that are the context's own (built-ins and wrapped callbacks): not wrapped again. */
const RAW_ARGS_OR_HOSTFN = new WeakSet<object>();

/** Mark a host built-in that needs its arguments as the firmware passed them (boxes included). */
export function rawArgs<F extends (...a: any[]) => unknown>(fn: F): F {
  (fn as unknown as Record<symbol, unknown>)[RAW_ARGS] = true;
  return fn;
}

interface FlashStringInfo {
  /** Flash address of the first character. */
  address: number;
  length: number;
  /** Current bytes at the address (read through on every change of the flash). */
  read(): Uint8Array;
  /** Changes whenever the flash does (so the text is re-read only then). */
  generation(): number;
  cached: string;
  cachedAt: number;
}

const flashStrings = new WeakMap<object, FlashStringInfo>();

export function isFlashString(x: unknown): boolean {
  return typeof x === "object" && x !== null && flashStrings.has(x);
}

/** The text a flash string shows now. */
export function flashStringValue(x: unknown): string {
  const info = flashStrings.get(x as object)!;
  const gen = info.generation();
  if (info.cachedAt !== gen) {
    info.cached = bytesToString(info.read());
    info.cachedAt = gen;
  }
  return info.cached;
}

/** The flash address of a flash string's first character (undefined for anything else). */
export function flashStringAddress(x: unknown): number | undefined {
  if (typeof x !== "object" || x === null) return undefined;
  return flashStrings.get(x)?.address;
}

/**
 * A string that is a live view of flash, as Storage.read returns on Espruino: a native string
 * pointing into memory-mapped flash (internal flash), or a JSV_FLASH_STRING read through
 * jshFlashRead on every access (Bangle.js 2's external SPI flash). Its length is fixed, its
 * characters are whatever the flash holds now. typeof, ==, + and String() treat it as a string
 * (semantics.ts); String.prototype methods work on its current text.
 */
export function makeFlashString(realm: Realm, address: number, length: number, read: () => Uint8Array, generation: () => number): unknown {
  const target = realm.Object.create(realm.global.String.prototype) as object;
  const info: FlashStringInfo = { address, length, read, generation, cached: "", cachedAt: -1 };
  const text = () => flashStringValue(proxy);
  const toPrim = () => text();
  const proxy: object = new Proxy(target, {
    get(t, k) {
      if (k === "length") return length;
      if (typeof k === "string") {
        const c = k.charCodeAt(0);
        if (c >= 48 && c <= 57) {
          const i = Number(k);
          if (String(i) === k && i < length) return text()[i];
        }
        if (k === "toString" || k === "valueOf") return toPrim;
      }
      if (k === Symbol.toPrimitive) return toPrim;
      return Reflect.get(t, k, proxy);
    },
    has(t, k) {
      if (k === "length") return true;
      if (typeof k === "string" && String(Number(k)) === k && Number(k) < length) return true;
      return Reflect.has(t, k);
    },
    ownKeys() {
      const ks: string[] = [];
      for (let i = 0; i < length; i++) ks.push(String(i));
      return [...ks, "length"];
    },
    getOwnPropertyDescriptor(_t, k) {
      if (k === "length") return { value: length, writable: false, enumerable: false, configurable: true };
      if (typeof k === "string" && String(Number(k)) === k && Number(k) < length) return { value: text()[Number(k)], writable: false, enumerable: true, configurable: true };
      return undefined;
    },
    set() {
      return true;
    },
    defineProperty() {
      return true;
    },
    deleteProperty() {
      return true;
    },
  });
  flashStrings.set(proxy, info);
  return proxy;
}

/** Espruino strings are 8-bit: bytes <-> a "binary" string of char codes 0..255. */
export function bytesToString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** A Number object: in the token's context, a boxed float (semantics.ts). */
export function isBoxedNumber(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.prototype.toString.call(v) === "[object Number]";
}

/** A host primitive for a context value: boxed floats and flash strings unwrapped. */
export function plain(v: unknown): unknown {
  if (isFlashString(v)) return flashStringValue(v);
  if (isBoxedNumber(v)) return Number(v);
  return v;
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
  if (isFlashString(v)) v = flashStringValue(v);
  else if (isBoxedNumber(v)) v = Number(v);
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

