import { expect } from "chai";
import fc from "fast-check";
import { params } from "../fuzz/fuzz";
import { GuessLimiter } from "../../host-tools/server/guessLimiter";

describe("server guess limiter", () => {
  it("perClient_reservationsCountBeforeTheyAreSettled", () => {
    const l = new GuessLimiter({ perClient: 3, global: 100, windowMs: 1000 });
    const held = [l.begin("a", 0), l.begin("a", 0), l.begin("a", 0)];
    expect(held.every((d) => d.allowed)).to.equal(true);
    const fourth = l.begin("a", 0);
    expect(fourth.allowed).to.equal(false);
    expect(l.begin("b", 0).allowed).to.equal(true);
  });

  it("release_rightOrUncheckedNumbers_giveTheReservationBack", () => {
    const l = new GuessLimiter({ perClient: 1, global: 100, windowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      const d = l.begin("a", i);
      if (!d.allowed) throw new Error("refused");
      d.ticket.release();
    }
    expect(l.trackedClients).to.equal(0);
  });

  it("wrong_countsForTheWindow_thenForgotten", () => {
    const l = new GuessLimiter({ perClient: 2, global: 100, windowMs: 1000 });
    for (const t of [0, 100]) {
      const d = l.begin("a", t);
      if (d.allowed) d.ticket.wrong(t);
    }
    const refused = l.begin("a", 200);
    expect(refused).to.deep.include({ allowed: false, scope: "client" });
    expect((refused as { retryAfterMs: number }).retryAfterMs).to.equal(1000); // at least a second
    expect(l.begin("a", 1000).allowed).to.equal(true); // the failure at 0 left the window
  });

  it("settleTwice_countsOnce", () => {
    const l = new GuessLimiter({ perClient: 2, global: 100, windowMs: 1000 });
    const d = l.begin("a", 0);
    if (!d.allowed) throw new Error("refused");
    d.ticket.wrong(0);
    d.ticket.wrong(0);
    d.ticket.release();
    expect(l.globalLoad(0)).to.equal(1);
    expect(l.begin("a", 0).allowed).to.equal(true);
  });

  it("global_spent_onlyCleanClientsMayTry", () => {
    const l = new GuessLimiter({ perClient: 5, global: 3, windowMs: 1000 });
    for (const c of ["x", "y", "z"]) {
      const d = l.begin(c, 0);
      if (d.allowed) d.ticket.wrong(0);
    }
    expect(l.begin("x", 1)).to.deep.include({ allowed: false, scope: "global" });
    const clean = l.begin("victim", 1);
    expect(clean.allowed).to.equal(true);
    // ... one at a time
    expect(l.begin("victim", 1).allowed).to.equal(false);
  });

  it("memory_boundedByMaxClients_neverDroppingOneWithARequestUnderWay", () => {
    const l = new GuessLimiter({ perClient: 2, global: 1_000_000, windowMs: 60_000, maxClients: 100 });
    const held = l.begin("held", 0);
    for (let i = 0; i < 1000; i++) {
      const d = l.begin("10.0.0." + i, i);
      if (d.allowed) d.ticket.wrong(i);
    }
    expect(l.trackedClients).to.be.at.most(101);
    expect(held.allowed).to.equal(true);
    if (held.allowed) held.ticket.wrong(1000);
    const again = l.begin("held", 1000);
    expect(again.allowed).to.equal(true); // one failure of 2: its record survived
    if (again.allowed) again.ticket.wrong(1000);
    expect(l.begin("held", 1000).allowed).to.equal(false);
  });

  it("constructor_badOptions_throw", () => {
    expect(() => new GuessLimiter({ perClient: 0, global: 1, windowMs: 10 })).to.throw(TypeError, /perClient/);
    expect(() => new GuessLimiter({ perClient: 1, global: 0, windowMs: 10 })).to.throw(TypeError, /global/);
    expect(() => new GuessLimiter({ perClient: 1, global: 1, windowMs: 0 })).to.throw(TypeError, /windowMs/);
  });

  it("property_neverMoreNumbersCheckedThanTheBudgetsAllow", () => {
    // Any interleaving of begins and settlements by a few clients, clock moving forward: within any
    // window, a client gets at most perClient wrong numbers, and once the global budget is spent a
    // client with a failure or a request under way is refused.
    const op = fc.record({ client: fc.nat(4), dt: fc.nat(400), outcome: fc.constantFrom("wrong", "release", "hold") });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), (ops, perClient, global) => {
        const windowMs = 1000;
        const l = new GuessLimiter({ perClient, global, windowMs });
        let now = 0;
        const failures: Record<number, number[]> = {};
        const inFlight: Record<number, number> = {};
        const open: { client: number; settle: (t: number) => void }[] = [];
        for (const o of ops) {
          now += o.dt;
          const recent = (failures[o.client] ?? []).filter((t) => t > now - windowMs);
          const d = l.begin(String(o.client), now);
          if (d.allowed) {
            const own = recent.length + (inFlight[o.client] ?? 0);
            expect(own, "a client over its budget got in").to.be.below(perClient);
            const globalRecent = Object.values(failures).flat().filter((t) => t > now - windowMs).length;
            const globalInFlight = Object.values(inFlight).reduce((a, b) => a + b, 0);
            if (globalRecent + globalInFlight >= global) expect(own, "global budget spent, yet a client with a record got in").to.equal(0);
            inFlight[o.client] = (inFlight[o.client] ?? 0) + 1;
            const client = o.client;
            const settle = (t: number, wrong: boolean) => {
              inFlight[client]--;
              if (wrong) {
                (failures[client] ??= []).push(t);
                d.ticket.wrong(t);
              } else d.ticket.release();
            };
            if (o.outcome === "hold") open.push({ client, settle: (t) => settle(t, true) });
            else settle(now, o.outcome === "wrong");
          } else if (open.length > 0) open.shift()!.settle(now);
        }
        while (open.length) open.shift()!.settle(now);
      }),
      params(300),
    );
  });
});
