import { expect } from "chai";
import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../../common/bytes";
import type { ExportKey } from "../../host-tools/keys/exportFile";
import { fetchKeys } from "../../host-tools/keys/fetchKeys";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { readStore, storePath } from "../../host-tools/keys/keyStore";
import { keysFromCache } from "../../host-tools/keys/loadKeys";
import { KeyCollector } from "../../host-tools/keys/validateKeys";
import type { KeySet } from "../../host-tools/match/keySet";
import { DAY0, DAY0_ENIN, randomTek } from "../match/logBuilder";
import { SIGNER, signedZip } from "./fixtures";

const trust = { keys: [{ publicKey: SIGNER.publicKey }], allowUnsigned: false };

/** Every key of a set as comparable rows; revoked keys marked. */
function rows(keys: KeySet, origin?: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.count; i++) {
    const f = keys.fields(i);
    out.push(`${toHex(keys.keyData.subarray(16 * i, 16 * i + 16))} ${f.rollingStart} ${f.rollingPeriod} ${f.reportType} ${f.daysSinceOnset} ${f.transmissionRiskLevel}${origin ? " file " + origin[i] : ""}`);
  }
  return out;
}

/** The reference: every cached zip decoded again with protobufjs and collected at `now`, with the file that last touched each key. */
function reference(cache: KeyCache, now: number) {
  const collector = new KeyCollector(now);
  const origin: number[] = [];
  let current = 0;
  collector.onTouch = (i) => (origin[i] = current);
  cache.contents().forEach((c, n) => {
    current = n;
    collector.add(c.content);
  });
  return { v: collector.result(), origin: Uint32Array.from(origin) };
}

/**
 * Random files over 20 days: fresh keys, keys repeated from earlier files, revised keys that
 * change or revoke earlier keys (or are new), keys that will be too old or in the future.
 */
function randomFiles(dir: string, files: number): void {
  const seen: ExportKey[] = [];
  for (let f = 0; f < files; f++) {
    const keys: ExportKey[] = [];
    const revisedKeys: ExportKey[] = [];
    for (let n = 0; n < 40; n++) {
      const day = randomInt(-18, 3);
      const k: ExportKey = { keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN + 144 * day, rollingPeriod: 144, transmissionRiskLevel: randomInt(9) };
      if (randomInt(2)) k.reportType = 1 + randomInt(4);
      if (randomInt(2)) k.daysSinceOnsetOfSymptoms = randomInt(-5, 6);
      keys.push(k);
      seen.push(k);
    }
    for (let n = 0; n < 6 && seen.length > 50; n++) keys.push({ ...seen[randomInt(seen.length)] });
    for (let n = 0; n < 5 && seen.length > 50; n++) {
      const old = seen[randomInt(seen.length)];
      revisedKeys.push({ ...old, reportType: randomInt(3) === 0 ? 5 : 2, daysSinceOnsetOfSymptoms: randomInt(-3, 4) });
    }
    revisedKeys.push({ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144, reportType: 1 });
    writeFileSync(join(dir, `${String(f).padStart(2, "0")}.zip`), signedZip(keys, { revisedKeys, startTimestamp: DAY0 + f * 3600, endTimestamp: DAY0 + f * 3600 + 3600 }));
  }
}

describe("keys/keyStore (keys merged once into store.bin)", () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), "omamori-store-")); });
  afterEach(() => rmSync(root, { recursive: true }));

  it("keysFromCache_randomFilesRevisionsRevocationsAndTimeLimits_equalsDecodingEveryZipAgain_atSeveralTimes", async () => {
    const zips = join(root, "zips");
    mkdirSync(zips);
    randomFiles(zips, 12);
    const cache = new KeyCache(join(root, "home"));
    const f = await fetchKeys([zips], cache, { trust });
    expect(f.added).to.equal(12);
    for (const nowDay of [1, 4, 9]) {
      const now = DAY0 + nowDay * 86400 + 3600;
      const ref = reference(new KeyCache(join(root, "home")), now);
      const got = await keysFromCache(new KeyCache(join(root, "home")), now);
      expect(rows(got.validation.keys, got.origin), `now = day ${nowDay}`).to.deep.equal(rows(ref.v.keys, ref.origin));
      expect(got.validation.read).to.equal(ref.v.read);
      // the store applied revisions before the time rules, so it also counts those of keys the time rules then drop
      expect(got.validation.revisedApplied).to.be.at.least(ref.v.revisedApplied);
      expect(got.validation.dropped["too-old"] + got.validation.dropped.future, "some keys fall outside the time window").to.be.greaterThan(0);
      expect(got.validation.keys.count).to.be.greaterThan(200);
    }
  });

  it("store_builtOnce_reusedWhileTheFilesStay_rebuiltWhenOneIsAddedOrPruned", async () => {
    const zips = join(root, "zips");
    mkdirSync(zips);
    randomFiles(zips, 3);
    const home = join(root, "home");
    await fetchKeys([zips], new KeyCache(home), { trust });
    const now = DAY0 + 86400;
    const first = await keysFromCache(new KeyCache(home), now);
    const path = storePath(new KeyCache(home));
    const built = statSync(path).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const again = await keysFromCache(new KeyCache(home), now);
    expect(statSync(path).mtimeMs).to.equal(built);
    expect(rows(again.validation.keys)).to.deep.equal(rows(first.validation.keys));
    // one more file: rebuilt, and its keys are in
    writeFileSync(join(zips, "99.zip"), signedZip([{ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 }]));
    const cache = new KeyCache(home);
    await fetchKeys([zips], cache, { trust });
    const more = await keysFromCache(cache, now);
    expect(statSync(path).mtimeMs).to.be.greaterThan(built);
    expect(more.fileSha256).to.have.length(4);
    expect(more.validation.keys.count).to.be.greaterThan(first.validation.keys.count);
    // prune: files of keys older than 15 days go; the store is left as it is, loading drops their keys
    expect(await cache.prune(DAY0 + 17 * 86400)).to.equal(4);
    const rebuilt = statSync(path).mtimeMs;
    const pruned = await keysFromCache(cache, DAY0 + 17 * 86400);
    expect(pruned.validation.keys.count).to.equal(0);
    expect(pruned.fileSha256).to.deep.equal([]);
    expect(statSync(path).mtimeMs).to.equal(rebuilt);
  });

  it("store_afterPrunesAndFetches_newFilesMergedOntoIt_equalsDecodingEveryZipAgain", async () => {
    const zips = join(root, "zips");
    mkdirSync(zips);
    const home = join(root, "home");
    let cache = new KeyCache(home);
    const seen: ExportKey[] = [];
    for (let day = 0; day < 20; day++) {
      // a file a day: the day's keys, a key repeated from an earlier file, a revision of an earlier key
      const keys: ExportKey[] = Array.from({ length: 30 }, (_, n) => ({ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN + 144 * (day - 1 - (n % 3)), rollingPeriod: 144, reportType: 1 }));
      const revisedKeys: ExportKey[] = [];
      if (seen.length > 40) {
        keys.push({ ...seen[seen.length - 40] });
        revisedKeys.push({ ...seen[seen.length - 35], reportType: day % 2 ? 5 : 2 });
      }
      seen.push(...keys.slice(0, 30));
      writeFileSync(join(zips, `d${String(day).padStart(2, "0")}.zip`), signedZip(keys, { revisedKeys, startTimestamp: DAY0 + day * 86400, endTimestamp: DAY0 + (day + 1) * 86400 }));
      const now = DAY0 + (day + 1) * 86400 + 3600;
      cache = new KeyCache(home);
      await fetchKeys([zips], cache, { trust });
      await cache.prune(now);
      const got = await keysFromCache(cache, now);
      const ref = reference(cache, now);
      expect(rows(got.validation.keys, got.origin), `day ${day}`).to.deep.equal(rows(ref.v.keys, ref.origin));
      expect(got.fileSha256).to.deep.equal(cache.orderedFiles().map((f) => f.sha256));
    }
    expect(cache.orderedFiles().length).to.be.lessThan(20); // some were pruned on the way
  });

  it("store_damagedOrFromAnotherCache_rebuilt; keysFile_missingOrDamaged_madeAgainFromTheZip", async () => {
    const zips = join(root, "zips");
    mkdirSync(zips);
    randomFiles(zips, 3);
    const home = join(root, "home");
    await fetchKeys([zips], new KeyCache(home), { trust });
    const now = DAY0 + 86400;
    const good = rows((await keysFromCache(new KeyCache(home), now)).validation.keys);
    const path = storePath(new KeyCache(home));
    writeFileSync(path, Buffer.from("OMKSTORE and then nonsense"));
    expect(readStore(path)).to.equal(null);
    expect(rows((await keysFromCache(new KeyCache(home), now)).validation.keys)).to.deep.equal(good);
    expect(readStore(path)).to.not.equal(null);
    const files = join(home, "keys", "files");
    const keysFiles = readdirSync(files).filter((n) => n.endsWith(".keys"));
    expect(keysFiles).to.have.length(3);
    rmSync(join(files, keysFiles[0]));
    writeFileSync(join(files, keysFiles[1]), "garbage");
    rmSync(path);
    expect(rows((await keysFromCache(new KeyCache(home), now)).validation.keys)).to.deep.equal(good);
    expect(readdirSync(files).filter((n) => n.endsWith(".keys"))).to.have.length(3);
  });
});
