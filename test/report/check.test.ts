import { expect } from "chai";
import { existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OTHER_SIGNER, publicKeyBase64 } from "../keys/fixtures";
import { CHECK_NOW, makeHome } from "./fixtureHome";
import { runCli } from "./runCli";

describe("omamori check", () => {
  it("check_riskyContact_english_reportsDaysMinutesGuidanceHealthAndRequestsAlert", async () => {
    const h = makeHome("risky");
    const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home, LANG: "en_GB.UTF-8", TZ: "UTC" });
    expect(r.code).to.equal(3);
    expect(r.stdout).to.include("Contact on 1 day, 26 minutes in total.");
    expect(r.stdout).to.include("Tue 10 November: 26 minutes of contact");
    expect(r.stdout).to.include("Several entries may be the same person");
    expect(r.stdout).to.include("Minato Health Centre  03-1234-5678");
    expect(r.stdout).to.include("Positive keys last fetched: 13 November 2026, 09:00 (Coordinated Universal Time)");
    expect(r.stdout).to.include("Battery: 80 %");
    expect(r.stdout).to.include("In use since");
    expect(r.stdout).to.include("contact light will be switched on");
    const alert = JSON.parse(readFileSync(join(h.home, "tokens", "grandma", "alert-pending.json"), "utf8"));
    expect(alert).to.deep.include({ format: "omamori-alert", version: 1, riskyDays: 1, riskyMinutes: 26, latestRiskyDate: "2026-11-10" });
    const html = readFileSync(join(h.home, "reports", "check-grandma-2026-11-13.html"), "utf8");
    expect(html).to.include('<html lang="en" data-verdict="contact">');
    expect(html).to.include("Contact on 1 day, 26 minutes in total.");
    expect(html).to.match(/font-size: 40px/);
    rmSync(h.root, { recursive: true });
  });

  it("check_riskyContact_japanese_whenLangIsJa", async () => {
    const h = makeHome("risky");
    const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home, LANG: "ja_JP.UTF-8" });
    expect(r.stdout).to.include("1日間に合計26分間の接触がありました。");
    expect(r.stdout).to.include("11月10日（火）：26分間の接触");
    expect(r.stdout).to.include("同じ人との接触が、複数の件数として数えられることがあります");
    expect(r.stdout).to.include("陽性者の鍵を最後に取得した日時");
    expect(readFileSync(join(h.home, "reports", "check-grandma-2026-11-13.html"), "utf8")).to.include('<html lang="ja" data-verdict="contact">');
    rmSync(h.root, { recursive: true });
  });

  it("check_noContact_saysNoContactInTheDaysCovered_noAlert", async () => {
    const h = makeHome("none");
    const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include("No contact found in the days your token's log covers");
    expect(r.stdout).to.include("Check again in a few days.");
    expect(existsSync(join(h.home, "tokens", "grandma", "alert-pending.json"))).to.equal(false);
    rmSync(h.root, { recursive: true });
  });

  it("check_again_sameInputs_reusesResult_noSecondAlertAfterSyncClearedIt", async () => {
    const h = makeHome("risky");
    await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home });
    unlinkSync(join(h.home, "tokens", "grandma", "alert-pending.json")); // the sync honoured it
    const r = await runCli(["check", "--now", CHECK_NOW, "--json"], { OMAMORI_HOME: h.home });
    const j = JSON.parse(r.stdout);
    expect(j.fetch.alreadyCached).to.equal(1);
    expect(j.fetch.added).to.equal(0);
    expect(j.tokens[0].reused).to.equal(true);
    expect(j.tokens[0].alertRequested).to.equal(false);
    expect(j.tokens[0].summary.riskyMinutes).to.equal(26);
    expect(existsSync(join(h.home, "tokens", "grandma", "alert-pending.json"))).to.equal(false);
    rmSync(h.root, { recursive: true });
  });

  it("check_json_saysHowTheTokenWasMatched_fullTheFirstTime", async () => {
    const h = makeHome("risky");
    const r = await runCli(["check", "--now", CHECK_NOW, "--json"], { OMAMORI_HOME: h.home });
    const t = JSON.parse(r.stdout).tokens[0];
    expect(t.reused).to.equal(false);
    expect(t.matching.full).to.equal(true);
    expect(t.matching.keysMatched).to.be.greaterThan(0);
    rmSync(h.root, { recursive: true });
  });

  it("check_history_keepsCountsOnly_noIdentifiersOrKeys", async () => {
    const h = makeHome("risky");
    await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home });
    const text = readFileSync(join(h.home, "check-history.json"), "utf8");
    const hist = JSON.parse(text);
    expect(hist.checks).to.have.length(1);
    expect(hist.checks[0].tokens[0]).to.deep.equal({ tokenId: "grandma", verdict: "contact", riskyDays: 1, riskyMinutes: 26, contactDays: 1, latestRiskyDate: "2026-11-10" });
    const log = JSON.parse(readFileSync(h.logPath, "utf8"));
    for (const e of log.encounters) expect(text).not.to.include(e.rpi);
    rmSync(h.root, { recursive: true });
  });

  it("check_exportSignedByUntrustedKey_notCached_reported_couldNotTell", async () => {
    const h = makeHome("risky");
    const settings = JSON.parse(readFileSync(join(h.home, "check.json"), "utf8"));
    settings.publicKeys = [{ keyId: "440", keyVersion: "v1", publicKey: publicKeyBase64(OTHER_SIGNER.publicKey) }];
    writeFileSync(join(h.home, "check.json"), JSON.stringify(settings));
    const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(4);
    expect(r.stdout).to.match(/could not be verified: it is not signed with a public key/);
    expect(r.stdout).to.include("Could not tell whether there was a contact.");
    expect(r.stdout).not.to.include("No contact found");
    expect(r.stdout).to.include("Positive keys have not been fetched yet");
    const files = join(h.home, "keys", "files");
    expect(existsSync(files) ? readdirSync(files).length : 0).to.equal(0);
    rmSync(h.root, { recursive: true });
  });

  it("check_noPairedToken_couldNotTell_saysPairFirst_exit4", async () => {
    const h = makeHome("none");
    rmSync(join(h.home, "tokens"), { recursive: true });
    const r = await runCli(["check", "--now", CHECK_NOW, "--offline"], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("No token is paired with this computer yet.");
    rmSync(h.root, { recursive: true });
  });

  it("check_damagedCheckJson_couldNotTell_exit4_namesTheFile", async () => {
    const h = makeHome("none");
    writeFileSync(join(h.home, "check.json"), "{ nope");
    const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(4);
    expect(r.stdout).to.match(/Why: The settings file .*check\.json has a problem: not valid JSON/);
    rmSync(h.root, { recursive: true });
  });
});
