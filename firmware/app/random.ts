/**
 * Random bytes from the hardware RNG (E.hwRand: on nRF52 the SoftDevice's true random number generator,
 * sd_rand_application_vector_get in Espruino's targets/nrf5x/jshardware.c), and a fresh Bluetooth address.
 */
import { u8 } from "../../common/bytes";

/** n random bytes (a typed array keeps the low byte of each 32-bit draw). */
export function randomBytes(n: number): Uint8Array {
  var b = u8(n);
  for (var i = 0; i < n; i++) b[i] = E.hwRand();
  return b;
}

/**
 * A fresh random static address ("aa:bb:cc:dd:ee:ff random", top two bits 11): the only kind of
 * changing address every nRF52 SoftDevice accepts (sd_ble_gap_addr_set takes public or random static;
 * a private non-resolvable one is refused and the chip's factory address stays on the air).
 */
export function randomAddress(): string {
  var b = randomBytes(6);
  b[0] |= 0xc0;
  var s = "";
  for (var i = 0; i < 6; i++) s += (i ? ":" : "") + (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s + " random";
}
