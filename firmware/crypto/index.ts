/**
 * The firmware's crypto as one object: `Omamori.crypto` on the token (docs/ARCHITECTURE.md
 * "Runtime contract"). Every function takes and returns Uint8Arrays.
 */
import { aesEncryptBlock, sha256 } from "./primitives";
import { hmacSha256 } from "./hmac";
import { hkdfSha256 } from "./hkdf";
import { aem, aemk, rpi, rpik } from "./gaen";

export const firmwareCrypto = {
  sha256: sha256,
  // quoted: the build shortens these names elsewhere (scripts/build-firmware.ts MANGLED_PROPS), never here
  "hmacSha256": hmacSha256,
  "hkdfSha256": hkdfSha256,
  aesEncryptBlock: aesEncryptBlock,
  rpik: rpik,
  aemk: aemk,
  rpi: rpi,
  aem: aem,
};
