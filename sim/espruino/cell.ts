/**
 * The battery as a cell: open-circuit voltage and internal resistance that change with the charge
 * drawn and with temperature, so the voltage the chip sees depends on the load at that moment. The
 * token dies when the heaviest load it makes (the receiver during a scan window, with the CPU handling
 * adverts) pulls the cell below the chip's minimum supply: the nRF52 then resets (brown-out), loses its
 * clock and starts over, so the token is effectively dead. docs/ENERGY.md "The cell" has the sources.
 *
 * CR2032 (lithium manganese dioxide coin cell):
 *  - nominal capacity 225 mAh (Panasonic and Maxell CR2032 data sheets 220-225, Energizer 235 mAh, all
 *    to 2.0 V at a light continuous load, ~0.2 mA); range 210-235 mAh;
 *  - open-circuit voltage against the fraction of that charge drawn: the shape of the manufacturers'
 *    discharge curves at a light load (about 3.0 V fresh, a long plateau near 2.9 V, a knee after ~80 %,
 *    2.0 V at the end), read approximately from the published curves;
 *  - internal resistance: TI application report SWRA349 ("Coin cells and peak current draw") and Ganssle's
 *    measurements of 42 cells under pulse loads: ~10-15 ohm fresh, slowly rising, then steeply in the last
 *    ~15 % of the charge; cells differ by vendor (SWRA349: usable capacity under 15-30 mA pulses from
 *    ~50 % to over 100 % of the rating), so the resistance is scaled 0.8x (long) to 1.5x (short);
 *  - cold: the resistance doubles about every 20 degrees C colder (assumption within the behaviour of
 *    lithium primary cells; Energizer's data sheet shows lower voltage and capacity in the cold);
 *  - self-discharge about 1 % of the capacity a year at room temperature (Energizer, Panasonic: "less than
 *    1 % per year").
 * LiPo (Bangle.js 2, Jolt.js) and 2 x AA (MDBT42Q breakout): the charge runs out before the voltage
 * matters to an nRF52 (a LiPo's protection cuts at ~3.0 V, two alkaline cells reach 1.8 V only near the
 * end), so their end is the charge; their voltage is a simple function of the charge drawn.
 */
import type { Board } from "../../boards/index";
import { figure, pick, type Figure, type Variant } from "./power";

/** Fraction of nominal charge drawn -> open-circuit volts (CR2032 at ~20 degrees C). */
const CR2032_OCV: [number, number][] = [
  [0, 3.05], [0.05, 2.97], [0.2, 2.94], [0.5, 2.9], [0.7, 2.86], [0.8, 2.82], [0.88, 2.75], [0.93, 2.64],
  [0.96, 2.5], [0.98, 2.3], [1, 2.0], [1.05, 1.0],
];
/** Fraction drawn -> internal resistance, ohm, at 20 degrees C, a typical cell. */
const CR2032_R: [number, number][] = [
  [0, 12], [0.3, 13], [0.5, 15], [0.7, 19], [0.8, 25], [0.88, 35], [0.93, 50], [0.96, 75], [0.98, 110], [1, 200], [1.05, 1000],
];

export const CELL_FIGURES = {
  cr2032CapacityMah: figure(225, 235, 210),
  /** cell-to-cell and vendor spread of the internal resistance (multiplier) */
  cr2032Resistance: figure(1, 0.8, 1.5),
  /** degrees C colder per doubling of the internal resistance */
  coldDoublingC: figure(20, 25, 15),
  selfDischargePerYear: figure(0.01, 0.005, 0.02),
  /**
   * The chip's minimum supply (nRF52832 and nRF52840 PS, recommended operating conditions: VDD >= 1.7 V;
   * below, the brown-out reset). Short end: 2.0 V, the voltage the cells' capacity ratings are given to.
   */
  cutoffV: figure(1.7, 1.7, 2.0),
} satisfies Record<string, Figure>;

function interpolate(points: [number, number][], x: number): number {
  if (x <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    if (x <= points[i][0]) {
      const [x0, y0] = points[i - 1];
      const [x1, y1] = points[i];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1][1];
}

export interface CellOptions {
  variant?: Variant;
  /** Cell temperature, degrees C (default 20: worn indoors). */
  temperatureC?: number;
}

export class Cell {
  readonly type: string;
  /** The charge this cell holds when new, mAh. */
  readonly capacityMah: number;
  /** Supply voltage below which the chip resets. */
  readonly cutoffV: number;
  temperatureC: number;
  private readonly rScale: number;
  private readonly coldDoublingC: number;
  readonly selfDischargePerYear: number;

  constructor(board: Board, o: CellOptions = {}) {
    const v = o.variant ?? "central";
    this.type = board.battery.type;
    this.temperatureC = o.temperatureC ?? 20;
    this.cutoffV = pick(CELL_FIGURES.cutoffV, v);
    this.coldDoublingC = pick(CELL_FIGURES.coldDoublingC, v);
    if (this.type === "CR2032") {
      this.capacityMah = pick(CELL_FIGURES.cr2032CapacityMah, v);
      this.rScale = pick(CELL_FIGURES.cr2032Resistance, v);
      this.selfDischargePerYear = pick(CELL_FIGURES.selfDischargePerYear, v);
    } else {
      this.capacityMah = board.battery.capacityMah;
      this.rScale = 1;
      this.selfDischargePerYear = this.type === "LiPo" ? 0.03 * 12 : 0.02;
    }
  }

  private coin(): boolean {
    return this.type === "CR2032";
  }

  /** Open-circuit volts after drawing `drawnMah`. */
  ocv(drawnMah: number): number {
    const f = drawnMah / this.capacityMah;
    if (this.coin()) return interpolate(CR2032_OCV, f);
    if (this.type === "LiPo") return f >= 1 ? 3.0 : 4.2 - 1.0 * f - 0.2 * Math.max(0, f - 0.9) * 10;
    if (this.type === "2xAA") return f >= 1 ? 1.6 : 3.2 - 1.4 * f;
    return f >= 1 ? 0 : 3.0;
  }

  /** Internal resistance (ohm) after drawing `drawnMah`, at the cell's temperature. */
  resistanceOhm(drawnMah: number): number {
    const cold = Math.pow(2, (20 - this.temperatureC) / this.coldDoublingC);
    if (this.coin()) return interpolate(CR2032_R, drawnMah / this.capacityMah) * this.rScale * cold;
    return (this.type === "LiPo" ? 0.2 : 0.3) * cold;
  }

  /**
   * Volts at the terminals while `loadMa` flows, plus `dcdcMa` (a current at 3 V behind the nRF52's DC/DC
   * converter, which draws constant power: at V volts it takes dcdcMa x 3 / V from the cell). 0 when the
   * cell cannot carry the load at all (the voltage collapses).
   */
  volts(drawnMah: number, loadMa: number, dcdcMa = 0): number {
    const r = this.resistanceOhm(drawnMah);
    const a = this.ocv(drawnMah) - (loadMa / 1000) * r;
    if (dcdcMa <= 0) return Math.max(0, a);
    // V = a - r x P / V with P = dcdcMa x 3 V: V^2 - aV + rP = 0, the higher root
    const disc = a * a - 4 * r * (dcdcMa / 1000) * DCDC_REFERENCE_V;
    return disc < 0 ? 0 : (a + Math.sqrt(disc)) / 2;
  }

  /** True when the load would pull the supply below the chip's minimum (or the charge is gone). */
  browns(drawnMah: number, loadMa: number, dcdcMa = 0): boolean {
    return drawnMah >= this.capacityMah * (this.coin() ? 1.05 : 1) || this.volts(drawnMah, loadMa, dcdcMa) < this.cutoffV;
  }
}

/** The supply voltage Nordic's product specifications give their currents at. */
export const DCDC_REFERENCE_V = 3;

/**
 * What E.getBattery() returns for `volts` on this board (src: libs/puckjs/jswrap_puck.c
 * jswrap_puck_getBattery and libs/pixljs/jswrap_pixljs.c: (V - 2.2) * 100 / 0.6, truncated, clamped to
 * 0..100, from the chip's own supply reading; libs/banglejs/jswrap_bangle.c with ESPR_BATTERY_FULL_VOLTAGE
 * for Bangle.js 2: 80-100 % above 3.95 V, 10-80 % from 3.7 V, 0-10 % from 3.3 V).
 */
export function batteryPercent(board: Board, volts: number): number {
  let pc: number;
  if (board.battery.type === "LiPo") {
    const v = volts;
    if (v >= 3.95) pc = 80 + ((v - 3.95) * 20) / (4.2 - 3.95);
    else if (v >= 3.7) pc = 10 + ((v - 3.7) * 70) / (3.95 - 3.7);
    else pc = ((v - 3.3) * 10) / (3.7 - 3.3);
  } else {
    pc = ((volts - 2.2) * 100) / 0.6;
  }
  pc = Math.trunc(pc);
  return pc > 100 ? 100 : pc < 0 ? 0 : pc;
}
