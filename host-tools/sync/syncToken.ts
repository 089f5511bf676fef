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
import { DataDir, emptyState, type KeptAside, type SyncState, type TokenRecord } from "../base/dataDir";
import { DamagedFileError, keepAside } from "../base/atomicFile";
import { emptyLog, mergeLog, readLog, shiftTimes, writeLog, type OmamoriLog, type LogEncounter } from "../log/omamoriLog";
import type { SeenAdvert, SyncLink, SyncTransport } from "./transport";
import { say } from "../base/language";
import { implausibleRecord } from "./plausibility";

/** Clock differences below this are left alone in the log (records have 5 s resolution). */
export const CLOCK_SHIFT_THRESHOLD_S = 60;
/** The token clock is set when it is off by more than this. */
const CLOCK_SET_THRESHOLD_S = 2;
/** Drift at which the user is warned. */
const CLOCK_WARN_S = 300;

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
  /** Records left out: their check failed in the token's flash, or no real scan could produce them (plausibility.ts). */
  recordsSkipped: number;
  /** The whole log was read from its start (first sync, or a rebuild after a damaged file). */
  fullRead: boolean;
  /** Earliest scan time (Unix seconds, corrected) read in this sync; null when nothing was new. */
  firstRecordAt: number | null;
  /** Damaged files of this token kept aside (never deleted) and rebuilt in this sync. */
  recovered: KeptAside[];
}

/** Scans until an advert of the token holding `secret` shows up (its tag verifies). */
async function findToken(transport: SyncTransport, secret: Uint8Array, timeoutMs: number): Promise<SeenAdvert> {
  let found: SeenAdvert | null = null;
  await transport.scan((a) => {
    if (a.chosen) {
      found = a;
      return true;
    }
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
    if (!(a.flags & Adv.FRESH) && !a.chosen) return false;
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
  await restartCursor(opts.data, opts.tokenId);
  return rec;
}

/**
 * A token paired under a name that already has a sync record (its pairing was lost, and the token
 * erased and paired again) starts its log afresh: the next sync reads it from the start, or it
 * would resume at the old token's place and skip the new records. The log already synced and the
 * record of past syncs (which days it covers) stay; a damaged record is left for the sync to recover.
 */
async function restartCursor(data: DataDir, tokenId: string): Promise<void> {
  let state: SyncState;
  try {
    state = await data.loadState(tokenId);
  } catch (e) {
    if (e instanceof DamagedFileError) return;
    throw e;
  }
  if (state.cursor === 0) return;
  state.cursor = 0;
  await data.saveState(tokenId, state);
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
  const recovered: KeptAside[] = [];
  const token = await opts.data.loadTokenRecovering(opts.tokenId, new Date(now()), (k) => {
    recovered.push(k);
    warn(say(
      `The pairing record of this token on this computer was damaged, but its secret could still be read: the damaged file was kept as ${k.keptAs} and the record written again.`,
      `このパソコンにあるお守りのペアリングの記録が壊れていましたが、秘密の鍵は読み取れました。壊れたファイルは ${k.keptAs} として残し、記録を書き直しました。`,
    ));
  });
  let state: SyncState;
  try {
    state = await opts.data.loadState(opts.tokenId);
  } catch (e) {
    if (!(e instanceof DamagedFileError)) throw e;
    const keptAs = await keepAside(e.path, new Date(now()));
    recovered.push({ file: e.path, keptAs });
    warn(say(
      `This computer's record of the syncs of this token was damaged. It was kept as ${keptAs} (nothing was deleted), and the whole log is read again from the token; nothing is counted twice.`,
      `このパソコンにある同期の記録が壊れていました。壊れたファイルは ${keptAs} として残し（何も消していません）、お守りから記録をすべて読み直します。同じ記録が二重に数えられることはありません。`,
    ));
    state = emptyState();
  }
  const logPath = opts.data.logPath(opts.tokenId);
  let log: OmamoriLog | null;
  try {
    log = await readLog(logPath);
  } catch (e) {
    if (!(e instanceof DamagedFileError)) throw e;
    const keptAs = await keepAside(e.path, new Date(now()));
    recovered.push({ file: e.path, keptAs });
    warn(say(
      `The copy of this token's log on this computer was damaged. It was kept as ${keptAs} (nothing was deleted), and the whole log is read again from the token.`,
      `このパソコンにあるお守りの記録の写しが壊れていました。壊れたファイルは ${keptAs} として残し（何も消していません）、お守りから記録をすべて読み直します。`,
    ));
    log = null;
    state.cursor = 0;
  }
  if (log === null && state.cursor > 0) {
    warn(say(
      "The copy of this token's log was missing from this computer; the whole log is read again from the token.",
      "このパソコンから、お守りの記録の写しがなくなっていました。お守りから記録をすべて読み直します。",
    ));
    state.cursor = 0;
  }
  const report: SyncReport = {
    tokenId: opts.tokenId, status: null as unknown as StatusBody, driftSeconds: 0, clockSet: false, clockCorrectionSeconds: 0,
    bytesRead: 0, scansAdded: 0, alertSet: false, reconnects: 0, cursor: state.cursor, fullRead: state.cursor === 0,
    firstRecordAt: null, recovered, recordsSkipped: 0,
  };
  let statusAtMs = 0;
  /** The token's clock now (seconds), as far as this sync knows it; null when it was not set. */
  const tokenClockNow = (): number | null => {
    if (!report.status) return null;
    const old = report.status.clockValid ? report.status.clockSeconds + (now() - statusAtMs) / 1000 : null;
    const set = report.clockSet ? now() / 1000 : null;
    return old === null ? set : set === null ? old : Math.max(old, set);
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
      statusAtMs = now();
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
    // A token answers with its log once; more than twice its whole storage in one connection, or a
    // cursor that does not move, is a token gone wrong: stop rather than read forever.
    const limit = 2 * (report.status.storageUsedBytes + report.status.storageFreeBytes) + 65536;
    let readNow = 0;
    for (;;) {
      const r = await session.readLog(report.cursor, chunk);
      if (r.data.length === 0) break;
      readNow += r.data.length;
      if (r.next === report.cursor || readNow > limit) throw new SyncError("protocol", "the token's log did not come to an end");
      let decoded: LogEncounter[];
      try {
        decoded = decodeLogStream(r.data, () => report.recordsSkipped++);
      } catch (e) {
        throw new SyncError("protocol", (e as Error).message); // the cursor stays where it was
      }
      for (const e of decoded) {
        if (implausibleRecord(e, tokenClockNow()) !== null) {
          report.recordsSkipped++;
          continue;
        }
        for (const s of e.scans) {
          const t = s.t + report.clockCorrectionSeconds;
          if (report.firstRecordAt === null || t < report.firstRecordAt) report.firstRecordAt = t;
        }
        pending.push(e);
      }
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
  const s = report.status;
  state.history.push({
    at: state.lastSyncAt, clockValid: s.clockValid, paused: s.paused, recordsDropped: s.recordsDropped, firstDay: s.firstDay,
    firstRecordAt: report.firstRecordAt, fullRead: report.fullRead,
  });
  await save();
  if (report.recordsSkipped > 0) {
    warn(say(
      `${report.recordsSkipped} record(s) from the token were damaged (changed in the token's memory, or values no real scan produces) and were left out. Everything else was synced.`,
      `お守りの記録のうち ${report.recordsSkipped} 件が壊れていた（お守りの記憶の中で変わっていた、または実際の受信ではありえない値）ため、取り込みませんでした。それ以外はすべて同期しました。`,
    ));
  }
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
