/**
 * The browser's stand-in for the file system the host tools use (their data directory,
 * docs/FORMATS.md "Host data directory"): files held in memory, those under the data folder kept in
 * IndexedDB, so the host modules (host-tools/base/dataDir.ts, sync/syncToken.ts, report/runCheck.ts,
 * ...) run unchanged in the page and in its workers. `node:fs` and `node:fs/promises` are mapped
 * to fs.ts and fsPromises.ts, which call this module.
 *
 * Durability: a write or rename under the data folder resolves only once its IndexedDB
 * transaction has committed, which is what writeFileAtomic's fsync + rename promise means; a
 * rename is one transaction, so a closed tab leaves the old file or the new one, never half.
 * Temporary files (".name.pid.rand.tmp", host-tools/base/atomicFile.ts) live in memory only.
 * Static files of the repository the host code reads beside itself (boards/*.json, the export
 * schema, the default risk configuration) are built into the bundle (scripts/build-web.ts) and
 * mounted read-only under STATIC_ROOT.
 */

/** Where the data directory ($OMAMORI_HOME) lives in the browser. */
export const DATA_ROOT = "/data";
/** Where the repository's own files are mounted (module paths of the bundle are file:///omamori/...). */
export const STATIC_ROOT = "/omamori";

const files = new Map<string, Uint8Array>();
const dirs = new Set<string>(["/"]);
let db: IDBDatabase | null = null;
let dbName = "omamori";

export class FsError extends Error {
  constructor(readonly code: string, syscall: string, readonly path: string) {
    super(`${code}: ${syscall} '${path}'`);
  }
}

export function normalize(p: string): string {
  if (typeof p !== "string") p = String(p);
  const parts: string[] = [];
  for (const s of p.split("/")) {
    if (!s || s === ".") continue;
    if (s === "..") parts.pop();
    else parts.push(s);
  }
  return "/" + parts.join("/");
}

function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function persistent(p: string): boolean {
  return (p === DATA_ROOT || p.startsWith(DATA_ROOT + "/")) && !/\/\.[^/]*\.tmp$/.test(p);
}

function addDirs(p: string): void {
  for (let d = parentOf(p); !dirs.has(d); d = parentOf(d)) dirs.add(d);
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Mounts read-only files under STATIC_ROOT (synchronously: platform/staticMount.ts). */
export function mountStatic(staticFiles: Record<string, Uint8Array | string>): void {
  for (const [p, v] of Object.entries(staticFiles)) {
    const path = normalize(STATIC_ROOT + "/" + p);
    files.set(path, typeof v === "string" ? new TextEncoder().encode(v) : v);
    addDirs(path);
  }
}

/** Opens (or reopens, after another context wrote) the IndexedDB store and loads the data folder. */
export async function mountVfs(o: { name?: string; skip?: (path: string) => boolean } = {}): Promise<void> {
  dbName = o.name ?? dbName;
  if (typeof indexedDB === "undefined") return;
  if (!db) {
    const open = indexedDB.open(dbName, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("files");
    db = await request(open);
  }
  for (const p of [...files.keys()]) if (persistent(p)) files.delete(p);
  const tx = db.transaction("files", "readonly");
  const store = tx.objectStore("files");
  const keys = (await request(store.getAllKeys())) as string[];
  for (const k of keys) {
    if (o.skip && o.skip(k)) continue;
    const v = (await request(store.get(k))) as Uint8Array;
    files.set(k, new Uint8Array(v));
    addDirs(k);
  }
  dirs.add(DATA_ROOT);
}

/** Loads files skipped at mount (e.g. the key cache, which only the check worker needs). */
export async function loadSkipped(want: (path: string) => boolean): Promise<void> {
  if (!db) return;
  const store = db.transaction("files", "readonly").objectStore("files");
  const keys = (await request(store.getAllKeys())) as string[];
  for (const k of keys) {
    if (!want(k) || files.has(k)) continue;
    files.set(k, new Uint8Array((await request(store.get(k))) as Uint8Array));
    addDirs(k);
  }
}

function commit(puts: [string, Uint8Array][], deletes: string[]): Promise<void> {
  const p = puts.filter(([k]) => persistent(k));
  const d = deletes.filter(persistent);
  if (!db || (p.length === 0 && d.length === 0)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const tx = db!.transaction("files", "readwrite");
    const store = tx.objectStore("files");
    for (const k of d) store.delete(k);
    for (const [k, v] of p) store.put(v, k);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted (is the browser's storage full?)"));
  });
}

// ------------------------------------------------------------------ operations

export function exists(p: string): boolean {
  const n = normalize(p);
  return files.has(n) || dirs.has(n);
}

export function isDir(p: string): boolean {
  return dirs.has(normalize(p));
}

export function readBytes(p: string, syscall = "open"): Uint8Array {
  const n = normalize(p);
  const v = files.get(n);
  if (!v) throw new FsError(dirs.has(n) ? "EISDIR" : "ENOENT", syscall, p);
  return v;
}

export function list(p: string): string[] {
  const n = normalize(p);
  if (!dirs.has(n)) throw new FsError(files.has(n) ? "ENOTDIR" : "ENOENT", "scandir", p);
  const prefix = n === "/" ? "/" : n + "/";
  const names = new Set<string>();
  for (const k of [...files.keys(), ...dirs]) {
    if (k.startsWith(prefix) && k.length > prefix.length) names.add(k.slice(prefix.length).split("/")[0]);
  }
  return [...names].sort();
}

function needParent(p: string, syscall: string): void {
  if (!dirs.has(parentOf(p))) throw new FsError("ENOENT", syscall, p);
}

/** Writes a whole file (creating it; `exclusive` fails when it exists). */
export async function write(p: string, data: Uint8Array, exclusive = false): Promise<void> {
  const n = normalize(p);
  needParent(n, "open");
  if (dirs.has(n)) throw new FsError("EISDIR", "open", p);
  if (exclusive && files.has(n)) throw new FsError("EEXIST", "open", p);
  files.set(n, data.slice());
  await commit([[n, files.get(n)!]], []);
}

export function writeTemp(p: string, data: Uint8Array): void {
  files.set(normalize(p), data.slice());
}

export async function mkdir(p: string, recursive: boolean): Promise<void> {
  const n = normalize(p);
  if (files.has(n)) throw new FsError("EEXIST", "mkdir", p);
  if (dirs.has(n)) {
    if (recursive) return;
    throw new FsError("EEXIST", "mkdir", p);
  }
  if (!recursive) needParent(n, "mkdir");
  addDirs(n + "/x");
}

export async function rename(from: string, to: string): Promise<void> {
  const a = normalize(from), b = normalize(to);
  const v = files.get(a);
  if (!v) throw new FsError("ENOENT", "rename", from);
  needParent(b, "rename");
  files.delete(a);
  files.set(b, v);
  await commit([[b, v]], [a]);
}

export async function link(from: string, to: string): Promise<void> {
  const a = normalize(from), b = normalize(to);
  const v = files.get(a);
  if (!v) throw new FsError("ENOENT", "link", from);
  if (files.has(b) || dirs.has(b)) throw new FsError("EEXIST", "link", to);
  files.set(b, v);
  await commit([[b, v]], []);
}

export async function unlink(p: string): Promise<void> {
  const n = normalize(p);
  if (!files.has(n)) throw new FsError(dirs.has(n) ? "EISDIR" : "ENOENT", "unlink", p);
  files.delete(n);
  await commit([], [n]);
}

export async function remove(p: string, recursive: boolean, force: boolean): Promise<void> {
  const n = normalize(p);
  if (files.has(n)) return unlink(n);
  if (!dirs.has(n)) {
    if (force) return;
    throw new FsError("ENOENT", "rm", p);
  }
  if (!recursive) throw new FsError("EISDIR", "rm", p);
  const gone = [...files.keys()].filter((k) => k.startsWith(n + "/"));
  for (const k of gone) files.delete(k);
  for (const d of [...dirs]) if (d === n || d.startsWith(n + "/")) dirs.delete(d);
  await commit([], gone);
}

/** Every file under a folder (paths relative to it), for exports. */
export function filesUnder(p: string): string[] {
  const n = normalize(p) + "/";
  return [...files.keys()].filter((k) => k.startsWith(n)).map((k) => k.slice(n.length)).sort();
}
