import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { encodeExportBin, readExportZip, writeExportZip, MAX_EXPORT_BYTES } from "../../host-tools/keys/exportFile";
import { exportContent, OTHER_SIGNER, publicKeyBase64 } from "../keys/fixtures";
import { CHECK_NOW, makeHome } from "./fixtureHome";
import { runCli } from "./runCli";

describe("omamori keys / match / export-log", () => {
  let h: ReturnType<typeof makeHome>;
  beforeEach(() => { h = makeHome("risky"); });
  afterEach(() => rmSync(h.root, { recursive: true }));
  const zip = () => join(h.keysDir, "1.zip");

  it("keysInspect_text_localTimesWithTheZoneNamed", async () => {
    const r = await runCli(["keys", "inspect", zip()], { TZ: "Asia/Tokyo" });
    expect(r.stdout).to.include("from 10 November 2026, 09:00 (Japan Standard Time) to");
  });

  it("keysInspect_json_regionBatchTimesKeysSignature", async () => {
    const r = await runCli(["keys", "inspect", zip(), "--json"]);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.stdout);
    expect(j).to.deep.include({ region: "440", batchNum: 1, batchSize: 1, keys: 2, revisedKeys: 0, start: "2026-11-10T00:00:00.000Z" });
    expect(j.signatures[0]).to.deep.include({ verificationKeyId: "440", verificationKeyVersion: "v1" });
  });

  it("keysVerify_rightKey_validTrue_exit0; otherKey_validFalse_exit1", async () => {
    const ok = await runCli(["keys", "verify", zip(), "--public-key", h.publicKey, "--json"]);
    expect(ok.code).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.deep.include({ valid: true, keys: 2 });
    const bad = await runCli(["keys", "verify", zip(), "--public-key", publicKeyBase64(OTHER_SIGNER.publicKey), "--json"]);
    expect(bad.code).to.equal(1);
    expect(JSON.parse(bad.stdout).valid).to.equal(false);
  });

  it("keysVerify_pemFileAndKeyIdFilter", async () => {
    const pem = join(h.root, "pub.pem");
    writeFileSync(pem, OTHER_SIGNER.publicKey.export({ format: "pem", type: "spki" }));
    const r = await runCli(["keys", "verify", zip(), "--public-key", pem, "--json"]);
    expect(JSON.parse(r.stdout).valid).to.equal(false);
    const wrongId = await runCli(["keys", "verify", zip(), "--public-key", h.publicKey, "--key-id", "310", "--json"]);
    expect(JSON.parse(wrongId.stdout).reason).to.match(/no trusted public key/);
  });

  const badFiles: [string, () => Uint8Array, RegExp][] = [
    ["truncated", () => new Uint8Array(readFileSync(join(h.keysDir, "1.zip"))).subarray(0, 60), /damaged|truncated/],
    ["wrong header", () => { const { sig } = readExportZip(readFileSync(join(h.keysDir, "1.zip"))); const bin = encodeExportBin(exportContent([])); bin[0] = 0x41; return writeExportZip(bin, sig); }, /header/],
    ["malformed protobuf", () => { const bin = new Uint8Array([...encodeExportBin(exportContent([])).subarray(0, 16), 0x3a, 0x7f, 0x01]); return zipSync({ "export.bin": bin, "export.sig": new Uint8Array(0) }); }, /damaged or truncated/],
    ["oversized", () => new Uint8Array(MAX_EXPORT_BYTES + 10).fill(0x50), /too large/],
    ["not a zip", () => new TextEncoder().encode("<html>404 Not Found</html>"), /not a zip/],
  ];
  for (const [name, make, msg] of badFiles) {
    it(`keysInspectAndVerify_${name.replace(/ /g, "")}_exit2_oneLine`, async () => {
      const f = join(h.root, "bad.zip");
      writeFileSync(f, make());
      for (const args of [["keys", "inspect", f], ["keys", "verify", f, "--public-key", h.publicKey]]) {
        const r = await runCli(args);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.match(msg);
        expect(r.stderr.trim().split("\n")).to.have.length(1);
      }
    });
  }

  it("keysFetch_badFileAmongGood_goodCached_badReported_cacheIndexStaysValid", async () => {
    writeFileSync(join(h.keysDir, "2.zip"), new Uint8Array(readFileSync(zip())).subarray(0, 80));
    const r = await runCli(["keys", "fetch"], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("1 new file(s), 2 keys");
    expect(r.stderr).to.include("2.zip");
    const index = JSON.parse(readFileSync(join(h.home, "keys", "index.json"), "utf8"));
    expect(index.files).to.have.length(1);
    expect(existsSync(join(h.home, "keys", "files", index.files[0].sha256 + ".zip"))).to.equal(true);
  });

  it("match_json_perDayResultsAndTotals", async () => {
    const r = await runCli(["match", "--log", h.logPath, "--keys", h.keysDir, "--public-key", h.publicKey, "--now", CHECK_NOW, "--json"]);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.stdout);
    expect(j.totals).to.deep.equal({ riskyDays: 1, riskyMinutes: 26, contactDays: 1 });
    expect(j.days[0]).to.deep.include({ date: "2026-11-10", risky: true, minutes: 26, entries: 1 });
    expect(j.keys.usable).to.equal(2);
    expect(j.matching.keysChecked).to.equal(2);
    expect(j.matching.matchedIdentifiers).to.equal(3); // 25 min over 3 intervals, one entry each
    expect(j.windows[0]).to.not.have.property("key");
  });

  it("match_text_aboutTheseInputsOnly_englishAndJapanese", async () => {
    const r = await runCli(["match", "--log", h.logPath, "--keys", zip(), "--public-key", h.publicKey, "--now", CHECK_NOW]);
    expect(r.stdout).to.include("This log against these 2 keys: contact on 1 day, 26 minutes in total.");
    expect(r.stdout).to.include("Tue 10 November: 26 minutes of contact");
    expect(r.stdout).to.include("the owner's answer");
    const ja = await runCli(["match", "--log", h.logPath, "--keys", zip(), "--public-key", h.publicKey, "--now", CHECK_NOW], { LANG: "ja_JP.UTF-8" });
    expect(ja.stdout).to.include("この記録とこれらの鍵（2件）の照合：1日間に合計26分間の接触がありました。");
  });

  it("match_unsignedWithoutPublicKey_exit2_saysWhatToDo", async () => {
    const r = await runCli(["match", "--log", h.logPath, "--keys", zip(), "--now", CHECK_NOW], { OMAMORI_HOME: join(h.root, "empty-home") });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("--public-key");
  });

  it("match_badLogOrConfig_exit2", async () => {
    writeFileSync(join(h.root, "bad-log.json"), JSON.stringify({ format: "other" }));
    const a = await runCli(["match", "--log", join(h.root, "bad-log.json"), "--keys", zip(), "--public-key", h.publicKey]);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/not an Omamori contact log/);
    writeFileSync(join(h.root, "cfg.json"), JSON.stringify({ attenuationThresholdsDb: [60, 50, 70] }));
    const b = await runCli(["match", "--log", h.logPath, "--keys", zip(), "--public-key", h.publicKey, "--config", join(h.root, "cfg.json")]);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.match(/ascending/);
  });

  it("exportLog_writesTheCheckedLog; refusesToOverwrite", async () => {
    const out = join(h.root, "mine.json");
    const r = await runCli(["export-log", "--out", out], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).to.deep.equal(JSON.parse(readFileSync(h.logPath, "utf8")));
    const again = await runCli(["export-log", "--out", out], { OMAMORI_HOME: h.home });
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include("already exists");
  });

  it("exportLog_unknownToken_exit2_listsThePairedTokens", async () => {
    const r = await runCli(["export-log", "--token", "nobody"], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('no paired token is named "nobody" Paired tokens: grandma.');
  });

  it("exportLog_misspelledToken_suggestsTheClosestName_notANewPairing", async () => {
    const r = await runCli(["export-log", "--token", "grandmaa"], { OMAMORI_HOME: h.home });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('did you mean "grandma"?');
    expect(r.stderr).not.to.include("token pair");
    const ja = await runCli(["export-log", "--token", "grnadma"], { OMAMORI_HOME: h.home, LANG: "ja_JP.UTF-8" });
    expect(ja.stderr).to.include("「grandma」のことですか？");
  });
});
