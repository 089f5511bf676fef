/**
 * `omamori settings [--language ja|en|auto]`: this computer's omamori settings
 * ($OMAMORI_HOME/settings.json, host-tools/base/settings.ts). Without an option it shows them.
 */
import { Command } from "commander";
import { omamoriHome } from "../../base/dataDir";
import { UsageError } from "../../base/errors";
import { parseLang, say, useLanguage, localeLang } from "../../base/language";
import { readHostSettings, settingsPath, writeHostSettings } from "../../base/settings";

export function registerSettings(program: Command): void {
  program
    .command("settings")
    .description("show or change this computer's settings: --language ja|en|auto (auto = the computer's language)")
    .option("--language <ja|en|auto>", "the language omamori speaks from now on")
    .action(async (opts: { language?: string }) => {
      const home = omamoriHome();
      const { settings } = await readHostSettings(home);
      if (opts.language !== undefined) {
        const l = opts.language === "auto" ? null : parseLang(opts.language);
        if (l === null && opts.language !== "auto") throw new UsageError(say(`--language must be ja, en or auto, got ${JSON.stringify(opts.language)}`, `--language は ja、en、auto のどれかで指定してください（${JSON.stringify(opts.language)} は使えません）。`));
        if (l) settings.language = l;
        else delete settings.language;
        await writeHostSettings(home, settings);
        useLanguage(l ?? localeLang());
      }
      process.stdout.write(say(
        `Language: ${settings.language ?? "auto (the computer's: " + localeLang() + ")"}\nSettings file: ${settingsPath(home)}\n`,
        `言語：${settings.language === "ja" ? "日本語" : settings.language === "en" ? "英語" : "自動（このパソコンの言語：" + (localeLang() === "ja" ? "日本語" : "英語") + "）"}\n設定ファイル：${settingsPath(home)}\n`,
      ));
    });
}
