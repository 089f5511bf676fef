/**
 * COCOA's 2020 v1 submission path (host-tools/server/legacyV1.ts) over real HTTP: off by default;
 * when on, keys keep the client's transmission risk level (0 here, as COCOA's Android clients
 * sent) and are published, signed, with that level and report type UNKNOWN; a wrong number stores
 * nothing and keeps nothing.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { decodeExportBin, parsePublicKey, readExportZip, verifyExport } from "../../host-tools/keys/exportFile";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const TODAY = Math.floor(NOW / DAY);

function v1Body(number: string, days: number[], trl = 0) {
  return {
    userUuid: "0b7f7c1e-0000-4000-8000-000000000000",
    keys: days.map((d) => ({ keyData: randomBytes(16).toString("base64"), rollingStartNumber: (TODAY - d) * 144, rollingPeriod: 144, transmissionRisk: trl })),
    regions: ["440"], platform: "Android", deviceVerificationPayload: "x", appPackageName: "jp.go.mhlw.covid19radar",
    verificationPayload: number, padding: randomBytes(300).toString("base64"),
  };
}

async function put(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe("server: COCOA's 2020 v1 PUT /diagnosis (legacyV1.ts)", () => {
  let dir: string;
  let server: RunningServer | null = null;
  let now = NOW;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omamori-v1-"));
    now = NOW;
  });
  afterEach(async () => {
    if (server) await server.close();
    server = null;
    await rm(dir, { recursive: true, force: true });
  });

  it("is off by default: PUT /diagnosis is not a route", async () => {
    server = await startServer({ dataDir: dir, clock: () => now, publishEveryMinutes: 0 });
    const n = server.issueNumber();
    const r = await put(server.url + "/diagnosis", v1Body(n.number, [1, 2]));
    expect(r.status).to.equal(405);
    expect(r.json.error.code).to.equal("METHOD_NOT_ALLOWED");
  });

  it("keeps the client's transmission risk 0, publishes it signed with report type UNKNOWN, stores no uuid", async () => {
    server = await startServer({ dataDir: dir, clock: () => now, publishEveryMinutes: 0, legacyV1: true });
    const n = server.issueNumber();
    const body = v1Body(n.number, [0, 1, 2, 20]);
    const r = await put(server.url + "/diagnosis", body);
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ keysAccepted: 3, keysDropped: [{ index: 3, reason: "TOO_OLD" }] });
    // the number is used up
    const again = await put(server.url + "/diagnosis", v1Body(n.number, [1]));
    expect(again.status).to.equal(403);
    expect(again.json.error.code).to.equal("INVALID_NUMBER");

    // at noon, the keys of the two days before ended at least 12 h ago (2 h embargo); today's waits
    const pub = server.publishNow();
    expect(pub.keysPublished).to.equal(2); // today's key waits for its embargo
    const list = JSON.parse(await readFile(join(dir, "public", "c19r", "440", "list.json"), "utf8"));
    expect(list.length).to.equal(pub.files.length);
    const published = new Map<string, { trl?: number; rt?: number; rsn?: number }>();
    for (const f of pub.files) {
      const { bin, sig } = readExportZip(new Uint8Array(await readFile(f.path)));
      const v = verifyExport(bin, sig, [{ publicKey: parsePublicKey(server.publicKey.pem), keyId: "440", keyVersion: "v1" }]);
      expect(v.valid).to.equal(true);
      for (const k of decodeExportBin(bin).keys) {
        published.set(Buffer.from(k.keyData).toString("base64"), { trl: k.transmissionRiskLevel, rt: k.reportType, rsn: k.rollingStartIntervalNumber });
      }
    }
    for (const k of body.keys.slice(1, 3)) {
      expect(published.get(k.keyData)).to.deep.equal({ trl: 0, rt: 0, rsn: k.rollingStartNumber });
    }
    expect(published.has(body.keys[0].keyData)).to.equal(false);
    const db = await readFile(join(dir, "omamori.sqlite"));
    expect(db.includes(Buffer.from(body.userUuid))).to.equal(false);
  });

  it("a wrong number stores nothing; malformed keys are refused with a stable code", async () => {
    server = await startServer({ dataDir: dir, clock: () => now, publishEveryMinutes: 0, legacyV1: true });
    server.issueNumber();
    const wrong = await put(server.url + "/diagnosis", v1Body("00000000", [1]));
    expect(wrong.status).to.equal(403);
    const bad = v1Body(server.issueNumber().number, [1]);
    bad.keys[0].keyData = randomBytes(15).toString("base64");
    const r = await put(server.url + "/diagnosis", bad);
    expect(r.status).to.equal(400);
    expect(r.json.error.code).to.equal("INVALID_KEY");
    const trl9 = await put(server.url + "/diagnosis", v1Body("12345678", [1], 9));
    expect(trl9.json.error.code).to.equal("INVALID_KEY");
    now += 3 * DAY;
    expect(server.publishNow().keysPublished).to.equal(0);
  });
});
