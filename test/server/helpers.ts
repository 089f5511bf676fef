/** Fixtures for the server tests: a fresh data directory, a fixed clock, COCOA v3 bodies. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initDataDir, type DataDir } from "../../host-tools/server/dataDir";
import { openStore, type Db } from "../../host-tools/server/store";
import type { DiagnosisSubmission, SubmittedKey } from "../../host-tools/server/submission";

export const MS_PER_DAY = 86_400_000;
/** 2026-11-20 12:00 UTC. */
export const NOON = Date.UTC(2026, 10, 20, 12, 0, 0);
export const TODAY = Math.floor(NOON / MS_PER_DAY);

/** "YYYY-MM-DD" of a UTC day number. */
export function dateOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function key(day: number, overrides: Partial<SubmittedKey> = {}): SubmittedKey {
  return { keyData: randomBytes(16).toString("base64"), rollingStartNumber: day * 144, rollingPeriod: 144, reportType: 1, ...overrides };
}

/** A valid body: keys for the 6 days up to `today`, symptoms began 2 days before `today`. */
export function body(number: string, today = TODAY, overrides: Partial<DiagnosisSubmission> = {}): DiagnosisSubmission {
  return {
    hasSymptom: true,
    onsetOfSymptomOrTestDate: `${dateOf(today - 2)}T00:00:00.000+00:00`,
    keys: [0, 1, 2, 3, 4, 5].map((d) => key(today - d)),
    regions: ["440"],
    platform: "omamori",
    deviceVerificationPayload: "none",
    appPackageName: "jp.omamori.host",
    verificationPayload: number,
    idempotency_key: randomBytes(8).toString("hex"),
    padding: randomBytes(900).toString("base64"),
    ...overrides,
  };
}

export interface TempServerDir {
  data: DataDir;
  db: Db;
  cleanup(): void;
}

/** A new data directory in the temp folder, with its database open. */
export function tempDataDir(options: { publicUrl?: string; maxKeysPerFile?: number } = {}): TempServerDir {
  const dir = mkdtempSync(join(tmpdir(), "omamori-server-test-"));
  const { dataDir } = initDataDir(dir, { publicUrl: "publicUrl" in options ? options.publicUrl : "https://cdn.example.jp", maxKeysPerFile: options.maxKeysPerFile });
  const db = openStore(dataDir.databasePath);
  return {
    data: dataDir,
    db,
    cleanup() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A mutable clock for servers under test. */
export function manualClock(start: number): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}
