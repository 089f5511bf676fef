import { expect } from "chai";
import { CPU_MS_PER_CALLBACK } from "../../../sim/espruino/energy";
import { T0, token } from "./helpers";

const DAY = 86_400_000;

describe("sim/espruino energy meter (boards current figures, docs/spec/espruino-platform.md section 5)", () => {
  it("a sleeping token draws sleepUa: Puck.js ~3 µA, ~0.072 mAh/day", () => {
    const rt = token("NRF.sleep();");
    expect(() => rt.energy.mAhPerDay()).to.throw(/no simulated time/);
    rt.advanceTo(T0 + DAY);
    const c = rt.energy.chargeUc;
    expect(c.advertising).to.equal(0);
    expect(c.sleep / 86_400).to.be.closeTo(3, 1e-9);
    expect(rt.energy.mAhPerDay()).to.be.closeTo(3 * 86_400 / 3.6e6, 0.001);
    expect(rt.energy.batteryLifeDays()).to.be.closeTo(220 / (3 * 86_400 / 3.6e6), 10);
  });

  it("non-connectable advertising at 375 ms, 0 dBm averages ~22 µA as EspruinoDocs says for Puck.js", () => {
    const rt = token("NRF.setAdvertising([2,1,6], {connectable:false, scannable:false, interval:375});");
    rt.advanceTo(T0 + DAY);
    const avgUa = rt.energy.averageUa();
    expect(avgUa).to.be.within(20, 24);
    expect(avgUa).to.be.closeTo(rt.energy.totalUc() / 86_400, 1e-9);
  });

  it("Espruino's power-on advert (connectable, 375 ms) averages ~40 µA as EspruinoDocs says", () => {
    const rt = token("");
    rt.advanceTo(T0 + DAY);
    expect(rt.energy.totalUc() / 86_400).to.be.within(38, 42);
  });

  it("TX power scales the advertising charge; scanning costs scanMa while on", () => {
    const lo = token("NRF.setTxPower(-20); NRF.setAdvertising([2,1,6], {connectable:false, interval:1000});");
    const hi = token("NRF.setTxPower(4); NRF.setAdvertising([2,1,6], {connectable:false, interval:1000});");
    lo.advanceTo(T0 + 3_600_000);
    hi.advanceTo(T0 + 3_600_000);
    expect(hi.energy.chargeUc.advertising / lo.energy.chargeUc.advertising).to.be.closeTo((1 + 0.03 * 4) / (1 - 0.03 * 20), 1e-9);
    const sc = token("NRF.sleep(); NRF.setScan(function(){}); setTimeout(function(){ NRF.setScan(); }, 4000);");
    sc.advanceTo(T0 + 60_000);
    expect(sc.energy.chargeUc.scanning).to.be.closeTo(12 * 1000 * 4, 1e-6);
    // a duty-cycled scan (window 25 ms every 100 ms) keeps the receiver on a quarter of the time
    const duty = token("NRF.sleep(); NRF.setScan(function(){}, {window: 25, interval: 100});");
    duty.advanceTo(T0 + 10_000);
    expect(duty.energy.chargeUc.scanning).to.be.closeTo(12 * 1000 * 10 * 0.25, 1e-6);
  });

  it("counts CPU per callback, LED on-time, button watch and flash work", () => {
    const rt = token("NRF.sleep(); setInterval(function(){}, 1000); LED1.set(); setTimeout(function(){ LED1.reset(); }, 2000); setWatch(function(){}, BTN, true);");
    rt.advanceTo(T0 + 10_000);
    const c = rt.energy.chargeUc;
    expect(c.cpu).to.be.closeTo(12 * CPU_MS_PER_CALLBACK * 4, 1e-6); // boot + 10 interval runs + the LED timeout, at cpuMa 4
    expect(c.led).to.be.closeTo(1.5 * 1000 * 2, 1e-6);
    expect(c.buttonWatch).to.be.closeTo(9 * 10, 1e-6);
    const before = c.cpu;
    rt.global.eval("require('Storage').write('x', new Uint8Array(400))");
    expect(rt.energy.chargeUc.cpu - before).to.be.closeTo((400 / 4 + 8) * 0.041 * 4, 1e-6);
  });

  it("a halted (power-cut) token draws nothing", () => {
    const rt = token("setTimeout(function(){ require('Storage').write('x', 'abc'); }, 10);");
    rt.cutPower({ flashWrite: 1 });
    rt.advanceTo(T0 + 100);
    expect(rt.isHalted()).to.equal(true);
    const t = rt.energy.totalUc();
    rt.advanceTo(T0 + DAY);
    expect(rt.energy.totalUc()).to.equal(t);
  });
});
