/**
 * Battery charge a token spends, integrated over simulated time from the board's current
 * figures (boards/<id>.json "current", restating docs/spec/espruino-platform.md section 5 "Power").
 *
 * Model (all charge in microcoulombs, µC = µA x s):
 *   sleep         sleepUa all the time the token is powered (RTC, RAM retention)
 *   buttonWatch   buttonWatchUa while a setWatch is on the button pin (GPIOTE/PORT sensing)
 *   advertising   advertChargeUc x (1 + txScalePerDb x txPowerDbm) per advertising event;
 *                 events every (interval + 5 ms), the 5 ms being BLE's mean random advDelay;
 *                 connectable adverts listen after each packet: x(40-3)/(22-3) ≈ 1.95
 *                 (EspruinoDocs Puck.js: 40 µA connectable vs 22 µA non-connectable at 375 ms)
 *   scanning      scanMa x time the receiver is on (window/interval of the scan; Espruino's
 *                 default window = interval = 100 ms, always on)
 *   connection    connectedMa x connected time
 *   cpu           cpuMa x (CPU_MS_PER_CALLBACK per JS callback run — wake-up, event dispatch,
 *                 interpreter entry — plus per flash word write FLASH_WRITE_MS, per page erase
 *                 FLASH_ERASE_MS, per built-in crypto block CRYPTO_BLOCK_MS)
 *   led           ledMa x on-time per lit LED
 *   vibration     vibrationMa x on-time
 * The CPU figures are estimates (nRF52 product specification flash timings: 41 µs per word,
 * 85 ms per page erase; Espruino interpreter wake-up and dispatch ~2 ms; mbedTLS AES/SHA
 * block ~0.05 ms at 64 MHz) — documented in docs/SIM-RUNTIME.md. Pure-JS work inside a
 * callback is not timed (wall time would make the sim non-deterministic): it is covered only by
 * the fixed per-callback cost.
 */
import type { Board } from "../../boards/index";

export const CPU_MS_PER_CALLBACK = 2;
export const FLASH_WRITE_MS = 0.041;
export const FLASH_ERASE_MS = 85;
export const CRYPTO_BLOCK_MS = 0.05;
export const ADV_DELAY_MEAN_MS = 5;
/**
 * Connectable adverts listen for CONNECT_IND after each packet: EspruinoDocs Puck.js power table,
 * 375 ms at 0 dBm: connectable 40 µA vs non-connectable 22 µA over a 3 µA sleep floor.
 */
export const CONNECTABLE_ADVERT_FACTOR = (40 - 3) / (22 - 3);

export type EnergyCategory =
  | "sleep" | "buttonWatch" | "advertising" | "scanning" | "connection" | "cpu" | "led" | "vibration";

export const ENERGY_CATEGORIES: EnergyCategory[] =
  ["sleep", "buttonWatch", "advertising", "scanning", "connection", "cpu", "led", "vibration"];

/** What draws current continuously right now (set by the runtime on every change). */
export interface PowerState {
  powered: boolean;
  advertising: null | { intervalMs: number; txPowerDbm: number; connectable: boolean };
  /** Fraction of time the receiver is on (scan window / interval), 0 when not scanning. */
  scanning: number;
  connected: boolean;
  ledsOn: number;
  vibrating: boolean;
  buttonWatched: boolean;
}

const UC_PER_MAH = 3600 * 1000; // 1 mAh = 3.6 C = 3.6e6 µC

export class EnergyMeter {
  /** Charge so far in µC per category. */
  readonly chargeUc: Record<EnergyCategory, number>;
  private state: PowerState = {
    powered: true, advertising: null, scanning: 0, connected: false, ledsOn: 0, vibrating: false, buttonWatched: false,
  };
  private lastMs: number;
  private readonly startMs: number;

  constructor(readonly board: Board, worldTimeMs: number) {
    this.chargeUc = { sleep: 0, buttonWatch: 0, advertising: 0, scanning: 0, connection: 0, cpu: 0, led: 0, vibration: 0 };
    this.lastMs = worldTimeMs;
    this.startMs = worldTimeMs;
  }

  /** Integrate continuous draws up to worldTimeMs (never backwards). */
  advance(worldTimeMs: number): void {
    const dtMs = worldTimeMs - this.lastMs;
    if (dtMs <= 0) return;
    this.lastMs = worldTimeMs;
    const s = this.state;
    if (!s.powered) return;
    const c = this.board.current;
    const dt = dtMs / 1000;
    this.chargeUc.sleep += c.sleepUa * dt;
    if (s.buttonWatched) this.chargeUc.buttonWatch += c.buttonWatchUa * dt;
    if (s.advertising) {
      const events = dtMs / (s.advertising.intervalMs + ADV_DELAY_MEAN_MS);
      const perEvent = c.advertChargeUc * Math.max(0, 1 + c.txScalePerDb * s.advertising.txPowerDbm) *
        (s.advertising.connectable ? CONNECTABLE_ADVERT_FACTOR : 1);
      this.chargeUc.advertising += events * perEvent;
    }
    if (s.scanning) this.chargeUc.scanning += c.scanMa * 1000 * dt * s.scanning;
    if (s.connected) this.chargeUc.connection += c.connectedMa * 1000 * dt;
    if (s.ledsOn) this.chargeUc.led += c.ledMa * 1000 * dt * s.ledsOn;
    if (s.vibrating) this.chargeUc.vibration += (c.vibrationMa ?? 0) * 1000 * dt;
  }

  /** The runtime reports a state change at worldTimeMs. */
  setState(worldTimeMs: number, change: Partial<PowerState>): void {
    this.advance(worldTimeMs);
    this.state = { ...this.state, ...change };
  }

  /** Discrete CPU work: milliseconds at cpuMa. */
  cpu(ms: number): void {
    this.chargeUc.cpu += this.board.current.cpuMa * ms;
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

  /** Charge per category in mAh. */
  mAhByCategory(): Record<EnergyCategory, number> {
    const out = {} as Record<EnergyCategory, number>;
    for (const k of ENERGY_CATEGORIES) out[k] = this.chargeUc[k] / UC_PER_MAH;
    return out;
  }

  totalMah(): number { return this.totalUc() / UC_PER_MAH; }

  /** Simulated milliseconds covered so far. */
  elapsedMs(): number { return this.lastMs - this.startMs; }

  /** Average consumption per day over the time simulated so far. */
  mAhPerDay(): number {
    const days = this.elapsedMs() / 86_400_000;
    if (days <= 0) throw new RangeError("no simulated time has passed yet; advance the runtime before asking for mAh/day");
    return this.totalMah() / days;
  }

  /** Average current over the time simulated so far, µA. */
  averageUa(): number {
    const s = this.elapsedMs() / 1000;
    if (s <= 0) throw new RangeError("no simulated time has passed yet; advance the runtime before asking for the average current");
    return this.totalUc() / s;
  }

  /** battery.capacityMah / mAhPerDay. */
  batteryLifeDays(): number {
    return this.board.battery.capacityMah / this.mAhPerDay();
  }

  /** Fraction of the battery left (1 = full), for E.getBattery(). */
  remainingFraction(): number {
    return Math.max(0, 1 - this.totalMah() / this.board.battery.capacityMah);
  }
}
