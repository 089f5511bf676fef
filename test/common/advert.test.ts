import { expect } from "chai";
import { buildAdvert, parseAdvert } from "../../common/gaen/advert";
import { decodeMetadata, encodeMetadata } from "../../common/gaen/metadata";
import { eninFromUnixSeconds, rollingStartFor } from "../../common/gaen/interval";
import { fromHex, toHex } from "../../common/bytes";

describe("GAEN advert, metadata and intervals", () => {
  const rpi = fromHex("8be6cd371c5c891604bfbe49df845096");
  const aem = fromHex("72033874");

  it("builds the exact 31-byte payload", () => {
    const p = buildAdvert(rpi, aem);
    expect(p.length).to.equal(31);
    expect(toHex(p)).to.equal("02011a03036ffd17166ffd" + toHex(rpi) + toHex(aem));
  });

  it("parses with and without the flags AD (Android omits it)", () => {
    const full = buildAdvert(rpi, aem);
    const a = parseAdvert(full)!;
    expect(a.hasFlags).to.equal(true);
    expect(toHex(a.rpi)).to.equal(toHex(rpi));
    const noFlags = full.subarray(3);
    const b = parseAdvert(noFlags)!;
    expect(b.hasFlags).to.equal(false);
    expect(toHex(b.aem)).to.equal(toHex(aem));
  });

  it("rejects truncated payloads and wrong service-data sizes", () => {
    const full = buildAdvert(rpi, aem);
    expect(parseAdvert(full.subarray(0, 30))).to.equal(null);
    const bad = fromHex("02011a03036ffd16166ffd" + toHex(rpi) + "720338");
    expect(parseAdvert(bad)).to.equal(null);
    expect(parseAdvert(fromHex("0201060303aafe"))).to.equal(null);
  });

  it("encodes v1.0 and v1.1 metadata and decodes by masking bits", () => {
    expect(toHex(encodeMetadata(8, -1))).to.equal("40080000");
    expect(toHex(encodeMetadata(-14, 3))).to.equal("5cf20000");
    const d = decodeMetadata(fromHex("5ff20000")); // reserved bits set: still v1.1
    expect(d).to.deep.equal({ major: 1, minor: 1, confidence: 3, txPowerDbm: -14 });
    expect(() => encodeMetadata(128, -1)).to.throw(Error, /txPowerDbm/);
  });

  it("rolls the TEK start to UTC midnight", () => {
    expect(eninFromUnixSeconds(1585785600)).to.equal(2642976);
    expect(rollingStartFor(2642976 + 143)).to.equal(2642976);
    expect(rollingStartFor(2642976 + 144)).to.equal(2642976 + 144);
  });
});
