/** The language of every message: --lang, OMAMORI_LANG, the settings file, the locale; --version. */
import { expect } from "chai";
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../report/runCli";

describe("language and version", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "omamori-lang-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const noToken = (r: { stderr: string }) => r.stderr;

  it("lang_optionBeatsLocale_anywhereOnTheLine", async () => {
    const en = await runCli(["export-log", "--lang", "en"], { OMAMORI_HOME: home, LANG: "ja_JP.UTF-8" });
    expect(noToken(en)).to.match(/no paired token yet/);
    const ja = await runCli(["--lang=ja", "export-log"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(noToken(ja)).to.include("ペアリングしたお守りがありません");
  });

  it("lang_environmentVariable_beatsTheSetting", async () => {
    writeFileSync(join(home, "settings.json"), JSON.stringify({ language: "en" }));
    const r = await runCli(["export-log"], { OMAMORI_HOME: home, OMAMORI_LANG: "ja" });
    expect(noToken(r)).to.include("ペアリングしたお守りがありません");
  });

  it("settings_language_isRememberedAndUsedByLaterCommands", async () => {
    const set = await runCli(["settings", "--language", "ja"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(set.code).to.equal(0);
    expect(set.stdout).to.include("言語：日本語");
    expect(JSON.parse(readFileSync(join(home, "settings.json"), "utf8"))).to.deep.equal({ language: "ja" });
    const later = await runCli(["export-log"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(noToken(later)).to.include("ペアリングしたお守りがありません");
    const auto = await runCli(["settings", "--language", "auto"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(auto.stdout).to.include("Language: auto (the computer's: en)");
  });

  it("lang_badValue_exit2_statesTheValidValues", async () => {
    const r = await runCli(["--lang", "fr", "check"], { OMAMORI_HOME: home });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("--lang must be ja or en");
    const s = await runCli(["settings", "--language", "fr"], { OMAMORI_HOME: home, LANG: "ja_JP.UTF-8" });
    expect(s.code).to.equal(2);
    expect(s.stderr).to.include("--language は ja、en、auto のどれか");
  });

  it("settings_damagedFile_keptAside_warned_computersLanguageUsed", async () => {
    writeFileSync(join(home, "settings.json"), "{ language: ja");
    const r = await runCli(["export-log"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(r.stderr).to.match(/settings\.json was damaged; it was kept as .*settings\.json\.damaged-/);
    expect(r.stderr).to.match(/no paired token yet/);
    const aside = readdirSync(home).filter((n) => n.startsWith("settings.json.damaged-"));
    expect(aside).to.have.length(1);
    expect(readFileSync(join(home, aside[0]), "utf8")).to.equal("{ language: ja");
  });

  it("version_printsThePackageVersion", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const r = await runCli(["--version"], { OMAMORI_HOME: home });
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal("omamori " + pkg.version);
  });
});
