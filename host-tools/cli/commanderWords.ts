/**
 * Commander's own complaints about a command line (an unknown option, a missing value, a value
 * not among the choices, ...) in the words and the language of every other omamori message:
 * "omamori: ..." in English or Japanese, with the valid values, instead of commander's English
 * "error: ...". Its messages are matched by their wording (commander 14, lib/command.js); one
 * this table does not know is passed on in English rather than lost.
 */
import { say } from "../base/language";

const HELP_EN = " See the valid options with --help.";
const HELP_JA = "使える指定は --help で表示できます。";

/** The commands' arguments (`.argument("<file>")`), named for a person. */
const ARGUMENTS: Record<string, [string, string]> = {
  file: ["a file name", "ファイル名"],
  "on|off": ["on or off", " on か off "],
};

/** "(Did you mean x?)" / "(Did you mean one of x, y?)" at the end of a commander message. */
function suggestion(rest: string): { en: string; ja: string } {
  const m = /\(Did you mean (?:one of )?(.+)\?\)/.exec(rest);
  if (!m) return { en: "", ja: "" };
  const names = m[1].split(", ").map((n) => JSON.stringify(n));
  return { en: ` Did you mean ${names.join(" or ")}?`, ja: `${names.join(" か ")} のことですか？` };
}

/** One plain line for commander's message `str` ("error: ...\n", maybe a suggestion line after). */
export function plainCommanderError(str: string): string {
  const s = str.replace(/^error: /, "").trim();
  let m: RegExpExecArray | null;
  if ((m = /^unknown option '([^']+)'([\s\S]*)$/.exec(s))) {
    const d = suggestion(m[2]);
    return say(`there is no option ${m[1]} here.${d.en}${HELP_EN}`, `${m[1]} という指定はありません。${d.ja}${HELP_JA}`);
  }
  if ((m = /^unknown command '([^']+)'([\s\S]*)$/.exec(s))) {
    const d = suggestion(m[2]);
    const name = JSON.stringify(m[1]);
    return say(`there is no command ${name}.${d.en} See every command with npx omamori --help.`, `${name} というコマンドはありません。${d.ja}コマンドの一覧は npx omamori --help で表示できます。`);
  }
  if ((m = /^required option '([^' ]+)(?: <[^>]*>)?' not specified$/.exec(s))) {
    return say(`${m[1]} is needed with this command.${HELP_EN}`, `このコマンドには ${m[1]} の指定が必要です。${HELP_JA}`);
  }
  if ((m = /^option '([^' ]+)(?: <[^>]*>)?' argument missing$/.exec(s))) {
    return say(`${m[1]} needs a value after it.${HELP_EN}`, `${m[1]} の後に値を指定してください。${HELP_JA}`);
  }
  if ((m = /^missing required argument '([^']+)'$/.exec(s))) {
    const [en, ja] = ARGUMENTS[m[1]] ?? [m[1].toUpperCase(), m[1].toUpperCase()];
    return say(`this command needs ${en} after it.${HELP_EN}`, `このコマンドの後に${ja}を指定してください。${HELP_JA}`);
  }
  if ((m = /^option '([^' ]+)(?: <[^>]*>)?' argument '([^']*)' is invalid\. Allowed choices are (.+)\.$/.exec(s))) {
    const choices = m[3].split(", ").map((c) => JSON.stringify(c));
    return say(`${m[1]} must be ${choices.join(" or ")}, got ${JSON.stringify(m[2])}.`, `${m[1]} は ${choices.join("、")} のどれかで指定してください（${JSON.stringify(m[2])} は使えません）。`);
  }
  if ((m = /^too many arguments(?: for '([^']+)')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(s))) {
    return say(`too many words after the command: it takes ${m[2]}, got ${m[3]}.${HELP_EN}`, `コマンドの後の指定が多すぎます（${m[2]} 個まで、${m[3]} 個あります）。${HELP_JA}`);
  }
  if ((m = /^option '([^' ]+)[^']*' cannot be used with option '([^' ]+)[^']*'$/.exec(s))) {
    return say(`${m[1]} and ${m[2]} cannot be used together.`, `${m[1]} と ${m[2]} は一緒に使えません。`);
  }
  return s.replace(/\n/g, " ");
}
