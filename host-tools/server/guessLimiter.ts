/**
 * The limit on guessing processing numbers (8 digits: 10^8 values, so only the number of guesses
 * protects them). Two budgets over one sliding window (default 15 minutes):
 *
 *   per client   at most `perClient` wrong numbers (default 5); the client is the address the
 *                last trusted proxy saw (clientAddress.ts), an IPv6 /56 counting as one;
 *   global       at most `global` wrong numbers from everybody together (default 100). Once it is
 *                spent (a guesser with many addresses), only a client with a clean record — no
 *                wrong number in the window and no request under way — may still try, one
 *                request at a time; every client that guessed wrong waits.
 *
 * Counted before the body: `begin` runs when a request's headers arrive and reserves one guess,
 * which counts against both budgets until the request settles. The reservation becomes a failure
 * when the number turns out wrong (`ticket.wrong()`), and is given back when the number was right
 * or never checked (`ticket.release()`: bad JSON, a body too large, a client that hung up, cover
 * traffic). So a client that opens 1,000 connections and holds back each body's last byte gets
 * `perClient` requests in; the others are refused at once.
 *
 * Nobody can lock out another person: a client is refused only for its own wrong numbers, and
 * even while the global budget is spent a clean client gets its attempt, so a person's valid
 * number always works unless their own address guessed wrong (a shared address — one household
 * behind one router, or a carrier NAT — is one client: stated in docs/SERVER.md). Without this,
 * a global limit alone would let one guesser lock out the whole country.
 *
 * In memory only, for the window's length; addresses are held under a key (limitKey), never logged.
 * Memory is bounded: at most `maxClients` clients are tracked (the longest-idle dropped first,
 * never one with a request under way), each with at most `perClient` times, and at most `global`
 * times overall.
 */

export interface GuessLimiterOptions {
  /** Wrong numbers allowed per client within the window (default 5). */
  perClient: number;
  /** Wrong numbers allowed from all clients together within the window (default 100). */
  global: number;
  windowMs: number;
  maxClients?: number;
}

/** One reserved guess; settle it exactly once (later calls do nothing). */
export interface GuessTicket {
  /** The number was wrong (or expired): the reservation becomes a failure at `nowMs`. */
  wrong(nowMs: number): void;
  /** The number was right, or never checked: the reservation is given back. */
  release(): void;
}

export type GuessDecision =
  | { allowed: true; ticket: GuessTicket }
  /** `scope` says which budget refused: this client's own, or the global one. */
  | { allowed: false; retryAfterMs: number; scope: "client" | "global" };

interface ClientRecord {
  /** Times of wrong numbers within the window, oldest first. */
  failures: number[];
  inFlight: number;
}

export class GuessLimiter {
  private readonly clients = new Map<string, ClientRecord>();
  /** Times of the most recent wrong numbers from everybody (at most `global` kept), oldest first. */
  private readonly globalFailures: number[] = [];
  private globalInFlight = 0;
  private readonly perClient: number;
  private readonly global: number;
  private readonly windowMs: number;
  private readonly maxClients: number;

  constructor(options: GuessLimiterOptions) {
    const whole = (name: string, v: number) => {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${name} must be a whole number of at least 1, got ${v}`);
    };
    whole("perClient", options.perClient);
    whole("global", options.global);
    if (!(options.windowMs > 0) || !Number.isFinite(options.windowMs)) throw new TypeError(`windowMs must be more than 0, got ${options.windowMs}`);
    this.perClient = options.perClient;
    this.global = options.global;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? 100_000;
    whole("maxClients", this.maxClients);
  }

  /** Called when a request's headers arrive, before its body is read. */
  begin(client: string, nowMs: number): GuessDecision {
    this.expire(nowMs);
    const rec = this.clients.get(client);
    if (rec) dropOld(rec.failures, nowMs - this.windowMs);
    const failures = rec ? rec.failures : [];
    const own = failures.length + (rec ? rec.inFlight : 0);
    if (own >= this.perClient) {
      // Free again once enough of its own failures left the window (requests under way give
      // their reservation back when they settle; then a second is a fair guess).
      const k = own - this.perClient; // index of the failure whose expiry frees one place
      const retry = k < failures.length ? failures[k] + this.windowMs - nowMs : 1000;
      return { allowed: false, retryAfterMs: Math.max(1000, retry), scope: "client" };
    }
    if (own > 0 && this.globalFailures.length + this.globalInFlight >= this.global) {
      const clean = failures.length > 0 ? failures[failures.length - 1] + this.windowMs - nowMs : 1000;
      const globalFree = this.globalFailures.length > 0 ? this.globalFailures[0] + this.windowMs - nowMs : 1000;
      return { allowed: false, retryAfterMs: Math.max(1000, Math.min(clean, globalFree)), scope: "global" };
    }
    const record = rec ?? { failures: [], inFlight: 0 };
    record.inFlight++;
    this.globalInFlight++;
    this.touch(client, record);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      record.inFlight--;
      this.globalInFlight--;
      return true;
    };
    return {
      allowed: true,
      ticket: {
        wrong: (t: number) => {
          if (!settle()) return;
          record.failures.push(t);
          if (record.failures.length > this.perClient) record.failures.shift();
          this.globalFailures.push(t);
          if (this.globalFailures.length > this.global) this.globalFailures.shift();
          this.touch(client, record);
        },
        release: () => {
          if (!settle()) return;
          if (record.failures.length === 0 && record.inFlight === 0) this.clients.delete(client);
        },
      },
    };
  }

  /** Clients currently tracked (for tests of the memory bound). */
  get trackedClients(): number {
    return this.clients.size;
  }

  /** Wrong numbers within the window from everybody, plus requests under way. */
  globalLoad(nowMs: number): number {
    this.expire(nowMs);
    return this.globalFailures.length + this.globalInFlight;
  }

  /** Re-inserts `client` last (Map order = least recently active first) and keeps the bound. */
  private touch(client: string, record: ClientRecord): void {
    this.clients.delete(client);
    this.clients.set(client, record);
    if (this.clients.size <= this.maxClients) return;
    for (const [key, r] of this.clients) {
      if (this.clients.size <= this.maxClients) break;
      if (r.inFlight === 0 && key !== client) this.clients.delete(key);
    }
  }

  /** Forgets what left the window (global times; clients idle the longest, visited first). */
  private expire(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    dropOld(this.globalFailures, cutoff);
    // Map order is least recently active first: stop at the first client still active, so a
    // request costs O(1) amortised. (Each client's own times are also trimmed when it is looked up.)
    for (const [key, r] of this.clients) {
      dropOld(r.failures, cutoff);
      if (r.failures.length === 0 && r.inFlight === 0) this.clients.delete(key);
      else break;
    }
  }
}

/** Removes times at or before `cutoff` from the front of an ascending list. */
function dropOld(times: number[], cutoff: number): void {
  let n = 0;
  while (n < times.length && times[n] <= cutoff) n++;
  if (n > 0) times.splice(0, n);
}
