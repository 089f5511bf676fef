import { expect } from "chai";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { decodeExportBin, parsePublicKey, readExportZip, verifyExport } from "../../host-tools/keys/exportFile";
import { publicKeyInfo } from "../../host-tools/server/dataDir";
import { issueNumber } from "../../host-tools/server/processingNumbers";
import { parseListJson, type ListEntry } from "../../host-tools/keys/listJson";
import { publish, regionDir } from "../../host-tools/server/publish";
import { registerKeys } from "../../host-tools/server/registration";
import type { SubmittedKey } from "../../host-tools/server/submission";
import { validateSubmission } from "../../host-tools/server/submission";
import { body, dateOf, key, MS_PER_DAY, NOON, TODAY, tempDataDir, type TempServerDir } from "./helpers";

const HOUR = 3600_000;

describe("server publishing", () => {
  let t: TempServerDir;
  afterEach(() => t.cleanup());

  /** Registers keys through the real validation and registration path at `nowMs`. */
  function register(keys: SubmittedKey[], nowMs = NOON, onsetDay = TODAY - 2): void {
    const number = issueNumber(t.db, t.data.numberSecret, nowMs, 24).number;
    const b = body(number, Math.floor(nowMs / MS_PER_DAY), { keys, onsetOfSymptomOrTestDate: `${dateOf(onsetDay)}T00:00:00.000+00:00` });
    registerKeys(t.db, t.data.numberSecret, validateSubmission(b, nowMs, "440"), nowMs);
  }
  const readZip = (path: string) => readExportZip(new Uint8Array(readFileSync(path)));
  const readList = (path: string): ListEntry[] => {
    const parsed = parseListJson(readFileSync(path, "utf8"));
    expect(parsed.problems).to.deep.equal([]);
    return parsed.entries;
  };
  const b64 = (k: Uint8Array) => Buffer.from(k).toString("base64");

  it("publish_beforeValidityEndPlus2h_waits; at2h_publishes", () => {
    t = tempDataDir();
    register([key(TODAY)]);
    const end = (TODAY + 1) * MS_PER_DAY; // today's key is valid until midnight
    const early = publish(t.data, t.db, { nowMs: end + 2 * HOUR - 1 });
    expect(early.files).to.deep.equal([]);
    expect(early.keysWaiting).to.equal(1);
    const onTime = publish(t.data, t.db, { nowMs: end + 2 * HOUR });
    expect(onTime.keysPublished).to.equal(1);
    expect(onTime.keysWaiting).to.equal(0);
  });

  it("publish_shortRollingPeriod_embargoCountsFromItsOwnEnd", () => {
    t = tempDataDir();
    register([key(TODAY, { rollingPeriod: 60 })]); // valid 00:00-10:00
    const end = TODAY * MS_PER_DAY + 10 * HOUR;
    expect(publish(t.data, t.db, { nowMs: end + 2 * HOUR - 1 }).keysPublished).to.equal(0);
    expect(publish(t.data, t.db, { nowMs: end + 2 * HOUR }).keysPublished).to.equal(1);
  });

  it("publish_groupsByUtcDayAndSplitsAtMaxKeysPerFile", () => {
    t = tempDataDir({ maxKeysPerFile: 2 });
    const dayA = Array.from({ length: 5 }, () => key(TODAY - 3));
    const dayB = Array.from({ length: 3 }, () => key(TODAY - 1));
    register([...dayA, ...dayB]);
    const r = publish(t.data, t.db, { nowMs: NOON + MS_PER_DAY });
    expect(r.keysPublished).to.equal(8);
    expect(r.files.map((f) => [f.day, f.keys])).to.deep.equal([
      [TODAY - 3, 2],
      [TODAY - 3, 2],
      [TODAY - 3, 1],
      [TODAY - 1, 2],
      [TODAY - 1, 1],
    ]);
    const seen: Record<number, string[]> = {};
    const batchNums: Record<number, number[]> = {};
    for (const f of r.files) {
      const c = decodeExportBin(readZip(f.path).bin);
      expect(c.region).to.equal("440");
      expect(c.startTimestamp).to.equal(f.day * 86_400);
      expect(c.endTimestamp).to.equal((f.day + 1) * 86_400);
      expect(c.batchSize).to.equal(f.day === TODAY - 3 ? 3 : 2);
      (batchNums[f.day] ??= []).push(c.batchNum);
      for (const k of c.keys) {
        expect(k.rollingStartIntervalNumber).to.equal(f.day * 144);
        expect(k.rollingPeriod).to.equal(144);
        expect(k.transmissionRiskLevel).to.equal(4);
        expect(k.reportType).to.equal(1);
        expect(k.daysSinceOnsetOfSymptoms).to.equal(f.day - (TODAY - 2));
        (seen[f.day] ??= []).push(b64(k.keyData));
      }
    }
    expect(batchNums).to.deep.equal({ [TODAY - 3]: [1, 2, 3], [TODAY - 1]: [1, 2] });
    expect(seen[TODAY - 3].sort()).to.deep.equal(dayA.map((k) => k.keyData).sort());
    expect(seen[TODAY - 1].sort()).to.deep.equal(dayB.map((k) => k.keyData).sort());
  });

  it("publish_shufflesKeys_notInUploadOrder", () => {
    t = tempDataDir();
    const keys = Array.from({ length: 30 }, () => key(TODAY - 1));
    register(keys);
    const r = publish(t.data, t.db, { nowMs: NOON + MS_PER_DAY });
    const order = decodeExportBin(readZip(r.files[0].path).bin).keys.map((k) => b64(k.keyData));
    expect([...order].sort()).to.deep.equal(keys.map((k) => k.keyData).sort());
    expect(order).to.not.deep.equal(keys.map((k) => k.keyData)); // 1 in 30! to fail by chance
  });

  it("publish_again_neverRepublishesAKey", () => {
    t = tempDataDir();
    register([key(TODAY - 1), key(TODAY - 2)]);
    const first = publish(t.data, t.db, { nowMs: NOON + MS_PER_DAY });
    expect(first.keysPublished).to.equal(2);
    const second = publish(t.data, t.db, { nowMs: NOON + MS_PER_DAY + HOUR });
    expect(second.files).to.deep.equal([]);
    expect(second.keysPublished).to.equal(0);
    expect(readList(second.listPath)).to.have.length(first.files.length);
  });

  it("listJson_isCocoaFormat_regionUrlCreatedMs", () => {
    t = tempDataDir({ publicUrl: "https://cdn.example.jp/" });
    register([key(TODAY - 1), key(TODAY - 2)]);
    const now = NOON + MS_PER_DAY;
    const r = publish(t.data, t.db, { nowMs: now });
    expect(r.listPath.endsWith("/public/c19r/440/list.json")).to.equal(true);
    const list = JSON.parse(readFileSync(r.listPath, "utf8")) as ListEntry[]; // the raw file, not a parser's view
    expect(list).to.have.length(2);
    expect(readList(r.listPath)).to.deep.equal(list); // and the downloader reads it as written
    for (const [i, e] of list.entries()) {
      expect(Object.keys(e).sort()).to.deep.equal(["created", "region", "url"]);
      expect(e.region).to.equal("440");
      expect(e.created).to.equal(now);
      expect(e.url).to.equal(`https://cdn.example.jp/c19r/440/${r.files[i].batch}.zip`);
      expect(existsSync(r.files[i].path)).to.equal(true);
    }
  });

  it("publish_cleanup_filesOlderThan14DaysGoKeysToo", () => {
    t = tempDataDir();
    register([key(TODAY - 1)]);
    const publishedAt = NOON;
    const first = publish(t.data, t.db, { nowMs: publishedAt });
    const path = first.files[0]?.path;
    expect(first.files).to.have.length(1);
    const justBefore = publish(t.data, t.db, { nowMs: publishedAt + 14 * MS_PER_DAY - 1 });
    expect(justBefore.filesRemoved).to.equal(0);
    expect(existsSync(path)).to.equal(true);
    expect(readList(justBefore.listPath)).to.have.length(1);
    const after = publish(t.data, t.db, { nowMs: publishedAt + 14 * MS_PER_DAY });
    expect(after.filesRemoved).to.equal(1);
    // The key (day TODAY-1) fell out of the 14-day window on day TODAY+14, at the first publish that day.
    expect(justBefore.keysRemoved + after.keysRemoved).to.equal(1);
    expect(existsSync(path)).to.equal(false);
    expect(readList(after.listPath)).to.deep.equal([]);
    expect(t.db.prepare("SELECT COUNT(*) AS n FROM diagnosis_keys").get()).to.deep.equal({ n: 0 });
  });

  it("publishedFile_signature_verifiesWithThePrintedPublicKeyOnly", () => {
    t = tempDataDir();
    register([key(TODAY - 1), key(TODAY - 3)]);
    const r = publish(t.data, t.db, { nowMs: NOON });
    const info = publicKeyInfo(t.data);
    expect(info.keyId).to.equal("440");
    expect(info.keyVersion).to.equal("v1");
    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey;
    for (const f of r.files) {
      const { bin, sig } = readZip(f.path);
      for (const printed of [info.spkiBase64, info.pem]) {
        const ok = verifyExport(bin, sig, [{ keyId: "440", keyVersion: "v1", publicKey: parsePublicKey(printed) }]);
        expect(ok.valid, ok.reason).to.equal(true);
      }
      expect(verifyExport(bin, sig, [{ keyId: "440", keyVersion: "v1", publicKey: other }]).valid).to.equal(false);
    }
  });

  it("publish_fileCannotBeWritten_listShowsOnlyWholeFiles_nextPublishFinishesWithTheRecordedBytes", () => {
    t = tempDataDir();
    register([key(TODAY - 1), key(TODAY - 2)]);
    // The second file cannot be written: a folder stands where 2.zip would go.
    const blocker = join(regionDir(t.data), "2.zip");
    mkdirSync(blocker, { recursive: true });
    expect(() => publish(t.data, t.db, { nowMs: NOON })).to.throw();
    const first = readFileSync(join(regionDir(t.data), "1.zip"));
    expect(readList(join(regionDir(t.data), "list.json"))).to.deep.equal([]); // nothing listed that is not on disk
    expect(readdirSync(regionDir(t.data)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    rmSync(blocker, { recursive: true });
    const retry = publish(t.data, t.db, { nowMs: NOON });
    expect(retry.keysPublished).to.equal(0); // they were given their files in the first run
    expect(readList(retry.listPath)).to.have.length(2);
    expect(readFileSync(join(regionDir(t.data), "1.zip")).equals(first)).to.equal(true);
    const keys = [1, 2].flatMap((n) => decodeExportBin(readZip(join(regionDir(t.data), `${n}.zip`)).bin).keys);
    expect(keys).to.have.length(2);
  });

  it("publish_noPublicUrlAnywhere_explainsWhatToGive", () => {
    t = tempDataDir({ publicUrl: undefined });
    expect(() => publish(t.data, t.db, { nowMs: NOON })).to.throw(/--public-url/);
    expect(() => publish(t.data, t.db, { nowMs: NOON, publicUrl: "ftp://x" })).to.throw(/http\(s\) URL/);
    expect(publish(t.data, t.db, { nowMs: NOON, publicUrl: "http://127.0.0.1:8080" }).files).to.deep.equal([]);
  });
});
