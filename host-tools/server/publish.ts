/**
 * Publishing (docs/spec/gaen-protocol.md section 5 "What a key server must do",
 * section 6 "COCOA's specifics"): turns stored keys into
 * signed export zips and COCOA's list.json in a static directory any web server or CDN can serve.
 *
 *   - a key is published only once its validity ended plus 2 hours (publish_after <= now);
 *   - keys are grouped by the UTC day they belong to (one group per rolling-start day), shuffled
 *     with the crypto RNG (no upload order leaks), and split into files of at most
 *     maxKeysPerFile keys (batch_num i of batch_size n within the day's group);
 *   - each file is <batch>.zip (export.bin + export.sig via host-tools/keys/exportFile.ts), with
 *     start/end timestamps = that UTC day, as COCOA did;
 *   - list.json = [{region, url, created (Unix ms)}] for every file still kept (the ListEntry of
 *     host-tools/keys/listJson.ts, which reads it);
 *   - files older than 14 days, keys older than 14 days, expired numbers and old idempotency
 *     answers are removed.
 *
 * Crash safety: a file number is never reused with different content, whenever `publish` is
 * killed (a CDN caches each zip for a day; a number served twice with different keys would hide
 * keys). The order is commit-then-write:
 *   1. one database transaction chooses the keys, shuffles, signs, and records each file WITH its
 *      zip bytes (export_files.zip) and marks its keys; nothing is on disk yet;
 *   2. after the commit, `materialize` writes every recorded file that is missing on disk (fsync,
 *      rename: a file appears whole or not at all), then list.json, then removes expired files.
 * Killed before the commit: nothing was written, the numbers were never shown to anyone, the keys
 * wait for the next run. Killed after it: the next `publish` (and every server start) finishes
 * step 2 with the very bytes recorded in step 1. A zip on disk that the database does not know
 * (left by an older version that wrote before committing) is never overwritten: its number is
 * burnt (the next file gets a higher one) and the stray file is removed.
 */
import { randomBytes, randomInt } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { dayFromEnin, TEK_ROLLING_PERIOD } from "../../common/gaen/interval";
import { encodeExportBin, signatureInfoFor, signExport, writeExportZip, type ExportKey } from "../keys/exportFile";
import type { ListEntry } from "../keys/listJson";
import { checkPublicUrl, DataDirError, type DataDir } from "./dataDir";
import { forgetOldAnswers } from "./registration";
import { CONTAINER, FILE_RETENTION_DAYS, KEY_RETENTION_DAYS, MS_PER_DAY } from "./settings";
import type { Db } from "./store";

export type { ListEntry };

export interface PublishOptions {
  nowMs: number;
  /** Base URL in front of /c19r/440/<n>.zip; defaults to the data directory's publicUrl. */
  publicUrl?: string;
  /** Defaults to the data directory's maxKeysPerFile. */
  maxKeysPerFile?: number;
}

export interface PublishedFile {
  batch: number;
  /** UTC day (days since 1970-01-01) the keys belong to. */
  day: number;
  keys: number;
  path: string;
  url: string;
}

export interface PublishResult {
  files: PublishedFile[];
  keysPublished: number;
  /** Stored keys still waiting for their embargo to end. */
  keysWaiting: number;
  filesRemoved: number;
  keysRemoved: number;
  listPath: string;
}


/** Folder of the region's exports inside the static directory: public/c19r/440. */
export function regionDir(data: DataDir): string {
  return join(data.publicDir, CONTAINER, data.settings.region);
}

/** Writes an empty list.json when none exists yet, so clients get [] rather than "not found". */
export function ensureListJson(data: DataDir): void {
  const dir = regionDir(data);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "list.json"))) writeAtomically(join(dir, "list.json"), "[]");
}

function fileUrl(publicUrl: string, region: string, batch: number): string {
  return `${publicUrl.replace(/\/+$/, "")}/${CONTAINER}/${region}/${batch}.zip`;
}

/** Fisher-Yates with the crypto RNG. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/**
 * Writes through a uniquely named hidden temporary file, flushed to disk, and a rename, so a reader
 * (or the CDN sync) sees the old file or the new one, never half of one, even after a power cut.
 * (host-tools/base/atomicFile.ts is the async, owner-only variant; published files must stay
 * world-readable.)
 */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      for (let o = 0; o < data.length; ) o += writeSync(fd, data, o, data.length - o);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dirname(path));
}

/** Flushes a directory entry (the rename) to disk; not possible on every platform, harmless there. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** list.json for the files the database lists (only called once they are all on disk). */
function writeList(db: Db, dir: string, region: string, publicUrl: string): string {
  const listed = db.prepare("SELECT batch, created_ms FROM export_files ORDER BY batch").all() as { batch: number; created_ms: number }[];
  const list: ListEntry[] = listed.map((f) => ({ region, url: fileUrl(publicUrl, region, f.batch), created: f.created_ms }));
  const listPath = join(dir, "list.json");
  writeAtomically(listPath, JSON.stringify(list));
  return listPath;
}

const ZIP_NAME = /^(\d{1,15})\.zip$/;

/** Batch numbers of the zips in the folder; removes a killed writer's temporary files. */
function zipsOnDisk(dir: string): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const m = ZIP_NAME.exec(entry.name);
    if (m && entry.isFile()) found.add(Number(m[1]));
    else if (entry.isFile() && entry.name.startsWith(".") && entry.name.endsWith(".tmp")) rmSync(join(dir, entry.name), { force: true });
  }
  return found;
}

/**
 * Every number seen on disk counts as used: AUTOINCREMENT must hand out higher ones only (an older
 * version wrote files before committing; a rolled-back run left a file whose number the database
 * would otherwise hand out again, with other keys). Runs inside the caller's transaction.
 */
function burnNumbers(db: Db, onDisk: Set<number>): void {
  const highest = Math.max(0, ...onDisk);
  if (highest === 0) return;
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'export_files'").get() as { seq: number } | undefined;
  if (seq === undefined) db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('export_files', ?)").run(highest);
  else if (seq.seq < highest) db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'export_files'").run(highest);
}

export interface MaterializeResult {
  /** Files written now (recorded earlier, missing on disk). */
  written: number[];
  /** Zips on disk that the database does not list (expired, or strays), removed. */
  removed: number[];
  listPath: string;
}

/**
 * Brings the published folder in line with the database: burns the numbers of stray zips (so they
 * are never reused), writes every recorded file that is missing, then list.json, then removes zips
 * the database no longer lists. Runs under the database's write lock, so two publishers never
 * interleave their list.json. Idempotent; `publish` ends with it and the server runs it at start.
 */
export function materialize(data: DataDir, db: Db, publicUrl: string): MaterializeResult {
  checkPublicUrl(publicUrl);
  const region = data.settings.region;
  const dir = regionDir(data);
  mkdirSync(dir, { recursive: true });
  const run = db.transaction((): MaterializeResult => {
    const onDisk = zipsOnDisk(dir);
    burnNumbers(db, onDisk);
    const rows = db.prepare("SELECT batch, zip FROM export_files ORDER BY batch").all() as { batch: number; zip: Buffer | null }[];
    const written: number[] = [];
    for (const r of rows) {
      const path = join(dir, `${r.batch}.zip`);
      // Present = complete (written whole, flushed, then renamed) and never rewritten.
      if (r.zip === null || onDisk.has(r.batch)) continue; // null: recorded by an older version, which wrote its file itself
      writeAtomically(path, r.zip);
      written.push(r.batch);
    }
    const listPath = writeList(db, dir, region, publicUrl);
    // Old files leave the list first (above), then the disk.
    const listed = new Set(rows.map((r) => r.batch));
    const removed: number[] = [];
    for (const n of onDisk.keys()) {
      if (listed.has(n)) continue;
      rmSync(join(dir, `${n}.zip`), { force: true });
      removed.push(n);
    }
    return { written, removed, listPath };
  });
  return run.immediate();
}

interface KeyRow {
  id: number;
  key_data: Buffer;
  rolling_start: number;
  rolling_period: number;
  report_type: number;
  transmission_risk: number;
  days_since_onset: number;
}

/** Publishes what is due at `nowMs` and rewrites list.json. */
export function publish(data: DataDir, db: Db, options: PublishOptions): PublishResult {
  const nowMs = options.nowMs;
  if (!Number.isFinite(nowMs)) throw new TypeError(`nowMs must be a number of milliseconds, got ${nowMs}`);
  const publicUrl = options.publicUrl ?? data.settings.publicUrl;
  if (publicUrl === undefined) {
    throw new DataDirError("no public URL to write into list.json: give --public-url, or set it with init --public-url");
  }
  checkPublicUrl(publicUrl);
  const maxKeys = options.maxKeysPerFile ?? data.settings.maxKeysPerFile;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeysPerFile must be a whole number of at least 1, got ${maxKeys}`);
  const region = data.settings.region;
  const dir = regionDir(data);
  ensureListJson(data);
  const signing = { keyId: data.settings.keyId, keyVersion: data.settings.keyVersion };

  // Step 1: decide everything in one transaction, zip bytes included; nothing is written to disk.
  const run = db.transaction(() => {
    burnNumbers(db, zipsOnDisk(dir));
    // Clean-up first: nothing older than 14 days is kept or published.
    const filesRemoved = db.prepare("DELETE FROM export_files WHERE created_ms <= ?").run(nowMs - FILE_RETENTION_DAYS * MS_PER_DAY).changes;
    const today = Math.floor(nowMs / MS_PER_DAY);
    const keysRemoved = db.prepare("DELETE FROM diagnosis_keys WHERE rolling_start < ?").run((today - KEY_RETENTION_DAYS) * TEK_ROLLING_PERIOD).changes;
    db.prepare("DELETE FROM processing_numbers WHERE expires_at <= ?").run(nowMs);
    forgetOldAnswers(db, nowMs);

    const due = db
      .prepare(
        `SELECT rowid AS id, key_data, rolling_start, rolling_period, report_type, transmission_risk, days_since_onset
           FROM diagnosis_keys WHERE file_batch IS NULL AND publish_after <= ? ORDER BY rolling_start`,
      )
      .all(nowMs) as KeyRow[];
    const byDay = new Map<number, KeyRow[]>();
    for (const k of due) {
      const day = dayFromEnin(k.rolling_start);
      const list = byDay.get(day);
      if (list) list.push(k);
      else byDay.set(day, [k]);
    }
    const insertFile = db.prepare("INSERT INTO export_files (day, created_ms, key_count) VALUES (?, ?, ?)");
    const storeZip = db.prepare("UPDATE export_files SET zip = ? WHERE batch = ?");
    const markKey = db.prepare("UPDATE diagnosis_keys SET file_batch = ? WHERE rowid = ?");
    const files: PublishedFile[] = [];
    for (const [day, keys] of byDay) {
      shuffle(keys);
      const batchSize = Math.ceil(keys.length / maxKeys);
      for (let i = 0; i < batchSize; i++) {
        const chunk = keys.slice(i * maxKeys, (i + 1) * maxKeys);
        const batch = Number(insertFile.run(day, nowMs, chunk.length).lastInsertRowid);
        const bin = encodeExportBin({
          startTimestamp: day * 86_400,
          endTimestamp: (day + 1) * 86_400,
          region,
          batchNum: i + 1,
          batchSize,
          signatureInfos: [signatureInfoFor(signing)],
          keys: chunk.map(
            (k): ExportKey => ({
              keyData: new Uint8Array(k.key_data),
              transmissionRiskLevel: k.transmission_risk,
              rollingStartIntervalNumber: k.rolling_start,
              rollingPeriod: k.rolling_period,
              reportType: k.report_type,
              daysSinceOnsetOfSymptoms: k.days_since_onset,
            }),
          ),
          revisedKeys: [],
        });
        storeZip.run(Buffer.from(writeExportZip(bin, signExport(bin, data.signingKey, signing))), batch);
        for (const k of chunk) markKey.run(batch, k.id);
        files.push({ batch, day, keys: chunk.length, path: join(dir, `${batch}.zip`), url: fileUrl(publicUrl, region, batch) });
      }
    }
    const keysWaiting = (db.prepare("SELECT COUNT(*) AS n FROM diagnosis_keys WHERE file_batch IS NULL").get() as { n: number }).n;
    return { files, keysWaiting, keysRemoved, filesRemoved, keysPublished: due.length };
  });
  const r = run.immediate();
  // Step 2: the files, list.json, and the removal of expired files.
  const m = materialize(data, db, publicUrl);
  return {
    files: r.files,
    keysPublished: r.keysPublished,
    keysWaiting: r.keysWaiting,
    filesRemoved: r.filesRemoved,
    keysRemoved: r.keysRemoved,
    listPath: m.listPath,
  };
}
