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

export interface CachedKeys extends LoadedKeys {
  /** SHA-256 of each cached file, in the order applied. */
  fileSha256: string[];
  /** Per key (KeySet index): the position in fileSha256 of the file that last added or revised it. */
  origin: Int32Array;
}

/** Keys from every cached file (already verified when they entered the cache). */
export function keysFromCache(cache: KeyCache, nowSeconds: number): CachedKeys {
  const files = cache.orderedFiles();
  const collector = new KeyCollector(nowSeconds, files.reduce((n, f) => n + f.keys, 0));
  let origin = new Int32Array(Math.max(16, collector.keys.capacity));
  let current = 0;
  collector.onTouch = (i) => {
    if (i >= origin.length) {
      const o = new Int32Array(Math.max(2 * origin.length, i + 1));
      o.set(origin);
      origin = o;
    }
    origin[i] = current;
  };
  files.forEach((f, n) => {
    current = n;
    collector.add(cache.content(f));
  });
  const validation = collector.result();
  return {
    validation,
    files: files.map((f) => ({ path: f.source, keys: f.keys, signatureValid: f.signatureValid })),
    fileSha256: files.map((f) => f.sha256),
    origin: origin.subarray(0, validation.keys.count),
  };
}
