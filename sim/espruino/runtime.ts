/**
 * One emulated Espruino token: a node:vm context with the board's Espruino API, a virtual clock
 * driven by the world, a timer queue, NOR flash with Storage, the radio as seen by the world,
 * and an energy meter. Platform facts come from docs/spec/espruino-platform.md; each module of this
 * folder cites the section it emulates. The public API is documented in docs/SIM-RUNTIME.md.
 *
 * Time: the world owns one clock (ms since the Unix epoch). The token has its own oscillator
 * ("ticks", ms since power-on, running (1 + clockDriftPpm/1e6) times as fast as world time);
 * getTime() = (ticks + offset) / 1000 where setTime() moves the offset. Timers are relative,
 * as Espruino's are (src/jswrap_interactive.c stores "time" relative to jsiLastIdleTime), so
 * setTime() does not move them.
 *
 * Reboots: Espruino on nRF52 keeps its clock in `.noinit` RAM (targets/nrf5x/jshardware.c:
 * baseSystemTime/lastSystemTime with an inverted copy checked in jshInit), so after a watchdog
 * or software reset getTime() continues where it was; after a power loss that RAM is garbage,
 * the check fails and the clock restarts near 0. reboot("watchdog"|"reset") keeps the clock,
 * reboot("power") resets it. Flash always survives.
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { detokenise, isPretokenised } from "./pretokenised";
import { loadBoard, type Board } from "../../boards/index";
import { NorFlash, PowerCutError } from "./flash";
import { JsfStorage } from "./storage";
import { EnergyMeter, type EnergyOptions, type PowerState } from "./energy";
import { Realm } from "./realm";
import { TimerQueue, type QueuedEvent } from "./timerQueue";
import { installGlobals, formatValue } from "./globals";
import { IoPins } from "./io";
import { installE } from "./espruinoE";
import { Radio, type GattCentral, type GattLink, type RadioStateView, type AdvertIn, type AdvertStart } from "./nrf";
import { HOOK, SITES, instrument } from "./meterCode";
import { VarMeter } from "./varMeter";
import { BUILTIN_X86_MS, FLASH_ERASE_PAGE_MS, FLASH_WRITE_WORD_MS, X86_TO_NRF52, ioBufferBytes, ioQueueHasRoom, nrf52Ms } from "./cpuModel";

export type { GattCentral, GattLink, RadioStateView, AdvertIn, AdvertStart } from "./nrf";
export { NorFlash, PowerCutError } from "./flash";

export interface RuntimeOptions {
  /** Board id, as in boards/<id>.json. */
  board: string;
  /** Seed of every random number the token sees (E.hwRand, Math.random). */
  seed: number;
  /** World time at power-on, ms since the Unix epoch. */
  worldTimeMs: number;
  /** Flash to start from (a previous token's): it survives reboots and new runtimes. */
  flash?: NorFlash;
  /** Oscillator error in ppm (+ = token clock runs fast). RC oscillator ~250 ppm on 832 boards. */
  clockDriftPpm?: number;
  /** Wall-clock limit for boot code, ms (default 30000): a runaway top level is reported, not hung on. */
  bootTimeoutMs?: number;
  /**
   * Count the JavaScript variables the code holds (rt.vars; default on): idle after callbacks, peak
   * inside the built-ins where RAM peaks. More than the board's ram.jsVariables is reported as OUT OF
   * MEMORY and interrupts the code, as on Espruino. A count walks every object, so by default the
   * meter samples idle at most once per simulated hour and each built-in at most once per 30
   * simulated minutes (boot is always sampled); `{ idleEveryMs: 0, peakEveryMs: 0 }` samples every time.
   */
  varMeter?: boolean | { idleEveryMs?: number; peakEveryMs?: number };
  /**
   * Work takes simulated time (rt.cpu; default true): JavaScript by the instrumented code's count,
   * built-ins by their own cost; later timers and events wait, adverts queue (and drop when Espruino's
   * event queue is full), and the CPU current is charged for the time.
   */
  cpuTime?: boolean;
  /** x86 -> nRF52 scale for the CPU-time model (cpuModel.ts X86_TO_NRF52; default the central value). */
  cpuScale?: number;
  /**
   * The energy model's choices (energy.ts): which end of every uncertain figure (central, long, short)
   * and the cell's temperature. A cell that can no longer carry a scan window browns out: the token halts.
   */
  energy?: EnergyOptions;
}

/** What the CPU did so far (device ms). */
export interface CpuStats {
  /** Busy time: JavaScript, built-ins, flash hardware. */
  busyMs: number;
  jsMs: number;
  builtinMs: number;
  flashMs: number;
  /** Callbacks whose start was delayed because the CPU was still busy, and the total delay. */
  delayedCallbacks: number;
  delayMs: number;
  /** Longest single stretch of work (a callback with everything it called). */
  longestMs: number;
  longestWhere: string;
  /** Busy ms and stretches of work by where they started (a callback's function name, "scan report", ...). */
  byWhere: Record<string, { ms: number; n: number }>;
}

export type RebootReason = "watchdog" | "power" | "reset";

/** Thrown inside firmware code to unwind it when the token reboots or loses power mid-callback. */
class RuntimeStop extends Error {}

/**
 * Wall-clock limit for boot code: a runaway top level is reported ("Script execution timed out")
 * instead of hanging the simulator. Callbacks have no such guard (it would cost ~160 µs each).
 */
const DEFAULT_BOOT_TIMEOUT_MS = 30_000;

/** First advertising events kept for takeAdvertStarts() (older ones are dropped). */
const ADVERT_STARTS_KEPT = 1000;

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The built firmware for a board (dist/firmware/<board>.js), as the sim runs it. */
export function loadBuiltFirmware(boardId: string): string {
  loadBoard(boardId); // validates the id with a clear message
  const file = join(REPO_ROOT, "dist", "firmware", boardId + ".js");
  if (!existsSync(file)) {
    throw new Error("firmware for " + boardId + " is not built: " + file + " is missing; run `npm run build` first");
  }
  // latin1: a pretokenised file holds token bytes 0x80-0xFF, one character each
  return readFileSync(file, "latin1");
}

/** splitmix32: small, fast, deterministic. */
function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class EspruinoRuntime {
  readonly board: Board;
  readonly flash: NorFlash;
  /** Espruino's file system over `flash` (used by require("Storage") and by tests). */
  readonly storage: JsfStorage;
  readonly energy: EnergyMeter;
  /** Everything the token printed (print, console.log, errors), one entry per print. */
  consoleOutput: string[] = [];
  /** "Uncaught ..." lines for exceptions that escaped firmware code, in order. */
  uncaughtErrors: string[] = [];
  /** Firmware callbacks run so far (timers, watches, radio events; boot code counts as one). */
  callbacksRun = 0;
  /** Reboots so far, with reason and world time. */
  readonly reboots: { reason: RebootReason; worldTimeMs: number }[] = [];

  /** @internal */ realm!: Realm;
  /** @internal */ readonly rng: () => number;
  /** @internal */ io!: IoPins;
  /** @internal */ radio!: Radio;
  /** @internal */ queue = new TimerQueue();
  /** @internal physical events (a finger on the button, a motor stopping): they do not wait for the CPU */
  physQueue = new TimerQueue();
  /** @internal E.setPassword/lockConsole/setConsole state */
  consoleLock: { password: string | null; locked: boolean; console: string | null } = { password: null, locked: false, console: "Bluetooth" };
  private readonly factoryAddress: Uint8Array;
  /** @internal E.setTimeZone state, read by the context's Date */
  timeZone = { tzMinutes: 0 };
  /** The variable meter (null when the runtime was made with varMeter: false). */
  readonly vars: VarMeter | null;
  /** CPU time so far (all zero when made with cpuTime: false). */
  readonly cpu: CpuStats = { busyMs: 0, jsMs: 0, builtinMs: 0, flashMs: 0, delayedCallbacks: 0, delayMs: 0, longestMs: 0, longestWhere: "", byWhere: {} };
  /** Out-of-memory events: where, variables counted, world time. */
  readonly outOfMemory: { where: string; vars: number; worldTimeMs: number }[] = [];
  private readonly cpuOn: boolean;
  private readonly cpuScale: number;
  /** @internal the instrumented code's hook object (work counter, function registry) */
  readonly hooks: { n: number; f: (fn: object, reader: (() => unknown[] | null) | null, site: number) => object };
  /** Token ticks until which the CPU is busy. */
  private busyUntilTicks = 0;
  /** Work counter and charged ms at the start of the running callback. */
  private cbStartN = 0;
  private cbChargedMs = 0;
  private cbWhere = "";
  private lastIdleSampleWorld = -Infinity;
  private oomStop = false;

  private nowWorld: number;
  private nowTicksMs = 0;
  private bootWorld: number;
  private readonly rate: number;
  private readonly bootTimeoutMs: number;
  private clockOffsetMs = 0;
  private booted = false;
  private halted = false;
  /** The cell browned out (energy.ts): the token halts at the next safe point and stays off. */
  private browned = false;
  private inCallback = 0;
  private pendingStop: null | { kind: "reboot"; reason: RebootReason } | { kind: "halt" } = null;
  private bootCode: string | null = null;
  private watchdog: { timeoutMs: number; auto: boolean; event: QueuedEvent | null } | null = null;
  private readonly radioListeners: (() => void)[] = [];
  private ledEvents: { timeMs: number; pin: string; on: boolean }[] = [];

  constructor(opts: RuntimeOptions) {
    if (!opts || typeof opts !== "object") throw new TypeError("EspruinoRuntime needs options {board, seed, worldTimeMs}");
    this.board = loadBoard(opts.board);
    if (!Number.isInteger(opts.seed)) throw new TypeError("seed must be an integer, got " + opts.seed);
    if (!Number.isFinite(opts.worldTimeMs)) throw new TypeError("worldTimeMs must be a finite number, got " + opts.worldTimeMs);
    const drift = opts.clockDriftPpm ?? 0;
    if (!Number.isFinite(drift) || Math.abs(drift) > 100_000) throw new RangeError("clockDriftPpm must be a number within ±100000, got " + drift);
    this.rate = 1 + drift / 1e6;
    this.bootTimeoutMs = opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    if (!(this.bootTimeoutMs > 0)) throw new RangeError("bootTimeoutMs must be > 0, got " + opts.bootTimeoutMs);
    const f = this.board.flash;
    if (opts.flash) {
      if (opts.flash.storageAddress !== f.storageAddress || opts.flash.storageBytes !== f.storageBytes || opts.flash.pageSize !== f.pageSize) {
        throw new RangeError("the flash passed in does not have board " + this.board.id + "'s Storage geometry");
      }
      this.flash = opts.flash;
    } else {
      this.flash = new NorFlash({ pageSize: f.pageSize, storageAddress: f.storageAddress, storageBytes: f.storageBytes, rawFreePages: f.rawFreePages });
    }
    this.storage = new JsfStorage(this.flash);
    this.storage.onConsole = (line) => this.print(line);
    this.nowWorld = opts.worldTimeMs;
    this.bootWorld = opts.worldTimeMs;
    this.energy = new EnergyMeter(this.board, opts.worldTimeMs, opts.energy);
    this.energy.onBrownOut = () => {
      this.print("BROWN-OUT: the cell cannot carry the load (" + this.energy.brownOut!.loadMa.toFixed(1) + " mA)");
      this.browned = true;
    };
    this.flash.onOp = (kind, n) => this.chargeFlash(kind, n);
    this.rng = makeRng(opts.seed);
    const addrRng = makeRng(opts.seed ^ 0x0add7e55);
    this.factoryAddress = new Uint8Array(6);
    for (let i = 0; i < 6; i++) this.factoryAddress[i] = addrRng() & 0xff;
    this.factoryAddress[0] |= 0xc0; // random static: top two bits 11
    this.energy.setState(this.nowWorld, { powered: false });
    this.cpuOn = opts.cpuTime ?? true;
    this.cpuScale = opts.cpuScale ?? X86_TO_NRF52.central;
    this.vars = opts.varMeter ?? true ? new VarMeter(this.board, () => this.realm.global) : null;
    const every = typeof opts.varMeter === "object" ? opts.varMeter : {};
    this.idleEveryMs = every.idleEveryMs ?? 3_600_000;
    this.peakEveryMs = every.peakEveryMs ?? 1_800_000;
    const vars = this.vars;
    this.hooks = {
      n: 0,
      f: (fn, reader, site) => {
        if (vars) vars.register(fn, reader, SITES[site]);
        return fn;
      },
    };
  }

  // ---------------------------------------------------------------- boot / reboot

  /**
   * The vm context's global object as the host sees it (tests read global.Omamori): floats the
   * token keeps boxed (sim/espruino/semantics.ts) read as plain numbers, flash strings as strings,
   * through a view that passes calls and assignments on to the token's own objects.
   */
  get global(): any {
    if (!this.realm) throw new Error("the token has not booted yet; call boot(code) or bootFromStorage() first");
    return this.realm.hostView(this.realm.global);
  }

  /** Power-on: clock from ~0, fresh context, run `code` as Espruino runs .bootcde, then E.on('init'). */
  boot(code: string): void {
    if (typeof code !== "string") throw new TypeError("boot(code) needs the firmware source text, got " + typeof code);
    this.bootCode = code;
    this.start(true, code);
  }

  /** Power-on running the ".bootcde" Storage file (what an upload with SAVE_ON_SEND=1 leaves). */
  bootFromStorage(): void {
    this.bootCode = null;
    this.start(true, null);
  }

  /**
   * Restart on the same flash. "power": clock restarts near 0; "watchdog"/"reset": clock kept
   * (nRF52 .noinit RAM). Runs the code of the last boot(code), or .bootcde after bootFromStorage().
   * Called from inside firmware code (E.reboot(), a missed watchdog kick) the reboot happens
   * when the current callback has been unwound.
   */
  reboot(reason: RebootReason): void {
    if (reason !== "watchdog" && reason !== "power" && reason !== "reset") {
      throw new RangeError('reboot reason must be "watchdog", "power" or "reset", got ' + JSON.stringify(reason));
    }
    if (this.inCallback) {
      this.pendingStop = { kind: "reboot", reason };
      this.flash.freeze(); // a firmware catch block must not leave traces the device never writes
      throw new RuntimeStop("reboot");
    }
    this.reboots.push({ reason, worldTimeMs: this.nowWorld });
    this.start(reason === "power", this.bootCode);
  }

  private start(powerOn: boolean, code: string | null): void {
    const clockMs = powerOn ? 0 : this.tokenTimeMs();
    this.teardown();
    this.flash.revive();
    this.halted = false;
    this.pendingStop = null;
    this.bootWorld = this.nowWorld;
    this.nowTicksMs = 0;
    // Boot takes a few ms on the device; a fresh power-on clock starts just above 0.
    this.clockOffsetMs = clockMs;
    this.queue = new TimerQueue();
    this.physQueue = new TimerQueue();
    this.watchdog = null;
    this.timeZone = { tzMinutes: 0 };
    this.consoleLock = { password: null, locked: false, console: "Bluetooth" };
    this.realm = new Realm();
    if (this.vars) this.vars.reset();
    this.uncaughtHandler = null;
    const realm = this.realm;
    realm.onUnhandledRejection = (reason) => {
      if (this.realm !== realm || this.halted) return; // from a context that has since rebooted
      const line = "Uncaught Error: Unhandled promise rejection: " + describeError(realm.sem.convertError(reason));
      this.uncaughtErrors.push(line);
      this.consoleOutput.push(line);
    };
    this.io = new IoPins(this);
    this.radio = new Radio(this);
    const g = this.realm.global;
    const mathRng = makeRng(this.rng());
    g.Math.random = () => mathRng() / 4294967296;
    installGlobals(this);
    installE(this);
    this.busyUntilTicks = 0;
    this.uninterrupt();
    this.idleOver = false;
    this.lastPeakSample.clear();
    this.ioUsed = 0;
    this.ioPending = [];
    this.jsEvents = [];
    this.lastIdleSampleWorld = -Infinity;
    this.instrumenting = this.cpuOn || !!this.vars;
    if (this.instrumenting) {
      g.__esimHooks = this.hooks;
      this.realm.run("const " + HOOK + " = globalThis.__esimHooks; delete globalThis.__esimHooks;", "hooks.js");
    }
    if (this.vars) this.vars.markBuiltins();
    this.booted = true;
    this.setPower({ powered: true });
    // Espruino on nRF52 skips loading the saved code when BTN1 is held at any hardware reset
    // (targets/nrf5x/main.c: jsiInit(!buttonState)): the stock console stays open to Bluetooth
    const source = code ?? (this.buttonDown ? null : this.storageBootCode());
    this.bootCodeLength = source ? source.length : 0;
    if (source !== null) this.runCode(source, code === null ? ".bootcde" : "firmware.js");
    this.realm.drain();
    this.emitInit();
    this.radio.notifyChange();
    this.idleSample("boot", true);
  }

  private instrumenting = false;

  /**
   * @internal Code as the token runs it: instrumented for the variable meter and the CPU model
   * (meterCode.ts). Code acorn cannot parse runs as it is (V8 reports the syntax error).
   */
  prepareCode(code: string): string {
    if (!this.instrumenting) return code;
    let r;
    try {
      r = instrument(code);
    } catch {
      return code;
    }
    if (this.vars) for (const b of r.builtinObjects) this.vars.builtinNamesUsed.add(b);
    return r.code;
  }

  private storageBootCode(): string | null {
    const name = new Uint8Array(28);
    const n = ".bootcde";
    for (let i = 0; i < n.length; i++) name[i] = n.charCodeAt(i);
    const bytes = this.storage.read(name);
    if (!bytes) return null;
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return s;
  }

  /**
   * @internal process.memory() usage. Not measured (V8 objects are not JsVars): a rough
   * estimate of 200 variables of interpreter state plus one per 48 bytes of boot code.
   */
  estimatedJsVars(): number {
    return 200 + Math.ceil((this.bootCodeLength ?? 0) / 48);
  }
  private bootCodeLength = 0;

  /** @internal set by espruinoE: E.on('init') listeners. */
  emitInit: () => void = () => {};

  private teardown(): void {
    if (this.radio) this.radio.powerDown();
    if (this.io) this.io.powerDown();
    this.queue.clear();
    this.physQueue.clear();
  }

  /** Evaluate source in the token (errors are reported as uncaught, like Espruino). */
  private runCode(code: string, filename: string): void {
    this.callbacksRun++;
    // a pretokenised file (as the build writes it) is read as Espruino's lexer reads it; the meters'
    // instrumentation (meterCode.ts) goes on first, Espruino's value semantics (instrument.ts) after
    const prepared = this.prepareCode(isPretokenised(code) ? detokenise(code) : code);
    this.beginWork("boot code");
    this.inCallback++;
    try {
      this.realm.runFirmware(prepared, filename, this.bootTimeoutMs);
    } catch (e) {
      this.handleThrown(e);
    } finally {
      this.inCallback--;
    }
    this.endWork();
    this.afterCallback();
  }

  /** @internal the chip's factory address (FICR), MSB first; the same across reboots. */
  deviceAddressBytes(): Uint8Array {
    return this.factoryAddress.slice();
  }

  // ---------------------------------------------------------------- time

  worldTimeMs(): number {
    return this.nowWorld;
  }

  /** The token's getTime() in ms (own oscillator, setTime offset). */
  tokenTimeMs(): number {
    return this.ticksMs() + this.clockOffsetMs;
  }

  /** @internal setTime(seconds) */
  setTokenTimeMs(ms: number): void {
    this.clockOffsetMs = ms - this.nowTicksMs;
  }

  /**
   * @internal ticks since boot now; inside a callback: where its work has got to (it started when the
   * CPU was free, plus the work it has done so far)
   */
  ticksMs(): number {
    return this.workDepth && this.cpuOn ? this.workStartTicks + this.workMs() * this.rate : this.nowTicksMs;
  }

  /**
   * World time the token's CPU has reached: inside a callback, when its work started plus the work so
   * far (a notification it sends leaves then); else now. The world's GATT central times notifications by it.
   */
  cpuWorldTimeMs(): number {
    return this.workDepth && this.cpuOn ? this.worldOfTicks(this.ticksMs()) : this.nowWorld;
  }

  private worldOfTicks(ticks: number): number {
    return this.bootWorld + ticks / this.rate;
  }

  /**
   * Earliest pending timer/watch/watchdog/queued-event start in world ms (Infinity if none or halted);
   * an event due while the CPU is still busy starts when it is free.
   */
  nextEventTimeMs(): number {
    if (this.halted || !this.booted) return Infinity;
    const ev = this.queue.peek();
    const ph = this.physQueue.peek();
    const t = Math.min(ev ? Math.max(ev.dueTicks, this.busyUntilTicks) : Infinity, this.ioDrainTicks(), ph ? ph.dueTicks : Infinity);
    return t === Infinity ? Infinity : Math.max(this.nowWorld, this.worldOfTicks(t));
  }

  /** Run every event due up to worldTimeMs, in order, then set the clock to worldTimeMs. */
  advanceTo(worldTimeMs: number): void {
    if (!Number.isFinite(worldTimeMs)) throw new RangeError("advanceTo needs a finite world time, got " + worldTimeMs);
    if (worldTimeMs < this.nowWorld) {
      throw new RangeError("advanceTo cannot go back in time: now " + this.nowWorld + ", asked " + worldTimeMs);
    }
    if (this.inCallback) throw new Error("advanceTo cannot be called from inside the token's own code");
    // a cut that happened outside a callback (a test calling into the context directly)
    if ((this.flash.isDead() || this.browned) && !this.halted && this.booted) this.halt();
    for (;;) {
      if (this.browned && !this.halted && this.booted) this.halt();
      if (this.halted || !this.booted) break;
      const ph = this.physQueue.peek();
      const evPeek = this.queue.peek();
      if (ph && ph.dueTicks <= Math.min(this.ioDrainTicks(), evPeek ? Math.max(evPeek.dueTicks, this.busyUntilTicks) : Infinity)) {
        const at = this.worldOfTicks(ph.dueTicks);
        if (at > worldTimeMs) break;
        this.physQueue.pop();
        if (ph.dueTicks > this.nowTicksMs) {
          this.nowTicksMs = ph.dueTicks;
          this.setWorld(Math.max(this.nowWorld, at));
        }
        this.inEventLoop++;
        try {
          ph.run();
        } finally {
          this.inEventLoop--;
        }
        continue;
      }
      const ev = this.queue.peek();
      const drainAt = this.ioDrainTicks();
      if (drainAt !== Infinity && (!ev || drainAt <= Math.max(ev.dueTicks, this.busyUntilTicks))) {
        const at = this.worldOfTicks(drainAt);
        if (at > worldTimeMs) break;
        if (drainAt > this.nowTicksMs) {
          this.nowTicksMs = drainAt;
          this.setWorld(Math.max(this.nowWorld, at));
        }
        this.drainIo();
        continue;
      }
      if (!ev) break;
      const startTicks = Math.max(ev.dueTicks, this.busyUntilTicks);
      const start = this.worldOfTicks(startTicks);
      if (start > worldTimeMs) break;
      this.queue.pop();
      if (startTicks > ev.dueTicks) {
        this.cpu.delayedCallbacks++;
        this.cpu.delayMs += (startTicks - ev.dueTicks) / this.rate;
      }
      if (startTicks > this.nowTicksMs) {
        this.nowTicksMs = startTicks;
        this.setWorld(Math.max(this.nowWorld, start));
      }
      this.inEventLoop++;
      try {
        ev.run();
      } finally {
        this.inEventLoop--;
      }
    }
    if (worldTimeMs > this.nowWorld) {
      this.setWorld(worldTimeMs);
      this.nowTicksMs = Math.max(this.nowTicksMs, (worldTimeMs - this.bootWorld) * this.rate);
    }
  }

  private setWorld(t: number): void {
    this.nowWorld = t;
    this.energy.advance(t);
  }

  /** @internal queue `run` after delayMs of token time from now (relative, like Espruino's timers). */
  schedule(delayMs: number, run: () => void): QueuedEvent {
    return this.queue.push(this.ticksMs() + Math.max(0, delayMs), run);
  }

  /**
   * Something physical after delayMs of token time (a finger on the button, a motor stopping, a person
   * acting on what the token shows): it happens then even while the CPU is busy; what the firmware
   * does about it still waits for the CPU. For host code and tests that act like a person.
   */
  schedulePhysical(delayMs: number, run: () => void): QueuedEvent {
    return this.physQueue.push(this.ticksMs() + Math.max(0, delayMs), run);
  }

  // ---------------------------------------------------------------- CPU time

  private workDepth = 0;

  /** Device ms of work done by the running callback so far. */
  private workMs(): number {
    if (!this.cpuOn || !this.workDepth) return 0;
    return nrf52Ms(this.hooks.n - this.cbStartN, this.cpuScale) + this.cbChargedMs;
  }

  /** @internal a stretch of work starts (a callback, boot code, an advert being handled) */
  beginWork(where: string): void {
    if (this.workDepth++) return;
    this.energy.cpuActive = true;
    this.workStartTicks = Math.max(this.nowTicksMs, this.busyUntilTicks);
    this.cbStartN = this.hooks.n;
    this.cbChargedMs = 0;
    this.cbWhere = where;
    if (this.cpuOn) this.chargeBuiltin(BUILTIN_X86_MS.dispatch);
    else this.energy.callback();
  }

  /** @internal the stretch of work ends: the CPU stays busy for what it did. */
  endWork(): void {
    if (--this.workDepth) return;
    this.energy.cpuActive = false;
    if (!this.cpuOn) return;
    const jsMs = nrf52Ms(this.hooks.n - this.cbStartN, this.cpuScale);
    const total = jsMs + this.cbChargedMs;
    this.cpu.jsMs += jsMs;
    this.cpu.busyMs += total;
    this.energy.cpu(jsMs);
    const w = (this.cpu.byWhere[this.cbWhere] ??= { ms: 0, n: 0 });
    w.ms += total;
    w.n++;
    if (total > this.cpu.longestMs) {
      this.cpu.longestMs = total;
      this.cpu.longestWhere = this.cbWhere;
    }
    this.busyUntilTicks = this.workStartTicks + total * this.rate;
  }

  /** Token ticks at which the running stretch of work started (when the CPU became free for it). */
  private workStartTicks = 0;

  /** @internal a built-in's own work, in ms of the calibration machine (scaled to the nRF52). */
  chargeBuiltin(x86Ms: number): void {
    if (!this.cpuOn) return;
    this.chargeDevice(nrf52Ms(x86Ms * 1e6, this.cpuScale));
  }

  /** @internal a built-in's own work in device ms (estimated for the nRF52 directly). */
  chargeDevice(ms: number): void {
    if (!this.cpuOn) return;
    this.energy.cpu(ms);
    this.cpu.builtinMs += ms;
    this.addBusy(ms);
  }

  /** @internal a crypto built-in: its call and its blocks (cpuModel.ts BUILTIN_X86_MS) */
  cryptoWork(kind: "sha256" | "aes" | "ccm", blocks: number): void {
    if (!this.cpuOn) {
      this.energy.cryptoBlocks(blocks);
      return;
    }
    const c = BUILTIN_X86_MS;
    this.chargeBuiltin(kind === "sha256" ? c.sha256Call + blocks * c.sha256Block
      : kind === "aes" ? c.aesCall + blocks * c.aesBlock : c.ccmCall + blocks * c.aesBlock);
  }

  private chargeFlash(kind: "write" | "erase", n: number): void {
    if (kind === "write") this.energy.flashWrites(n);
    else this.energy.flashErases(n);
    if (!this.cpuOn) return;
    const ms = n * (kind === "write" ? FLASH_WRITE_WORD_MS : FLASH_ERASE_PAGE_MS);
    this.cpu.flashMs += ms;
    this.addBusy(ms);
  }

  private addBusy(ms: number): void {
    if (this.workDepth) this.cbChargedMs += ms;
    else {
      this.cpu.busyMs += ms;
      this.busyUntilTicks = Math.max(this.busyUntilTicks, this.nowTicksMs) + ms * this.rate;
    }
  }

  private inEventLoop = 0;

  /**
   * Something from outside (a GATT write, a host call) is about to run while events that arrived
   * before it still wait for the busy CPU: on the device they are handled first, in order (the IO
   * queue and the timer list are first come, first served), so run them now, before it.
   */
  private catchUp(): void {
    if (!this.cpuOn || !this.cpuBusy()) return;
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.halted || !this.booted) return;
      if (this.ioPending.length && this.ioSinceTicks <= this.nowTicksMs) {
        this.drainIo();
        continue;
      }
      const ev = this.queue.peek();
      if (!ev || ev.dueTicks > this.nowTicksMs) return;
      this.queue.pop();
      this.inEventLoop++;
      try {
        ev.run();
      } finally {
        this.inEventLoop--;
      }
    }
  }

  /** Whether the CPU-time model is on (RuntimeOptions.cpuTime). */
  cpuModelOn(): boolean {
    return this.cpuOn;
  }

  /** Whether the CPU is still busy with earlier work now. */
  cpuBusy(): boolean {
    return this.busyUntilTicks > this.nowTicksMs;
  }

  /**
   * World ms when the CPU is free of the work it has now (now if it is free). A button pressed and
   * released while it is busy can be lost on the device (Espruino debounces from the queued edges:
   * src/jsinteractive.c), so a simulated person who wants the press seen waits until then.
   */
  cpuFreeAtMs(): number {
    return Math.max(this.nowWorld, this.worldOfTicks(this.busyUntilTicks));
  }

  // ---------------------------------------------------------------- Espruino's IO event queue

  private ioUsed = 0;
  /** Reports in the IO queue: bytes, and what the idle loop does with each when it pops it. */
  private ioPending: { bytes: number; pop: () => (() => void) | null }[] = [];
  /** Token ticks of the first report waiting in the IO queue. */
  private ioSinceTicks = 0;
  /** Scan reports received, queued while the CPU was busy, dropped because the IO queue was full. */
  readonly ioStats = { received: 0, queued: 0, dropped: 0, maxQueued: 0 };

  /**
   * @internal An IO event from the radio (a scan report of `bytes` in Espruino's IO queue). `pop` is
   * what the idle loop does when it takes the event out (jsble_exec_pending: build the report, look up
   * the scan handler); it returns the JavaScript event to run, or null. With the CPU free both happen
   * now; while it is busy the event waits in the queue while there is room (cpuModel.ts
   * ioQueueHasRoom), else it is dropped (JSERR_RX_FIFO_FULL). Without the CPU model: now.
   */
  ioEvent(bytes: number, pop: () => (() => void) | null): void {
    this.ioStats.received++;
    if (!this.cpuOn || (!this.cpuBusy() && this.ioPending.length === 0)) {
      const run = pop();
      if (run) run();
      return;
    }
    if (!ioQueueHasRoom(this.ioUsed, bytes, ioBufferBytes(this.board))) {
      this.ioStats.dropped++;
      return;
    }
    if (!this.ioPending.length) this.ioSinceTicks = this.nowTicksMs;
    this.ioStats.queued++;
    this.ioUsed += bytes;
    this.ioPending.push({ bytes, pop });
    this.ioStats.maxQueued = Math.max(this.ioStats.maxQueued, this.ioPending.length);
  }

  /** When the idle loop next empties the IO queue (token ticks; Infinity when it is empty). */
  private ioDrainTicks(): number {
    return this.ioPending.length ? Math.max(this.ioSinceTicks, this.busyUntilTicks) : Infinity;
  }

  /**
   * jsiIdle: first every IO event is taken out (each scan report becomes a JavaScript event bound to
   * the scan handler of that moment), then due timers run, then the queued JavaScript events.
   */
  private drainIo(): void {
    const batch = this.ioPending;
    this.ioPending = [];
    this.ioUsed = 0;
    for (const e of batch) {
      const run = e.pop();
      if (!run) continue;
      const ev = this.queue.push(this.nowTicksMs, () => {
        this.jsEvents.splice(this.jsEvents.indexOf(ev), 1);
        run();
      });
      this.jsEvents.push(ev);
    }
  }

  /** Scan events moved out of the IO queue and waiting to run (each holds its report object). */
  private jsEvents: QueuedEvent[] = [];

  /** @internal scan reports waiting (in the IO queue or as JavaScript events) */
  queuedReports(): number {
    return this.ioPending.length + this.jsEvents.length;
  }

  // ---------------------------------------------------------------- callbacks / errors

  /**
   * @internal Run firmware code (a callback) the way Espruino's event loop does: count its CPU
   * cost, report an escaping exception as "Uncaught ...", run promise jobs, then carry out a
   * reboot or power cut that happened inside it. String callbacks are evaluated, as Espruino does.
   */
  runCallback(fn: unknown, thisArg: unknown, args: unknown[]): void {
    if ((this.flash.isDead() || this.browned) && !this.halted && this.booted && !this.inCallback) this.halt();
    if (this.halted || !this.booted) return;
    if (!this.inCallback && !this.inEventLoop) this.catchUp();
    this.callbacksRun++;
    this.beginWork(typeof fn === "function" && fn.name ? fn.name : "callback");
    const outer = this.currentArgs;
    this.currentArgs = args;
    this.inCallback++;
    try {
      const f = this.realm.unview(fn);
      if (typeof f === "function") f.apply(this.realm.unview(thisArg), this.realm.argsToContext(args));
      else if (typeof f === "string") this.realm.runFirmware(this.prepareCode(f), "callback");
    } catch (e) {
      this.handleThrown(e);
    } finally {
      this.inCallback--;
      this.currentArgs = outer;
    }
    this.endWork();
    this.afterCallback();
  }

  /** Arguments of the running callback (a scan report, a GATT write): part of a peak sample. */
  private currentArgs: unknown[] = [];

  // ---------------------------------------------------------------- variable meter

  /** Minimum simulated time between two idle samples, and between two samples in the same built-in. */
  private readonly idleEveryMs: number;
  private readonly peakEveryMs: number;
  private readonly lastPeakSample = new Map<string, number>();

  /** Count variables between callbacks (boot, and at most once per idleEveryMs after callbacks). */
  private idleSample(where: string, force = false): void {
    const m = this.vars;
    if (!m || this.halted || !this.booted || this.inCallback) return;
    if (!force && this.nowWorld - this.lastIdleSampleWorld < this.idleEveryMs) return;
    this.lastIdleSampleWorld = this.nowWorld;
    const wasOver = this.idleOver;
    const n = m.sample("idle", where, this.nowWorld);
    this.idleOver = n > m.total;
    if (this.idleOver && !wasOver) this.reportOutOfMemory(where + " (idle)", n);
  }
  private idleOver = false;

  /**
   * @internal Inside a built-in where RAM peaks (Flash.write, Storage.write, NRF.setAdvertising,
   * NRF.updateServices, crypto, ...): count everything plus the built-in's arguments and the running
   * callback's arguments. Over the board's variables: OUT OF MEMORY, and the code is interrupted.
   */
  peakSample(where: string, args: unknown[]): void {
    const m = this.vars;
    if (!m || this.halted || !this.booted) return;
    if (this.oomStop) throw new RuntimeStop("out of memory");
    const last = this.lastPeakSample.get(where);
    if (last !== undefined && this.nowWorld - last < this.peakEveryMs) return;
    this.lastPeakSample.set(where, this.nowWorld);
    const n = m.sample("peak", where, this.nowWorld, this.inCallback ? args.concat(this.currentArgs) : args);
    if (n > m.total) {
      this.reportOutOfMemory(where, n);
      if (this.inCallback) this.interrupt();
    }
  }

  /**
   * Stop the running code for good (jspSetInterrupted): from now on every statement of the
   * instrumented code throws, so a firmware `catch` cannot carry on; undone when the callback ends.
   */
  private interrupt(): never {
    this.oomStop = true;
    const hooks = this.hooks;
    let n = hooks.n;
    Object.defineProperty(hooks, "n", {
      configurable: true,
      enumerable: true,
      get: () => n,
      set: (v: number) => {
        n = v;
        throw new RuntimeStop("interrupted");
      },
    });
    throw new RuntimeStop("out of memory");
  }

  private uninterrupt(): void {
    if (!this.oomStop) return;
    this.oomStop = false;
    const n = this.hooks.n;
    Object.defineProperty(this.hooks, "n", { configurable: true, enumerable: true, writable: true, value: n });
  }

  /** Espruino prints "OUT OF MEMORY" and interrupts the running code (src/jsvar.c jsvNewWithFlags). */
  private reportOutOfMemory(where: string, vars: number): void {
    const total = this.vars ? this.vars.total : this.board.ram.jsVariables;
    this.outOfMemory.push({ where, vars, worldTimeMs: this.nowWorld });
    const line = "OUT OF MEMORY: " + vars + " of " + total + " variables (" + where + ")";
    this.consoleOutput.push(line);
    this.uncaughtErrors.push(line);
  }

  /** @internal process.on("uncaughtException") handler of the running firmware, if any. */
  uncaughtHandler: ((e: unknown) => void) | null = null;

  private handleThrown(e: unknown): void {
    if (e instanceof RuntimeStop || e instanceof PowerCutError || this.flash.isDead()) return;
    if (this.oomStop) return; // interrupted: a firmware catch may have rethrown something else
    // what V8 threw itself becomes what Espruino throws (semantics.ts)
    if (this.realm) e = this.realm.sem.convertError(e);
    const handler = this.uncaughtHandler;
    if (handler) {
      // as jsiCheckErrors: the handler gets the exception; one it throws itself is reported
      try {
        handler(e);
        return;
      } catch (e2) {
        if (e2 instanceof RuntimeStop || e2 instanceof PowerCutError || this.flash.isDead()) return;
        e = this.realm ? this.realm.sem.convertError(e2) : e2;
      }
    }
    const line = "Uncaught " + describeError(e);
    this.uncaughtErrors.push(line);
    this.consoleOutput.push(line);
  }

  private afterCallback(): void {
    if (this.inCallback) return;
    this.uninterrupt();
    if (!this.halted && this.realm) {
      this.inCallback++;
      try {
        this.realm.drain();
      } catch (e) {
        this.handleThrown(e);
      } finally {
        this.inCallback--;
      }
    }
    if ((this.flash.isDead() || this.browned) && !this.halted) this.pendingStop = { kind: "halt" };
    const stop = this.pendingStop;
    this.pendingStop = null;
    if (!stop) {
      if (this.cbWhere !== "boot code") this.idleSample("after " + this.cbWhere); // start() samples after boot
      return;
    }
    if (stop.kind === "halt") this.halt();
    else this.reboot(stop.reason);
  }

  /** Power gone: nothing runs until boot()/bootFromStorage()/reboot("power"). */
  private halt(): void {
    this.halted = true;
    this.teardown();
    this.setPower({ powered: false, advertising: null, scanning: 0, connected: false, ledsOn: 0, vibrating: false, buttonWatched: false });
    for (const l of this.radioListeners) l();
  }

  /** True while the token is without power (after a power cut, before the next boot). */
  isHalted(): boolean {
    return this.halted;
  }

  /** @internal firmware printed something (also sent to a central on the BLE UART console) */
  print(line: string): void {
    this.consoleOutput.push(line);
    if (this.radio && !this.halted) this.radio.consoleOutput(line);
  }

  /** @internal an exception Espruino raises from a built-in (context-realm Error). */
  error(message: string): Error {
    return this.realm.error(message);
  }

  /** @internal */
  setPower(change: Partial<PowerState>): void {
    this.energy.setState(this.nowWorld, change);
  }

  // ---------------------------------------------------------------- watchdog

  /** @internal E.enableWatchdog(seconds, isAuto) */
  enableWatchdog(timeoutMs: number, auto: boolean): void {
    if (this.watchdog) this.watchdog.event && (this.watchdog.event.cancelled = true);
    this.watchdog = { timeoutMs, auto, event: null };
    this.kickWatchdog();
  }

  /** @internal E.kickWatchdog(); with isAuto the idle loop kicks, so only manual mode can expire. */
  kickWatchdog(): void {
    const w = this.watchdog;
    if (!w || w.auto) return;
    if (w.event) w.event.cancelled = true;
    w.event = this.schedule(w.timeoutMs, () => {
      this.print("WATCHDOG RESET");
      this.reboot("watchdog");
    });
  }

  // ---------------------------------------------------------------- radio (read by the world)

  radioState(): RadioStateView {
    return this.radio && this.booted && !this.halted ? this.radio.view() : Radio.offView();
  }

  onRadioChange(cb: () => void): void {
    if (typeof cb !== "function") throw new TypeError("onRadioChange needs a function");
    this.radioListeners.push(cb);
  }

  /** @internal */
  radioChanged(): void {
    for (const l of this.radioListeners) l();
  }

  /**
   * The first advertising event of every start of advertising since the last call, oldest first
   * (the SoftDevice sends it at once, so a payload that was replaced in the same instant — the old
   * identifier under a new address after NRF.setAddress — is still on the air once). The steady
   * advertising that follows is radioState().advertising.
   */
  takeAdvertStarts(): AdvertStart[] {
    const s = this.advertStarts;
    this.advertStarts = [];
    return s;
  }

  /** @internal the radio started advertising (first event sent now) */
  advertStarted(s: AdvertStart): void {
    this.advertStarts.push(s);
    if (this.advertStarts.length > ADVERT_STARTS_KEPT) this.advertStarts.shift();
  }

  private advertStarts: AdvertStart[] = [];

  /** An advertising packet reached this token's receiver (ignored unless it is scanning). */
  deliverAdvert(p: AdvertIn): void {
    if (this.halted || !this.booted) return;
    this.radio.deliverAdvert(p);
  }

  /** A central connects; null when the token is not connectable (not advertising connectably, asleep, busy). */
  gattConnect(central: GattCentral): GattLink | null {
    if (this.halted || !this.booted) return null;
    return this.radio.gattConnect(central);
  }

  // ---------------------------------------------------------------- io

  /** Press the button now and release it after durationMs (optionally with contact bounce). */
  pressButton(durationMs: number, opts?: { bounceMs?: number; bounces?: number }): void {
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new RangeError("pressButton needs a duration > 0 ms, got " + durationMs);
    if (!this.booted || this.halted) return;
    this.io.pressButton(durationMs, opts);
  }

  /**
   * Hold the button down (true) or let it go (false) from now on — also before boot() and across
   * reboots, like a finger on the real button (e.g. the maintenance gesture at power-on).
   */
  setButton(down: boolean): void {
    if (typeof down !== "boolean") throw new TypeError("setButton needs true (held down) or false (released)");
    this.buttonDown = down;
    if (this.io && this.booted && !this.halted) this.io.setInput("BTN", down);
  }

  /** @internal the physical button level (kept across reboots) */
  buttonDown = false;

  /** Every LED change so far: world time, pin name, on/off. */
  ledLog(): { timeMs: number; pin: string; on: boolean }[] {
    return this.ledEvents.slice();
  }

  /** @internal */
  logLed(pin: string, on: boolean): void {
    this.ledEvents.push({ timeMs: this.nowWorld, pin, on });
  }

  // ---------------------------------------------------------------- flash faults

  /** Arm a power cut at the n-th flash word write / page erase from now (1 = the next one). */
  cutPower(at: { flashWrite?: number; flashErase?: number }): void {
    if (!at || (at.flashWrite === undefined && at.flashErase === undefined)) {
      throw new TypeError("cutPower needs {flashWrite: n} and/or {flashErase: n}");
    }
    this.flash.cutPower(at);
  }

  /** Flash word writes and page erases fn causes (to enumerate power-cut points). */
  countFlashOps<T>(fn: () => T): { writes: number; erases: number; result: T } {
    const w = this.flash.ops.writes;
    const e = this.flash.ops.erases;
    const result = fn();
    return { writes: this.flash.ops.writes - w, erases: this.flash.ops.erases - e, result };
  }
}

/**
 * "Error: message" for Error-like values (Espruino's errors carry their class in .type, V8's in
 * .name), JSON-ish text for anything else thrown.
 */
export function describeError(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) {
    const err = e as { name?: string; type?: string; message?: string };
    return (err.type || err.name || "Error") + ": " + err.message;
  }
  return formatValue(e);
}
