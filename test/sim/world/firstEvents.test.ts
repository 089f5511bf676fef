/**
 * The first advertising event of a start of advertising reaches scanners in the world: after the
 * old rotation (wake, setAddress, setAdvertising) every scanner in range hears the old payload
 * under the new address once — the link between old and new identifier an observer can use —
 * and the safe order (sleep, setAdvertising, setAddress, wake) sends no such advert.
 */
import { expect } from "chai";
import { toHex } from "../../../common/bytes";
import { Scenario, type ScenarioSpec } from "../../../sim/world/scenario";
import { World } from "../../../sim/world/world";
import { TokenDevice } from "../../../sim/world/devices/token";
import { fastCrypto } from "../../../host-tools/gaen/crypto";

const MIN = 60_000;

/** Rotates payload and address every 5 s: [2,1,6, 3,0xff,0x90,n] under c1:00:00:00:00:nn. */
function rotating(safe: boolean): string {
  const steps = safe
    ? "NRF.sleep(); NRF.setAdvertising(p, o); NRF.setAddress(a); NRF.wake();"
    : "NRF.wake(); NRF.setAddress(a); NRF.setAdvertising(p, o);";
  return `
    var n = 0, o = {connectable: false, scannable: false, interval: 100};
    function hex(x) { return (x < 16 ? "0" : "") + x.toString(16); }
    function rotate() {
      n++;
      var p = [2, 1, 6, 3, 0xff, 0x90, n], a = "c1:00:00:00:00:" + hex(n) + " random";
      ${steps}
    }
    rotate();
    setInterval(rotate, 5000);
  `;
}

function run(safe: boolean): World {
  const spec: ScenarioSpec = {
    name: "first-events", start: "2026-11-02", days: 1, utcOffsetHours: 0,
    rooms: { room: { environment: "home" } },
    devices: [
      { id: "rotor", kind: "token", board: "puckjs", carry: "table" },
      { id: "listener", kind: "token", board: "mdbt42q", carry: "table" },
    ],
    schedule: [
      { device: "rotor", from: "00:00", to: "01:00", room: "room", at: [1, 1] },
      { device: "listener", from: "00:00", to: "01:00", room: "room", at: [1.5, 1] },
    ],
  };
  const scenario = new Scenario(spec);
  const w = new World({
    phoneCrypto: fastCrypto,
    scenario, seed: "first-events", logPackets: true,
    makeToken: TokenDevice.factory({ firmware: { puckjs: rotating(safe), mdbt42q: "NRF.setScan(function () {});" } }),
  });
  w.runUntil(scenario.startMs + 2 * MIN);
  return w;
}

/** Packets the listener heard that carry rotation n's payload under another rotation's address. */
function mixed(w: World): string[] {
  const out: string[] = [];
  for (const p of w.packetLog) {
    // (the power-on advert, Espruino's default name advert, is not one of the rotation's)
    if (p.from !== "rotor" || p.to !== "listener" || !toHex(p.data).startsWith("02010603ff90") || p.data.length !== 7) continue;
    const n = parseInt(toHex(p.data).slice(12, 14), 16);
    const addressN = parseInt(p.address.slice(15, 17), 16);
    if (n !== addressN) out.push("payload " + n + " under address " + p.address);
  }
  return out;
}

describe("sim world: first advertising events", () => {
  it("the old rotation puts each old payload on the air once under the new address", () => {
    const w = run(false);
    const heard = w.packetLog.filter((p) => p.from === "rotor" && p.to === "listener");
    expect(heard.length).to.be.above(200);
    const bad = mixed(w);
    // 24 rotations in two minutes, one stale advert each; a few are lost on the air
    expect(bad.length).to.be.within(15, 24);
    for (const b of bad) {
      const m = /^payload (\d+) under address c1:00:00:00:00:([0-9a-f]{2})$/.exec(b)!;
      expect(parseInt(m[2], 16)).to.equal(Number(m[1]) + 1);
    }
  });

  it("the safe order (sleep, setAdvertising, setAddress, wake) never mixes them", () => {
    const w = run(true);
    expect(w.packetLog.filter((p) => p.from === "rotor" && p.to === "listener").length).to.be.above(200);
    expect(mixed(w)).to.deep.equal([]);
  });
});
