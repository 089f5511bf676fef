/**
 * The GAEN advertising payload (legacy ADV_NONCONN_IND, exactly 31 bytes):
 *
 *   02 01 1A               Flags AD: LE General Discoverable + dual-mode bits
 *   03 03 6F FD            Complete list of 16-bit service UUIDs: 0xFD6F
 *   17 16 6F FD <RPI 16> <AEM 4>   Service Data (16-bit UUID 0xFD6F), 20 bytes
 *
 * The parser accepts payloads without the flags AD (real Android phones omit it
 * for non-connectable adverts) and AD structures in any order; it requires the
 * FD6F service data to be exactly 20 bytes, as Apple's scanner does.
 */
import { u8 } from "../bytes";

export const EN_SERVICE_UUID = 0xfd6f;
export const ADVERT_LENGTH = 31;
export const SERVICE_DATA_LENGTH = 20;
export const FLAGS_VALUE = 0x1a;

/** Build the 31-byte payload from a 16-byte RPI and a 4-byte AEM (the token's own, fixed sizes: no checks). */
export function buildAdvert(rpi: Uint8Array, aem: Uint8Array): Uint8Array {
  const p = u8(ADVERT_LENGTH);
  p.set([0x02, 0x01, FLAGS_VALUE, 0x03, 0x03, 0x6f, 0xfd, 0x17, 0x16, 0x6f, 0xfd]);
  p.set(rpi, 11);
  p.set(aem, 27);
  return p;
}

export interface ParsedAdvert {
  rpi: Uint8Array;
  aem: Uint8Array;
  /** Whether a flags AD structure was present. */
  hasFlags: boolean;
}

/**
 * Where the FD6F service data (RPI 16 | AEM 4) starts in a raw advertising payload, or -1 when the
 * payload is malformed or carries no 20-byte FD6F service data. Bit 0x100 of the result is set when a
 * flags AD structure was present (so `& 0xff` is the offset). The token's scanner calls this for every
 * advert it hears: no allocation.
 */
export function gaenOffset(data: Uint8Array): number {
  let found = -1;
  let flags = 0;
  for (let i = 0; i < data.length; i += 1 + data[i]) {
    const len = data[i];
    if (len === 0) break; // zero-length AD: the rest is padding
    if (i + 1 + len > data.length) return -1; // truncated structure
    if (data[i + 1] === 0x01) flags = 0x100;
    if (data[i + 1] === 0x16 && len >= 3 && data[i + 2] === 0x6f && data[i + 3] === 0xfd) {
      if (len - 3 !== SERVICE_DATA_LENGTH) return -1;
      found = i + 4;
    }
  }
  return found < 0 ? -1 : found | flags;
}

/**
 * Find the FD6F service data in a raw advertising payload.
 * Returns null when the payload is malformed or carries no 20-byte FD6F service data.
 */
export function parseAdvert(data: Uint8Array): ParsedAdvert | null {
  const o = gaenOffset(data);
  if (o < 0) return null;
  const i = o & 0xff;
  return { rpi: data.subarray(i, i + 16), aem: data.subarray(i + 16, i + 20), hasFlags: (o & 0x100) !== 0 };
}
