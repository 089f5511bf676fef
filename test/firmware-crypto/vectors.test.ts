/**
 * The firmware crypto, as built into dist/firmware/<board>.js and booted on the simulator's Espruino runtime,
 * against the 144 official GAEN v1.2 vectors, on every board: the built-in path on Puck.js
 * (SHA256 + AES), SHA256 built-in on MDBT42Q and Bangle.js 2, pure ES5 on Jolt.js, nRF52840 DK, Pixl.js.
 */
import { expect } from "chai";
import { allBoards } from "../../boards/index";
import { fromHex, toHex } from "../../common/bytes";
import { officialVectors } from "../helpers/vectors";
import { bootToken } from "./builtFile";

const v = officialVectors();

for (const board of allBoards()) {
  const usesSha = board.crypto.module && board.crypto.sha256;
  const usesAes = board.crypto.module && board.crypto.aesEcb;
  describe("firmware crypto on " + board.name + " (sha256 " + (usesSha ? "built-in" : "pure") + ", aes " + (usesAes ? "built-in" : "pure") + ")", () => {
    const esp = bootToken(board.id);
    const c = esp.crypto;

    it("derives the official RPIK and AEMK", () => {
      const tek = esp.bytes(fromHex(v.tek));
      expect(toHex(c.rpik(tek))).to.equal(v.rpik);
      expect(toHex(c.aemk(tek))).to.equal(v.aemk);
    });

    it("reproduces all 144 official RPI/AEM pairs and decrypts each AEM", () => {
      const tek = esp.bytes(fromHex(v.tek));
      const rpik = c.rpik(tek);
      const aemk = c.aemk(tek);
      const md = esp.bytes(fromHex(v.metadata));
      let checked = 0;
      for (const iv of v.intervals) {
        const rpi = c.rpi(rpik, iv.enin);
        expect(toHex(rpi), "rpi " + iv.i).to.equal(iv.rpi);
        const aem = c.aem(aemk, rpi, md);
        expect(toHex(aem), "aem " + iv.i).to.equal(iv.aem);
        expect(toHex(c.aem(aemk, rpi, aem)), "aem decrypt " + iv.i).to.equal(v.metadata);
        checked++;
      }
      expect(checked).to.equal(144);
    });

    it("used the board's built-in crypto exactly where the board has it", () => {
      if (usesSha) expect(esp.calls.sha256, "built-in SHA256 calls").to.be.greaterThan(0);
      else expect(esp.calls.sha256, "built-in SHA256 calls").to.equal(0);
      if (usesAes) expect(esp.calls.aes, "built-in AES calls").to.be.greaterThan(0);
      else expect(esp.calls.aes, "built-in AES calls").to.equal(0);
    });

    it("rejects wrong types, lengths and intervals with a TypeError naming the argument", () => {
      expect(() => c.rpik(esp.bytes(new Uint8Array(15)))).to.throw(/tek must be 16 bytes, got 15/);
      expect(() => c.rpik([1, 2, 3])).to.throw(/tek must be a Uint8Array/);
      expect(() => c.rpi(esp.bytes(new Uint8Array(16)), -1)).to.throw(/enin must be an integer/);
      expect(() => c.rpi(esp.bytes(new Uint8Array(16)), 2 ** 32)).to.throw(/enin must be an integer/);
      expect(() => c.rpi(esp.bytes(new Uint8Array(16)), 1.5)).to.throw(/enin must be an integer/);
      expect(() => c.aem(esp.bytes(new Uint8Array(16)), esp.bytes(new Uint8Array(16)), esp.bytes(new Uint8Array(3)))).to.throw(/metadata must be 4 bytes/);
      expect(() => c.hkdfSha256(esp.bytes(new Uint8Array(1)), null, esp.bytes(new Uint8Array(0)), 0)).to.throw(/length must be an integer 1..8160/);
      expect(() => c.aesEncryptBlock(esp.bytes(new Uint8Array(16)), esp.bytes(new Uint8Array(17)))).to.throw(/block must be 16 bytes/);
      // Espruino has no RangeError: the errors must be TypeErrors of the firmware's own realm
      let caught: unknown = null;
      try { c.rpik(esp.bytes(new Uint8Array(1))); } catch (e) { caught = e; }
      expect(caught instanceof esp.rt.global.TypeError).to.equal(true);
    });

    it("defines Omamori as its only global, with the board and version", () => {
      const fresh = bootToken(board.id, "");
      const before = Object.getOwnPropertyNames(fresh.rt.global);
      const after = Object.getOwnPropertyNames(esp.rt.global);
      expect(after.filter((n) => before.indexOf(n) < 0)).to.deep.equal(["Omamori"]);
      expect(esp.rt.global.Omamori.board).to.equal(board.id);
      expect(esp.rt.global.Omamori.version).to.match(/^\d+\.\d+\.\d+/);
    });
  });
}
