/**
 * The sync commands through the real CLI entry (host-tools/cli/main.ts), with the `sim` transport
 * (a simulated world running dist/firmware) and a temporary $OMAMORI_HOME.
 */
import { expect } from "chai";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../host-tools/cli/main";
import { useLanguage } from "../../host-tools/base/language";
import { checkLog } from "../../host-tools/log/omamoriLog";

interface Run { code: number; out: string; err: string }

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  let out = "";
  let err = "";
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "omamori", ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
    useLanguage(null); // the language this run chose does not reach the tests after it
    for (const k of Object.keys(saved)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe("omamori sync / status / token (sim transport)", function () {
  this.timeout(60000);
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "omamori-cli-"));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("sync in an empty data folder pairs nothing: it says how to pair, in both languages", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined };
    const s = await run(["sync", "--transport", "sim", "--token", "sim-token"], env);
    expect(s.code).to.equal(2);
    expect(s.err).to.include("no paired token yet");
    expect(s.err).to.include("npx omamori token pair --token sim-token");
    const ja = await run(["sync", "--transport", "sim"], { ...env, LANG: "ja_JP.UTF-8" });
    expect(ja.code).to.equal(2);
    expect(ja.err).to.include("ペアリングしたお守りがありません");
    expect(existsSync(join(home, "tokens"))).to.equal(false);
  });

  it("a simulated token paired, then synced: the log in the interchange format, status tells its health", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined };
    expect((await run(["token", "pair", "--token", "obaachan", "--transport", "sim"], env)).code).to.equal(0);
    const s = await run(["sync", "--transport", "sim", "--sim-hours", "4", "--token", "obaachan"], env);
    expect(s.err).to.equal("");
    expect(s.code).to.equal(0);
    expect(s.out).to.match(/Synced token "obaachan": \d+ new sightings/);
    const log = checkLog(JSON.parse(await readFile(join(home, "tokens", "obaachan", "log.json"), "utf8")));
    expect(log.tokenId).to.equal("obaachan");
    expect(log.encounters.length).to.be.greaterThan(0);

    const st = await run(["status", "--offline"], env);
    expect(st.code).to.equal(0);
    expect(st.out).to.match(/Battery: \d+%/);
    expect(st.out).to.match(/Storage: \d+% used/);
    expect(st.out).to.match(/In use since \d{1,2} \w+ \d{4} \(1 days\)/);
    expect(st.out).to.match(/Last sync: .* \(.+\)/); // local time, the zone named

    const ja = await run(["status", "--offline"], { ...env, LANG: "ja_JP.UTF-8" });
    expect(ja.out).to.match(/電池：\d+%/);
    expect(ja.out).to.match(/使い始めた日：\d{4}年\d{1,2}月\d{1,2}日/);

    const live = await run(["status", "--transport", "sim", "--sim-hours", "1"], env);
    expect(live.code).to.equal(0);
    expect(live.out).to.match(/Clock: correct/);
    expect(live.out).not.to.match(/Last known state/);
  });

  it("token pair / hub / alert / scan / erase on a simulated token", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined };
    const pair = await run(["token", "pair", "--token", "ojiichan", "--transport", "sim", "--sim-device", "ojiichan"], env);
    expect(pair.err).to.equal("");
    expect(pair.out).to.match(/Paired token "ojiichan" \(banglejs2\)/);
    const token = JSON.parse(await readFile(join(home, "tokens", "ojiichan", "token.json"), "utf8"));
    expect(token.secret).to.match(/^[0-9a-f]{64}$/);
    const again = await run(["token", "pair", "--token", "ojiichan", "--transport", "sim"], env);
    expect(again.code).to.equal(2);
    expect(again.err).to.match(/already paired/);
    const sim = ["--transport", "sim", "--sim-device", "ojiichan", "--sim-hours", "0"];
    const often = await run(["token", "hub", "--every", "10", ...sim], env);
    expect(often.code).to.equal(2);
    expect(often.err).to.include("--every must be a whole number of minutes from 30 to 1092");
    const hub = await run(["token", "hub", "--every", "30", ...sim], env);
    expect([hub.code, hub.out]).to.deep.equal([0, "Home hub beacon: about every 30 min, at random moments.\n"]);
    const alert = await run(["token", "alert", "on", ...sim], env);
    expect([alert.code, alert.out]).to.deep.equal([0, "The token shows the contact alert.\n"]);
    const scan = await run(["token", "scan", "--window", "3000", "--period", "240000", ...sim], env);
    expect(scan.code).to.equal(0);
    const badScan = await run(["token", "scan", "--window", "9000", "--period", "100", ...sim], env);
    expect(badScan.code).to.equal(2);
    expect(badScan.err).to.include("--period must be a whole number of milliseconds from 10000 to 3600000, got \"100\"");
    const wideWindow = await run(["token", "scan", "--window", "200000", "--period", "300000", ...sim], env);
    expect(wideWindow.code).to.equal(2);
    expect(wideWindow.err).to.include("--window must be a whole number of milliseconds from 100 to 150000 (at most half of --period), got \"200000\"");
    const list = await run(["token", "list"], env);
    expect(list.out).to.match(/^ojiichan {2}last sync: never\n$/);
    const erase = await run(["token", "erase", "--yes", ...sim], env);
    expect(erase.code).to.equal(0);
    expect(erase.out).to.match(/erased; this computer's copies were deleted too/);
    expect((await run(["token", "list"], env)).out).to.equal("No paired token.\n");
  });

  it("sync --hub listens for the paired tokens' beacons and syncs the one it hears", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined };
    expect((await run(["token", "pair", "--token", "obaachan", "--transport", "sim"], env)).code).to.equal(0);
    const hub = await run(["sync", "--hub", "--rounds", "5", "--transport", "sim", "--sim-hours", "2"], env);
    expect(hub.code).to.equal(0);
    expect(hub.err).to.match(/^Listening for hub beacons of: obaachan\n$/);
    expect(hub.out).to.match(/^Synced "obaachan": \d+ new sightings\n/);
    expect((await run(["sync", "--hub", "--rounds", "0", "--transport", "sim"], env)).code).to.equal(2);
  });

  it("no Bluetooth adapter: said first and at once, never 'no token nearby'; status then shows the saved state", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined, OMAMORI_BLUETOOTH_SYSFS: join(home, "no-such-sysfs") };
    expect((await run(["token", "pair", "--token", "obaachan", "--transport", "sim"], env)).code).to.equal(0);
    expect((await run(["sync", "--transport", "sim"], env)).code).to.equal(0);
    const s = await run(["sync"], env);
    expect(s.code).to.equal(1);
    expect(s.err).to.match(/^omamori: This computer has no Bluetooth adapter that omamori can use, so it cannot reach the token\. Nothing was changed\./);
    expect(s.err).not.to.include("No token found nearby");
    expect(s.err.trim().split("\n")).to.have.length(1);
    const st = await run(["status"], env);
    expect(st.code).to.equal(0);
    expect(st.err).to.match(/^omamori: This computer has no Bluetooth adapter/);
    expect(st.err).to.include("Showing the state from the last sync.");
    expect(st.out).to.match(/^Last known state, from the sync at/m);
    expect(st.out).to.match(/^Problems the token had recorded at the last sync: none$/m);
    expect(st.out).not.to.match(/^Problems: none$/m);
    const ja = await run(["sync"], { ...env, LANG: "ja_JP.UTF-8" });
    expect(ja.err).to.include("このパソコンには、omamori が使える Bluetooth（ブルートゥース）の装置がないため");
    const pair = await run(["token", "pair", "--token", "second"], env);
    expect(pair.code).to.equal(1);
    expect(pair.err).to.match(/^omamori: This computer has no Bluetooth adapter/);
  });

  it("bad input: one plain line and exit code 2", async () => {
    const env = { OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: undefined };
    const none = await run(["status", "--offline"], env);
    expect(none.code).to.equal(2);
    expect(none.err).to.match(/^omamori: no paired token yet in .*; press the token's button, then pair it: npx omamori token pair --token NAME\n$/);
    const name = await run(["sync", "--token", "Bad Name!"], env);
    expect(name.code).to.equal(2);
    expect(name.err).to.match(/a token name must be 1 to 32 characters: lowercase letters a-z, digits 0-9 and '-'/);
    const chunk = await run(["sync", "--transport", "sim", "--chunk", "ten"], env);
    expect(chunk.code).to.equal(2);
    expect(chunk.err).to.match(/--chunk must be/);
    const hours = await run(["sync", "--transport", "sim", "--sim-hours", "-3"], env);
    expect(hours.code).to.equal(2);
    expect(hours.err).to.match(/^omamori: --sim-hours must be a number of hours from 0 to 672, got "-3"/);
    const rounds = await run(["sync", "--hub", "--rounds", "0", "--transport", "sim"], env);
    expect(rounds.err).to.match(/^omamori: --rounds must be a whole number from 1 upwards, got "0"/);
    const noYes = await run(["token", "erase"], env);
    expect(noYes.code).to.equal(2);
    const ja = await run(["status", "--offline"], { ...env, LANG: "ja_JP.UTF-8" });
    expect(ja.err).to.match(/ペアリングしたお守りがありません/);
  });

  it("a rejected value states the valid range in Japanese too, with no English sentence", async () => {
    const env = { OMAMORI_HOME: home, LANG: "ja_JP.UTF-8", LC_ALL: undefined };
    const chunk = await run(["sync", "--transport", "sim", "--chunk", "10"], env);
    expect(chunk.code).to.equal(2);
    expect(chunk.err).to.include("--chunk は 64～4000 の整数（バイト）で指定してください（\"10\" は使えません）。");
    const hours = await run(["sync", "--transport", "sim", "--sim-hours", "700"], env);
    expect(hours.code).to.equal(2);
    expect(hours.err).to.include("--sim-hours は 0～672 の時間数で指定してください（\"700\" は使えません）。");
    const rounds = await run(["sync", "--hub", "--rounds", "x", "--transport", "sim"], env);
    expect(rounds.code).to.equal(2);
    expect(rounds.err).to.include("--rounds は 1 以上の整数で指定してください（\"x\" は使えません）。");
    for (const r of [chunk, hours, rounds]) expect(r.err).not.to.match(/must|got/);
  });
});
