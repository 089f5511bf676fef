/**
 * Whole syncs into the data directory (host-tools/sync/syncToken.ts, logStore.ts, dataDir.ts)
 * against fake tokens running the firmware session: full and incremental syncs, resume after a
 * lost link, clock hours off, a full token, a pending alert, pairing, and the log interchange format.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import type { SyncPrimitives } from "../../common/formats/syncMessages";
import { DataDir } from "../../host-tools/base/dataDir";
import { syncToken, pairNewToken } from "../../host-tools/sync/syncToken";
import { emptyLog, mergeLog, readLog, checkLog, shiftTimes, scanCount, type OmamoriLog } from "../../host-tools/log/omamoriLog";
import { SyncError } from "../../host-tools/sync/errors";
import { FakeSyncHost, FakeToken, FakeTransport, firmwarePrimitives } from "./harness";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

/** What the host log should hold for a fake token's records (shifted by a clock correction). */
function expected(host: FakeSyncHost, shift = 0): OmamoriLog["encounters"] {
  const log = emptyLog("x", "puckjs", 0);
  mergeLog(log, shiftTimes(host.entries.map((e) => e.encounter), shift));
  return log.encounters;
}

describe("sync into the data directory", () => {
  let fw: SyncPrimitives;
  let root: string;
  let data: DataDir;
  let secret: Uint8Array;
  let host: FakeSyncHost;
  let token: FakeToken;
  let transport: FakeTransport;
  let now: number;
  const clock = () => now;

  before(async () => {
    fw = await firmwarePrimitives();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "omamori-sync-"));
    data = new DataDir(root);
    secret = rnd(32);
    host = new FakeSyncHost(secret);
    now = host.clock * 1000;
    token = new FakeToken(host, fw, rnd);
    transport = new FakeTransport([token], 23);
    await data.saveToken({ tokenId: "grandma", secret, pairedAt: new Date().toISOString(), board: "puckjs" });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("a record damaged in the token's flash (an RSSI no scan gives) is left out and reported; the rest syncs", async () => {
    host.record(20, host.clock - 86400, 80000);
    const bad = host.entries[7];
    bad.bytes = bad.bytes.slice();
    bad.bytes[14] ^= 0x80; // the strongest RSSI's sign bit: -6x dBm becomes +6x dBm
    const warnings: string[] = [];
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock, onWarning: (w) => warnings.push(w) });
    expect(r.recordsSkipped).to.equal(1);
    const log = (await readLog(data.logPath("grandma")))!;
    const good = new FakeSyncHost(secret);
    good.entries = host.entries.filter((e) => e !== bad);
    expect(log.encounters).to.deep.equal(expected(good));
    expect(warnings.join("\n")).to.match(/1 record\(s\) from the token were damaged .* left out/);
  });

  it("a token whose log never comes to an end (cursor stuck): the sync stops with a protocol error, what came first is kept", async () => {
    host.record(10, host.clock - 86400, 80000);
    const real = host.readLog.bind(host);
    let calls = 0;
    host.readLog = (cursor: number, max: number) => {
      const r = real(cursor, max);
      return calls++ < 1 ? r : { data: r.data.length ? r.data : real(0, max).data, next: cursor };
    };
    let caught: unknown;
    await syncToken({ transport, data, tokenId: "grandma", now: clock, retries: 0 }).catch((e) => (caught = e));
    expect(caught).to.be.instanceOf(SyncError);
    expect((caught as SyncError).code).to.equal("protocol");
    expect(calls).to.be.below(10);
  });

  it("full then incremental sync: the host log equals what the token recorded, nothing twice", async () => {
    host.record(300, host.clock - 5 * 86400, 5 * 86400);
    const r1 = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    const log1 = (await readLog(data.logPath("grandma")))!;
    expect(log1.encounters).to.deep.equal(expected(host));
    expect(r1.bytesRead).to.be.greaterThan(host.logBytes - 1);
    expect(log1.tokenId).to.equal("grandma");
    expect(log1.board).to.equal("puckjs");

    const again = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(again.bytesRead).to.equal(0);
    expect(again.scansAdded).to.equal(0);

    host.record(20, host.clock + 100, 3600);
    host.clock += 2 * 3600; // the token heard them before its clock read this (nothing is recorded ahead of it)
    now = host.clock * 1000;
    const before = host.entries.slice(-20).reduce((a, e) => a + e.bytes.length, 0);
    const r3 = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r3.bytesRead).to.be.within(before, before + 5 * 20);
    const log3 = (await readLog(data.logPath("grandma")))!;
    expect(log3.encounters).to.deep.equal(expected(host));
    expect(host.entries.length).to.equal(320); // syncing deletes nothing on the token
  });

  it("resumes after the link drops mid-transfer, with no duplicates and no gaps", async () => {
    host.record(200, host.clock - 86400);
    transport.hooks = [{ disconnectAfterNotifies: 40 }, { disconnectAfterNotifies: 90 }];
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r.reconnects).to.equal(2);
    expect(token.connections).to.equal(3);
    const log = (await readLog(data.logPath("grandma")))!;
    expect(log.encounters).to.deep.equal(expected(host));
    expect(scanCount(log)).to.equal(host.entries.reduce((a, e) => a + e.encounter.scans.length, 0));
  });

  it("gives up after the allowed retries and keeps what it had", async () => {
    host.record(200, host.clock - 86400);
    transport.hooks = [{ disconnectAfterNotifies: 60 }, { disconnectAfterNotifies: 60 }];
    let err: unknown;
    try {
      await syncToken({ transport, data, tokenId: "grandma", now: clock, retries: 1, saveEveryMs: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SyncError);
    expect((err as SyncError).code).to.equal("disconnected");
    const partial = (await readLog(data.logPath("grandma")))!;
    const state = await data.loadState("grandma");
    expect(partial.encounters.length).to.be.greaterThan(0);
    expect(state.cursor).to.be.greaterThan(0);
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r.cursor).to.equal(200);
    expect((await readLog(data.logPath("grandma")))!.encounters).to.deep.equal(expected(host));
  });

  it("a token clock hours off: the host warns, sets the clock and shifts the log times", async () => {
    const hostNow = host.clock + 3 * 3600; // the token is 3 h behind
    now = hostNow * 1000;
    host.record(30, host.clock - 7200, 7200);
    const warnings: string[] = [];
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock, onWarning: (w) => warnings.push(w) });
    expect(Math.round(r.driftSeconds)).to.equal(-10800);
    expect(r.clockSet).to.equal(true);
    expect(host.clock).to.equal(hostNow);
    expect(warnings.join(" ")).to.match(/3 h 0 min|3時間0分/);
    const log = (await readLog(data.logPath("grandma")))!;
    expect(log.clockCorrectionSeconds).to.equal(10800);
    expect(log.encounters).to.deep.equal(expected(host, 10800));
  });

  it("a small drift sets the clock without shifting times", async () => {
    now = (host.clock + 20) * 1000;
    host.record(5, host.clock - 1800, 600); // heard up to 20 min ago (the last scan of a record is 10 min after its first)
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r.clockSet).to.equal(true);
    expect(r.clockCorrectionSeconds).to.equal(0);
    expect((await readLog(data.logPath("grandma")))!.encounters).to.deep.equal(expected(host));
  });

  it("a full token: synced fully and the user is told", async () => {
    host.record(40, host.clock - 86400);
    host.storageBytes = host.logBytes;
    host.dropped = 12;
    const warnings: string[] = [];
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock, onWarning: (w) => warnings.push(w) });
    expect(r.status.storageFreeBytes).to.equal(0);
    expect(warnings.join(" ")).to.match(/full|いっぱい/);
    expect((await readLog(data.logPath("grandma")))!.encounters).to.deep.equal(expected(host));
  });

  it("records that expired on the token before a sync are skipped, not an error", async () => {
    host.record(50, host.clock - 86400);
    await syncToken({ transport, data, tokenId: "grandma", now: clock });
    host.record(50, host.clock + 10, 3600);
    host.expire(70); // includes 20 records the host never saw
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r.cursor).to.equal(100);
  });

  it("honours an alert left by the matcher and removes the request", async () => {
    host.record(3, host.clock - 600, 600);
    await writeFile(join(data.tokenDir("grandma"), "alert-pending.json"), "{}");
    const r = await syncToken({ transport, data, tokenId: "grandma", now: clock });
    expect(r.alertSet).to.equal(true);
    expect(host.alert).to.equal(true);
    expect(await data.alertPending("grandma")).to.deep.equal([]);
  });

  it("a token paired with another secret is not even recognised; nothing is written", async () => {
    host.setSecret(rnd(32));
    let err: unknown;
    try {
      await syncToken({ transport, data, tokenId: "grandma", now: clock, retries: 0 });
    } catch (e) {
      err = e;
    }
    expect((err as SyncError).code).to.equal("not-found");
    expect(token.connections).to.equal(0);
    expect(await readLog(data.logPath("grandma"))).to.equal(null);
  });

  it("pairs a fresh token and saves the secret privately", async () => {
    const fresh = new FakeSyncHost(null);
    const t = new FakeToken(fresh, fw, rnd);
    const rec = await pairNewToken({ transport: new FakeTransport([token, t]), data, tokenId: "grandpa" });
    expect(Buffer.from(fresh.secret()!).equals(Buffer.from(rec.secret))).to.equal(true);
    expect((await data.loadToken("grandpa")).secret).to.deep.equal(rec.secret);
    expect(await data.tokenIds()).to.deep.equal(["grandma", "grandpa"]);
    const text = await readFile(join(data.tokenDir("grandpa"), "token.json"), "utf8");
    expect(JSON.parse(text).secret).to.match(/^[0-9a-f]{64}$/);
  });
});

describe("log interchange format", () => {
  it("merge keeps each scan once and sorts", () => {
    const log = emptyLog("t", "puckjs", 0);
    const e = { rpi: "aabbccddeeff", aem: "01020304", scans: [{ t: 100, count: 1, rssiMax: -50, rssiMean: -55 }] };
    expect(mergeLog(log, [e])).to.equal(1);
    expect(mergeLog(log, [e, { ...e, scans: [{ t: 50, count: 2, rssiMax: -40, rssiMean: -45 }] }])).to.equal(1);
    expect(log.encounters).to.have.length(1);
    expect(log.encounters[0].scans.map((s) => s.t)).to.deep.equal([50, 100]);
  });

  it("checkLog names the first bad field (one set of rules, host-tools/log/omamoriLog.ts)", () => {
    const good = emptyLog("t", "puckjs", 0);
    expect(checkLog(JSON.parse(JSON.stringify(good)))).to.deep.equal(good);
    expect(() => checkLog({ ...good, version: 2 })).to.throw(/version/);
    expect(() => checkLog({ ...good, encounters: [{ rpi: "zz", aem: "01020304", scans: [] }] })).to.throw(/encounters\[0\]\): rpi must be hex of 6 to 16 bytes/);
    expect(() => checkLog({ ...good, encounters: [{ rpi: "aabbccddeeff", aem: "01020304", scans: [{ t: -5, count: 1, rssiMax: 0, rssiMean: 0 }] }] })).to.throw(/encounters\[0\]\) scan 0: needs numbers t/);
  });

  it("a damaged log file is reported, not replaced", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omamori-log-"));
    const p = join(dir, "log.json");
    await writeFile(p, "{ not json");
    let err: unknown;
    try {
      await readLog(p);
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/not valid JSON/);
    expect(await readFile(p, "utf8")).to.equal("{ not json");
    await rm(dir, { recursive: true, force: true });
  });

  it("a writer killed mid-write leaves the previous copy whole", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omamori-atomic-"));
    const p = join(dir, "log.json");
    const old = JSON.stringify({ old: true });
    await writeFile(p, old);
    const script = `import { writeFileAtomic } from ${JSON.stringify(new URL("../../host-tools/base/atomicFile.ts", import.meta.url).pathname)};
      process.stdout.write("go\\n");
      await writeFileAtomic(${JSON.stringify(p)}, JSON.stringify({ big: "x".repeat(80_000_000) }));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 30));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const text = await readFile(p, "utf8");
    expect(text === old || JSON.parse(text).big.length === 80_000_000).to.equal(true);
    expect(text).to.equal(old); // killed long before an 80 MB write could finish
    expect((await readdir(dir)).filter((n) => n === "log.json")).to.have.length(1);
    await rm(dir, { recursive: true, force: true });
  });
});
