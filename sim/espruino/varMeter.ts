/**
 * The variable meter: how many of the board's JsVars (boards/<id>.json ram.jsVariables) the token's
 * JavaScript holds, counted the way Espruino allocates them (src/jsvar.h, src/jsutils.h, src/jsvar.c,
 * src/jsparse.c at Espruino c5ff787b19; checked value by value against E.getSizeOf on the real
 * interpreter, see docs/SIM-RUNTIME.md "Variables"):
 *
 *   - one variable per object, array, function, typed-array view, ArrayBuffer, boxed value;
 *   - a property or scope entry is a name variable: up to 4 characters in the first variable, then
 *     9 more per extension variable (10 on boards of more than 4095 variables, 14-byte variables);
 *     integer keys take one; the value is packed into the name for 32-bit integers (and for booleans
 *     under integer keys), else it is a variable of its own (floats, null, booleans, strings, ...);
 *   - strings: 8 characters in the first variable, 9 per extension (9 and 10 with 14-byte variables);
 *     strings read from memory-mapped Storage are one variable (a native string);
 *   - typed-array data: a flat string when longer than 17 bytes (19 with 14-byte variables):
 *     one header plus ceil(bytes / variable size); shorter, a normal string;
 *   - a function: the function variable, one name per parameter ("\xFF" + name), "\xFFcod" with its code
 *     (one native string when the code was loaded from Storage, as .bootcde is; else the code text),
 *     "\xFFsco" with its scope: the scope object itself one level down, or a copy of the scope list (an
 *     array of n entries) deeper down, "\xFFnam" for named function expressions;
 *   - a scope (one call of a function that created functions): one variable plus a name and value per
 *     parameter and `var`;
 *   - the root: every global name, and each built-in object the code names (Espruino adds it to the
 *     root when first used); what built-ins hold (timers, watches, listeners, the scan callback,
 *     advertising and service data, the module cache) as measured on the real interpreter.
 *
 * What it cannot see: the locals of a function that is running (V8 hides them); inside a built-in
 * the meter adds the built-in's arguments and the current callback's arguments, which are the large
 * temporaries in this firmware. Interpreter overhead while code runs (lexer strings, the call stack's
 * locks) is not counted either. So "peak" figures are lower bounds.
 */
import type { Board } from "../../boards/index";
import type { ScopeSite } from "./meterCode";
import { isBoxedNumber, isFlashString } from "./realm";

/** What a built-in keeps: its own variables plus values it references (counted like any value). */
export interface HeldRoot { vars: number; values: unknown[] }

export interface VarSample { vars: number; where: string; worldTimeMs: number }

/** Variables in use before the boot code defines anything: the interpreter's own and the .bootcde string (measured). */
export const BOOT_BASE_VARS = 37;

type Reader = () => unknown[] | null;
interface FnInfo { site: ScopeSite; reader: Reader | null }

const INT_KEY = /^(0|-?[1-9]\d{0,9})$/;
function isIntKey(k: string): boolean {
  const c = k.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45) || !INT_KEY.test(k)) return false;
  const n = Number(k);
  return n >= -2147483648 && n <= 2147483647;
}
function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0);
}

const FUNCTION_OWN = new Set(["length", "name", "prototype", "arguments", "caller"]);

export class VarMeter {
  readonly total: number;
  readonly bytesPerVar: number;
  private readonly nameExt: number;
  private readonly strFirst: number;
  private readonly strExt: number;
  private readonly flatBreakEven: number;
  /** Function objects the instrumented code made, with their definition site and scope reader. */
  private readonly fns = new WeakMap<object, FnInfo>();
  /** Objects provided by the sim's built-ins (NRF, E, modules, ...): one variable each. */
  readonly builtinObjects = new WeakSet<object>();
  /** Built-in objects with a known cost in variables (a StorageFile). */
  readonly fixedVars = new WeakMap<object, number>();
  /** Built-in objects the code names (each in the root). */
  readonly builtinNamesUsed = new Set<string>();
  /** Global property names that exist before the code runs. */
  private builtinGlobals = new Set<string>();
  private readonly heldProviders: (() => HeldRoot[])[] = [];
  /** Function code is in Storage (native strings), as for .bootcde and Storage modules. */
  codeInFlash = true;

  /** Highest count seen between callbacks, and at a built-in call inside one. */
  idle: VarSample | null = null;
  peak: VarSample | null = null;
  /** Last count between callbacks. */
  lastIdle: VarSample | null = null;
  /** Highest count inside each built-in ("Flash.write", "NRF.setAdvertising", ...). */
  readonly peaks = new Map<string, number>();
  samples = 0;

  constructor(board: Board, private readonly global: () => Record<string, unknown>) {
    this.total = board.ram.jsVariables;
    this.bytesPerVar = board.ram.bytesPerVariable;
    const wide = this.bytesPerVar >= 14;
    this.nameExt = wide ? 10 : 9;
    this.strFirst = wide ? 9 : 8;
    this.strExt = wide ? 10 : 9;
    this.flatBreakEven = this.strFirst + this.strExt;
  }

  /** Reset for a fresh context (boot), before the built-ins are installed. */
  reset(): void {
    this.builtinGlobals = new Set();
    this.builtinNamesUsed.clear();
    this.heldProviders.length = 0;
  }

  /**
   * The built-ins are installed: the global names present now are theirs, and the objects reachable
   * from them (NRF, E, pins, console, ...) count as one variable each where the code keeps them.
   */
  markBuiltins(): void {
    const g = this.global();
    this.builtinGlobals = new Set(Object.getOwnPropertyNames(g));
    const mark = (v: unknown, depth: number) => {
      if (!v || (typeof v !== "object" && typeof v !== "function") || this.builtinObjects.has(v as object)) return;
      this.builtinObjects.add(v as object);
      if (depth <= 0 || typeof v === "function") return;
      for (const k of Object.getOwnPropertyNames(v)) {
        const d = Object.getOwnPropertyDescriptor(v, k);
        if (d && "value" in d) mark(d.value, depth - 1);
      }
    };
    for (const k of this.builtinGlobals) {
      const d = Object.getOwnPropertyDescriptor(g, k);
      if (d && "value" in d && d.value !== g) mark(d.value, 2);
    }
  }

  /** A built-in that keeps firmware values (timers, listeners, radio) reports them through `provider`. */
  addHeld(provider: () => HeldRoot[]): void {
    this.heldProviders.push(provider);
  }

  /** Called by the instrumented code for every function object it creates. */
  register(fn: object, reader: Reader | null, site: ScopeSite): void {
    this.fns.set(fn, { site, reader });
    if (reader && site.parent && !this.readerSite.has(reader)) this.readerSite.set(reader, site.parent);
  }

  // ------------------------------------------------------------------ unit costs

  nameVars(key: string): number {
    if (isIntKey(key)) return 1;
    const n = key.length;
    return n <= 4 ? 1 : 1 + Math.ceil((n - 4) / this.nameExt);
  }

  stringVars(s: string): number {
    const n = s.length;
    return n <= this.strFirst ? 1 : 1 + Math.ceil((n - this.strFirst) / this.strExt);
  }

  /** ArrayBuffer contents: a flat string above the break-even length (jsvNewFlatStringOfLength). */
  dataVars(bytes: number): number {
    if (bytes <= this.flatBreakEven) return bytes <= this.strFirst ? 1 : 1 + Math.ceil((bytes - this.strFirst) / this.strExt);
    return 1 + Math.ceil(bytes / this.bytesPerVar);
  }

  // ------------------------------------------------------------------ counting

  /** Variables for the whole state now, plus `extra` values (a built-in's arguments). */
  count(extra: unknown[] = []): { vars: number; parts: Record<string, number> } {
    const seen = new Set<unknown>();
    const parts: Record<string, number> = { base: BOOT_BASE_VARS, globals: 0, builtins: 0, held: 0, extra: 0 };
    const g = this.global();
    for (const k of Object.keys(g)) {
      if (this.builtinGlobals.has(k)) continue;
      parts.globals += this.nameVars(k) + this.valueVars(g[k], false, seen);
    }
    for (const name of this.builtinNamesUsed) parts.builtins += this.nameVars(name) + 1;
    for (const p of this.heldProviders) {
      for (const h of p()) {
        parts.held += h.vars;
        for (const v of h.values) parts.held += this.valueVars(v, false, seen);
      }
    }
    for (const v of extra) parts.extra += this.valueVars(v, false, seen);
    let vars = 0;
    for (const k of Object.keys(parts)) vars += parts[k];
    return { vars, parts };
  }

  /** E.getSizeOf(v): v and everything it references (scopes of functions included). */
  sizeOf(v: unknown): number {
    if (v === null || typeof v !== "object" && typeof v !== "function") return this.valueVars(v, false, new Set()) || 1;
    return this.objectVars(v as object, new Set());
  }

  /** Variables a value adds where it is stored (under a name). */
  valueVars(v: unknown, intKey: boolean, seen: Set<unknown>): number {
    switch (typeof v) {
      case "undefined": return 0;
      case "number": return isInt32(v) ? 0 : 1;
      case "boolean": return intKey ? 0 : 1;
      case "string": return this.stringVars(v);
      case "object":
        if (v === null) return 1;
        // a float the semantics keep boxed (whole-number floats), a string read from Storage
        // (a native or flash string: one variable pointing at flash)
        if (isBoxedNumber(v) || isFlashString(v)) return 1;
        return seen.has(v) ? 0 : this.objectVars(v, seen);
      case "function":
        return seen.has(v) ? 0 : this.objectVars(v, seen);
      default: return 1;
    }
  }

  private objectVars(o: object, seen: Set<unknown>): number {
    seen.add(o);
    if (typeof o === "function") return this.functionVars(o, seen);
    if (this.builtinObjects.has(o)) return 1;
    const fixed = this.fixedVars.get(o);
    if (fixed !== undefined) return fixed;
    if (ArrayBuffer.isView(o)) {
      let n = 1;
      const buf = (o as ArrayBufferView).buffer;
      if (!seen.has(buf)) {
        seen.add(buf);
        n += 1 + this.dataVars(buf.byteLength);
      }
      return n;
    }
    const tag = Object.prototype.toString.call(o);
    if (tag === "[object ArrayBuffer]") return 1 + this.dataVars((o as ArrayBuffer).byteLength);
    if (tag === "[object Date]") return 5; // object, "ms" and its float, "__proto__"
    let n = 1;
    if (Array.isArray(o)) {
      const a = o as unknown[];
      let held = 0;
      for (let i = 0; i < a.length; i++) {
        if (!(i in a)) continue;
        held++;
        n += 1 + this.valueVars(a[i], true, seen);
      }
      if (held === a.length && Object.keys(a).length === held) return n;
      for (const k of Object.keys(a)) {
        if (isIntKey(k) && Number(k) >= 0) continue; // counted above
        n += this.nameVars(k) + this.valueVars((a as unknown as Record<string, unknown>)[k], false, seen);
      }
      return n;
    }
    if (tag === "[object Error]") {
      n += 2; // "__proto__" to the error class
      const e = o as { message?: unknown };
      if (typeof e.message === "string" && e.message) n += 1 + this.stringVars(e.message);
    }
    for (const k of Object.keys(o)) {
      const ik = isIntKey(k);
      n += this.nameVars(k) + this.valueVars((o as Record<string, unknown>)[k], ik, seen);
    }
    return n;
  }

  private functionVars(fn: object, seen: Set<unknown>): number {
    const info = this.fns.get(fn);
    if (!info) return 1; // a native (built-in) function, or one made from a string
    const site = info.site;
    let n = 1; // the function
    for (const p of site.params) n += this.nameVars("\xff" + p);
    // an empty body keeps neither code nor scope (jspeFunctionDefinitionInternal: lastTokenEnd <= 0)
    const hasBody = site.codeChars > 0;
    if (hasBody) n += 1 + (this.codeInFlash ? 1 : this.dataVarsText(site.codeChars)); // "\xFFcod" + code
    const outerDepth = site.depth - 1; // scopes active where it was defined
    if (hasBody && outerDepth >= 1) {
      n += 1; // "\xFFsco"
      if (outerDepth >= 2) n += 1 + outerDepth; // a copy of the scope list
    }
    if (site.exprName) n += 1 + this.stringVars(site.exprName); // "\xFFnam"
    for (const k of Object.keys(fn)) {
      if (FUNCTION_OWN.has(k)) continue;
      n += this.nameVars(k) + this.valueVars((fn as Record<string, unknown>)[k], isIntKey(k), seen);
    }
    // the scope chain it keeps alive
    let reader = hasBody ? info.reader : null;
    while (reader && !seen.has(reader)) {
      seen.add(reader);
      const vals = reader();
      if (!vals) break;
      const scopeSite = this.readerSite.get(reader);
      n += 1; // the scope object
      if (scopeSite) {
        for (let i = 0; i < scopeSite.names.length; i++) n += this.nameVars(scopeSite.names[i]) + this.valueVars(vals[i + 1], false, seen);
      } else {
        for (let i = 1; i < vals.length; i++) n += 1 + this.valueVars(vals[i], false, seen);
      }
      reader = vals[0] as Reader | null;
    }
    return n;
  }

  /** Site of each scope reader (noted when a function made in that scope registers). */
  private readonly readerSite = new WeakMap<Reader, ScopeSite>();

  private dataVarsText(chars: number): number {
    return chars <= this.strFirst ? 1 : 1 + Math.ceil((chars - this.strFirst) / this.strExt);
  }

  // ------------------------------------------------------------------ samples

  /** Count now; remember the highest idle / peak figure. Returns the count. */
  sample(kind: "idle" | "peak", where: string, worldTimeMs: number, extra: unknown[] = []): number {
    this.samples++;
    const vars = this.count(extra).vars;
    const s: VarSample = { vars, where, worldTimeMs };
    if (kind === "idle") {
      this.lastIdle = s;
      if (!this.idle || vars > this.idle.vars) this.idle = s;
    }
    else if (!(this.peaks.get(where)! >= vars)) this.peaks.set(where, vars);
    if (!this.peak || vars > this.peak.vars) this.peak = s;
    return vars;
  }
}
