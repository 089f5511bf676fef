/**
 * The server database (SQLite through better-sqlite3), created on first open.
 *
 * It holds only what the service needs and nothing about the people who use it:
 *   processing_numbers  HMAC of each unused number and when it expires (deleted when used)
 *   submissions         HMAC(idempotency key + number) -> the answer, so a retry gets the same answer
 *   diagnosis_keys      the uploaded daily keys; no submission id, no address, no time of upload
 *   export_files        the published files (batch number = file name) with their zip bytes,
 *                       recorded before the file is written (publish.ts: commit, then write)
 */
import Database from "better-sqlite3";

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS processing_numbers (
  hash        BLOB PRIMARY KEY,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS submissions (
  token       BLOB PRIMARY KEY,
  response    TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS diagnosis_keys (
  key_data           BLOB NOT NULL,
  rolling_start      INTEGER NOT NULL,
  rolling_period     INTEGER NOT NULL,
  report_type        INTEGER NOT NULL,
  transmission_risk  INTEGER NOT NULL,
  days_since_onset   INTEGER NOT NULL,
  publish_after      INTEGER NOT NULL,
  file_batch         INTEGER,
  PRIMARY KEY (key_data, rolling_start)
);
CREATE INDEX IF NOT EXISTS diagnosis_keys_unpublished ON diagnosis_keys (file_batch, publish_after);
CREATE TABLE IF NOT EXISTS export_files (
  batch       INTEGER PRIMARY KEY AUTOINCREMENT,
  day         INTEGER NOT NULL,
  created_ms  INTEGER NOT NULL,
  key_count   INTEGER NOT NULL,
  zip         BLOB
);
`;

/** Opens (creating if needed) the database file. WAL lets `publish` run beside `serve`. */
export function openStore(path: string): Db {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = NORMAL");
  db.exec(SCHEMA);
  // Databases made before the zip bytes were recorded get the column (their rows keep NULL).
  const columns = db.prepare("SELECT name FROM pragma_table_info('export_files')").all() as { name: string }[];
  if (!columns.some((c) => c.name === "zip")) db.exec("ALTER TABLE export_files ADD COLUMN zip BLOB");
  return db;
}
