import { expect } from "chai";
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchKeys } from "../../host-tools/keys/fetchKeys";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { parseListJson } from "../../host-tools/keys/listJson";
import { checkExportZip } from "../../host-tools/keys/readExport";
import { ExportFormatError } from "../../host-tools/keys/exportFile";
import { randomTek, DAY0_ENIN } from "../match/logBuilder";
import { SIGNER, signedZip } from "./fixtures";

const LIST = "https://cdn.example/c19r/440/list.json";
const trust = { keys: [{ publicKey: SIGNER.publicKey }], allowUnsigned: false };

function zipWith(n: number): Uint8Array {
  return signedZip(Array.from({ length: n }, () => ({ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 })));
}

/** A fake CDN: list.json plus zips; records every URL fetched. */
function fakeCdn(files: Record<string, Uint8Array | number>, list: { url: string; created: number }[]) {
  const fetched: string[] = [];
  const impl = (async (url: string) => {
    fetched.push(url);
    if (url === LIST) return new Response(JSON.stringify(list.map((e) => ({ region: 440, ...e }))));
    const f = files[url];
    if (typeof f === "number") return new Response("no", { status: f });
    if (!f) return new Response("not found", { status: 404 });
    return new Response(f);
  }) as typeof fetch;
  return { fetched, impl };
}

describe("keys/fetchKeys and cache", () => {
  let home: string;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), "omamori-keys-")); });
  afterEach(() => rmSync(home, { recursive: true }));

  it("parseListJson_cocoaShape_numbersAsRegion_relativeUrlsResolved; badShape_throws; badEntry_skippedAndNamed", () => {
    const l = parseListJson('[{"region":440,"url":"1.zip","created":1598022036649}]', LIST);
    expect(l.entries).to.deep.equal([{ region: "440", url: "https://cdn.example/c19r/440/1.zip", created: 1598022036649 }]);
    expect(l.problems).to.deep.equal([]);
    expect(() => parseListJson('{"a":1}')).to.throw(ExportFormatError, /array/);
    const bad = parseListJson('[{"region":"440","url":"x","created":"yesterday"},{"region":"440","url":"2.zip","created":5}]', LIST);
    expect(bad.problems).to.have.length(1);
    expect(bad.problems[0]).to.match(/entry 0 skipped: created must be Unix milliseconds/);
    expect(bad.entries.map((e) => e.url)).to.deep.equal(["https://cdn.example/c19r/440/2.zip"]);
  });

  it("fetchKeys_listJson_incremental_onlyNewerEntriesFetched_nothingTwice", async () => {
    const files = { "https://cdn.example/c19r/440/1.zip": zipWith(3), "https://cdn.example/c19r/440/2.zip": zipWith(2) };
    const list = [{ url: "https://cdn.example/c19r/440/1.zip", created: 1000 }, { url: "https://cdn.example/c19r/440/2.zip", created: 2000 }];
    const cdn = fakeCdn(files, list);
    const r1 = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: cdn.impl });
    expect(r1).to.deep.include({ added: 2, keysAdded: 5, alreadyCached: 0 });
    expect(r1.problems).to.deep.equal([]);
    list.push({ url: "https://cdn.example/c19r/440/3.zip", created: 3000 });
    (files as Record<string, Uint8Array>)["https://cdn.example/c19r/440/3.zip"] = zipWith(1);
    cdn.fetched.length = 0;
    const cache = new KeyCache(home); // reopened from disk
    const r2 = await fetchKeys([LIST], cache, { trust, fetchImpl: cdn.impl });
    expect(cdn.fetched).to.deep.equal([LIST, "https://cdn.example/c19r/440/3.zip"]);
    expect(r2.added).to.equal(1);
    expect(cache.contents().map((c) => c.content.keys.length)).to.deep.equal([3, 2, 1]);
    expect(cache.lastCreated(LIST)).to.equal(3000);
  });

  it("fetchKeys_failedEntry_markStopsBeforeIt_retriedNextTime", async () => {
    const files: Record<string, Uint8Array | number> = { "https://cdn.example/c19r/440/1.zip": zipWith(1), "https://cdn.example/c19r/440/2.zip": 503, "https://cdn.example/c19r/440/3.zip": zipWith(1) };
    const list = [1, 2, 3].map((n) => ({ url: `https://cdn.example/c19r/440/${n}.zip`, created: n * 1000 }));
    const cdn = fakeCdn(files, list);
    const r = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: cdn.impl });
    expect(r.added).to.equal(2);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0].message).to.include("HTTP 503");
    const cache = new KeyCache(home);
    expect(cache.lastCreated(LIST)).to.equal(1000);
    files["https://cdn.example/c19r/440/2.zip"] = zipWith(4);
    const again = await fetchKeys([LIST], cache, { trust, fetchImpl: cdn.impl });
    expect(again).to.deep.include({ added: 1, alreadyCached: 1 });
    expect(cache.lastCreated(LIST)).to.equal(3000);
  });

  it("fetchKeys_unreachable_reportedPlainly_cacheUnchanged", async () => {
    const impl = (async () => { throw new TypeError("fetch failed"); }) as typeof fetch;
    const r = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: impl });
    expect(r.added).to.equal(0);
    expect(r.problems[0].message).to.match(/could not reach .* check the internet connection/);
  });

  it("keyCache_fileChangedOnDisk_detectedBySha256", async () => {
    const dir = join(home, "in");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.zip"), zipWith(1));
    const cache = new KeyCache(home);
    await fetchKeys([dir], cache, { trust });
    const f = cache.filePath(cache.index.files[0].sha256);
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(f, bytes);
    expect(() => cache.contents()).to.throw(ExportFormatError, /changed on disk/);
  });

  it("keyCache_prune_removesFilesOlderThan15Days", async () => {
    const dir = join(home, "in");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.zip"), zipWith(1));
    const cache = new KeyCache(home);
    await fetchKeys([dir], cache, { trust });
    const end = cache.index.files[0].endTimestamp;
    expect(await cache.prune(end + 14 * 86400)).to.equal(0);
    expect(await cache.prune(end + 16 * 86400)).to.equal(1);
    expect(new KeyCache(home).index.files).to.have.length(0);
  });
});

describe("keys/readExport trust", () => {
  it("checkExportZip_noTrustedKey_refused; allowUnsigned_accepted_markedInvalid", () => {
    const zip = zipWith(2);
    expect(() => checkExportZip(zip, { keys: [], allowUnsigned: false })).to.throw(ExportFormatError, /no trusted public key/);
    const c = checkExportZip(zip, { keys: [], allowUnsigned: true });
    expect(c.verify.valid).to.equal(false);
    expect(c.records.count).to.equal(2);
    expect(checkExportZip(zip, trust).verify.valid).to.equal(true);
  });
});

describe("keys/fetchKeys local published directory", () => {
  it("fetchKeys_directoryWithListJson_followsTheListWithRelativeUrls_incremental", async () => {
    const { mkdirSync } = await import("node:fs");
    const home = mkdtempSync(join(tmpdir(), "omamori-keys-"));
    const dir = join(home, "public", "c19r", "440");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "1.zip"), zipWith(2));
    writeFileSync(join(dir, "list.json"), JSON.stringify([{ region: "440", url: "1.zip", created: 100 }]));
    const cache = new KeyCache(home);
    expect(await fetchKeys([dir], cache, { trust })).to.deep.include({ added: 1, keysAdded: 2 });
    writeFileSync(join(dir, "2.zip"), zipWith(1));
    writeFileSync(join(dir, "list.json"), JSON.stringify([{ region: "440", url: "1.zip", created: 100 }, { region: "440", url: "2.zip", created: 200 }]));
    const again = await fetchKeys([dir], cache, { trust });
    expect(again).to.deep.include({ added: 1, alreadyCached: 0, keysAdded: 1 });
    expect(cache.index.files.map((f) => f.created)).to.deep.equal([100, 200]);
    rmSync(home, { recursive: true });
  });
});
