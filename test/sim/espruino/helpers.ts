/** Small helpers for the runtime tests: a token booted with an inline program. */
import { EspruinoRuntime, type RuntimeOptions } from "../../../sim/espruino/runtime";

export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

/**
 * A token running `code`. These tests pin down Espruino's semantics (timers, radio, pins) at exact
 * times, so the CPU-time model is off unless a test asks for it (cpu.test.ts tests the model).
 */
export function token(code: string, opts: Partial<RuntimeOptions> = {}): EspruinoRuntime {
  const rt = new EspruinoRuntime({ board: "puckjs", seed: 42, worldTimeMs: T0, cpuTime: false, ...opts });
  rt.boot(code);
  return rt;
}

/** Evaluate an expression inside the token (as if typed at its console). */
export function evalIn(rt: EspruinoRuntime, expr: string): any {
  return rt.global.eval(expr);
}
