/**
 * Daily keys read from the token for a positive registration, kept on the host until the server
 * has accepted them (docs/spec/cocoa-promises.md "Registering as positive": a wrong number or an unreachable server
 * must not make the owner press the token again, and must not lose the keys):
 *
 *   $OMAMORI_HOME/positive/pending-<tokenId>.json   mode 0600, folder 0700
 *   { "format": "omamori-pending-keys", "version": 1, "tokenId", "readAt": ISO time,
 *     "keys": [{ "keyData": hex (16 bytes), "rollingStartNumber", "rollingPeriod" }] }
 *
 * Only what would be uploaded anyway (the keys and their validity), nothing else. The file is
 * written atomically and deleted as soon as the server has accepted the keys.
 */
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { fromHex, toHex } from "../../common/bytes";
import { readJsonFile, writeFileAtomic } from "../base/atomicFile";
import { checkTokenId } from "../base/dataDir";

export interface PendingKey {
  keyData: Uint8Array;
  rollingStartNumber: number;
  rollingPeriod: number;
}

export interface PendingKeys {
  tokenId: string;
  readAt: string;
  keys: PendingKey[];
}

const PENDING_FORMAT = "omamori-pending-keys";

export function pendingPath(home: string, tokenId: string): string {
  return join(home, "positive", "pending-" + checkTokenId(tokenId) + ".json");
}

export async function savePending(home: string, p: PendingKeys): Promise<string> {
  const path = pendingPath(home, p.tokenId);
  const doc = {
    format: PENDING_FORMAT,
    version: 1,
    tokenId: p.tokenId,
    readAt: p.readAt,
    keys: p.keys.map((k) => ({ keyData: toHex(k.keyData), rollingStartNumber: k.rollingStartNumber, rollingPeriod: k.rollingPeriod })),
  };
  await writeFileAtomic(path, JSON.stringify(doc, null, 1) + "\n", 0o600);
  return path;
}

/** The kept keys of a token, or null when none are waiting. A damaged file is an error (never silently dropped). */
export async function loadPending(home: string, tokenId: string): Promise<PendingKeys | null> {
  const path = pendingPath(home, tokenId);
  const d = (await readJsonFile(path)) as any;
  if (d === null) return null;
  if (!d || d.format !== PENDING_FORMAT || d.version !== 1 || !Array.isArray(d.keys)) throw new TypeError(path + " is not an omamori-pending-keys v1 file");
  const keys = d.keys.map((k: any, i: number): PendingKey => {
    if (!k || typeof k.keyData !== "string" || !/^[0-9a-f]{32}$/.test(k.keyData)) throw new TypeError(path + ": keys[" + i + "].keyData must be 32 hex digits");
    if (!Number.isInteger(k.rollingStartNumber) || k.rollingStartNumber < 0) throw new TypeError(path + ": keys[" + i + "].rollingStartNumber must be a whole number");
    if (!Number.isInteger(k.rollingPeriod) || k.rollingPeriod < 1 || k.rollingPeriod > 144) throw new TypeError(path + ": keys[" + i + "].rollingPeriod must be 1..144");
    return { keyData: fromHex(k.keyData), rollingStartNumber: k.rollingStartNumber, rollingPeriod: k.rollingPeriod };
  });
  return { tokenId: String(d.tokenId), readAt: String(d.readAt), keys };
}

export async function deletePending(home: string, tokenId: string): Promise<void> {
  await unlink(pendingPath(home, tokenId)).catch((e) => {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  });
}
