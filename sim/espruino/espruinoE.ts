/**
 * The `E` object (src/jswrap_espruino.c; docs/spec/espruino-platform.md section 2) and the
 * board objects Puck/Bangle where the firmware may touch them:
 *   - E.hwRand(): the SoftDevice TRNG on nRF5x — here a signed 32-bit integer from the seed;
 *   - E.getBattery(): 0..100 only where boards/<id>.json battery.espruinoGetBattery (Puck.js,
 *     Pixl.js, Bangle.js 2); absent elsewhere (MDBT42Q, Jolt.js, nRF52840DK use
 *     NRF.getBattery()). Here it is the modelled cell voltage under the load of the moment, turned
 *     into a percentage as the board's firmware does (cell.ts batteryPercent);
 *   - E.enableWatchdog(seconds, isAuto=true) / E.kickWatchdog(): with isAuto the idle loop kicks
 *     it; with false a missed kick reboots (flash kept, clock kept);
 *   - E.setPassword/lockConsole/setConsole: stored (the console is the BLE UART's REPL);
 *   - E.getAddressOf(str, true): the flash address of a string Storage.read returned (the device
 *     memory-maps Storage files; firmware/app/logArea.ts relies on it);
 *   - E.toUint8Array, E.toString, E.toArrayBuffer, E.getErrorFlags, E.on('init'), E.reboot(),
 *     E.setTimeZone, E.getTemperature, E.setFlags/getFlags, E.CRC32, E.sum, E.clip;
 *   - E.convolve(a, b, offset): sum of a[i] * b[(i + offset) % b.length] in doubles, as
 *     jswrap_espruino_convolve (every board the firmware supports has it: only SAVE_ON_FLASH builds
 *     leave it out), charged as measured (cpuModel.ts BUILTIN_X86_MS.convolve*).
 */
import type { EspruinoRuntime } from "./runtime";
import { EventHub } from "./events";
import { bytesToString, toBytes, rawArgs, plain, flashStringAddress } from "./realm";
import { storageIsMemoryMapped } from "./modules";
import { BUILTIN_X86_MS } from "./cpuModel";

export interface ConsoleLock { password: string | null; locked: boolean; console: string | null }

export function installE(rt: EspruinoRuntime): void {
  const realm = rt.realm;
  const g = realm.global;
  const board = rt.board;
  const events = new EventHub((fn, t, a) => rt.runCallback(fn, t, a), (m) => rt.error(m));
  const flags: Record<string, number> = Object.create(null);
  const consoleState: ConsoleLock = rt.consoleLock;

  const E: Record<string, unknown> = realm.object({
    hwRand: () => rt.rng() | 0,
    // die temperature: 22 °C with a slow daily swing of ±1 °C (no randomness drawn, so reading
    // it never shifts E.hwRand's sequence)
    getTemperature: () => realm.float(22 + Math.sin((rt.tokenTimeMs() / 86_400_000) * 2 * Math.PI)),
    toUint8Array: (...args: unknown[]) => {
      const b = toBytes(args.length === 1 ? args[0] : args);
      return realm.uint8Array(b ?? new Uint8Array(0));
    },
    toArrayBuffer: (s: unknown) => realm.arrayBuffer(toBytes(String(s)) ?? new Uint8Array(0)),
    toString: (...args: unknown[]) => {
      const b = toBytes(args.length === 1 ? args[0] : args);
      return b ? bytesToString(b) : undefined;
    },
    getErrorFlags: () => realm.array([] as string[]),
    enableWatchdog: (seconds: unknown, isAuto: unknown) => {
      const s = Number(seconds);
      if (!(s > 0)) throw rt.error("Invalid timeout");
      rt.enableWatchdog(s * 1000, isAuto === undefined ? true : !!isAuto);
    },
    kickWatchdog: () => rt.kickWatchdog(),
    reboot: () => rt.reboot("reset"),
    setPassword: (pw: unknown) => {
      consoleState.password = pw === undefined ? null : String(pw).slice(0, 20);
    },
    lockConsole: () => {
      if (consoleState.password !== null) consoleState.locked = true;
    },
    setConsole: (device: unknown) => {
      consoleState.console = device === null || device === undefined ? null : String(device);
    },
    setTimeZone: (hours: unknown) => {
      rt.timeZone.tzMinutes = Math.round(Number(hours) * 60) || 0;
    },
    setFlags: (o: unknown) => {
      if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) flags[k] = Number(v) ? 1 : 0;
    },
    getFlags: () => realm.object({ ...flags }),
    CRC32: (data: unknown) => crc32(toBytes(data) ?? new Uint8Array(0)),
    sum: (arr: unknown) => {
      let s = 0;
      const a = arr as ArrayLike<number>;
      for (let i = 0; i < a.length; i++) s += Number(a[i]);
      return realm.float(s);
    },
    clip: (x: number, lo: number, hi: number) => realm.float(Math.min(hi, Math.max(lo, x))),
    convolve: (arr1: unknown, arr2: unknown, offset: unknown) => {
      const a = arr1 as ArrayLike<number>;
      const b = arr2 as ArrayLike<number>;
      if (!a || !b || typeof a !== "object" || typeof b !== "object") throw rt.error("Expecting first 2 arguments to be iterable");
      const l = b.length;
      let off = (Number(offset) | 0) % l;
      if (off < 0) off += l;
      let s = 0;
      for (let i = 0; i < a.length; i++) s += Number(a[i]) * Number(b[(i + off) % l]);
      const c = BUILTIN_X86_MS;
      rt.chargeBuiltin(c.convolveCall + a.length * c.convolveElement + off * c.convolveOffset);
      return realm.float(s);
    },
    // E.getSizeOf(v): variables v holds, as the variable meter counts them (varMeter.ts); 1 without it
    getSizeOf: rawArgs((v: unknown) => (rt.vars ? rt.vars.sizeOf(v) : 1)),
    // jsvGetDataPointer: a Storage.read string on memory-mapped (internal) flash gives its flash
    // address; on Bangle.js 2 it is a flash string on SPI flash, which has no pointer: 0. The
    // device also gives RAM addresses of short and flat strings and flat ArrayBuffers; the sim
    // gives 0 for those (firmware has no use for RAM addresses).
    getAddressOf: rawArgs((v: unknown, flat: unknown) => {
      if (!plain(flat)) return 0;
      const a = flashStringAddress(v);
      return a !== undefined && storageIsMemoryMapped(rt) ? a : 0;
    }),
    setDeepSleep: () => {},
    showMessage: () => {},
    dumpStr: () => "",
  });
  // the chip's supply reading turned into a percentage as the board's firmware does (cell.ts batteryPercent)
  if (board.battery.espruinoGetBattery) E.getBattery = () => rt.energy.batteryPercent();
  events.attach(E);
  g.E = E;
  const meter = rt.vars;
  if (meter) meter.addHeld(() => events.held((n) => meter.nameVars(n)));
  // jsinteractive.c jsiSemiInit: E.on('init') listeners, then a global onInit() if there is one
  rt.emitInit = () => {
    events.emit("init", []);
    if (typeof g.onInit === "function") rt.runCallback(g.onInit, undefined, []);
  };

  if (board.espruinoBoard === "PUCKJS") {
    g.Puck = realm.object({
      getBatteryPercentage: () => rt.energy.batteryPercent(),
    });
  }
  if (board.io.vibration) {
    g.Bangle = realm.object({
      buzz: (ms?: unknown, _strength?: unknown) => {
        const dur = ms === undefined ? 200 : Math.max(0, Number(ms));
        return new (g.Promise as PromiseConstructor)((resolve) => rt.io.buzz(dur, () => rt.runCallback(resolve, undefined, [undefined])));
      },
      setOptions: () => {},
      setLCDPower: () => {},
      isCharging: () => false,
    });
    events.attach(g.Bangle as Record<string, unknown>);
  }
}

/** E.CRC32: the usual CRC-32 (polynomial 0xEDB88320), unsigned. */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
