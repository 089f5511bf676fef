import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeExportBin, readExportZip, verifyExport, parsePublicKey } from "../../host-tools/keys/exportFile";
import { fetchKeys } from "../../host-tools/keys/fetchKeys";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { publicKeyInfo } from "../../host-tools/server/dataDir";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { issueNumber } from "../../host-tools/server/processingNumbers";
import { body, manualClock, NOON, TODAY, tempDataDir, type TempServerDir } from "./helpers";

/** A raw request (no URL normalisation, optional chunked body). */
function raw(url: string, method: string, path: string, chunks: Buffer[] = [], headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8"), headers: res.headers }));
      res.on("error", reject);
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("server HTTP API", () => {
  let t: TempServerDir;
  let server: RunningServer;
  let clock: ReturnType<typeof manualClock>;
  const logLines: string[] = [];

  async function put(payload: unknown): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(server.url + "/v3/diagnosis", { method: "PUT", headers: { "Content-Type": "application/json" }, body: typeof payload === "string" ? payload : JSON.stringify(payload) });
    return { status: res.status, json: await res.json(), headers: res.headers };
  }
  const issue = (ttlHours = 24) => issueNumber(t.db, t.data.numberSecret, clock.now(), ttlHours).number;
  const storedKeys = () => (t.db.prepare("SELECT COUNT(*) AS n FROM diagnosis_keys").get() as { n: number }).n;

  beforeEach(async () => {
    t = tempDataDir({ publicUrl: undefined });
    clock = manualClock(NOON);
    logLines.length = 0;
    server = await startServer({ dataDir: t.data.dir, clock: clock.now, publishEveryMinutes: 0, maxFailedNumbers: 3, failedNumberWindowMs: 600_000, maxBodyBytes: 16 * 1024, log: (l) => logLines.push(l) });
  });
  afterEach(async () => {
    await server.close();
    t.cleanup();
  });

  it("put_validSubmission_200StoresKeysAndForgetsTheNumber", async () => {
    const number = issue();
    const r = await put(body(number));
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ keysAccepted: 6, keysDropped: [] });
    expect(storedKeys()).to.equal(6);
    expect(t.db.prepare("SELECT COUNT(*) AS n FROM processing_numbers").get()).to.deep.equal({ n: 0 });
  });

  it("put_wrongNumber_403InvalidNumberWithBothLanguages", async () => {
    const number = issue();
    const r = await put(body(number === "11111111" ? "22222222" : "11111111"));
    expect(r.status).to.equal(403);
    expect(r.json.error.code).to.equal("INVALID_NUMBER");
    expect(r.json.error.message).to.match(/processing number/);
    expect(r.json.error.messageJa).to.match(/処理番号/);
    expect(storedKeys()).to.equal(0);
  });

  it("put_reusedNumber_403InvalidNumberAndNothingMoreStored", async () => {
    const number = issue();
    expect((await put(body(number))).status).to.equal(200);
    const again = await put(body(number));
    expect(again.status).to.equal(403);
    expect(again.json.error.code).to.equal("INVALID_NUMBER");
    expect(storedKeys()).to.equal(6);
  });

  it("put_expiredNumber_403NumberExpired", async () => {
    const number = issue(1);
    clock.advance(3600_000 + 1);
    const r = await put(body(number));
    expect(r.status).to.equal(403);
    expect(r.json.error.code).to.equal("NUMBER_EXPIRED");
    expect(storedKeys()).to.equal(0);
  });

  it("put_malformedJson_400BadJsonAndTheNumberStillWorks", async () => {
    const number = issue();
    const r = await put('{"hasSymptom": true, "keys": [');
    expect(r.status).to.equal(400);
    expect(r.json.error.code).to.equal("BAD_JSON");
    const bad = await put({ ...body(number), keys: [{ keyData: "AAAA", rollingStartNumber: 1, rollingPeriod: 144, reportType: 1 }] });
    expect(bad.status).to.equal(400);
    expect(bad.json.error.code).to.equal("INVALID_KEY");
    expect(bad.json.error.detail).to.match(/keys\[0\]/);
    expect((await put(body(number))).status).to.equal(200);
  });

  it("put_oversizedBody_413WithContentLengthAndChunked", async () => {
    const big = JSON.stringify({ ...body("12345678"), padding: "A".repeat(20 * 1024) });
    const r = await put(big);
    expect(r.status).to.equal(413);
    expect(r.json.error.code).to.equal("BODY_TOO_LARGE");
    const chunked = await raw(server.url, "PUT", "/v3/diagnosis", Array.from({ length: 20 }, () => Buffer.alloc(1024, 0x41)), { "Transfer-Encoding": "chunked" });
    expect(chunked.status).to.equal(413);
    expect(JSON.parse(chunked.text).error.code).to.equal("BODY_TOO_LARGE");
    // The server still answers afterwards.
    expect((await fetch(server.url + "/health")).status).to.equal(200);
  });

  it("put_twoConcurrentSubmissionsWithOneNumber_exactlyOneSucceeds", async () => {
    for (let round = 0; round < 5; round++) {
      clock.advance(600_001); // past the failure window, so the rate limit does not interfere
      const number = issue();
      const before = storedKeys();
      const results = await Promise.all([put(body(number)), put(body(number)), put(body(number))]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).to.deep.equal([200, 403, 403]);
      expect(storedKeys() - before).to.equal(6);
    }
  });

  it("put_retryWithSameIdempotencyKey_sameAnswerNoDoubleInsert", async () => {
    const number = issue();
    const b = body(number, undefined, { keys: [...body(number).keys, { keyData: Buffer.alloc(16, 7).toString("base64"), rollingStartNumber: 0, rollingPeriod: 144, reportType: 1 }] });
    const [first, concurrent] = await Promise.all([put(b), put(b)]);
    const later = await put(b);
    expect(first.status).to.equal(200);
    expect(first.json.keysAccepted).to.equal(6);
    expect(first.json.keysDropped).to.deep.equal([{ index: 6, reason: "TOO_OLD" }]);
    expect(concurrent.json).to.deep.equal(first.json);
    expect(later.status).to.equal(200);
    expect(later.json).to.deep.equal(first.json);
    expect(storedKeys()).to.equal(6);
    // The same idempotency key with another (wrong) number is not a retry.
    expect((await put({ ...b, verificationPayload: "00000000" })).status).to.equal(403);
  });

  it("put_repeatedWrongNumbers_429ThenAllowedAfterTheWindow", async () => {
    const number = issue();
    for (let i = 0; i < 3; i++) expect((await put(body("0000000" + i))).status).to.equal(403);
    const blocked = await put(body(number));
    expect(blocked.status).to.equal(429);
    expect(blocked.json.error.code).to.equal("TOO_MANY_ATTEMPTS");
    expect(Number(blocked.headers.get("retry-after"))).to.be.within(1, 600);
    expect(storedKeys()).to.equal(0);
    clock.advance(600_001);
    expect((await put(body(number))).status).to.equal(200);
  });

  it("server_afterTraffic_storesAndLogsNoClientAddress", async () => {
    const number = issue();
    await put(body("99999999"));
    await put(body(number));
    const dump = JSON.stringify(
      ["processing_numbers", "submissions", "diagnosis_keys", "export_files"].map((tbl) => t.db.prepare(`SELECT * FROM ${tbl}`).all()),
      (_k, v) => (Buffer.isBuffer(v) ? v.toString("latin1") : v),
    );
    expect(dump).to.not.match(/127\.0\.0\.1|::1|localhost/);
    const columns = t.db.prepare("SELECT name FROM pragma_table_info('diagnosis_keys')").all() as { name: string }[];
    expect(columns.map((c) => c.name)).to.not.include.members(["address", "ip", "received_at", "submission_id"]);
    expect(logLines.length).to.be.greaterThan(1);
    expect(logLines.join("\n")).to.not.match(/127\.0\.0\.1|::1/);
  });

  it("put_chaffRequest_answeredLikeARealOneButNothingUsedOrStored", async () => {
    const number = issue();
    const r = await fetch(server.url + "/v3/diagnosis", { method: "PUT", headers: { "X-Chaff": "1" }, body: JSON.stringify(body(number)) });
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal({ keysAccepted: 6, keysDropped: [] });
    expect(storedKeys()).to.equal(0);
    expect((await put(body(number))).status).to.equal(200); // the number was not used up
  });

  it("listJson_beforeAnyPublish_isAnEmptyList", async () => {
    const r = await fetch(server.url + "/c19r/440/list.json");
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal([]);
  });

  it("startServer_portInUse_rejectsWithEaddrinuse", async () => {
    const port = Number(new URL(server.url).port);
    let caught: unknown;
    try {
      await startServer({ dataDir: t.data.dir, port, publishEveryMinutes: 0 });
    } catch (e) {
      caught = e;
    }
    expect((caught as NodeJS.ErrnoException)?.code).to.equal("EADDRINUSE");
  });

  it("health_get_200Ok", async () => {
    const r = await fetch(server.url + "/health");
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal({ status: "ok" });
  });

  it("routes_unknownPathAndWrongMethod_jsonErrors", async () => {
    const nf = await fetch(server.url + "/nothing-here");
    expect(nf.status).to.equal(404);
    expect(((await nf.json()) as any).error.code).to.equal("NOT_FOUND");
    const get = await fetch(server.url + "/v3/diagnosis");
    expect(get.status).to.equal(405);
    expect(get.headers.get("allow")).to.equal("PUT");
    expect(((await get.json()) as any).error.code).to.equal("METHOD_NOT_ALLOWED");
    const post = await fetch(server.url + "/health", { method: "POST", body: "x" });
    expect(post.status).to.equal(405);
  });

  it("static_publishedFiles_servedAndVerifyWithThePrintedKey", async () => {
    const number = issue();
    const sent = body(number);
    expect((await put(sent)).status).to.equal(200);
    clock.set((TODAY + 1) * 86_400_000 + 3600_000); // 01:00 tomorrow: today's key waits until 02:00
    const published = server.publishNow();
    expect(published.keysPublished).to.equal(5);
    expect(published.keysWaiting).to.equal(1);
    const list = (await (await fetch(server.url + "/c19r/440/list.json")).json()) as { url: string }[];
    expect(list).to.have.length(published.files.length);
    expect(list[0].url.startsWith(server.url + "/c19r/440/")).to.equal(true);
    const zipRes = await fetch(list[0].url);
    expect(zipRes.status).to.equal(200);
    expect(zipRes.headers.get("content-type")).to.equal("application/zip");
    const { bin, sig } = readExportZip(new Uint8Array(await zipRes.arrayBuffer()));
    const info = publicKeyInfo(t.data);
    const check = verifyExport(bin, sig, [{ keyId: info.keyId, keyVersion: info.keyVersion, publicKey: parsePublicKey(info.spkiBase64) }]);
    expect(check.valid).to.equal(true);
    // Every published key is one that was sent (today's is still embargoed), with COCOA's values.
    const seenKeys: string[] = [];
    for (const entry of list) {
      const zip = readExportZip(new Uint8Array(await (await fetch(entry.url)).arrayBuffer()));
      for (const k of decodeExportBin(zip.bin).keys) {
        const i = sent.keys.findIndex((s) => s.keyData === Buffer.from(k.keyData).toString("base64"));
        expect(i, "a key that was never sent").to.be.greaterThan(0);
        expect(k.rollingStartIntervalNumber).to.equal(sent.keys[i].rollingStartNumber);
        expect(k.daysSinceOnsetOfSymptoms).to.equal(2 - i);
        expect(k.transmissionRiskLevel).to.equal(4);
        seenKeys.push(sent.keys[i].keyData);
      }
    }
    expect(seenKeys.sort()).to.deep.equal(sent.keys.slice(1).map((k) => k.keyData).sort());
  });

  it("published_fetchKeysOfTheDownloader_takesEveryFileWithThePrintedKey", async () => {
    const number = issue();
    expect((await put(body(number))).status).to.equal(200);
    clock.set((TODAY + 1) * 86_400_000 + 3 * 3600_000); // 03:00 tomorrow: all six keys are due
    const published = server.publishNow();
    const home = mkdtempSync(join(tmpdir(), "omamori-server-fetch-"));
    try {
      const cache = new KeyCache(home);
      const trust = { keys: [{ keyId: "440", keyVersion: "v1", publicKey: parsePublicKey(server.publicKey.spkiBase64) }], allowUnsigned: false };
      const r = await fetchKeys([server.url + "/c19r/440/list.json"], cache, { trust });
      expect(r.problems).to.deep.equal([]);
      expect(r.added).to.equal(published.files.length);
      expect(r.keysAdded).to.equal(6);
      const again = await fetchKeys([server.url + "/c19r/440/list.json"], cache, { trust });
      expect(again.added).to.equal(0); // nothing newer than the last `created`
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("static_pathsOutsideThePublishedFolder_404", async () => {
    for (const p of ["/../server.json", "/%2e%2e/server.json", "/c19r/../../number-secret", "/..%2fsigning-key.pem", "/c19r/440/%00", "/"]) {
      const r = await raw(server.url, "GET", p);
      expect(r.status, p).to.equal(404);
      expect(r.text).to.not.match(/PRIVATE KEY/);
    }
  });

  it("startServer_trustProxy_rateLimitsEachForwardedClientApart", async () => {
    const proxied = await startServer({ dataDir: t.data.dir, clock: clock.now, publishEveryMinutes: 0, maxFailedNumbers: 2, trustProxy: true });
    try {
      // The proxy (this test, on loopback) appends the address it saw; the client wrote the first entry.
      const send = (from: string, number: string) =>
        fetch(proxied.url + "/v3/diagnosis", { method: "PUT", headers: { "X-Forwarded-For": "203.0.113.77, " + from }, body: JSON.stringify(body(number)) });
      expect((await send("198.51.100.1", "00000000")).status).to.equal(403);
      expect((await send("198.51.100.1", "00000001")).status).to.equal(403);
      expect((await send("198.51.100.1", "00000002")).status).to.equal(429);
      const number = proxied.issueNumber(1).number;
      expect((await send("198.51.100.2", number)).status).to.equal(200);
    } finally {
      await proxied.close();
    }
  });
});

describe("server publishing timer", () => {
  it("startServer_withPublishEvery_publishesOnceAtStart", async () => {
    const t = tempDataDir({ publicUrl: undefined });
    const now = NOON;
    const first = await startServer({ dataDir: t.data.dir, clock: () => now, publishEveryMinutes: 0 });
    const number = first.issueNumber(24).number;
    await fetch(first.url + "/v3/diagnosis", { method: "PUT", body: JSON.stringify(body(number)) });
    await first.close();
    const lines: string[] = [];
    const second = await startServer({ dataDir: t.data.dir, clock: () => now, publishEveryMinutes: 1, log: (l) => lines.push(l) });
    try {
      // At start (noon): yesterday's and older keys are due, today's is not.
      const list = (await (await fetch(second.url + "/c19r/440/list.json")).json()) as { url: string }[];
      expect(list.length).to.be.greaterThan(0);
      expect(list[0].url.startsWith(second.url)).to.equal(true);
      expect(lines.some((l) => /published \d+ file\(s\), 5 key\(s\); 1 waiting/.test(l))).to.equal(true);
    } finally {
      await second.close();
      t.cleanup();
    }
  });
});

describe("server startServer on a new directory", () => {
  it("startServer_missingDataDir_createsItAndServesTheFirstNumber", async () => {
    const parent = mkdtempSync(join(tmpdir(), "omamori-new-"));
    const s = await startServer({ dataDir: join(parent, "data"), clock: () => NOON, publishEveryMinutes: 0 });
    try {
      expect(s.created).to.equal(true);
      expect(s.publicKey.keyId).to.equal("440");
      const { number, expiresAt } = s.issueNumber(2);
      expect(expiresAt).to.equal(NOON + 2 * 3600_000);
      const r = await fetch(s.url + "/v3/diagnosis", { method: "PUT", body: JSON.stringify(body(number)) });
      expect(r.status).to.equal(200);
    } finally {
      await s.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
