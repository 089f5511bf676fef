import { expect } from "chai";
import { Random } from "../../../sim/world/random";

describe("sim world: seeded random numbers", () => {
  it("same seed gives the same sequence, another seed a different one", () => {
    const a = new Random("s1");
    const b = new Random("s1");
    const c = new Random("s2");
    const sa = Array.from({ length: 20 }, () => a.nextU32());
    const sb = Array.from({ length: 20 }, () => b.nextU32());
    const sc = Array.from({ length: 20 }, () => c.nextU32());
    expect(sa).to.deep.equal(sb);
    expect(sa).to.not.deep.equal(sc);
  });

  it("forks are reproducible and independent of draws on the parent", () => {
    const p = new Random(42);
    const f1 = p.fork("device/a").next();
    p.next(); p.next();
    const f2 = p.fork("device/a").next();
    expect(f1).to.equal(f2);
    expect(p.fork("device/b").next()).to.not.equal(f1);
  });

  it("uniform, int and normal stay in range with the right moments", () => {
    const r = new Random("moments");
    let sum = 0, sq = 0, bad = 0;
    const n = 20000;
    const seen = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const u = r.uniform(200, 270);
      if (u < 200 || u >= 270) bad++;
      const k = r.int(1, 3);
      if (k < 1 || k > 3) bad++;
      else seen[k]++;
      const z = r.normal();
      sum += z; sq += z * z;
    }
    expect(bad).to.equal(0);
    expect(Math.min(seen[1], seen[2], seen[3])).to.be.above(n / 3 - 400);
    expect(Math.abs(sum / n)).to.be.below(0.03);
    expect(Math.abs(sq / n - 1)).to.be.below(0.05);
  });

  it("rejects bad arguments with clear messages", () => {
    expect(() => new Random(NaN)).to.throw(TypeError, /seed/);
    expect(() => new Random("x").uniform(2, 1)).to.throw(RangeError, /min <= max/);
    expect(() => new Random("x").int(1.5, 3)).to.throw(RangeError, /integers/);
  });
});
