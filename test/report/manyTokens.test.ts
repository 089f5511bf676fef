import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExportKey } from "../../host-tools/keys/exportFile";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { validateKeys } from "../../host-tools/keys/validateKeys";
import type { ExposureSummary } from "../../host-tools/match/dailySummary";
import { parseLog, type OmamoriLog } from "../../host-tools/log/omamoriLog";
import { matchLog } from "../../host-tools/match/matchLog";
import { loadRiskConfig } from "../../host-tools/match/riskConfig";
import { runCheck } from "../../host-tools/report/runCheck";
import { signedZip } from "../keys/fixtures";
import { contactEncounters, DAY0, DAY0_ENIN, makeLog, noiseEncounter, randomTek } from "../match/logBuilder";
import { CHECK_NOW, makeHome, type Home } from "./fixtureHome";

const DAY = 86400;
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function key(tek: Uint8Array, day: number): ExportKey {
  return { keyData: tek, rollingStartIntervalNumber: DAY0_ENIN + 144 * day, rollingPeriod: 144 };
}

/** Another paired, synced token in the same data directory. */
function addToken(h: Home, id: string, log: OmamoriLog): void {
  const dir = join(h.home, "tokens", id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "log.json"), JSON.stringify({ ...log, tokenId: id }));
  writeFileSync(join(dir, "token.json"), JSON.stringify({ tokenId: id, secret: "22".repeat(32), pairedAt: "2026-10-01T00:00:00Z", board: "puckjs" }));
  writeFileSync(join(dir, "sync-state.json"), JSON.stringify({ cursor: 1, lastSyncAt: "2026-11-13T00:00:00Z", status: { batteryPercent: 70 } }));
}

/** Token `id` matched alone, from scratch, against every cached zip decoded again. */
async function alone(h: Home, id: string, nowIso: string): Promise<ExposureSummary> {
  const now = Date.parse(nowIso) / 1000;
  const keys = validateKeys(new KeyCache(h.home).contents().map((c) => c.content), now).keys;
  const log = parseLog(readFileSync(join(h.home, "tokens", id, "log.json"), "utf8"));
  return (await matchLog(log, keys, loadRiskConfig(undefined), now, 1)).summary;
}

describe("omamori check, many tokens in one pass", () => {
  it("check_fourTokensFirstFullThenIncrementalAndANewOne_eachSameAsMatchedAlone", async () => {
    const h = makeHome("risky"); // grandma: a risky contact
    const tekB = randomTek(), tekC = randomTek();
    writeFileSync(join(h.keysDir, "2.zip"), signedZip([key(tekB, 1), key(randomTek(), 1)]));
    addToken(h, "grandpa", makeLog([...contactEncounters(tekB, DAY0 + DAY + 30000, 30, -55), noiseEncounter(DAY0 + 7200)]));
    addToken(h, "aunt", makeLog([noiseEncounter(DAY0 + 3600), noiseEncounter(DAY0 + DAY + 3600)]));
    const first = await runCheck({ home: h.home, now: new Date(CHECK_NOW), lang: "en" });
    expect(first.tokens.map((t) => t.tokenId).sort()).to.deep.equal(["aunt", "grandma", "grandpa"]);
    for (const t of first.tokens) {
      expect(t.matching, t.tokenId).to.deep.include({ full: true });
      expect(t.result.summary, t.tokenId).to.deep.equal(await alone(h, t.tokenId, CHECK_NOW));
    }
    expect(first.tokens.find((t) => t.tokenId === "grandpa")!.result.summary.riskyDays).to.equal(1);

    // Next day: a new key file (aunt's contact), aunt and grandma synced, a fourth token paired.
    const next = "2026-11-14T09:00:00Z";
    writeFileSync(join(h.keysDir, "3.zip"), signedZip([key(tekC, 3), key(randomTek(), 3)]));
    const aunt = parseLog(readFileSync(join(h.home, "tokens", "aunt", "log.json"), "utf8"));
    aunt.encounters.push(...contactEncounters(tekC, DAY0 + 3 * DAY + 20000, 40, -52));
    writeFileSync(join(h.home, "tokens", "aunt", "log.json"), JSON.stringify(aunt));
    const grandma = parseLog(readFileSync(join(h.home, "tokens", "grandma", "log.json"), "utf8"));
    grandma.encounters.push(noiseEncounter(DAY0 + 3 * DAY + 600));
    writeFileSync(join(h.home, "tokens", "grandma", "log.json"), JSON.stringify(grandma));
    addToken(h, "cousin", makeLog([...contactEncounters(tekC, DAY0 + 3 * DAY + 40000, 20, -50)]));
    const second = await runCheck({ home: h.home, now: new Date(next), lang: "en" });
    const by = Object.fromEntries(second.tokens.map((t) => [t.tokenId, t]));
    expect(by.cousin.matching).to.deep.include({ full: true, reason: "first check" });
    for (const id of ["aunt", "grandma", "grandpa"]) expect(by[id].matching, id).to.deep.include({ full: false, keysAfresh: 2 });
    for (const t of second.tokens) expect(t.result.summary, t.tokenId).to.deep.equal(await alone(h, t.tokenId, next));
    expect(by.aunt.result.summary.riskyDays).to.equal(1);
    expect(by.cousin.result.summary.riskyDays).to.equal(1);
    expect(by.grandma.result.summary.riskyDays).to.equal(1);
    rmSync(h.root, { recursive: true });
  });

  it("check_twoTokensMetTheSameKey_nextDayIncremental_bothStillRememberIt", async () => {
    // Two residents met the same person: both memos hold the same key. The next day's check finds
    // the remembered keys of every token in one scan; each token must get it back, not only one.
    const h = makeHome("none");
    const tek = randomTek();
    writeFileSync(join(h.keysDir, "2.zip"), signedZip([key(tek, 1), key(randomTek(), 1)]));
    // each log's latest scan a day after the contact: the next check's "new sightings" leave it out
    addToken(h, "grandpa", makeLog([...contactEncounters(tek, DAY0 + DAY + 30000, 30, -55), noiseEncounter(DAY0 + 2 * DAY + 30000)]));
    addToken(h, "aunt", makeLog([...contactEncounters(tek, DAY0 + DAY + 31000, 25, -53), noiseEncounter(DAY0 + 2 * DAY + 3600)]));
    const first = await runCheck({ home: h.home, now: new Date(CHECK_NOW), lang: "en" });
    for (const t of first.tokens.filter((x) => x.tokenId !== "grandma")) expect(t.result.summary.riskyDays, t.tokenId).to.equal(1);
    const next = "2026-11-14T09:00:00Z";
    for (const id of ["grandpa", "aunt"]) {
      const log = parseLog(readFileSync(join(h.home, "tokens", id, "log.json"), "utf8"));
      log.encounters.push(noiseEncounter(DAY0 + 3 * DAY + 600));
      writeFileSync(join(h.home, "tokens", id, "log.json"), JSON.stringify(log));
    }
    const second = await runCheck({ home: h.home, now: new Date(next), lang: "en" });
    for (const id of ["grandpa", "aunt"]) {
      const t = second.tokens.find((x) => x.tokenId === id)!;
      expect(t.matching, id).to.deep.include({ full: false, keysAfresh: 0, keysMatched: 1 });
      expect(t.result.summary.riskyDays, id).to.equal(1);
      expect(t.result.summary, id).to.deep.equal(await alone(h, id, next));
    }
    rmSync(h.root, { recursive: true });
  });

  it("check_noNewKeyFiles_usesTheKeyStoreOnly_zipsAndKeyRecordsNeverReadAgain", async () => {
    const h = makeHome("risky");
    await runCheck({ home: h.home, now: new Date(CHECK_NOW), lang: "en" });
    const next = "2026-11-14T09:00:00Z";
    const grandma = parseLog(readFileSync(join(h.home, "tokens", "grandma", "log.json"), "utf8"));
    grandma.encounters.push(noiseEncounter(DAY0 + 3 * DAY + 600));
    writeFileSync(join(h.home, "tokens", "grandma", "log.json"), JSON.stringify(grandma));
    const expected = await alone(h, "grandma", next);
    // Every cached zip and flat key file made unreadable: a check that decoded or re-hashed any would fail.
    const files = join(h.home, "keys", "files");
    for (const f of readdirSync(files)) writeFileSync(join(files, f), "not a zip");
    const second = await runCheck({ home: h.home, now: new Date(next), lang: "en", offline: true });
    expect(second.tokens[0].verdict.reasons.filter((r) => ["log-damaged", "match-failed"].includes(r.code))).to.deep.equal([]);
    expect(second.tokens[0].reused).to.equal(false);
    expect(second.tokens[0].matching).to.deep.include({ full: false, keysAfresh: 0 });
    expect(second.tokens[0].result.summary).to.deep.equal(expected);
    expect(second.tokens[0].result.summary.riskyDays).to.equal(1);
    rmSync(h.root, { recursive: true });
  });

  it("check_withoutTheNativeMatcher_usesJs_saysSoOnceForTwoTokens_sameResults", function () {
    this.timeout(120_000);
    const h = makeHome("risky");
    addToken(h, "grandpa", makeLog([noiseEncounter(DAY0 + 3600)]));
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [join(repo, "bin", "omamori.js"), "check", "--now", CHECK_NOW], {
      env: { ...process.env, OMAMORI_HOME: h.home, LANG: "en_GB.UTF-8", ...env }, encoding: "utf8",
    });
    const js = run({ OMAMORI_MATCHER_ADDON: join(h.root, "no-such-addon.node") });
    expect(js.status, js.stderr).to.equal(3); // a contact (grandma)
    const notes = js.stderr.split("\n").filter((l) => l.includes("slower JavaScript matcher"));
    expect(notes).to.have.length(1);
    expect(notes[0]).to.match(/not built/);
    expect(js.stdout).to.include("Contact on 1 day, 26 minutes in total.");
    expect(js.stdout).to.include("No contact found in the days your token's log covers"); // grandpa
    // an addon that is there but cannot be loaded (a damaged or foreign build)
    rmSync(join(h.home, "check-history.json"));
    writeFileSync(join(h.root, "garbage.node"), "not a shared library");
    const json = run({ OMAMORI_MATCHER_ADDON: join(h.root, "garbage.node") });
    expect(json.status, json.stderr).to.equal(3);
    expect(json.stderr.split("\n").filter((l) => l.includes("slower JavaScript matcher"))).to.have.length(1);
    expect(json.stderr).to.match(/could not be loaded/);
    expect(json.stdout).to.include("Contact on 1 day, 26 minutes in total.");
    rmSync(h.root, { recursive: true });
  });
});
