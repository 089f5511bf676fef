/**
 * The nRF52's own currents, from Nordic's product specifications, and what one advertising event
 * costs. docs/ENERGY.md has the tables with every source and range; energy.ts integrates them.
 *
 * Every uncertain figure is a `Figure`: a central value and the two ends of its plausible range,
 * named by what they do to battery life (`long`: the end that lengthens it, `short`: the end that
 * shortens it). A run picks one `Variant` for all figures at once, so `short` is the worst case of
 * every figure together and `long` the best: the bench reports the three as a central figure and
 * a range.
 */
import type { Board } from "../../boards/index";

export type Variant = "central" | "long" | "short";
export const VARIANTS: Variant[] = ["central", "long", "short"];

export interface Figure {
  central: number;
  /** the end of the range that makes the battery last longer */
  long: number;
  /** the end of the range that makes it last shorter */
  short: number;
}

export function pick(f: Figure | number, v: Variant): number {
  return typeof f === "number" ? f : f[v];
}

export function figure(central: number, long: number, short: number): Figure {
  return { central, long, short };
}

/**
 * Whole-chip current (mA) at 3 V with the crystal (HFXO) running, per MCU and regulator:
 *  - nRF52832, DC/DC: Nordic nRF52832 Product Specification v1.1, "Current consumption: Radio":
 *    0 dBm TX 7.1 mA, -40 dBm TX 4.1 mA, RX 6.5 mA (1 Mbps BLE).
 *  - nRF52832, LDO: not tabulated for the nRF52832; the nRF52810 (same radio generation, Nordic nRF52810
 *    PS "Current consumption: Radio") draws 10.5/5.8 = 1.81x at 0 dBm, 5.1/3.4 = 1.5x at -40 dBm and
 *    10.8/6.1 = 1.77x receiving without the DC/DC converter: the nRF52832 figures times those ratios
 *    (12.9, 6.2, 11.5 mA; EspruinoDocs' "scanning 12 mA" for the LDO boards agrees).
 *  - nRF52840, DC/DC: Nordic nRF52840 PS v1.x "Current consumption: Radio": +8 dBm 16.4, 0 dBm 6.4,
 *    -40 dBm 3.83, RX 6.26 mA. LDO: 0 dBm 10.8, -40 dBm 4.82, RX 10.1 mA; +8 dBm scaled by the 0 dBm
 *    LDO/DC-DC ratio (27.7 mA).
 * Levels between -40 and 0 dBm follow the shape of the nRF52832 PS v1.4 radio-only TX table (DC/DC:
 * -40 2.7, -20 3.2, -16 3.3, -12 3.5, -8 3.8, -4 4.2, 0 5.3, +4 7.5 mA): the fraction of the way from
 * the -40 dBm to the 0 dBm current is the same. Above 0 dBm: the +4 dBm point of that shape on the
 * nRF52832, linear in dB up to the +8 dBm point on the nRF52840.
 */
interface ChipTable { tx0: number; txMin40: number; tx8?: number; rx: number }
const CHIP: Record<string, Record<"dcdc" | "ldo", ChipTable>> = {
  nRF52832: {
    dcdc: { tx0: 7.1, txMin40: 4.1, rx: 6.5 },
    ldo: { tx0: 7.1 * (10.5 / 5.8), txMin40: 4.1 * (5.1 / 3.4), rx: 6.5 * (10.8 / 6.1) },
  },
  nRF52840: {
    dcdc: { tx0: 6.4, txMin40: 3.83, tx8: 16.4, rx: 6.26 },
    ldo: { tx0: 10.8, txMin40: 4.82, tx8: 16.4 * (10.8 / 6.4), rx: 10.1 },
  },
};

/** nRF52832 PS v1.4 radio-only TX current (DC/DC) by dBm: the shape between the whole-chip anchors. */
const TX_SHAPE: [number, number][] = [[-40, 2.7], [-20, 3.2], [-16, 3.3], [-12, 3.5], [-8, 3.8], [-4, 4.2], [0, 5.3], [4, 7.5]];

function interpolate(points: [number, number][], x: number): number {
  if (x <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i];
    if (x <= x1) {
      const [x0, y0] = points[i - 1];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  const [xa, ya] = points[points.length - 2];
  const [xb, yb] = points[points.length - 1];
  return yb + ((yb - ya) * (x - xb)) / (xb - xa);
}

function chip(board: Board): ChipTable {
  const t = CHIP[board.mcu]?.[board.current.regulator];
  if (!t) throw new RangeError(board.id + ": no radio current table for " + board.mcu + " with regulator " + JSON.stringify(board.current.regulator));
  return t;
}

/** Whole-chip current (mA) while the radio transmits at `dbm` (conducted setting). */
export function txCurrentMa(board: Board, dbm: number): number {
  const t = chip(board);
  const s0 = interpolate(TX_SHAPE, -40);
  const s1 = interpolate(TX_SHAPE, 0);
  if (dbm <= 0 || !t.tx8) return t.txMin40 + ((t.tx0 - t.txMin40) * (interpolate(TX_SHAPE, dbm) - s0)) / (s1 - s0);
  return t.tx0 + ((t.tx8 - t.tx0) * Math.min(dbm, 8)) / 8;
}

/** Whole-chip current (mA) while the radio receives (1 Mbps BLE). */
export function rxCurrentMa(board: Board): number {
  return chip(board).rx;
}

/**
 * Receiving as the board really scans. Central: the datasheet's receive current (the CPU's work on
 * every advert heard is charged apart, by the CPU-time model). Short end: EspruinoDocs' "scanning
 * 12 mA" measured on the boards (whatever it included); long end: the datasheet.
 */
export function scanCurrentMa(board: Board, v: Variant): number {
  const rx = rxCurrentMa(board);
  return v === "short" ? Math.max(rx, 12) : rx;
}

/**
 * Time on air of one legacy advertising packet (Bluetooth Core Specification Vol 6 Part B 2.1, LE 1M):
 * preamble 1 + access address 4 + PDU header 2 + AdvA 6 + AdvData n + CRC 3 bytes, 8 µs each.
 */
export function packetAirtimeMs(advDataBytes: number): number {
  return ((1 + 4 + 2 + 6 + advDataBytes + 3) * 8) / 1000;
}

/**
 * One advertising event = the packet on each of the three advertising channels, each after a radio
 * ramp-up, plus a fixed part (crystal start, the SoftDevice's processing before and after).
 *  - ramp-up: nRF52832/nRF52840 PS RADIO timing, 140 µs (default mode) or 40 µs (fast ramp-up), at the
 *    -40 dBm current (radio on, amplifier idle: an assumption);
 *  - fixed part and ramp-up mode, central: chosen so that Espruino's own power-on advert (17 bytes, every
 *    375 ms, 0 dBm, non-connectable) costs what EspruinoDocs measured on a Puck.js, 22 µA over a 3 µA
 *    floor = 7.2 µC per event: fast ramp-up and 1.2 µC. The ends: 40 µs and 0.8 µC; 140 µs and 2.5 µC
 *    (a bottom-up estimate of the crystal start and processing from the event shape Nordic's Online
 *    Power Profiler shows);
 *  - connectable adverts listen after each packet (for CONNECT_IND/SCAN_REQ) at the receive current:
 *    0.35 ms per channel, from EspruinoDocs' connectable 40 µA vs non-connectable 22 µA on the same
 *    Puck.js (range 0.25-0.45 ms).
 */
export const ADVERT_EVENT = {
  rampUpMs: figure(0.04, 0.04, 0.14),
  fixedUc: figure(1.2, 0.8, 2.5),
  listenMs: figure(0.35, 0.25, 0.45),
};

/** Charge (µC) of one advertising event. */
export function advertEventUc(board: Board, o: { txPowerDbm: number; dataBytes: number; connectable: boolean }, v: Variant = "central"): number {
  const tx = txCurrentMa(board, o.txPowerDbm);
  const ramp = txCurrentMa(board, -40);
  const perChannel = packetAirtimeMs(o.dataBytes) * tx + pick(ADVERT_EVENT.rampUpMs, v) * ramp +
    (o.connectable ? pick(ADVERT_EVENT.listenMs, v) * rxCurrentMa(board) : 0);
  return 3 * perChannel + pick(ADVERT_EVENT.fixedUc, v);
}
