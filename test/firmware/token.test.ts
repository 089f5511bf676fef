/**
 * The token as a whole, running the built firmware in the sim runtime: no clock means no radio,
 * identifiers equal what the daily keys give, rotation, new daily keys, the light and button as a
 * person meets them, watchdog reboot and erase-all.
 */
import { statusFromRow } from "../../common/formats/syncMessages";
import { expect } from "chai";
import { toHex } from "../../common/bytes";
import { buildAdvert } from "../../common/gaen/advert";
import { eninFromUnixSeconds, rollingStartFor } from "../../common/gaen/interval";
import { encodeMetadata } from "../../common/gaen/metadata";
import { fastCrypto } from "../../host-tools/gaen/crypto";
import { allBoards } from "../../boards/index";
import { bootToken, expectHealthy, flashesSeen, readWholeLog, runWithAdverts, setClock, settingsOf, state, T0_MS, type Advert } from "./sim";

const MIN = 60_000;
const DAY = 86_400_000;

function expectedAdvert(tek: Uint8Array, unixSeconds: number, txPowerDbm: number): string {
  const enin = eninFromUnixSeconds(unixSeconds);
  const rpi = fastCrypto.rpi(fastCrypto.rpik(tek), enin);
  const aem = fastCrypto.aem(fastCrypto.aemk(tek), rpi, encodeMetadata(txPowerDbm, -1));
  return toHex(buildAdvert(rpi, aem));
}

describe("firmware token: radio, keys, light, button, watchdog, erase (built file in the sim)", () => {
  it("without a clock it neither advertises nor scans and blinks 'needs a sync'; with one it sends today's identifier", () => {
    const rt = bootToken({ seed: 31, setClock: false });
    // (+3 s: booting takes the CPU about a second, which shifts the blinks)
    rt.advanceTo(T0_MS + 3 * MIN + 3000);
    expect(rt.radioState().advertising).to.equal(null);
    expect(rt.radioState().scanning).to.equal(null);
    const blinks = flashesSeen(rt, T0_MS, T0_MS + 4 * MIN);
    expect(blinks.map((f) => f.color)).to.deep.equal(["blue", "blue", "blue", "blue", "blue", "blue"]);
    expect(blinks[1].startMs - blinks[0].startMs).to.be.below(1000);
    expect(state(rt).keys).to.deep.equal([]);

    const t1 = rt.worldTimeMs();
    setClock(rt);
    rt.advanceTo(t1 + 3 * MIN + 1000);
    expectHealthy(rt);
    const s = state(rt);
    expect(s.keys.length).to.equal(1);
    expect(s.keys[0].rollingStart).to.equal(rollingStartFor(eninFromUnixSeconds(t1 / 1000)));
    const adv = rt.radioState().advertising!;
    expect(toHex(adv.data)).to.equal(expectedAdvert(Uint8Array.from(s.keys[0].tek), t1 / 1000, rt.board.radio.advertisedTxPowerDbm));
    expect(adv).to.include({ connectable: false, scannable: false });
    expect(adv.intervalMs).to.be.within(200, 270);
    expect(rt.radioState().addressType).to.equal("random");
    expect(parseInt(rt.radioState().address.slice(0, 2), 16) >> 6).to.equal(3);
    const green = flashesSeen(rt, t1, t1 + 4 * MIN);
    expect(green.map((f) => f.color)).to.deep.equal(["green", "green", "green"]);
    for (const f of green) expect(f.durationMs).to.be.below(100);
  });

  it("changes identifier and address together every 10-20 min and at midnight, with a new daily key each day", function () {
    this.timeout(20000);
    const rt = bootToken({ seed: 32 });
    const changes: { t: number; data: string; address: string }[] = [];
    let last = "";
    rt.onRadioChange(() => {
      const r = rt.radioState();
      if (!r.advertising) return;
      const d = toHex(r.advertising.data);
      if (d !== last) changes.push({ t: rt.worldTimeMs(), data: d, address: r.address });
      last = d;
    });
    const end = T0_MS + DAY + 3 * 3600_000;
    rt.advanceTo(end);
    expectHealthy(rt);
    const keys = state(rt).keys;
    expect(keys.length).to.equal(2);
    const midnight = Math.floor(end / DAY) * DAY;
    expect(changes.length).to.be.above(24 * 60 / 20);
    const addresses = new Set(changes.map((c) => c.address));
    expect(addresses.size, "a new address with every identifier").to.equal(changes.length);
    for (let i = 1; i < changes.length; i++) {
      const gap = (changes[i].t - changes[i - 1].t) / 1000;
      if (changes[i].t >= midnight && changes[i - 1].t < midnight) expect(changes[i].t - midnight).to.be.below(1000);
      else expect(gap).to.be.within(600, 1200);
    }
    for (const c of changes) {
      // the identifier is made inside the callback that sets it: within a second of an interval's end
      // its CPU time may straddle the boundary, so either interval's identifier is right
      const ok = [c.t / 1000 - 1, c.t / 1000, c.t / 1000 + 1].map((sec) => {
        const k = keys.find((k: { rollingStart: number }) => k.rollingStart === rollingStartFor(eninFromUnixSeconds(sec)));
        return k ? expectedAdvert(Uint8Array.from(k.tek), sec, rt.board.radio.advertisedTxPowerDbm) : "";
      });
      expect(ok, "advert at " + new Date(c.t).toISOString()).to.include(c.data);
    }
  });

  it("shows status on a short press, pauses and resumes on a 3-8 s hold, keeps a contact alert until pressed", () => {
    const rt = bootToken({ seed: 33 });
    let t = T0_MS + 2 * MIN + 5000;
    rt.advanceTo(t);
    rt.pressButton(300);
    rt.advanceTo((t += 3000));
    expect(flashesSeen(rt, t - 3000, t).map((f) => [f.color, f.durationMs >= 900])).to.deep.equal([["green", true]]);
    // pause: hold 4 s -> yellow hint at 3 s, then a long yellow; no adverts, no scans
    rt.pressButton(4000);
    rt.advanceTo((t += 6000));
    expect(flashesSeen(rt, t - 6000, t).map((f) => f.color)).to.deep.equal(["yellow", "yellow"]);
    expect(state(rt).paused).to.equal(true);
    rt.advanceTo((t += 3 * MIN));
    // (the short press opened the sync service's 60 s window; once it closes the radio is quiet)
    expect(rt.radioState().advertising).to.equal(null);
    expect(rt.radioState().scanning).to.equal(null);
    expect(flashesSeen(rt, t - 3 * MIN, t).map((f) => f.color)).to.deep.equal(["yellow", "yellow", "yellow"]);
    rt.pressButton(4000);
    rt.advanceTo((t += 6000));
    expect(state(rt).paused).to.equal(false);
    expect(rt.radioState().advertising).to.not.equal(null);
    // contact alert (set by the host after a risky match): red every 2 s until the button is pressed
    rt.runCallback(rt.global.Omamori.host.setAlert, null, [true]);
    rt.advanceTo((t += 5 * MIN));
    const reds = flashesSeen(rt, t - 5 * MIN, t).filter((f) => f.color === "red");
    expect(reds.length).to.be.within(145, 151);
    rt.pressButton(200);
    rt.advanceTo((t += 5 * MIN));
    expect(state(rt).alert).to.equal(false);
    expect(flashesSeen(rt, t - 4 * MIN, t).map((f) => f.color)).to.deep.equal(["green", "green", "green", "green"]);
    expectHealthy(rt);
  });

  it("a stuck loop is rebooted by the watchdog and resumes with its keys and log", () => {
    const rt = bootToken({ seed: 34 });
    const heard: Advert[] = [{ rpi: Uint8Array.from({ length: 16 }, (_, i) => i + 1), aem: Uint8Array.from([1, 2, 3, 4]), rssi: -50 }];
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? heard : []));
    const keys = state(rt).keys;
    const log = readWholeLog(rt);
    expect(log.length).to.equal(1);
    // the main loop stops kicking the watchdog
    rt.global.E.kickWatchdog = () => {};
    rt.advanceTo(T0_MS + 45 * MIN);
    expect(rt.reboots.map((r) => r.reason)).to.deep.equal(["watchdog"]);
    expect(state(rt).keys).to.deep.equal(keys);
    expect(readWholeLog(rt)).to.deep.equal(log);
    expect(state(rt).running).to.equal(true);
    expect(rt.radioState().advertising).to.not.equal(null);
    expectHealthy(rt);
  });

  it("erases everything after a 10 s hold and a confirming press: keys, log, at-rest key, pages", () => {
    const rt = bootToken({ seed: 35 });
    const heard: Advert[] = [{ rpi: Uint8Array.from({ length: 16 }, (_, i) => 200 - i), aem: Uint8Array.from([9, 9, 9, 9]), rssi: -45 }];
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? heard : []));
    const tek = state(rt).keys[0].tekHex;
    const atRest = settingsOf(rt).z;
    expect(atRest).to.match(/^[0-9a-f]{32}$/);
    expect(readWholeLog(rt).length).to.equal(1);
    let t = rt.worldTimeMs();
    // a 10 s hold alone does nothing yet...
    rt.pressButton(11000);
    rt.advanceTo((t += 12000));
    expect(readWholeLog(rt).length).to.equal(1);
    // ...the confirming short press erases (pressed once the read above is done: a press while the CPU
    // is busy can be lost, on the device as in the sim)
    rt.advanceTo((t = Math.max(t, rt.cpuFreeAtMs()) + 10));
    rt.pressButton(200);
    rt.advanceTo((t += 5000));
    expectHealthy(rt);
    const s = state(rt);
    expect(s.keys).to.deep.equal([]);
    expect(s.paused, "recording stops until the owner resumes").to.equal(true);
    expect(readWholeLog(rt)).to.deep.equal([]);
    const flash = Buffer.from(rt.flash.read(rt.flash.startAddress, rt.flash.endAddress - rt.flash.startAddress));
    expect(flash.includes(Buffer.from(tek, "hex")), "old daily key in flash").to.equal(false);
    expect(flash.includes(Buffer.from(atRest, "hex")), "old at-rest key in flash").to.equal(false);
    expect(settingsOf(rt).z, "a new at-rest key").to.match(/^[0-9a-f]{32}$/).and.not.equal(atRest);
    // the log pages hold no record: every page erased but the one holding the new settings (entries
    // with low bits 01), and no other page header anywhere in the area
    const lg = rt.storage.find(new Uint8Array([...Buffer.from("om.log")].concat(new Array(22).fill(0))))!;
    const ps = rt.flash.pageSize;
    let written = 0;
    for (let a = Math.ceil((lg.addr + 32) / ps) * ps; a + ps <= lg.addr + 32 + lg.size; a += ps) {
      if (rt.flash.isErased(a, ps)) continue;
      written++;
      for (let o = 20; o < ps; ) {
        const b = rt.flash.read(a + o, 1)[0];
        if (b === 0xff) break;
        expect(b & 3, "an entry at 0x" + (a + o).toString(16) + " is a setting, not a record").to.equal(1);
        o += b & 0xfc;
      }
    }
    expect(written).to.equal(1);
    // a 4 s hold resumes recording, with a fresh daily key
    rt.pressButton(4000);
    rt.advanceTo((t += 6000));
    expect(state(rt).paused).to.equal(false);
    expect(state(rt).keys.length).to.equal(1);
    expect(state(rt).keys[0].tekHex).to.not.equal(tek);
  });

  it("counts an error in a callback, keeps it in the error log across a reboot, and keeps running", () => {
    const rt = bootToken({ seed: 36 });
    let t = T0_MS + 2 * MIN;
    rt.advanceTo(t);
    const setScan = rt.global.NRF.setScan;
    rt.global.NRF.setScan = () => { throw new Error("radio busy"); };
    rt.advanceTo((t += 6 * MIN));
    rt.global.NRF.setScan = setScan;
    expect(rt.uncaughtErrors, "nothing escapes to Espruino").to.deep.equal([]);
    const s = state(rt);
    expect(s.errors).to.be.at.least(1);
    expect(s.errorLog.join(" ")).to.contain("radio busy");
    expect(rt.radioState().advertising, "still advertising").to.not.equal(null);
    rt.advanceTo((t += 5 * MIN));
    expect(state(rt).scan.scans, "scanning again").to.be.above(s.scan.scans);
    rt.reboot("reset");
    expect(state(rt).errors).to.equal(s.errors);
    expect(state(rt).errorLog).to.deep.equal(s.errorLog);
  });

  it("asks for consent with its own white light: two presses within the time say yes; one press, or none, says no", () => {
    const rt = bootToken({ seed: 37 });
    let t = T0_MS + MIN + 5000;
    rt.advanceTo(t);
    const answers: boolean[] = [];
    const ask = () => rt.runCallback(rt.global.Omamori.host.askConsent, null, [20000, (ok: boolean) => answers.push(ok)]);
    ask();
    rt.advanceTo((t += 3000));
    const seen = flashesSeen(rt, t - 3000, t);
    expect(seen.length).to.be.at.least(1);
    expect(seen.every((f) => f.color === "white"), JSON.stringify(seen)).to.equal(true);
    // two short presses 0.6 s apart: yes, and a long green flash says it was taken
    rt.pressButton(200);
    rt.advanceTo((t += 600));
    rt.pressButton(200);
    rt.advanceTo((t += 2000));
    expect(answers).to.deep.equal([true]);
    expect(flashesSeen(rt, t - 1800, t).map((f) => f.color)).to.include("green");
    // one press (the alert-clearing reflex): no
    ask();
    rt.advanceTo((t += 3000));
    rt.pressButton(200);
    rt.advanceTo((t += 25000));
    // two presses too far apart: no
    ask();
    rt.advanceTo((t += 3000));
    rt.pressButton(200);
    rt.advanceTo((t += 4000));
    rt.pressButton(200);
    rt.advanceTo((t += 20000));
    // no press: no
    ask();
    rt.advanceTo((t += 25000));
    expect(answers).to.deep.equal([true, false, false, false]);
    expect(state(rt).paused, "the consent presses are not a status press or a pause").to.equal(false);
  });

  it("after a function stop (decommission) it stays silent, also after a reboot", () => {
    const rt = bootToken({ seed: 38 });
    rt.advanceTo(T0_MS + MIN);
    rt.runCallback(rt.global.Omamori.host.decommission, null, []);
    rt.advanceTo(T0_MS + 3 * MIN);
    expect(rt.radioState().advertising).to.equal(null);
    rt.reboot("power");
    setClock(rt);
    rt.advanceTo(T0_MS + 10 * MIN);
    expect(rt.radioState().advertising).to.equal(null);
    expect(rt.radioState().scanning).to.equal(null);
    expect(readWholeLog(rt)).to.deep.equal([]);
    expect(rt.global.Omamori.host.dailyKeys()).to.deep.equal([]);
  });

  it("closes the console to Bluetooth in normal use; with the button held at power-on Espruino skips the firmware (maintenance)", () => {
    const normal = bootToken({ seed: 39 });
    expect((normal as unknown as { consoleLock: { console: string | null } }).consoleLock.console).to.equal(null);
    const rt = bootToken({ seed: 40, buttonHeldAtBoot: true, setClock: false });
    rt.runCallback(rt.global.setTime, null, [Math.floor(rt.worldTimeMs() / 1000)]);
    rt.advanceTo(T0_MS + 3 * MIN);
    // nRF52 Espruino does not load .bootcde when BTN1 is held at reset (targets/nrf5x/main.c)
    expect(rt.global.Omamori, "the firmware did not run").to.equal(undefined);
    expect((rt as unknown as { consoleLock: { console: string | null } }).consoleLock.console).to.equal("Bluetooth");
    const adv = rt.radioState().advertising!;
    expect(adv.connectable, "Espruino's own connectable advert, for the Web IDE").to.equal(true);
    expect(toHex(adv.data)).to.not.contain("6ffd");
    // let go and reset: the firmware runs again, with its keys and log
    rt.setButton(false);
    rt.reboot("reset");
    expect(rt.global.Omamori.board).to.equal("puckjs");
  });

  it("starts recording within a minute of a clock set with setTime from the Web IDE", () => {
    const rt = bootToken({ seed: 41, setClock: false });
    rt.advanceTo(T0_MS + 30_000);
    rt.runCallback(rt.global.setTime, null, [Math.floor(rt.worldTimeMs() / 1000)]);
    rt.advanceTo(T0_MS + 95_000);
    expect(state(rt).running).to.equal(true);
    expect(toHex(rt.radioState().advertising!.data)).to.contain("03036ffd");
  });

  it("shows 'battery low' when the coin cell runs down, and a contact alert survives a reboot", () => {
    const rt = bootToken({ seed: 42 });
    let t = T0_MS + 30_000;
    rt.advanceTo(t);
    // spend 89 % of the CR2032 at once: E.getBattery() still reads 30-70 % at rest, but under the
    // scan window's load the sagging cell reads below 15 %, about 10 mAh before it browns out
    rt.energy.chargeUc.sleep += 0.89 * rt.energy.cell.capacityMah * 3.6e6;
    expect(rt.energy.batteryPercent()).to.be.within(30, 70);
    rt.advanceTo((t += 6 * MIN)); // a scan window has ended since
    rt.advanceTo((t += 3 * MIN));
    expect(rt.isHalted()).to.equal(false);
    const low = flashesSeen(rt, t - 3 * MIN, t);
    expect(low.map((f) => f.color)).to.deep.equal(new Array(9).fill("red"));
    expect(statusFromRow(rt.global.Omamori.host.status()).batteryPercent).to.be.below(15);
    rt.runCallback(rt.global.Omamori.host.setAlert, null, [true]);
    rt.reboot("reset");
    rt.advanceTo((t += MIN));
    expect(state(rt).alert).to.equal(true);
    expect(flashesSeen(rt, t - MIN, t).filter((f) => f.color === "red").length).to.be.within(28, 31);
  });

  it("a power cut at any flash write of the midnight key save keeps the earlier daily keys", function () {
    this.timeout(20000);
    const midnight = Math.floor(T0_MS / DAY) * DAY + DAY;
    const prepare = () => {
      const rt = bootToken({ seed: 43, worldTimeMs: midnight - 5 * MIN });
      rt.advanceTo(midnight - 1000);
      return rt;
    };
    const dry = prepare();
    const before = state(dry).keys.map((k: { tekHex: string }) => k.tekHex);
    expect(before.length).to.equal(1);
    const ops = dry.countFlashOps(() => dry.advanceTo(midnight + 2000));
    expect(state(dry).keys.length, "the new day's key was made and saved").to.equal(2);
    expect(ops.writes).to.be.above(2);
    for (let k = 1; k <= ops.writes; k++) {
      const rt = prepare();
      rt.cutPower({ flashWrite: k });
      rt.advanceTo(midnight + 2000);
      expect(rt.isHalted(), "cut " + k).to.equal(true);
      rt.reboot("power");
      setClock(rt);
      const after = state(rt).keys.map((x: { tekHex: string }) => x.tekHex);
      expect(after, "cut at write " + k).to.include(before[0]);
      expect(after.length, "cut at write " + k).to.equal(2);
      expectHealthy(rt);
    }
  });

  it("with no room left for a log it stays quiet and asks for help instead of failing (Pixl.js, Storage mostly taken)", () => {
    // Pixl.js: 36 KB of Storage; another 10 KB file leaves less than the two pages a ring needs
    const rt = bootToken({ seed: 44, board: "pixljs", otherFileBytes: 10000 });
    rt.advanceTo(T0_MS + 3 * MIN + 1000);
    expect(state(rt).log.pages).to.equal(0);
    expect(state(rt).running).to.equal(false);
    expect(rt.radioState().advertising).to.equal(null);
    expect(statusFromRow(rt.global.Omamori.host.status()).storageFreeBytes).to.equal(0);
    // Pixl.js has one white LED (the backlight): the needs-sync pattern is two flashes a minute
    const f = flashesSeen(rt, T0_MS, T0_MS + 3 * MIN + 1000);
    expect(f.length).to.equal(6);
    expect(rt.uncaughtErrors).to.deep.equal([]);
  });

  for (const board of allBoards().map((b) => b.id)) {
    it("runs on " + board + ": today's identifier on the air, a heard identifier logged, no errors", () => {
      const rt = bootToken({ seed: 45, board });
      const heard: Advert = { rpi: Uint8Array.from({ length: 16 }, (_, i) => 7 * i + 3), aem: Uint8Array.from([5, 6, 7, 8]), rssi: -55 };
      runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? [heard] : []));
      const s = state(rt);
      expect(s.running).to.equal(true);
      // the identifier on the air is today's key's for the interval of the last rotation (<= 20 min ago)
      const now = Math.floor(rt.worldTimeMs() / 1000);
      const onAir = toHex(rt.radioState().advertising!.data);
      const candidates = [0, 600, 1200].map((back) => expectedAdvert(Uint8Array.from(s.keys[0].tek), now - back, rt.board.radio.advertisedTxPowerDbm));
      expect(candidates).to.include(onAir);
      expect(readWholeLog(rt).map((e) => e.rpi)).to.deep.equal([toHex(heard.rpi.subarray(0, 6))]);
      expectHealthy(rt);
    });
  }
});
