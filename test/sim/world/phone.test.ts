import { expect } from "chai";
import { fastCrypto, referenceCrypto } from "../../../host-tools/gaen/crypto";
import { parseAdvert } from "../../../common/gaen/advert";
import { decodeMetadata } from "../../../common/gaen/metadata";
import { eninFromUnixSeconds, rollingStartFor } from "../../../common/gaen/interval";
import { toHex } from "../../../common/bytes";
import { PhoneDevice } from "../../../sim/world/devices/phone";
import { phoneModel } from "../../../sim/world/devices/phoneModels";
import { Random } from "../../../sim/world/random";

const START = Date.parse("2026-11-02T00:00:00Z");
const DAY = 86400000;

function phone(model = "android", seed = "p") {
  return new PhoneDevice({ id: "p1", model: phoneModel(model), rng: new Random(seed), startMs: START, crypto: fastCrypto });
}

describe("sim world: GAEN phone", () => {
  it("advertises RPIs derived from its daily keys, with AEM metadata of its model", () => {
    const p = phone();
    p.advanceTo(START + 2 * DAY + 3600000);
    const keys = p.dailyKeys();
    expect(keys.map((k) => k.rollingStart)).to.deep.equal([0, 1, 2].map((d) => rollingStartFor(eninFromUnixSeconds((START + d * DAY) / 1000))));
    expect(p.advertised.length).to.be.above(100);
    for (const a of p.advertised) {
      const enin = eninFromUnixSeconds(a.fromMs / 1000);
      const k = keys.find((x) => x.rollingStart === rollingStartFor(enin))!;
      expect(toHex(a.rpi)).to.equal(toHex(referenceCrypto.rpi(referenceCrypto.rpik(k.tek), enin)));
      const md = decodeMetadata(referenceCrypto.aem(referenceCrypto.aemk(k.tek), a.rpi, a.aem));
      expect(md).to.deep.equal({ major: 1, minor: 1, confidence: 2, txPowerDbm: -18 });
    }
    const parsed = parseAdvert(p.radioState().advertising!.data)!;
    expect(toHex(parsed.rpi)).to.equal(toHex(p.advertised[p.advertised.length - 1].rpi));
  });

  it("microG sends metadata v1.0 (0x40)", () => {
    const p = phone("microg");
    const a = p.advertised[0];
    const k = p.dailyKeys()[0];
    const plain = referenceCrypto.aem(referenceCrypto.aemk(k.tek), a.rpi, a.aem);
    expect(plain[0]).to.equal(0x40);
  });

  it("rotates RPI and address together every 10-20 minutes; adverts every 200-270 ms; non-resolvable addresses", () => {
    const p = phone("iphone", "rot");
    const intervals: number[] = [];
    p.onRadioChange(() => intervals.push(p.radioState().advertising!.intervalMs));
    p.advanceTo(START + DAY);
    const gaps = p.advertised.slice(1).map((a, i) => a.fromMs - p.advertised[i].fromMs);
    expect(Math.min(...gaps)).to.be.above(10 * 60000);
    expect(Math.max(...gaps)).to.be.below(20 * 60000);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean / 60000).to.be.within(13.5, 16.5);
    const addresses = new Set(p.advertised.map((a) => a.address));
    expect(addresses.size).to.equal(p.advertised.length);
    for (const a of p.advertised) expect(parseInt(a.address.slice(0, 2), 16) >> 6).to.equal(0);
    expect(Math.min(...intervals)).to.be.at.least(200);
    expect(Math.max(...intervals)).to.be.at.most(270);
  });

  it("scans for 4 s every 210-300 s", () => {
    const p = phone("android", "scan");
    const starts: number[] = [];
    const ends: number[] = [];
    let clock = START;
    let was = false;
    p.onRadioChange(() => {
      const on = !!p.radioState().scanning;
      if (on && !was) starts.push(clock);
      if (!on && was) ends.push(clock);
      was = on;
    });
    for (let t = START; t < START + 6 * 3600000; ) {
      t = Math.min(p.nextEventTimeMs(), START + 6 * 3600000);
      clock = t;
      p.advanceTo(t);
      if (t === START + 6 * 3600000) break;
    }
    expect(p.scans).to.deep.equal(starts);
    expect(starts.length).to.be.within(6 * 3600 / 300, 6 * 3600 / 210 + 1);
    for (let i = 0; i < ends.length; i++) expect(ends[i] - starts[i]).to.equal(4000);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]);
    expect(Math.min(...gaps)).to.be.at.least(210000);
    expect(Math.max(...gaps)).to.be.at.most(300000);
  });

  it("keeps 14 days of keys plus today and reports them for a positive registration", () => {
    const p = phone("android", "keys");
    p.advanceTo(START + 20 * DAY + 1000);
    const keys = p.dailyKeys();
    expect(keys).to.have.length(15);
    const today = rollingStartFor(eninFromUnixSeconds((START + 20 * DAY) / 1000));
    expect(keys[14].rollingStart).to.equal(today);
    expect(keys[0].rollingStart).to.equal(today - 14 * 144);
    const onset = START + 18 * DAY;
    const rep = p.reportKeys({ reportType: 1, transmissionRiskLevel: 4, onsetMs: onset });
    expect(rep).to.have.length(15);
    expect(rep[14]).to.include({ rollingStartIntervalNumber: today, rollingPeriod: 144, reportType: 1, transmissionRiskLevel: 4, daysSinceOnsetOfSymptoms: 2 });
    expect(rep[0].daysSinceOnsetOfSymptoms).to.equal(-12);
    expect(toHex(rep[3].keyData)).to.equal(toHex(keys[3].tek));
    expect(() => p.reportKeys({ reportType: 9, transmissionRiskLevel: 4 })).to.throw(RangeError, /reportType/);
    expect(() => p.reportKeys({ reportType: 1, transmissionRiskLevel: -1 })).to.throw(RangeError, /transmissionRiskLevel/);
  });

  it("the same seed makes the same keys; time cannot go back", () => {
    const a = phone("android", "same");
    const b = phone("android", "same");
    expect(toHex(a.dailyKeys()[0].tek)).to.equal(toHex(b.dailyKeys()[0].tek));
    expect(toHex(phone("android", "other").dailyKeys()[0].tek)).to.not.equal(toHex(a.dailyKeys()[0].tek));
    a.advanceTo(START + 1000);
    expect(() => a.advanceTo(START)).to.throw(RangeError, /back in time/);
    expect(() => phoneModel("nokia3310")).to.throw(RangeError, /known: android/);
  });
});
