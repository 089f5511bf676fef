/**
 * Firmware entry (docs/ARCHITECTURE.md "Runtime contract"): runs once per boot, top to bottom,
 * starts the subsystems in a fixed order and defines the one global, `Omamori`.
 *
 *   1. maintenance gesture: button held at power-on -> console open, Espruino's own connectable
 *      advertising for the Web IDE, no GAEN, no sync (docs/USER-GUIDE.md)
 *   2. decommissioned token (function stop): silent
 *   3. normal: console closed to Bluetooth, app (keys, log, watchdog, heartbeat, radio), sync
 *      service, button
 *
 * `Omamori` (console only — the console is closed to Bluetooth in normal use; used by tests and
 * maintenance, nothing of it is sent over the air):
 *   version, board, crypto          firmware version, board id, GAEN/SHA/HMAC/HKDF/AES on Uint8Arrays
 *   maintenance                     true when booted with the button held
 *   state()                         clockValid, running, paused, alert, needsSync, keys [{rollingStart,
 *                                   tek}], advert {rpi, aem, address}, scan {windowMs, periodMs, scans},
 *                                   encounters {active, written}, log {pages, pageSize, pagesUsed,
 *                                   records, dropped, nextDropSeq, currentSeq}, readUpTo, errors, errorLog
 *   setClock(unixSeconds)           as the sync service / Web IDE sets it; returns the correction (s)
 *   flush()                         write every open encounter now
 *   host                            the SyncHost (firmware/sync/host.ts) the sync service uses
 *   eraseAll()                      consent withdrawn: keys, log, at-rest key, settings erased
 *   sync.open()                     open the sync window (what a short press does)
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
