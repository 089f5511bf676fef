/**
 * Tokens running the BUILT firmware (dist/firmware, `npm run build`) in the world. The firmware's
 * log needs E.getAddressOf, which sim/espruino does not emulate yet: the firmware tests' shim
 * (test/firmware/sim.ts) is put in front of the built file, as those tests do.
 */
import { expect } from "chai";
import { toHex } from "../../../common/bytes";
import { decodeMetadata } from "../../../common/gaen/metadata";
import { eninFromUnixSeconds, rollingStartFor } from "../../../common/gaen/interval";
import { fastCrypto } from "../../../host-tools/gaen/crypto";
import { loadBoard } from "../../../boards/index";
import { Scenario, type ScenarioSpec } from "../../../sim/world/scenario";
import { World } from "../../../sim/world/world";
import { TokenDevice } from "../../../sim/world/devices/token";
import type { PhoneDevice } from "../../../sim/world/devices/phone";
import { meanReceivedDbm, environment, carryLossDb } from "../../../sim/world/channel";
import { readWholeLog, simFirmware } from "../../firmware/sim";
import { SimCentral } from "../../../sim/world/central";
import { parseAdvert } from "../../../common/gaen/advert";
import { Uuid } from "../../../common/formats/syncMessages";

const H = 3600000;

function scenario(): Scenario {
  const spec: ScenarioSpec = {
    name: "two-tokens", start: "2026-11-02", days: 1, utcOffsetHours: 0,
    rooms: { room: { environment: "home" } },
    devices: [
      { id: "puck", kind: "token", board: "puckjs", carry: "lanyard" },
      { id: "bangle", kind: "token", board: "banglejs2", carry: "wrist" },
      { id: "phone", kind: "phone", model: "android", carry: "pocket" },
    ],
    schedule: [
      { device: "puck", from: "00:00", to: "03:00", room: "room", at: [1, 1] },
      { device: "bangle", from: "00:00", to: "03:00", room: "room", at: [2, 1] },
      { device: "phone", from: "00:00", to: "03:00", room: "room", at: [1, 2] },
    ],
  };
  return new Scenario(spec);
}

function makeWorld(seed: string): World {
  return new World({
    phoneCrypto: fastCrypto,
    scenario: scenario(), seed, logPackets: true,
    makeToken: TokenDevice.factory({ firmware: { puckjs: simFirmware("puckjs"), banglejs2: simFirmware("banglejs2") } }),
  });
}

/** The whole scenario: three hours together. */
function run(seed: string): World {
  const w = makeWorld(seed);
  w.runUntil(w.scenario.startMs + 3 * H);
  return w;
}

/** RPI -> the ENIN it was made for, over every key the token holds. */
function rpisOf(token: TokenDevice): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of token.dailyKeys()) {
    const all = fastCrypto.rpiRange(fastCrypto.rpik(k.tek), k.rollingStart, k.rollingPeriod);
    for (let i = 0; i < k.rollingPeriod; i++) out[toHex(all.subarray(16 * i, 16 * i + 16))] = k.rollingStart + i;
  }
  return out;
}

describe("sim world: tokens running the built firmware", function () {
  let w: World;
  before(() => {
    w = run("firmware");
  });

  it("two tokens hear each other's adverts with plausible RSSI and log each other's identifiers", () => {
    const puck = w.device<TokenDevice>("puck");
    const bangle = w.device<TokenDevice>("bangle");
    for (const t of [puck, bangle]) expect(t.rt.uncaughtErrors, t.id).to.deep.equal([]);
    const toBangle = w.packetLog.filter((p) => p.to === "bangle" && p.from === "puck");
    const toPuck = w.packetLog.filter((p) => p.to === "puck" && p.from === "bangle");
    expect(toBangle.length).to.be.above(10);
    expect(toPuck.length).to.be.above(10);
    // Puck.js radiates -4 dBm on a lanyard, the Bangle.js 2 is on a wrist 1 m away; its nRF52 reports
    // RSSI without bias (the board's rssiOffsetDb is the host's calibration, applied when matching)
    expect(bangle.rssiOffsetDb).to.equal(0);
    const expected = meanReceivedDbm({
      radiatedTxDbm: loadBoard("puckjs").radio.radiatedTxPowerDbm, distanceM: 1, env: environment("home"),
      wallsDb: 0, txCarryDb: carryLossDb("lanyard"), rxCarryDb: carryLossDb("wrist"),
    });
    // the same seed and placements give the same shadowing as in the run
    const shadow = makeWorld("firmware").shadowDb("puck", "bangle");
    const mean = toBangle.reduce((s, p) => s + p.rssi, 0) / toBangle.length;
    expect(mean).to.be.closeTo(expected - shadow, 3);
    // what bangle logged (6-byte RPI prefixes) are puck's identifiers
    bangle.rt.runCallback(bangle.omamori.flush, null, []);
    const logged = readWholeLog(bangle.rt).map((e) => e.rpi);
    const puckRpis = Object.keys(rpisOf(puck));
    const puckPrefixes = new Set(puckRpis.map((r) => r.slice(0, logged[0]?.length ?? 12)));
    const fromPuck = logged.filter((r) => puckPrefixes.has(r));
    expect(fromPuck.length).to.be.at.least(5); // 3 h, a new identifier every 10-20 min
  });

  it("a phone logs the token's RPIs, and they are exactly the RPIs of the token's daily keys", () => {
    const puck = w.device<TokenDevice>("puck");
    const phone = w.device<PhoneDevice>("phone");
    const fromPuck = phone.sightings.filter((s) => s.from === "puck");
    expect(fromPuck.length).to.be.above(25); // a scan every 210-300 s for 3 h
    const derived = rpisOf(puck);
    const keys = puck.dailyKeys();
    for (const s of fromPuck) {
      const enin = derived[toHex(s.rpi)];
      expect(enin, "RPI " + toHex(s.rpi) + " is not one of the token's").to.be.a("number");
      // sent for an interval at or shortly before the time it was heard
      const now = eninFromUnixSeconds(s.timeMs / 1000);
      expect(now - enin).to.be.within(0, 2);
      const key = keys.find((k) => k.rollingStart === rollingStartFor(enin))!;
      const md = decodeMetadata(fastCrypto.aem(fastCrypto.aemk(key.tek), s.rpi, s.aem));
      expect(md.major).to.equal(1);
      expect(md.txPowerDbm).to.be.within(-30, 10);
    }
    expect(new Set(fromPuck.map((s) => toHex(s.rpi))).size).to.be.at.least(9); // rotations over 3 h
  });

  it("same seed, same run: identical sightings and token packets", () => {
    const again = run("firmware");
    const sig = (x: World) => JSON.stringify({
      s: x.device<PhoneDevice>("phone").sightings.map((s) => [toHex(s.rpi), s.rssi, s.timeMs]),
      p: x.packetLog.filter((p) => p.to !== "phone").map((p) => [p.from, p.to, p.rssi, p.timeMs]),
    });
    expect(sig(again)).to.equal(sig(w));
  });
});

describe("sim world: token clocks", () => {
  it("a scenario token's clockDriftPpm makes its clock run ahead of the world's after the host set it", () => {
    const spec = scenario().spec;
    const drifting = new Scenario({ ...spec, devices: spec.devices.map((d) => (d.id === "puck" ? { ...d, clockDriftPpm: 250 } : d)) });
    const w = new World({ phoneCrypto: fastCrypto, scenario: drifting, seed: "drift", makeToken: TokenDevice.factory({ firmware: { puckjs: simFirmware("puckjs"), banglejs2: simFirmware("banglejs2") } }) });
    const set = w.now;
    w.runFor(10 * H);
    const ahead = (t: TokenDevice) => t.rt.tokenTimeMs() - w.now;
    expect(ahead(w.device<TokenDevice>("puck"))).to.be.closeTo(250e-6 * (w.now - set), 1000);
    expect(Math.abs(ahead(w.device<TokenDevice>("bangle")))).to.be.below(1000);
    expect(() => new Scenario({ ...spec, devices: spec.devices.map((d) => ({ ...d, clockDriftPpm: 5 })) })).to.throw(/devices\[2\]\.clockDriftPpm: only tokens/);
  });
});

describe("sim world: the GATT central against the built firmware's sync window", () => {
  it("a button press opens the sync window; the central finds the connectable sync advert, connects and discovers the sync service", async () => {
    const w = makeWorld("sync-window");
    w.runFor(10 * 60000);
    const puck = w.device<TokenDevice>("puck");
    const central = new SimCentral(w, { where: { near: "puck", offsetM: 0.5, carry: "table" } });
    // outside a window the token only sends non-connectable GAEN adverts
    expect(await central.scan(2000)).to.deep.equal([]);
    puck.rt.pressButton(200);
    const found = await central.scan(5000, (r) => r.deviceId === "puck");
    expect(found.length).to.be.at.least(1);
    const adv = found[found.length - 1];
    expect(adv.connectable).to.equal(true);
    expect(parseAdvert(adv.data)).to.equal(null); // not a GAEN advert: nothing links it to the identifiers
    const link = await central.connect(adv);
    expect(link.mtu).to.equal(loadBoard("puckjs").radio.maxMtu);
    const services = await link.services();
    expect(services.map((s) => s.uuid)).to.include(Uuid.SERVICE);
    expect(puck.radioState().connected).to.equal(true);
    await link.disconnect();
    // the window (60 s) closes and GAEN advertising comes back, non-connectable
    await central.runFor(70000);
    const st = puck.radioState();
    expect(st.advertising && st.advertising.connectable).to.equal(false);
    expect(parseAdvert(st.advertising!.data)).to.not.equal(null);
    expect(puck.rt.uncaughtErrors).to.deep.equal([]);
  });
});
