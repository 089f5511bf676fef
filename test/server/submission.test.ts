import { expect } from "chai";
import { ApiError } from "../../host-tools/server/apiErrors";
import { MAX_KEYS_PER_SUBMISSION, utcDayOf, validateSubmission } from "../../host-tools/server/submission";
import { body, dateOf, key, NOON, TODAY } from "./helpers";

function rejects(b: unknown, code: string, detail: RegExp): void {
  let caught: unknown;
  try {
    validateSubmission(b, NOON, "440");
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected an ApiError").to.be.instanceOf(ApiError);
  expect((caught as ApiError).code).to.equal(code);
  expect((caught as ApiError).detail ?? "").to.match(detail);
}

/** A body with one key of `day` and onset/test date `onsetDay`. */
function oneKey(day: number, onsetDay: number, hasSymptom: boolean) {
  return body("12345678", TODAY, { hasSymptom, onsetOfSymptomOrTestDate: `${dateOf(onsetDay)}T00:00:00.000+00:00`, keys: [key(day)] });
}

describe("server submission validation (COCOA v3)", () => {
  it("validate_goodBody_keepsEveryKeyWithDaysSinceOnsetAndRisk", () => {
    const b = body("12345678");
    const v = validateSubmission(b, NOON, "440");
    expect(v.processingNumber).to.equal("12345678");
    expect(v.idempotencyKey).to.equal(b.idempotency_key);
    expect(v.dropped).to.deep.equal([]);
    expect(v.keys.map((k) => k.daysSinceOnsetOfSymptoms)).to.deep.equal([2, 1, 0, -1, -2, -3]);
    expect(v.keys.every((k) => k.transmissionRiskLevel === 4)).to.equal(true);
    expect(Buffer.from(v.keys[0].keyData).toString("base64")).to.equal(b.keys[0].keyData);
    // validity end (next midnight) + 2 h
    expect(v.keys[0].publishAfterMs).to.equal((TODAY + 1) * 86_400_000 + 2 * 3600_000);
  });

  it("validate_keyDataNot16Bytes_rejectsWithInvalidKey", () => {
    const b = body("12345678");
    b.keys[1].keyData = Buffer.alloc(15).toString("base64");
    rejects(b, "INVALID_KEY", /keys\[1\].*16 bytes, got 15/);
    b.keys[1].keyData = Buffer.alloc(17).toString("base64");
    rejects(b, "INVALID_KEY", /got 17/);
    b.keys[1].keyData = "not base64!";
    rejects(b, "INVALID_KEY", /base64/);
  });

  it("validate_rollingPeriodOver144_rejected; zero_means144", () => {
    const b = body("12345678");
    b.keys[0].rollingPeriod = 145;
    rejects(b, "INVALID_KEY", /rollingPeriod/);
    b.keys[0].rollingPeriod = 0;
    expect(validateSubmission(b, NOON, "440").keys[0].rollingPeriod).to.equal(144);
    b.keys[0].rollingPeriod = 72;
    expect(validateSubmission(b, NOON, "440").keys[0].rollingPeriod).to.equal(72);
  });

  it("validate_reportTypeOutside0to5_rejected", () => {
    const b = body("12345678");
    b.keys[0].reportType = 6;
    rejects(b, "INVALID_KEY", /reportType/);
    b.keys[0].reportType = -1;
    rejects(b, "INVALID_KEY", /reportType/);
  });

  it("validate_rollingStartNotAWholeNumber_rejected", () => {
    const b = body("12345678");
    b.keys[0].rollingStartNumber = 1.5;
    rejects(b, "INVALID_KEY", /rollingStartNumber/);
    (b.keys[0] as unknown as Record<string, unknown>).rollingStartNumber = "2900000";
    rejects(b, "INVALID_KEY", /rollingStartNumber/);
  });

  it("validate_keyOlderThan14Days_dropped; exactly14_kept", () => {
    const b = body("12345678", TODAY, { hasSymptom: true, onsetOfSymptomOrTestDate: `${dateOf(TODAY - 14)}T00:00:00.000+00:00`, keys: [key(TODAY - 15), key(TODAY - 14)] });
    const v = validateSubmission(b, NOON, "440");
    expect(v.dropped).to.deep.equal([{ index: 0, reason: "TOO_OLD" }]);
    expect(v.keys.map((k) => k.rollingStartNumber)).to.deep.equal([(TODAY - 14) * 144]);
  });

  it("validate_keyInTheFuture_dropped; todays_kept", () => {
    const b = body("12345678", TODAY, { keys: [key(TODAY + 1), key(TODAY), key(TODAY, { rollingStartNumber: Math.floor(NOON / 600_000) + 1 })] });
    const v = validateSubmission(b, NOON, "440");
    expect(v.dropped).to.deep.equal([
      { index: 0, reason: "IN_FUTURE" },
      { index: 2, reason: "IN_FUTURE" },
    ]);
    expect(v.keys).to.have.length(1);
  });

  it("validate_symptoms_keepsDaysMinus3ToPlus10Only", () => {
    // Two onsets, so that every key stays within the last 14 days.
    for (const [d, kept] of [[-4, false], [-3, true], [10, true], [11, false]] as const) {
      const onset = d < 0 ? TODAY - 5 : TODAY - 11;
      const b = oneKey(onset + d, onset, true);
      if (kept) expect(validateSubmission(b, NOON, "440").keys[0].daysSinceOnsetOfSymptoms).to.equal(d);
      else rejects(b, "NO_VALID_KEYS", /OUTSIDE_INFECTIOUS_PERIOD/);
    }
  });

  it("validate_testDate_keepsDaysMinus3ToPlus7Only", () => {
    const test = TODAY - 9;
    for (const [d, kept] of [[-4, false], [-3, true], [7, true], [8, false]] as const) {
      const b = oneKey(test + d, test, false);
      if (kept) expect(validateSubmission(b, NOON, "440").keys[0].daysSinceOnsetOfSymptoms).to.equal(d);
      else rejects(b, "NO_VALID_KEYS", /OUTSIDE_INFECTIOUS_PERIOD/);
    }
  });

  it("validate_mixedKeys_listsDroppedAndKeepsTheRest", () => {
    const b = body("12345678", TODAY, { hasSymptom: false, onsetOfSymptomOrTestDate: `${dateOf(TODAY)}T00:00:00.000+00:00`, keys: [key(TODAY - 4), key(TODAY - 3), key(TODAY)] });
    const v = validateSubmission(b, NOON, "440");
    expect(v.dropped).to.deep.equal([{ index: 0, reason: "OUTSIDE_INFECTIOUS_PERIOD" }]);
    expect(v.keys.map((k) => k.daysSinceOnsetOfSymptoms)).to.deep.equal([-3, 0]);
  });

  it("utcDayOf_offsetDate_usesTheUtcDayAsCocoa", () => {
    // Midnight in Japan is 15:00 the day before in UTC: COCOA's ToUniversalTime().Date.
    expect(utcDayOf(`${dateOf(TODAY)}T00:00:00.000+09:00`)).to.equal(TODAY - 1);
    expect(utcDayOf(`${dateOf(TODAY)}T09:00:00.000+09:00`)).to.equal(TODAY);
    expect(utcDayOf(`${dateOf(TODAY)}T23:59:59Z`)).to.equal(TODAY);
  });

  it("validate_badOnsetDate_rejectedNamingTheField", () => {
    for (const d of ["2026-11-20", "yesterday", "2026-13-45T00:00:00Z", ""]) {
      rejects(body("12345678", TODAY, { onsetOfSymptomOrTestDate: d }), "INVALID_FIELD", /onsetOfSymptomOrTestDate/);
    }
  });

  it("validate_missingOrWrongFields_rejectedNamingTheField", () => {
    const cases: [string, unknown, RegExp][] = [
      ["hasSymptom", "yes", /hasSymptom/],
      ["verificationPayload", undefined, /verificationPayload/],
      ["platform", "  ", /platform/],
      ["appPackageName", 7, /appPackageName/],
      ["deviceVerificationPayload", null, /deviceVerificationPayload/],
      ["regions", [], /regions/],
      ["keys", [], /keys/],
      ["keys", "abc", /keys/],
      ["idempotency_key", "x".repeat(129), /idempotency_key/],
      ["padding", 5, /padding/],
    ];
    for (const [field, value, detail] of cases) {
      const b = body("12345678") as unknown as Record<string, unknown>;
      b[field] = value;
      rejects(b, "INVALID_FIELD", detail);
    }
    rejects([1, 2], "INVALID_FIELD", /JSON object/);
    rejects(null, "INVALID_FIELD", /JSON object/);
  });

  it("validate_tooManyKeys_rejected", () => {
    const keys = Array.from({ length: MAX_KEYS_PER_SUBMISSION + 1 }, () => key(TODAY));
    rejects(body("12345678", TODAY, { keys }), "INVALID_FIELD", /at most 30 keys/);
  });

  it("validate_otherRegion_rejectedAsUnsupported", () => {
    rejects(body("12345678", TODAY, { regions: ["DE"] }), "UNSUPPORTED_REGION", /440/);
    expect(validateSubmission(body("12345678", TODAY, { regions: ["DE", "440"] }), NOON, "440").keys).to.have.length(6);
  });
});
