import { expect } from "chai";
import { FailureLimiter } from "../../host-tools/server/failureLimiter";

describe("server failure limiter", () => {
  it("retryAfterMs_afterMaxFailures_blocksUntilTheOldestFailureLeavesTheWindow", () => {
    const l = new FailureLimiter({ maxFailures: 3, windowMs: 1000 });
    l.recordFailure("a", 0);
    l.recordFailure("a", 100);
    expect(l.retryAfterMs("a", 200)).to.equal(0);
    l.recordFailure("a", 200);
    expect(l.retryAfterMs("a", 200)).to.equal(800);
    expect(l.retryAfterMs("b", 200)).to.equal(0);
    expect(l.retryAfterMs("a", 999)).to.equal(1);
    expect(l.retryAfterMs("a", 1000)).to.equal(0);
  });

  it("recordFailure_manyClients_keepsAtMostMaxClients", () => {
    const l = new FailureLimiter({ maxFailures: 2, windowMs: 60_000, maxClients: 100 });
    for (let i = 0; i < 1000; i++) l.recordFailure("10.0.0." + i, i);
    expect(l.trackedClients).to.equal(100);
    l.recordFailure("10.0.0.999", 1000);
    expect(l.retryAfterMs("10.0.0.999", 1000)).to.be.greaterThan(0);
    expect(l.retryAfterMs("10.0.0.0", 1000)).to.equal(0); // forgotten first
  });

  it("retryAfterMs_windowPassed_forgetsTheClient", () => {
    const l = new FailureLimiter({ maxFailures: 1, windowMs: 10 });
    l.recordFailure("a", 0);
    expect(l.trackedClients).to.equal(1);
    expect(l.retryAfterMs("a", 10)).to.equal(0);
    expect(l.trackedClients).to.equal(0);
  });

  it("constructor_badOptions_throwRangeError", () => {
    expect(() => new FailureLimiter({ maxFailures: 0, windowMs: 10 })).to.throw(RangeError, /maxFailures/);
    expect(() => new FailureLimiter({ maxFailures: 1, windowMs: 0 })).to.throw(RangeError, /windowMs/);
  });
});
