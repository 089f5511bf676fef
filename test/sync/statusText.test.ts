import { expect } from "chai";
import { plainTime } from "../../host-tools/sync/statusText";

describe("omamori status: plain times", () => {
  it("shows a sync time as a person reads it, in the computer's time zone, named, Japanese and English", () => {
    const tz = process.env.TZ;
    process.env.TZ = "Asia/Tokyo";
    try {
      const iso = "2026-11-03T00:05:00Z"; // 09:05 in Japan
      expect(plainTime(iso, false)).to.equal("3 November 2026, 09:05 (Japan Standard Time)");
      expect(plainTime(iso, true)).to.equal("2026年11月3日 09:05（日本標準時）");
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it("keeps 'never' to the caller and shows an unreadable time as it is", () => {
    expect(plainTime(null, false)).to.equal(null);
    expect(plainTime("not a time", true)).to.equal("not a time");
  });
});
