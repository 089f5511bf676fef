/**
 * The token's settings (secret, daily keys, at-rest key, owner settings: firmware/app/store.ts, kept in the
 * log's pages) survive a power cut at EVERY flash write and page erase of: a settings save; a save that
 * opens a page of a full ring (the settings of the page recycled next are moved first); the midnight
 * rollover (a new daily key); day 15 (the oldest key and the oldest page expire, the page's settings moved
 * out); and an erase-all is either not begun or finished, never half done. As test/firmware/log.test.ts
 * does for the log: count the flash operations of the act on a snapshot of the token's flash, then for
 * each one start the same token again from the snapshot, cut the power exactly there, power on again
 * and check (built firmware in the sim).
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { toHex } from "../../common/bytes";
import type { EspruinoRuntime, NorFlash } from "../../sim/espruino/runtime";
import { connectToken } from "../../host-tools/sync/syncToken";
import { bootToken, expectHealthy, pairInRuntime, readWholeLog, runWithAdverts, settingsOf, state, type Advert } from "./sim";

const MIN = 60_000;
/** Flash operations cut at, per act (printed at the end). */
const cutsTried: number[] = [];
const DAY = 86_400_000;

function ids(n: number, tag: number): Advert[] {
  const out: Advert[] = [];
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(randomBytes(20));
    b[0] = tag;
    b[1] = i & 255;
    b[2] = i >> 8;
    out.push({ rpi: b.subarray(0, 16), aem: b.subarray(16, 20), rssi: -50 - (i % 40) });
  }
  return out;
}

/** A token's flash at one moment, and what its host and the test know of it then. */
interface Snapshot {
  flash: NorFlash;
  atMs: number;
  secret: Uint8Array;
  keys: string[];
  log: string[];
  seed: number;
}

function snapshot(rt: EspruinoRuntime, secret: Uint8Array, seed: number): Snapshot {
  const s: Snapshot = { flash: rt.flash.clone(), atMs: rt.worldTimeMs(), secret, keys: keysOf(rt), log: [], seed };
  // (reading the whole log saves the host's read position: read it from a copy)
  s.log = readWholeLog(resume(s)).map((e) => e.rpi);
  return s;
}

function keysOf(rt: EspruinoRuntime): string[] {
  return state(rt).keys.map((k: { tekHex: string }) => k.tekHex);
}

/** The token of a snapshot, powered on again (its clock set, as the host's next sync does). */
function resume(s: Snapshot): EspruinoRuntime {
  return bootToken({ flash: s.flash.clone(), worldTimeMs: s.atMs, seed: s.seed });
}

/** The secret still opens a session with the host: the pairing survived. */
async function hostStillIn(rt: EspruinoRuntime, secret: Uint8Array): Promise<void> {
  const { RuntimeTransport } = await import("./sim");
  const t = new RuntimeTransport(rt);
  // (a press while the CPU is busy, e.g. reading a full log at boot, is lost: the owner presses once it is free)
  rt.advanceTo(Math.max(rt.worldTimeMs() + 1000, rt.cpuFreeAtMs() + 100));
  rt.pressButton(150);
  rt.advanceTo(rt.worldTimeMs() + 400);
  const s = await connectToken(t, secret, 5000, 10_000);
  const st = await s.status(() => rt.worldTimeMs());
  expect(st.status.board).to.equal(rt.board.id);
  await s.close();
}

/**
 * Every flash operation of `act` on the snapshot's token: cut there, power on, `check`. Returns how
 * many cuts were tried, and the operations counted.
 */
async function everyCut(s: Snapshot, act: (rt: EspruinoRuntime) => void, check: (rt: EspruinoRuntime, what: string) => Promise<void>): Promise<{ writes: number; erases: number }> {
  const dry = resume(s);
  const ops = dry.countFlashOps(() => act(dry));
  cutsTried.push(ops.writes + ops.erases);
  expect(dry.uncaughtErrors).to.deep.equal([]);
  await check(dry, "no cut");
  const cuts: { flashWrite?: number; flashErase?: number }[] = [];
  for (let k = 1; k <= ops.writes; k++) cuts.push({ flashWrite: k });
  for (let k = 1; k <= ops.erases; k++) cuts.push({ flashErase: k });
  for (const cut of cuts) {
    const rt = resume(s);
    rt.cutPower(cut);
    act(rt);
    const what = "cut at " + JSON.stringify(cut);
    expect(rt.isHalted(), what).to.equal(true);
    rt.reboot("power");
    rt.runCallback(rt.global.Omamori.setClock, null, [Math.floor(rt.worldTimeMs() / 1000)]);
    expect(rt.uncaughtErrors, what).to.deep.equal([]);
    await check(rt, what);
  }
  return { writes: ops.writes, erases: ops.erases };
}

/** The sync secret the token holds, hex ("" none), as its sync service sees it (whatever the flash format). */
function secretOf(rt: EspruinoRuntime): string {
  const x = rt.global.Omamori.host.secret();
  return x ? toHex(Uint8Array.from(x)) : "";
}

/** The secret, every daily key and the log (the at-rest key) are still there. */
function keepsSecrets(s: Snapshot, rt: EspruinoRuntime, what: string, logAfter?: string[]): void {
  expect(secretOf(rt), what + ": the secret").to.equal(toHex(s.secret));
  const keys = keysOf(rt);
  for (const k of s.keys) expect(keys, what + ": daily keys").to.include(k);
  const log = readWholeLog(rt).map((e) => e.rpi);
  for (const r of logAfter ?? s.log) expect(log, what + ": the log reads back (at-rest key)").to.include(r);
}

/** What every cut must leave: the pairing, every daily key, the log (the at-rest key), a working token. */
function keepsEverything(s: Snapshot, logAfter?: string[]) {
  return async (rt: EspruinoRuntime, what: string) => {
    keepsSecrets(s, rt, what, logAfter);
    await hostStillIn(rt, s.secret);
  };
}

describe("firmware settings: a power cut at any flash operation loses no secret, key or at-rest key (built file in the sim)", function () {
  this.timeout(120_000);
  let paired: Snapshot;
  after(() => console.log("      power cuts tried per act: " + cutsTried.join(", ")));

  before(async () => {
    const rt = bootToken({ seed: 61 });
    const { rec, done } = await pairInRuntime(rt);
    done();
    const t0 = rt.worldTimeMs();
    // (at most maxActiveEncounters new identifiers a window are kept: boards/index.ts)
    runWithAdverts(rt, t0 + 30 * MIN, (t) => (t < t0 + 6 * MIN ? ids(12, 1) : []));
    paired = snapshot(rt, rec.secret, 61);
    expect(paired.keys.length).to.equal(1);
    expect(paired.log.length).to.equal(12);
  });

  it("a settings save (the alert turned on)", async () => {
    const ops = await everyCut(paired, (rt) => rt.runCallback(rt.global.Omamori.host.setAlert, null, [true]), async (rt, what) => {
      await keepsEverything(paired)(rt, what);
      expect([true, false], what).to.include(state(rt).alert);
    });
    expect(ops.writes).to.be.at.least(3); // the new entry, its commit, the old one zeroed
  });

  it("24 settings saves in a row (the settings files of the firmware before compacted Storage at about the 15th)", async function () {
    this.timeout(600_000);
    // each save from the state the one before left, cut at each of its flash operations
    let s = paired;
    let cuts = 0;
    for (let i = 1; i <= 24; i++) {
      const on = i % 2 === 1;
      const save = (rt: EspruinoRuntime) => rt.runCallback(rt.global.Omamori.host.setAlert, null, [on]);
      const ops = await everyCut(s, save, async (rt, what) => {
        keepsSecrets(s, rt, "save " + i + ", " + what);
        expect(state(rt).alert, what).to.be.oneOf([on, !on]);
      });
      cuts += ops.writes + ops.erases;
      const rt = resume(s);
      save(rt);
      s = snapshot(rt, paired.secret, paired.seed);
    }
    expect(cuts).to.be.at.least(24 * 3);
  });

  it("saves that fill a page of a full ring, up to the one that opens the next page and moves settings out of the page recycled next", async () => {
    // fill the ring with records until the page holding the pairing's settings is the one the next
    // page opening makes "recycled next"; then toggle the alert until a save opens that page
    const rt = resume(paired);
    const settingsSeq = state(rt).log.currentSeq;
    rt.runCallback(() => rt.global.Omamori.host.setScanSettings(250, 10000), null, []);
    const pages = state(rt).log.pages;
    const fill = ids(12 * 254, 2);
    let sent = 0;
    let t = rt.worldTimeMs();
    // (at most maxActiveEncounters new identifiers a window are kept: 15 on a Puck.js)
    for (let guard = 0; guard < 800; guard++) {
      const l = state(rt).log;
      if (l.currentSeq + 2 - pages === settingsSeq && l.free < 400) break;
      const batch = fill.slice(sent, (sent += 15));
      let given = false;
      runWithAdverts(rt, (t += 15_000), () => (given ? [] : ((given = true), batch)));
      rt.runCallback(rt.global.Omamori.flush, null, []);
    }
    expect(state(rt).log.currentSeq + 2 - pages).to.equal(settingsSeq);
    // toggle the alert until a save opens the next page; that save, from a snapshot, cut at each operation
    let on = false;
    let full: Snapshot | null = null;
    for (let guard = 0; guard < 40 && !full; guard++) {
      const s = snapshot(rt, paired.secret, paired.seed);
      on = !on;
      rt.runCallback(rt.global.Omamori.host.setAlert, null, [on]);
      if (state(rt).log.currentSeq + 2 - pages !== settingsSeq) full = s;
    }
    expect(full, "a save opened a page").to.not.equal(null);
    const ops = await everyCut(full!, (r) => r.runCallback(r.global.Omamori.host.setAlert, null, [on]), async (r, what) => {
      // (the page recycled takes its records with it; the settings moved out of the next one are checked)
      await keepsEverything(full!, [])(r, what);
    });
    expect(ops.erases, "the save recycled a page").to.equal(1);
    // the config entry, the pairing's secret and daily key moved (each written, committed, zeroed), the old config zeroed
    expect(ops.writes).to.be.at.least(2 + 2 + 3 + 3 + 1);
  });

  it("the midnight rollover: a new daily key", async () => {
    const rt = resume(paired);
    const midnight = Math.ceil(rt.worldTimeMs() / DAY) * DAY;
    rt.advanceTo(midnight - 2000);
    const before = snapshot(rt, paired.secret, paired.seed);
    const ops = await everyCut(before, (r) => r.advanceTo(midnight + 70_000), async (r, what) => {
      await keepsEverything(before)(r, what);
      expect(keysOf(r).length, what + ": the old key and at most one new one").to.be.within(1, 2);
    });
    expect(ops.writes).to.be.at.least(2);
    const after = resume(before);
    after.advanceTo(midnight + 70_000);
    expect(keysOf(after).length, "the new day's key was made and kept").to.equal(2);
  });

  it("day 15: the oldest daily key and the oldest records expire (zeroed and erased, the settings moved out first)", async function () {
    this.timeout(300_000);
    const rt = resume(paired);
    const start = rt.worldTimeMs();
    const day15 = Math.floor(start / DAY) * DAY + 15 * DAY;
    // two weeks of a few encounters a day
    runWithAdverts(rt, day15 - 10 * MIN, (t) => (Math.floor((t - start) / 3_600_000) % 8 === 0 ? ids(3, 3 + Math.floor((t - start) / DAY)) : []));
    const before = snapshot(rt, paired.secret, paired.seed);
    expect(before.keys.length).to.equal(15);
    const oldest = before.keys[0];
    // (the records of the first day expire with it; the later ones must read back)
    const kept = before.log.filter((r) => parseInt(r.slice(0, 2), 16) >= 4);
    expect(kept.length).to.be.greaterThan(20);
    const ops = await everyCut(before, (r) => r.advanceTo(day15 + 3 * MIN), async (r, what) => {
      keepsSecrets({ ...before, keys: before.keys.slice(1) }, r, what, kept);
      await hostStillIn(r, paired.secret);
      expectHealthy(r);
    });
    expect(ops.writes + ops.erases).to.be.at.least(3);
    const after = resume(before);
    after.advanceTo(day15 + 3 * MIN);
    expect(keysOf(after)).to.not.include(oldest);
    const flash = Buffer.from(after.flash.read(after.flash.startAddress, after.flash.endAddress - after.flash.startAddress));
    expect(flash.includes(Buffer.from(oldest, "hex")), "the expired key's bytes are gone from flash").to.equal(false);
  });

  it("erase-all (consent withdrawn) is either not begun or finished, never half done", async () => {
    const atRest = settingsOf(resume(paired)).z;
    // the owner's erase: hold the button 10 s, let go, press once more
    const erase = (rt: EspruinoRuntime) => {
      rt.pressButton(11_000);
      rt.advanceTo(rt.worldTimeMs() + 12_000);
      rt.pressButton(200);
      rt.advanceTo(rt.worldTimeMs() + 3000);
    };
    const ops = await everyCut(paired, erase, async (rt, what) => {
      const flash = Buffer.from(rt.flash.read(rt.flash.startAddress, rt.flash.endAddress - rt.flash.startAddress));
      // a secret anywhere in flash, as bytes or as hex text (the settings keep some as JSON)
      const inFlash = (hex: string) => flash.includes(Buffer.from(hex, "hex")) || flash.includes(Buffer.from(hex, "latin1"));
      if (secretOf(rt)) {
        // the cut came before the erase began: everything is as it was
        await keepsEverything(paired)(rt, what);
        return;
      }
      expect(inFlash(toHex(paired.secret)), what + ": no old secret").to.equal(false);
      expect(inFlash(paired.keys[0]), what + ": no old daily key").to.equal(false);
      expect(inFlash(atRest), what + ": no old at-rest key").to.equal(false);
      expect(readWholeLog(rt), what + ": no old record").to.deep.equal([]);
      expect(state(rt).paused, what).to.equal(true);
    });
    expect(ops.erases, "every log page erased").to.equal(state(resume(paired)).log.pages);
  });
});
