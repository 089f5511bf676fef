/**
 * The light (and the vibration motor where the board has one): short patterns a person can learn
 * in a minute (docs/USER-GUIDE.md has the table). Colours come from boards/<id>.json io.leds;
 * "yellow" is red + green; a board without that colour uses its first LED, and every pattern
 * also differs in number or length of flashes so one-colour boards stay readable.
 */
import { BOARD } from "../board";

export const GREEN = "green";
export const BLUE = "blue";
export const RED = "red";
export const YELLOW = "yellow";
export const ALL = "all";

let busyUntil = 0;

/** Espruino pins are globals named in the board file (LED1, BTN); `global` is off limits, so eval. */
export function pin(name: string): any {
  return eval(name);
}

function pinsFor(color: string): any[] {
  const out: any[] = [];
  for (let i = 0; i < BOARD.leds.length; i++) {
    const c = BOARD.leds[i].color;
    if (color === ALL || c === color || (color === YELLOW && (c === RED || c === GREEN))) out.push(pin(BOARD.leds[i].pin));
  }
  if (!out.length && BOARD.leds.length) out.push(pin(BOARD.leds[0].pin));
  return out;
}

function light(pins: any[], on: boolean): void {
  for (let i = 0; i < pins.length; i++) digitalWrite(pins[i], on);
}

/** `times` flashes of `color`, each `onMs` long, `gapMs` apart. Returns false while another pattern runs. */
export function flash(color: string, times: number, onMs: number, gapMs: number): boolean {
  const now = getTime() * 1000;
  if (now < busyUntil) return false;
  busyUntil = now + times * (onMs + gapMs);
  const pins = pinsFor(color);
  let n = 0;
  const step = function () {
    light(pins, true);
    setTimeout(function () {
      light(pins, false);
      if (++n < times) setTimeout(step, gapMs);
    }, onMs);
  };
  step();
  return true;
}

/** Stop whatever is lit (erase-all, maintenance). */
export function lightsOff(): void {
  light(pinsFor(ALL), false);
  busyUntil = 0;
}

/** Vibrate for ms where the board has a motor (Bangle.js 2). */
export function buzz(ms: number): void {
  if (BOARD.vibration) Bangle.buzz(ms);
}
