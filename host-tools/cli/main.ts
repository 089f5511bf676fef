/**
 * Entry point of the `omamori` command. Each command lives in its own module under
 * host-tools/cli/commands/ and registers itself on the program here; a command is
 * listed only once it works.
 *
 * Exit codes (the same for every command; README "Exit codes"):
 *   0  done (for `check`: no contact found in the period covered)
 *   1  could not be done: the message says why and what to do; nothing saved was lost
 *   2  a mistake in the command line or in a file given to it
 *   3  `check`: a contact was found
 *   4  `check`: could not tell (the message says why and the one thing to do)
 *   5  the data folder is in use by another omamori run that did not finish in time
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { UsageError, isFileRefusal, plainFileError } from "../base/errors";
import { LANGS, parseLang, useLanguage, say } from "../base/language";
import { LockBusy } from "../base/lock";
import { omamoriHome } from "../base/dataDir";
import { readHostSettings } from "../base/settings";
import { describeLockHolder } from "./dataLock";
import { plainCommanderError } from "./commanderWords";
import { registerCrypto } from "./commands/crypto";
import { registerServer } from "./commands/server";
import { registerKeys } from "./commands/keys";
import { registerMatch } from "./commands/match";
import { registerCheck } from "./commands/check";
import { registerExportLog } from "./commands/export-log";
import { registerRegisterPositive } from "./commands/register-positive";
import { registerSync } from "./commands/sync";
import { registerStatus } from "./commands/status";
import { registerToken } from "./commands/token";
import { registerSettings } from "./commands/settings";
import { registerWeb } from "./commands/web";

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, CONTACT: 3, COULD_NOT_TELL: 4, BUSY: 5 } as const;

/** The version in package.json. */
export function version(): string {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("omamori")
    .description("Omamori: exposure notification for people without a smartphone (host tool)")
    .version("omamori " + version(), "-v, --version", "print the version")
    .addOption(new Option("--lang <ja|en>", "language of every message, with any command (default: `npx omamori settings --language`, then the computer's)").choices([...LANGS]))
    .addHelpText("after", "\nExit codes: 0 done (check: no contact found), 1 could not be done, 2 bad input,\n" +
      "3 check: contact found, 4 check: could not tell, 5 data folder busy. Details: README.md.")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write("omamori: " + plainCommanderError(s) + "\n") });
  registerCrypto(program);
  registerServer(program);
  registerKeys(program);
  registerMatch(program);
  registerCheck(program);
  registerExportLog(program);
  registerRegisterPositive(program);
  registerSync(program);
  registerStatus(program);
  registerToken(program);
  registerSettings(program);
  registerWeb(program);
  return program;
}

/** The value of `--lang` on the command line (before the command runs, so every message uses it). */
function langOption(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === "--") return undefined;
    if (argv[i] === "--lang") return argv[i + 1] ?? "";
    if (argv[i].startsWith("--lang=")) return argv[i].slice(7);
  }
  return undefined;
}

/** argv without `--lang X` / `--lang=X` (read before commander sees the command line). */
function withoutLangOption(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") return out.concat(argv.slice(i));
    if (i >= 2 && argv[i] === "--lang") i++;
    else if (!(i >= 2 && argv[i].startsWith("--lang="))) out.push(argv[i]);
  }
  return out;
}

/** Chooses the language of this run: --lang, then OMAMORI_LANG, the settings file, the locale. */
async function chooseLanguage(argv: string[]): Promise<void> {
  useLanguage(null);
  const flag = langOption(argv);
  if (flag !== undefined) {
    const l = parseLang(flag);
    if (!l) throw new UsageError(say(`--lang must be ja or en, got ${JSON.stringify(flag)}`, `--lang は ja か en で指定してください（${JSON.stringify(flag)} は使えません）。`));
    useLanguage(l);
    return;
  }
  if (parseLang(process.env.OMAMORI_LANG)) return;
  const { settings, warning } = await readHostSettings(omamoriHome());
  if (settings.language) useLanguage(settings.language);
  if (warning) process.stderr.write("omamori: " + warning + "\n");
}

/** Runs the CLI and returns the exit code (table above). */
export async function main(argv: string[]): Promise<number> {
  try {
    await chooseLanguage(argv);
    const program = buildProgram();
    await program.parseAsync(withoutLangOption(argv));
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof UsageError) {
      process.stderr.write("omamori: " + e.message + "\n");
      return EXIT.USAGE;
    }
    if (e instanceof LockBusy) {
      process.stderr.write("omamori: " + describeLockHolder(e) + "\n");
      return EXIT.BUSY;
    }
    if (isFileRefusal(e)) {
      process.stderr.write("omamori: " + plainFileError(e) + "\n");
      return EXIT.FAILED;
    }
    throw e;
  }
}
