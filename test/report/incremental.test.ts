import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ExportKey } from "../../host-tools/keys/exportFile";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { validateKeys } from "../../host-tools/keys/validateKeys";
import type { ExposureSummary } from "../../host-tools/match/dailySummary";
import { parseLog, type OmamoriLog } from "../../host-tools/log/omamoriLog";
import { matchLog } from "../../host-tools/match/matchLog";
import { DEFAULT_RISK_CONFIG_PATH, loadRiskConfig } from "../../host-tools/match/riskConfig";
import { loadHistory } from "../../host-tools/report/checkHistory";
import { loadCheckSettings } from "../../host-tools/report/checkSettings";
import { runCheck, type TokenCheck } from "../../host-tools/report/runCheck";
import { signedZip } from "../keys/fixtures";
import { contactEncounters, DAY0, DAY0_ENIN, makeLog, noiseEncounter, randomTek } from "../match/logBuilder";
import { CHECK_NOW, makeHome, type Home } from "./fixtureHome";

const DAY = 86400;

function key(tek: Uint8Array, day: number, over: Partial<ExportKey> = {}): ExportKey {
  return { keyData: tek, rollingStartIntervalNumber: DAY0_ENIN + 144 * day, rollingPeriod: 144, ...over };
}

function tokenLog(h: Home): string {
  return join(h.home, "tokens", "grandma", "log.json");
}

function writeLog(h: Home, log: OmamoriLog): void {
  writeFileSync(tokenLog(h), JSON.stringify(log));
}

async function check(h: Home, nowIso = CHECK_NOW): Promise<TokenCheck> {
  const run = await runCheck({ home: h.home, now: new Date(nowIso), lang: "en" });
  expect(run.tokens).to.have.length(1);
  expect(run.tokens[0].verdict.reasons.filter((r) => ["log-damaged", "match-failed", "state-damaged"].includes(r.code))).to.deep.equal([]);
  return run.tokens[0];
}

/** A full match from scratch of the token's log against every cached key (no memo, no key store: the zips decoded again). */
async function fullMatch(h: Home, nowIso = CHECK_NOW): Promise<ExposureSummary> {
  const now = Date.parse(nowIso) / 1000;
  const config = loadRiskConfig(loadCheckSettings(h.home).riskConfig);
  const keys = validateKeys(new KeyCache(h.home).contents().map((c) => c.content), now).keys;
  const log = parseLog(readFileSync(tokenLog(h), "utf8"));
  return (await matchLog(log, keys, config, now, 1)).summary;
}

describe("omamori check, incremental matching", () => {
  it("check_newKeyFilesOnly_onlyTheirKeysMatchedAgainstWholeLog_sameAsFullMatch", async () => {
    const h = makeHome("risky");
    const tek2 = randomTek();
    const log = parseLog(readFileSync(tokenLog(h), "utf8"));
    log.encounters.push(...contactEncounters(tek2, DAY0 + DAY + 43200, 25, -58), noiseEncounter(DAY0 + 2 * DAY));
    writeLog(h, log);
    const first = await check(h);
    expect(first.matching).to.deep.include({ full: true, keysAfresh: 2 });
    expect(first.result.summary.riskyDays).to.equal(1);

    writeFileSync(join(h.keysDir, "2.zip"), signedZip([key(tek2, 1), key(randomTek(), 1), key(randomTek(), 2)]));
    const second = await check(h);
    expect(second.reused).to.equal(false);
    expect(second.matching).to.deep.include({ full: false, keysAfresh: 3, keysAgainstNewSightings: 2, newEncounters: 1 });
    // newEncounters: only the noise sighting within 2 h of the last check's latest scan is looked at again.
    expect(second.result.summary.riskyDays).to.equal(2);
    expect(second.result.summary).to.deep.equal(await fullMatch(h));
    // The memo holds only the matched (public) diagnosis keys, never a logged identifier.
    const text = readFileSync(join(h.home, "check-history.json"), "utf8");
    expect(loadHistory(h.home).tokens.grandma.match!.keys).to.have.length(2);
    for (const e of log.encounters) expect(text).not.to.include(e.rpi);
    rmSync(h.root, { recursive: true });
  });

  it("check_syncAddsSightingsOfOldKeys_foundAgainstNewSightingsOnly_sameAsFullMatch", async () => {
    const h = makeHome("none");
    const tek1 = randomTek(), tek3 = randomTek();
    writeFileSync(join(h.keysDir, "1.zip"), signedZip([key(tek1, 0), key(tek3, 1), key(randomTek(), 1)]));
    const before = makeLog([noiseEncounter(DAY0 + 3600), ...contactEncounters(tek1, DAY0 + 36000, 25, -58)]);
    writeLog(h, before);
    const first = await check(h, "2026-11-11T09:00:00Z");
    expect(first.matching).to.deep.include({ full: true, keysAfresh: 3 });
    expect(first.result.summary.riskyDays).to.equal(1);

    // The next sync brings sightings of tek3 (a key from the file matched already) on 11 November.
    const after = makeLog([...before.encounters, ...contactEncounters(tek3, DAY0 + DAY + 72000, 25, -58), noiseEncounter(DAY0 + DAY + 80000)]);
    writeLog(h, after);
    const second = await check(h);
    expect(second.matching).to.deep.include({ full: false, keysAfresh: 0, keysAgainstNewSightings: 3 });
    expect(second.matching!.newEncounters).to.be.lessThan(after.encounters.length);
    expect(second.result.summary.riskyDays).to.equal(2);
    expect(second.result.summary).to.deep.equal(await fullMatch(h));
    expect(second.alertRequested).to.equal(true);
    rmSync(h.root, { recursive: true });
  });

  it("check_keyRevokedInLaterFile_noContact_sameAsFullMatch", async () => {
    const h = makeHome("risky");
    const first = await check(h);
    expect(first.result.summary.riskyDays).to.equal(1);
    const memo = loadHistory(h.home).tokens.grandma.match!;
    expect(memo.keys).to.have.length(1);
    const [hex, start] = memo.keys[0].split(":");
    const tek = Uint8Array.from(Buffer.from(hex, "hex"));
    writeFileSync(join(h.keysDir, "2.zip"), signedZip([key(randomTek(), 2)], { revisedKeys: [{ keyData: tek, rollingStartIntervalNumber: Number(start), rollingPeriod: 144, reportType: 5 }] }));
    const second = await check(h);
    expect(second.matching).to.deep.include({ full: false, keysAfresh: 1 });
    expect(second.result.summary.riskyDays).to.equal(0);
    expect(second.result.summary.days).to.deep.equal([]);
    expect(second.result.summary).to.deep.equal(await fullMatch(h));
    expect(second.alertRequested).to.equal(false);
    expect(loadHistory(h.home).tokens.grandma.match!.keys).to.deep.equal([]);
    rmSync(h.root, { recursive: true });
  });

  it("check_riskConfigChanged_orMemoDamaged_fullRematch", async () => {
    const h = makeHome("risky");
    await check(h);
    const configPath = join(h.root, "risk.json");
    const config = JSON.parse(readFileSync(DEFAULT_RISK_CONFIG_PATH, "utf8"));
    config.riskyDay.minimumScanSeconds = 1800;
    writeFileSync(configPath, JSON.stringify(config));
    const settings = JSON.parse(readFileSync(join(h.home, "check.json"), "utf8"));
    writeFileSync(join(h.home, "check.json"), JSON.stringify({ ...settings, riskConfig: configPath }));
    const second = await check(h);
    expect(second.matching).to.deep.include({ full: true, reason: "risk configuration changed", keysAfresh: 2 });
    expect(second.result.summary).to.deep.equal(await fullMatch(h));
    expect(second.result.summary.riskyDays).to.equal(0);

    const hist = JSON.parse(readFileSync(join(h.home, "check-history.json"), "utf8"));
    hist.tokens.grandma.match.keys = ["nonsense"];
    hist.tokens.grandma.inputs = "x";
    writeFileSync(join(h.home, "check-history.json"), JSON.stringify(hist));
    const third = await check(h);
    expect(third.matching).to.deep.include({ full: true, reason: "memo missing or damaged" });
    expect(third.result.summary).to.deep.equal(second.result.summary);
    rmSync(h.root, { recursive: true });
  });

  it("check_logReplacedByOneWithMoreOldScans_orCheckTimeWentBack_fullRematch", async () => {
    const h = makeHome("risky");
    await check(h);
    const log = parseLog(readFileSync(tokenLog(h), "utf8"));
    log.encounters.push(noiseEncounter(DAY0 + 3600));
    writeLog(h, log);
    const second = await check(h);
    expect(second.matching).to.deep.include({ full: true, reason: "log is not an extension of the one matched" });
    expect(second.result.summary).to.deep.equal(await fullMatch(h));
    const earlier = "2026-11-12T09:00:00Z";
    const third = await check(h, earlier);
    expect(third.matching).to.deep.include({ full: true, reason: "check time went back" });
    expect(third.result.summary).to.deep.equal(await fullMatch(h, earlier));
    rmSync(h.root, { recursive: true });
  });

  it("check_randomRoundsOfKeyFilesSyncsAndRevisions_alwaysSameAsFullMatch", async () => {
    let seed = 20261113;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const h = makeHome("none");
    rmSync(join(h.keysDir, "1.zip"));
    const teks = Array.from({ length: 8 }, (_, i) => ({ tek: randomTek(), day: i % 4 }));
    const published: typeof teks = [];
    const log = makeLog([noiseEncounter(DAY0 + 600)]);
    writeLog(h, log);
    let prev = DAY0 + 6 * 3600;
    let incremental = 0;
    for (let round = 0; round < 8; round++) {
      const now = prev + 9 * 3600;
      // A sync: contacts with some of the people met since the previous check.
      for (let n = rnd(3); n > 0; n--) {
        const t = teks[rnd(teks.length)];
        const from = Math.max(prev, DAY0 + t.day * DAY) + 600 * rnd(30);
        if (from + 1800 < now && from < DAY0 + (t.day + 1) * DAY - 1800) {
          log.encounters.push(...contactEncounters(t.tek, from, 16 + rnd(20), -50 - rnd(20)));
        }
      }
      writeLog(h, log);
      // Sometimes a new key file: some keys (maybe not valid yet), noise, a revision of an older key.
      if (rnd(3) > 0) {
        const keys: ExportKey[] = [key(randomTek(), rnd(4))];
        for (let n = 1 + rnd(3); n > 0; n--) {
          const t = teks[rnd(teks.length)];
          if (!published.includes(t)) {
            published.push(t);
            keys.push(key(t.tek, t.day, { daysSinceOnsetOfSymptoms: 0 }));
          }
        }
        const revisedKeys: ExportKey[] = [];
        if (published.length > 1 && rnd(2) === 0) {
          const t = published[rnd(published.length - 1)];
          revisedKeys.push(key(t.tek, t.day, rnd(2) === 0 ? { reportType: 5 } : { reportType: 1, daysSinceOnsetOfSymptoms: -13 }));
        }
        writeFileSync(join(h.keysDir, `r${round}.zip`), signedZip(keys, { revisedKeys }));
      }
      const iso = new Date(now * 1000).toISOString();
      const c = await check(h, iso);
      if (c.matching && !c.matching.full) incremental++;
      expect(c.result.summary, `round ${round}`).to.deep.equal(await fullMatch(h, iso));
      prev = now;
    }
    expect(incremental).to.be.greaterThan(4);
    rmSync(h.root, { recursive: true });
  });
});
