/**
 * Battery charge a token spends, integrated over simulated time, and the cell it comes from.
 * docs/ENERGY.md has every figure with its source and range.
 *
 * Model (charge in microcoulombs, µC = µA x s):
 *   sleep          boards/<id>.json current.sleepUa all the time the token is powered (RTC, RAM, regulators)
 *   buttonWatch    current.buttonWatchUa while a setWatch is on the button pin
 *   advertising    per advertising event, power.ts advertEventUc: the payload's time on air on three
 *                  channels at the datasheet TX current of the TX power set, ramp-ups, a fixed part, and for
 *                  connectable adverts a listening window after each packet; events every interval + 5 ms
 *                  (BLE's mean random advDelay)
 *   scanning       the datasheet receive current while the receiver is on (window/interval of the scan);
 *                  the CPU's work on each advert heard is charged under cpu
 *   connection     current.connectedMa while connected
 *   cpu            current.cpuMa x the CPU's busy time (runtime.ts with the CPU-time model: JavaScript, the
 *                  C side of every advert heard, built-ins, flash hardware). Without the model:
 *                  CPU_MS_PER_CALLBACK per callback and CRYPTO_BLOCK_MS per crypto block, as before it
 *   led, vibration current.ledMa per lit LED, current.vibrationMa while buzzing
 *   selfDischarge  what the cell loses by itself (cell.ts)
 * The cell (cell.ts) turns the charge drawn into a voltage under load: E.getBattery() reads it, and when
 * the heaviest load (a scan window) pulls it below the chip's minimum supply the token browns out.
 */
import type { Board } from "../../boards/index";
import { Cell, DCDC_REFERENCE_V, batteryPercent } from "./cell";
import { advertEventUc, scanCurrentMa, type Variant } from "./power";

export const CPU_MS_PER_CALLBACK = 2;
export const FLASH_WRITE_MS = 0.041;
export const FLASH_ERASE_MS = 85;
export const CRYPTO_BLOCK_MS = 0.05;
export const ADV_DELAY_MEAN_MS = 5;

export type EnergyCategory =
  | "sleep" | "buttonWatch" | "advertising" | "scanning" | "connection" | "cpu" | "led" | "vibration" | "selfDischarge";

export const ENERGY_CATEGORIES: EnergyCategory[] =
  ["sleep", "buttonWatch", "advertising", "scanning", "connection", "cpu", "led", "vibration", "selfDischarge"];

/** What draws current continuously right now (set by the runtime on every change). */
export interface PowerState {
  powered: boolean;
  advertising: null | {
    intervalMs: number; txPowerDbm: number; connectable: boolean;
    /** advertising data bytes per packet (mean over a rotation); default 31 */
    dataBytes?: number;
  };
  /** Fraction of time the receiver is on (scan window / interval), 0 when not scanning. */
  scanning: number;
  connected: boolean;
  ledsOn: number;
  vibrating: boolean;
  buttonWatched: boolean;
}

export interface EnergyOptions {
  /** Which end of every uncertain figure's range (power.ts Figure): central (default), long, short. */
  variant?: Variant;
  /** Cell temperature, degrees C (default 20). */
  temperatureC?: number;
}

export interface ResolvedCurrents {
  sleepUa: number; buttonWatchUa: number; cpuMa: number; ledMa: number; connectedMa: number; vibrationMa: number;
}

/** The board's current figures at one end of their ranges (current.ranges: [long, short] per figure). */
export function resolveCurrents(board: Board, v: Variant): ResolvedCurrents {
  const c = board.current;
  const r = c.ranges ?? {};
  const at = (k: keyof ResolvedCurrents, central: number): number => {
    const range = r[k];
    return v === "central" || !range ? central : v === "long" ? range[0] : range[1];
  };
  return {
    sleepUa: at("sleepUa", c.sleepUa), buttonWatchUa: at("buttonWatchUa", c.buttonWatchUa), cpuMa: at("cpuMa", c.cpuMa),
    ledMa: at("ledMa", c.ledMa), connectedMa: at("connectedMa", c.connectedMa), vibrationMa: at("vibrationMa", c.vibrationMa ?? 0),
  };
}

const UC_PER_MAH = 3600 * 1000; // 1 mAh = 3.6 C = 3.6e6 µC
/** How often (simulated ms) the cell is checked while nothing changes. */
const CHECK_EVERY_MS = 3_600_000;

export class EnergyMeter {
  /** Charge so far in µC per category. */
  readonly chargeUc: Record<EnergyCategory, number>;
  readonly cell: Cell;
  readonly variant: Variant;
  /** World ms of the brown-out that ended the token's life (null while it lives). */
  brownOutAtMs: number | null = null;
  /** The load (mA) that browned the cell out, and the volts it would have left. */
  brownOut: { loadMa: number; volts: number; drawnMah: number } | null = null;
  /** Called once, at the brown-out (the runtime halts the token). */
  onBrownOut: (() => void) | null = null;
  private state: PowerState = {
    powered: true, advertising: null, scanning: 0, connected: false, ledsOn: 0, vibrating: false, buttonWatched: false,
  };
  private lastMs: number;
  private readonly startMs: number;
  private lastCheckMs: number;
  private advertCache: { key: string; uc: number } = { key: "", uc: 0 };
  private readonly scanMa: number;
  /** The board's currents at this run's end of their ranges (boards/<id>.json current, current.ranges). */
  readonly currents: ResolvedCurrents;
  /** The CPU is working (a callback is running): adds cpuMa to the instantaneous load. */
  cpuActive = false;

  constructor(readonly board: Board, worldTimeMs: number, o: EnergyOptions = {}) {
    this.variant = o.variant ?? "central";
    this.cell = new Cell(board, { variant: this.variant, temperatureC: o.temperatureC });
    this.scanMa = scanCurrentMa(board, this.variant);
    this.currents = resolveCurrents(board, this.variant);
    this.chargeUc = { sleep: 0, buttonWatch: 0, advertising: 0, scanning: 0, connection: 0, cpu: 0, led: 0, vibration: 0, selfDischarge: 0 };
    this.lastMs = worldTimeMs;
    this.startMs = worldTimeMs;
    this.lastCheckMs = worldTimeMs;
  }

  /** Charge of one advertising event in the current state, µC. */
  advertEventUc(a: NonNullable<PowerState["advertising"]>): number {
    const key = a.txPowerDbm + "/" + (a.dataBytes ?? 31) + "/" + a.connectable;
    if (this.advertCache.key !== key) {
      this.advertCache = { key, uc: advertEventUc(this.board, { txPowerDbm: a.txPowerDbm, dataBytes: a.dataBytes ?? 31, connectable: a.connectable }, this.variant) };
    }
    return this.advertCache.uc;
  }

  /** Integrate continuous draws up to worldTimeMs (never backwards). */
  advance(worldTimeMs: number): void {
    const dtMs = worldTimeMs - this.lastMs;
    if (dtMs <= 0) return;
    this.lastMs = worldTimeMs;
    const dt = dtMs / 1000;
    this.chargeUc.selfDischarge += (this.cell.selfDischargePerYear * this.cell.capacityMah * UC_PER_MAH * dt) / (365.25 * 86400);
    const s = this.state;
    if (s.powered) {
      const c = this.currents;
      const f = this.supplyFactor();
      this.chargeUc.sleep += c.sleepUa * dt;
      if (s.buttonWatched) this.chargeUc.buttonWatch += c.buttonWatchUa * dt;
      if (s.advertising) this.chargeUc.advertising += f * (dtMs / (s.advertising.intervalMs + ADV_DELAY_MEAN_MS)) * this.advertEventUc(s.advertising);
      if (s.scanning) this.chargeUc.scanning += f * this.scanMa * 1000 * dt * s.scanning;
      if (s.connected) this.chargeUc.connection += c.connectedMa * 1000 * dt;
      if (s.ledsOn) this.chargeUc.led += c.ledMa * 1000 * dt * s.ledsOn;
      if (s.vibrating) this.chargeUc.vibration += (c.vibrationMa ?? 0) * 1000 * dt;
    }
    if (worldTimeMs - this.lastCheckMs >= CHECK_EVERY_MS) this.check(worldTimeMs);
  }

  /**
   * How much more charge the radio and the CPU take from the cell than their datasheet currents (given at
   * 3 V): on a board whose nRF52 runs its DC/DC converter the converter draws constant power, so at a cell
   * voltage V it takes 3 / V times the current (a plain buck converter's input; Nordic's figures are at
   * VDD = 3 V). On LDO boards the current does not depend on the voltage: 1.
   */
  supplyFactor(): number {
    if (this.board.current.regulator !== "dcdc") return 1;
    const v = this.cell.ocv(this.totalMah());
    return v > 1 ? DCDC_REFERENCE_V / v : 1;
  }

  /** The runtime reports a state change at worldTimeMs. */
  setState(worldTimeMs: number, change: Partial<PowerState>): void {
    this.advance(worldTimeMs);
    this.state = { ...this.state, ...change };
    this.check(worldTimeMs);
  }

  /**
   * The load the cell carries now, mA: `plain` (sleep, button watch, connection, LEDs, motor) and `dcdc`
   * (the receiver while a window is open with the CPU handling adverts meanwhile, or the CPU alone while
   * it works; at 3 V, behind the DC/DC converter on boards that run it, else plain too).
   */
  load(): { plain: number; dcdc: number } {
    const s = this.state;
    if (!s.powered) return { plain: 0, dcdc: 0 };
    const c = this.currents;
    let plain = c.sleepUa / 1000 + (s.buttonWatched ? c.buttonWatchUa / 1000 : 0);
    let active = 0;
    if (s.scanning) active += this.scanMa + c.cpuMa;
    else if (this.cpuActive) active += c.cpuMa;
    if (s.connected) plain += c.connectedMa;
    plain += s.ledsOn * c.ledMa + (s.vibrating ? c.vibrationMa ?? 0 : 0);
    return this.board.current.regulator === "dcdc" ? { plain, dcdc: active } : { plain: plain + active, dcdc: 0 };
  }

  /** The load now in mA at 3 V (load() summed). */
  loadMa(): number {
    const l = this.load();
    return l.plain + l.dcdc;
  }

  /** Is the cell still able to carry the load of this moment? Records the brown-out if not. */
  private check(worldTimeMs: number): void {
    this.lastCheckMs = worldTimeMs;
    if (this.brownOutAtMs !== null || !this.state.powered) return;
    const l = this.load();
    const drawn = this.totalMah();
    if (!this.cell.browns(drawn, l.plain, l.dcdc)) return;
    this.brownOutAtMs = worldTimeMs;
    this.brownOut = { loadMa: l.plain + l.dcdc, volts: this.cell.volts(drawn, l.plain, l.dcdc), drawnMah: drawn };
    if (this.onBrownOut) this.onBrownOut();
  }

  /** Discrete CPU work: milliseconds at cpuMa. */
  cpu(ms: number): void {
    this.chargeUc.cpu += this.supplyFactor() * this.currents.cpuMa * ms;
  }
  callback(): void { this.cpu(CPU_MS_PER_CALLBACK); }
  flashWrites(n: number): void { this.cpu(FLASH_WRITE_MS * n); }
  flashErases(n: number): void { this.cpu(FLASH_ERASE_MS * n); }
  cryptoBlocks(n: number): void { this.cpu(CRYPTO_BLOCK_MS * n); }

  totalUc(): number {
    let t = 0;
    for (const k of ENERGY_CATEGORIES) t += this.chargeUc[k];
    return t;
  }

  /** Charge the token itself drew (everything but the cell's self-discharge), µC. */
  deviceUc(): number {
    return this.totalUc() - this.chargeUc.selfDischarge;
  }

  /** Charge per category in mAh. */
  mAhByCategory(): Record<EnergyCategory, number> {
    const out = {} as Record<EnergyCategory, number>;
    for (const k of ENERGY_CATEGORIES) out[k] = this.chargeUc[k] / UC_PER_MAH;
    return out;
  }

  /** Charge taken from the cell so far (the token's draw and self-discharge), mAh. */
  totalMah(): number { return this.totalUc() / UC_PER_MAH; }

  /** Simulated milliseconds covered so far. */
  elapsedMs(): number { return this.lastMs - this.startMs; }

  /** Average consumption per day over the time simulated so far (the token's draw, no self-discharge). */
  mAhPerDay(): number {
    const days = this.elapsedMs() / 86_400_000;
    if (days <= 0) throw new RangeError("no simulated time has passed yet; advance the runtime before asking for mAh/day");
    return this.deviceUc() / UC_PER_MAH / days;
  }

  /** Average current the token drew over the time simulated so far, µA. */
  averageUa(): number {
    const s = this.elapsedMs() / 1000;
    if (s <= 0) throw new RangeError("no simulated time has passed yet; advance the runtime before asking for the average current");
    return this.deviceUc() / s;
  }

  /**
   * Naive life: the cell's nominal capacity over the average draw so far. Only a rough guide: the cell
   * ends earlier, when the scan pulse browns it out (the battery bench of `npm run bench` simulates to that end instead).
   */
  batteryLifeDays(): number {
    return this.cell.capacityMah / this.mAhPerDay();
  }

  /** Fraction of the nominal charge left (1 = new). */
  remainingFraction(): number {
    return Math.max(0, 1 - this.totalMah() / this.cell.capacityMah);
  }

  /** Supply volts now, under the load of this moment (plus `extraMa` of CPU, at 3 V). */
  volts(extraMa = 0): number {
    const l = this.load();
    if (this.board.current.regulator === "dcdc") return this.cell.volts(this.totalMah(), l.plain, l.dcdc + extraMa);
    return this.cell.volts(this.totalMah(), l.plain + extraMa);
  }

  /** What E.getBattery() reads now: the supply measured while the CPU runs (it is executing the call). */
  batteryPercent(): number {
    return batteryPercent(this.board, this.volts(this.cpuActive || this.state.scanning ? 0 : this.currents.cpuMa));
  }
}
