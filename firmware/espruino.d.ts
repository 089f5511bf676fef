/**
 * Declarations of the Espruino globals the firmware uses (docs: docs/spec/espruino-platform.md sections 2-4),
 * and of the build-time constants scripts/build-firmware.ts injects with esbuild `define`.
 * Only what the firmware really calls is declared: anything missing here is a compile error, which
 * keeps Node/browser APIs out of the token.
 */

/**
 * Board facts for this build (from boards/<id>.json). The build defines each leaf separately (esbuild
 * `define` with dotted keys), so each use becomes a literal and no board object exists at run time;
 * a leaf the build does not define fails the build (scripts/build-firmware.ts boardDefines).
 */
declare const OMAMORI_BOARD: {
  id: string;
  /** LED pins lit for each colour, by index (green, blue, red, yellow, all), as array source text: "[LED1,LED2]". */
  lights: string[];
  button: string;
  vibration: boolean;
  /**
   * mapped: Storage is memory-mapped internal flash (false on Bangle.js 2: external SPI flash at 0x60000000);
   * updateReserve: bytes left free after the log for a bigger firmware update (boards/index.ts).
   */
  storage: { bytes: number; pageSize: number; address: number; mapped: boolean; updateReserve: number };
  /** txPower: the TX power to set at boot, false to keep the board's default. */
  radio: { advertisedTxPowerDbm: number; txPower: number | false };
  battery: { getBattery: boolean };
  /**
   * vars: the board's JS variables; maxActive: open encounters kept in RAM at once (boards/index.ts
   * maxActiveEncounters: 15 on a Puck.js; a scan window keeps twice as many identifiers); in a crowd
   * the ones heard most weakly lately give way to stronger newcomers.
   */
  ram: { vars: number; maxActive: number };
};
/** Firmware version string (package.json version). */
declare const OMAMORI_VERSION: string;
// HAS_BUILTIN_SHA256 / HAS_BUILTIN_AES are declared in firmware/crypto/primitives.ts, their only reader,
// so host code (tests) can import the firmware crypto without these Espruino declarations.

/** The global the firmware defines (docs/ARCHITECTURE.md "Runtime contract"). */
declare var Omamori: any;

/** Espruino's built-in crypto module (libs/crypto/jswrap_crypto.c). Results are ArrayBuffers. */
interface EspruinoCryptoModule {
  SHA256(message: Uint8Array | string): ArrayBuffer;
  AES: {
    /** mode "ECB" only here: Espruino's CTR ignores the IV. Partial trailing blocks come back as zeros. */
    encrypt(message: Uint8Array, key: Uint8Array, options: { mode: "ECB" }): ArrayBuffer;
  };
}
interface EspruinoStorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  readJSON(name: string, noExceptions: boolean): any;
  write(name: string, data: string | Uint8Array | ArrayBuffer, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: any): boolean;
  erase(name: string): void;
  list(pattern?: RegExp): string[];
  getFree(): number;
  getStats(): { totalBytes: number; freeBytes: number; fileBytes: number; fileCount: number; trashBytes: number; trashCount: number };
  compact(): void;
}
interface EspruinoFlashModule {
  getPage(addr: number): { addr: number; length: number } | undefined;
  getFree(): { addr: number; length: number }[];
  erasePage(addr: number): void;
  write(data: Uint8Array | number[], addr: number): void;
  read(length: number, addr: number): Uint8Array;
}
declare function require(name: "crypto"): EspruinoCryptoModule;
declare function require(name: "Storage"): EspruinoStorageModule;
declare function require(name: "Flash"): EspruinoFlashModule;

/** Espruino passes arguments after the time to the callback, as browsers do. */
declare function setTimeout(callback: (...args: any[]) => void, ms: number, ...args: any[]): number;
declare function setInterval(callback: (...args: any[]) => void, ms: number, ...args: any[]): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;
/** Seconds since 1970 (float) from the system clock. */
declare function getTime(): number;
declare function setTime(seconds: number): void;
declare function print(...text: any[]): void;
declare function digitalWrite(pin: any, value: boolean | number): void;
declare function digitalRead(pin: any): number;
declare function setWatch(callback: (e: { state: boolean; time: number; lastTime: number }) => void, pin: any, options: any): number;
declare function clearWatch(id?: number): void;
declare function analogWrite(pin: any, value: number, options?: any): void;

declare var console: { log(...text: any[]): void };

declare var E: {
  /** 32-bit hardware random number (nRF SoftDevice TRNG). */
  hwRand(): number;
  toUint8Array(...args: any[]): Uint8Array;
  toString(...args: any[]): string;
  /** CRC-32 (polynomial 0xEDB88320, as zip) of the bytes, unsigned. */
  CRC32(data: any): number;
  /** Sum of the elements. */
  sum(data: any): number;
  getBattery(): number;
  enableWatchdog(seconds: number, isAuto?: boolean): void;
  kickWatchdog(): void;
  on(event: string, callback: (...args: any[]) => void): void;
  /** sum of a[i] * b[(i + offset) % b.length] over a, in doubles (jswrap_espruino_convolve; absent only from SAVE_ON_FLASH builds). */
  convolve(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number;
  [name: string]: any;
};

declare var NRF: {
  setAdvertising(data: any, options?: any): void;
  setScan(callback?: (device: any) => void, options?: any): void;
  setAddress(address: string): void;
  getAddress(current?: boolean): string;
  setTxPower(dbm: number): void;
  setServices(services: any, options?: any): void;
  updateServices(services: any): void;
  setSecurity(options: any): void;
  disconnect(): void;
  sleep(): void;
  wake(): void;
  getBattery(): number;
  on(event: string, callback: (...args: any[]) => void): void;
  [name: string]: any;
};

declare var process: {
  memory(): { free: number; usage: number; total: number; [k: string]: number };
  env: any;
  /** "uncaughtException": called instead of printing an exception no code caught (src/jsinteractive.c jsiCheckErrors). */
  on(event: string, callback: (e: any) => void): void;
};

// ---- added by the token app (firmware/app/): append only
declare var Bangle: { buzz(ms?: number, strength?: number): any; [name: string]: any };
