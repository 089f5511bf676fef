/**
 * `omamori check`: fetch new keys, match every paired token, and give each one of three answers
 * (host-tools/report/verdict.ts): contact, no contact in the period covered, or could not tell —
 * with the reasons and the one thing to do; write a large-print HTML report and ask the token's
 * light to be switched on at its next sync when a new contact appears. See docs/MATCHING.md.
 *
 * Exit codes: 0 no contact in the period covered, 3 contact, 4 could not tell, 2 bad input,
 * 5 the data folder stayed busy. A data folder that cannot be written is checked without writing
 * anything (no fetch, no report), and the answer says so.
 */
import { Command } from "commander";
import { lang, say } from "../../base/language";
import { omamoriHome } from "../../base/dataDir";
import { isFileRefusal, UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";
import { resultText } from "../../report/resultText";
import { runCheck, type CheckOptions, type CheckRun } from "../../report/runCheck";
import { checkAgeHours } from "../../report/checkSettings";
import { reasonText, type Reason } from "../../report/verdict";
import { asUsageAsync, keyFileProgress, publicKeyArg } from "./keys";

function parseNow(v: string | undefined): Date {
  if (v === undefined) return new Date();
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(say(`--now must be a date and time like 2026-11-23T09:00:00Z, got "${v}"`, `--now は 2026-11-23T09:00:00Z のような日時で指定してください（"${v}" は使えません）。`));
  return d;
}

function hoursArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return checkAgeHours(flag, /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN);
  } catch (e) {
    throw new UsageError(say((e as Error).message.replace(/got NaN$/, `got ${JSON.stringify(v)}`), `${flag} は 1～360 の時間数で指定してください（${JSON.stringify(v)} は使えません）。`));
  }
}

/** A reason with its words, for --json. */
function withWords(r: Reason): Reason & { message: string; action: string } {
  const t = reasonText(r, lang());
  return { ...r, message: t.why, action: t.todo };
}

function printJson(run: CheckRun): void {
  process.stdout.write(JSON.stringify({
    verdict: run.verdict, exitCode: run.exitCode, reasons: run.reasons.map(withWords), recovered: run.recovered,
    keyFiles: run.keyFiles, keysUsable: run.keysUsable, keysCheckedAt: run.keysCheckedAt, fetch: run.fetch, matcher: run.matcher,
    tokens: run.tokens.map((t) => ({
      tokenId: t.tokenId, verdict: { kind: t.verdict.kind, reasons: t.verdict.reasons.map(withWords) }, coverage: t.coverage,
      summary: t.result.summary, reportPath: t.reportPath, alertRequested: t.alertRequested, reused: t.reused,
      ...(t.matching ? { matching: t.matching } : {}),
    })),
  }, null, 1) + "\n");
}

function printText(run: CheckRun): void {
  const l = lang();
  for (const k of run.recovered) {
    process.stderr.write("omamori: " + say(`${k.file} was damaged; it was kept as ${k.keptAs} (nothing was deleted) and started afresh.`, `${k.file} が壊れていたため、${k.keptAs} として残し（何も消していません）、新しく作り直しました。`) + "\n");
  }
  if (run.matcher.engine === "js" && run.tokens.some((t) => t.matching)) {
    // once per check, however many tokens: the results are the same, only slower
    process.stderr.write(say(
      `Note: keys were matched with the slower JavaScript matcher (${run.matcher.reason}). The results are the same.\n`,
      "お知らせ：速い照合プログラムを使えなかったため、時間のかかる方法で照合しました。結果は同じです。\n",
    ));
  }
  if (run.tokens.length === 0) {
    const lines = [say("== Contact check result ==", "== 接触の確認結果 =="), "  " + say("Could not tell whether there was a contact.", "接触があったかどうか、確認できませんでした。")];
    run.reasons.forEach((r, i) => {
      const t = reasonText(r, l);
      lines.push("  " + say("Why: ", "理由：") + t.why, "  " + (i === 0 ? say("What to do: ", "まずすること：") : say("Then: ", "次に：")) + t.todo);
    });
    process.stdout.write(lines.join("\n") + "\n");
    return;
  }
  for (const t of run.tokens) {
    process.stdout.write(resultText(t.result, l) + "\n");
    if (t.reportPath) process.stdout.write(say(`Large-print report to print: ${t.reportPath}\n`, `印刷用の大きな文字の報告書：${t.reportPath}\n`));
    if (t.alertRequested) process.stdout.write(say("The token's contact light will be switched on at its next sync.\n", "次の同期のときに、お守りのランプで接触をお知らせします。\n"));
  }
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("fetch new positive keys, check every paired token: contact, no contact in the period covered, or could not tell (and why)")
    .option("--source <src...>", "key sources instead of check.json keySources (list.json URL/file, zip, directory)")
    .option("--public-key <key>", "trust this public key too (base64, PEM, or PEM file)")
    .option("--allow-unsigned", "accept export files whose signature does not verify (testing only)")
    .option("--offline", "do not fetch; use the keys already downloaded")
    .option("--max-key-age <hours>", "keys older than this give \"could not tell\" (1..360, default: check.json maxKeyAgeHours or 48)")
    .option("--max-sync-age <hours>", "a last sync older than this gives \"could not tell\" (1..360, default: check.json maxSyncAgeHours or 48)")
    .option("--now <time>", "check as of this time (ISO 8601; for testing)")
    .option("--json", "print JSON")
    .action(async (opts: { source?: string[]; publicKey?: string; allowUnsigned?: boolean; offline?: boolean; maxKeyAge?: string; maxSyncAge?: string; now?: string; json?: boolean }) => {
      const home = omamoriHome();
      const o: CheckOptions = {
        home, now: parseNow(opts.now), lang: lang(), sources: opts.source, extraTrust: opts.publicKey ? [publicKeyArg(opts.publicKey)] : [],
        allowUnsigned: opts.allowUnsigned, offline: opts.offline,
        maxKeyAgeHours: hoursArg("--max-key-age", opts.maxKeyAge), maxSyncAgeHours: hoursArg("--max-sync-age", opts.maxSyncAge),
      };
      const progress = keyFileProgress(!opts.json);
      let run: CheckRun;
      try {
        run = await withHomeLock("check", () => asUsageAsync("check", () => runCheck({ ...o, onProgress: progress.onProgress })), home);
      } catch (e) {
        if (!isFileRefusal(e)) throw e;
        // the folder cannot be written: check what is there, writing nothing
        const why = e.code === "ENOSPC" || e.code === "EDQUOT" ? "the disk is full" : e.code === "EROFS" ? "read-only" : "no permission";
        run = await asUsageAsync("check", () => runCheck({ ...o, readOnly: why }));
      } finally {
        progress.stop();
      }
      if (opts.json) printJson(run);
      else printText(run);
      process.exitCode = run.exitCode;
    });
}
