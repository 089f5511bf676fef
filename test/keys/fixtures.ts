/** Shared fixtures for the keys/match/report tests: a P-256 signing key and signed export zips. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { encodeExportBin, signatureInfoFor, signExport, writeExportZip, type ExportContent, type ExportKey } from "../../host-tools/keys/exportFile";

export const SIGNER = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
export const OTHER_SIGNER = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
export const KEY_ID = "440";
export const KEY_VERSION = "v1";

/** Base64 SPKI of a public key, as health authorities publish it. */
export function publicKeyBase64(k: KeyObject = SIGNER.publicKey): string {
  return k.export({ format: "der", type: "spki" }).toString("base64");
}

export function exportContent(keys: ExportKey[], over: Partial<ExportContent> = {}): ExportContent {
  return {
    startTimestamp: Date.UTC(2026, 10, 10) / 1000,
    endTimestamp: Date.UTC(2026, 10, 11) / 1000,
    region: "440",
    batchNum: 1,
    batchSize: 1,
    signatureInfos: [signatureInfoFor({ keyId: KEY_ID, keyVersion: KEY_VERSION })],
    keys,
    revisedKeys: [],
    ...over,
  };
}

/** A signed export zip holding `keys`. */
export function signedZip(keys: ExportKey[], over: Partial<ExportContent> = {}, signer: KeyObject = SIGNER.privateKey): Uint8Array {
  const bin = encodeExportBin(exportContent(keys, over));
  return writeExportZip(bin, signExport(bin, signer, { keyId: KEY_ID, keyVersion: KEY_VERSION }));
}
