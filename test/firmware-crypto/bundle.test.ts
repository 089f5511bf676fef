/**
 * Tree-shaking by board: the built files carry only the crypto code their board needs
 * (HAS_BUILTIN_SHA256 / HAS_BUILTIN_AES in scripts/build-firmware.ts).
 */
import { expect } from "chai";
import { allBoards, loadBoard } from "../../boards/index";
import { builtFirmware as builtFile } from "./builtFile";
import { detokenise } from "../../sim/espruino/pretokenised";

/** The built file as Espruino's lexer reads it, without white space (the fingerprints have none either). */
function builtFirmware(board: string): string {
  return detokenise(builtFile(board)).replace(/\s+/g, "");
}

/** Fingerprints that survive minification. */
const PURE_SHA256 = "428a2f9871374491"; // the first round constants, in firmware/crypto/sha256.ts
const PURE_AES = "128?27:0"; // xtime's reduction by 0x1b, in firmware/crypto/aes128.ts
const BUILTIN_SHA256 = 'require("crypto").SHA256(';
const BUILTIN_AES = 'require("crypto").AES.encrypt(';

describe("firmware crypto tree-shaking", () => {
  it("Puck.js carries the built-in calls and neither pure SHA-256 nor pure AES", () => {
    const code = builtFirmware("puckjs");
    expect(code).to.contain(BUILTIN_AES);
    expect(code).to.contain(BUILTIN_SHA256);
    expect(code).not.to.contain(PURE_AES);
    expect(code).not.to.contain(PURE_SHA256);
  });

  it("Jolt.js carries pure AES and pure SHA-256 and never calls require(\"crypto\")", () => {
    const code = builtFirmware("joltjs");
    expect(code).to.contain(PURE_AES);
    expect(code).to.contain(PURE_SHA256);
    expect(code).not.to.contain('require("crypto")');
  });

  it("the native AES-CCM keystream call (firmware/crypto/ctr.ts) is dropped where the board has an AES block function", () => {
    expect(builtFirmware("banglejs2")).to.contain("AES.ccmEncrypt(");
    expect(builtFirmware("puckjs")).not.to.contain("ccmEncrypt");
  });

  for (const board of allBoards()) {
    it(board.name + ": pure code present exactly where the board lacks the built-in", () => {
      const b = loadBoard(board.id);
      const code = builtFirmware(board.id);
      const hasSha = b.crypto.module && b.crypto.sha256;
      const hasAes = b.crypto.module && b.crypto.aesEcb;
      expect(code.indexOf(PURE_SHA256) >= 0, "pure SHA-256").to.equal(!hasSha);
      expect(code.indexOf(BUILTIN_SHA256) >= 0, "built-in SHA256").to.equal(hasSha);
      expect(code.indexOf(PURE_AES) >= 0, "pure AES").to.equal(!hasAes);
      expect(code.indexOf(BUILTIN_AES) >= 0, "built-in AES").to.equal(hasAes);
    });
  }
});
