/**
 * Diagnosis keys ready for matching, from local files (`omamori match --keys`) or from the cache
 * (`omamori check`): every file checked (readExport.ts), every key validated (validateKeys.ts).
 */
import { readFileSync } from "node:fs";
import { ExportFormatError, type ExportContent } from "./exportFile";
import type { KeyCache } from "./keyCache";
import { checkExportZip, exportPaths, type Trust } from "./readExport";
import { validateKeys, type KeyValidation } from "./validateKeys";

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
  const contents: ExportContent[] = [];
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
        contents.push(c.content);
        files.push({ path: file, keys: c.content.keys.length + c.content.revisedKeys.length, signatureValid: c.verify.valid });
      } catch (e) {
        throw new ExportFormatError(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return { validation: validateKeys(contents, nowSeconds), files };
}

/** Keys from every cached file (already verified when they entered the cache). */
export function keysFromCache(cache: KeyCache, nowSeconds: number): LoadedKeys {
  const all = cache.contents();
  return {
    validation: validateKeys(all.map((x) => x.content), nowSeconds),
    files: all.map((x) => ({ path: x.file.source, keys: x.file.keys, signatureValid: x.file.signatureValid })),
  };
}
