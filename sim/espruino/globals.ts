/**
 * Espruino's global functions in the token's context: timers (src/jswrap_interactive.c),
 * getTime/setTime, Date on the token clock, print/console.log, process, require.
 *
 * Timer facts (jswrap_interactive.c, 2v29):
 *   - callbacks may be functions or strings (strings are evaluated); anything else throws
 *     "Function or String not supplied!"; extra arguments are passed to the callback;
 *   - intervals below TIMER_MIN_INTERVAL (0.1 ms) or NaN become 0.1 ms;
 *   - ids are integers; clearTimeout()/clearInterval() with NO argument clear every timer,
 *     with an explicit `undefined` they throw "clearTimeout(undefined) not allowed. Use
 *     clearTimeout() instead"; an unknown id is silently ignored;
 *   - changeInterval(id, ms): next call ms from now, then every ms; unknown id throws
 *     "Unknown Interval";
 *   - intervals are re-armed from their due time (no drift).
 */
import type { EspruinoRuntime } from "./runtime";
import type { QueuedEvent } from "./timerQueue";
import { installRequire } from "./modules";
import { plain } from "./realm";
import { espFloatToString } from "./numbers";

const TIMER_MIN_INTERVAL = 0.1;
const TIMER_MAX_INTERVAL = 31536000001000;
export const ESPRUINO_VERSION = "2v29";

interface Timer { event: QueuedEvent; intervalMs: number; fn: unknown; args: unknown[] }

/** Espruino-style text for print()/console.log() of a non-string value. */
export function formatValue(v: unknown): string {
  v = plain(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "function () { ... }";
  if (typeof v === "number") return espFloatToString(v);
  if (typeof v === "boolean" || v === null) return String(v);
  if (ArrayBuffer.isView(v)) {
    const name = Object.prototype.toString.call(v).slice(8, -1);
    return "new " + name + "([" + Array.prototype.join.call(v, ", ") + "])";
  }
  try {
    return JSON.stringify(v, null, 1).replace(/\n */g, " ");
  } catch {
    return String(v);
  }
}

export function installGlobals(rt: EspruinoRuntime): void {
  const realm = rt.realm;
  const g = realm.global;
  const timers = new Map<number, Timer>();
  let nextId = 1;
  // What a timer costs in Espruino's timer list (measured on the 2v29 Linux build: setTimeout 3
  // variables besides its function, setInterval 5, arguments an array under "args")
  rt.vars?.addHeld(() => {
    const out = [];
    for (const t of timers.values()) {
      out.push({ vars: (t.intervalMs > 0 ? 5 : 3) + (t.args.length ? 2 + t.args.length : 0), values: [t.fn, ...t.args] });
    }
    return out;
  });

  function arm(id: number, t: Timer, delayMs: number): void {
    t.event = rt.schedule(delayMs, () => {
      if (timers.get(id) !== t) return;
      if (t.intervalMs > 0) arm(id, t, t.intervalMs);
      else timers.delete(id);
      rt.runCallback(t.fn, undefined, t.args);
    });
  }

  function add(fn: unknown, ms: unknown, args: unknown[], isTimeout: boolean): number | undefined {
    if (typeof fn !== "function" && typeof fn !== "string") throw rt.error("Function or String not supplied!");
    let interval = Number(ms);
    if (Number.isNaN(interval) || interval < TIMER_MIN_INTERVAL) interval = TIMER_MIN_INTERVAL;
    if (interval > TIMER_MAX_INTERVAL) throw rt.error("Interval is too long (>100 years)");
    const id = nextId++;
    const t: Timer = { event: null as unknown as QueuedEvent, intervalMs: isTimeout ? 0 : interval, fn, args: realm.array(args) };
    timers.set(id, t);
    arm(id, t, interval);
    return id;
  }

  function clear(kind: string, idArgs: unknown[]): void {
    if (idArgs.length === 0) {
      for (const t of timers.values()) t.event.cancelled = true;
      timers.clear();
      return;
    }
    const id = idArgs[0];
    if (id === undefined) throw rt.error("clear" + kind + "(undefined) not allowed. Use clear" + kind + "() instead");
    const t = timers.get(Number(id));
    if (t) {
      t.event.cancelled = true;
      timers.delete(Number(id));
    }
  }

  g.setTimeout = function (fn: unknown, ms: unknown, ...args: unknown[]) {
    return add(fn, ms, args, true);
  };
  g.setInterval = function (fn: unknown, ms: unknown, ...args: unknown[]) {
    return add(fn, ms, args, false);
  };
  g.clearTimeout = function (...idArgs: unknown[]) {
    clear("Timeout", idArgs);
  };
  g.clearInterval = function (...idArgs: unknown[]) {
    clear("Interval", idArgs);
  };
  g.changeInterval = function (id: unknown, ms: unknown) {
    let interval = Number(ms);
    if (!(interval >= TIMER_MIN_INTERVAL)) interval = TIMER_MIN_INTERVAL;
    const t = timers.get(Number(id));
    if (!t) throw rt.error("Unknown Interval");
    t.event.cancelled = true;
    t.intervalMs = interval;
    arm(Number(id), t, interval);
  };

  // ---- clock (docs/spec/espruino-platform.md section 2: getTime/setTime, float seconds)
  // getTime() returns a float (jswrap_interactive.c "float"): boxed when it happens to be integral
  g.getTime = () => realm.float(rt.tokenTimeMs() / 1000);
  g.setTime = (seconds: unknown) => {
    const s = Number(seconds);
    if (!Number.isFinite(s)) throw rt.error("setTime needs a number of seconds");
    rt.setTokenTimeMs(s * 1000);
  };

  // Date on the token clock; local time = UTC + E.setTimeZone hours (Espruino has no OS zone).
  (realm.run(DATE_SCRIPT, "date.js") as (g: unknown, now: () => number, tz: { tzMinutes: number }) => void)(g, () => rt.tokenTimeMs(), rt.timeZone);

  // ---- console
  const print = (...args: unknown[]) => {
    rt.print(args.map((a) => plain(a)).map((a) => (typeof a === "string" ? a : formatValue(a))).join(" "));
  };
  g.print = print;
  g.console = realm.object({ log: print, info: print, warn: print, error: print, debug: print, trace: print });

  // ---- process (Espruino's own: memory(), version, env — nothing from Node)
  const board = rt.board;
  g.process = realm.object({
    version: ESPRUINO_VERSION,
    env: realm.object({
      VERSION: ESPRUINO_VERSION, BOARD: board.espruinoBoard, FLASH: board.flash.storageBytes,
      RAM: board.ram.jsVariables * board.ram.bytesPerVariable, SERIAL: "sim-" + board.id,
      CONSOLE: "Bluetooth", MODULES: board.crypto.module ? "Flash,Storage,crypto" : "Flash,Storage",
    }),
    memory: () => {
      const total = board.ram.jsVariables;
      // the variable meter's count (without it: an estimate from the boot code size)
      const usage = Math.min(total, rt.vars ? rt.vars.count().vars : rt.estimatedJsVars());
      return realm.object({ free: total - usage, usage, total, history: 0, gc: 0, gctime: 0, blocksize: board.ram.bytesPerVariable });
    },
    // process.on("uncaughtException", f): f gets what no code caught, instead of the console
    // (src/jsinteractive.c jsiCheckErrors); other events are accepted and never fire here
    on: (event: unknown, fn: unknown) => {
      if (event === "uncaughtException" && typeof fn === "function") rt.uncaughtHandler = fn as (e: unknown) => void;
    },
  });

  installRequire(rt);
}

/**
 * Runs in the context: replaces Date with one whose "now" is the token clock and whose local
 * time is UTC shifted by E.setTimeZone (so the host's TZ never leaks in).
 */
const DATE_SCRIPT = `(function (g, now, tz) {
  var O = g.Date;
  function shift(d) { return new O(O.prototype.getTime.call(d) + tz.tzMinutes * 60000); }
  function D(a, b, c, d, e, f, h) {
    if (!(this instanceof D)) return new D().toString(); // Date() called as a function
    var o;
    if (arguments.length === 0) o = new O(now());
    else if (arguments.length === 1) o = new O(a instanceof O ? O.prototype.getTime.call(a) : a);
    else o = new O(O.UTC(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, h || 0) - tz.tzMinutes * 60000);
    Object.setPrototypeOf(o, D.prototype);
    return o;
  }
  D.prototype = Object.create(O.prototype, { constructor: { value: D, writable: true, configurable: true } });
  D.now = function () { return now(); };
  D.UTC = O.UTC;
  D.parse = O.parse;
  var p = D.prototype;
  p.getTimezoneOffset = function () { return -tz.tzMinutes; };
  p.getFullYear = function () { return shift(this).getUTCFullYear(); };
  p.getMonth = function () { return shift(this).getUTCMonth(); };
  p.getDate = function () { return shift(this).getUTCDate(); };
  p.getDay = function () { return shift(this).getUTCDay(); };
  p.getHours = function () { return shift(this).getUTCHours(); };
  p.getMinutes = function () { return shift(this).getUTCMinutes(); };
  p.getSeconds = function () { return shift(this).getUTCSeconds(); };
  p.toString = function () {
    var m = Math.abs(tz.tzMinutes);
    return shift(this).toUTCString().replace("GMT", "GMT" + (tz.tzMinutes >= 0 ? "+" : "-") +
      ("0" + Math.floor(m / 60)).slice(-2) + ("0" + m % 60).slice(-2));
  };
  g.Date = D;
})`;
