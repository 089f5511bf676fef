/**
 * The button (docs/USER-GUIDE.md): short press = show status (and open the sync window); hold
 * 3-8 s = pause or resume; hold 10 s or more, then a short press within 10 s = erase everything.
 * While held, the light says which action letting go would do: yellow at 3 s, red at 10 s.
 * A short press also answers a consent request (registering as positive) and clears a contact alert.
 */
import { BOARD } from "../board";
import { ERASE_CONFIRM_MS, ERASE_HOLD_MS, PAUSE_HOLD_MAX_MS, PAUSE_HOLD_MS, SHORT_PRESS_MS } from "./config";
import { guard } from "./health";
import { flash, pin, RED, YELLOW } from "./lights";

export interface ButtonActions {
  short(): void;
  pauseToggle(): void;
  erase(): void;
}

let actions: ButtonActions | null = null;
let downAt = -1;
let hints: any[] = [];
let armed: any = 0;
let consent: ((ok: boolean) => void) | null = null;

function clearHints(): void {
  for (let i = 0; i < hints.length; i++) clearTimeout(hints[i]);
  hints = [];
}

function released(ms: number): void {
  if (ms < SHORT_PRESS_MS) {
    if (consent) {
      const c = consent;
      consent = null;
      c(true);
    } else if (armed) {
      clearTimeout(armed);
      armed = 0;
      actions!.erase();
    } else {
      actions!.short();
    }
  } else if (ms >= PAUSE_HOLD_MS && ms < PAUSE_HOLD_MAX_MS) {
    actions!.pauseToggle();
  } else if (ms >= ERASE_HOLD_MS) {
    armed = setTimeout(function () { armed = 0; }, ERASE_CONFIRM_MS);
    flash(RED, 20, 150, 350);
  }
}

function edge(e: { state: boolean; time: number }): void {
  if (e.state) {
    downAt = e.time;
    clearHints();
    hints.push(setTimeout(function () { flash(YELLOW, 1, 300, 0); }, PAUSE_HOLD_MS));
    hints.push(setTimeout(function () { flash(RED, 1, 1500, 0); }, ERASE_HOLD_MS));
  } else if (downAt >= 0) {
    clearHints();
    const ms = (e.time - downAt) * 1000;
    downAt = -1;
    released(ms);
  }
}

/** True when the button is held right now (the maintenance gesture at power-on). */
export function buttonHeld(): boolean {
  return !!digitalRead(pin(BOARD.button));
}

export function buttonStart(a: ButtonActions): void {
  actions = a;
  setWatch(guard(edge), pin(BOARD.button), { repeat: true, edge: "both", debounce: 25 });
}

/** Wait up to timeoutMs for a short press meaning "yes"; done(false) on timeout. */
export function buttonAskConsent(timeoutMs: number, done: (ok: boolean) => void): void {
  const t = setTimeout(function () {
    if (consent) {
      consent = null;
      done(false);
    }
  }, timeoutMs);
  consent = function (ok) {
    clearTimeout(t);
    done(ok);
  };
}

export function buttonConsentPending(): boolean {
  return !!consent;
}
