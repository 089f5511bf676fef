/**
 * Bringing new diagnosis keys into the cache (docs/MATCHING.md section 1;
 * docs/spec/gaen-protocol.md section 6):
 *
 *   source = a COCOA list.json (URL or local file): only entries with `created` newer than the last
 *            one processed for that list are fetched, oldest first; the mark advances only past
 *            entries that were fetched and verified (a failure is retried next time);
 *          = a URL of one export zip, a local zip, or a local directory of zips.
 * Every file is unzipped, verified and decoded before it enters the cache; a file already in the
 * cache (same SHA-256) is neither stored nor counted again.
 *
 * What a list may make this computer do (docs/SECURITY.md "Downloading diagnosis keys"):
 *   - a list fetched over http(s) names only http(s) files: a `file:`, `data:` or any other URL in
 *     it is skipped and reported (a local list, the user's own published folder, may name local
 *     files as before);
 *   - `created` must lie between 0 and now + 1 day: a far-future value would otherwise become the
 *     list's mark and hide every later file;
 *   - every download stops at 16 MB as it streams, whatever Content-Length says or omits; a local
 *     file must be a plain file and is read only up to the limit (never /dev/zero);
 *   - one malformed entry is skipped and reported, the others are still fetched.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { ExportFormatError, MAX_EXPORT_BYTES } from "./exportFile";
import { KeyCache } from "./keyCache";
import { parseListJson, type ListEntry } from "./listJson";
import { checkExportZip, exportPaths, sha256Hex, type CheckedExport, type Trust } from "./readExport";

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
  /** Milliseconds since the epoch (tests pass theirs); bounds list.json `created`. Default Date.now. */
  now?: () => number;
  /** Called as files are processed (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** Replaceable for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /**
   * Unzips, decodes and verifies one file (default checkExportZip, node:crypto). The web app passes
   * one that verifies with WebCrypto (asynchronous), under the same rules.
   */
  checkZip?: (zip: Uint8Array, trust: Trust) => CheckedExport | Promise<CheckedExport>;
}

/** A list.json `created` may be at most this far ahead of this computer's clock (clock skew). */
export const CREATED_TOLERANCE_MS = 24 * 3600_000;

function isHttp(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function tooLarge(src: string, size?: number): ExportFormatError {
  return new ExportFormatError(`${src} is too large (${size === undefined ? "more than 16 MB" : `${size} bytes, over 16 MB`}); it was not used`);
}

/** A local file, only if it is a plain file, read up to `limit` bytes (refused beyond). */
function readLocalFile(path: string, limit: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new ExportFormatError(`cannot find ${path}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ExportFormatError(`${path} is not a plain file`);
    if (st.size > limit) throw tooLarge(path, st.size);
    const buf = new Uint8Array(limit + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw tooLarge(path); // it grew while being read
    }
    return buf.slice(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The body of a response, cut off as soon as it passes `limit` bytes (the rest is never read). */
async function readBodyLimited(res: Response, src: string, limit: number): Promise<Uint8Array> {
  const declared = res.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(src, Number(declared));
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(src);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Bytes of a URL (http, https, file) or a local path, refusing more than 16 MB. */
async function readSource(src: string, fetchImpl: typeof fetch): Promise<Uint8Array> {
  if (!isHttp(src)) {
    let path = src;
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !/^[a-z]:[\\/]/i.test(src)) {
      if (!src.toLowerCase().startsWith("file:")) throw new ExportFormatError(`${src.slice(0, 100)}: only http(s) addresses and local files can be read`);
      path = fileURLToPath(src);
    }
    return readLocalFile(path, MAX_EXPORT_BYTES);
  }
  let res: Response;
  try {
    res = await fetchImpl(src);
  } catch (e) {
    throw new ExportFormatError(`could not reach ${src} (${(e as Error).message}); check the internet connection and try again`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new ExportFormatError(`${src} answered HTTP ${res.status}`);
  }
  return readBodyLimited(res, src, MAX_EXPORT_BYTES);
}

function isListSource(src: string): boolean {
  if (isHttp(src)) return !/\.zip(\?|$)/i.test(src);
  if (src.toLowerCase().endsWith(".json")) return true;
  return false;
}

/** Fetch new export files from `sources` into `cache`. Never throws for one bad file: it is reported. */
export async function fetchKeys(sources: string[], cache: KeyCache, opts: FetchOptions): Promise<FetchResult> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const now = opts.now ?? Date.now;
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
        const parsed = parseListJson(new TextDecoder().decode(await readSource(src, fetchImpl)), base);
        for (const p of parsed.problems) result.problems.push({ source: src, message: p });
        const newest = now() + CREATED_TOLERANCE_MS;
        const entries: ListEntry[] = [];
        for (const e of parsed.entries) {
          const skip = (why: string) => result.problems.push({ source: src, message: `list.json entry ${e.url.slice(0, 100)} skipped: ${why}` });
          // A list that came over the network names only network files (never this computer's).
          if (isHttp(src) && !isHttp(e.url)) skip("a list on the internet may name only http(s) files");
          else if (e.created > newest) skip(`created ${e.created} is in the future (${new Date(Math.min(e.created, 8.64e15)).toISOString()})`);
          else entries.push(e);
        }
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
        const checked = await (opts.checkZip ?? checkExportZip)(zip, opts.trust);
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
