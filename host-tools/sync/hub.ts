/**
 * Home hub (docs/SECURITY.md, docs/FORMATS.md "Flow of one sync"): a computer at home listens for the
 * private sync beacons of its paired tokens (tokens with `omamori token hub --every MIN`) and syncs
 * each one when it shows up, with nobody pressing anything. A beacon is recognised only with the
 * token's secret (FORMATS.md "Sync advert"). A token synced less than COOLDOWN_MS ago is left alone
 * (its window may still be open after the sync).
 */
import { beaconTag, Adv } from "../../common/formats/syncMessages";
import { bytesEqual } from "../../common/bytes";
import { hostPrimitives } from "./primitives";
import { SyncError } from "./errors";
import { say } from "../base/language";
import { syncToken, type SyncReport } from "./syncToken";
import type { DataDir, TokenRecord } from "../base/dataDir";
import type { SyncTransport } from "./transport";

const COOLDOWN_MS = 60_000;

export interface HubOptions {
  transport: SyncTransport;
  data: DataDir;
  /** Tokens to serve (default: every paired token). */
  tokenIds?: string[];
  /** Listening rounds before returning (default: forever). */
  rounds?: number;
  /** How long one round listens (ms, default 10 minutes). */
  listenMs?: number;
  now?: () => number;
  onSync?: (report: SyncReport) => void;
  onWarning?: (message: string) => void;
  /** Runs each sync (e.g. holding the data-folder lock, host-tools/base/lock.ts); default: just runs it. */
  around?: <T>(body: () => Promise<T>) => Promise<T>;
}

/** Serves the tokens' hub beacons; returns the reports of the syncs it made. */
export async function runHub(o: HubOptions): Promise<SyncReport[]> {
  const now = o.now ?? Date.now;
  const ids = o.tokenIds ?? (await o.data.tokenIds());
  const tokens: TokenRecord[] = [];
  for (const id of ids) {
    tokens.push(await o.data.loadTokenRecovering(id, new Date(now()), (k) => o.onWarning?.(say(
      `${id}: the pairing record was damaged, but its secret could still be read (the damaged file was kept as ${k.keptAs})`,
      `${id}: ペアリングの記録が壊れていましたが、秘密の鍵は読み取れました（壊れたファイルは ${k.keptAs} として残しました）`,
    ))));
  }
  const lastSync: Record<string, number> = {};
  const reports: SyncReport[] = [];
  for (let round = 0; o.rounds === undefined || round < o.rounds; round++) {
    let which: TokenRecord | null = null;
    await o.transport.scan((a) => {
      if (a.flags & Adv.FRESH) return false;
      for (const t of tokens) {
        if (now() - (lastSync[t.tokenId] ?? -Infinity) < COOLDOWN_MS) continue;
        if (bytesEqual(beaconTag(hostPrimitives, t.secret, a.nonce), a.tag)) {
          which = t;
          return true;
        }
      }
      return false;
    }, o.listenMs ?? 600_000);
    const t = which as TokenRecord | null;
    if (!t) continue;
    try {
      const run = () => syncToken({ transport: o.transport, data: o.data, tokenId: t.tokenId, now, scanTimeoutMs: 10_000, onWarning: o.onWarning });
      const report = await (o.around ? o.around(run) : run());
      reports.push(report);
      o.onSync?.(report);
    } catch (e) {
      if (!(e instanceof SyncError)) throw e;
      o.onWarning?.(t.tokenId + ": " + e.message);
    }
    lastSync[t.tokenId] = now();
  }
  return reports;
}
