/**
 * A damaged file in the data folder is kept aside (never deleted) and rebuilt from the token at
 * the next sync, which reads the whole log again; the message says exactly that. Through the CLI,
 * with the simulated token, in English and Japanese.
 */
import { expect } from "chai";
import { mkdtemp, rm, readFile, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../report/runCli";
import { checkLog } from "../../host-tools/log/omamoriLog";
import { readOnlyHome } from "../helpers/readOnlyHome";

describe("recovery of damaged files at the next sync", function () {
  this.timeout(120000);
  let home: string;
  const dir = () => join(home, "tokens", "grandma");
  const EN = () => ({ OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
  const JA = () => ({ OMAMORI_HOME: home, LANG: "ja_JP.UTF-8" });
  const sync = (env: Record<string, string>, ...more: string[]) => runCli(["sync", "--transport", "sim", "--sim-hours", "3", ...more], env);
  const aside = async (name: string) => (await readdir(dir())).filter((n) => n.startsWith(name + ".damaged-"));

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "omamori-recover-"));
    expect((await runCli(["token", "pair", "--token", "grandma", "--transport", "sim"], EN())).code).to.equal(0);
    expect((await sync(EN())).code).to.equal(0);
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it("a damaged log.json: kept aside as it was, the whole log read again, the message says so", async () => {
    const damaged = '{"format":"omamori-log","encounters":[{"rpi":';
    await writeFile(join(dir(), "log.json"), damaged);
    const r = await sync(EN(), "--json");
    expect(r.code).to.equal(0);
    expect(r.stderr).to.match(/The copy of this token's log on this computer was damaged\. It was kept as .*log\.json\.damaged-\S+ \(nothing was deleted\), and the whole log is read again from the token\./);
    const j = JSON.parse(r.stdout);
    expect(j.fullRead).to.equal(true);
    expect(j.recovered).to.have.length(1);
    const kept = await aside("log.json");
    expect(kept).to.have.length(1);
    expect(await readFile(join(dir(), kept[0]), "utf8")).to.equal(damaged);
    const log = checkLog(JSON.parse(await readFile(join(dir(), "log.json"), "utf8")));
    expect(log.encounters.length).to.be.greaterThan(0);
  });

  it("a damaged sync-state.json (Japanese): kept aside, read again from the start, nothing twice", async () => {
    const before = checkLog(JSON.parse(await readFile(join(dir(), "log.json"), "utf8")));
    await writeFile(join(dir(), "sync-state.json"), "{ cursor: ");
    const r = await sync(JA(), "--json");
    expect(r.code).to.equal(0);
    expect(r.stderr).to.include("このパソコンにある同期の記録が壊れていました。");
    expect(r.stderr).to.include("同じ記録が二重に数えられることはありません。");
    expect(JSON.parse(r.stdout).fullRead).to.equal(true);
    expect(await aside("sync-state.json")).to.have.length(1);
    const after = checkLog(JSON.parse(await readFile(join(dir(), "log.json"), "utf8")));
    const keys = (l: typeof before) => l.encounters.flatMap((e) => e.scans.map((s) => e.rpi + e.aem + s.t));
    expect(new Set(keys(after)).size).to.equal(keys(after).length); // nothing twice
    for (const k of keys(before)) expect(keys(after)).to.include(k);
  });

  it("a damaged token.json whose secret can still be read: kept aside, rewritten, the sync goes on", async () => {
    const text = await readFile(join(dir(), "token.json"), "utf8");
    await writeFile(join(dir(), "token.json"), text.slice(0, text.indexOf('"pairedAt"')) + "\u0000garbage");
    const r = await sync(EN());
    expect(r.code).to.equal(0);
    expect(r.stderr).to.include("its secret could still be read");
    expect(await aside("token.json")).to.have.length(1);
    expect(JSON.parse(await readFile(join(dir(), "token.json"), "utf8")).secret).to.match(/^[0-9a-f]{64}$/);
  });

  it("a token.json without its secret: kept aside, and the message says how to pair again; exit 1", async () => {
    await writeFile(join(dir(), "token.json"), '{"tokenId":"grandma","secret":"12');
    const r = await sync(EN());
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('The pairing record of token "grandma" on this computer is damaged and its secret cannot be read');
    expect(r.stderr).to.include("npx omamori token pair --token grandma");
    expect(await aside("token.json")).to.have.length(1);
    const ja = await runCli(["status", "--offline", "--token", "grandma"], JA());
    expect(ja.code).to.equal(1); // the pairing is lost: it says to erase the token and pair it again
    expect(ja.stderr).to.include("お守りを消去して");
    expect(ja.stderr).to.include("ペアリングし直してください：npx omamori token pair --token grandma");
    const again = await sync(EN());
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include("To use the token again, erase it");
  });

  it("a lost pairing: check still checks the synced log and says what is missing; pairing again reads the new token from its start", async () => {
    await writeFile(join(dir(), "token.json"), "{}");
    expect((await sync(EN())).code).to.equal(1);
    const list = await runCli(["token", "list"], EN());
    expect(list.stdout).to.match(/^grandma {2}pairing lost \(its record was damaged\); its synced log is kept\. Erase the token and pair it again: npx omamori token pair --token grandma$/m);
    const c = await runCli(["check", "--offline", "--json"], EN());
    expect(c.code).to.equal(4);
    const j = JSON.parse(c.stdout);
    expect(j.tokens.map((t: { tokenId: string }) => t.tokenId)).to.deep.equal(["grandma"]);
    expect(j.reasons.map((x: { code: string }) => x.code)).not.to.include("no-token");
    const reasons = j.tokens[0].verdict.reasons;
    expect(reasons.map((x: { code: string }) => x.code)).to.include("pairing-lost");
    expect(reasons.map((x: { code: string }) => x.code)).not.to.include("log-damaged"); // the synced log was read
    const text = await runCli(["check", "--offline"], EN());
    expect(text.stdout).to.include('The pairing record of token "grandma" on this computer is damaged and its secret cannot be read');
    expect(text.stdout).to.include("Erase the token (hold its button 10 seconds, let go, then press once more), pair it again (npx omamori token pair --token grandma), sync it, then check again.");
    const ja = await runCli(["check", "--offline"], JA());
    expect(ja.stdout).to.include("最後の同期のあとにお守りが記録した分は読み取れません。");
    // erased and paired again under the same name: the new token's log is read from its start
    expect(JSON.parse(await readFile(join(dir(), "sync-state.json"), "utf8")).cursor).to.be.greaterThan(0);
    expect((await runCli(["token", "pair", "--token", "grandma", "--transport", "sim"], EN())).code).to.equal(0);
    const r = await sync(EN(), "--json");
    expect(r.code).to.equal(0);
    const report = JSON.parse(r.stdout);
    expect(report.fullRead).to.equal(true);
    expect(report.bytesRead).to.be.greaterThan(0);
  });

  it("a log.json that went missing: the whole log is read again, not only what is new", async () => {
    const full = checkLog(JSON.parse(await readFile(join(dir(), "log.json"), "utf8")));
    await rm(join(dir(), "log.json"));
    const r = await sync(EN(), "--json");
    expect(r.stderr).to.include("The copy of this token's log was missing from this computer; the whole log is read again from the token.");
    expect(JSON.parse(r.stdout).fullRead).to.equal(true);
    const again = checkLog(JSON.parse(await readFile(join(dir(), "log.json"), "utf8")));
    expect(again.encounters.length).to.be.at.least(full.encounters.length);
  });

  it("a read-only data folder: sync and pairing say so plainly and what to do, exit 1, no stack trace", async () => {
    const ro = readOnlyHome(home);
    try {
      const env = { OMAMORI_HOME: ro.path, LANG: "en_GB.UTF-8" };
      const r = ro.hasData ? await sync(env) : await runCli(["token", "pair", "--token", "x", "--transport", "sim"], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^omamori: This computer does not allow writing .* \((read-only|no permission)\)\. Nothing already saved was lost; make the folder writable, or set OMAMORI_HOME to a folder you can write, and try again\.\n$/);
      // the folder or the file a person knows is named, never a hidden temporary copy or the lock file
      const settings = await runCli(["settings", "--language", "ja"], env);
      expect(settings.code).to.equal(1);
      for (const x of [r, settings]) expect(x.stderr).not.to.match(/\.tmp\b|[\\/]lock\b/);
      if (ro.hasData) expect(settings.stderr).to.include(`does not allow writing ${join(ro.path, "settings.json")} (`);
      const ja = await runCli(["token", "pair", "--token", "x", "--transport", "sim"], { ...env, LANG: "ja_JP.UTF-8" });
      expect(ja.code).to.equal(1);
      expect(ja.stderr).to.include("に書き込めません");
      expect(ja.stderr).to.include("保存済みの記録は失われていません。");
    } finally {
      ro.release();
    }
  });

  it("after a rebuilt log, check no longer says the log is damaged", async () => {
    await writeFile(join(dir(), "log.json"), "not json");
    const before = await runCli(["check", "--offline", "--json"], EN());
    expect(JSON.parse(before.stdout).tokens[0].verdict.reasons.map((x: { code: string }) => x.code)).to.include("log-damaged");
    await sync(EN());
    const after = await runCli(["check", "--offline", "--json"], EN());
    expect(JSON.parse(after.stdout).tokens[0].verdict.reasons.map((x: { code: string }) => x.code)).not.to.include("log-damaged");
  });
});
