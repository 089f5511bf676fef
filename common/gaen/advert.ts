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

export const EN_SERVICE_UUID = 0xfd6f;
export const ADVERT_LENGTH = 31;
export const SERVICE_DATA_LENGTH = 20;
export const FLAGS_VALUE = 0x1a;

/** Build the 31-byte payload from a 16-byte RPI and a 4-byte AEM. */
export function buildAdvert(rpi: Uint8Array, aem: Uint8Array): Uint8Array {
  if (rpi.length !== 16) throw new Error("rpi must be 16 bytes, got " + rpi.length);
  if (aem.length !== 4) throw new Error("aem must be 4 bytes, got " + aem.length);
  const p = new Uint8Array(ADVERT_LENGTH);
  p[0] = 0x02; p[1] = 0x01; p[2] = FLAGS_VALUE;
  p[3] = 0x03; p[4] = 0x03; p[5] = 0x6f; p[6] = 0xfd;
  p[7] = 0x17; p[8] = 0x16; p[9] = 0x6f; p[10] = 0xfd;
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
 * Find the FD6F service data in a raw advertising payload.
 * Returns null when the payload is malformed or carries no 20-byte FD6F service data.
 */
export function parseAdvert(data: Uint8Array): ParsedAdvert | null {
  let i = 0;
  let hasFlags = false;
  let found: ParsedAdvert | null = null;
  while (i < data.length) {
    const len = data[i];
    if (len === 0) break; // zero-length AD: rest is padding
    if (i + 1 + len > data.length) return null; // truncated structure
    const type = data[i + 1];
    if (type === 0x01) hasFlags = true;
    if (type === 0x16 && len >= 3 && data[i + 2] === 0x6f && data[i + 3] === 0xfd) {
      if (len - 3 !== SERVICE_DATA_LENGTH) return null;
      found = {
        rpi: data.subarray(i + 4, i + 20),
        aem: data.subarray(i + 20, i + 24),
        hasFlags: false,
      };
    }
    i += 1 + len;
  }
  if (found) found.hasFlags = hasFlags;
  return found;
}
