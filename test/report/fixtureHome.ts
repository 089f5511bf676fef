/** A temporary data directory with one synced token, a signed export and check.json. */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExportKey } from "../../host-tools/keys/exportFile";
import { publicKeyBase64, signedZip } from "../keys/fixtures";
import { contactEncounters, DAY0, DAY0_ENIN, makeLog, randomTek } from "../match/logBuilder";

export const CHECK_NOW = "2026-11-13T09:00:00Z";

export interface Home {
  root: string;
  home: string;
  keysDir: string;
  logPath: string;
  publicKey: string;
}

/**
 * contact = "risky": a 25-minute close contact (26 min counted) on 2026-11-10 with a key carrying
 * transmission risk level 0 and no report type; "none": the log holds only unrelated identifiers.
 */
export function makeHome(contact: "risky" | "none"): Home {
  const root = mkdtempSync(join(tmpdir(), "omamori-check-"));
  const home = join(root, "home");
  const keysDir = join(root, "keys-in");
  mkdirSync(keysDir, { recursive: true });
  const tek = randomTek();
  const key: ExportKey = { keyData: tek, rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144, transmissionRiskLevel: 0 };
  writeFileSync(join(keysDir, "1.zip"), signedZip([key, { keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 }]));
  const logTek = contact === "risky" ? tek : randomTek();
  const log = makeLog(contactEncounters(logTek, DAY0 + 36000, 25, -58), "puckjs");
  const logPath = join(root, "log.json");
  writeFileSync(logPath, JSON.stringify(log));
  const tokenDir = join(home, "tokens", "grandma");
  mkdirSync(tokenDir, { recursive: true });
  writeFileSync(join(tokenDir, "log.json"), JSON.stringify(log));
  writeFileSync(join(tokenDir, "token.json"), JSON.stringify({ tokenId: "grandma", secret: "11".repeat(32), pairedAt: "2026-10-01T00:00:00Z", board: "puckjs" }));
  writeFileSync(join(tokenDir, "sync-state.json"), JSON.stringify({ cursor: 1, lastSyncAt: "2026-11-13T00:00:00Z", status: { batteryPercent: 80, firstDay: DAY0 / 86400 - 9, storageUsedBytes: 100, storageFreeBytes: 300, paused: false } }));
  writeFileSync(join(home, "check.json"), JSON.stringify({
    keySources: [keysDir],
    publicKeys: [{ keyId: "440", keyVersion: "v1", publicKey: publicKeyBase64() }],
    contacts: [{ name: "Minato Health Centre", phone: "03-1234-5678", hours: "9:00-17:00" }],
  }));
  return { root, home, keysDir, logPath, publicKey: publicKeyBase64() };
}
