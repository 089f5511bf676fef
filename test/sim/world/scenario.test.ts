import { expect } from "chai";
import { Scenario, utcDay, type ScenarioSpec } from "../../../sim/world/scenario";

function minimal(over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    name: "t", start: "2026-11-02", days: 2, utcOffsetHours: 0,
    rooms: { a: { environment: "home" }, b: { environment: "home", origin: [5, 0] } },
    walls: [{ rooms: ["a", "b"], material: "drywall", count: 1 }],
    devices: [{ id: "x", kind: "token", board: "puckjs" }, { id: "y", kind: "phone", model: "android" }],
    schedule: [],
    ...over,
  };
}

describe("sim world: scenarios and ground truth", () => {
  it("every shipped scenario loads, and the required ones are there", () => {
    const names = Scenario.names();
    for (const n of ["household", "commuter-train", "care-home", "neighbour-wall", "street-pass", "conversation-2m"]) {
      expect(names).to.include(n);
    }
    for (const n of names) {
      const s = Scenario.load(n);
      expect(s.devices.length, n).to.be.at.least(2);
      expect(s.groundTruth().length, n).to.equal((s.devices.length * (s.devices.length - 1)) / 2);
    }
  });

  it("conversation-2m: 30 min at 1-2 m, then 15 min within 1 m", () => {
    const g = Scenario.load("conversation-2m").groundTruth();
    expect(g).to.have.length(1);
    expect(g[0].total.sameRoom).to.deep.equal({ within1m: 15, from1to2m: 30, beyond2m: 0 });
    expect(g[0].byDay["2026-11-02"].sameRoom.within1m).to.equal(15);
  });

  it("neighbour-wall: contact only through the wall, 8 h a night at about 1.2 m", () => {
    const s = Scenario.load("neighbour-wall");
    const g = s.groundTruth()[0];
    expect(g.total.sameRoom).to.deep.equal({ within1m: 0, from1to2m: 0, beyond2m: 0 });
    expect(g.byDay["2026-11-03"].throughWall.from1to2m).to.equal(7 * 60); // 23:00-06:00 JST both at the wall
    expect(s.path("flatA", "flatB")).to.deep.equal({ wallsDb: 13, walls: 1 });
  });

  it("street-pass: within 2 m for only a couple of seconds", () => {
    const g = Scenario.load("street-pass").groundTruth()[0];
    const close = g.total.sameRoom.within1m + g.total.sameRoom.from1to2m;
    expect(close * 60).to.be.within(1, 4);
    expect(g.total.sameRoom.within1m * 60).to.be.within(0.5, 2);
  });

  it("care-home: table neighbours are within 1 m, the same pairs meet through the bedroom wall at night", () => {
    const s = Scenario.load("care-home");
    expect(s.devices).to.have.length(20);
    const g = s.groundTruth().find((p) => p.a === "resident01" && p.b === "resident02")!;
    expect(g.total.sameRoom.within1m).to.equal(14 * 7 * 60); // 3 h + 4 h a day at the table
    expect(g.total.throughWall.from1to2m).to.be.above(14 * 10 * 60);
  });

  it("daily schedules repeat, respect weekdays and run past midnight", () => {
    const s = new Scenario(minimal({
      schedule: [
        { device: "x", from: "22:00", to: "06:00", room: "a", at: [0, 0] },
        { device: "y", from: "23:00", to: "01:00", room: "a", at: [0.5, 0], days: "weekdays" },
      ],
    }));
    // 2026-11-02 is a Monday: x from the previous evening (clipped at the start), 2 nights
    const xs = s.spansOf("x");
    expect(xs.map((p) => [utcDay(p.startMs), new Date(p.startMs).toISOString().slice(11, 16), new Date(p.endMs).toISOString().slice(11, 16)]))
      .to.deep.equal([["2026-11-02", "00:00", "06:00"], ["2026-11-02", "22:00", "06:00"], ["2026-11-03", "22:00", "00:00"]]);
    const g = s.groundTruth()[0];
    // y: Sunday night entry does not apply (weekday filter on the starting day); Mon 23:00-01:00, Tue 23:00-24:00
    expect(g.total.sameRoom.within1m).to.equal(180);
    expect(g.byDay["2026-11-02"].sameRoom.within1m).to.equal(60);
    expect(g.byDay["2026-11-03"].sameRoom.within1m).to.equal(120);
  });

  it("an \"away\" entry overrides the daily routine for its time", () => {
    const s = new Scenario(minimal({
      days: 3,
      schedule: [
        { device: "x", from: "09:00", to: "17:00", room: "a", at: [0, 0] },
        { device: "y", from: "09:00", to: "17:00", room: "a", at: [0.5, 0] },
        { device: "x", from: "12:00", to: "14:00", room: "away", days: [1] },
      ],
    }));
    const g = s.groundTruth()[0];
    expect(g.byDay["2026-11-02"].sameRoom.within1m).to.equal(480);
    expect(g.byDay["2026-11-03"].sameRoom.within1m).to.equal(360);
    expect(s.spansOf("x")).to.have.length(4);
    expect(() => new Scenario(minimal({ schedule: [{ device: "x", from: "12:00", to: "14:00", room: "away", at: [0, 0] }] })))
      .to.throw(/an "away" entry has no position/);
  });

  it("devices in rooms without a wall entry have no radio path and no ground-truth contact", () => {
    const s = new Scenario(minimal({
      walls: [],
      schedule: [
        { device: "x", from: "10:00", to: "11:00", room: "a", at: [4.9, 0] },
        { device: "y", from: "10:00", to: "11:00", room: "b", at: [0, 0] },
      ],
    }));
    expect(s.path("a", "b")).to.equal(null);
    expect(s.groundTruth()[0].total.throughWall).to.deep.equal({ within1m: 0, from1to2m: 0, beyond2m: 0 });
    const w = new Scenario(minimal({ schedule: s.spec.schedule }));
    expect(w.groundTruth()[0].total.throughWall.within1m).to.equal(120); // 1 h on each of 2 days
  });

  it("bad scenarios are refused with a message naming the field", () => {
    const bad = (over: Partial<ScenarioSpec>) => () => new Scenario(minimal(over));
    expect(bad({ days: 0 })).to.throw(/t\.days: must be a whole number/);
    expect(bad({ start: "tomorrow" })).to.throw(/t\.start/);
    expect(bad({ rooms: { a: { environment: "moon" } } })).to.throw(/rooms\.a\.environment: unknown environment "moon"/);
    expect(bad({ schedule: [{ device: "x", from: "10:00", to: "11:00", room: "kitchen", at: [0, 0] }] }))
      .to.throw(/schedule\[0\]\.room: unknown room "kitchen"; rooms: a, b, or "away"/);
    expect(bad({ schedule: [{ device: "x", from: "25:00", to: "11:00", room: "a", at: [0, 0] }] })).to.throw(/schedule\[0\]\.from/);
    expect(bad({ schedule: [{ device: "zz", from: "10:00", to: "11:00", room: "a", at: [0, 0] }] })).to.throw(/unknown device "zz"/);
    expect(bad({ schedule: [{ device: "x", from: "10:00", to: "11:00", room: "a" }] })).to.throw(/exactly one of "at"/);
    expect(bad({
      schedule: [
        { device: "x", from: "10:00", to: "11:00", room: "a", at: [0, 0] },
        { device: "x", from: "10:30", to: "12:00", room: "b", at: [0, 0] },
      ],
    })).to.throw(/"x" is in two places/);
    expect(bad({ devices: [{ id: "x", kind: "token" } as never] })).to.throw(/needs a board/);
    expect(bad({ devices: [{ id: "x", kind: "token", board: "puckjs", carry: "hat" }] })).to.throw(/devices\[0\]\.carry: unknown carry/);
    expect(bad({ devices: [{ id: "x", kind: "token", board: "nokia" }] })).to.throw(/devices\[0\]\.board: unknown board "nokia"/);
    expect(bad({ devices: [{ id: "y", kind: "phone", model: "nokia" }] })).to.throw(/devices\[0\]\.model: unknown phone model "nokia"/);
    expect(() => Scenario.load("nope")).to.throw(/not found; known: .*household/);
  });
});
