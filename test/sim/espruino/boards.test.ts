import { expect } from "chai";
import { allBoards } from "../../../boards/index";
import { evalIn, token } from "./helpers";

describe("sim/espruino: every board's token offers what its boards/<id>.json says", () => {
  for (const b of allBoards()) {
    it(b.id, () => {
      const rt = token("", { board: b.id });
      for (const led of b.io.leds) expect(evalIn(rt, "typeof " + led.pin), led.pin).to.equal("object");
      expect(evalIn(rt, "typeof LED" + (b.io.leds.length + 1))).to.equal("undefined");
      expect(evalIn(rt, "typeof " + b.io.button)).to.equal("object");
      expect(evalIn(rt, "typeof E.getBattery")).to.equal(b.battery.espruinoGetBattery ? "function" : "undefined");
      expect(evalIn(rt, "typeof Bangle")).to.equal(b.io.vibration ? "object" : "undefined");
      expect(evalIn(rt, "process.memory().total")).to.equal(b.ram.jsVariables);
      expect(evalIn(rt, "process.env.BOARD")).to.equal(b.espruinoBoard);
      expect(evalIn(rt, "require('Storage').getStats().totalBytes")).to.equal(b.flash.storageBytes);
      expect(rt.radioState().txPowerDbm).to.equal(b.radio.defaultTxPowerDbm);
      const hasCrypto = (() => {
        try {
          evalIn(rt, "require('crypto')");
          return true;
        } catch {
          return false;
        }
      })();
      expect(hasCrypto).to.equal(b.crypto.module);
      if (b.crypto.module) {
        expect(evalIn(rt, "typeof require('crypto').SHA1")).to.equal(b.crypto.sha1 ? "function" : "undefined");
        expect(evalIn(rt, "typeof require('crypto').SHA256")).to.equal(b.crypto.sha256 ? "function" : "undefined");
        expect(evalIn(rt, "typeof require('crypto').AES")).to.equal(b.crypto.aesEcb ? "object" : "undefined");
      }
      expect(evalIn(rt, "typeof AES")).to.equal(b.crypto.aesCcm ? "object" : "undefined");
      // every board's SoftDevice (S132 v3.1 / S140 6.1.1) takes only public and random static
      // identity addresses; a private one is refused by printing, and the factory address stays
      const factory = rt.radioState().address;
      for (const t of ["public", "random", "private-nonresolvable"]) {
        const addr = t === "random" ? "c1:02:03:04:05:06 random" : t === "public" ? "01:02:03:04:05:06 public" : "01:02:03:04:05:07 private-nonresolvable";
        evalIn(rt, "NRF.setAddress('" + addr + "')");
        expect(rt.radioState().address, t).to.equal(t === "private-nonresolvable" ? factory : addr.slice(0, 17));
      }
    });
  }
});
