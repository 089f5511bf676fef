/**
 * Pins the token has (boards/<id>.json io: LEDs, the button, Bangle.js 2's vibration motor),
 * digitalWrite/digitalRead/pin methods, and setWatch/clearWatch with Espruino's debounce state
 * machine (src/jswrap_io.c jswrap_interface_setWatch, src/jsinteractive.c
 * jsiHandleIOEventForWatch / jsiExecuteTimers, 2v29):
 *   - options: `repeat` (default false), `edge` "rising"|"falling"|"both" or 1/-1/0, `debounce` ms;
 *     a bare boolean is `repeat`. On a built-in button the defaults are edge "rising" and
 *     debounce 25 ms; on other pins "both" and 0. A bad edge throws a TypeError
 *     "'edge' in setWatch should be 1, -1, 0, 'rising', 'falling' or 'both'";
 *   - without debounce every edge calls back at once with {state, time, lastTime, pin};
 *   - with debounce an edge that changes the watch's state arms a timeout `debounce` ms
 *     later; further edges push it back; when it fires and the level differs from the
 *     watch's state, the callback gets time = (fire time - debounce), i.e. the last edge;
 *   - `lastTime` is the previous event's time (undefined on the first); non-repeating watches
 *     are removed after their first call; clearWatch() clears all, clearWatch(undefined) throws.
 * Time values are getTime() seconds.
 */
import type { EspruinoRuntime } from "./runtime";
import { plain } from "./realm";
import type { QueuedEvent } from "./timerQueue";

interface Watch {
  id: number;
  pin: string;
  fn: unknown;
  edge: number; // 1 rising, -1 falling, 0 both
  debounceMs: number;
  repeat: boolean;
  state: boolean;
  lastTime: number | undefined;
  timeout: { event: QueuedEvent; state: boolean; dueTicks: number } | null;
}

/** Variables of one setWatch besides its function (measured, bench/sim-calibration.ts). */
export const WATCH_VARS = 10;

export class IoPins {
  private readonly rt: EspruinoRuntime;
  private readonly outputs = new Map<string, boolean>();
  private readonly inputs = new Map<string, boolean>();
  private readonly ledPins: string[];
  private readonly buttonPins: string[];
  private readonly pinObjects = new Map<string, object>();
  private watches: Watch[] = [];
  private nextWatchId = 1;
  private pendingInput: QueuedEvent[] = [];
  private vibrateUntilTicks = 0;

  constructor(rt: EspruinoRuntime) {
    this.rt = rt;
    const io = rt.board.io;
    this.ledPins = io.leds.map((l) => l.pin);
    // Espruino defines BTN and BTN1 for the first button on every board that has one.
    this.buttonPins = ["BTN", "BTN1"];
    for (const p of this.ledPins) this.outputs.set(p, false);
    if (io.vibration) this.outputs.set("VIBRATE", false);
    this.inputs.set("BTN", rt.buttonDown);
    this.install();
    // a watch in Espruino's watch list (jswrap_interface_setWatch): its object with pin, recur,
    // debounce, edge, callback and state (measured on the 2v29 Linux build), plus the function
    rt.vars?.addHeld(() => this.watches.map((w) => ({ vars: WATCH_VARS, values: [w.fn] })));
  }

  private install(): void {
    const rt = this.rt;
    const realm = rt.realm;
    const g = realm.global;
    const all = [...this.ledPins, ...this.buttonPins, ...(this.outputs.has("VIBRATE") ? ["VIBRATE"] : [])];
    for (const name of all) {
      const pin = realm.object({
        write: (v: unknown) => this.write(name, !!v),
        set: () => this.write(name, true),
        reset: () => this.write(name, false),
        toggle: () => { const v = !this.read(name); this.write(name, v); return v; },
        read: () => this.read(name),
        mode: () => {},
        getMode: () => (this.outputs.has(name) ? "output" : "input"),
        getInfo: () => realm.object({ port: "D", num: 0 }),
        toString: () => name,
      });
      this.pinObjects.set(name, pin);
      g[name] = pin;
    }
    g.digitalWrite = (pin: unknown, value: unknown) => {
      if (Array.isArray(pin)) {
        // Espruino: the last pin in the array gets bit 0
        const v = Number(value);
        for (let i = 0; i < pin.length; i++) this.write(this.pinName(pin[i]), !!((v >> (pin.length - 1 - i)) & 1));
        return;
      }
      this.write(this.pinName(pin), !!value && Number(value) !== 0);
    };
    g.digitalRead = (pin: unknown) => {
      if (Array.isArray(pin)) {
        let v = 0;
        for (const p of pin) v = (v << 1) | (this.read(this.pinName(p)) ? 1 : 0);
        return v;
      }
      return this.read(this.pinName(pin)) ? 1 : 0;
    };
    g.pinMode = (pin: unknown) => { this.pinName(pin); };
    // PWM is not modelled: any duty above 0 counts as on (LED energy at full current).
    g.analogWrite = (pin: unknown, value: unknown) => this.write(this.pinName(pin), Number(value) > 0);
    g.analogRead = (pin: unknown) => { this.pinName(pin); return 0; };
    g.setWatch = (fn: unknown, pin: unknown, opts: unknown) => this.setWatch(fn, pin, opts);
    g.clearWatch = (...args: unknown[]) => this.clearWatch(args);
  }

  private pinName(p: unknown): string {
    for (const [name, obj] of this.pinObjects) if (obj === p || name === p) return name;
    throw this.rt.error("Invalid pin");
  }

  private read(name: string): boolean {
    if (this.inputs.has(name === "BTN1" ? "BTN" : name)) return this.inputs.get(name === "BTN1" ? "BTN" : name)!;
    return this.outputs.get(name) ?? false;
  }

  private write(name: string, on: boolean): void {
    if (!this.outputs.has(name)) {
      // writing a button pin makes it an output on the device; it then reads back what was written
      if (this.buttonPins.includes(name)) this.inputs.set("BTN", on);
      return;
    }
    if (this.outputs.get(name) === on) return;
    this.outputs.set(name, on);
    if (name === "VIBRATE") {
      this.rt.setPower({ vibrating: on });
      return;
    }
    this.rt.logLed(name, on);
    let lit = 0;
    for (const p of this.ledPins) if (this.outputs.get(p)) lit++;
    this.rt.setPower({ ledsOn: lit });
  }

  /** Bangle.buzz(ms): motor on for ms of token time. */
  buzz(ms: number, done: () => void): void {
    this.write("VIBRATE", true);
    const until = this.rt.ticksMs() + ms;
    this.vibrateUntilTicks = Math.max(this.vibrateUntilTicks, until);
    this.rt.schedulePhysical(ms, () => { // a hardware timer stops the motor
      if (this.rt.ticksMs() >= this.vibrateUntilTicks) this.write("VIBRATE", false);
      done();
    });
  }

  // ---- watches

  private setWatch(fn: unknown, pinArg: unknown, opts: unknown): number | undefined {
    const pin = this.pinName(pinArg);
    const isButton = this.buttonPins.includes(pin);
    let repeat = false;
    let debounce = isButton ? 25 : 0;
    let edge = isButton ? 1 : 0;
    if (opts !== null && typeof opts === "object") {
      const o = opts as { repeat?: unknown; debounce?: unknown; edge?: unknown };
      if (o.repeat !== undefined) repeat = !!o.repeat;
      if (o.debounce !== undefined) debounce = Number(o.debounce);
      if (Number.isNaN(debounce) || debounce < 0) debounce = 0;
      if (o.edge !== undefined) {
        const e = plain(o.edge);
        if (typeof e === "number") edge = e > 0 ? 1 : e < 0 ? -1 : 0;
        else if (o.edge === "rising") edge = 1;
        else if (o.edge === "falling") edge = -1;
        else if (o.edge === "both") edge = 0;
        else throw this.rt.realm.typeError("'edge' in setWatch should be 1, -1, 0, 'rising', 'falling' or 'both'");
      }
    } else {
      repeat = !!opts;
    }
    if (typeof fn !== "function" && typeof fn !== "string") throw this.rt.error("Function or String not supplied!");
    const id = this.nextWatchId++;
    // the watch starts from the pin's current level (jswrap_io.c: "state" = jshPinInput(pin))
    this.watches.push({ id, pin: pin === "BTN1" ? "BTN" : pin, fn, edge, debounceMs: debounce, repeat, state: this.read(pin), lastTime: undefined, timeout: null });
    this.updateWatchPower();
    return id;
  }

  private clearWatch(args: unknown[]): void {
    if (args.length === 0) {
      for (const w of this.watches) if (w.timeout) w.timeout.event.cancelled = true;
      this.watches = [];
    } else {
      const id = args[0];
      if (id === undefined) throw this.rt.error("clearWatch(undefined) not allowed. Use clearWatch() instead");
      const i = this.watches.findIndex((w) => w.id === Number(id));
      if (i < 0) throw this.rt.error("Unknown Watch " + String(id));
      const w = this.watches[i];
      if (w.timeout) w.timeout.event.cancelled = true;
      this.watches.splice(i, 1);
    }
    this.updateWatchPower();
  }

  private updateWatchPower(): void {
    this.rt.setPower({ buttonWatched: this.watches.some((w) => w.pin === "BTN") });
  }

  private static shouldExecute(w: Watch, state: boolean): boolean {
    return w.edge === 0 || (w.edge === 1 && state) || (w.edge === -1 && !state);
  }

  /** The input level of a pin changes now (button press/release, bounce). */
  setInput(pinName: string, level: boolean): void {
    const pin = pinName === "BTN1" ? "BTN" : pinName;
    if (pin === "BTN") this.rt.buttonDown = level;
    if (this.inputs.get(pin) === level) return;
    this.inputs.set(pin, level);
    const nowS = this.rt.tokenTimeMs() / 1000;
    for (const w of this.watches.slice()) {
      if (w.pin !== pin || !this.watches.includes(w)) continue;
      if (w.debounceMs <= 0) {
        w.state = level;
        this.fire(w, level, nowS);
      } else if (w.timeout) {
        // another edge while waiting: push the timeout back and remember the latest level
        w.timeout.event.cancelled = true;
        this.armDebounce(w, level);
      } else if (level !== w.state) {
        this.armDebounce(w, level);
      }
    }
  }

  private armDebounce(w: Watch, level: boolean): void {
    const dueTicks = this.rt.ticksMs() + w.debounceMs;
    const t = { event: null as unknown as QueuedEvent, state: level, dueTicks };
    t.event = this.rt.schedule(w.debounceMs, () => {
      w.timeout = null;
      const changed = w.state !== t.state;
      w.state = t.state;
      if (changed) this.fire(w, t.state, (this.rt.tokenTimeMs() - w.debounceMs) / 1000);
    });
    w.timeout = t;
  }

  private fire(w: Watch, state: boolean, timeS: number): void {
    const realm = this.rt.realm;
    if (IoPins.shouldExecute(w, state)) {
      const data = realm.object({ state, time: timeS, lastTime: w.lastTime, pin: this.pinObjects.get(w.pin) });
      if (!w.repeat) {
        this.watches = this.watches.filter((x) => x !== w);
        this.updateWatchPower();
      }
      this.rt.runCallback(w.fn, undefined, [data]);
    }
    w.lastTime = timeS;
  }

  /** Press now, release after durationMs; optional contact bounce at both edges. */
  pressButton(durationMs: number, opts?: { bounceMs?: number; bounces?: number }): void {
    const bounces = opts?.bounces ?? 0;
    const bounceMs = opts?.bounceMs ?? 5;
    if (!Number.isInteger(bounces) || bounces < 0) throw new RangeError("bounces must be a non-negative integer, got " + bounces);
    if (!(bounceMs > 0) || bounceMs * 2 >= durationMs) throw new RangeError("bounceMs must be > 0 and shorter than half the press");
    const edge = (atMs: number, level: boolean) => {
      const fn = () => this.setInput("BTN", level);
      if (atMs <= 0) fn();
      else this.pendingInput.push(this.rt.schedulePhysical(atMs, fn));
    };
    const withBounce = (t0: number, level: boolean) => {
      const step = bounces ? bounceMs / (2 * bounces) : 0;
      edge(t0, level);
      for (let k = 0; k < bounces; k++) {
        edge(t0 + step * (2 * k + 1), !level);
        edge(t0 + step * (2 * k + 2), level);
      }
    };
    withBounce(0, true);
    withBounce(durationMs, false);
  }

  /** Power lost or reboot: outputs go low (logged), watches and pending input vanish. */
  powerDown(): void {
    for (const p of this.ledPins) if (this.outputs.get(p)) this.write(p, false);
    if (this.outputs.get("VIBRATE")) this.write("VIBRATE", false);
    this.watches = [];
    for (const e of this.pendingInput) e.cancelled = true;
    this.pendingInput = [];
    this.updateWatchPower();
  }
}
