import { expect } from "chai";
import { Scenario, type ScenarioSpec } from "../../../sim/world/scenario";
import { World } from "../../../sim/world/world";
import { ADVERTISER_PROFILES, AdvertiserDevice, advertiserProfile } from "../../../sim/world/devices/advertiser";
import { parseAdvert } from "../../../common/gaen/advert";
import { Random } from "../../../sim/world/random";
import { TokenDevice } from "../../../sim/world/devices/token";
import { fastCrypto } from "../../../host-tools/gaen/crypto";
import { readWholeLog } from "../../firmware/sim";

const MIN = 60_000;

describe("sim world: advertise-only devices (the rest of a crowd)", () => {
  it("each profile advertises its payload at its interval, never scans, and changes address as it says", () => {
    for (const p of Object.values(ADVERTISER_PROFILES)) {
      const d = new AdvertiserDevice("x", p, new Random("adv/" + p.id), 0);
      const s = d.radioState();
      expect(s.scanning).to.equal(null);
      expect(s.advertising!.data.length).to.be.at.most(31);
      expect(s.advertising!.intervalMs).to.be.within(p.intervalMs[0], p.intervalMs[1]);
      // a GAEN profile is a GAEN advert (random identifier nobody matches); the others are not
      expect(parseAdvert(s.advertising!.data) !== null).to.equal(p.id === "gaen");
      const first = s.address;
      d.advanceTo(Number.isFinite(p.rotateMs[1]) ? p.rotateMs[1] + 1 : 7_200_000);
      if (Number.isFinite(p.rotateMs[0])) expect(d.radioState().address).to.not.equal(first);
      else expect(d.radioState().address).to.equal(first);
    }
    expect(() => advertiserProfile("toaster")).to.throw(RangeError, /known: gaen/);
  });

  it("a scenario names them by profile; an unknown one is refused with the field", () => {
    const spec = (profile?: string): ScenarioSpec => ({
      name: "a", start: "2026-11-02", days: 1, rooms: { r: { environment: "home" } },
      devices: [{ id: "b", kind: "advertiser", profile }], schedule: [{ device: "b", from: "00:00", to: "01:00", room: "r", at: [0, 0] }],
    });
    expect(() => new Scenario(spec("beacon"))).to.not.throw();
    expect(() => new Scenario(spec())).to.throw(/devices\[0\]\.profile/);
    expect(() => new Scenario(spec("toaster"))).to.throw(/devices\[0\]\.profile.*known: gaen/);
  });

  it("a token among phones' own adverts and beacons: its CPU handles every report in C, its log stays empty", () => {
    const devices: ScenarioSpec["devices"] = [{ id: "t", kind: "token", board: "puckjs", carry: "table" }];
    const schedule: ScenarioSpec["schedule"] = [{ device: "t", from: "00:00", to: "01:00", room: "r", at: [0, 0] }];
    for (let i = 0; i < 10; i++) {
      devices.push({ id: "p" + i, kind: "advertiser", profile: i < 8 ? "phone" : "beacon", carry: "hand" });
      schedule.push({ device: "p" + i, from: "00:00", to: "01:00", room: "r", at: [1 + (i % 3), 1 + Math.floor(i / 3)] });
    }
    const sc = new Scenario({ name: "nongaen", start: "2026-11-02", days: 1, rooms: { r: { environment: "home" } }, devices, schedule });
    const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "nongaen" });
    w.runUntil(sc.startMs + 30 * MIN);
    const t = w.device<TokenDevice>("t");
    expect(t.rt.ioStats.received, "reports heard").to.be.above(20);
    expect(t.rt.cpu.byWhere["scan report"].n, "each cost the CPU its C side").to.be.above(20);
    expect(readWholeLog(t.rt)).to.deep.equal([]);
  });
});
