/**
 * A minimal Espruino-like JavaScript context for the firmware crypto tests: a node:vm context with
 * what Espruino lacks taken away (shared/spec/ESPRUINO.md section 1: Map, Set, Symbol, Proxy,
 * Reflect, RangeError, Promise.race, Object.freeze, Math.trunc, Array.from, ...), no Node globals,
 * and a `require` that knows only the board's built-in modules. Its "crypto" module is node:crypto
 * with Espruino's behaviour (libs/crypto/jswrap_crypto.c): SHA256 returns an ArrayBuffer; AES.encrypt
 * defaults to CBC, ECB zero-fills a partial last block, CTR ignores the IV, OFB is "Feature unavailable".
 *
 * This stands in until sim/espruino's EspruinoRuntime lands; it emulates no radio, flash or timers.
 */
import { createCipheriv, createHash } from "node:crypto";
import { createContext, runInContext, type Context } from "node:vm";
import type { Board } from "../../boards/index";

export interface CryptoCalls { sha256: number; aes: number }

export interface MiniEspruino {
  context: Context;
  /** The context's global object (read Omamori from here). */
  global: Record<string, any>;
  /** How often the fake built-in crypto module was used. */
  calls: CryptoCalls;
  /** Run code in the context (as the console would). */
  run(code: string): any;
  /** A copy of host bytes as a Uint8Array of the context (so the firmware's instanceof checks pass). */
  bytes(data: Uint8Array | ArrayLike<number>): Uint8Array;
}

/** Removed before the firmware runs: what Espruino 2v29 does not have. */
const REMOVE = `
  delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.WeakSet;
  delete globalThis.WeakRef; delete globalThis.FinalizationRegistry;
  delete globalThis.Symbol; delete globalThis.Proxy; delete globalThis.Reflect; delete globalThis.BigInt;
  delete globalThis.BigInt64Array; delete globalThis.BigUint64Array;
  delete globalThis.RangeError; delete globalThis.URIError; delete globalThis.EvalError;
  delete globalThis.queueMicrotask; delete globalThis.SharedArrayBuffer; delete globalThis.Atomics;
  delete Promise.race; delete Promise.allSettled; delete Promise.any; delete Promise.prototype.finally;
  delete Object.freeze; delete Object.seal; delete Number.isInteger; delete Number.isNaN;
  delete Math.trunc; delete Math.log2; delete Math.hypot; delete Math.imul; delete Math.clz32;
  delete Array.from; delete Object.getPrototypeOf(Uint8Array).from; delete Object.getPrototypeOf(Uint8Array).of;
  delete globalThis.globalThis;
`;

function toBytes(msg: unknown): Buffer {
  if (typeof msg === "string") return Buffer.from(msg, "latin1");
  if (msg instanceof ArrayBuffer || Object.prototype.toString.call(msg) === "[object ArrayBuffer]") {
    return Buffer.from(new Uint8Array(msg as ArrayBuffer));
  }
  if (msg && typeof (msg as ArrayLike<number>).length === "number") return Buffer.from(Array.from(msg as ArrayLike<number>));
  throw new Error("Expecting a string, array or typed array, got " + typeof msg);
}

/** Boot `code` (a built dist/firmware/<board>.js) on a fresh context for `board`. */
export function bootMiniEspruino(code: string, board: Board): MiniEspruino {
  const calls: CryptoCalls = { sha256: 0, aes: 0 };
  const context = createContext({});
  runInContext(REMOVE, context);
  const CtxArrayBuffer = runInContext("ArrayBuffer", context) as ArrayBufferConstructor;
  const CtxUint8Array = runInContext("Uint8Array", context) as Uint8ArrayConstructor;
  const result = (b: Buffer): ArrayBuffer => {
    const ab = new CtxArrayBuffer(b.length);
    new CtxUint8Array(ab).set(b);
    return ab;
  };
  const cryptoModule: Record<string, unknown> = {};
  if (board.crypto.sha256) {
    cryptoModule.SHA256 = (msg: unknown) => {
      calls.sha256++;
      return result(createHash("sha256").update(toBytes(msg)).digest());
    };
  }
  if (board.crypto.aesEcb) {
    cryptoModule.AES = {
      encrypt(msg: unknown, key: unknown, options?: { mode?: string; iv?: unknown }) {
        calls.aes++;
        const k = toBytes(key);
        if (k.length !== 16 && k.length !== 24 && k.length !== 32) throw new Error("Invalid key length");
        const mode = ((options && options.mode) || "CBC").toUpperCase();
        const m = toBytes(msg);
        const bits = k.length * 8;
        if (mode === "ECB") {
          const whole = m.subarray(0, m.length - (m.length % 16));
          const c = createCipheriv("aes-" + bits + "-ecb", k, null);
          c.setAutoPadding(false);
          const out = Buffer.alloc(m.length); // trailing partial block stays zero, as on Espruino
          Buffer.concat([c.update(whole), c.final()]).copy(out);
          return result(out);
        }
        if (mode === "CTR") {
          const c = createCipheriv("aes-" + bits + "-ctr", k, Buffer.alloc(16)); // Espruino ignores the IV
          return result(Buffer.concat([c.update(m), c.final()]));
        }
        if (mode === "CBC") {
          if (m.length % 16 !== 0) throw new Error("Invalid input length");
          const iv = options && options.iv !== undefined ? toBytes(options.iv) : Buffer.alloc(16);
          const c = createCipheriv("aes-" + bits + "-cbc", k, iv);
          c.setAutoPadding(false);
          return result(Buffer.concat([c.update(m), c.final()]));
        }
        throw new Error("Feature unavailable");
      },
    };
  }
  const g = runInContext("this", context) as Record<string, any>;
  g.require = (name: string) => {
    if (name === "crypto" && board.crypto.module) return cryptoModule;
    throw new Error("Module " + name + " not found");
  };
  g.print = () => undefined;
  g.console = { log: () => undefined };
  g.E = { hwRand: () => (Math.random() * 0x100000000) | 0 };
  g.getTime = () => Date.now() / 1000;
  runInContext(code, context, { filename: board.id + ".js" });
  return {
    context,
    global: g,
    calls,
    run: (src: string) => runInContext(src, context),
    bytes: (data) => {
      const out = new CtxUint8Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = data[i];
      return out;
    },
  };
}
