/**
 * PaddedData (GAEN crypto spec v1.2): the 16-byte AES input for an RPI.
 *   [0..5]  "EN-RPI" = 45 4E 2D 52 50 49
 *   [6..11] 0x00 x 6
 *   [12..15] ENIN, uint32 little-endian
 * Example ENIN 2642976 -> 454e2d52504900000000000020542800.
 */
import { writeU32LE, u8 } from "../bytes";

export function paddedData(enin: number): Uint8Array {
  const p = u8(16);
  p.set([0x45, 0x4e, 0x2d, 0x52, 0x50, 0x49]); // "EN-RPI"
  writeU32LE(p, 12, enin);
  return p;
}

/** HKDF info strings (UTF-8, no terminating NUL: 7 bytes each). */
export const INFO_RPIK = "EN-RPIK";
export const INFO_AEMK = "EN-AEMK";
