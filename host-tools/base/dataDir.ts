/**
 * The host's data directory for tokens (docs/FORMATS.md "Host data directory"):
 *
 *   $OMAMORI_HOME (default ~/.omamori)/
 *     tokens/<tokenId>/
 *       token.json        pairing: { tokenId, secret (hex, 32 bytes), pairedAt, board, transport } mode 0600
 *       log.json          the synced log, LOG INTERCHANGE FORMAT (logStore.ts)
 *       sync-state.json   { cursor, lastSyncAt, driftSeconds, status, history }: where the next sync
 *                         resumes, and what each sync saw (the days the log covers, report/coverage.ts)
 *       alert-pending.*   left by `omamori check` (docs/MATCHING.md): set the alert at the next sync
 *
 * Every write is atomic (atomicFile.ts). The folder and files are private to the user (0700/0600):
 * token.json holds the shared secret. A damaged file is reported as a DamagedFileError naming it;
 * the sync keeps it aside and rebuilds it from the token (syncToken.ts), never deleting it.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readdir, unlink, stat } from "node:fs/promises";
import { fromHex, toHex } from "../../common/bytes";
import { type StatusBody, Size } from "../../common/formats/syncMessages";
import { readFile } from "node:fs/promises";
import { DamagedFileError, keepAside, readJsonFile, writeFileAtomic } from "./atomicFile";
import { say } from "./language";

export interface TokenRecord {
  tokenId: string;
  secret: Uint8Array;
  pairedAt: string;
  board: string;
}

/** What one completed sync saw of the token: enough to tell which days its log covers. */
export interface SyncEvent {
  /** ISO time the sync completed. */
  at: string;
  /** The token's clock was valid when the sync began (false: it had lost power and was not recording). */
  clockValid: boolean;
  /** The token was paused (not recording) when the sync began. */
  paused: boolean;
  /** The token's count of records it had to overwrite because its memory was full. */
  recordsDropped: number;
  /** UTC day number the token started recording, -1 unknown. */
  firstDay: number;
  /** Earliest scan time (Unix seconds) read in this sync, null when nothing new was read. */
  firstRecordAt: number | null;
  /** The whole log was read from the start (first sync, or a rebuild after damage). */
  fullRead: boolean;
}

/** Sync events kept (two months of daily syncs; coverage needs only the last 14 days). */
const SYNC_HISTORY_MAX = 60;

export interface SyncState {
  /** Opaque log cursor to ask for next (the token's SyncHost.readLog). */
  cursor: number;
  lastSyncAt: string | null;
  /** Token clock minus host clock at the last sync, seconds. */
  driftSeconds: number | null;
  status: StatusBody | null;
  /** The completed syncs, oldest first (at most SYNC_HISTORY_MAX). */
  history: SyncEvent[];
}

const TOKEN_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** A damaged file moved aside (never deleted) before it was rebuilt. */
export interface KeptAside {
  file: string;
  keptAs: string;
}

/**
 * The pairing record of a token is damaged beyond repair (its secret cannot be read), so this
 * computer cannot talk to the token any more. The damaged file has been kept aside.
 */
export class PairingLostError extends Error {
  constructor(readonly tokenId: string, readonly keptAs: string) {
    super(say(
      `The pairing record of token "${tokenId}" on this computer is damaged and its secret cannot be read, so this computer can no longer talk to the token. The damaged file was kept as ${keptAs}; the log already copied is kept too. To use the token again, erase it (hold its button 10 seconds, let go, then press once more) and pair it again: npx omamori token pair --token ${tokenId}`,
      `このパソコンにあるお守り「${tokenId}」のペアリングの記録が壊れていて、秘密の鍵を読み取れません。そのため、このパソコンはこのお守りと通信できません。壊れたファイルは ${keptAs} として残しました。写してある記録もそのまま残っています。お守りを使い続けるには、お守りを消去して（ボタンを10秒押し続けて離し、もう一度押す）、ペアリングし直してください：npx omamori token pair --token ${tokenId}`,
    ));
    this.name = "PairingLostError";
  }
}

/** The state of a token never synced: read from the start. */
export function emptyState(): SyncState {
  return { cursor: 0, lastSyncAt: null, driftSeconds: null, status: null, history: [] };
}

function isSyncEvent(e: any): e is SyncEvent {
  return !!e && typeof e === "object" && typeof e.at === "string" && !Number.isNaN(Date.parse(e.at))
    && typeof e.clockValid === "boolean" && typeof e.paused === "boolean" && Number.isFinite(e.recordsDropped)
    && Number.isFinite(e.firstDay) && (e.firstRecordAt === null || Number.isFinite(e.firstRecordAt)) && typeof e.fullRead === "boolean";
}

/** $OMAMORI_HOME, or ~/.omamori. */
export function omamoriHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.OMAMORI_HOME && env.OMAMORI_HOME.length ? env.OMAMORI_HOME : join(homedir(), ".omamori");
}

export function checkTokenId(id: string): string {
  if (typeof id !== "string" || !TOKEN_ID.test(id)) {
    throw new TypeError("token id must be 1-32 lowercase letters, digits or '-', got " + JSON.stringify(id));
  }
  return id;
}

export class DataDir {
  constructor(readonly root: string = omamoriHome()) {}

  tokenDir(id: string): string {
    return join(this.root, "tokens", checkTokenId(id));
  }
  logPath(id: string): string {
    return join(this.tokenDir(id), "log.json");
  }
  statePath(id: string): string {
    return join(this.tokenDir(id), "sync-state.json");
  }
  private tokenPath(id: string): string {
    return join(this.tokenDir(id), "token.json");
  }

  /** Ids of every paired token, sorted. */
  async tokenIds(): Promise<string[]> {
    try {
      const names = await readdir(join(this.root, "tokens"));
      const ids: string[] = [];
      for (const n of names.sort()) {
        if (!TOKEN_ID.test(n)) continue;
        try {
          await stat(this.tokenPath(n));
          ids.push(n);
        } catch {
          /* a folder without token.json is not a paired token */
        }
      }
      return ids;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  /**
   * Token folders whose pairing record is gone (kept aside as damaged: token.json.damaged-...)
   * while what was synced (log.json or sync-state.json) is still there, each with the newest
   * kept-aside record. Their log can still be checked; new records cannot be read until the
   * token is erased and paired again.
   */
  async lostPairings(): Promise<{ tokenId: string; keptAs: string | null }[]> {
    let names: string[];
    try {
      names = (await readdir(join(this.root, "tokens"))).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const paired = new Set(await this.tokenIds());
    const lost: { tokenId: string; keptAs: string | null }[] = [];
    for (const n of names) {
      if (!TOKEN_ID.test(n) || paired.has(n)) continue;
      let files: string[];
      try {
        files = await readdir(join(this.root, "tokens", n));
      } catch {
        continue; // not a folder
      }
      if (!files.includes("log.json") && !files.includes("sync-state.json")) continue;
      const kept = files.filter((f) => f.startsWith("token.json.damaged-")).sort();
      lost.push({ tokenId: n, keptAs: kept.length ? join(this.root, "tokens", n, kept[kept.length - 1]) : null });
    }
    return lost;
  }

  async saveToken(t: TokenRecord): Promise<void> {
    if (t.secret.length !== Size.SECRET) throw new TypeError("secret must be " + Size.SECRET + " bytes");
    const doc = { tokenId: checkTokenId(t.tokenId), secret: toHex(t.secret), pairedAt: t.pairedAt, board: t.board };
    await writeFileAtomic(this.tokenPath(t.tokenId), JSON.stringify(doc, null, 1) + "\n", 0o600);
  }

  tokenFile(id: string): string {
    return this.tokenPath(id);
  }

  async loadToken(id: string): Promise<TokenRecord> {
    // Nothing read from this file goes into a message: it holds the secret, and a JSON parser's
    // message quotes the text around the fault (which showed 9 hex digits of it).
    let doc: Record<string, unknown> | null;
    try {
      doc = (await readJsonFile(this.tokenPath(id))) as Record<string, unknown> | null;
    } catch (e) {
      if (e instanceof DamagedFileError) throw new DamagedFileError(this.tokenPath(id), "not valid JSON");
      throw e;
    }
    if (doc === null) {
      // readJsonFile says null for a missing file, and for a file holding the JSON value null
      if (await stat(this.tokenPath(id)).then(() => true, () => false)) throw new DamagedFileError(this.tokenPath(id), "not a JSON object");
      throw new TypeError("no paired token " + JSON.stringify(id) + " in " + this.root);
    }
    const secret = doc && typeof doc === "object" && typeof doc.secret === "string" && /^[0-9a-f]{64}$/.test(doc.secret) ? fromHex(doc.secret) : null;
    if (!secret) throw new DamagedFileError(this.tokenPath(id), "secret must be 64 hex digits");
    const str = (v: unknown) => (typeof v === "string" ? v : ""); // informational fields: anything else reads as unknown
    return { tokenId: id, secret, pairedAt: str(doc.pairedAt), board: str(doc.board) };
  }

  /**
   * loadToken, recovering a damaged token.json: when the 64-hex-digit secret can still be found in
   * it, the damaged file is kept aside and the record written again (`onSalvaged` is told);
   * otherwise it is kept aside and PairingLostError says what to do.
   */
  async loadTokenRecovering(id: string, now: Date, onSalvaged: (k: KeptAside) => void): Promise<TokenRecord> {
    try {
      return await this.loadToken(id);
    } catch (e) {
      if (!(e instanceof DamagedFileError)) throw e;
    }
    const path = this.tokenPath(id);
    const text = await readFile(path, "latin1");
    const found = new Set(text.match(/(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g) ?? []);
    const keptAs = await keepAside(path, now);
    if (found.size !== 1) throw new PairingLostError(id, keptAs);
    const board = /"board"\s*:\s*"([a-z0-9]{1,32})"/.exec(text)?.[1] ?? "";
    const pairedAt = /"pairedAt"\s*:\s*"([0-9TZ:.+-]{10,40})"/.exec(text)?.[1] ?? "";
    const rec: TokenRecord = { tokenId: id, secret: fromHex([...found][0]), pairedAt, board };
    await this.saveToken(rec);
    onSalvaged({ file: path, keptAs });
    return rec;
  }

  async loadState(id: string): Promise<SyncState> {
    const d = (await readJsonFile(this.statePath(id))) as Record<string, any> | null;
    if (d === null) return emptyState();
    const bad = (what: string): never => {
      throw new DamagedFileError(this.statePath(id), what);
    };
    if (!d || typeof d !== "object") bad("not a JSON object");
    if (!Number.isInteger(d.cursor) || d.cursor < 0) bad("cursor must be a whole number");
    if (d.lastSyncAt !== undefined && d.lastSyncAt !== null && (typeof d.lastSyncAt !== "string" || Number.isNaN(Date.parse(d.lastSyncAt)))) bad("lastSyncAt must be a time");
    if (d.driftSeconds !== undefined && d.driftSeconds !== null && !(typeof d.driftSeconds === "number" && Number.isFinite(d.driftSeconds))) bad("driftSeconds must be a number");
    if (d.status !== undefined && d.status !== null && (typeof d.status !== "object" || Array.isArray(d.status))) bad("status must be an object");
    const history = d.history ?? [];
    if (!Array.isArray(history) || !history.every(isSyncEvent)) bad("history must be a list of syncs");
    return { cursor: d.cursor, lastSyncAt: d.lastSyncAt ?? null, driftSeconds: d.driftSeconds ?? null, status: d.status ?? null, history };
  }

  async saveState(id: string, s: SyncState): Promise<void> {
    if (s.history.length > SYNC_HISTORY_MAX) s.history = s.history.slice(s.history.length - SYNC_HISTORY_MAX);
    await writeFileAtomic(this.statePath(id), JSON.stringify(s, null, 1) + "\n");
  }

  /** Alert requests left by `omamori check` for this token (file names starting "alert-pending"). */
  async alertPending(id: string): Promise<string[]> {
    try {
      return (await readdir(this.tokenDir(id))).filter((n) => n.startsWith("alert-pending")).map((n) => join(this.tokenDir(id), n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  /** Removes honoured alert requests (after the token confirmed the alert). */
  async clearAlertPending(paths: string[]): Promise<void> {
    for (const p of paths) await unlink(p).catch(() => undefined);
  }
}
