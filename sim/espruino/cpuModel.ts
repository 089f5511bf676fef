/**
 * CPU-time model: how long the token's processor is busy with a piece of work, in device ms.
 *
 * JavaScript work is counted by the instrumented code (meterCode.ts) in nanoseconds of Espruino's
 * real interpreter on the calibration machine (TIMING), then scaled to a 64 MHz nRF52 (X86_TO_NRF52).
 * Built-ins charge their own work (BUILTIN_MS: crypto per call and block, Storage per file header,
 * the C side of every advert heard). Flash hardware times are the nRF52's own (Nordic product
 * specifications). Every constant names its source; docs/SIM-RUNTIME.md "CPU time" has the table,
 * the ranges, and how far the model is from the real interpreter on the firmware's own functions.
 * `bench/sim-calibration.ts` re-measures everything when the Espruino Linux builds are at hand.
 */
import type { Board } from "../../boards/index";

/**
 * Espruino 2v29 (Linux build, 32-bit, 2,630 variables of 13 bytes: the Puck.js-shaped binary) on
 * the calibration machine, ns per unit. Fitted by bench/sim-calibration.ts (least squares over
 * micro-benchmarks: empty loops, straight-line statements, name lookups in a 300-name scope, skipped
 * blocks, calls), taking the fastest of several runs on a busy machine.
 */
export const TIMING = {
  /** one token executed (lexed, parsed, evaluated) */
  tokenNs: 190,
  /** one token lexed without executing (a function body being defined, a branch not taken) */
  skipTokenNs: 59,
  /** one scope entry compared while looking a name up (jsvFindChildFromString walks a linked list) */
  scanEntryNs: 9.5,
  /** entering a JavaScript function (scope object, return variable, new lexer on the code) */
  callNs: 0,
  /** per parameter bound at a call */
  paramNs: 474,
  /** loop bookkeeping per iteration (back to the saved lexer position) */
  loopIterationNs: 1097,
  /** an operator evaluated (arithmetic, comparison, assignment: jsvMathsOp, a new result variable) */
  operatorNs: 502,
  /** a call site, built-in or not (argument list, the call itself) */
  callSiteNs: 2413,
};

/**
 * Calibration machine -> 64 MHz nRF52 (Cortex-M4F; nRF52832 and nRF52840 alike): the ratio of
 * EEMBC CoreMark scores, this machine's (one core, gcc -O2 -m32 like the Espruino Linux build,
 * measured by bench/sim-calibration.ts; ~15,000-17,000 here) over the nRF52832's 215 (Nordic nRF52832
 * product specification; 212 for the nRF52840). An interpreter is branchy and memory-bound, which
 * CoreMark only partly captures, and the nRF52 reads code from flash through a small cache: the ratio
 * is uncertain to about -35 % / +60 % (range 50-120).
 */
export const X86_TO_NRF52 = { central: 75, low: 50, high: 120 };

/**
 * Built-in work in ms on the calibration machine (scaled like JavaScript), measured by
 * bench/sim-calibration.ts section 4 on the Puck.js-shaped build (process CPU time, loop overhead
 * taken off): SHA-256 of 64 B 0.033 ms and of 1 KB 0.045 ms; AES-128 ECB of 16 B 0.039 ms and of 256 B
 * 0.045 ms; JSON.parse of a device-like object 0.021 ms; a chain of setTimeout(f, 0) 0.11 ms per link.
 */
export const BUILTIN_X86_MS = {
  /** require("crypto").SHA256: per call (arguments, mbedTLS set-up, the ArrayBuffer result) */
  sha256Call: 0.031,
  /** per 64-byte block compressed */
  sha256Block: 0.0008,
  /** require("crypto").AES.encrypt: per call (options object, key schedule, result) */
  aesCall: 0.038,
  /** per 16-byte block */
  aesBlock: 0.0004,
  /** AES-CCM (Bangle.js 2's global AES): per call; not on the Puck.js-shaped build: the AES call plus the CCM set-up, estimated */
  ccmCall: 0.045,
  /**
   * The C side of one advert heard while scanning (jsble_exec_pending builds {rssi,id,data},
   * jswrap_ble_setScan_cb builds the BluetoothDevice with services/serviceData and applies the
   * filters) — for every advert, GAEN or not, before any filter. No Linux build has Bluetooth: the
   * stand-in is JSON.parse of an object with the device's fields (same variable allocations, the
   * same kind of string work), twice (the report, then the device).
   */
  advertC: 0.04,
  /** the idle loop dispatching one event to JavaScript: half of a timer chain's cost per link (the other half makes the next timer) */
  dispatch: 0.05,
  /**
   * E.convolve(a, b, offset) (jswrap_espruino_convolve: two iterators, one multiply-add per element of
   * a, the offset stepped element by element): per call, per element of a, per offset step. Measured on
   * the Puck.js-shaped build (process CPU time of 200,000 calls over Float64Arrays, an empty loop taken
   * off, the JavaScript call site the model charges itself taken off): 16 elements 9.7 µs in all, 4
   * elements 7.7 µs, offset 15 over offset 0 about +0.35 µs.
   */
  convolveCall: 0.0026,
  convolveElement: 0.00016,
  convolveOffset: 0.00002,
};

/**
 * Reading one Storage file header while Storage is walked (jsfGetFileHeader, a 32-byte copy from
 * memory-mapped flash and a name compare): ~300 cycles at 64 MHz, an estimate (the Linux build reads a
 * file instead of memory, 0.004 ms per header there, which says nothing about the nRF52). Device ms.
 */
export const STORAGE_HEADER_MS = 0.005;

/** nRF52 flash hardware (Nordic nRF52832/nRF52840 product specifications, NVMC): the CPU waits. */
export const FLASH_WRITE_WORD_MS = 0.041;
export const FLASH_ERASE_PAGE_MS = 85;

/** Device ms for `x86Ns` nanoseconds of interpreter work on the calibration machine. */
export function nrf52Ms(x86Ns: number, scale = X86_TO_NRF52.central): number {
  return (x86Ns * scale) / 1e6;
}

/**
 * Size of Espruino's IO event queue in bytes (build_platform_config.py: 1024 on nRF52; boards with
 * 'io_buffer_size' 2048: BANGLEJS2.py, JOLTJS.py). Scan reports wait there while JavaScript runs.
 */
export function ioBufferBytes(board: Board): number {
  return board.espruinoBoard === "BANGLEJS2" || board.espruinoBoard === "JOLTJS" ? 2048 : 1024;
}

/**
 * Bytes one advert report takes in the IO queue: 2 (length, event type) + 3 (BLEP_ADV_REPORT, 16-bit
 * data) + 9 (ble_gap_addr_t 7, rssi, dlen) + the advert bytes (libs/bluetooth/bluetooth_utils.c
 * jsble_queue_pending_buf, targets/nrf5x/bluetooth.c BLE_GAP_EVT_ADV_REPORT).
 */
export function advertEventBytes(advertLength: number): number {
  return 2 + 3 + 9 + advertLength;
}

/**
 * Whether one more event of `bytes` fits (jsble_queue_pending_buf: jshHasEventSpaceForChars(len+3),
 * i.e. free - 4 > len + 3 where len excludes the 2-byte event header and the 3 bytes it adds).
 */
export function ioQueueHasRoom(usedBytes: number, bytes: number, capacity: number): boolean {
  const len = bytes - 2 - 3;
  return capacity - usedBytes - 4 > len + 3;
}
