/**
 * The reference diagnosis-key server over node:http (docs/SERVER.md):
 *
 *   PUT  /v3/diagnosis        COCOA v3 positive registration (submission.ts, registration.ts);
 *                             with an X-Chaff header: cover traffic, validated and answered, not stored
 *   GET  /health              {"status":"ok"} when the database answers
 *   GET  /c19r/440/list.json  and the export zips: the published directory (staticFiles.ts)
 *
 * Errors are JSON with stable codes (apiErrors.ts). Guesses of processing numbers are limited per
 * client and globally, reserved when the headers arrive (guessLimiter.ts); the client is the
 * address the last trusted proxy saw (clientAddress.ts). Addresses are kept in memory only; the
 * log lines carry method, path and status, never an address. When `publishEveryMinutes` > 0 the
 * server also publishes on a timer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError } from "./apiErrors";
import { handleLegacyV1, LEGACY_V1_PATH } from "./legacyV1";
import { initDataDir, publicKeyInfo, type PublicKeyInfo } from "./dataDir";
import { clientAddress, limitKey, parseTrustProxy, type TrustProxy } from "./clientAddress";
import { GuessLimiter, type GuessTicket } from "./guessLimiter";
import { issueNumber, type IssuedNumber } from "./processingNumbers";
import { ensureListJson, materialize, publish, type PublishResult } from "./publish";
import { registerKeys } from "./registration";
import { DEFAULTS } from "./settings";
import { serveStatic } from "./staticFiles";
import { openStore, type Db } from "./store";
import { validateSubmission } from "./submission";

export interface ServerOptions {
  /** The data directory; created (with a new signing key) when it does not exist yet. */
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Milliseconds since the epoch; default Date.now. Used for validation, numbers and publishing. */
  clock?: () => number;
  /** Base URL written into list.json; default the data directory's publicUrl, else this server's URL. */
  publicUrl?: string;
  /** Publish on a timer every N minutes (default 60; 0 = only when publishNow() is called). */
  publishEveryMinutes?: number;
  maxBodyBytes?: number;
  /** Wrong processing numbers allowed per client within the window (default 5). */
  maxFailedNumbers?: number;
  /** Wrong processing numbers allowed from everybody together within the window (default 100). */
  maxFailedNumbersGlobal?: number;
  failedNumberWindowMs?: number;
  /**
   * Behind reverse proxies or load balancers (clientAddress.ts): the number of proxy hops in front
   * of this server (`true` = 1), or the proxies' addresses / CIDR ranges. The client is then the
   * address the last trusted proxy saw in X-Forwarded-For, never an entry the client wrote.
   * Default: no proxy, the socket's peer is the client.
   */
  trustProxy?: TrustProxy;
  /** One line per request; default: nothing. */
  log?: (line: string) => void;
  /** Also accept COCOA's 2020 `PUT /diagnosis` (v1, client-set transmission risk; legacyV1.ts). Default off. */
  legacyV1?: boolean;
}

export interface RunningServer {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash). */
  url: string;
  /** True when this start created the data directory. */
  created: boolean;
  /** The key clients verify exports with (key id, version, base64 SPKI, PEM). */
  publicKey: PublicKeyInfo;
  /** Publishes now with the server's clock (what the timer does). */
  publishNow(): PublishResult;
  /** Issues a processing number with the server's clock (what `omamori server issue-number` does). */
  issueNumber(ttlHours?: number): IssuedNumber;
  close(): Promise<void>;
}

const DIAGNOSIS_PATH = "/v3/diagnosis";
/** A request with this header is cover traffic (lower case: node:http's header names). */
const CHAFF_HEADER = "x-chaff";

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, err.toBody(), headers);
}

/** Reads the body up to `limit` bytes; beyond that rejects with BODY_TOO_LARGE and stops keeping data. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ApiError("BODY_TOO_LARGE", `the limit is ${limit} bytes, the request declares ${declared}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError("BODY_TOO_LARGE", `the limit is ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      if (!failed) resolvePromise(Buffer.concat(chunks));
    });
    const stop = (e: Error) => {
      if (!failed && !ended) reject(e);
      failed = true;
    };
    req.on("error", stop);
    req.on("close", () => stop(new Error("the client closed the connection before the body ended")));
  });
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { dataDir: data, created } = initDataDir(options.dataDir);
  ensureListJson(data);
  const db: Db = openStore(data.databasePath);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const limiter = new GuessLimiter({
    perClient: options.maxFailedNumbers ?? DEFAULTS.maxFailedNumbers,
    global: options.maxFailedNumbersGlobal ?? DEFAULTS.maxFailedNumbersGlobal,
    windowMs: options.failedNumberWindowMs ?? DEFAULTS.failedNumberWindowMs,
  });
  const proxyTrust = parseTrustProxy(options.trustProxy);
  /**
   * Reserves one guess for the request's client before its body is read, or answers 429.
   * Returns undefined when the request was refused (the answer is already sent).
   */
  function reserveGuess(req: IncomingMessage, res: ServerResponse): GuessTicket | undefined {
    const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], proxyTrust);
    const decision = limiter.begin(address === null ? "unknown" : limitKey(address), clock());
    if (decision.allowed) return decision.ticket;
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    req.resume(); // the body is not read; the connection closes after the answer
    sendError(res, new ApiError("TOO_MANY_ATTEMPTS", `try again in ${seconds} s`), { "Retry-After": String(seconds), Connection: "close" });
    return undefined;
  }
  const publishEvery = options.publishEveryMinutes ?? DEFAULTS.publishEveryMinutes;
  if (!(publishEvery >= 0)) throw new RangeError(`publishEveryMinutes must be 0 or more, got ${publishEvery}`);

  async function handleDiagnosis(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ticket = reserveGuess(req, res);
    if (!ticket) return;
    try {
      await registerWithTicket(req, res, ticket);
    } finally {
      ticket.release(); // no number was checked, or it was right (a wrong one was settled already)
    }
  }

  async function registerWithTicket(req: IncomingMessage, res: ServerResponse, ticket: GuessTicket): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      if (e instanceof ApiError) {
        req.resume(); // drain without keeping it; the connection is closed after the answer
        sendError(res, e, { Connection: "close" });
        return;
      }
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (e) {
      throw new ApiError("BAD_JSON", (e as Error).message);
    }
    const now = clock();
    const submission = validateSubmission(parsed, now, data.settings.region);
    if (req.headers[CHAFF_HEADER] !== undefined) {
      // Cover traffic (COCOA's X-Chaff, Google's server requirements): answered like a real
      // registration of that size, but nothing is used up or stored.
      return sendJson(res, 200, { keysAccepted: submission.keys.length, keysDropped: submission.dropped });
    }
    try {
      sendJson(res, 200, registerKeys(db, data.numberSecret, submission, now));
    } catch (e) {
      if (e instanceof ApiError && (e.code === "INVALID_NUMBER" || e.code === "NUMBER_EXPIRED")) ticket.wrong(now);
      throw e;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (options.legacyV1 && path === LEGACY_V1_PATH) {
      if (req.method !== "PUT") throw new ApiError("METHOD_NOT_ALLOWED", "use PUT");
      const ticket = reserveGuess(req, res);
      if (!ticket) return;
      try {
        return await handleLegacyV1(req, res, { db, numberSecret: data.numberSecret, region: data.settings.region, clock, ticket, readBody: (r) => readBody(r, maxBody) });
      } finally {
        ticket.release();
      }
    }
    if (path === DIAGNOSIS_PATH) {
      if (req.method !== "PUT") throw new ApiError("METHOD_NOT_ALLOWED", "use PUT");
      return handleDiagnosis(req, res);
    }
    if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError("METHOD_NOT_ALLOWED", "only GET and HEAD are served here");
    if (path === "/health") {
      db.prepare("SELECT 1").get();
      return sendJson(res, 200, { status: "ok" });
    }
    if (!serveStatic(data.publicDir, path, req, res)) throw new ApiError("NOT_FOUND", path.length > 100 ? undefined : `no file ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res)
      .catch((e: unknown) => {
        const err = e instanceof ApiError ? e : new ApiError("INTERNAL");
        if (!(e instanceof ApiError)) log(`error: ${(e as Error)?.stack ?? String(e)}`);
        req.resume();
        if (res.headersSent) return void res.destroy();
        const allow = (req.url ?? "").split("?")[0] === DIAGNOSIS_PATH ? "PUT" : "GET, HEAD";
        sendError(res, err, err.code === "METHOD_NOT_ALLOWED" ? { Allow: allow } : {});
      })
      .finally(() => log(`${req.method} ${(req.url ?? "").split("?")[0].slice(0, 100)} ${res.statusCode}`));
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolveListen());
    });
  } catch (e) {
    db.close();
    throw e;
  }
  const addr = server.address() as AddressInfo;
  // Listening on every interface: this machine reaches itself on loopback.
  const address = addr.address === "0.0.0.0" ? "127.0.0.1" : addr.address === "::" ? "::1" : addr.address;
  const host = address.includes(":") ? `[${address}]` : address;
  const url = `http://${host}:${addr.port}`;
  const publicUrl = options.publicUrl ?? data.settings.publicUrl ?? url;

  // A publish killed after its commit left files to write: finish it before serving.
  try {
    const m = materialize(data, db, publicUrl);
    if (m.written.length) log(`wrote ${m.written.length} published file(s) a stopped publish had left`);
  } catch (e) {
    log(`could not bring the published folder up to date: ${(e as Error).message}`);
  }
  const publishNow = () => publish(data, db, { nowMs: clock(), publicUrl });
  let timer: NodeJS.Timeout | undefined;
  if (publishEvery > 0) {
    const tick = () => {
      try {
        const r = publishNow();
        log(`published ${r.files.length} file(s), ${r.keysPublished} key(s); ${r.keysWaiting} waiting`);
      } catch (e) {
        log(`publishing failed: ${(e as Error).message}`);
      }
    };
    tick();
    timer = setInterval(tick, publishEvery * 60_000);
    timer.unref();
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    created,
    publicKey: publicKeyInfo(data),
    publishNow,
    issueNumber: (ttlHours = DEFAULTS.numberTtlHours) => issueNumber(db, data.numberSecret, clock(), ttlHours),
    close() {
      if (!closed) {
        if (timer) clearInterval(timer);
        closed = new Promise<void>((done) => {
          server.close(() => {
            db.close();
            done();
          });
          server.closeAllConnections();
        });
      }
      return closed;
    },
  };
}
