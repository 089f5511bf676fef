/**
 * `omamori register-positive` as a function (docs/spec/cocoa-promises.md
 * "Registering as positive"):
 *
 *   1. explain exactly what will be uploaded and ask for consent;
 *   2. symptoms yes/no, then the onset date, or the test date;
 *   3. the 8-digit processing number, checked locally and asked again on a typo;
 *   4. the daily keys from the token through an authenticated sync session: the owner presses the
 *      token's button to find it, then twice when it flashes white to release the keys (the token
 *      refuses without those presses); the keys are kept on the host (pendingKeys.ts, mode 0600)
 *      until the server has them;
 *   5. upload in COCOA's v3 format (host-tools/server/client.ts), then delete the kept keys;
 *      a wrong or used number, an expired number or an unreachable server gives a clear,
 *      retryable message, and the keys stay kept (a typed number is asked again at once).
 *
 * The terminal, the token's owner and the clock come in as options, so the simulator and the
 * tests run this very function (host-tools/demo/story.ts).
 */
import { HostSession } from "../sync/session";
import { connectToken } from "../sync/syncToken";
import { DataDir } from "../base/dataDir";
import { SyncError } from "../sync/errors";
import type { SyncTransport } from "../sync/transport";
import { buildSubmission, submitDiagnosis, SubmissionError, type SubmitOptions, type SubmissionFailure } from "../server/client";
import { deletePending, loadPending, savePending, type PendingKeys } from "./pendingKeys";
import { words, type Lang, type WordId } from "./words";

/** The person at the computer: lines to read, questions to answer (null = no more input). */
export interface Prompter {
  print(text: string): void;
  ask(question: string): Promise<string | null>;
}

/**
 * What the owner does with the token when told to. With a real token nothing is needed (the
 * person reads the prompt and presses); the simulator presses the simulated button.
 */
export interface TokenOwner {
  pressToConnect?(): void | Promise<void>;
  pressToConsent?(): void | Promise<void>;
}

/** Answers given up front (flags); each one given is not asked. */
export interface RegisterAnswers {
  consent?: boolean;
  symptoms?: boolean;
  /** Onset date with symptoms, test date without: "YYYY-MM-DD". */
  date?: string;
  number?: string;
}

export interface RegisterOptions {
  /** $OMAMORI_HOME: paired tokens, and the kept keys (positive/). */
  home: string;
  transport: SyncTransport;
  /** Base URL of the diagnosis server (PUT <server>/v3/diagnosis). */
  server: string;
  lang: Lang;
  io: Prompter;
  tokenId?: string;
  answers?: RegisterAnswers;
  owner?: TokenOwner;
  /** Host clock, ms (the simulator passes its world clock). */
  now?: () => number;
  submit?: SubmitOptions;
  scanTimeoutMs?: number;
  /** How long the host waits for the owner's press on the token (the token itself waits 30 s). */
  consentWaitMs?: number;
}

export type Failure = "no-consent" | "bad-input" | "refused-on-token" | "token" | SubmissionFailure;

export type RegisterOutcome =
  | { ok: true; tokenId: string; keysSent: number; keysAccepted: number; keysDropped: number }
  | { ok: false; tokenId?: string; failure: Failure; message: string; retryable: boolean; keysKept: boolean };

const DAY_MS = 86_400_000;
/** Keys kept from an earlier try are sent again only within this time; older ones are read anew. */
const KEPT_KEYS_MAX_AGE_MS = 3 * DAY_MS;

/** The 8 digits of a typed number (full-width digits, spaces and hyphens allowed), or null. */
export function processingNumberOf(typed: string): string | null {
  const digits = typed.normalize("NFKC").replace(/[\s\-‐‑–—ー－]/g, "");
  return /^[0-9]{8}$/.test(digits) ? digits : null;
}

/**
 * A calendar date "YYYY-MM-DD" (full-width digits and "/" allowed) that is not in the future and
 * at most 14 days back, or null. "Today" allows one day ahead of UTC (Japan is UTC+9).
 */
export function dateOf(typed: string, nowMs: number): string | null {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(typed.normalize("NFKC").trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return null;
  const day = Math.floor(ms / DAY_MS);
  const today = Math.floor(nowMs / DAY_MS);
  if (day > today + 1 || day < today - 14) return null;
  return d.toISOString().slice(0, 10);
}

/** yes/no in either language; null when it is neither. */
function yesNoOf(typed: string): boolean | null {
  const t = typed.normalize("NFKC").trim().toLowerCase();
  if (["y", "yes", "はい", "ok", "1"].includes(t)) return true;
  if (["n", "no", "いいえ", "0"].includes(t)) return false;
  return null;
}

class Stop extends Error {
  constructor(readonly outcome: RegisterOutcome) {
    super(outcome.ok ? "ok" : outcome.message);
  }
}

export async function registerPositive(o: RegisterOptions): Promise<RegisterOutcome> {
  const now = o.now ?? Date.now;
  const say = (id: WordId, vars?: Record<string, string | number>) => words(o.lang, id, vars);
  const answers = o.answers ?? {};
  /** Ends with a failure; the message is shown unless it already was. */
  const fail = (failure: Failure, message: string, retryable: boolean, keysKept: boolean, tokenId?: string, shown = false): never => {
    if (!shown) o.io.print(message);
    throw new Stop({ ok: false, tokenId, failure, message, retryable, keysKept });
  };

  /** Asks until `parse` accepts; a flag value is used as is (and a bad one is an input error). */
  async function obtain<T>(given: string | undefined, question: WordId, parse: (s: string) => T | null, bad: WordId): Promise<T> {
    if (given !== undefined) {
      const v = parse(given);
      if (v === null) fail("bad-input", say(bad), false, false);
      return v as T;
    }
    for (;;) {
      const typed = await o.io.ask(say(question));
      if (typed === null) fail("bad-input", say("noAnswer", { q: say(question).replace(/[:：]\s*$/, "") }), false, false);
      const v = parse(typed as string);
      if (v !== null) return v;
      o.io.print(say(bad));
    }
  }

  try {
    const data = new DataDir(o.home);
    const ids = await data.tokenIds();
    const tokenId = o.tokenId ?? (ids.length === 1 ? ids[0] : undefined);
    if (!tokenId) fail("bad-input", ids.length === 0 ? say("noToken") : say("whichToken", { ids: ids.join(", ") }), false, false);
    if (!ids.includes(tokenId!)) fail("bad-input", say("noToken"), false, false);
    const id = tokenId!;

    // 1. what is sent, and consent
    o.io.print(say("intro"));
    const consent = answers.consent ?? (await obtain<boolean>(undefined, "consentQuestion", yesNoOf, "yesNo"));
    if (!consent) fail("no-consent", say("noConsent"), false, false, id);

    // 2. symptoms and the date
    const symptoms = answers.symptoms ?? (await obtain<boolean>(undefined, "symptomsQuestion", yesNoOf, "yesNo"));
    const date = await obtain(answers.date, symptoms ? "onsetQuestion" : "testQuestion", (s) => dateOf(s, now()), "badDate");

    // 3. the processing number, checked here before anything is sent
    let number = await obtain(answers.number, "numberQuestion", processingNumberOf, "badNumber");

    // 4. the keys: kept from an earlier attempt, or read from the token with the owner's press
    let pending: PendingKeys | null = await loadPending(o.home, id);
    if (pending && !(now() - Date.parse(pending.readAt) < KEPT_KEYS_MAX_AGE_MS)) {
      // kept from a try long ago (a processing number lasts 72 h): read today's keys instead
      await deletePending(o.home, id);
      pending = null;
    }
    if (pending) {
      o.io.print(say("keptFromBefore"));
    } else {
      let session: HostSession | null = null;
      try {
        const token = await data.loadToken(id);
        o.io.print(say("pressToConnect"));
        await o.owner?.pressToConnect?.();
        session = await connectToken(o.transport, token.secret, o.scanTimeoutMs ?? 30_000, 10_000);
        o.io.print(say("pressToConsent"));
        await o.owner?.pressToConsent?.();
        const keys = await session.readKeys(o.consentWaitMs ?? 40_000);
        pending = {
          tokenId: id, readAt: new Date(now()).toISOString(),
          keys: keys.map((k) => ({ keyData: k.tek, rollingStartNumber: k.rollingStart, rollingPeriod: k.rollingPeriod || 144 })),
        };
        await savePending(o.home, pending);
        o.io.print(say("keysRead", { n: keys.length }));
      } catch (e) {
        if (e instanceof Stop) throw e;
        if (e instanceof SyncError && e.code === "refused") fail("refused-on-token", say("refusedOnToken"), true, false, id);
        fail("token", say("tokenProblem", { why: (e as Error).message }), true, false, id);
      } finally {
        if (session) await session.close().catch(() => undefined);
      }
    }

    // 5. upload; a typed number that the server refuses is asked again (the keys stay kept)
    for (;;) {
      const submission = buildSubmission({
        keys: pending!.keys.map((k) => ({ keyData: k.keyData, rollingStartNumber: k.rollingStartNumber, rollingPeriod: k.rollingPeriod })),
        processingNumber: number,
        hasSymptom: symptoms,
        onsetDate: date,
      });
      o.io.print(say("sending", { server: o.server }));
      try {
        const answer = await submitDiagnosis(o.server, submission, o.submit);
        await deletePending(o.home, id);
        o.io.print(say("success", { n: answer.keysAccepted }));
        if (answer.keysDropped.length) o.io.print(say("dropped", { n: answer.keysDropped.length }));
        return { ok: true, tokenId: id, keysSent: pending!.keys.length, keysAccepted: answer.keysAccepted, keysDropped: answer.keysDropped.length };
      } catch (e) {
        if (!(e instanceof SubmissionError)) throw e;
        const message = o.lang === "ja" ? e.messageJa : e.message;
        o.io.print(message);
        const numberProblem = e.kind === "INVALID_NUMBER" || e.kind === "NUMBER_EXPIRED";
        if (e.kind === "INVALID_NUMBER" && answers.number === undefined) {
          const again = await o.io.ask(say("tryNumberAgain"));
          const n = again === null ? null : processingNumberOf(again);
          if (again !== null && again.trim() !== "" && n === null) o.io.print(say("badNumber"));
          if (n !== null) {
            number = n;
            continue;
          }
        }
        o.io.print(say("keysKept"));
        fail(e.kind, message, numberProblem || e.retryable, true, id, true);
      }
    }
  } catch (e) {
    if (e instanceof Stop) return e.outcome;
    throw e;
  }
}
