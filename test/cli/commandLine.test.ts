/**
 * Mistakes in the command line that commander itself finds (an unknown option or command, a
 * missing value or argument, a value not among the choices, too many arguments) are said like
 * every other omamori message: one "omamori: ..." line, exit code 2, the valid values or the
 * likely intended word, and in Japanese when Japanese is chosen. Values omamori checks itself
 * (the server's and the crypto helper's numbers) state their valid range the same way.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../report/runCli";
import { japaneseProblems } from "./japanese.test";

const CASES: { args: string[]; en: string; ja: string }[] = [
  { args: ["check", "--bogus"], en: "omamori: there is no option --bogus here. See the valid options with --help.\n", ja: "omamori: --bogus という指定はありません。使える指定は --help で表示できます。\n" },
  { args: ["chek"], en: 'omamori: there is no command "chek". Did you mean "check"? See every command with npx omamori --help.\n', ja: 'omamori: "chek" というコマンドはありません。"check" のことですか？コマンドの一覧は npx omamori --help で表示できます。\n' },
  { args: ["token", "pair"], en: "omamori: --token is needed with this command. See the valid options with --help.\n", ja: "omamori: このコマンドには --token の指定が必要です。使える指定は --help で表示できます。\n" },
  { args: ["sync", "--token"], en: "omamori: --token needs a value after it. See the valid options with --help.\n", ja: "omamori: --token の後に値を指定してください。使える指定は --help で表示できます。\n" },
  { args: ["keys", "inspect"], en: "omamori: this command needs a file name after it. See the valid options with --help.\n", ja: "omamori: このコマンドの後にファイル名を指定してください。使える指定は --help で表示できます。\n" },
  { args: ["sync", "--transport", "bt"], en: 'omamori: --transport must be "ble" or "sim", got "bt".\n', ja: 'omamori: --transport は "ble"、"sim" のどれかで指定してください（"bt" は使えません）。\n' },
  { args: ["keys", "inspect", "a.zip", "b.zip"], en: "omamori: too many words after the command: it takes 1, got 2. See the valid options with --help.\n", ja: "omamori: コマンドの後の指定が多すぎます（1 個まで、2 個あります）。使える指定は --help で表示できます。\n" },
];

/** Values omamori itself rejects: each message states the valid range, in both languages. */
const RANGES: { args: string[]; en: string; ja: string }[] = [
  { args: ["server", "serve", "--port", "99999"], en: 'omamori: --port must be a whole number from 0 to 65535, got "99999"\n', ja: 'omamori: --port は 0～65535 の整数で指定してください（"99999" は使えません）。\n' },
  { args: ["server", "init", "--max-keys-per-file", "abc"], en: 'omamori: --max-keys-per-file must be a whole number from 1 to 750000, got "abc"\n', ja: 'omamori: --max-keys-per-file は 1～750000 の整数で指定してください（"abc" は使えません）。\n' },
  { args: ["server", "issue-number", "--ttl-hours", "-1"], en: 'omamori: --ttl-hours must be a number of hours above 0 and at most 720, got "-1"\n', ja: 'omamori: --ttl-hours は 0 より大きく 720 以下の時間数で指定してください（"-1" は使えません）。\n' },
  { args: ["crypto", "rpi", "--tek", "zz", "--enin", "1"], en: 'omamori: --tek must be 16 bytes written as 32 hex digits (0-9, a-f), got "zz"\n', ja: 'omamori: --tek は 16 バイトを 16 進数 32 桁（0～9、a～f）で指定してください（"zz" は使えません）。\n' },
  { args: ["crypto", "rpi", "--tek", "00112233445566778899aabbccddeeff", "--enin", "-5"], en: 'omamori: --enin must be a whole number from 0 to 4294967295, got "-5"\n', ja: 'omamori: --enin は 0～4294967295 の整数で指定してください（"-5" は使えません）。\n' },
];

describe("rejected values state their valid range", () => {
  let home: string;
  before(() => (home = mkdtempSync(join(tmpdir(), "omamori-ranges-"))));
  after(() => rmSync(home, { recursive: true, force: true }));

  for (const c of RANGES) {
    it(`omamori ${c.args.join(" ")}`, async () => {
      const data = ["--data", join(home, "server")];
      const args = c.args[0] === "server" ? [...c.args, ...data] : c.args;
      const en = await runCli(args, { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
      expect(en.code).to.equal(2);
      expect(en.stderr).to.equal(c.en);
      const ja = await runCli(["--lang", "ja", ...args], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
      expect(ja.code).to.equal(2);
      expect(ja.stderr).to.equal(c.ja);
    });
  }
});

describe("command-line mistakes found by commander", () => {
  let home: string;
  before(() => (home = mkdtempSync(join(tmpdir(), "omamori-cmdline-"))));
  after(() => rmSync(home, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`omamori ${c.args.join(" ")}: one plain line, exit 2, English and Japanese`, async () => {
      const en = await runCli(c.args, { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
      expect(en.code).to.equal(2);
      expect(en.stderr).to.equal(c.en);
      const ja = await runCli(["--lang", "ja", ...c.args], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
      expect(ja.code).to.equal(2);
      expect(ja.stderr).to.equal(c.ja);
      expect(japaneseProblems(ja.stderr)).to.deep.equal([]);
    });
  }
});
