import { expect } from "chai";
import { EspruinoRuntime } from "../../../sim/espruino/runtime";
import { T0, evalIn, token } from "./helpers";

describe("sim/espruino pins, setWatch and LEDs", () => {
  it("a button watch defaults to rising edge with 25 ms debounce and gets {state, time, lastTime}", () => {
    const rt = token("var ev = []; setWatch(function(e){ ev.push(e); }, BTN, {repeat: true});");
    rt.advanceTo(T0 + 1000);
    rt.pressButton(200);
    rt.advanceTo(T0 + 2000);
    rt.pressButton(200);
    rt.advanceTo(T0 + 3000);
    const ev = rt.global.ev;
    expect(ev).to.have.length(2);
    expect(ev[0].state).to.equal(true);
    expect(ev[0].time).to.be.closeTo(1.0, 1e-9);
    expect(ev[0].lastTime).to.equal(undefined);
    // lastTime is the previous event of either edge (the release at 1.2 s)
    expect(ev[1].lastTime).to.be.closeTo(1.2, 1e-9);
    expect(ev[1].time).to.be.closeTo(2.0, 1e-9);
    expect(evalIn(rt, "digitalRead(BTN)")).to.equal(0);
  });

  it("debounce swallows contact bounce; without debounce every edge calls back", () => {
    const bouncy = { bounces: 3, bounceMs: 6 };
    const a = token("var n = 0; setWatch(function(){ n++; }, BTN, {repeat: true, edge: 'both', debounce: 20});");
    a.pressButton(300, bouncy);
    a.advanceTo(T0 + 1000);
    expect(a.global.n).to.equal(2);
    const b = token("var n = 0; setWatch(function(){ n++; }, BTN, {repeat: true, edge: 'both', debounce: 0});");
    b.pressButton(300, bouncy);
    b.advanceTo(T0 + 1000);
    expect(b.global.n).to.equal(2 + 4 * 3);
  });

  it("a debounced event's time is the last edge, reported once the level has been stable", () => {
    const rt = token("var t = []; setWatch(function(e){ t.push([e.time, getTime()]); }, BTN, {repeat: true, debounce: 50});");
    rt.pressButton(400, { bounces: 2, bounceMs: 10 });
    rt.advanceTo(T0 + 1000);
    const [[time, firedAt]] = rt.global.t;
    expect(time).to.be.closeTo(0.010, 1e-9);
    expect(firedAt).to.be.closeTo(0.060, 1e-9);
  });

  it("non-repeating watches fire once; clearWatch() clears all; bad arguments throw Espruino's errors", () => {
    const rt = token("var n = 0; var id = setWatch(function(){ n++; }, BTN);");
    rt.pressButton(100);
    rt.advanceTo(T0 + 500);
    rt.pressButton(100);
    rt.advanceTo(T0 + 1000);
    expect(rt.global.n).to.equal(1);
    expect(() => evalIn(rt, "clearWatch(id)")).to.throw(/Unknown Watch/);
    expect(() => evalIn(rt, "clearWatch(undefined)")).to.throw("clearWatch(undefined) not allowed. Use clearWatch() instead");
    expect(() => evalIn(rt, "setWatch(function(){}, BTN, {edge: 'up'})")).to.throw("'edge' in setWatch should be 1, -1, 0, 'rising', 'falling' or 'both'");
    expect(() => evalIn(rt, "setWatch(function(){}, 'D99')")).to.throw("Invalid pin");
    evalIn(rt, "setWatch(function(){ n += 10; }, BTN, true); clearWatch();");
    rt.pressButton(100);
    rt.advanceTo(T0 + 2000);
    expect(rt.global.n).to.equal(1);
  });

  it("logs LED changes with world time and pin, via write/set/reset/digitalWrite", () => {
    const rt = token("LED1.set(); setTimeout(function(){ LED1.reset(); digitalWrite(LED2, 1); }, 100); setTimeout(function(){ digitalWrite([LED1, LED2, LED3], 5); }, 200);");
    rt.advanceTo(T0 + 300);
    expect(rt.ledLog()).to.deep.equal([
      { timeMs: T0, pin: "LED1", on: true },
      { timeMs: T0 + 100, pin: "LED1", on: false },
      { timeMs: T0 + 100, pin: "LED2", on: true },
      { timeMs: T0 + 200, pin: "LED1", on: true },
      { timeMs: T0 + 200, pin: "LED2", on: false },
      { timeMs: T0 + 200, pin: "LED3", on: true },
    ]);
    expect(evalIn(rt, "LED3.read()")).to.equal(true);
    expect(evalIn(rt, "digitalRead(LED2)")).to.equal(0);
  });

  it("only the board's pins exist (Bangle.js 2: no LEDs, a vibration motor via Bangle.buzz)", () => {
    const rt = token("var done = 0; Bangle.buzz(300).then(function(){ done = 1; });", { board: "banglejs2" });
    expect(evalIn(rt, "typeof LED1")).to.equal("undefined");
    expect(evalIn(rt, "typeof BTN1")).to.equal("object");
    rt.advanceTo(T0 + 1000);
    expect(rt.global.done).to.equal(1);
    expect(rt.energy.chargeUc.vibration).to.be.closeTo(60 * 1000 * 0.3, 1e-6);
    expect(evalIn(token("", { board: "mdbt42q" }), "typeof LED2 + typeof LED1")).to.equal("undefinedobject");
  });
});

describe("sim/espruino button held across power-on", () => {
  it("setButton(true) before boot reads as pressed at boot; release fires the watch", () => {
    const rt = new EspruinoRuntime({ board: "puckjs", seed: 1, worldTimeMs: T0, cpuTime: false });
    rt.setButton(true);
    rt.boot("var heldAtBoot = digitalRead(BTN); var ev = []; setWatch(function(e){ ev.push(e.state); }, BTN, {repeat: true, edge: 'both'});");
    expect(rt.global.heldAtBoot).to.equal(1);
    rt.advanceTo(T0 + 100);
    rt.setButton(false);
    rt.advanceTo(T0 + 200);
    expect(rt.global.ev).to.deep.equal([false]);
    rt.setButton(true);
    rt.reboot("reset");
    expect(evalIn(rt, "digitalRead(BTN)")).to.equal(1);
    expect(() => rt.setButton(1 as never)).to.throw(TypeError);
  });
});
