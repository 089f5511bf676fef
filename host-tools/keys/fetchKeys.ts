/**
 * Bringing new diagnosis keys into the cache (issue 6 "Diagnosis keys"; GAEN.md section 6):
 *
 *   source = a COCOA list.json (URL or local file): only entries with `created` newer than the last
 *            one processed for that list are fetched, oldest first; the mark advances only past
 *            entries that were fetched and verified (a failure is retried next time);
 *          = a URL of one export zip, a local zip, or a local directory of zips.
 * Every file is unzipped, verified and decoded before it enters the cache; a file already in the
 * cache (same SHA-256) is neither stored nor counted again.
 */
import { readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { ExportFormatError, MAX_EXPORT_BYTES } from "./exportFile";
import { KeyCache } from "./keyCache";
import { parseListJson, type ListEntry } from "./listJson";
import { checkExportZip, exportPaths, sha256Hex, type Trust } from "./readExport";

export interface FetchProblem {
  source: string;
  message: string;
}

export interface FetchResult {
  /** Files added to the cache. */
  added: number;
  /** Keys in the added files. */
  keysAdded: number;
  /** Files seen that were already cached. */
  alreadyCached: number;
  problems: FetchProblem[];
}

export interface FetchOptions {
  trust: Trust;
  /** Called as files are processed (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** Replaceable for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

function isHttp(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Bytes of a URL (http, https, file) or a local path, refusing more than 16 MB. */
async function readSource(src: string, fetchImpl: typeof fetch): Promise<Uint8Array> {
  if (!isHttp(src)) {
    const path = src.startsWith("file:") ? fileURLToPath(src) : src;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new ExportFormatError(`cannot find ${path}`);
    }
    if (size > MAX_EXPORT_BYTES) throw new ExportFormatError(`${path} is too large (${size} bytes, over 16 MB)`);
    return new Uint8Array(readFileSync(path));
  }
  let res: Response;
  try {
    res = await fetchImpl(src);
  } catch (e) {
    throw new ExportFormatError(`could not reach ${src} (${(e as Error).message}); check the internet connection and try again`);
  }
  if (!res.ok) throw new ExportFormatError(`${src} answered HTTP ${res.status}`);
  const len = Number(res.headers.get("content-length") ?? "0");
  if (len > MAX_EXPORT_BYTES) throw new ExportFormatError(`${src} is too large (${len} bytes, over 16 MB)`);
  const buf = new Uint8Array(await res.arrayBuffer());
  if (buf.length > MAX_EXPORT_BYTES) throw new ExportFormatError(`${src} is too large (over 16 MB)`);
  return buf;
}

function isListSource(src: string): boolean {
  if (isHttp(src)) return !/\.zip(\?|$)/i.test(src);
  if (src.toLowerCase().endsWith(".json")) return true;
  return false;
}

/** Fetch new export files from `sources` into `cache`. Never throws for one bad file: it is reported. */
export async function fetchKeys(sources: string[], cache: KeyCache, opts: FetchOptions): Promise<FetchResult> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const result: FetchResult = { added: 0, keysAdded: 0, alreadyCached: 0, problems: [] };
  // plan: the list of (file source, created?, list url?) to process
  type Item = { src: string; created?: number; list?: string };
  const items: Item[] = [];
  for (const source of sources) {
    try {
      let src = source;
      if (!isHttp(src) && existsSync(src) && statSync(src).isDirectory() && existsSync(join(src, "list.json"))) src = join(src, "list.json");
      if (isListSource(src)) {
        const base = isHttp(src) ? src : pathToFileURL(src).toString();
        const entries: ListEntry[] = parseListJson(new TextDecoder().decode(await readSource(src, fetchImpl)), base);
        const last = cache.lastCreated(src);
        for (const e of entries.filter((x) => x.created > last).sort((a, b) => a.created - b.created)) {
          items.push({ src: e.url, created: e.created, list: src });
        }
        if (!cache.index.sources[src]) cache.setLastCreated(src, last);
      } else if (isHttp(src)) items.push({ src });
      else for (const p of exportPaths(src)) items.push({ src: p });
    } catch (e) {
      result.problems.push({ source, message: (e as Error).message });
    }
  }
  const failedLists = new Set<string>();
  let done = 0;
  opts.onProgress?.(0, items.length);
  for (const item of items) {
    try {
      const zip = await readSource(item.src, fetchImpl);
      if (cache.has(sha256Hex(zip))) result.alreadyCached++;
      else {
        const checked = checkExportZip(zip, opts.trust);
        await cache.add(zip, checked, { source: item.src, created: item.created });
        result.added++;
        result.keysAdded += checked.records.read;
      }
      if (item.list && !failedLists.has(item.list) && item.created !== undefined) cache.setLastCreated(item.list, item.created);
    } catch (e) {
      result.problems.push({ source: item.src, message: (e as Error).message });
      if (item.list) failedLists.add(item.list);
    }
    opts.onProgress?.(++done, items.length);
  }
  await cache.save();
  return result;
}
