/**
 * `omamori register-positive`: send the token's daily keys to the health authority's server after
 * a positive test (host-tools/positive/registerPositive.ts does the work). Interactive by default;
 * every question has a flag for scripts:
 *
 *   omamori register-positive --server https://register.example.jp
 *   omamori register-positive --yes --symptoms no --test-date 2026-11-20 --number 12345678 --server URL
 *
 * Exit codes: 0 registered; 1 not registered (no consent, the token refused, the server refused
 * the number or could not be reached: the message says what to do, and the keys read from the
 * token stay kept for the next try); 2 bad input.
 */
import { Command } from "commander";
import { createInterface } from "node:readline/promises";
import { lang, say } from "../../base/language";
import { DataDir, omamoriHome } from "../../base/dataDir";
import { addTransportOptions, chooseToken, openTransport, plainFailures, tokenSecret, type TransportOptions } from "../../sync/cliSupport";
import { registerPositive, type Prompter, type RegisterAnswers } from "../../positive/registerPositive";
import { UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";

interface Flags extends TransportOptions {
  server?: string;
  token?: string;
  yes?: boolean;
  symptoms?: string;
  onsetDate?: string;
  testDate?: string;
  number?: string;
}

/** Questions on the terminal; at the end of the input (a script without flags) null. */
function terminal(): Prompter & { close(): void } {
  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
  let lines: string[] | null = null;
  return {
    print: (t) => process.stdout.write(t + "\n"),
    async ask(q) {
      if (rl) {
        try {
          return await rl.question(q);
        } catch {
          return null; // Ctrl+C / Ctrl+D: treated as no answer
        }
      }
      process.stdout.write(q);
      // piped answers: one per line
      if (lines === null) {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        lines = Buffer.concat(chunks).toString("utf8").split(/\r?\n/);
      }
      const l = lines.shift();
      process.stdout.write((l ?? "") + "\n");
      return l === undefined ? null : l;
    },
    close: () => rl?.close(),
  };
}

function flagsToAnswers(f: Flags): RegisterAnswers {
  const a: RegisterAnswers = {};
  if (f.yes) a.consent = true;
  if (f.symptoms !== undefined) {
    const s = f.symptoms.toLowerCase();
    if (s !== "yes" && s !== "no") throw new UsageError(say(`--symptoms must be yes or no, got "${f.symptoms}"`, `--symptoms は yes か no で指定してください（"${f.symptoms}" は使えません）。`));
    a.symptoms = s === "yes";
  }
  if (f.onsetDate !== undefined && f.testDate !== undefined) throw new UsageError(say("give --onset-date (with symptoms) or --test-date (without), not both", "--onset-date（症状あり）と --test-date（症状なし）のどちらか一方を指定してください。"));
  if (f.onsetDate !== undefined) {
    if (a.symptoms === false) throw new UsageError(say("--onset-date goes with --symptoms yes; without symptoms give --test-date", "--onset-date は --symptoms yes のときに使います。症状がない場合は --test-date を指定してください。"));
    a.symptoms = true;
    a.date = f.onsetDate;
  }
  if (f.testDate !== undefined) {
    if (a.symptoms === true) throw new UsageError(say("--test-date goes with --symptoms no; with symptoms give --onset-date", "--test-date は --symptoms no のときに使います。症状がある場合は --onset-date を指定してください。"));
    a.symptoms = false;
    a.date = f.testDate;
  }
  if (f.number !== undefined) a.number = f.number;
  return a;
}

export function registerRegisterPositive(program: Command): void {
  addTransportOptions(
    program
      .command("register-positive")
      .description("after a positive test: send your token's daily keys (nothing else) to the health authority's server")
      .option("--server <url>", "the diagnosis server (or OMAMORI_SERVER)")
      .option("--token <id>", "which paired token (needed when several are paired)")
      .option("--yes", "agree to send (skips the consent question)")
      .option("--symptoms <yes|no>", "whether you had symptoms")
      .option("--onset-date <date>", "the day symptoms began (YYYY-MM-DD)")
      .option("--test-date <date>", "the day of the test, without symptoms (YYYY-MM-DD)")
      .option("--number <digits>", "the 8-digit processing number from the health centre"),
  ).action((f: Flags) =>
    plainFailures(async () => {
      const server = f.server ?? process.env.OMAMORI_SERVER;
      if (!server) throw new UsageError(say("give the diagnosis server with --server URL (or OMAMORI_SERVER)", "陽性登録のサーバーを --server URL（または OMAMORI_SERVER）で指定してください。"));
      try {
        new URL(server);
      } catch {
        throw new UsageError(say(`--server must be a URL such as https://register.example.jp, got "${server}"`, `--server は https://register.example.jp のような URL で指定してください（"${server}" は使えません）。`));
      }
      const answers = flagsToAnswers(f);
      const home = omamoriHome();
      const data = new DataDir(home);
      const tokenId = await chooseToken(data, f.token);
      // the token is reached first: no adapter (or a bad scenario) is said before any question
      const t = await openTransport(f, await tokenSecret(data, tokenId));
      const io = terminal();
      try {
        const owner = t.sim ? { pressToConnect: () => t.sim!.press(), pressToConsent: () => t.sim!.pressTwiceWhenWhite() } : undefined;
        const r = await withHomeLock("register-positive", () => registerPositive({ home, transport: t.transport, server, lang: lang(), io, tokenId, answers, owner, now: t.now }), home);
        if (!r.ok) process.exitCode = r.failure === "bad-input" ? 2 : 1;
      } finally {
        io.close();
        await t.close().catch(() => undefined);
      }
    }),
  );
}
