import { expect } from "chai";
import { environment } from "../../../sim/world/channel";
import { deliverPerAdvert, deliverWindow, type LinkInWindow } from "../../../sim/world/delivery";
import { Random } from "../../../sim/world/random";
import type { ReceivedPacket } from "../../../sim/world/devices/device";

describe("sim world: analytic advert delivery", () => {
  const link = (meanDbm: number, intervalMs = 250): LinkInWindow => ({
    from: "a", address: "00:11:22:33:44:55", addressType: "random",
    advertising: { data: new Uint8Array(31), intervalMs, connectable: false, scannable: false },
    meanDbm, env: environment("home"), sensitivityDbm: -96, rssiOffsetDb: 0,
  });

  it("delivers window / (interval + 5 ms) packets on average, in time order inside the window", () => {
    const rng = new Random("count");
    let total = 0;
    let misplaced = 0;
    const windows = 2000;
    for (let w = 0; w < windows; w++) {
      const out: ReceivedPacket[] = [];
      const t0 = 1_000_000 + w * 300_000;
      deliverWindow(link(-50), t0, t0 + 4000, rng, out);
      for (let i = 0; i < out.length; i++) {
        if (out[i].timeMs < t0 || out[i].timeMs >= t0 + 4000 || (i > 0 && out[i].timeMs < out[i - 1].timeMs)) misplaced++;
      }
      total += out.length;
    }
    expect(misplaced).to.equal(0);
    const expected = (4000 / 255) * (1 - 0.01); // loss floor 1 %
    expect(total / windows).to.be.closeTo(expected, 0.15);
  });

  it("agrees with a per-advert simulation of the same scan windows", () => {
    const windows: [number, number][] = [];
    for (let t = 0; t < 3_600_000; t += 255_000) windows.push([t + 1000, t + 5000]);
    const a: ReceivedPacket[] = [];
    const rngA = new Random("analytic");
    for (const [s, e] of windows) deliverWindow(link(-90), s, e, rngA, a);
    const b: ReceivedPacket[] = [];
    const events = deliverPerAdvert(link(-90), windows, 0, 3_600_000, new Random("per-advert"), b);
    expect(events).to.be.closeTo(3_600_000 / 255, 300);
    expect(a.length).to.be.closeTo(b.length, 0.08 * b.length);
    const mean = (l: ReceivedPacket[]) => l.reduce((s, p) => s + p.rssi, 0) / l.length;
    expect(mean(a)).to.be.closeTo(mean(b), 0.7);
  });

  it("loses most packets near the sensitivity and reports the faded RSSI", () => {
    const strong: ReceivedPacket[] = [];
    const weak: ReceivedPacket[] = [];
    const rng = new Random("weak");
    for (let w = 0; w < 200; w++) {
      deliverWindow(link(-60), w * 10000, w * 10000 + 4000, rng, strong);
      deliverWindow(link(-97), w * 10000, w * 10000 + 4000, rng, weak);
    }
    expect(weak.length).to.be.below(strong.length * 0.6);
    expect(weak.length).to.be.above(0);
    const rssis = strong.map((p) => p.rssi);
    expect(Math.max(...rssis) - Math.min(...rssis)).to.be.above(6); // fading spreads the RSSI
    expect(rssis.reduce((s, x) => s + x, 0) / rssis.length).to.be.closeTo(-61, 2);
  });

  it("a collision probability removes that share of the packets", () => {
    let free = 0, hit = 0;
    const rng = new Random("collide");
    for (let w = 0; w < 500; w++) {
      const a: ReceivedPacket[] = [];
      const b: ReceivedPacket[] = [];
      deliverWindow(link(-60), 0, 4000, rng, a);
      deliverWindow({ ...link(-60), collision: 0.3 }, 0, 4000, rng, b);
      free += a.length;
      hit += b.length;
    }
    expect(hit / free).to.be.closeTo(0.7, 0.03);
  });

  it("rejects a non-positive advertising interval", () => {
    expect(() => deliverWindow(link(-50, 0), 0, 1000, new Random(1), [])).to.throw(RangeError, /interval/);
  });
});
