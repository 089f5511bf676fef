/**
 * End to end on the BUILT firmware (dist/firmware/<board>.js, or the same build made in memory when
 * dist is older than the sources) in the simulator: a token in a simulated room next to a phone,
 * the owner's button, the host's adapter (sim/world/central.ts) through the `sim` transport.
 * Pairing, sync into the data directory (the host log equals what the token recorded), every
 * operation, and the bad conditions the radio can produce.
 */
import { statusFromRow, Op } from "../../common/formats/syncMessages";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scenario, type ScenarioSpec } from "../../sim/world/scenario";
import { World } from "../../sim/world/world";
import { TokenDevice } from "../../sim/world/devices/token";
import { SimCentral, type CentralOptions } from "../../sim/world/central";
import { SimTransport } from "../../host-tools/sync/transports/sim";
import { DataDir } from "../../host-tools/base/dataDir";
import { pairNewToken, syncToken, connectToken } from "../../host-tools/sync/syncToken";
import { HostSession } from "../../host-tools/sync/session";
import { runHub } from "../../host-tools/sync/hub";
import { emptyLog, mergeLog, readLog } from "../../host-tools/log/omamoriLog";
import { SyncError } from "../../host-tools/sync/errors";
import { decodeLogStream } from "../../common/formats/logRecord";
import { buildAdvert } from "../../common/gaen/advert";
import { buildFirmware, DIST, REPO } from "../../scripts/build-firmware";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { loadBoard } from "../../boards/index";
import { pressTwiceWhenWhite } from "../../host-tools/sync/transports/simWorld";
import { fastCrypto } from "../../host-tools/gaen/crypto";

const HOUR = 3600_000;

const built: Record<string, string> = {};

/** Newest modification time of the firmware sources (firmware/, common/). */
function newestSource(): number {
  let t = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(REPO, "firmware"));
  walk(join(REPO, "common"));
  return t;
}

/**
 * The built firmware file: dist/firmware/<board>.js as `npm run build` wrote it when it is newer than
 * every source; otherwise the same pipeline (tsc -> esbuild -> gate, scripts/build-firmware.ts) run
 * in memory once, so a lone `mocha test/sync` never tests stale code.
 */
async function firmwareFile(board: string): Promise<string> {
  if (!built[board]) {
    const file = join(DIST, board + ".js");
    if (existsSync(file) && statSync(file).mtimeMs > newestSource()) {
      built[board] = readFileSync(file, "latin1");
    } else {
      const [b] = await buildFirmware([loadBoard(board)]);
      const errors = b.problems.filter((p) => p.level === "error");
      if (errors.length) throw new Error("firmware for " + board + " fails the Espruino gate: " + JSON.stringify(errors[0]));
      built[board] = b.code;
    }
  }
  return built[board];
}

function scenario(board: string): ScenarioSpec {
  return {
    name: "sync-desk", start: "2026-11-02", days: 4,
    rooms: { living: { environment: "home" } },
    devices: [
      { id: "tok", kind: "token", board, carry: "table" },
      { id: "phone", kind: "phone", model: "android", carry: "table" },
    ],
    schedule: [
      { device: "tok", from: "00:00", to: "24:00", room: "living", at: [0, 0] },
      { device: "phone", from: "00:00", to: "24:00", room: "living", at: [0.8, 0] },
    ],
  };
}

interface Rig {
  world: World;
  token: TokenDevice;
  central: SimCentral;
  transport: SimTransport;
  data: DataDir;
  root: string;
  now: () => number;
}

async function rig(board: string, central: CentralOptions = {}): Promise<Rig> {
  const world = new World({
    phoneCrypto: fastCrypto,
    scenario: new Scenario(scenario(board)), seed: "sync-" + board,
    makeToken: TokenDevice.factory({ firmware: { [board]: await firmwareFile(board) } }),
  });
  const token = world.device<TokenDevice>("tok");
  const c = new SimCentral(world, { mtu: 247, connectionIntervalMs: 15, ...central });
  const root = await mkdtemp(join(tmpdir(), "omamori-sim-sync-"));
  return { world, token, central: c, transport: new SimTransport(c), data: new DataDir(root), root, now: () => world.now };
}

/** The owner presses the token's button (a short press opens the sync window). */
async function press(r: Rig): Promise<void> {
  // once the token is not busy: a press while it works can be lost, as on the device
  for (let i = 0; i < 100 && r.token.rt.cpuBusy(); i++) await r.central.runFor(Math.ceil(r.token.rt.cpuFreeAtMs() - r.world.now));
  r.token.rt.pressButton(150);
  await r.central.runFor(400);
}

/** The whole log as the token holds it, through its own SyncHost.readLog, merged as the host merges. */
function tokenLog(r: Rig) {
  const rt = r.token.rt;
  const parts: Uint8Array[] = [];
  let cursor = 0;
  for (;;) {
    let got: { data: Uint8Array; next: number } = { data: new Uint8Array(0), next: cursor };
    rt.runCallback(() => { got = rt.global.Omamori.host.readLog(cursor, 400); }, null, []);
    if (!got.data.length) break;
    parts.push(new Uint8Array(got.data));
    cursor = got.next;
  }
  const log = emptyLog("x", "x", 0);
  for (const p of parts) mergeLog(log, decodeLogStream(p));
  return log.encounters;
}

function uncaught(r: Rig): string[] {
  return r.token.rt.uncaughtErrors.slice();
}

describe("sync end to end on the built firmware in the simulator", function () {
  this.timeout(120000);
  let r: Rig;
  afterEach(async () => {
    if (r) await rm(r.root, { recursive: true, force: true });
  });

  it("Puck.js: pair after a button press, record for hours, sync: the host log equals the token's", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "grandma", now: r.now });
    expect(rec.board).to.equal("puckjs");
    await r.central.runFor(3 * HOUR);
    await press(r);
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "grandma", now: r.now });
    const log = (await readLog(r.data.logPath("grandma")))!;
    const expected = tokenLog(r);
    expect(expected.length, "the token heard the phone").to.be.greaterThan(5);
    expect(log.encounters).to.deep.equal(expected);
    expect(report.status.board).to.equal("puckjs");
    expect(report.status.recordsKept).to.be.greaterThan(0);
    expect(log.rssiOffsetDb).to.equal(loadBoard("puckjs").radio.rssiOffsetDb);
    // the token's scan period travels in its status into the log, for the matcher's scan seconds
    const period = r.token.rt.global.Omamori.state().scan.periodMs / 1000;
    expect(report.status.scanPeriodSeconds).to.equal(period);
    expect(log.scanPeriodSeconds).to.equal(period);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("Bangle.js 2 (no AES block function: keystream from its native AES-CCM): sync equals the token's log", async () => {
    r = await rig("banglejs2");
    await press(r);
    await pairNewToken({ transport: r.transport, data: r.data, tokenId: "grandpa", now: r.now });
    await r.central.runFor(3 * HOUR);
    await press(r);
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "grandpa", now: r.now });
    expect(report.status.board).to.equal("banglejs2");
    const expected = tokenLog(r);
    expect(expected.length).to.be.greaterThan(5);
    expect((await readLog(r.data.logPath("grandpa")))!.encounters).to.deep.equal(expected);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("resumes after the radio link drops mid-transfer, no duplicates, no gaps (MTU 23)", async () => {
    r = await rig("puckjs", { mtu: 23, connectionIntervalMs: 7.5 });
    await press(r);
    await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(4 * HOUR);
    await press(r);
    let cut = 0;
    r.transport.onLink = (link) => {
      if (cut++ === 0) link.injectDisconnect({ afterBytes: 700 });
    };
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now, chunkBytes: 200 });
    expect(report.reconnects).to.equal(1);
    const log = (await readLog(r.data.logPath("t")))!;
    expect(log.encounters).to.deep.equal(tokenLog(r));
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a link lost after the button window ended can still be resumed for a while, without a press", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(2 * HOUR);
    await press(r);
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    await s.status(r.now);
    await r.central.runFor(70_000); // the 60 s window ends while connected; the token drops the idle link
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    expect(report.cursor).to.be.greaterThan(0);
    expect((await readLog(r.data.logPath("t")))!.encounters).to.deep.equal(tokenLog(r));
    await r.central.runFor(60_000);
    expect((await r.central.scan(5000, () => true)).length, "the grace window closes again").to.equal(0);
  });

  it("operations: clock hours off is corrected, alert, scan settings, keys only with the button, erase", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(HOUR);
    // the token's clock loses 3 hours (as after a reset without a sync)
    const tokenSeconds = Math.floor(r.world.now / 1000) - 3 * 3600;
    r.token.rt.runCallback(r.token.omamori.setClock, null, [tokenSeconds]);
    await press(r);
    const warnings: string[] = [];
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now, onWarning: (w) => warnings.push(w) });
    expect(Math.round(report.driftSeconds / 60)).to.equal(-180);
    expect(report.clockSet).to.equal(true);
    expect(warnings.length).to.be.greaterThan(0);
    expect(Math.abs(r.token.rt.tokenTimeMs() - r.world.now)).to.be.below(3000);

    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    await s.setAlert(true);
    expect((await s.status(r.now)).status.alert).to.equal(true);
    await s.setScan(3000, 240000);
    // daily keys: refused when nobody presses the button ...
    let err: unknown;
    try {
      await s.readKeys(45000);
    } catch (e) {
      err = e;
    }
    expect((err as SyncError).code).to.equal("refused");
    // ... released when the owner presses it twice while the token asks (white light)
    pressTwiceWhenWhite(r.token);
    const pending = s.readKeys(45000);
    const keys = await pending;
    expect(keys.length).to.be.greaterThan(0);
    expect(keys.map((k) => Buffer.from(k.tek).toString("hex"))).to.deep.equal(r.token.dailyKeys().map((k) => Buffer.from(k.tek).toString("hex")));
    await s.eraseAll();
    await r.central.runFor(2000);
    expect(r.token.omamori.host.secret()).to.equal(null);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("alert on, then a key request: the owner's one press (what a red alert asks for) releases nothing", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(HOUR);
    await press(r);
    // whoever holds the secret (a stolen laptop) lights the red alert, then asks for the daily keys
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    await s.setAlert(true);
    const t0 = r.world.now;
    const pending = s.readKeys(45000).then(() => "keys", (e: SyncError) => e.code);
    // the owner sees the light and does what the user guide says for a red alert: one press
    r.token.rt.schedule(3000, () => r.token.rt.pressButton(150));
    expect(await pending).to.equal("refused");
    // while asking, the light was white (all LEDs), never the alert's red alone (LEDs changed in the
    // same instant are one change to the eye)
    const pins = r.token.board.io.leds.map((l) => l.pin);
    const on = new Set<string>();
    let white = 0;
    let redAlone = 0;
    const log = r.token.rt.ledLog();
    for (let i = 0; i < log.length; i++) {
      const e = log[i];
      if (e.on) on.add(e.pin);
      else on.delete(e.pin);
      if ((i + 1 < log.length && log[i + 1].timeMs === e.timeMs) || e.timeMs < t0 || e.timeMs > t0 + 29_000) continue;
      if (pins.every((p) => on.has(p))) white++;
      else if (on.size === 1 && on.has("LED1")) redAlone++;
    }
    expect(white).to.be.at.least(5);
    expect(redAlone).to.equal(0);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("decommission: the token erases everything and stays silent, even after a button press", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(HOUR);
    await press(r);
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    await s.decommission();
    await r.central.runFor(5000);
    expect(r.token.radioState().advertising, "no advertising").to.equal(null);
    expect(r.token.radioState().scanning, "no scanning").to.equal(null);
    await press(r);
    await r.central.runFor(5000);
    expect(r.token.radioState().advertising, "a press opens no window").to.equal(null);
    expect((await r.central.scan(10000, () => false, { all: true })).filter((a) => a.deviceId === "tok").length, "nothing heard from the token").to.equal(0);
    expect(r.token.omamori.host.secret()).to.equal(null);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a corrupted request and a replayed recording are rejected by the built firmware", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await press(r);
    // a session whose second sealed write gets one bit flipped on the air
    const recorded: Uint8Array[] = [];
    let sealed = 0;
    const open = async (tamper: boolean) => {
      let advert = null as null | Parameters<SimTransport["connect"]>[0];
      await r.transport.scan((a) => ((advert = a), true), 10000);
      const link = await r.transport.connect(advert!);
      const write = link.write.bind(link);
      return Object.assign(link, {
        write: async (v: Uint8Array) => {
          recorded.push(v.slice());
          if (tamper && v[1] === 0x40 && ++sealed === 2) {
            const t = v.slice();
            t[7] ^= 0x04;
            return write(t);
          }
          return write(v);
        },
      });
    };
    const s = await HostSession.open(await open(true), rec.secret);
    await s.setAlert(false);
    const err = await s.setAlert(true).catch((e) => e);
    expect((err as SyncError).code).to.equal("integrity");
    expect(statusFromRow(r.token.omamori.host.status()).alert).to.equal(false);
    // the whole recording written again on a new connection
    await r.central.runFor(2000);
    await press(r);
    const replay = recorded.slice();
    const link = await open(false);
    const answers: number[] = [];
    link.onNotify((v) => answers.push(v[1]));
    for (const v of replay) {
      try {
        await link.write(v);
        await r.central.runFor(100);
      } catch {
        break; // the token hung up
      }
    }
    expect(answers.slice(0, 2)).to.deep.equal([0x02, 0x7f]); // CHALLENGE (new nonce), then ERROR
    expect(statusFromRow(r.token.omamori.host.status()).alert).to.equal(false);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a full token (oldest records overwritten): the host warns and still gets everything kept", async () => {
    r = await rig("puckjs");
    await press(r);
    await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    // 2,000 distinct identifiers over two days: more than a Puck.js log holds
    const until = r.world.now + 2 * 86400_000;
    let was = false;
    while (r.world.now < until) {
      r.world.runUntil(Math.min(until, Math.max(r.token.nextEventTimeMs(), r.world.now + 1)));
      const scanning = !!r.token.radioState().scanning;
      if (scanning && !was) {
        for (let i = 0; i < 4; i++) {
          r.token.rt.deliverAdvert({ address: "c0:00:00:00:00:02", addressType: "random", rssi: -60, data: buildAdvert(new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(4))) });
        }
      }
      was = scanning;
    }
    await press(r);
    const warnings: string[] = [];
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now, onWarning: (w) => warnings.push(w) });
    expect(report.status.recordsDropped).to.be.greaterThan(0);
    expect(warnings.join(" ")).to.match(/full/);
    expect((await readLog(r.data.logPath("t")))!.encounters).to.deep.equal(tokenLog(r));
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a stranger's host: not recognised, and refused when it tries anyway", async () => {
    r = await rig("puckjs");
    await press(r);
    await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await press(r);
    let err: unknown;
    try {
      await connectToken(r.transport, new Uint8Array(randomBytes(32)), 3000, 5000);
    } catch (e) {
      err = e;
    }
    expect((err as SyncError).code).to.equal("not-found");
    // it connects to whatever sync advert it sees and tries a guessed secret
    let advert = null as null | Parameters<SimTransport["connect"]>[0];
    await r.transport.scan((a) => ((advert = a), true), 5000);
    const link = await r.transport.connect(advert!);
    try {
      await HostSession.open(link, new Uint8Array(randomBytes(32)));
      expect.fail("a wrong secret must be refused");
    } catch (e) {
      expect((e as SyncError).code).to.equal("auth");
    }
    expect(r.token.omamori.host.secret()).to.not.equal(null);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("home hub: once set, the token offers a private beacon at random moments, about every 30 min, and syncs without a button", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await r.central.runFor(70_000); // the pairing window closes
    expect((await r.central.scan(5000, () => true)).length, "not connectable outside windows").to.equal(0);
    const s = await connectToken(r.transport, rec.secret, 600_000, 10000).catch((e) => e);
    expect((s as SyncError).code, "no button, no hub: nothing to find").to.equal("not-found");
    await press(r);
    const s2 = await connectToken(r.transport, rec.secret, 20000, 10000);
    // the token refuses a cadence shorter than its minimum (30 min), whatever the host asks
    const tooOften = new Uint8Array(2);
    tooOften[0] = 60;
    expect(((await s2.request(Op.SET_HUB, tooOften).catch((e) => e)) as SyncError).code).to.equal("bad-argument");
    await s2.setHub(1800);
    await s2.close();
    await r.central.runFor(HOUR);
    const flags: number[] = [];
    await r.transport.scan((a) => (flags.push(a.flags), true), 2_700_000);
    expect(flags).to.deep.equal([0]); // neither FRESH nor anything telling a hub window from a button press
    const report = await syncToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now, scanTimeoutMs: 2_700_000 });
    expect(report.status.hubSeconds).to.equal(1800);
    expect((await readLog(r.data.logPath("t")))!.encounters).to.deep.equal(tokenLog(r));
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("home hub computer: recognises its token's beacons among its paired tokens and syncs it, nobody pressing anything", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    // a second paired token that is not in this world: its beacon never shows up, the hub is not confused
    await r.data.saveToken({ tokenId: "elsewhere", secret: new Uint8Array(randomBytes(32)), pairedAt: "", board: "banglejs2" });
    await press(r);
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    await s.setHub(1800);
    await s.close();
    await r.central.runFor(2 * HOUR);
    const synced: string[] = [];
    const reports = await runHub({ transport: r.transport, data: r.data, rounds: 3, listenMs: 2_700_000, now: r.now, onSync: (rep) => synced.push(rep.tokenId) });
    expect(synced.length).to.be.at.least(2); // a beacon 15 to 45 min after the last, three 45-min rounds
    expect(synced.every((id) => id === "t")).to.equal(true);
    expect(reports[0].bytesRead).to.be.greaterThan(0);
    expect((await readLog(r.data.logPath("t")))!.encounters).to.deep.equal(tokenLog(r));
    expect(await readLog(r.data.logPath("elsewhere"))).to.equal(null);
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a stranger who connects and never authenticates is dropped within seconds; the owner then gets in", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await press(r);
    // the stranger holds the token's one connection, trickling fragments of a message that never ends
    const stranger = new SimTransport(new SimCentral(r.world, { id: "stranger" }));
    let advert = null as null | Parameters<SimTransport["connect"]>[0];
    await stranger.scan((a) => ((advert = a), true), 10000);
    const link = await stranger.connect(advert!);
    const t0 = r.world.now;
    let goneAt = 0;
    link.onDisconnect(() => (goneAt = r.world.now));
    for (let i = 0; i < 20 && !goneAt; i++) {
      await link.write(new Uint8Array([0x80, 0x01])).catch(() => undefined);
      await r.central.runFor(1000);
    }
    expect(goneAt, "the token hung up").to.be.greaterThan(0);
    // before: the token kept an unauthenticated link for 45 s (each write restarted the idle time)
    expect(goneAt - t0).to.be.at.most(6000);
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    expect((await s.status(r.now)).status.board).to.equal("puckjs");
    await s.close();
    expect(uncaught(r)).to.deep.equal([]);
  });

  it("a second host cannot connect while one is connected", async () => {
    r = await rig("puckjs");
    await press(r);
    const rec = await pairNewToken({ transport: r.transport, data: r.data, tokenId: "t", now: r.now });
    await press(r);
    const s = await connectToken(r.transport, rec.secret, 20000, 10000);
    const other = new SimTransport(new SimCentral(r.world, { id: "neighbour" }));
    let err: unknown;
    try {
      await connectToken(other, rec.secret, 2000, 5000);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SyncError);
    expect(["not-found", "disconnected"]).to.include((err as SyncError).code);
    expect((await s.status(r.now)).status.board).to.equal("puckjs"); // the first session is unharmed
    await s.close();
  });
});
