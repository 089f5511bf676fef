/**
 * Firmware entry (docs/ARCHITECTURE.md "Runtime contract"): runs once per boot, top to bottom,
 * starts the subsystems in a fixed order and defines the one global, `Omamori`.
 *
 *   1. maintenance gesture: button held at power-on -> console open, Espruino's own connectable
 *      advertising for the Web IDE, no GAEN, no sync (docs/USER-GUIDE.md)
 *   2. decommissioned token (function stop): silent
 *   3. normal: console closed to Bluetooth, app (keys, log, watchdog, heartbeat, radio), sync
 *      service, button
 */
import { BOARD } from "./board";
import { firmwareCrypto } from "./crypto/index";
import { syncStart, syncWindowOpen } from "./sync/service";
import { buttonHeld, buttonStart } from "./app/button";
import { encountersFlush } from "./app/encounters";
import { BLUE, flash } from "./app/lights";
import { syncHost } from "./app/syncHost";
import { storage } from "./app/builtins";
import { noteError } from "./app/health";
import {
  STOPPED_FILE, tokenEraseAll, tokenPauseToggle, tokenSetClock, tokenShortPress, tokenStart, tokenState,
} from "./app/token";

Omamori = {
  version: OMAMORI_VERSION,
  board: BOARD.id,
  crypto: firmwareCrypto,
  maintenance: false,
  /** Test/maintenance hooks (console only; the console is closed to Bluetooth in normal use). */
  state: tokenState,
  setClock: tokenSetClock,
  flush: function () { encountersFlush(getTime()); },
  host: syncHost,
  eraseAll: tokenEraseAll,
  sync: { open: syncWindowOpen },
};

function start(): void {
  if (buttonHeld()) {
    Omamori.maintenance = true;
    flash(BLUE, 5, 100, 100);
    return;
  }
  if (storage().read(STOPPED_FILE)) {
    NRF.sleep();
    return;
  }
  E.setConsole(null, { force: true });
  tokenStart();
  syncStart(syncHost);
  buttonStart({
    short: function () {
      tokenShortPress();
      syncWindowOpen();
    },
    pauseToggle: tokenPauseToggle,
    erase: tokenEraseAll,
  });
}

try {
  start();
} catch (e) {
  noteError(e);
}
