/**
 * Diagnosis keys ready for matching, from local files (`omamori match --keys`) or from the cache
 * (`omamori check`): every file checked (readExport.ts), every key validated (validateKeys.ts).
 */
import { readFileSync } from "node:fs";
import { ExportFormatError } from "./exportFile";
import type { KeyCache } from "./keyCache";
import { currentStore, usableKeys } from "./keyStore";
import { checkExportZip, exportPaths, type Trust } from "./readExport";
import { KeyCollector, type KeyValidation } from "./validateKeys";

export interface LoadedFile {
  path: string;
  keys: number;
  signatureValid: boolean;
}

export interface LoadedKeys {
  validation: KeyValidation;
  files: LoadedFile[];
}

/** Keys from zip files and directories of zips. A bad file throws ExportFormatError naming it. */
export function keysFromPaths(paths: string[], trust: Trust, nowSeconds: number): LoadedKeys {
  const collector = new KeyCollector(nowSeconds);
  const files: LoadedFile[] = [];
  for (const p of paths) {
    for (const file of exportPaths(p)) {
      let zip: Uint8Array;
      try {
        zip = new Uint8Array(readFileSync(file));
      } catch (e) {
        throw new ExportFormatError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      try {
        const c = checkExportZip(zip, trust);
        collector.addRecords(c.records);
        files.push({ path: file, keys: c.records.read, signatureValid: c.verify.valid });
      } catch (e) {
        throw new ExportFormatError(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return { validation: collector.result(), files };
}

export interface CachedKeys extends LoadedKeys {
  /** SHA-256 of each cached file, in the order applied. */
  fileSha256: string[];
  /** Per key (KeySet index): the position in fileSha256 of the file that last added or revised it. */
  origin: Uint32Array;
}

/**
 * Keys from every cached file (verified when they entered the cache), through the key store
 * (keyStore.ts: one flat file, rebuilt only when the cached files changed), as of `nowSeconds`.
 */
export async function keysFromCache(cache: KeyCache, nowSeconds: number): Promise<CachedKeys> {
  const files = cache.orderedFiles();
  const fileSha256 = files.map((f) => f.sha256);
  const { origin, ...validation } = usableKeys(await currentStore(cache), nowSeconds, fileSha256);
  return {
    validation,
    files: files.map((f) => ({ path: f.source, keys: f.keys, signatureValid: f.signatureValid })),
    fileSha256,
    origin,
  };
}
