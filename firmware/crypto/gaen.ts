/**
 * GAEN key derivation on the token (Exposure Notification cryptography specification v1.2; the
 * protocol summary is docs/spec/gaen-protocol.md); the same formulas as host-tools/gaen/crypto.ts:
 *   RPIK = HKDF-SHA256(TEK, salt none, "EN-RPIK", 16)     AEMK = HKDF-SHA256(TEK, none, "EN-AEMK", 16)
 *   RPI  = AES-128-ECB(RPIK, PaddedData(ENIN))
 *   AEM  = metadata XOR AES-128-ECB(AEMK, RPI)[0..3]     (AES-CTR with IV = RPI, one block; never
 *          Espruino's CTR mode, which ignores the IV). Decrypting an AEM is the same XOR.
 */
import { asciiBytes, u8 } from "../../common/bytes";
import { INFO_AEMK, INFO_RPIK, paddedData } from "../../common/gaen/paddedData";
import { hkdfSha256 } from "./hkdf";
import { aesEncryptBlock } from "./primitives";

/** Rolling Proximity Identifier Key of a 16-byte daily key (TEK). */
export function rpik(tek: Uint8Array): Uint8Array {
  return hkdfSha256(tek, null, asciiBytes(INFO_RPIK), 16);
}

/** Associated Encrypted Metadata Key of a 16-byte daily key (TEK). */
export function aemk(tek: Uint8Array): Uint8Array {
  return hkdfSha256(tek, null, asciiBytes(INFO_AEMK), 16);
}

/** Rolling Proximity Identifier for interval `enin` (integer 0..2^32-1). */
export function rpi(rpikey: Uint8Array, enin: number): Uint8Array {
  return aesEncryptBlock(rpikey, paddedData(enin));
}

/** Encrypts 4 metadata bytes into an AEM, or decrypts an AEM back into metadata. */
export function aem(aemkey: Uint8Array, rpiValue: Uint8Array, metadataOrAem: Uint8Array): Uint8Array {
  var stream = aesEncryptBlock(aemkey, rpiValue);
  var out = u8(4);
  for (var i = 0; i < 4; i++) out[i] = metadataOrAem[i] ^ stream[i];
  return out;
}
