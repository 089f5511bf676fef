/**
 * The built firmware crypto against the host: 200 random TEKs/intervals/metadata per board against
 * host-tools/gaen/crypto.ts, and SHA-256 / HMAC-SHA256 / HKDF-SHA256 against node:crypto on random
 * lengths 0..300 including the padding boundaries 55, 56, 63, 64, 65 and keys longer than a block.
 */
import { expect } from "chai";
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { allBoards } from "../../boards/index";
import { toHex } from "../../common/bytes";
import { fastCrypto } from "../../host-tools/gaen/crypto";
import { bootToken } from "./builtFile";

const BOUNDARY_LENGTHS = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300];

function lengths(randomCount: number): number[] {
  const out = BOUNDARY_LENGTHS.slice();
  for (let i = 0; i < randomCount; i++) out.push(randomInt(0, 301));
  return out;
}

for (const board of allBoards()) {
  describe("firmware crypto on " + board.name + " against the host", () => {
    const esp = bootToken(board.id);
    const c = esp.crypto;

    it("agrees with host GAEN crypto on 200 random keys, intervals and metadata", () => {
      for (let n = 0; n < 200; n++) {
        const tek = new Uint8Array(randomBytes(16));
        const enin = n === 0 ? 0 : n === 1 ? 0xffffffff : randomBytes(4).readUInt32LE(0);
        const md = new Uint8Array(randomBytes(4));
        const what = "tek " + toHex(tek) + " enin " + enin;
        const rpik = c.rpik(esp.bytes(tek));
        expect(toHex(rpik), "rpik " + what).to.equal(toHex(fastCrypto.rpik(tek)));
        const aemk = c.aemk(esp.bytes(tek));
        expect(toHex(aemk), "aemk " + what).to.equal(toHex(fastCrypto.aemk(tek)));
        const rpi = c.rpi(rpik, enin);
        const hostRpi = fastCrypto.rpi(fastCrypto.rpik(tek), enin);
        expect(toHex(rpi), "rpi " + what).to.equal(toHex(hostRpi));
        expect(toHex(c.aem(aemk, rpi, esp.bytes(md))), "aem " + what).to.equal(toHex(fastCrypto.aem(fastCrypto.aemk(tek), hostRpi, md)));
      }
    });

    it("SHA-256 equals node:crypto on lengths 0..300", () => {
      for (const len of lengths(40)) {
        const m = randomBytes(len);
        expect(toHex(c.sha256(esp.bytes(m))), "length " + len).to.equal(createHash("sha256").update(m).digest("hex"));
      }
    });

    it("HMAC-SHA256 equals node:crypto for keys and messages of lengths 0..300", () => {
      for (const len of lengths(30)) {
        const key = randomBytes(randomInt(0, 2) ? len : randomInt(0, 130));
        const m = randomBytes(len);
        expect(toHex(c.hmacSha256(esp.bytes(key), esp.bytes(m))), "key " + key.length + " message " + len)
          .to.equal(createHmac("sha256", key).update(m).digest("hex"));
      }
    });

    it("HKDF-SHA256 equals node:crypto, with and without salt, for output lengths 1..300", () => {
      for (const len of lengths(20)) {
        const ikm = randomBytes(randomInt(1, 80));
        const info = randomBytes(randomInt(0, 100));
        const outLen = Math.max(1, len);
        const salt = randomInt(0, 2) ? randomBytes(randomInt(0, 100)) : null;
        const expected = Buffer.from(hkdfSync("sha256", ikm, salt || Buffer.alloc(32), info, outLen));
        const got = c.hkdfSha256(esp.bytes(ikm), salt ? esp.bytes(salt) : null, esp.bytes(info), outLen);
        expect(toHex(got), "length " + outLen + (salt ? " salt " + salt.length : " no salt")).to.equal(expected.toString("hex"));
      }
    });

    it("AES-128 single blocks equal node:crypto AES-128-ECB, and a key change is honoured", () => {
      let key = randomBytes(16);
      for (let n = 0; n < 50; n++) {
        if (n % 5 === 0) key = randomBytes(16); // same key several times (cached expansion), then a new one
        const block = randomBytes(16);
        const cipher = createCipheriv128(key);
        expect(toHex(c.aesEncryptBlock(esp.bytes(key), esp.bytes(block))), "key " + key.toString("hex")).to.equal(
          Buffer.concat([cipher.update(block), cipher.final()]).toString("hex"));
      }
    });
  });
}

function createCipheriv128(key: Buffer) {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return c;
}
