import { expect } from "chai";
import { plainTime } from "../../host-tools/sync/statusText";

describe("omamori status: plain times", () => {
  it("shows a sync time as a person reads it, in the computer's time zone, Japanese and English", () => {
    const iso = new Date(2026, 10, 3, 9, 5).toISOString(); // 3 November 2026, 09:05 local time
    expect(plainTime(iso, false)).to.equal("3 November 2026, 09:05");
    expect(plainTime(iso, true)).to.equal("2026年11月3日 9:05");
  });

  it("keeps 'never' to the caller and shows an unreadable time as it is", () => {
    expect(plainTime(null, false)).to.equal(null);
    expect(plainTime("not a time", true)).to.equal("not a time");
  });
});
