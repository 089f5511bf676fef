/**
 * GAEN advertising (docs/spec/gaen-protocol.md section 3): the exact 31-byte payload (common/gaen/advert.ts)
 * as a raw array, non-connectable and non-scannable, every ADVERT_INTERVAL_MS. Identifier and
 * Bluetooth address change together at a random moment 10-20 minutes after the last change and at
 * every daily-key change (UTC midnight). The address is a fresh non-resolvable private address
 * where the board accepts one (boards/<id>.json radio.privateNonResolvable: Bangle.js 2), else a
 * fresh random static address (docs/LOG-FORMAT.md "Addresses").
 * While the sync service holds the radio (SyncHost.holdAdvertising) nothing is sent from here.
 */
import { toHex } from "../../common/bytes";
import { buildAdvert } from "../../common/gaen/advert";
import { eninFromUnixSeconds, TEK_ROLLING_PERIOD, INTERVAL_SECONDS } from "../../common/gaen/interval";
import { encodeMetadata } from "../../common/gaen/metadata";
import { aem, rpi } from "../crypto/gaen";
import { BOARD } from "../board";
import { ADVERT_INTERVAL_MS, ROTATE_MIN_MS, ROTATE_SPAN_MS } from "./config";
import { guard } from "./health";
import { keyFor } from "./keys";
import { randomBelow, randomBytes } from "./random";

const METADATA = encodeMetadata(BOARD.radio.advertisedTxPowerDbm, -1);
let on = false;
let held = false;
let timer: any = 0;
let payload: number[] = [];
let address = "";
let current = { rpi: "", aem: "" };

/** A fresh address: top bits 00 (non-resolvable private) or 11 (random static). */
function newAddress(): string {
  const b = randomBytes(6);
  const npa = BOARD.radio.privateNonResolvable;
  b[0] = npa ? b[0] & 0x3f : b[0] | 0xc0;
  if (npa && b[0] === 0) b[0] = 1; // never all zeros
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(toHex(b.subarray(i, i + 1)));
  return parts.join(":") + (npa ? " private-nonresolvable" : " random");
}

function send(): void {
  if (!on || held) return;
  NRF.wake();
  NRF.setAddress(address);
  NRF.setAdvertising(payload.slice(), { connectable: false, scannable: false, interval: ADVERT_INTERVAL_MS });
}

/** New identifier and address now; the next change 10-20 min later or at the daily-key change. */
function rotate(): void {
  if (timer) clearTimeout(timer);
  timer = 0;
  if (!on) return;
  const now = getTime();
  const enin = eninFromUnixSeconds(now);
  const k = keyFor(enin);
  const id = rpi(k.rpik, enin);
  const meta = aem(k.aemk, id, METADATA);
  const p = buildAdvert(id, meta);
  payload = [];
  for (let i = 0; i < p.length; i++) payload.push(p[i]);
  address = newAddress();
  current = { rpi: toHex(id), aem: toHex(meta) };
  send();
  const toNextDay = ((k.rs + TEK_ROLLING_PERIOD) * INTERVAL_SECONDS - now) * 1000;
  timer = setTimeout(guard(rotate), Math.min(ROTATE_MIN_MS + 1 + randomBelow(ROTATE_SPAN_MS - 1), toNextDay + 5));
}

export function advertiseStart(): void {
  if (on) return;
  on = true;
  rotate();
}

/** No GAEN adverts (and, unless the sync service holds the radio, the radio asleep). */
export function advertiseStop(): void {
  if (timer) clearTimeout(timer);
  timer = 0;
  if (!held) NRF.sleep();
  on = false;
  current = { rpi: "", aem: "" };
}

/** The sync service takes (true) or gives back (false) the radio's advertising. */
export function advertiseHold(h: boolean): void {
  if (held === h) return;
  held = h;
  if (held) NRF.wake();
  else if (on) send();
  else NRF.sleep();
}

/** What is on the air now (maintenance/tests). */
export function advertiseState(): { rpi: string; aem: string; address: string } {
  return { rpi: current.rpi, aem: current.aem, address: on ? address : "" };
}
