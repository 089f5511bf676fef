/**
 * Diagnosis keys ready for matching, from local files (`omamori match --keys`) or from the cache
 * (`omamori check`): every file checked (readExport.ts), every key validated (validateKeys.ts).
 */
import { readFileSync } from "node:fs";
import { ExportFormatError } from "./exportFile";
import type { KeyCache } from "./keyCache";
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
        collector.add(c.content);
        files.push({ path: file, keys: c.content.keys.length + c.content.revisedKeys.length, signatureValid: c.verify.valid });
      } catch (e) {
        throw new ExportFormatError(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return { validation: collector.result(), files };
}

/** Keys from every cached file (already verified when they entered the cache). */
export function keysFromCache(cache: KeyCache, nowSeconds: number): LoadedKeys {
  const files = cache.orderedFiles();
  const collector = new KeyCollector(nowSeconds, files.reduce((n, f) => n + f.keys, 0));
  for (const f of files) collector.add(cache.content(f));
  return { validation: collector.result(), files: files.map((f) => ({ path: f.source, keys: f.keys, signatureValid: f.signatureValid })) };
}
