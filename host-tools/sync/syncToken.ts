/**
 * One sync of a paired token (docs/FORMATS.md "Flow of one sync"): find its advert by the secret-derived tag,
 * authenticate, read its health and measure clock drift, correct the clock, honour a pending alert,
 * then read the log from the saved cursor in acknowledged chunks (the next request carries the
 * new cursor), merging into the data directory as it goes. A lost connection is resumed from the
 * last saved cursor, up to `retries` times; re-read records merge to nothing, so no duplicates and
 * no gaps. Nothing on the token is deleted by syncing.
 */
import { beaconTag, type StatusBody, Adv } from "../../common/formats/syncMessages";
import { decodeLogStream } from "../../common/formats/logRecord";
import { bytesEqual } from "../../common/bytes";
import { loadBoard } from "../../boards/index";
import { hostPrimitives, randomBytesHost } from "./primitives";
import { HostSession, pairToken } from "./session";
import { SyncError } from "./errors";
import { DataDir, type TokenRecord } from "../base/dataDir";
import { emptyLog, mergeLog, readLog, shiftTimes, writeLog, type OmamoriLog, type LogEncounter } from "./logStore";
import type { SeenAdvert, SyncLink, SyncTransport } from "./transport";
import { say } from "../base/language";

/** Clock differences below this are left alone in the log (records have 5 s resolution). */
export const CLOCK_SHIFT_THRESHOLD_S = 60;
/** The token clock is set when it is off by more than this. */
export const CLOCK_SET_THRESHOLD_S = 2;
/** Drift at which the user is warned. */
export const CLOCK_WARN_S = 300;

export interface SyncProgress {
  bytes: number;
  /** The token's used storage, an upper bound for a full sync. */
  totalBytes: number;
}

export interface SyncOptions {
  transport: SyncTransport;
  data: DataDir;
  tokenId: string;
  /** Log bytes asked per request (the token caps it); default by board RAM (defaultChunkBytes). */
  chunkBytes?: number;
  scanTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Reconnections allowed after a lost link. */
  retries?: number;
  /** Host clock, ms (tests and the simulator pass theirs). */
  now?: () => number;
  onProgress?: (p: SyncProgress) => void;
  onWarning?: (message: string) => void;
  /** Save progress at most this often during the log transfer (ms of host time). */
  saveEveryMs?: number;
}

export interface SyncReport {
  tokenId: string;
  status: StatusBody;
  driftSeconds: number;
  clockSet: boolean;
  clockCorrectionSeconds: number;
  bytesRead: number;
  scansAdded: number;
  alertSet: boolean;
  reconnects: number;
  cursor: number;
}

/** Scans until an advert of the token holding `secret` shows up (its tag verifies). */
export async function findToken(transport: SyncTransport, secret: Uint8Array, timeoutMs: number): Promise<SeenAdvert> {
  let found: SeenAdvert | null = null;
  await transport.scan((a) => {
    if (a.flags & Adv.FRESH) return false;
    if (!bytesEqual(beaconTag(hostPrimitives, secret, a.nonce), a.tag)) return false;
    found = a;
    return true;
  }, timeoutMs);
  if (!found) throw new SyncError("not-found");
  return found;
}

/** Scans for an unpaired token in a button window. */
export async function findFreshToken(transport: SyncTransport, timeoutMs: number): Promise<SeenAdvert> {
  let found: SeenAdvert | null = null;
  await transport.scan((a) => {
    if (!(a.flags & Adv.FRESH)) return false;
    found = a;
    return true;
  }, timeoutMs);
  if (!found) throw new SyncError("not-found");
  return found;
}

/**
 * Pairs an unpaired token (trust on first use, docs/SECURITY.md): new random secret, handed over in
 * the button window, checked by an authenticated session, then saved in the data directory.
 */
export async function pairNewToken(opts: { transport: SyncTransport; data: DataDir; tokenId: string; scanTimeoutMs?: number; now?: () => number }): Promise<TokenRecord> {
  const ids = await opts.data.tokenIds();
  if (ids.includes(opts.tokenId)) throw new TypeError("a token named " + JSON.stringify(opts.tokenId) + " is already paired; choose another --token name");
  const advert = await findFreshToken(opts.transport, opts.scanTimeoutMs ?? 20000);
  const secret = randomBytesHost(32);
  const link = await opts.transport.connect(advert);
  await pairToken(link, secret);
  const session = await HostSession.open(link, secret);
  const { status } = await session.status();
  await session.close();
  const rec: TokenRecord = { tokenId: opts.tokenId, secret, pairedAt: new Date((opts.now ?? Date.now)()).toISOString(), board: status.board };
  await opts.data.saveToken(rec);
  return rec;
}

/** Log bytes per request: 512 on small-RAM boards (Puck.js: ~2,600 variables), 3 KB on the big ones. */
export function defaultChunkBytes(board: string): number {
  try {
    return loadBoard(board).ram.jsVariables >= 8000 ? 3072 : 512;
  } catch {
    return 512;
  }
}

function rssiOffset(board: string): number {
  try {
    return loadBoard(board).radio.rssiOffsetDb;
  } catch {
    return 0;
  }
}

/** Connects to the token and opens an authenticated session. */
export async function connectToken(transport: SyncTransport, secret: Uint8Array, scanTimeoutMs: number, requestTimeoutMs: number): Promise<HostSession> {
  const advert = await findToken(transport, secret, scanTimeoutMs);
  let link: SyncLink;
  try {
    link = await transport.connect(advert);
  } catch (e) {
    throw new SyncError("disconnected", (e as Error).message);
  }
  return HostSession.open(link, secret, { timeoutMs: requestTimeoutMs });
}

function retriable(e: unknown): boolean {
  return e instanceof SyncError && (e.code === "disconnected" || e.code === "timeout" || e.code === "not-found");
}

export async function syncToken(opts: SyncOptions): Promise<SyncReport> {
  const now = opts.now ?? Date.now;
  const warn = opts.onWarning ?? (() => undefined);
  let chunk = opts.chunkBytes ?? 512;
  const token = await opts.data.loadToken(opts.tokenId);
  const state = await opts.data.loadState(opts.tokenId);
  const logPath = opts.data.logPath(opts.tokenId);
  let log: OmamoriLog | null = await readLog(logPath);
  const report: SyncReport = {
    tokenId: opts.tokenId, status: null as unknown as StatusBody, driftSeconds: 0, clockSet: false, clockCorrectionSeconds: 0,
    bytesRead: 0, scansAdded: 0, alertSet: false, reconnects: 0, cursor: state.cursor,
  };
  let measured = false;
  let pending: LogEncounter[] = [];
  let lastSave = now();

  const save = async () => {
    if (!log) return;
    report.scansAdded += mergeLog(log, shiftTimes(pending, report.clockCorrectionSeconds));
    pending = [];
    log.clockCorrectionSeconds = report.clockCorrectionSeconds;
    if (report.status && typeof report.status.scanPeriodSeconds === "number" && report.status.scanPeriodSeconds > 0) {
      log.scanPeriodSeconds = report.status.scanPeriodSeconds;
    }
    log.syncedAt = new Date(now()).toISOString();
    await writeLog(logPath, log); // log first: if we crash before the cursor, the re-read merges to nothing
    state.cursor = report.cursor;
    await opts.data.saveState(opts.tokenId, state);
    lastSave = now();
  };

  const once = async (session: HostSession) => {
    if (!measured) {
      const { status, driftSeconds } = await session.status(now);
      measured = true;
      report.status = status;
      report.driftSeconds = driftSeconds;
      if (!status.clockValid || Math.abs(driftSeconds) > CLOCK_SET_THRESHOLD_S) {
        await session.setClock(now() / 1000);
        report.clockSet = true;
      }
      if (!status.clockValid || Math.abs(driftSeconds) >= CLOCK_WARN_S) {
        warn(say(
          `The token's clock was ${formatDrift(driftSeconds)} off; it has been corrected and the log times adjusted.`,
          `お守りの時計が${formatDrift(driftSeconds, true)}ずれていました。時計を直し、記録の時刻も補正しました。`,
        ));
      }
      if (Math.abs(driftSeconds) >= CLOCK_SHIFT_THRESHOLD_S) report.clockCorrectionSeconds = -Math.round(driftSeconds);
      if (!log) log = emptyLog(opts.tokenId, status.board, rssiOffset(status.board));
      if (opts.chunkBytes === undefined) chunk = defaultChunkBytes(status.board);
      state.status = status;
      state.driftSeconds = driftSeconds;
      if (status.storageFreeBytes === 0 || status.recordsDropped > 0) {
        warn(say(
          "The token's storage is full: the oldest records are being overwritten. Sync more often.",
          "お守りの記録領域がいっぱいです。古い記録から上書きされています。もっとこまめに同期してください。",
        ));
      }
    }
    const pendingAlert = await opts.data.alertPending(opts.tokenId);
    if (pendingAlert.length && !report.alertSet) {
      await session.setAlert(true);
      report.alertSet = true;
      await opts.data.clearAlertPending(pendingAlert);
    }
    for (;;) {
      const r = await session.readLog(report.cursor, chunk);
      if (r.data.length === 0) break;
      pending.push(...decodeLogStream(r.data));
      report.bytesRead += r.data.length;
      report.cursor = r.next;
      opts.onProgress?.({ bytes: report.bytesRead, totalBytes: report.status.storageUsedBytes });
      if (now() - lastSave >= (opts.saveEveryMs ?? 2000)) await save();
    }
    await session.close();
  };

  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      const session = await connectToken(opts.transport, token.secret, opts.scanTimeoutMs ?? 20000, opts.requestTimeoutMs ?? 10000);
      await once(session);
      break;
    } catch (e) {
      await save();
      if (!retriable(e) || attempt >= retries) throw e;
      report.reconnects++;
    }
  }
  state.lastSyncAt = new Date(now()).toISOString();
  await save();
  return report;
}

/** "3 h 5 min" / "3時間5分" style drift text. */
export function formatDrift(seconds: number, ja = false): string {
  const s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (ja) return (h ? h + "時間" : "") + m + "分";
  return (h ? h + " h " : "") + m + " min";
}
