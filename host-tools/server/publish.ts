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
 * Files are written inside the database transaction: if anything fails, the transaction rolls
 * back, this run's files are deleted, and the keys stay unpublished for the next run.
 */
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

/** Path of list.json relative to the static root, e.g. "c19r/440/list.json". */
export function listJsonPath(region: string): string {
  return `${CONTAINER}/${region}/list.json`;
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
 * Writes through a uniquely named hidden temporary file and a rename, so a reader (or the CDN sync)
 * sees the old file or the new one, never half of one. Synchronous: it runs inside the database
 * transaction. (host-tools/sync/atomicFile.ts is the async, owner-only variant; published files
 * must stay world-readable.)
 */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, bytes, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** list.json for the files the database lists; written inside the transaction so writers never interleave. */
function writeList(db: Db, dir: string, region: string, publicUrl: string): string {
  const listed = db.prepare("SELECT batch, created_ms FROM export_files ORDER BY batch").all() as { batch: number; created_ms: number }[];
  const list: ListEntry[] = listed.map((f) => ({ region, url: fileUrl(publicUrl, region, f.batch), created: f.created_ms }));
  const listPath = join(dir, "list.json");
  writeAtomically(listPath, JSON.stringify(list));
  return listPath;
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
  mkdirSync(dir, { recursive: true });
  const signing = { keyId: data.settings.keyId, keyVersion: data.settings.keyVersion };
  const written: string[] = [];

  const run = db.transaction(() => {
    // Clean-up first: nothing older than 14 days is kept or published.
    const oldFiles = db.prepare("SELECT batch FROM export_files WHERE created_ms <= ?").all(nowMs - FILE_RETENTION_DAYS * MS_PER_DAY) as { batch: number }[];
    db.prepare("DELETE FROM export_files WHERE created_ms <= ?").run(nowMs - FILE_RETENTION_DAYS * MS_PER_DAY);
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
        const zip = writeExportZip(bin, signExport(bin, data.signingKey, signing));
        const path = join(dir, `${batch}.zip`);
        writeAtomically(path, zip);
        written.push(path);
        for (const k of chunk) markKey.run(batch, k.id);
        files.push({ batch, day, keys: chunk.length, path, url: fileUrl(publicUrl, region, batch) });
      }
    }
    const keysWaiting = (db.prepare("SELECT COUNT(*) AS n FROM diagnosis_keys WHERE file_batch IS NULL").get() as { n: number }).n;
    const listPath = writeList(db, dir, region, publicUrl);
    return { files, keysWaiting, keysRemoved, oldFiles, listPath, keysPublished: due.length };
  });

  let r: ReturnType<typeof run>;
  try {
    r = run.immediate();
  } catch (e) {
    for (const p of written) rmSync(p, { force: true });
    try {
      writeList(db, dir, region, publicUrl); // back to what the database holds
    } catch {
      // the original error says more
    }
    throw e;
  }
  // Old files leave the list first (above), then the disk.
  for (const f of r.oldFiles) rmSync(join(dir, `${f.batch}.zip`), { force: true });
  const listPath = r.listPath;
  return {
    files: r.files,
    keysPublished: r.keysPublished,
    keysWaiting: r.keysWaiting,
    filesRemoved: r.oldFiles.length,
    keysRemoved: r.keysRemoved,
    listPath,
  };
}
