/**
 * The whole chain, end to end (docs/E2E.md; docs/spec/cocoa-promises.md "The lesson from COCOA's failure"): the story of
 * host-tools/demo/story.ts — the same code `npm run demo` narrates — run once, then every outcome
 * asserted. Tokens run the built firmware in the simulator; pairing, syncs, the positive
 * registration, the server, signed publishing, download over HTTP, matching and the alert light
 * are the real code. Only the radio is simulated.
 *
 * Every expectation of the issue is asserted on every run. How robust they are to the radio's
 * randomness is measured apart (test/e2e/sweep.ts, docs/E2E.md): over 12 radio seeds B (20 minutes at
 * 0.8 m from A) is notified in 12, C and D (evenings behind a concrete wall) in none, E in 12.
 */
import { expect } from "chai";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../../common/bytes";
import { fastCrypto } from "../../host-tools/gaen/crypto";
import { decodeExportBin, parsePublicKey, readExportZip, verifyExport } from "../../host-tools/keys/exportFile";
import { readLog } from "../../host-tools/log/omamoriLog";
import { pendingPath } from "../../host-tools/positive/pendingKeys";
import type { PhoneDevice } from "../../sim/world/devices/phone";
import { runStory, TOKENS, type StoryResult } from "../../host-tools/demo/story";
import { startServer } from "../../host-tools/server/httpServer";
import { runCheck } from "../../host-tools/report/runCheck";


/** Every 6-byte identifier prefix (hex) a set of daily keys gives. */
function prefixesOf(keys: { tek: Uint8Array; rollingStart: number }[]): Set<string> {
  const out = new Set<string>();
  for (const k of keys) {
    const rpik = fastCrypto.rpik(k.tek);
    for (let i = 0; i < 144; i++) out.add(toHex(fastCrypto.rpi(rpik, k.rollingStart + i)).slice(0, 12));
  }
  return out;
}

describe("end to end: from a positive test to a lit alert (host-tools/demo/story.ts)", function () {
  this.timeout(120_000);
  let dir: string;
  let r: StoryResult;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "omamori-e2e-"));
    r = await runStory({ workDir: dir });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs in well under a minute", () => {
    expect(r.wallMs).to.be.below(60_000);
  });

  it("every token was paired, synced, and ran days without an error", async () => {
    for (const n of TOKENS) {
      const h = r.hosts[n];
      expect(await h.data.tokenIds(), n).to.deep.equal([h.tokenId]);
      expect(r.firstSync[n].status.board, n).to.equal(h.token.board.id);
      expect(h.token.rt.uncaughtErrors, n).to.deep.equal([]);
      expect(h.token.omamori.state().errorLog, n).to.deep.equal([]);
    }
  });

  it("each log holds what the radio world says each token could hear", async () => {
    const heard = async (who: (typeof TOKENS)[number], prefixes: Set<string>) => {
      const log = (await readLog(r.hosts[who].data.logPath(r.hosts[who].tokenId)))!;
      return log.encounters.filter((e) => prefixes.has(e.rpi.slice(0, 12))).length;
    };
    const a = prefixesOf(r.hosts.A.token.dailyKeys());
    const b = prefixesOf(r.hosts.B.token.dailyKeys());
    const p = prefixesOf(r.world.device<PhoneDevice>("P").dailyKeys());
    expect(await heard("B", a), "B logged A at the cafe").to.be.at.least(1);
    expect(await heard("A", b), "A logged B at the cafe").to.be.at.least(1);
    expect(await heard("E", p), "E logged phone P at the clinic").to.be.at.least(3);
    expect(await heard("C", a), "C never met A").to.equal(0);
    expect(await heard("E", a), "E never met A").to.equal(0);
    // ground truth of the scenario: who was within 2 m of whom, and where
    const pair = (x: string, y: string) => r.groundTruth.find((g) => (g.a === x && g.b === y) || (g.a === y && g.b === x))!;
    expect(pair("A", "B").total.sameRoom.within1m).to.equal(20);
    expect(pair("E", "P").total.sameRoom.within1m).to.equal(45);
    expect(pair("A", "D").total.sameRoom.within1m + pair("A", "D").total.sameRoom.from1to2m).to.equal(0);
    expect(pair("A", "D").total.throughWall.beyond2m).to.be.above(600);
    expect(pair("B", "C").total.sameRoom.within1m + pair("B", "C").total.sameRoom.from1to2m).to.be.below(2);
  });

  it("A registers with a processing number and A's button press; a 7-digit typo is asked again; nothing is kept afterwards", async () => {
    expect(r.registration.ok, JSON.stringify(r.registration)).to.equal(true);
    if (!r.registration.ok) return;
    expect(r.registration.keysSent).to.equal(r.tokenKeysA.length);
    expect(r.registration.keysAccepted).to.equal(r.tokenKeysA.length);
    const text = r.registrationTranscript.join("\n");
    expect(text).to.match(/exactly 8 digits/);
    expect(text).to.match(/Registered\. The server accepted/);
    expect(r.registrationTranscript.filter((l) => /processing number from the health centre/.test(l))).to.have.length(2);
    // the token asked (white light) during the registration, and A's presses came after it
    expect(r.consentA, "A's token never flashed white").to.not.equal(null);
    const { whiteAtMs, pressAtMs } = r.consentA!;
    expect(whiteAtMs).to.be.within(r.registrationSpanMs[0], r.registrationSpanMs[1]);
    expect(pressAtMs - whiteAtMs).to.be.within(1000, 5000);
    let gone = false;
    try {
      await stat(pendingPath(r.hosts.A.home, r.hosts.A.tokenId));
    } catch {
      gone = true;
    }
    expect(gone, "the kept keys are deleted once the server has them").to.equal(true);
  });

  it("the server published, signed, A's keys (risk level 4, confirmed test) and P's keys (risk level 0, report type UNKNOWN)", async () => {
    const folder = join(dir, "server", "public", "c19r", "440");
    const list = JSON.parse(await readFile(join(folder, "list.json"), "utf8")) as { url: string }[];
    expect(list.length).to.equal(r.published.files.length).and.to.be.above(0);
    const trust = [{ publicKey: parsePublicKey(r.server.publicKeyPem), keyId: "440", keyVersion: "v1" }];
    const keys = new Map<string, { trl?: number; rt?: number }>();
    for (const f of await readdir(folder)) {
      if (!f.endsWith(".zip")) continue;
      const { bin, sig } = readExportZip(new Uint8Array(await readFile(join(folder, f))));
      expect(verifyExport(bin, sig, trust).valid, f).to.equal(true);
      for (const k of decodeExportBin(bin).keys) keys.set(toHex(k.keyData), { trl: k.transmissionRiskLevel, rt: k.reportType });
    }
    const due = r.tokenKeysA.filter((k) => (k.rollingStart + 144) * 600_000 + 2 * 3600_000 <= r.checkedAtMs);
    expect(due.length).to.be.at.least(3);
    for (const k of due) expect(keys.get(k.hex), "A's key " + k.hex).to.deep.equal({ trl: 4, rt: 1 });
    const phone = r.world.device<PhoneDevice>("P").dailyKeys().filter((k) => (k.rollingStart + 144) * 600_000 + 2 * 3600_000 <= r.checkedAtMs);
    expect(phone.length).to.be.at.least(3);
    for (const k of phone) expect(keys.get(toHex(k.tek)), "P's key").to.deep.equal({ trl: 0, rt: 0 });
    expect(r.phoneUpload.answer.keysAccepted).to.equal(r.phoneUpload.keys);
  });

  it("every host downloaded every published file over HTTP, verified it and matched its token's log", () => {
    for (const n of TOKENS) {
      const c = r.checks[n];
      expect(c.verdict.reasons, n).to.deep.equal([]);
      expect(c.result.keysCheckedAt, n).to.be.a("string");
      expect(r.fetched[n], n).to.deep.equal({ added: r.published.files.length, keysAdded: r.published.keysPublished, problems: 0, keysUsable: r.published.keysPublished });
    }
  });

  it("a host that trusts another key refuses the same files (the signatures are really checked)", async () => {
    // the same server again (its list.json names its own address, so on the same port)
    const server = await startServer({ dataDir: join(dir, "server"), clock: () => r.checkedAtMs, publishEveryMinutes: 0, port: Number(new URL(r.server.url).port) });
    try {
      const home = join(dir, "host-stranger");
      const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
      await mkdir(home, { recursive: true });
      const source = server.url + "/c19r/440/list.json";
      await writeFile(join(home, "check.json"), JSON.stringify({ keySources: [source], publicKeys: [{ keyId: "440", keyVersion: "v1", publicKey: other }] }));
      const wrong = await runCheck({ home, now: new Date(r.checkedAtMs), lang: "en" });
      expect(wrong.fetch!.problems.length).to.equal(r.published.files.length);
      for (const p of wrong.fetch!.problems) expect(p.message).to.match(/signature/i);
      expect(wrong.keysUsable).to.equal(0);
      await writeFile(join(home, "check.json"), JSON.stringify({ keySources: [source], publicKeys: [{ keyId: "440", keyVersion: "v1", publicKey: r.server.publicKeyPem }] }));
      const right = await runCheck({ home, now: new Date(r.checkedAtMs), lang: "en" });
      expect(right.fetch!.problems, JSON.stringify(right.fetch!.problems)).to.deep.equal([]);
      expect(right.keysUsable).to.equal(r.published.keysPublished);
    } finally {
      await server.close();
    }
  });

  it("E, who met only phone P (risk level 0, no report type), is notified and E's token shows the alert", () => {
    const s = r.checks.E.result.summary;
    expect(s.riskyDays).to.equal(1);
    expect(s.days.filter((d) => d.risky).map((d) => d.date)).to.deep.equal(["2026-11-17"]);
    expect(r.checks.E.alertRequested).to.equal(true);
    expect(r.secondSync.E.alertSet).to.equal(true);
    expect(r.lights.E.alertState).to.equal(true);
    expect(r.lights.E.alertPattern, `${r.lights.E.redFlashes} red flashes`).to.equal(true);
  });

  it("C, who walked past B for 2 minutes, and A, the positive person, are not notified; their lights stay quiet", () => {
    for (const n of ["A", "C"] as const) {
      expect(r.checks[n].result.summary.riskyDays, n).to.equal(0);
      expect(r.checks[n].alertRequested, n).to.equal(false);
      expect(r.secondSync[n].alertSet, n).to.equal(false);
      expect(r.lights[n].alertState, n).to.equal(false);
      expect(r.lights[n].redFlashes, n).to.equal(0);
    }
  });

  it("writes a large-print HTML report for every token", async () => {
    for (const n of TOKENS) {
      const html = await readFile(r.reports[n], "utf8");
      expect(html, n).to.match(/^<!DOCTYPE html>/);
    }
    expect(await readFile(r.reports.E, "utf8")).to.match(/17 November/);
  });

  it("B, 20 minutes at 0.8 m from A, is notified and B's token shows the alert", () => {
    const s = r.checks.B.result.summary;
    expect(s.riskyDays, JSON.stringify(s.days)).to.equal(1);
    expect(r.secondSync.B.alertSet).to.equal(true);
    expect(r.lights.B.alertPattern).to.equal(true);
  });

  it("D, evenings behind a concrete wall 3.7-6.5 m from A, is not notified and D's light stays quiet", () => {
    const s = r.checks.D.result.summary;
    expect(s.riskyDays, JSON.stringify(s.days)).to.equal(0);
    expect(r.secondSync.D.alertSet).to.equal(false);
    expect(r.lights.D.redFlashes).to.equal(0);
  });
});
