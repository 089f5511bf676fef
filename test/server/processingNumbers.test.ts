import { expect } from "chai";
import { createHash } from "node:crypto";
import { consumeNumber, hashNumber, issueNumber, outstandingNumbers } from "../../host-tools/server/processingNumbers";
import { NOON, tempDataDir, type TempServerDir } from "./helpers";

describe("server processing numbers", () => {
  let t: TempServerDir;
  beforeEach(() => (t = tempDataDir()));
  afterEach(() => t.cleanup());

  it("issueNumber_fresh_isEightDigitsAndDiffersEachTime", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const n = issueNumber(t.db, t.data.numberSecret, NOON, 24);
      expect(n.number).to.match(/^[0-9]{8}$/);
      expect(n.expiresAt).to.equal(NOON + 24 * 3600_000);
      seen.add(n.number);
    }
    expect(seen.size).to.equal(50);
    expect(outstandingNumbers(t.db, NOON)).to.equal(50);
  });

  it("issueNumber_stored_onlyAsHmacNotDigitsNorPlainSha256", () => {
    const { number } = issueNumber(t.db, t.data.numberSecret, NOON, 24);
    const rows = t.db.prepare("SELECT hash FROM processing_numbers").all() as { hash: Buffer }[];
    expect(rows).to.have.length(1);
    const stored = rows[0].hash;
    expect(stored.equals(hashNumber(t.data.numberSecret, number))).to.equal(true);
    expect(stored.equals(createHash("sha256").update(number).digest())).to.equal(false);
    expect(stored.toString("latin1")).to.not.contain(number);
    // A different secret gives a different hash: a database copy alone does not reveal numbers.
    expect(hashNumber(new Uint8Array(32), number).equals(stored)).to.equal(false);
  });

  it("consumeNumber_validNumber_worksOnceThenForgotten", () => {
    const { number } = issueNumber(t.db, t.data.numberSecret, NOON, 24);
    expect(consumeNumber(t.db, t.data.numberSecret, number, NOON + 1000)).to.equal("ok");
    expect(consumeNumber(t.db, t.data.numberSecret, number, NOON + 2000)).to.equal("invalid");
    expect(outstandingNumbers(t.db, NOON)).to.equal(0);
  });

  it("consumeNumber_wrongOrMalformed_isInvalidAndKeepsTheRealOne", () => {
    const { number } = issueNumber(t.db, t.data.numberSecret, NOON, 24);
    const wrong = number === "00000000" ? "00000001" : "00000000";
    for (const bad of [wrong, "1234567", "123456789", "abcdefgh", ""]) {
      expect(consumeNumber(t.db, t.data.numberSecret, bad, NOON)).to.equal("invalid");
    }
    expect(outstandingNumbers(t.db, NOON)).to.equal(1);
  });

  it("consumeNumber_afterExpiry_isExpiredAndDeleted", () => {
    const { number, expiresAt } = issueNumber(t.db, t.data.numberSecret, NOON, 1);
    expect(consumeNumber(t.db, t.data.numberSecret, number, expiresAt)).to.equal("expired");
    expect(t.db.prepare("SELECT COUNT(*) AS n FROM processing_numbers").get()).to.deep.equal({ n: 0 });
  });

  it("issueNumber_badTtl_throwsRangeError", () => {
    expect(() => issueNumber(t.db, t.data.numberSecret, NOON, 0)).to.throw(RangeError, /ttlHours/);
    expect(() => issueNumber(t.db, t.data.numberSecret, NOON, 10_000)).to.throw(RangeError, /ttlHours/);
  });
});
