import { expect } from "chai";
import { loadBoard } from "../../../boards/index";
import { CPU_MS_PER_CALLBACK } from "../../../sim/espruino/energy";
import { advertEventUc, packetAirtimeMs, rxCurrentMa, txCurrentMa } from "../../../sim/espruino/power";
import { Cell, batteryPercent } from "../../../sim/espruino/cell";
import { T0, token } from "./helpers";

const DAY = 86_400_000;
const UC_PER_MAH = 3.6e6;

describe("sim/espruino energy meter (docs/ENERGY.md: Nordic product specifications, EspruinoDocs' power tables)", () => {
  it("a sleeping token draws sleepUa: Puck.js ~3 µA, ~0.072 mAh/day", () => {
    const rt = token("NRF.sleep();");
    expect(() => rt.energy.mAhPerDay()).to.throw(/no simulated time/);
    rt.advanceTo(T0 + DAY);
    const c = rt.energy.chargeUc;
    expect(c.advertising).to.equal(0);
    expect(c.sleep / 86_400).to.be.closeTo(3, 1e-9);
    expect(rt.energy.mAhPerDay()).to.be.closeTo(3 * 86_400 / UC_PER_MAH, 0.001);
    // the cell loses ~1 %/year by itself; that is not the token's draw
    expect(c.selfDischarge / UC_PER_MAH).to.be.closeTo(0.01 * 225 / 365.25, 1e-4);
    expect(rt.energy.batteryLifeDays()).to.be.closeTo(225 / (3 * 86_400 / UC_PER_MAH), 1);
  });

  it("Puck.js advertising every 375 ms at 0 dBm costs what EspruinoDocs measured: ~22 µA non-connectable, ~40 µA connectable", () => {
    const non = token("NRF.setAdvertising({}, {connectable:false, scannable:false});");
    non.advanceTo(T0 + DAY);
    expect(non.energy.averageUa()).to.be.within(20, 26);
    expect(non.energy.averageUa()).to.be.closeTo(non.energy.deviceUc() / 86_400, 1e-9);
    const conn = token(""); // Espruino's power-on advert: connectable, 375 ms
    conn.advanceTo(T0 + DAY);
    expect(conn.energy.averageUa()).to.be.within(36, 44);
  });

  it("boards on the LDO regulator pay more per advert, as EspruinoDocs measured (MDBT42Q 80 µA, Jolt.js 60 µA)", () => {
    // not fitted: the LDO currents come from Nordic's tables, the boards' figures from EspruinoDocs
    const m = token("", { board: "mdbt42q" });
    const j = token("", { board: "joltjs" });
    m.advanceTo(T0 + DAY);
    j.advanceTo(T0 + DAY);
    expect(m.energy.averageUa()).to.be.within(80 * 0.8, 80 * 1.2);
    expect(j.energy.averageUa()).to.be.within(60 * 0.8, 60 * 1.2);
  });

  it("radio currents follow the datasheets: TX power, payload length, regulator", () => {
    const puck = loadBoard("puckjs");
    const dk = loadBoard("nrf52840dk");
    // nRF52832 PS v1.1 (DC/DC, HFXO): 0 dBm 7.1 mA, -40 dBm 4.1 mA, RX 6.5 mA
    expect(txCurrentMa(puck, 0)).to.be.closeTo(7.1, 1e-9);
    expect(txCurrentMa(puck, -40)).to.be.closeTo(4.1, 1e-9);
    expect(rxCurrentMa(puck)).to.be.closeTo(6.5, 1e-9);
    // TX current falls with power but not to zero; monotonic
    let last = 0;
    for (const dbm of [-40, -20, -16, -12, -8, -4, 0, 4]) {
      const ma = txCurrentMa(puck, dbm);
      expect(ma).to.be.above(last);
      last = ma;
    }
    // the nRF52840 DK runs on its LDO: more than the DC/DC figures for the same radio
    expect(txCurrentMa(dk, 0)).to.be.closeTo(10.8, 1e-9);
    // GAEN's 31-byte payload on air: (16 + 31) bytes x 8 µs; an event costs 9-11.5 µC on a Puck.js at 0 dBm
    expect(packetAirtimeMs(31)).to.be.closeTo(0.376, 1e-9);
    const gaen = advertEventUc(puck, { txPowerDbm: 0, dataBytes: 31, connectable: false });
    expect(gaen).to.be.within(9, 11.5);
    expect(advertEventUc(puck, { txPowerDbm: 0, dataBytes: 3, connectable: false })).to.be.below(gaen);
    expect(advertEventUc(puck, { txPowerDbm: -40, dataBytes: 31, connectable: false })).to.be.below(gaen);
    // in the runtime: the advertising charge follows the event charge of the TX power set
    const lo = token("NRF.setTxPower(-20); NRF.setAdvertising([2,1,6], {connectable:false, interval:1000});");
    const hi = token("NRF.setTxPower(4); NRF.setAdvertising([2,1,6], {connectable:false, interval:1000});");
    lo.advanceTo(T0 + 3_600_000);
    hi.advanceTo(T0 + 3_600_000);
    const ratio = advertEventUc(puck, { txPowerDbm: 4, dataBytes: 3, connectable: false }) / advertEventUc(puck, { txPowerDbm: -20, dataBytes: 3, connectable: false });
    expect(hi.energy.chargeUc.advertising / lo.energy.chargeUc.advertising).to.be.closeTo(ratio, 1e-3);
  });

  it("scanning costs the receive current while the receiver is on (duty cycle), more from a deeper cell behind the DC/DC", () => {
    const sc = token("NRF.sleep(); NRF.setScan(function(){}); setTimeout(function(){ NRF.setScan(); }, 4000);");
    sc.advanceTo(T0 + 60_000);
    // a fresh cell (3.05 V) gives the DC/DC converter 3/3.05 of the 3 V current
    expect(sc.energy.chargeUc.scanning).to.be.closeTo(6.5 * 1000 * 4 * (3 / 3.05), 1);
    const duty = token("NRF.sleep(); NRF.setScan(function(){}, {window: 25, interval: 100});");
    duty.advanceTo(T0 + 10_000);
    expect(duty.energy.chargeUc.scanning).to.be.closeTo(6.5 * 1000 * 10 * 0.25 * (3 / 3.05), 1);
    // the same scan from a cell at 2.8 V costs 3/2.8 of it
    const deep = token("NRF.sleep(); NRF.setScan(function(){}, {window: 25, interval: 100});");
    deep.energy.chargeUc.sleep += 0.85 * 225 * UC_PER_MAH;
    deep.advanceTo(T0 + 10_000);
    const v = deep.energy.cell.ocv(deep.energy.totalMah());
    expect(v).to.be.within(2.7, 2.85);
    expect(deep.energy.chargeUc.scanning).to.be.closeTo(6.5 * 1000 * 10 * 0.25 * (3 / v), 5);
  });

  it("counts CPU per callback, LED on-time, button watch and flash work (CPU-time model off)", () => {
    const rt = token("NRF.sleep(); setInterval(function(){}, 1000); LED1.set(); setTimeout(function(){ LED1.reset(); }, 2000); setWatch(function(){}, BTN, true);");
    rt.advanceTo(T0 + 10_000);
    const c = rt.energy.chargeUc;
    const f = 3 / 3.05; // DC/DC on a fresh cell
    expect(c.cpu).to.be.closeTo(12 * CPU_MS_PER_CALLBACK * 4 * f, 1e-3); // boot + 10 interval runs + the LED timeout, at cpuMa 4
    expect(c.led).to.be.closeTo(1.5 * 1000 * 2, 1e-6);
    expect(c.buttonWatch).to.be.closeTo(0.5 * 10, 1e-6);
    const before = c.cpu;
    rt.global.eval("require('Storage').write('x', new Uint8Array(400))");
    expect(rt.energy.chargeUc.cpu - before).to.be.closeTo((400 / 4 + 8) * 0.041 * 4 * f, 1e-3);
  });

  it("a halted (power-cut) token draws nothing; only the cell's self-discharge goes on", () => {
    const rt = token("setTimeout(function(){ require('Storage').write('x', 'abc'); }, 10);");
    rt.cutPower({ flashWrite: 1 });
    rt.advanceTo(T0 + 100);
    expect(rt.isHalted()).to.equal(true);
    const t = rt.energy.deviceUc();
    rt.advanceTo(T0 + DAY);
    expect(rt.energy.deviceUc()).to.be.closeTo(t, 1e-6);
    expect(rt.energy.chargeUc.selfDischarge).to.be.above(0);
  });
});

describe("sim/espruino cell (docs/ENERGY.md 'The cell': CR2032 data sheets, TI SWRA349)", () => {
  const puck = loadBoard("puckjs");

  it("a CR2032's voltage sags under load more as it empties and in the cold", () => {
    const c = new Cell(puck);
    expect(c.ocv(0)).to.be.closeTo(3.05, 1e-9);
    // fresh: a 10 mA scan pulse costs ~0.1 V; near the end several times more
    expect(c.ocv(0) - c.volts(0, 10)).to.be.within(0.08, 0.2);
    expect(c.ocv(200) - c.volts(200, 10)).to.be.above(0.3);
    const cold = new Cell(puck, { temperatureC: 0 });
    expect(cold.resistanceOhm(100)).to.be.closeTo(2 * c.resistanceOhm(100), 1e-9);
    // the end comes earlier under a heavier pulse and in the cold
    const end = (cell: Cell, ma: number) => {
      let d = 0;
      while (!cell.browns(d, ma)) d += 0.5;
      return d;
    };
    expect(end(c, 9)).to.be.within(190, 225);
    expect(end(c, 16)).to.be.below(end(c, 9));
    expect(end(cold, 9)).to.be.below(end(c, 9));
    // a DC/DC load draws more current as the voltage falls, so it browns out earlier than the same current plain
    expect(end(c, 0) > 0).to.equal(true);
    let dPlain = 0, dDcdc = 0;
    while (!c.browns(dPlain, 9)) dPlain += 0.5;
    while (!c.browns(dDcdc, 0, 9)) dDcdc += 0.5;
    expect(dDcdc).to.be.at.most(dPlain);
  });

  it("E.getBattery() on a Puck.js is (V - 2.2) / 0.6 of the supply: ~100 % for months, falling late", () => {
    expect(batteryPercent(puck, 3.0)).to.equal(100);
    expect(batteryPercent(puck, 2.51)).to.equal(51);
    expect(batteryPercent(puck, 2.1)).to.equal(0);
    const c = new Cell(puck);
    // half the charge drawn: still 100 %
    expect(batteryPercent(puck, c.volts(0.5 * c.capacityMah, 4))).to.be.at.least(98);
  });

  it("a cell that can no longer carry a scan window browns the token out: it halts and says so", () => {
    const rt = token("NRF.sleep(); setInterval(function(){ NRF.setScan(function(){}); setTimeout(function(){ NRF.setScan(); }, 290); }, 300000);");
    rt.advanceTo(T0 + 1000);
    expect(rt.energy.batteryPercent()).to.equal(100);
    rt.energy.chargeUc.sleep += 0.96 * 225 * UC_PER_MAH;
    rt.advanceTo(T0 + 3_600_000);
    expect(rt.isHalted()).to.equal(true);
    expect(rt.energy.brownOutAtMs).to.be.a("number");
    expect(rt.energy.brownOut!.volts).to.be.below(1.7);
    expect(rt.consoleOutput.join("\n")).to.match(/BROWN-OUT/);
    const t = rt.energy.deviceUc();
    rt.advanceTo(T0 + DAY);
    expect(rt.energy.deviceUc()).to.be.closeTo(t, 1e-6);
  });
});
