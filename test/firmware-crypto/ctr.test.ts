/**
 * firmware/crypto/ctr.ts in Node: the AES-128-CTR keystream with CCM-format counter blocks, from
 * the pure-JS AES block (no global AES, as on Jolt.js) and from a native AES.ccmEncrypt (a stand-in
 * backed by node:crypto, as Bangle.js 2's global AES), both against node:crypto's aes-128-ctr and
 * aes-128-ccm. The built files are checked in test/firmware/atRest.test.ts.
 */
import { expect } from "chai";
import { createCipheriv, randomBytes } from "node:crypto";
import { toHex } from "../../common/bytes";

const g = globalThis as Record<string, unknown>;

function nodeCtr(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): string {
  const iv = Buffer.concat([Buffer.from([1]), Buffer.from(nonce), Buffer.from([0, 1])]);
  const c = createCipheriv("aes-128-ctr", key, iv);
  return Buffer.concat([c.update(data), c.final()]).toString("hex");
}

function nodeCcm(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 4 });
  return Buffer.concat([c.update(data), c.final()]);
}

describe("firmware/crypto/ctr.ts: AES-CTR keystream with CCM-format counter blocks", () => {
  let ctrXor: (key: Uint8Array, nonce: Uint8Array, data: Uint8Array) => Uint8Array;
  const hadAes = "AES" in g;
  const oldAes = g.AES;

  before(async () => {
    g.HAS_BUILTIN_SHA256 = false;
    g.HAS_BUILTIN_AES = false;
    ({ ctrXor } = await import("../../firmware/crypto/ctr"));
  });
  afterEach(() => {
    if (hadAes) g.AES = oldAes;
    else delete g.AES;
  });

  const lengths = [0, 1, 15, 16, 17, 251, 4200, 65535];

  it("pure path (no global AES): equals node:crypto aes-128-ctr and aes-128-ccm for the same counter blocks", () => {
    delete g.AES;
    for (const len of lengths) {
      const key = new Uint8Array(randomBytes(16));
      const nonce = new Uint8Array(randomBytes(13));
      const data = new Uint8Array(randomBytes(len));
      const out = ctrXor(key, nonce, data);
      expect(out.length).to.equal(len);
      expect(toHex(out), "ctr, length " + len).to.equal(nodeCtr(key, nonce, data));
      expect(toHex(out), "ccm, length " + len).to.equal(nodeCcm(key, nonce, data).toString("hex"));
      expect(toHex(ctrXor(key, nonce, out)), "decrypts, length " + len).to.equal(toHex(data));
    }
  });

  it("native path (a global AES.ccmEncrypt, as on Bangle.js 2): used, and the same bytes", () => {
    let calls = 0;
    g.AES = {
      ccmEncrypt(msg: Uint8Array, key: Uint8Array, nonce: Uint8Array, tagLen: number) {
        calls++;
        expect(nonce.length).to.equal(13);
        expect(tagLen).to.equal(4);
        const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: tagLen });
        const data = Buffer.concat([c.update(msg), c.final()]);
        const ab = new ArrayBuffer(data.length);
        new Uint8Array(ab).set(data);
        return { data: ab, tag: new ArrayBuffer(tagLen) };
      },
    };
    for (const len of lengths) {
      const key = new Uint8Array(randomBytes(16));
      const nonce = new Uint8Array(randomBytes(13));
      const data = new Uint8Array(randomBytes(len));
      expect(toHex(ctrXor(key, nonce, data)), "length " + len).to.equal(nodeCtr(key, nonce, data));
    }
    expect(calls, "one native call per non-empty input").to.equal(lengths.filter((n) => n > 0).length);
  });
});
