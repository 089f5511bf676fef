/**
 * The diagnosis-key cache in the host data directory (docs/MATCHING.md "Key cache"):
 *
 *   $OMAMORI_HOME/keys/
 *     files/<sha256>.zip   verified export zips, named by the SHA-256 of their bytes
 *     files/<sha256>.keys  their keys, decoded once, in flat form (keyRecords.ts)
 *     index.json           { version: 1, files: [...], sources: { <list url>: { lastCreated } },
 *                            lastCheckedAt }
 *     store.bin            every cached key merged, ready to match (keyStore.ts)
 *
 * A file enters the cache only after it unzipped, decoded and verified; the zip and its keys are
 * written first, the index last (all atomically, host-tools/base/atomicFile.ts), so a crash or a
 * bad file never leaves a half entry. Decoding a cached zip again re-checks its SHA-256; a
 * missing or damaged .keys file is made again from its zip. Files whose keys are older than 15
 * days are pruned.
 */
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../base/atomicFile";
import { decodeExportBin, ExportFormatError, readExportZip, type ExportContent } from "./exportFile";
import { readExportKeys } from "./exportKeys";
import { decodeKeyRecords, encodeKeyRecords, type KeyRecords } from "./keyRecords";
import { sha256Hex, type CheckedExport } from "./readExport";

export interface CachedFile {
  sha256: string;
  /** Where it came from (URL or local path). */
  source: string;
  region: string;
  /** list.json created (Unix ms), when it came from an index. */
  created?: number;
  startTimestamp: number;
  endTimestamp: number;
  keys: number;
  /** Whether its signature verified (false only when unsigned files were allowed). */
  signatureValid: boolean;
  /** ISO time it was added. */
  addedAt: string;
}

export interface CacheIndex {
  version: 1;
  files: CachedFile[];
  /** Per list.json URL: the newest `created` processed (COCOA's lastProcessTimestamp). */
  sources: Record<string, { lastCreated: number }>;
  /** ISO time of the last successful key update. */
  lastCheckedAt: string | null;
}

/** Keys older than this many days are no use to a 14-day log. */
export const CACHE_DAYS = 15;

export class KeyCache {
  readonly dir: string;
  index: CacheIndex;

  constructor(home: string) {
    this.dir = join(home, "keys");
    this.index = this.readIndex();
  }

  private get indexPath(): string {
    return join(this.dir, "index.json");
  }

  filePath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError("sha256 must be 64 lowercase hex digits");
    return join(this.dir, "files", sha256 + ".zip");
  }

  /** The flat keys of a cached file (keyRecords.ts). */
  recordsPath(sha256: string): string {
    return this.filePath(sha256).replace(/\.zip$/, ".keys");
  }

  private readIndex(): CacheIndex {
    let text: string;
    try {
      text = readFileSync(this.indexPath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, files: [], sources: {}, lastCheckedAt: null };
      throw e;
    }
    try {
      const o = JSON.parse(text);
      if (o.version !== 1 || !Array.isArray(o.files) || typeof o.sources !== "object") throw new Error("unexpected content");
      return o as CacheIndex;
    } catch (e) {
      throw new ExportFormatError(`the key cache index ${this.indexPath} is damaged (${(e as Error).message}); delete the folder ${this.dir} to start afresh`);
    }
  }

  has(sha256: string): boolean {
    return this.index.files.some((f) => f.sha256 === sha256);
  }

  /** Adds a checked export (zip written first, then the index). Returns false if it was already cached. */
  async add(zip: Uint8Array, checked: CheckedExport, meta: { source: string; created?: number }): Promise<boolean> {
    if (this.has(checked.sha256)) return false;
    await writeFileAtomic(this.filePath(checked.sha256), zip);
    await writeFileAtomic(this.recordsPath(checked.sha256), encodeKeyRecords(checked.records));
    const c = checked.header;
    const entry: CachedFile = {
      sha256: checked.sha256,
      source: meta.source,
      region: c.region,
      startTimestamp: c.startTimestamp,
      endTimestamp: c.endTimestamp,
      keys: checked.records.read,
      signatureValid: checked.verify.valid,
      addedAt: new Date().toISOString(),
    };
    if (meta.created !== undefined) entry.created = meta.created;
    this.index.files.push(entry);
    await this.save();
    return true;
  }

  setLastCreated(listUrl: string, created: number): void {
    this.index.sources[listUrl] = { lastCreated: created };
  }

  lastCreated(listUrl: string): number {
    return this.index.sources[listUrl]?.lastCreated ?? -1;
  }

  async markChecked(when: Date): Promise<void> {
    this.index.lastCheckedAt = when.toISOString();
    await this.save();
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.indexPath, JSON.stringify(this.index, null, 1) + "\n");
  }

  /** Remove files whose keys ended more than CACHE_DAYS days before now. */
  async prune(nowSeconds: number): Promise<number> {
    const limit = nowSeconds - CACHE_DAYS * 86400;
    const old = this.index.files.filter((f) => f.endTimestamp > 0 && f.endTimestamp < limit);
    if (old.length === 0) return 0;
    this.index.files = this.index.files.filter((f) => !old.includes(f));
    await this.save();
    for (const f of old) {
      await rm(this.filePath(f.sha256), { force: true });
      await rm(this.recordsPath(f.sha256), { force: true });
    }
    return old.length;
  }

  /** Cached files, oldest first (by list.json created, then when added). */
  orderedFiles(): CachedFile[] {
    return this.index.files.slice().sort((a, b) => (a.created ?? 0) - (b.created ?? 0) || a.addedAt.localeCompare(b.addedAt));
  }

  /** The zip of a cached file, after re-checking its SHA-256. */
  private zip(file: CachedFile): Uint8Array {
    const zip = new Uint8Array(readFileSync(this.filePath(file.sha256)));
    if (sha256Hex(zip) !== file.sha256) {
      throw new ExportFormatError(`the cached file ${this.filePath(file.sha256)} was changed on disk; delete it and check again`);
    }
    return zip;
  }

  /** Decoded content of one cached file, after re-checking its SHA-256. */
  content(file: CachedFile): ExportContent {
    return decodeExportBin(readExportZip(this.zip(file)).bin);
  }

  /**
   * The keys of one cached file in flat form: its .keys file, or, when that is missing or damaged,
   * decoded again from the zip (SHA-256 re-checked) and written back.
   */
  async records(file: CachedFile): Promise<KeyRecords> {
    const path = this.recordsPath(file.sha256);
    try {
      return decodeKeyRecords(new Uint8Array(readFileSync(path)), path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && !(e instanceof ExportFormatError)) throw e;
    }
    const records = readExportKeys(readExportZip(this.zip(file)).bin).records;
    await writeFileAtomic(path, encodeKeyRecords(records));
    return records;
  }

  /** Decoded content of every cached file, oldest first. */
  contents(): { file: CachedFile; content: ExportContent }[] {
    return this.orderedFiles().map((file) => ({ file, content: this.content(file) }));
  }

  /** Digest over the cached files (changes whenever a file is added or pruned). */
  digest(): string {
    return sha256Hex(new TextEncoder().encode(this.index.files.map((f) => f.sha256).sort().join(",")));
  }
}
