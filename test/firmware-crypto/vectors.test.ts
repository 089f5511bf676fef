/**
 * The firmware crypto, as built into dist/firmware/<board>.js and booted on the simulator's Espruino runtime,
 * against the 144 official GAEN v1.2 vectors, on every board: the built-in path on Puck.js
 * (SHA256 + AES), SHA256 built-in on MDBT42Q and Bangle.js 2, pure ES5 on Jolt.js, nRF52840 DK, Pixl.js.
 */
import { expect } from "chai";
import { Parser } from "acorn";
import { detokenise } from "../../sim/espruino/pretokenised";

/** Names declared at the top level of a script (var and function declarations). */
function topLevelNames(code: string): string[] {
  const out: string[] = [];
  for (const st of (Parser.parse(code, { ecmaVersion: 5 }) as unknown as { body: { type: string; id?: { name: string }; declarations?: { id: { name: string } }[] }[] }).body) {
    if (st.type === "FunctionDeclaration" && st.id) out.push(st.id.name);
    if (st.type === "VariableDeclaration") for (const d of st.declarations!) out.push(d.id.name);
  }
  return out;
}
import { allBoards } from "../../boards/index";
import { fromHex, toHex } from "../../common/bytes";
import { officialVectors } from "../helpers/vectors";
import { bootToken, builtFirmware } from "./builtFile";

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

    it("defines Omamori with the board and version; its other top-level names are short and shadow none of Espruino's globals", () => {
      const fresh = bootToken(board.id, "");
      const before = Object.getOwnPropertyNames(fresh.rt.global);
      const after = Object.getOwnPropertyNames(esp.rt.global);
      const added = after.filter((n) => before.indexOf(n) < 0);
      expect(added).to.include("Omamori");
      // every top-level name the file declares is new (nothing of Espruino's replaced) and, but Omamori,
      // a minified name of at most 3 characters (Espruino itself calls globals like onInit by name)
      const declared = topLevelNames(detokenise(builtFirmware(board.id)));
      for (const n of declared) expect(before, n).not.to.include(n);
      expect(declared.filter((n) => n !== "Omamori" && n.length > 3)).to.deep.equal([]);
      expect(esp.rt.global.Omamori.board).to.equal(board.id);
      expect(esp.rt.global.Omamori.version).to.match(/^\d+\.\d+\.\d+/);
    });
  });
}
