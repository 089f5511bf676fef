/**
 * The board catalogue: one JSON file per supported board in this folder.
 * Firmware build, sim and host all read boards through this module; nothing duplicates the files.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BoardLed { pin: string; color: string; note?: string }
export interface Board {
  id: string;
  name: string;
  espruinoBoard: string;
  mcu: "nRF52832" | "nRF52840";
  flash: {
    pageSize: number; storageBytes: number; storagePages: number; storageAddress: number; rawFreePages: number; note: string;
    /**
     * Storage is internal flash the CPU reads directly (E.getAddressOf gives a Storage string's address);
     * false on Bangle.js 2, whose Storage is external SPI flash reached through the Flash module at 0x60000000.
     */
    memoryMapped: boolean;
    /** When set, the built firmware file must leave this much Storage for the contact log (enforced by the build). */
    logReserveBytes?: number;
    /**
     * Storage the token leaves free after its log area so that a bigger firmware file can be uploaded
     * later without erasing the log and the settings kept in it (docs/LOG-FORMAT.md "Where in flash"):
     * a page where Storage has room, 0 on the 36-40 KB boards, whose log needs every page.
     */
    updateReserveBytes: number;
  };
  ram: { jsVariables: number; bytesPerVariable: number };
  crypto: { module: boolean; sha1: boolean; sha256: boolean; aesEcb: boolean; aesCcm: boolean };
  io: {
    leds: BoardLed[];
    button: string;
    buzzer: boolean;
    vibration: boolean;
    display: { width: number; height: number } | null;
  };
  battery: { type: string; capacityMah: number; espruinoGetBattery: boolean };
  radio: {
    defaultTxPowerDbm: number;
    /**
     * The TX power the firmware sets at boot (NRF.setTxPower; one of txPowerLevels): -8 dBm on the coin
     * cell boards, where advertising is most of the charge (docs/ENERGY.md "What each saving buys").
     */
    txPowerDbm: number;
    txPowerLevels: number[];
    /** What the antenna really radiates at defaultTxPowerDbm (physics; used by the simulator). */
    radiatedTxPowerDbm: number;
    /** TX power written in the AEM metadata, for the power radiated at txPowerDbm (calibrated; see `calibration`). */
    advertisedTxPowerDbm: number;
    /** Receiver calibration: calibrated RSSI = reported RSSI + rssiOffsetDb (the host applies it). */
    rssiOffsetDb: number;
    /** Why the two calibration figures are what they are. */
    calibration: string;
    addressTypes: string[];
    privateNonResolvable: boolean;
    maxMtu: number;
    note: string;
  };
  /**
   * Currents of the board beyond the nRF52 itself (the radio's and the CPU's datasheet currents are in
   * sim/espruino/power.ts by MCU and regulator); docs/ENERGY.md has the sources.
   */
  current: {
    /** "dcdc" when Espruino's board file enables the nRF52's DC/DC converter (ESPR_DCDC_ENABLE), else "ldo". */
    regulator: "dcdc" | "ldo";
    sleepUa: number; buttonWatchUa: number; connectedMa: number;
    cpuMa: number; ledMa: number; vibrationMa?: number; displayMa?: number;
    /** Plausible range of a figure: [the end that lengthens battery life, the end that shortens it]. */
    ranges?: Partial<Record<"sleepUa" | "buttonWatchUa" | "cpuMa" | "ledMa" | "connectedMa" | "vibrationMa", [number, number]>>;
    note: string;
  };
  /** Which Espruino firmware build the figures are for (standard, or minimal with more Storage). */
  firmware: { build: "standard" | "minimal"; note: string };
  sources: string;
}

export const BOARDS_DIR = dirname(fileURLToPath(import.meta.url));

/** Ids of every supported board, Puck.js first. */
/**
 * Open encounters the firmware keeps in RAM at once on a board: 6 per 1,000 JS variables (15 on a
 * Puck.js; a scan window keeps twice as many identifiers). In a crowd that is who the token logs: the
 * nearest this many (docs/ENERGY.md "Crowds"). 8 per 1,000 ran the Puck.js minimal firmware out of
 * memory during a sync on the real interpreter (its pure-JS crypto needs the room).
 */
export function maxActiveEncounters(b: Board): number {
  return Math.floor((6 * b.ram.jsVariables) / 1000);
}

export function boardIds(): string[] {
  const ids = readdirSync(BOARDS_DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  return ["puckjs"].concat(ids.filter((i) => i !== "puckjs"));
}

export function loadBoard(id: string): Board {
  if (!/^[a-z0-9]+$/.test(id)) throw new RangeError("board id must be lowercase letters and digits, got " + JSON.stringify(id));
  let text: string;
  try {
    text = readFileSync(join(BOARDS_DIR, id + ".json"), "utf8");
  } catch {
    throw new RangeError("unknown board " + JSON.stringify(id) + "; known: " + boardIds().join(", "));
  }
  return JSON.parse(text) as Board;
}

export function allBoards(): Board[] {
  return boardIds().map(loadBoard);
}
