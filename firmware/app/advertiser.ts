/**
 * GAEN advertising (docs/spec/gaen-protocol.md): the exact 31-byte payload (common/gaen/advert.ts) as a byte
 * array, non-connectable and non-scannable, every ADVERT_INTERVAL_MS. Identifier and Bluetooth
 * address change together at a random moment 10-20 minutes after the last change and at every
 * daily-key change (UTC midnight); the address is a fresh random static one (random.ts).
 *
 * The order of calls is what keeps old and new unlinkable. NRF.setAddress restarts the SoftDevice,
 * which then resumes advertising the payload it last had (Espruino's jsble_restart_softdevice calls
 * NRF.wake() unless the radio was asleep): set the address first and the OLD identifier goes out under
 * the NEW address. So: sleep, set the address, set the new payload (stored only, the radio is asleep),
 * wake. A restart in the middle of a scan window would cut the window short, so a rotation waits for
 * the window to end.
 * While the sync service holds the radio (advertiseHold) nothing is sent from here.
 *
 * An identifier is never sent again once replaced: each rotation sends the RPI of the current 10-minute
 * interval or, when that one was already on the air (a rotation after a sync window, which must not
 * resume with the identifier a listener saw before the window), of the next one. GAEN matching accepts
 * an identifier within 2 hours of its interval (docs/spec/gaen-protocol.md section 7); the token stays
 * at most LEAD_INTERVALS (1 hour) ahead and is silent rather than go further (many windows in a row).
 */
import { u8 } from "../../common/bytes";
import { buildAdvert } from "../../common/gaen/advert";
import { eninFromUnixSeconds, TEK_ROLLING_PERIOD, INTERVAL_SECONDS } from "../../common/gaen/interval";
import { METADATA_V1_0 } from "../../common/gaen/metadata";
import { aem, rpi } from "../crypto/gaen";
import { Cfg } from "./config";
import { dayAemk, dayRpik, keyFor } from "./keys";
import { randomAddress } from "./random";
import { scanning } from "./scanner";

var on = 0;
var held = 0;
var timer: any = 0;
/** The interval (ENIN) of the identifier last sent, 0 after a stop. */
var lastEnin = 0;
const LEAD_INTERVALS = 6;
/** What is on the air (or would be, were the radio not held): payload and address. */
export var advert: Uint8Array | null = null;
export var address = "";

/** Put the current payload and address on the air, in the order that never mixes old and new. */
export function advertiseSend(): void {
  if (!on || held || !advert) return;
  NRF.sleep();
  NRF.setAddress(address);
  NRF.setAdvertising(advert, { connectable: false, scannable: false, interval: Cfg.ADVERT_INTERVAL_MS });
  NRF.wake();
}

/** New identifier and address now; the next change 10-20 min later or at the daily-key change. */
function rotate(): void {
  timer = 0;
  if (!on) return;
  if (scanning) {
    timer = setTimeout(rotate, 500);
    return;
  }
  var now = getTime();
  var enin = eninFromUnixSeconds(now);
  if (lastEnin >= enin + LEAD_INTERVALS) {
    // far enough ahead: silent until the next identifier is within the lead
    NRF.sleep();
    timer = setTimeout(rotate, ((lastEnin + 1 - LEAD_INTERVALS) * INTERVAL_SECONDS - now) * 1000 + 5);
    return;
  }
  if (lastEnin >= enin) enin = lastEnin + 1;
  lastEnin = enin;
  var rs = keyFor(enin);
  var id = rpi(dayRpik, enin);
  advert = buildAdvert(id, aem(dayAemk, id, u8([METADATA_V1_0, OMAMORI_BOARD.radio.advertisedTxPowerDbm, 0, 0])));
  address = randomAddress();
  advertiseSend();
  var toNextDay = ((rs + TEK_ROLLING_PERIOD) * INTERVAL_SECONDS - now) * 1000;
  timer = setTimeout(rotate, Math.min(Cfg.ROTATE_MIN_MS + 1 + Math.random() * (Cfg.ROTATE_SPAN_MS - 1), toNextDay + 5));
}

export function advertiseStart(): void {
  if (on) return;
  on = 1;
  rotate();
}

/** No GAEN adverts (and, unless the sync service holds the radio, the radio asleep). */
export function advertiseStop(): void {
  clearTimeout(timer);
  timer = 0;
  if (!held) NRF.sleep();
  on = lastEnin = 0;
  advert = null;
}

/**
 * The sync service takes (1) or gives back (0) the radio's advertising. Given back, the advert goes on
 * the air under a fresh address with a fresh identifier (see the module comment).
 */
export function advertiseHold(h: number): void {
  if (held === h) return;
  held = h;
  if (held) {
    clearTimeout(timer);
    timer = 0;
  } else if (on) rotate();
  else NRF.sleep();
}
