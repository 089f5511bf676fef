/**
 * The light (and the vibration motor where the board has one): short patterns a person can learn in a
 * minute (docs/USER-GUIDE.md has the table). The build gives each colour its LED pins from
 * boards/<id>.json (yellow is red + green; a board without that colour uses its first LED), and every
 * pattern also differs in number or length of flashes so one-colour boards stay readable.
 * One pattern at a time: the pattern's state is four numbers, no closure per flash.
 */

/** Colours by index, as the build lists their pins (OMAMORI_BOARD.lights). */
export const enum Color {
  GREEN = 0,
  BLUE = 1,
  RED = 2,
  YELLOW = 3,
  ALL = 4,
}

/** Pins of the pattern running, flashes left, on and gap times, and when it ends (ms). */
var pins: any = [];
var left = 0;
var onMs = 0;
var gapMs = 0;
var busyUntil = 0;

/**
 * A pin (or array of pins) from its source text ("BTN", "[LED1,LED2]"): Espruino's pins are globals and
 * `global` is off limits, so an indirect eval (global scope; a direct one would stop the bundler from
 * renaming and inlining anything around it).
 */
export function pin(source: string): any {
  return (0, eval)(source);
}

/** The pattern's pending timeout (0 none). */
var timer: any = 0;

function lightOn(): void {
  digitalWrite(pins, 15);
  timer = setTimeout(lightOff, onMs);
}

function lightOff(): void {
  digitalWrite(pins, 0);
  timer = --left > 0 ? setTimeout(lightOn, gapMs) : 0;
}

/**
 * `times` flashes of colour `c`, each `on` ms long, `gap` ms apart; nothing while another pattern runs.
 * (A pattern whose end came late, the CPU busy, is stopped first: its LEDs off, its timeout gone.)
 */
export function flash(c: Color, times: number, on: number, gap: number): void {
  var now = getTime() * 1000;
  if (now < busyUntil) return;
  lightsOff();
  busyUntil = now + times * (on + gap);
  pins = pin(OMAMORI_BOARD.lights[c]);
  left = times;
  onMs = on;
  gapMs = gap;
  if (pins.length) lightOn();
}

/** Stop whatever is lit (erase-all, consent request). */
export function lightsOff(): void {
  clearTimeout(timer);
  timer = 0;
  digitalWrite(pins, 0);
  left = 0;
  busyUntil = 0;
}

/** Vibrate for ms where the board has a motor (Bangle.js 2). */
export function buzz(ms: number): void {
  if (OMAMORI_BOARD.vibration) Bangle.buzz(ms);
}
