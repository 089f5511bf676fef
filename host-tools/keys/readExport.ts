/**
 * One export zip from bytes to checked keys: unzip (exportFile.ts limits), read export.bin's
 * header and keys (exportKeys.ts: flat records, field rules applied), verify the signature against
 * the trusted keys. Unsigned or wrongly signed files are refused unless the caller explicitly
 * allows unsigned files (for testing; docs/MATCHING.md section 1).
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ExportFormatError, readExportZip, verifyExport, type VerificationKey, type VerifyResult } from "./exportFile";
import { readExportKeys, type ExportHeader } from "./exportKeys";
import type { KeyRecords } from "./keyRecords";

export interface Trust {
  keys: VerificationKey[];
  /** Accept files whose signature is missing or does not verify (testing only). */
  allowUnsigned: boolean;
}

export interface CheckedExport {
  header: ExportHeader;
  records: KeyRecords;
  /** Hex SHA-256 of the zip bytes: the cache key. */
  sha256: string;
  verify: VerifyResult;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Unzip, decode and verify. Throws ExportFormatError for a damaged file or a refused signature. */
export function checkExportZip(zip: Uint8Array, trust: Trust): CheckedExport {
  const { bin, sig } = readExportZip(zip);
  const { header, records } = readExportKeys(bin);
  const verify = trust.keys.length ? verifyExport(bin, sig, trust.keys, header) : { valid: false, signatures: [], reason: "no trusted public key is configured" };
  if (!verify.valid && !trust.allowUnsigned) {
    throw new ExportFormatError("the signature could not be verified (" + verify.reason + "); the file was not used");
  }
  return { header, records, sha256: sha256Hex(zip), verify };
}

/** A path given by the user: one .zip file, or a directory whose *.zip files are taken in name order. */
export function exportPaths(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new ExportFormatError(`cannot find ${path}`);
  }
  if (!st.isDirectory()) return [path];
  const names = readdirSync(path).filter((n) => n.toLowerCase().endsWith(".zip"));
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return names.map((n) => join(path, n));
}
