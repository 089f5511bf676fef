import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { fastCrypto, referenceCrypto } from "../../host-tools/gaen/crypto";
import { fromHex, toHex } from "../../common/bytes";
import { paddedData } from "../../common/gaen/paddedData";
import { officialVectors } from "../helpers/vectors";

const v = officialVectors();

describe("host GAEN crypto", () => {
  it("has all 144 official intervals to check", () => {
    expect(v.intervals).to.have.length(144);
  });

  it("paddedData matches the spec example", () => {
    expect(toHex(paddedData(v.rolling_start_interval_number))).to.equal(v.padded_data_interval0);
  });

  for (const impl of [referenceCrypto, fastCrypto]) {
    describe(impl.name, () => {
      const tek = fromHex(v.tek);
      it("derives RPIK and AEMK from the official TEK", () => {
        expect(toHex(impl.rpik(tek))).to.equal(v.rpik);
        expect(toHex(impl.aemk(tek))).to.equal(v.aemk);
      });
      it("reproduces every one of the 144 official RPI/AEM pairs", () => {
        const rpik = impl.rpik(tek);
        const aemk = impl.aemk(tek);
        const md = fromHex(v.metadata);
        let ok = 0;
        for (const iv of v.intervals) {
          const rpi = impl.rpi(rpik, iv.enin);
          expect(toHex(rpi), "rpi " + iv.i).to.equal(iv.rpi);
          const aem = impl.aem(aemk, rpi, md);
          expect(toHex(aem), "aem " + iv.i).to.equal(iv.aem);
          expect(toHex(impl.aem(aemk, rpi, aem)), "aem decrypt " + iv.i).to.equal(v.metadata);
          ok++;
        }
        expect(ok).to.equal(144);
      });
      it("rejects wrong lengths and out-of-range intervals", () => {
        expect(() => impl.rpik(new Uint8Array(15))).to.throw(RangeError, /tek must be 16 bytes/);
        expect(() => impl.rpi(new Uint8Array(16), -1)).to.throw(RangeError, /enin/);
        expect(() => impl.rpi(new Uint8Array(16), 2 ** 32)).to.throw(RangeError, /enin/);
      });
    });
  }

  it("noble and node:crypto agree on 300 random keys and intervals", () => {
    for (let n = 0; n < 300; n++) {
      const tek = new Uint8Array(randomBytes(16));
      const enin = randomBytes(4).readUInt32LE(0);
      const md = new Uint8Array(randomBytes(4));
      const a = referenceCrypto, b = fastCrypto;
      const rpikA = a.rpik(tek), rpikB = b.rpik(tek);
      expect(toHex(rpikA)).to.equal(toHex(rpikB));
      const rpiA = a.rpi(rpikA, enin);
      expect(toHex(rpiA)).to.equal(toHex(b.rpi(rpikB, enin)));
      expect(toHex(a.aem(a.aemk(tek), rpiA, md))).to.equal(toHex(b.aem(b.aemk(tek), rpiA, md)));
    }
  });

  it("rpiRange equals per-interval derivation, across a uint32 byte carry", () => {
    const rpik = fastCrypto.rpik(fromHex(v.tek));
    const start = 0x00ffff80;
    const all = fastCrypto.rpiRange(rpik, start, 144);
    for (let i = 0; i < 144; i++) {
      expect(toHex(all.subarray(16 * i, 16 * i + 16))).to.equal(toHex(referenceCrypto.rpi(rpik, start + i)));
    }
  });
});
