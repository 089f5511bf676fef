/**
 * Bluetooth metadata carried (encrypted) in the AEM: 4 bytes.
 *
 *   byte0  version: bits 7:6 major (01), bits 5:4 minor, bits 3:2 TX-power
 *          calibration confidence (metadata v1.1), bits 1:0 reserved
 *   byte1  TX power, signed int8 dBm
 *   byte2, byte3  reserved, 0x00
 *
 * v1.0 = 0x40 (what microG and this token send by default), v1.1 = 0x50 | confidence << 2.
 * A decoder masks bits; it never compares the whole byte (docs/spec/gaen-protocol.md section 1).
 */
import { u8 } from "../bytes";

export const METADATA_V1_0 = 0x40;
export const METADATA_V1_1 = 0x50;

/** Calibration confidence values of metadata v1.1 (exposure_notification_enums.proto). */
export const CONFIDENCE_LOWEST = 0;
export const CONFIDENCE_LOW = 1;
export const CONFIDENCE_MEDIUM = 2;
export const CONFIDENCE_HIGH = 3;

export interface Metadata {
  /** Major version (bits 7:6); 1 for every published version. */
  major: number;
  /** Minor version (bits 5:4): 0 for v1.0, 1 for v1.1. */
  minor: number;
  /** TX power calibration confidence (bits 3:2), meaningful from v1.1. */
  confidence: number;
  /** Advertised transmit power in dBm, -128..127. */
  txPowerDbm: number;
}

/**
 * Encode metadata. `confidence` < 0 (or omitted by passing -1) gives v1.0 (0x40);
 * 0..3 gives v1.1 with that calibration confidence.
 */
export function encodeMetadata(txPowerDbm: number, confidence: number): Uint8Array {
  if (txPowerDbm < -128 || txPowerDbm > 127 || Math.floor(txPowerDbm) !== txPowerDbm) {
    throw new Error("txPowerDbm must be an integer -128..127, got " + txPowerDbm);
  }
  if (confidence > 3 || Math.floor(confidence) !== confidence) {
    throw new Error("confidence must be -1 (v1.0) or 0..3 (v1.1), got " + confidence);
  }
  const out = u8(4);
  out[0] = confidence < 0 ? METADATA_V1_0 : METADATA_V1_1 | (confidence << 2);
  out[1] = txPowerDbm & 0xff;
  return out;
}

/** Decode 4 metadata bytes (masking, signed TX power). */
export function decodeMetadata(bytes: Uint8Array): Metadata {
  if (bytes.length < 2) throw new Error("metadata needs at least 2 bytes, got " + bytes.length);
  const v = bytes[0];
  const tx = bytes[1];
  return {
    major: (v >> 6) & 3,
    minor: (v >> 4) & 3,
    confidence: (v >> 2) & 3,
    txPowerDbm: tx > 127 ? tx - 256 : tx,
  };
}
