/**
 * The built firmware of a board, dist/firmware/<board>.js as `npm run build` wrote it (`npm test`
 * builds first; built here once if missing), booted on the simulator's Espruino runtime
 * (sim/espruino/runtime.ts), with the board's require("crypto") watched so tests can tell whether
 * the built-in or the pure code ran.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST, REPO } from "../../scripts/build-firmware";
import { EspruinoRuntime } from "../../sim/espruino/runtime";

let built = false;

export function builtFirmware(boardId: string): string {
  const file = join(DIST, boardId + ".js");
  if (!existsSync(file) && !built) {
    execFileSync(process.execPath, [join(REPO, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO, "scripts", "build-firmware.ts"), "--quiet"], { cwd: REPO, stdio: "inherit" });
    built = true;
  }
  return readFileSync(file, "latin1");
}

export interface BootedToken {
  rt: EspruinoRuntime;
  /** Omamori.crypto of the token. */
  crypto: any;
  /** Calls the firmware made to the board's built-in SHA256 and AES.encrypt. */
  calls: { sha256: number; aes: number };
  /** A Uint8Array of the token's realm holding `data` (the firmware checks instanceof Uint8Array). */
  bytes(data: ArrayLike<number>): Uint8Array;
}

/** 2026-11-23 00:00 UTC: any fixed time will do. */
export const BOOT_TIME_MS = Date.UTC(2026, 10, 23);

/** Boot a board's built file on a fresh token; `code` defaults to dist/firmware/<board>.js. */
export function bootToken(boardId: string, code?: string): BootedToken {
  const rt = new EspruinoRuntime({ board: boardId, seed: 1, worldTimeMs: BOOT_TIME_MS });
  rt.boot(code === undefined ? builtFirmware(boardId) : code);
  if (rt.uncaughtErrors.length) throw new Error(boardId + " firmware failed at boot: " + rt.uncaughtErrors.join("\n"));
  const g = rt.global;
  const calls = { sha256: 0, aes: 0 };
  const espruinoRequire = g.require;
  g.require = function (name: string) {
    const m = espruinoRequire(name);
    if (name !== "crypto") return m;
    const watched: Record<string, unknown> = {};
    if (m.SHA256) watched.SHA256 = (msg: unknown) => { calls.sha256++; return m.SHA256(msg); };
    if (m.AES) watched.AES = { encrypt: (msg: unknown, key: unknown, opt: unknown) => { calls.aes++; return m.AES.encrypt(msg, key, opt); } };
    return watched;
  };
  const Ctx = g.Uint8Array as Uint8ArrayConstructor;
  return {
    rt,
    crypto: g.Omamori ? g.Omamori.crypto : undefined,
    calls,
    bytes: (data) => {
      const out = new Ctx(data.length);
      for (let i = 0; i < data.length; i++) out[i] = data[i];
      return out;
    },
  };
}
