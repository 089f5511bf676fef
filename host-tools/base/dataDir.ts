/**
 * The host's data directory for tokens (docs/FORMATS.md "Host data directory"):
 *
 *   $OMAMORI_HOME (default ~/.omamori)/
 *     tokens/<tokenId>/
 *       token.json        pairing: { tokenId, secret (hex, 32 bytes), pairedAt, board, transport } mode 0600
 *       log.json          the synced log, LOG INTERCHANGE FORMAT (logStore.ts)
 *       sync-state.json   { cursor, lastSyncAt, driftSeconds, status }: where the next sync resumes
 *       alert-pending.*   left by `omamori check` (docs/MATCHING.md): set the alert at the next sync
 *
 * Every write is atomic (atomicFile.ts). The folder and files are private to the user (0700/0600):
 * token.json holds the shared secret.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readFile, readdir, unlink, stat } from "node:fs/promises";
import { fromHex, toHex } from "../../common/bytes";
import { type StatusBody, Size } from "../../common/formats/syncMessages";
import { writeFileAtomic } from "./atomicFile";

export interface TokenRecord {
  tokenId: string;
  secret: Uint8Array;
  pairedAt: string;
  board: string;
}

export interface SyncState {
  /** Opaque log cursor to ask for next (the token's SyncHost.readLog). */
  cursor: number;
  lastSyncAt: string | null;
  /** Token clock minus host clock at the last sync, seconds. */
  driftSeconds: number | null;
  status: StatusBody | null;
}

const TOKEN_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

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

  async saveToken(t: TokenRecord): Promise<void> {
    if (t.secret.length !== Size.SECRET) throw new TypeError("secret must be " + Size.SECRET + " bytes");
    const doc = { tokenId: checkTokenId(t.tokenId), secret: toHex(t.secret), pairedAt: t.pairedAt, board: t.board };
    await writeFileAtomic(this.tokenPath(t.tokenId), JSON.stringify(doc, null, 1) + "\n", 0o600);
  }

  async loadToken(id: string): Promise<TokenRecord> {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(await readFile(this.tokenPath(id), "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new TypeError("no paired token " + JSON.stringify(id) + " in " + this.root);
      throw new TypeError(this.tokenPath(id) + " is damaged: " + (e as Error).message);
    }
    const secret = typeof doc.secret === "string" && /^[0-9a-f]{64}$/.test(doc.secret) ? fromHex(doc.secret) : null;
    if (!secret) throw new TypeError(this.tokenPath(id) + " is damaged: secret must be 64 hex digits");
    return { tokenId: id, secret, pairedAt: String(doc.pairedAt ?? ""), board: String(doc.board ?? "") };
  }

  async loadState(id: string): Promise<SyncState> {
    try {
      const d = JSON.parse(await readFile(this.statePath(id), "utf8"));
      if (!Number.isInteger(d.cursor) || d.cursor < 0) throw new TypeError("cursor must be a whole number");
      return { cursor: d.cursor, lastSyncAt: d.lastSyncAt ?? null, driftSeconds: d.driftSeconds ?? null, status: d.status ?? null };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { cursor: 0, lastSyncAt: null, driftSeconds: null, status: null };
      throw new TypeError(this.statePath(id) + " is damaged: " + (e as Error).message);
    }
  }

  async saveState(id: string, s: SyncState): Promise<void> {
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
