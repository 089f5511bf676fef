/**
 * `omamori check` through the CLI in every situation that once gave a false "no contact": each
 * must answer contact / no contact in the period covered / could not tell, with the reason and
 * the one thing to do, in English and Japanese, in the text, the JSON, the HTML report and the
 * exit code (0 no contact, 3 contact, 4 could not tell).
 */
import { expect } from "chai";
import { existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { OTHER_SIGNER, publicKeyBase64 } from "../keys/fixtures";
import { DAY0 } from "../match/logBuilder";
import { CHECK_NOW, makeHome, type Home } from "./fixtureHome";
import { runCli } from "./runCli";
import { readOnlyHome } from "../helpers/readOnlyHome";

const EN = { LANG: "en_GB.UTF-8" };
const JA = { LANG: "ja_JP.UTF-8" };
const tokenDir = (h: Home) => join(h.home, "tokens", "grandma");

async function check(h: Home, env: Record<string, string>, ...args: string[]) {
  return runCli(["check", "--now", CHECK_NOW, ...args], { OMAMORI_HOME: h.home, ...env });
}

function editJson(path: string, f: (o: any) => void): void {
  const o = JSON.parse(readFileSync(path, "utf8"));
  f(o);
  writeFileSync(path, JSON.stringify(o));
}

describe("omamori check: three verdicts", () => {
  let h: Home;
  let tz: string | undefined;
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = "Asia/Tokyo";
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });
  afterEach(() => rmSync(h.root, { recursive: true, force: true }));

  it("fresh keys, a recent sync, nothing found: no contact in the days covered, exit 0, per-day coverage", async () => {
    h = makeHome("none");
    const r = await check(h, EN);
    expect(r.code).to.equal(0);
    // the fixture's last sync was at 09:00 Japan time = midnight UTC, when GAEN's day 13 November began
    expect(r.stdout).to.include("No contact found in the days your token's log covers (Sun 1 November to Thu 12 November).");
    expect(r.stdout).to.include("Sun 1 November: partly recorded: the token started recording that day");
    expect(r.stdout).to.include("Mon 2 November to Thu 12 November: recorded");
    expect(r.stdout).to.include("Fri 13 November: not recorded: after the last sync: not on this computer yet");
    expect(r.stdout).to.include("As COCOA did, each day runs from 09:00 to 09:00 the next day (Japan Standard Time).");
    expect(r.stdout).to.include("Token last synced: 13 November 2026, 09:00 (Japan Standard Time)");
    const j = JSON.parse((await check(h, EN, "--json")).stdout);
    expect(j).to.deep.include({ verdict: "no-contact", exitCode: 0, reasons: [] });
    expect(j.tokens[0].verdict).to.deep.equal({ kind: "no-contact", reasons: [] });
    expect(j.tokens[0].coverage.days).to.have.length(14);
    expect(j.tokens[0].coverage.days[0]).to.deep.equal({ date: "2026-10-31", status: "not-covered", reasons: ["not-started"] });
    const html = readFileSync(join(h.home, "reports", "check-grandma-2026-11-13.html"), "utf8");
    expect(html).to.include('data-verdict="no-contact"');
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("お守りの記録がある期間（11月1日（日）から11月12日（木）まで）に、接触は確認されませんでした。");
    expect(ja.stdout).to.include("1日の区切りは、COCOAと同じく09:00です（09:00から翌日の09:00まで、日本標準時）。");
  });

  it("a contact: exit 3, in both languages, the light requested", async () => {
    h = makeHome("risky");
    const r = await check(h, EN);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.include("Contact on 1 day, 26 minutes in total.");
    expect(r.stdout).to.include("contact light will be switched on");
    expect(existsSync(join(tokenDir(h), "alert-pending.json"))).to.equal(true);
    const ja = await check(h, JA);
    expect(ja.code).to.equal(3);
    expect(ja.stdout).to.include("1日間に合計26分間の接触がありました。");
  });

  it("a damaged log.json: could not tell, sync the token (the copy is kept aside and read again), exit 4, no light", async () => {
    h = makeHome("risky");
    writeFileSync(join(tokenDir(h), "log.json"), '{"format":"omamori-log","vers');
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("Could not tell whether there was a contact.");
    expect(r.stdout).to.match(/Why: The copy of token "grandma"'s log on this computer \(.*log\.json\) is damaged\./);
    expect(r.stdout).to.include("What to do: Press the token's button, then sync it (npx omamori sync --token grandma): the damaged copy is kept aside, never deleted, and the whole log is read again from the token.");
    expect(r.stdout).not.to.include("No contact");
    expect(existsSync(join(tokenDir(h), "alert-pending.json"))).to.equal(false);
    const html = readFileSync(join(h.home, "reports", "check-grandma-2026-11-13.html"), "utf8");
    expect(html).to.include('data-verdict="could-not-tell"');
    expect(html).to.include("Could not tell whether there was a contact.");
    const ja = await check(h, JA);
    expect(ja.code).to.equal(4);
    expect(ja.stdout).to.include("接触があったかどうか、確認できませんでした。");
    expect(ja.stdout).to.include("記録の写し");
    expect(ja.stdout).to.include("まずすること：お守りのボタンを押して同期してください（npx omamori sync --token grandma）。");
  });

  it("no check.json: could not tell, add a key source (not 'connect to the internet')", async () => {
    h = makeHome("none");
    unlinkSync(join(h.home, "check.json"));
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include(`Why: There is no settings file ${join(h.home, "check.json")}, so this computer does not know where to get the keys of people who tested positive.`);
    expect(r.stdout).to.include("What to do: Add a key source: create");
    expect(r.stdout).not.to.match(/What to do: Connect to the internet/);
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("まずすること：鍵の取得元を設定してください。");
  });

  it("a misspelled setting (keySourcs): could not tell, names it and the likely one", async () => {
    h = makeHome("none");
    editJson(join(h.home, "check.json"), (o) => {
      o.keySourcs = o.keySources;
      delete o.keySources;
    });
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include('has a problem: unknown setting "keySourcs" (did you mean "keySources"?)');
    const ja = await check(h, JA);
    expect(ja.stdout).to.include('"keySourcs" という設定はありません。"keySources" のことですか？');
    const j = JSON.parse((await check(h, EN, "--json")).stdout);
    expect(j.reasons[0]).to.deep.include({ code: "settings-invalid", setting: "keySourcs", suggestion: "keySources", problem: "unknown-setting" });
    // the file was not read, so it has not said "no key source": that would send the reader the wrong way
    expect(j.reasons.map((x: { code: string }) => x.code)).not.to.include("no-key-source");
    expect(r.stdout).not.to.include("No key source is set");
  });

  it("check.json may name the server's public-key.pem file; a key file that cannot be read is a settings problem", async () => {
    h = makeHome("risky");
    const key = readFileSync(join(h.home, "check.json"), "utf8");
    const pem = "-----BEGIN PUBLIC KEY-----\n" + JSON.parse(key).publicKeys[0].publicKey.match(/.{1,64}/g).join("\n") + "\n-----END PUBLIC KEY-----\n";
    writeFileSync(join(h.home, "authority.pem"), pem);
    editJson(join(h.home, "check.json"), (o) => { o.publicKeys = [{ publicKey: "authority.pem" }]; });
    const r = await check(h, EN);
    expect(r.code).to.equal(3); // the key files verified with the key read from the file
    rmSync(h.root, { recursive: true, force: true });
    h = makeHome("none");
    editJson(join(h.home, "check.json"), (o) => { o.publicKeys = [{ publicKey: "missing.pem" }]; });
    const bad = await check(h, EN);
    expect(bad.code).to.equal(4);
    expect(bad.stdout).to.include('has a problem: publicKeys [0]: cannot read the public key file "missing.pem" (ENOENT)');
  });

  it("check.json that is not JSON: could not tell (exit 4), one reason, no stack", async () => {
    h = makeHome("none");
    writeFileSync(join(h.home, "check.json"), "{ nope");
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("has a problem: not valid JSON");
    expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("JSON の形式になっていません。");
  });

  it("no key source at all: could not tell, add a key source", async () => {
    h = makeHome("none");
    writeFileSync(join(h.home, "check.json"), "{}");
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("Why: No key source is set in");
    expect(r.stdout).to.include('What to do: Add a key source: put the address your health authority gives in "keySources"');
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("鍵の取得元が設定されていないため、陽性者の鍵を取得できません。");
  });

  it("the only key source does not exist: could not tell, correct the key source", async () => {
    h = makeHome("none");
    const missing = join(h.root, "no-such-folder");
    editJson(join(h.home, "check.json"), (o) => { o.keySources = [missing]; });
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include(`Why: The key source ${missing} does not exist.`);
    expect(r.stdout).to.include('What to do: Correct the key source in');
    const ja = await check(h, JA);
    expect(ja.stdout).to.include(`鍵の取得元 ${missing} が見つかりません。`);
  });

  it("a key file signed by an unknown key: could not tell, nothing cached, check publicKeys", async () => {
    h = makeHome("risky");
    editJson(join(h.home, "check.json"), (o) => { o.publicKeys = [{ keyId: "440", keyVersion: "v1", publicKey: publicKeyBase64(OTHER_SIGNER.publicKey) }]; });
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("could not be verified: it is not signed with a public key in");
    expect(r.stdout).to.include("Positive keys have not been fetched yet.");
    const files = join(h.home, "keys", "files");
    expect(existsSync(files) ? readdirSync(files).length : 0).to.equal(0);
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("が本物か確かめられなかったため、使いませんでした");
  });

  it("last sync 32 days ago: could not tell, sync the token, even with fresh keys", async () => {
    h = makeHome("none");
    editJson(join(tokenDir(h), "sync-state.json"), (o) => { o.lastSyncAt = new Date(Date.parse(CHECK_NOW) - 32 * 86400_000).toISOString(); });
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include('Why: Token "grandma" was last synced 32 days ago (12 October 2026, 18:00 (Japan Standard Time))');
    expect(r.stdout).to.include("What to do: Press the token's button, then sync it (npx omamori sync --token grandma), then check again.");
    expect(r.stdout).to.include("not recorded: after the last sync: not on this computer yet");
    const ja = await check(h, JA);
    expect(ja.stdout).to.include("お守り「grandma」を最後に同期したのは32日前");
  });

  it("keys fetched 3 days ago (checked offline): could not tell, connect and check again; the limit is a setting", async () => {
    h = makeHome("none");
    expect((await check(h, EN)).code).to.equal(0);
    const later = new Date(Date.parse(CHECK_NOW) + 3 * 86400_000).toISOString();
    editJson(join(tokenDir(h), "sync-state.json"), (o) => { o.lastSyncAt = later; });
    const r = await runCli(["check", "--now", later, "--offline"], { OMAMORI_HOME: h.home, ...EN });
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("were last fetched 3 days ago");
    expect(r.stdout).to.include("an answer needs keys fetched within 48 hours");
    expect(r.stdout).to.include("What to do: Connect to the internet, then check again (without --offline).");
    const wider = await runCli(["check", "--now", later, "--offline", "--max-key-age", "96"], { OMAMORI_HOME: h.home, ...EN });
    expect(wider.code).to.equal(0);
    editJson(join(h.home, "check.json"), (o) => { o.maxKeyAgeHours = 100; });
    expect((await runCli(["check", "--now", later, "--offline"], { OMAMORI_HOME: h.home, ...EN })).code).to.equal(0);
    const bad = await runCli(["check", "--max-key-age", "0"], { OMAMORI_HOME: h.home, ...EN });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include("--max-key-age must be a number of hours from 1 to 360");
  });

  it("a damaged sync-state.json: could not tell which days are covered; sync rebuilds it", async () => {
    h = makeHome("none");
    writeFileSync(join(tokenDir(h), "sync-state.json"), "[1,2");
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include("record of the syncs of token \"grandma\"");
    expect(r.stdout).to.include("the damaged record is kept aside, never deleted");
  });

  it("a paired token never synced, and no token at all: could not tell, with the next step", async () => {
    h = makeHome("none");
    unlinkSync(join(tokenDir(h), "log.json"));
    unlinkSync(join(tokenDir(h), "sync-state.json"));
    const r = await check(h, EN);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.include('Why: Token "grandma" has not been synced yet, so there is no log to check.');
    rmSync(join(h.home, "tokens"), { recursive: true });
    const none = await check(h, EN, "--offline");
    expect(none.code).to.equal(4);
    expect(none.stdout).to.include("No token is paired with this computer yet.");
    expect(none.stdout).to.include("npx omamori token pair --token NAME");
    const ja = await check(h, JA, "--offline");
    expect(ja.stdout).to.include("ペアリングしたお守りがありません。");
  });

  it("a token found paused at its last sync: the days since the sync before are partly recorded", async () => {
    h = makeHome("none");
    editJson(join(tokenDir(h), "sync-state.json"), (o) => {
      o.history = [
        { at: "2026-11-08T00:00:00Z", clockValid: true, paused: false, recordsDropped: 0, firstDay: DAY0 / 86400 - 9, firstRecordAt: null, fullRead: true },
        { at: "2026-11-13T00:00:00Z", clockValid: true, paused: true, recordsDropped: 0, firstDay: DAY0 / 86400 - 9, firstRecordAt: null, fullRead: false },
      ];
    });
    const r = await check(h, EN);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include("Sun 8 November to Thu 12 November: partly recorded: recording was paused for a while");
  });

  it("a read-only data folder: could not tell why, nothing written, no stack trace; in Japanese too", async () => {
    h = makeHome("none");
    const ro = readOnlyHome(h.home);
    try {
      const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: ro.path, ...EN });
      expect(r.code).to.equal(4);
      expect(r.stdout).to.include(`Why: The data folder ${ro.path} cannot be written`);
      expect(r.stdout).to.include("What to do: Make the folder writable, or set OMAMORI_HOME to a folder you can write");
      expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
      if (ro.hasData) expect(existsSync(join(ro.path, "reports"))).to.equal(false);
      const ja = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: ro.path, ...JA });
      expect(ja.stdout).to.include("データのフォルダー");
      expect(ja.stdout).to.include("に書き込めないため");
    } finally {
      ro.release();
    }
  });

  it("a read-only data folder holding keys and a contact: the contact is still reported (exit 3), with what was missing", async () => {
    h = makeHome("risky");
    expect((await check(h, EN)).code).to.equal(3);
    rmSync(join(tokenDir(h), "alert-pending.json"));
    const ro = readOnlyHome(h.home);
    try {
      if (!ro.hasData) return; // only the empty stand-in was possible here: covered by the test above
      const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: ro.path, ...EN });
      expect(r.code).to.equal(3);
      expect(r.stdout).to.include("Contact on 1 day, 26 minutes in total.");
      expect(r.stdout).to.include("What this check was missing");
      expect(r.stdout).to.include("cannot be written");
      expect(existsSync(join(ro.path, "tokens", "grandma", "alert-pending.json"))).to.equal(false);
    } finally {
      ro.release();
    }
  });

  it("the history of checks keeps the verdict, counts and dates only", async () => {
    h = makeHome("risky");
    await check(h, EN);
    const hist = JSON.parse(readFileSync(join(h.home, "check-history.json"), "utf8"));
    expect(hist.checks[0].tokens[0]).to.deep.equal({ tokenId: "grandma", verdict: "contact", riskyDays: 1, riskyMinutes: 26, contactDays: 1, latestRiskyDate: "2026-11-10" });
    expect(statSync(join(h.home, "check-history.json")).mode & 0o077).to.equal(0);
  });
});
