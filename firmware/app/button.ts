/**
 * The button (docs/USER-GUIDE.md): short press = show status (and open the sync window) and clear a
 * contact alert; hold 3-8 s = pause or resume; hold 10 s or more, then a short press within 10 s = erase
 * everything. While held, the light says which action letting go would do: yellow at 3 s, red at 10 s.
 *
 * Consent (daily keys leaving the token) is a different, deliberate gesture: two short presses less
 * than DOUBLE_S apart, and only while the token asks for it with its own light (white, token.ts). A
 * single press then does nothing, so the reflex that clears a red alert can never say yes.
 */
import { Cfg } from "./config";
import { Color, flash, pin } from "./lights";
import { tokenEraseAll, tokenPauseToggle, tokenShortPress } from "./token";
import { syncWindowOpen } from "../sync/service";

var downAt = -1;
var hint1: any = 0;
var hint2: any = 0;
var armed: any = 0;
var consent: any = 0;
var consentTimer: any = 0;
/** Time (s) of the last short press while consent is asked, 0 none. */
var firstPress = 0;
/** The second press of the consent gesture must come within this many seconds of the first. */
const DOUBLE_S = 2;

function clearHints(): void {
  clearTimeout(hint1);
  clearTimeout(hint2);
  hint1 = hint2 = 0;
}

function edge(e: { state: boolean; time: number }): void {
  if (e.state) {
    downAt = e.time;
    clearHints();
    hint1 = setTimeout(flash, Cfg.PAUSE_HOLD_MS, Color.YELLOW, 1, 300, 0);
    hint2 = setTimeout(flash, Cfg.ERASE_HOLD_MS, Color.RED, 1, 1500, 0);
    return;
  }
  if (downAt < 0) return;
  clearHints();
  var ms = (e.time - downAt) * 1000;
  downAt = -1;
  if (ms < Cfg.SHORT_PRESS_MS) {
    if (consent) {
      if (firstPress && e.time - firstPress < DOUBLE_S) {
        var c = consent;
        consent = 0;
        clearTimeout(consentTimer);
        c(true);
      } else firstPress = e.time;
    } else if (armed) {
      clearTimeout(armed);
      armed = 0;
      tokenEraseAll();
    } else {
      tokenShortPress();
      syncWindowOpen();
    }
  } else if (ms >= Cfg.PAUSE_HOLD_MS && ms < Cfg.PAUSE_HOLD_MAX_MS) {
    tokenPauseToggle();
  } else if (ms >= Cfg.ERASE_HOLD_MS) {
    armed = setTimeout(disarm, Cfg.ERASE_CONFIRM_MS);
    flash(Color.RED, 20, 150, 350);
  }
}

function disarm(): void {
  armed = 0;
}

function consentTimeout(): void {
  var c = consent;
  consent = 0;
  if (c) c(false);
}

export function buttonStart(): void {
  setWatch(edge, pin(OMAMORI_BOARD.button), { repeat: true, edge: "both", debounce: 25 });
}

/** Wait up to timeoutMs for two short presses meaning "yes"; done(false) on timeout. */
export function buttonAskConsent(timeoutMs: number, done: (ok: boolean) => void): void {
  consent = done;
  firstPress = 0;
  clearTimeout(consentTimer);
  consentTimer = setTimeout(consentTimeout, timeoutMs);
}
