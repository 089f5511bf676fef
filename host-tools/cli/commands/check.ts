/**
 * `omamori check`: fetch new keys, match every synced token, tell the owner plainly (Japanese when
 * LANG/LC_ALL starts with "ja"), write a large-print HTML report, and ask the token's alert light
 * to be set at its next sync when a new risky day appears. See docs/MATCHING.md.
 */
import { Command } from "commander";
import { japanese, say } from "../../base/language";
import { omamoriHome } from "../../base/dataDir";
import { resultText } from "../../report/resultText";
import { runCheck } from "../../report/runCheck";
import { UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";
import { asUsageAsync, keyFileProgress, publicKeyArg } from "./keys";

function parseNow(v: string | undefined): Date {
  if (v === undefined) return new Date();
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(say(`--now must be a date and time like 2026-11-23T09:00:00Z, got "${v}"`, `--now は 2026-11-23T09:00:00Z のような日時で指定してください ("${v}")`));
  return d;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("fetch new positive keys, check every synced token for contacts, and report")
    .option("--source <src...>", "key sources instead of check.json keySources (list.json URL/file, zip, directory)")
    .option("--public-key <key>", "trust this public key too (base64, PEM, or PEM file)")
    .option("--allow-unsigned", "accept export files whose signature does not verify (testing only)")
    .option("--offline", "do not fetch; use the keys already downloaded")
    .option("--now <time>", "check as of this time (ISO 8601; for testing)")
    .option("--json", "print JSON")
    .action(async (opts: { source?: string[]; publicKey?: string; allowUnsigned?: boolean; offline?: boolean; now?: string; json?: boolean }) => {
      const lang = japanese() ? "ja" : "en";
      const home = omamoriHome();
      const extraTrust = opts.publicKey ? [publicKeyArg(opts.publicKey)] : [];
      const progress = keyFileProgress(!opts.json);
      const run = await withHomeLock("check", () => asUsageAsync("check", () =>
        runCheck({ home, now: parseNow(opts.now), lang, sources: opts.source, extraTrust, allowUnsigned: opts.allowUnsigned, offline: opts.offline, onProgress: progress.onProgress }),
      ), home).finally(progress.stop);
      if (opts.json) {
        process.stdout.write(JSON.stringify({
          keyFiles: run.keyFiles, keysUsable: run.keysUsable, keysCheckedAt: run.keysCheckedAt,
          fetch: run.fetch, matcher: run.matcher,
          tokens: run.tokens.map((t) => ({ tokenId: t.tokenId, summary: t.result.summary, reportPath: t.reportPath, alertRequested: t.alertRequested, reused: t.reused, ...(t.matching ? { matching: t.matching } : {}), ...(t.problem ? { problem: t.problem } : {}) })),
        }, null, 1) + "\n");
        return;
      }
      for (const p of run.fetch?.problems ?? []) {
        process.stderr.write(say(`Could not use ${p.source}: ${p.message}\n`, `${p.source} を使えませんでした: ${p.message}\n`));
      }
      if (run.matcher.engine === "js") {
        // once per check, however many tokens: the results are the same, only slower
        process.stderr.write(say(
          `Note: keys were matched with the slower JavaScript matcher (${run.matcher.reason}). The results are the same.\n`,
          `お知らせ: 速い照合プログラムを使えなかったため、時間のかかる方法で照合しました。結果は同じです。(理由: ${run.matcher.reason})\n`,
        ));
      }
      if (run.tokens.length === 0) {
        process.stdout.write(say("No synced token found. Sync your token first (omamori sync), then check again.\n", "同期されたお守りがありません。先にお守りを同期して (omamori sync)、もう一度確認してください。\n"));
        process.exitCode = 1;
        return;
      }
      for (const t of run.tokens) {
        if (t.problem) process.stderr.write(say(`The log of token ${t.tokenId} could not be read (${t.problem}); sync it again.\n`, `お守り ${t.tokenId} の記録を読めませんでした (${t.problem})。もう一度同期してください。\n`));
        process.stdout.write(resultText(t.result, lang) + "\n");
        process.stdout.write(say(`Large-print report to print: ${t.reportPath}\n`, `印刷用の大きな文字の報告書: ${t.reportPath}\n`));
        if (t.alertRequested) process.stdout.write(say("The token's contact light will be switched on at its next sync.\n", "次の同期のときに、お守りの接触ランプが点きます。\n"));
      }
    });
}
