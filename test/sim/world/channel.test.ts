import { expect } from "chai";
import {
  carryLossDb, collisionProbability, environment, fadingDb, lossProbability, meanReceivedDbm, pathLossDb, reportedRssi, wallLossDb, FREE_SPACE_LOSS_1M_DB,
} from "../../../sim/world/channel";
import { Random } from "../../../sim/world/random";

describe("sim world: radio channel model", () => {
  const home = environment("home");

  it("path loss is Friis at 1 m and grows 10 n dB per decade", () => {
    // 20 log10(4 pi / lambda), lambda = c / 2.44 GHz
    const friis = 20 * Math.log10((4 * Math.PI) / (299792458 / 2.44e9));
    expect(FREE_SPACE_LOSS_1M_DB).to.be.closeTo(friis, 0.1);
    expect(pathLossDb(home, 1)).to.be.closeTo(40.2, 1e-9);
    expect(pathLossDb(home, 10) - pathLossDb(home, 1)).to.be.closeTo(20, 1e-9);
    const train = environment("train");
    expect(pathLossDb(train, 10) - pathLossDb(train, 1)).to.be.closeTo(16, 1e-9);
    expect(pathLossDb(home, 0)).to.equal(pathLossDb(home, 0.1));
  });

  it("walls and body shadowing subtract from the mean power", () => {
    const base = { radiatedTxDbm: -4, distanceM: 2, env: home, wallsDb: 0, txCarryDb: 0, rxCarryDb: 0 };
    const free = meanReceivedDbm(base);
    expect(free).to.be.closeTo(-4 - 40.2 - 20 * Math.log10(2), 1e-9);
    expect(meanReceivedDbm({ ...base, wallsDb: wallLossDb("concrete") })).to.be.closeTo(free - 13, 1e-9);
    expect(meanReceivedDbm({ ...base, txCarryDb: carryLossDb("pocket"), rxCarryDb: carryLossDb("lanyard") })).to.be.closeTo(free - 10, 1e-9);
  });

  it("Rician fading has unit mean power and spreads more with a lower K", () => {
    const r = new Random("fading");
    const stats = (K: number) => {
      let p = 0, below10 = 0;
      const n = 40000;
      for (let i = 0; i < n; i++) {
        const db = fadingDb(K, r);
        p += Math.pow(10, db / 10);
        if (db < -10) below10++;
      }
      return { meanPower: p / n, deepFades: below10 / n };
    };
    const k4 = stats(4);
    const k0 = stats(0);
    expect(k4.meanPower).to.be.closeTo(1, 0.03);
    expect(k0.meanPower).to.be.closeTo(1, 0.03);
    // Rayleigh: P(power < 0.1) = 1 - e^-0.1 = 9.5 %
    expect(k0.deepFades).to.be.closeTo(0.095, 0.01);
    expect(k4.deepFades).to.be.below(k0.deepFades / 3);
  });

  it("packet loss is 50 % at the sensitivity, falls to the floor above it", () => {
    expect(lossProbability(-96, -96, home)).to.be.closeTo(0.505, 0.001);
    expect(lossProbability(-80, -96, home)).to.be.closeTo(home.lossFloor, 1e-4);
    expect(lossProbability(-105, -96, home)).to.be.above(0.999);
    expect(lossProbability(-93, -96, home)).to.be.below(lossProbability(-95, -96, home));
  });

  it("collisions: none alone, about 8.6 % among 30 advertisers at 250 ms", () => {
    expect(collisionProbability([])).to.equal(0);
    expect(collisionProbability(new Array(30).fill(250))).to.be.closeTo(1 - Math.exp((-30 * 2 * 0.376) / 250), 1e-12);
    expect(collisionProbability(new Array(30).fill(250))).to.be.closeTo(0.086, 0.001);
    expect(collisionProbability([100])).to.be.above(collisionProbability([250]));
    expect(() => collisionProbability([0])).to.throw(RangeError, /interval/);
  });

  it("reported RSSI applies the receiver offset, rounds and clamps", () => {
    expect(reportedRssi(-60.4, 0)).to.equal(-60);
    expect(reportedRssi(-60, -2)).to.equal(-58);
    expect(reportedRssi(-200, 0)).to.equal(-127);
  });

  it("unknown names give messages listing the known ones", () => {
    expect(() => environment("cave")).to.throw(RangeError, /known: home, hall, train, street/);
    expect(() => carryLossDb("hat")).to.throw(RangeError, /lanyard/);
    expect(() => wallLossDb("paper")).to.throw(RangeError, /concrete/);
    expect(() => pathLossDb(home, -1)).to.throw(RangeError, />= 0/);
  });
});
