/**
 * The host side of one sync connection (formats in common/formats/syncMessages.ts,
 * docs/FORMATS.md "Sync messages"): the host proves it knows the shared secret, checks the token's
 * proof, then sends sealed requests one at a time and opens sealed responses, each exactly once in
 * sequence. Anything forged, replayed or out of order ends the session with a SyncError.
 */
import { readU32LE } from "../../common/bytes";
import {
  SyncPrimitives, SessionKeys, StatusBody, KeyBody, createReassembler, fragment, message, seal,
  unseal, sessionKeys, authProof, checkProof, helloBody, decodeStatus, decodeKeys, u32s, i32At,
  putU16, transcript, Dir, Kind, Label, Limit, Op, Size,
} from "../../common/formats/syncMessages";
import { hostPrimitives, randomBytesHost } from "./primitives";
import { SyncError, tokenError } from "./errors";
import type { SyncLink } from "./transport";

export interface SessionOptions {
  /** How long to wait for any one answer (ms). */
  timeoutMs?: number;
  crypto?: SyncPrimitives;
  random?: (n: number) => Uint8Array;
}

/** Token clock reading from a STATUS exchange: token time minus host time at the midpoint. */
export interface StatusReading {
  status: StatusBody;
  /** Token clock minus host clock, seconds (positive = token ahead). */
  driftSeconds: number;
}

const DEFAULT_TIMEOUT_MS = 10000;

/** Receives whole messages from a link, one waiter at a time. */
class MessagePipe {
  private readonly rx = createReassembler(Size.MAX_MESSAGE);
  private readonly inbox: Uint8Array[] = [];
  private waiter: { resolve: (m: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private gone: SyncError | null = null;

  constructor(private readonly link: SyncLink) {
    link.onNotify((v) => {
      let m: Uint8Array | null;
      try {
        m = this.rx.push(v);
      } catch (e) {
        return this.fail(new SyncError("protocol", (e as Error).message));
      }
      if (!m) return;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(m);
      } else this.inbox.push(m);
    });
    link.onDisconnect((reason) => this.fail(new SyncError("disconnected", reason)));
  }

  fail(e: SyncError): void {
    if (!this.gone) this.gone = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(e);
    }
  }

  async next(timeoutMs: number): Promise<Uint8Array> {
    const queued = this.inbox.shift();
    if (queued) return queued;
    if (this.gone) throw this.gone;
    if (this.link.pump) {
      // a simulated link: run simulated time until a message (or the end) arrives
      await this.link.pump(() => this.inbox.length > 0 || this.gone !== null, timeoutMs);
      const m = this.inbox.shift();
      if (m) return m;
      throw this.gone ?? new SyncError("timeout");
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new SyncError("timeout"));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }
}

const pipes = new WeakMap<SyncLink, MessagePipe>();

/** The one message pipe of a link (pairing and then a session may share a link). */
function pipeFor(link: SyncLink): MessagePipe {
  let p = pipes.get(link);
  if (!p) {
    p = new MessagePipe(link);
    pipes.set(link, p);
  }
  return p;
}

function fragSizeOf(link: SyncLink): number {
  return Math.max(Size.MIN_FRAG, Math.min(Size.MAX_FRAG, link.mtu - 3));
}

async function sendMessage(link: SyncLink, m: Uint8Array): Promise<void> {
  for (const f of fragment(m, fragSizeOf(link))) {
    try {
      await link.write(f);
    } catch (e) {
      throw e instanceof SyncError ? e : new SyncError("disconnected", (e as Error).message);
    }
  }
}

function expectKind(m: Uint8Array, kind: number, length: number): void {
  if (m[0] === Kind.ERROR && m.length === 2) throw tokenError(m[1]);
  if (m[0] !== kind || m.length !== length) throw new SyncError("protocol", "expected message kind " + kind);
}

/**
 * Trust on first use: hands a new 32-byte secret to an unpaired token whose button was just pressed.
 * The secret crosses the air in clear once (docs/SECURITY.md "Pairing").
 */
export async function pairToken(link: SyncLink, secret: Uint8Array, opts: SessionOptions = {}): Promise<void> {
  if (!(secret instanceof Uint8Array) || secret.length !== Size.SECRET) throw new TypeError("secret must be " + Size.SECRET + " bytes");
  const pipe = pipeFor(link);
  try {
    await sendMessage(link, message(Kind.PAIR, secret));
    expectKind(await pipe.next(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), Kind.PAIRED, 1);
  } catch (e) {
    await link.disconnect().catch(() => undefined);
    throw e;
  }
}

export class HostSession {
  private txSeq = 0;
  private rxSeq = 0;
  private closed = false;

  private constructor(
    private readonly link: SyncLink,
    private readonly pipe: MessagePipe,
    private readonly keys: SessionKeys,
    private readonly crypto: SyncPrimitives,
    private readonly timeoutMs: number,
  ) {}

  /** Authenticates both sides over `link` with the shared secret; throws SyncError when either side fails. */
  static async open(link: SyncLink, secret: Uint8Array, opts: SessionOptions = {}): Promise<HostSession> {
    if (!(secret instanceof Uint8Array) || secret.length !== Size.SECRET) throw new TypeError("secret must be " + Size.SECRET + " bytes");
    try {
      return await HostSession.handshake(link, secret, opts);
    } catch (e) {
      await link.disconnect().catch(() => undefined);
      throw e;
    }
  }

  private static async handshake(link: SyncLink, secret: Uint8Array, opts: SessionOptions): Promise<HostSession> {
    const crypto = opts.crypto ?? hostPrimitives;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const pipe = pipeFor(link);
    const hostNonce = (opts.random ?? randomBytesHost)(Size.NONCE);
    const hello = message(Kind.HELLO, helloBody(fragSizeOf(link), hostNonce));
    await sendMessage(link, hello);
    const challenge = await pipe.next(timeoutMs);
    expectKind(challenge, Kind.CHALLENGE, 3 + Size.NONCE);
    if (challenge[1] !== Size.VERSION) throw new SyncError("protocol", "token speaks version " + challenge[1]);
    // both proofs and the keys cover the whole handshake, version and fragment size included
    const t = transcript(hello, challenge);
    await sendMessage(link, message(Kind.AUTH, authProof(crypto, secret, Label.HOST_PROOF, t)));
    const ok = await pipe.next(timeoutMs);
    expectKind(ok, Kind.AUTH_OK, 33);
    if (!checkProof(crypto, secret, Label.TOKEN_PROOF, t, ok.subarray(1))) throw new SyncError("not-your-token");
    return new HostSession(link, pipe, sessionKeys(crypto, secret, t), crypto, timeoutMs);
  }

  /** Sends one sealed request and returns the response body (after the op byte). */
  async request(op: number, body: Uint8Array | null, timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    if (this.closed) throw new SyncError("disconnected", "session closed");
    await sendMessage(this.link, seal(this.crypto, this.keys, Dir.HOST, this.txSeq++, message(op, body)));
    const m = await this.pipe.next(timeoutMs);
    // After authentication nothing unsealed is believed: a plain ERROR could come from anyone in
    // radio range ("the secret does not match" would send the owner to re-pair). The real token
    // sends one only when it could not open our message, so it means "the link was disturbed".
    const plain = m[0] === Kind.SEALED ? unseal(this.crypto, this.keys, Dir.TOKEN, this.rxSeq, m) : null;
    if (!plain || plain.length < 1) {
      this.closed = true;
      await this.link.disconnect().catch(() => undefined);
      throw new SyncError("integrity", m[0] === Kind.ERROR ? "an unauthenticated error message was ignored" : undefined);
    }
    this.rxSeq++;
    if (plain[0] === Op.ERROR) throw tokenError(plain[1]);
    if (plain[0] !== (op | Op.RESPONSE)) throw new SyncError("protocol", "answer to op " + plain[0] + " instead of " + op);
    return plain.subarray(1);
  }

  /**
   * Decodes an authenticated answer; a body that does not decode ends the session with a
   * SyncError "protocol" (the token's firmware and this host disagree), never another error.
   */
  private async decoded<T>(decode: () => T): Promise<T> {
    try {
      return decode();
    } catch (e) {
      this.closed = true;
      await this.link.disconnect().catch(() => undefined);
      throw e instanceof SyncError ? e : new SyncError("protocol", (e as Error).message);
    }
  }

  /** Token health and clock drift (token minus host, measured at the request/response midpoint). */
  async status(now: () => number = Date.now): Promise<StatusReading> {
    const t0 = now();
    const body = await this.request(Op.STATUS, null);
    const t1 = now();
    const status = await this.decoded(() => decodeStatus(body));
    return { status, driftSeconds: status.clockSeconds - (t0 + t1) / 2000 };
  }

  /** Sets the token clock (unix seconds); returns the correction the token applied (new - old). */
  async setClock(unixSeconds: number): Promise<number> {
    const b = await this.request(Op.SET_CLOCK, u32s([Math.round(unixSeconds)]));
    return this.decoded(() => {
      if (b.length !== 4) throw new SyncError("protocol", "clock answer of " + b.length + " bytes");
      return i32At(b, 0);
    });
  }

  /** Whole log records from `cursor`, at most `maxBytes`; `next` is the cursor to ask for next time. */
  async readLog(cursor: number, maxBytes: number): Promise<{ data: Uint8Array; next: number }> {
    const b = await this.request(Op.READ_LOG, u32s([cursor, maxBytes]));
    return this.decoded(() => {
      if (b.length < 4) throw new SyncError("protocol", "short log answer");
      return { next: readU32LE(b, 0), data: b.slice(4) };
    });
  }

  /** Daily keys; the owner must press the token's button within the token's consent window. */
  async readKeys(consentWaitMs = 40000): Promise<KeyBody[]> {
    const b = await this.request(Op.READ_KEYS, null, consentWaitMs);
    return this.decoded(() => decodeKeys(b));
  }

  async setAlert(on: boolean): Promise<void> {
    await this.request(Op.SET_ALERT, new Uint8Array([on ? 1 : 0]));
  }

  async setScan(windowMs: number, periodMs: number): Promise<void> {
    await this.request(Op.SET_SCAN, u32s([windowMs, periodMs]));
  }

  /** Home-hub beacon cadence in seconds (0 = off, else at least Limit.HUB_MIN_SECONDS: the token refuses less). */
  async setHub(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || (seconds !== 0 && (seconds < Limit.HUB_MIN_SECONDS || seconds > Limit.HUB_MAX_SECONDS))) {
      throw new RangeError("hub seconds must be 0 (off) or " + Limit.HUB_MIN_SECONDS + ".." + Limit.HUB_MAX_SECONDS + ", got " + seconds);
    }
    const b = new Uint8Array(2);
    putU16(b, 0, seconds);
    await this.request(Op.SET_HUB, b);
  }

  /** Erases everything on the token; the token closes the link afterwards. */
  async eraseAll(): Promise<void> {
    await this.request(Op.ERASE_ALL, null);
    this.closed = true;
  }

  async decommission(): Promise<void> {
    await this.request(Op.DECOMMISSION, null);
    this.closed = true;
  }

  /** Says goodbye and disconnects. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        await sendMessage(this.link, seal(this.crypto, this.keys, Dir.HOST, this.txSeq++, message(Op.BYE, null)));
      } catch {
        /* the link may already be gone */
      }
    }
    await this.link.disconnect().catch(() => undefined);
  }
}
