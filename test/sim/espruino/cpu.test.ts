/**
 * The CPU-time model (sim/espruino/cpuModel.ts, meterCode.ts): work takes simulated time, delays
 * what comes after it, queues scan reports in Espruino's IO queue (dropping them when it is full),
 * costs the C side of every advert heard, and is charged to the energy meter.
 */
import { expect } from "chai";
import { EspruinoRuntime, loadBuiltFirmware } from "../../../sim/espruino/runtime";
import { BUILTIN_X86_MS, X86_TO_NRF52, nrf52Ms } from "../../../sim/espruino/cpuModel";
import { buildAdvert } from "../../../common/gaen/advert";
import { T0, token } from "./helpers";

const busyLoop = (n: number) => "var s = 0; for (var i = 0; i < " + n + "; i++) s += i;";

function gaen(i: number): Uint8Array {
  return buildAdvert(Uint8Array.from({ length: 16 }, (_, k) => (i * 31 + k) & 255), Uint8Array.from([1, 2, 3, 4]));
}

describe("sim/espruino CPU time (work takes simulated time)", () => {
  it("a busy callback delays the timer behind it; getTime() moves while it works", () => {
    const code = "var inside, t2; setTimeout(function () { " + busyLoop(2000) + " inside = getTime(); }, 10);" +
      "setTimeout(function () { t2 = getTime(); }, 20);";
    const rt = token(code, { cpuTime: true });
    const t0 = rt.global.getTime();
    rt.advanceTo(T0 + 60_000);
    const work = rt.cpu.longestMs;
    expect(work, "2,000 loop iterations on a 64 MHz nRF52").to.be.above(20);
    // the second timer was due 10 ms after the first started, but waited for the CPU
    expect(rt.cpu.delayedCallbacks).to.be.at.least(1);
    expect((rt.global.t2 - t0) * 1000).to.be.above(10 + work);
    expect((rt.global.inside - t0) * 1000).to.be.above(10 + work * 0.9);
    // without the model the same code takes no time
    const free = token(code, { cpuTime: false });
    const f0 = free.global.getTime();
    free.advanceTo(T0 + 60_000);
    expect((free.global.t2 - f0) * 1000).to.be.closeTo(20, 1e-6);
    expect(free.cpu.delayedCallbacks).to.equal(0);
  });

  it("a crowd overflows Espruino's event queue: 22 GAEN reports wait on a Puck.js (1 KB), 45 on a Bangle.js 2 (2 KB), the rest are lost", () => {
    const heard = (board: string) => {
      // a slow scan callback (several hundred ms): every report that arrives meanwhile must wait
      const rt = token("var n = 0; NRF.setScan(function (d) { n++; " + busyLoop(3000) + " });", { board, cpuTime: true });
      for (let i = 0; i < 80; i++) {
        rt.advanceTo(T0 + 100 + i);
        rt.deliverAdvert({ address: "c0:00:00:00:00:" + (16 + i).toString(16), addressType: "random", rssi: -60, data: gaen(i) });
      }
      rt.advanceTo(T0 + 600_000);
      return { n: rt.global.n as number, stats: rt.ioStats };
    };
    const puck = heard("puckjs");
    // the first is handled at once, 22 wait in the 1,024-byte queue (45 bytes each), 57 are dropped
    expect(puck.n).to.equal(1 + 22);
    expect(puck.stats).to.deep.include({ received: 80, queued: 22, dropped: 57 });
    const bangle = heard("banglejs2");
    expect(bangle.n).to.equal(1 + 45);
    expect(bangle.stats.dropped).to.equal(80 - 46);
    // spread out, with time to handle each, nothing is lost
    const rt = token("var n = 0; NRF.setScan(function (d) { n++; });", { cpuTime: true });
    for (let i = 0; i < 80; i++) {
      rt.advanceTo(T0 + 100 + i * 50);
      rt.deliverAdvert({ address: "c0:00:00:00:00:01", addressType: "random", rssi: -60, data: gaen(i) });
    }
    rt.advanceTo(T0 + 60_000);
    expect(rt.global.n).to.equal(80);
    expect(rt.ioStats.dropped).to.equal(0);
  });

  it("reports that wait are handed to the scan callback of the moment they left the queue, after the timers due by then", () => {
    // the window closes (timer) while reports wait: Espruino pops them into JavaScript events bound to
    // the callback first (jsiIdle: IO events, then timers, then events), so they still arrive
    const rt = token(
      "var got = [], closed = 0; NRF.setScan(function (d) { got.push(closed); " + busyLoop(3000) + " });" +
      "setTimeout(function () { NRF.setScan(); closed = 1; }, 50);",
      { cpuTime: true },
    );
    for (let i = 0; i < 5; i++) {
      rt.advanceTo(T0 + 10 + i);
      rt.deliverAdvert({ address: "c0:00:00:00:00:01", addressType: "random", rssi: -60, data: gaen(i) });
    }
    rt.advanceTo(T0 + 60_000);
    expect(rt.global.got).to.deep.equal([0, 1, 1, 1, 1]);
  });

  it("every advert heard costs the C side (device object, filters), even one the filters drop", () => {
    const rt = token("var n = 0; NRF.setScan(function (d) { n++; }, {filters: [{services: ['fd6f']}]});", { cpuTime: true });
    const before = rt.cpu.builtinMs;
    const other = Uint8Array.from([2, 1, 6, 5, 0xff, 0x4c, 0x00, 1, 2]); // a phone's manufacturer advert
    for (let i = 0; i < 50; i++) {
      rt.advanceTo(T0 + 100 + i * 20);
      rt.deliverAdvert({ address: "c0:00:00:00:00:02", addressType: "random", rssi: -70, data: other });
    }
    expect(rt.global.n).to.equal(0);
    expect(rt.cpu.builtinMs - before).to.be.at.least(50 * nrf52Ms(BUILTIN_X86_MS.advertC * 1e6) - 1e-9);
  });

  it("the CPU's time is charged to the energy meter at the board's cpuMa (behind the DC/DC converter: times 3 V / cell volts)", () => {
    const rt = token("setInterval(function () { " + busyLoop(500) + " }, 1000);", { cpuTime: true });
    rt.advanceTo(T0 + 60_000);
    const c = rt.cpu;
    expect(c.busyMs).to.be.above(0);
    expect(rt.energy.supplyFactor()).to.be.closeTo(3 / 3.05, 1e-3);
    const expected = rt.energy.supplyFactor() * rt.board.current.cpuMa * (c.jsMs + c.builtinMs + c.flashMs);
    expect(rt.energy.chargeUc.cpu).to.be.closeTo(expected, expected * 1e-4);
  });

  it("per board: the daily key with the built-in crypto (Puck.js) takes a fraction of the pure-JS one (Jolt.js)", () => {
    const ms: Record<string, number> = {};
    for (const board of ["puckjs", "joltjs"]) {
      const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0 });
      rt.boot(loadBuiltFirmware(board));
      const c = rt.global.Omamori.crypto;
      const key = new rt.realm.Uint8Array(16);
      const busy = rt.cpu.busyMs;
      rt.runCallback(() => { c.rpik(key); c.aemk(key); }, null, []);
      ms[board] = rt.cpu.busyMs - busy;
    }
    // the calibration machine's figures scaled to an nRF52 (docs/SIM-RUNTIME.md "CPU time": 4.2 ms vs 90 ms there, x75)
    expect(ms.joltjs / ms.puckjs).to.be.above(8);
    expect(ms.joltjs, "pure-JS daily key on a 64 MHz nRF52, ms").to.be.above(1000);
    expect(ms.puckjs, "built-in daily key on a 64 MHz nRF52, ms").to.be.below(1000);
    expect(X86_TO_NRF52.low).to.be.below(X86_TO_NRF52.central);
  });
});
