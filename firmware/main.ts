/**
 * Firmware entry (docs/ARCHITECTURE.md "Runtime contract"): runs once per boot, top to bottom, starts
 * the subsystems in a fixed order and defines `Omamori`, the one global meant for a reader.
 *
 *   1. the log and the settings in it; a decommissioned token (function stop): silent
 *   2. normal: errors noted and watchdog on, console closed to Bluetooth, app (keys, log, heartbeat,
 *      radio), sync service, button
 * (Maintenance needs no code here: with the button held at power-on Espruino does not run this file at
 * all — targets/nrf5x/main.c — and its own console and connectable advertising are there for the Web IDE.)
 *
 * `Omamori` (console only — the console is closed to Bluetooth in normal use; used by tests and
 * maintenance, nothing of it is sent over the air):
 *   version, board, crypto          firmware version, board id, GAEN/SHA/HMAC/HKDF/AES on Uint8Arrays
 *   state()                         clockValid, running, paused, alert, needsSync, keys [{tek,
 *                                   rollingStart, rollingPeriod}], scan {windowMs, periodMs, scans},
 *                                   log {pages, pageSize, pagesUsed, records, dropped, nextDropSeq,
 *                                   currentSeq}, errors, errorLog
 *   setClock(unixSeconds)           as the sync service / Web IDE sets it; returns the correction (s)
 *   flush()                         write every open encounter now
 *   host                            the SyncHost (firmware/sync/host.ts) the sync service uses
 */
import { firmwareCrypto } from "./crypto/index";
import { syncStart } from "./sync/service";
import { buttonStart } from "./app/button";
import { encountersFlush } from "./app/encounters";
import { healthStart } from "./app/store";
import { tokenHost, tokenLoad, tokenStart, tokenState } from "./app/token";

Omamori = {
  version: OMAMORI_VERSION,
  board: OMAMORI_BOARD.id,
  crypto: firmwareCrypto,
  state: tokenState,
  setClock: tokenHost.setClock,
  flush: encountersFlush,
  host: tokenHost,
};

if (tokenLoad()) {
  NRF.sleep();
} else {
  healthStart();
  E.setConsole(null, { force: true });
  // less TX power where advertising is most of a coin cell's charge (boards/<id>.json radio.txPowerDbm)
  if (OMAMORI_BOARD.radio.txPower !== false) NRF.setTxPower(OMAMORI_BOARD.radio.txPower);
  tokenStart();
  syncStart(tokenHost);
  buttonStart();
}
