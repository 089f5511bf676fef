/**
 * What a GAEN key-derivation implementation offers (docs/spec/gaen-protocol.md section 1), as a
 * type only: the host has two (host-tools/gaen/crypto.ts: noble and node:crypto), the simulator's
 * phones are given one by whoever builds the world (sim/world/world.ts `phoneCrypto`), and the
 * token has its own (firmware/crypto/gaen.ts).
 */
export interface GaenCrypto {
  readonly name: string;
  rpik(tek: Uint8Array): Uint8Array;
  aemk(tek: Uint8Array): Uint8Array;
  rpi(rpik: Uint8Array, enin: number): Uint8Array;
  /** Encrypts metadata into an AEM, or decrypts an AEM back into metadata. */
  aem(aemk: Uint8Array, rpi: Uint8Array, metadataOrAem: Uint8Array): Uint8Array;
}
