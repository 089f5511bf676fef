/**
 * Rate limit on wrong processing numbers per client (docs/spec/cocoa-promises.md "Registering as
 * positive": repeated failures are slowed down). Kept only in memory and only for the length of the window: no address is
 * ever written to the database or the log. Memory is bounded: at most `maxClients` addresses
 * are tracked; when full, the oldest entries are dropped first.
 */

export interface FailureLimiterOptions {
  /** Failures allowed within the window; the next attempt is refused. */
  maxFailures: number;
  windowMs: number;
  maxClients?: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;

  constructor(options: FailureLimiterOptions) {
    if (!Number.isInteger(options.maxFailures) || options.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a whole number of at least 1, got ${options.maxFailures}`);
    }
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be more than 0, got ${options.windowMs}`);
    this.maxFailures = options.maxFailures;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? 100_000;
  }

  /** Milliseconds until `client` may try again, or 0 when it may try now. */
  retryAfterMs(client: string, nowMs: number): number {
    const recent = this.recent(client, nowMs);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures] + this.windowMs - nowMs;
  }

  /** Records one failed attempt by `client`. */
  recordFailure(client: string, nowMs: number): void {
    const recent = this.recent(client, nowMs);
    recent.push(nowMs);
    this.failures.delete(client);
    this.failures.set(client, recent); // re-inserted: Map order = least recently failed first
    while (this.failures.size > this.maxClients) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
  }

  /** Number of clients currently tracked (for tests of the memory bound). */
  get trackedClients(): number {
    return this.failures.size;
  }

  private recent(client: string, nowMs: number): number[] {
    const list = this.failures.get(client);
    if (!list) return [];
    const kept = list.filter((t) => t > nowMs - this.windowMs);
    if (kept.length === 0) this.failures.delete(client);
    else this.failures.set(client, kept);
    return kept;
  }
}
