/**
 * A token in the world: an EspruinoRuntime (sim/espruino/) running the built firmware file
 * dist/firmware/<board>.js, as the device runs .bootcde at power-on. The world reads its radio
 * state, delivers packets into NRF.setScan callbacks (rt.deliverAdvert) and advances its clock.
 *
 * Radio figures come from boards/<board>.json: radiated power = radio.radiatedTxPowerDbm at the
 * board's default TX power, shifted by what NRF.setTxPower set; sensitivity -96 dBm (nRF52 1 Mbps
 * BLE, Nordic product specifications). The nRF52 receiver is taken to report RSSI without bias
 * (Nordic: +-2 dB accuracy), so `rssiOffsetDb` here, the receiver's reporting error, is 0; the
 * board file's radio.rssiOffsetDb is the host-side GAEN calibration (boards/*.json `calibration`),
 * which the matcher applies, not a fault of the radio.
 *
 * A fresh token has no valid clock and stays quiet until a host sets it (token.ts "advertises
 * only while its clock is valid"); `setClockLikeHost()` does what a first sync does, through
 * the same firmware entry point the sync service uses (Omamori.setClock = SyncHost.setClock).
 */
import { loadBoard, type Board } from "../../../boards/index";
import { EspruinoRuntime, loadBuiltFirmware, type RuntimeOptions } from "../../espruino/runtime";
import { nameBytes } from "../../espruino/storage";
import type { AdvertStartEvent, RadioState, ReceivedPacket, SimDevice } from "./device";
import type { DeviceContext, DeviceFactory } from "../world";
import type { Random } from "../random";

/** nRF52832/nRF52840 BLE 1 Mbps receiver sensitivity (Nordic product specifications). */
export const NRF52_SENSITIVITY_DBM = -96;

export interface TokenOptions {
  id: string;
  board: string;
  rng: Random;
  startMs: number;
  /** Firmware source (default: dist/firmware/<board>.js). */
  firmware?: string;
  /** Oscillator error, ppm (default: 0). */
  clockDriftPpm?: number;
  /** Set the clock at creation as a host's first sync would (default true). */
  setClock?: boolean;
  /**
   * "storage" (default): the firmware is written to Storage as ".bootcde" and run from there, as
   * on a device after an upload with SAVE_ON_SEND=1, so it takes its real share of Storage;
   * "ram": run as source text (rt.boot).
   */
  bootFrom?: "storage" | "ram";
  /** Runtime options (the variable meter, the CPU-time model; both on by default). */
  runtime?: Pick<RuntimeOptions, "varMeter" | "cpuTime" | "cpuScale" | "energy">;
}

export interface TokenDailyKey { tek: Uint8Array; rollingStart: number; rollingPeriod: number }

export class TokenDevice implements SimDevice {
  readonly id: string;
  readonly kind = "token" as const;
  readonly board: Board;
  readonly rt: EspruinoRuntime;
  /** Receiver reporting error (reported = received - rssiOffsetDb): none for the nRF52. */
  readonly rssiOffsetDb = 0;
  readonly sensitivityDbm = NRF52_SENSITIVITY_DBM;

  constructor(o: TokenOptions) {
    if (!o || typeof o.id !== "string") throw new TypeError("TokenDevice needs { id, board, rng, startMs }");
    this.id = o.id;
    this.board = loadBoard(o.board);
    this.rt = new EspruinoRuntime({
      board: o.board,
      seed: o.rng.nextU32() | 0,
      worldTimeMs: o.startMs,
      clockDriftPpm: o.clockDriftPpm ?? 0,
      ...o.runtime,
    });
    const code = o.firmware ?? loadBuiltFirmware(o.board);
    if ((o.bootFrom ?? "storage") === "storage") {
      if (!this.rt.storage.write(nameBytes(".bootcde"), new Uint8Array(Buffer.from(code, "latin1")), 0, 0, 0)) {
        throw new Error(this.id + ": the firmware (" + code.length + " bytes) does not fit in " + o.board + "'s Storage");
      }
      this.rt.bootFromStorage();
    } else {
      this.rt.boot(code);
    }
    if (o.setClock ?? true) this.setClockLikeHost();
  }

  /**
   * A world factory: tokens running the built firmware of their scenario board. Firmware files
   * are read once per board. Clock drift: `clockDriftPpm(ctx)` if given, else the scenario's
   * device `clockDriftPpm`, else 0.
   */
  static factory(o: {
    firmware?: Record<string, string>;
    clockDriftPpm?: (ctx: DeviceContext) => number;
    setClock?: boolean;
    bootFrom?: "storage" | "ram";
    runtime?: TokenOptions["runtime"];
  } = {}): DeviceFactory {
    const cache: Record<string, string> = { ...(o.firmware ?? {}) };
    return (ctx) => {
      const board = ctx.spec.board!;
      if (!cache[board]) cache[board] = loadBuiltFirmware(board);
      return new TokenDevice({
        id: ctx.spec.id, board, rng: ctx.rng, startMs: ctx.startMs, firmware: cache[board],
        clockDriftPpm: o.clockDriftPpm ? o.clockDriftPpm(ctx) : ctx.spec.clockDriftPpm ?? 0, setClock: o.setClock, bootFrom: o.bootFrom,
        runtime: o.runtime,
      });
    };
  }

  /** The firmware's maintenance global. */
  get omamori(): any {
    const g = this.rt.global.Omamori;
    if (!g) throw new Error(this.id + ": the firmware defines no global Omamori (not an Omamori build?)");
    return g;
  }

  /**
   * Set the token's clock to world time, as the host does at its first sync (SyncHost.setClock).
   * Returns the correction in seconds. Runs inside the token like any firmware callback.
   */
  setClockLikeHost(): number {
    const seconds = Math.floor(this.rt.worldTimeMs() / 1000);
    const before = this.rt.tokenTimeMs() / 1000;
    const set = this.rt.global.Omamori?.setClock ?? this.rt.global.setTime;
    this.rt.runCallback(set, null, [seconds]);
    if (this.rt.uncaughtErrors.length) {
      const last = this.rt.uncaughtErrors[this.rt.uncaughtErrors.length - 1];
      if (/setClock|clock/i.test(last)) throw new Error(this.id + ": setting the clock failed: " + last);
    }
    return seconds - before;
  }

  /** The daily keys the token keeps (what a positive registration would release), via SyncHost.dailyKeys. */
  dailyKeys(): TokenDailyKey[] {
    const list = this.omamori.host.dailyKeys() as { tek: Uint8Array; rollingStart: number; rollingPeriod: number }[];
    return list.map((k) => ({ tek: new Uint8Array(k.tek), rollingStart: k.rollingStart, rollingPeriod: k.rollingPeriod }));
  }

  nextEventTimeMs(): number {
    return this.rt.nextEventTimeMs();
  }

  advanceTo(ms: number): void {
    if (ms > this.rt.worldTimeMs() || this.rt.nextEventTimeMs() <= ms) this.rt.advanceTo(ms);
  }

  radioState(): RadioState {
    return this.rt.radioState();
  }

  onRadioChange(cb: () => void): void {
    this.rt.onRadioChange(cb);
  }

  takeAdvertStarts(): AdvertStartEvent[] {
    return this.rt.takeAdvertStarts();
  }

  receive(p: ReceivedPacket): void {
    if (p.timeMs > this.rt.worldTimeMs()) this.rt.advanceTo(p.timeMs);
    this.rt.deliverAdvert({ address: p.address, addressType: p.addressType, rssi: p.rssi, data: p.data });
  }

  radiatedPowerDbm(txPowerSettingDbm: number): number {
    const r = this.board.radio;
    return r.radiatedTxPowerDbm + (txPowerSettingDbm - r.defaultTxPowerDbm);
  }
}
