import { expect } from "chai";
import { createCipheriv, createHash } from "node:crypto";
import { officialVectors } from "../../helpers/vectors";
import { evalIn, token } from "./helpers";

const hex = (rtExpr: string) =>
  `(function(b){ var u = new Uint8Array(b), s = ''; for (var i = 0; i < u.length; i++) s += (u[i] < 16 ? '0' : '') + u[i].toString(16); return s; })(${rtExpr})`;

describe("sim/espruino crypto module and AES (docs/spec/espruino-platform.md section 3)", () => {
  it("SHA1/SHA256 return ArrayBuffers with the right digests", () => {
    const rt = token("var c = require('crypto');");
    expect(evalIn(rt, "c.SHA256('abc') instanceof ArrayBuffer")).to.equal(true);
    expect(evalIn(rt, hex("c.SHA256('abc')"))).to.equal(createHash("sha256").update("abc").digest("hex"));
    expect(evalIn(rt, hex("c.SHA1(new Uint8Array([1,2,3]))"))).to.equal(createHash("sha1").update(Buffer.from([1, 2, 3])).digest("hex"));
  });

  it("offers per board only what its firmware has", () => {
    expect(evalIn(token("", { board: "pixljs" }), "var c = require('crypto'); typeof c.SHA1 + typeof c.SHA256 + typeof c.AES")).to.equal("functionundefinedundefined");
    expect(evalIn(token("", { board: "mdbt42q" }), "var c = require('crypto'); typeof c.SHA256 + typeof c.AES")).to.equal("functionundefined");
    const bangle = token("", { board: "banglejs2" });
    expect(evalIn(bangle, "typeof require('crypto').AES + typeof AES.ccmEncrypt")).to.equal("undefinedfunction");
    expect(evalIn(token(""), "typeof AES")).to.equal("undefined");
  });

  it("AES-ECB matches FIPS-197 and leaves a trailing partial block as zero bytes", () => {
    const rt = token("var c = require('crypto');");
    const key = "000102030405060708090a0b0c0d0e0f";
    const pt = "00112233445566778899aabbccddeeff";
    const js = (h: string) => "new Uint8Array([" + (h.match(/../g) ?? []).map((x) => "0x" + x).join(",") + "])";
    expect(evalIn(rt, hex(`c.AES.encrypt(${js(pt)}, ${js(key)}, {mode:"ECB"})`))).to.equal("69c4e0d86a7b0430d8cdb78070b4c55a");
    const out = evalIn(rt, hex(`c.AES.encrypt(${js(pt + "0102")}, ${js(key)}, {mode:"ECB"})`));
    expect(out).to.equal("69c4e0d86a7b0430d8cdb78070b4c55a" + "0000");
    expect(evalIn(rt, hex(`c.AES.decrypt(${js("69c4e0d86a7b0430d8cdb78070b4c55a")}, ${js(key)}, {mode:"ECB"})`))).to.equal(pt);
  });

  it("AES-CTR ignores the iv: the counter always starts at zero", () => {
    const rt = token("var c = require('crypto'); var k = new Uint8Array(16); k[0] = 7; var m = new Uint8Array(20);");
    const a = evalIn(rt, hex("c.AES.encrypt(m, k, {mode:'CTR', iv: new Uint8Array(16)})"));
    const b = evalIn(rt, hex("c.AES.encrypt(m, k, {mode:'CTR', iv: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]})"));
    expect(a).to.equal(b);
    const key = Buffer.alloc(16);
    key[0] = 7;
    const ref = createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(20)).toString("hex");
    expect(a).to.equal(ref);
  });

  it("OFB prints 'ERROR: Feature unavailable' and returns undefined (jsError does not throw)", () => {
    const rt = token("var c = require('crypto');");
    expect(evalIn(rt, "c.AES.encrypt(new Uint8Array(16), new Uint8Array(16), {mode:'OFB'})")).to.equal(undefined);
    expect(rt.consoleOutput).to.include("ERROR: Feature unavailable");
    expect(evalIn(rt, "c.AES.encrypt(new Uint8Array(15), new Uint8Array(16))")).to.equal(undefined);
    expect(rt.consoleOutput).to.include("ERROR: Invalid input length");
    expect(() => evalIn(rt, "c.AES.encrypt(new Uint8Array(16), new Uint8Array(16), {mode:'XTS'})")).to.throw('Unknown Crypto mode "XTS"');
  });

  it("the GAEN derivation works with Puck.js primitives (official vector, HKDF in JS over SHA256 + ECB)", () => {
    const v = officialVectors();
    const rt = token(`
      var c = require('crypto');
      function h2b(h){ var u = new Uint8Array(h.length/2); for (var i=0;i<u.length;i++) u[i]=parseInt(h.substr(2*i,2),16); return u; }
      function cat(a,b){ var u = new Uint8Array(a.length+b.length); u.set(a,0); u.set(b,a.length); return u; }
      function hmac(k, m){ var K = new Uint8Array(64); K.set(k.length > 64 ? new Uint8Array(c.SHA256(k)) : k);
        var ip = new Uint8Array(64), op = new Uint8Array(64); for (var i=0;i<64;i++){ ip[i]=K[i]^0x36; op[i]=K[i]^0x5c; }
        return new Uint8Array(c.SHA256(cat(op, new Uint8Array(c.SHA256(cat(ip, m)))))); }
      function hkdf16(ikm, info){ var prk = hmac(new Uint8Array(32), ikm); return hmac(prk, cat(E.toUint8Array(info), new Uint8Array([1]))).subarray(0,16); }
      var rpik = hkdf16(h2b("${v.tek}"), "EN-RPIK");
      var pd = new Uint8Array(16); pd.set(E.toUint8Array("EN-RPI")); var en = ${v.intervals[0].enin};
      pd[12]=en&255; pd[13]=(en>>8)&255; pd[14]=(en>>16)&255; pd[15]=(en>>>24)&255;
      var rpi = new Uint8Array(c.AES.encrypt(pd, rpik, {mode:"ECB"}));
    `);
    expect(evalIn(rt, hex("rpik"))).to.equal(v.rpik);
    expect(evalIn(rt, hex("rpi"))).to.equal(v.intervals[0].rpi);
  });

  it("AES-CCM on Bangle.js 2: round trip, tag check failure prints and returns undefined", () => {
    const rt = token("var k = new Uint8Array(16); var n = new Uint8Array(13); var r = AES.ccmEncrypt('hello', k, n, 8);", { board: "banglejs2" });
    expect(evalIn(rt, "r.tag.byteLength")).to.equal(8);
    expect(evalIn(rt, "E.toString(AES.ccmDecrypt(r.data, k, n, r.tag))")).to.equal("hello");
    expect(evalIn(rt, "var t = new Uint8Array(r.tag); t[0] ^= 1; AES.ccmDecrypt(r.data, k, n, t)")).to.equal(undefined);
    expect(rt.consoleOutput).to.include("ERROR: Authenticated decryption failed");
    expect(evalIn(rt, "AES.ccmEncrypt('x', k, n, 5)")).to.equal(undefined);
  });

  it("counts built-in crypto work as CPU charge", () => {
    const rt = token("var c = require('crypto');");
    const before = rt.energy.chargeUc.cpu;
    evalIn(rt, "for (var i = 0; i < 100; i++) c.SHA256('x')");
    expect(rt.energy.chargeUc.cpu).to.be.greaterThan(before);
  });
});
