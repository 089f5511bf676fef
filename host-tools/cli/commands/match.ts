/**
 * `omamori match --log LOG --keys PATH... [--config FILE] [--json]`: match one contact log (the
 * interchange format, docs/FORMATS.md) against export zips or directories of them, and print the
 * per-day results (docs/MATCHING.md). Bad log, keys or configuration: one plain line, exit 2.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { lang, say } from "../../base/language";
import { keysFromPaths } from "../../keys/loadKeys";
import { loadCheckSettings } from "../../report/checkSettings";
import { omamoriHome } from "../../base/dataDir";
import { dayLabel } from "../../base/time";
import type { ExposureSummary } from "../../match/dailySummary";
import { readLogForMatching } from "../../match/logColumns";
import { LogFormatError } from "../../log/omamoriLog";
import { matchLog } from "../../match/matchLog";
import { loadRiskConfig } from "../../match/riskConfig";
import { UsageError } from "../../base/errors";
import { asUsage, publicKeyArg } from "./keys";

/**
 * The result of matching one log file against these key files: a technical answer about those
 * inputs only (for the owner's verdict, with key freshness and the days the log covers, there is
 * `omamori check`).
 */
function matchText(s: ExposureSummary, keys: number, l: "ja" | "en"): string {
  const ja = l === "ja";
  const risky = s.days.filter((d) => d.risky);
  const lines = [risky.length
    ? ja ? `この記録とこれらの鍵（${keys}件）の照合：${s.riskyDays}日間に合計${s.riskyMinutes}分間の接触がありました。` : `This log against these ${keys} keys: contact on ${s.riskyDays} ${s.riskyDays === 1 ? "day" : "days"}, ${s.riskyMinutes} minutes in total.`
    : ja ? `この記録とこれらの鍵（${keys}件）の照合：${dayLabel(s.fromDate, l)}から${dayLabel(s.toDate, l)}までに、接触は見つかりませんでした。` : `This log against these ${keys} keys: no contact found from ${dayLabel(s.fromDate, l)} to ${dayLabel(s.toDate, l)}.`];
  for (const d of risky) lines.push(ja ? `  ${dayLabel(d.date, l)}：${d.minutes}分間の接触` : `  ${dayLabel(d.date, l)}: ${d.minutes} minutes of contact`);
  const low = s.days.length - risky.length;
  if (low) lines.push(ja ? `  ほかに、基準に届かない短い・離れた接触が${low}日ありました。` : `  Short or distant contacts below the threshold on ${low} more ${low === 1 ? "day" : "days"}.`);
  lines.push(ja ? "お守りの持ち主への答え（鍵の新しさや記録の期間も確かめます）は npx omamori check で出します。" : "This compares one log file with these key files only; the owner's answer (which also checks that the keys are fresh and the log covers the days) comes from npx omamori check.");
  return lines.join("\n") + "\n";
}

export function registerMatch(program: Command): void {
  program
    .command("match")
    .description("match a contact log against diagnosis-key export files")
    .requiredOption("--log <file>", "contact log (omamori-log JSON, as written by npx omamori export-log)")
    .requiredOption("--keys <paths...>", "export zips or directories of them")
    .option("--config <file>", "risk configuration JSON (default: COCOA's final configuration)")
    .option("--public-key <key>", "trust this public key (base64, PEM, or PEM file); also check.json publicKeys")
    .option("--allow-unsigned", "accept export files whose signature does not verify (testing only)")
    .option("--now <time>", "match as of this time (ISO 8601; default now)")
    .option("--json", "print JSON: per-day results and totals")
    .action(async (opts: { log: string; keys: string[]; config?: string; publicKey?: string; allowUnsigned?: boolean; now?: string; json?: boolean }) => {
      const now = opts.now ? new Date(opts.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new UsageError(say(`--now must be a date and time, got "${opts.now}"`, `--now は 2026-11-23T09:00:00Z のような日時で指定してください（"${opts.now}" は使えません）。`));
      const nowSeconds = now.getTime() / 1000;
      let logBytes: Uint8Array;
      try {
        logBytes = readFileSync(opts.log);
      } catch (e) {
        throw new UsageError(say(`cannot read the log ${opts.log} (${(e as NodeJS.ErrnoException).code}); check the file's name and folder`, `記録ファイル ${opts.log} を読めません。ファイルの名前と場所を確かめてください。`));
      }
      const { header: log, index } = asUsage(opts.log, () => readLogForMatching(logBytes));
      const config = asUsage(opts.config ?? "risk configuration", () => loadRiskConfig(opts.config));
      const settings = asUsage("check.json", () => loadCheckSettings(omamoriHome()));
      const trust = { keys: settings.publicKeys.concat(opts.publicKey ? [publicKeyArg(opts.publicKey)] : []), allowUnsigned: !!opts.allowUnsigned };
      if (trust.keys.length === 0 && !trust.allowUnsigned) {
        throw new UsageError(say("no public key to verify the export files: give --public-key (or --allow-unsigned for testing)", "鍵のファイルの署名を確かめる公開鍵がありません。--public-key を指定してください（試験用には --allow-unsigned）。"));
      }
      const loaded = asUsage("keys", () => keysFromPaths(opts.keys, trust, nowSeconds));
      let r: Awaited<ReturnType<typeof matchLog>>;
      try {
        r = await matchLog(log, loaded.validation.keys, config, nowSeconds, undefined, index);
      } catch (e) {
        if (e instanceof LogFormatError) throw new UsageError(`${opts.log}: ${e.message}`); // e.g. damaged scan times
        throw e;
      }
      if (opts.json) {
        const out = {
          tokenId: r.tokenId, board: r.board, rssiOffsetDb: r.rssiOffsetDb,
          keys: { files: loaded.files, read: loaded.validation.read, usable: loaded.validation.keys.count, revisedApplied: loaded.validation.revisedApplied, dropped: loaded.validation.dropped },
          matching: { encounters: r.encounters, keysChecked: r.keysChecked, keysDerived: r.keysDerived, identifiersDerived: r.identifiersDerived, matchedIdentifiers: r.matchedIdentifiers, dropped: r.dropped, engine: r.engine },
          from: r.summary.fromDate, to: r.summary.toDate,
          days: r.summary.days,
          totals: { riskyDays: r.summary.riskyDays, riskyMinutes: r.summary.riskyMinutes, contactDays: r.summary.days.length },
          windows: r.windows.map(({ key: _key, ...w }) => w),
        };
        process.stdout.write(JSON.stringify(out, null, 1) + "\n");
        return;
      }
      process.stdout.write(matchText(r.summary, loaded.validation.keys.count, lang()));
    });
}
