import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { buildSubmission, normalizeProcessingNumber, submitDiagnosis, SubmissionError } from "../../host-tools/server/client";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { issueNumber } from "../../host-tools/server/processingNumbers";
import { validateSubmission } from "../../host-tools/server/submission";
import { dateOf, NOON, TODAY, tempDataDir, type TempServerDir } from "./helpers";

const keys = () => [0, 1, 2].map((d) => ({ keyData: new Uint8Array(randomBytes(16)), rollingStartNumber: (TODAY - d) * 144 }));

async function rejection(p: Promise<unknown>): Promise<SubmissionError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(SubmissionError);
    return e as SubmissionError;
  }
  throw new Error("expected the promise to reject");
}

/** A stand-in server that answers from a list of canned responses and records the bodies. */
async function cannedServer(answers: { status: number; body: string }[]): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      bodies.push(Buffer.concat(parts).toString("utf8"));
      const a = answers[Math.min(bodies.length - 1, answers.length - 1)];
      res.writeHead(a.status, { "Content-Type": "application/json" });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

describe("server client (submitDiagnosis)", () => {
  let t: TempServerDir;
  let server: RunningServer;
  beforeEach(async () => {
    t = tempDataDir();
    server = await startServer({ dataDir: t.data.dir, clock: () => NOON, publishEveryMinutes: 0 });
  });
  afterEach(async () => {
    await server.close();
    t.cleanup();
  });

  it("buildSubmission_keys_makesABodyTheServerAccepts", () => {
    const b = buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: false, onsetDate: dateOf(TODAY - 1) });
    expect(b.onsetOfSymptomOrTestDate).to.equal(`${dateOf(TODAY - 1)}T00:00:00.000+00:00`);
    expect(b.padding!.length).to.be.within(1024, 2048);
    expect(b.idempotency_key).to.match(/^[0-9a-f-]{36}$/);
    const v = validateSubmission(b, NOON, "440");
    expect(v.keys.map((k) => k.daysSinceOnsetOfSymptoms)).to.deep.equal([1, 0, -1]);
  });

  it("buildSubmission_badInput_throwsTypeError", () => {
    expect(() => buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: true, onsetDate: "20/11/2026" })).to.throw(TypeError, /onsetDate/);
    expect(() => buildSubmission({ keys: [], processingNumber: "12345678", hasSymptom: true, onsetDate: "2026-11-20" })).to.throw(TypeError, /keys/);
    expect(() => buildSubmission({ keys: [{ keyData: new Uint8Array(15), rollingStartNumber: 0 }], processingNumber: "12345678", hasSymptom: true, onsetDate: "2026-11-20" })).to.throw(TypeError, /16 bytes/);
  });

  it("normalizeProcessingNumber_asTyped_fullWidthSpacesHyphensAccepted", () => {
    expect(normalizeProcessingNumber("１２３４５６７８")).to.equal("12345678");
    expect(normalizeProcessingNumber(" 1234 5678 ")).to.equal("12345678");
    expect(normalizeProcessingNumber("1234-5678")).to.equal("12345678");
    expect(normalizeProcessingNumber("１２３４－５６７８")).to.equal("12345678");
    for (const bad of ["1234567", "123456789", "1234abcd", "", "12.345678"]) expect(normalizeProcessingNumber(bad), bad).to.equal(undefined);
  });

  it("buildSubmission_numberNotEightDigits_invalidNumberBeforeSending", () => {
    let caught: unknown;
    try {
      buildSubmission({ keys: keys(), processingNumber: "1234567", hasSymptom: true, onsetDate: "2026-11-20" });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(SubmissionError);
    expect((caught as SubmissionError).kind).to.equal("INVALID_NUMBER");
    expect((caught as SubmissionError).messageJa).to.match(/8桁/);
    expect(buildSubmission({ keys: keys(), processingNumber: "１２３４ ５６７８", hasSymptom: true, onsetDate: "2026-11-20" }).verificationPayload).to.equal("12345678");
  });

  it("submitDiagnosis_goodNumber_resolvesWithTheAnswer", async () => {
    const number = issueNumber(t.db, t.data.numberSecret, NOON, 24).number;
    const answer = await submitDiagnosis(server.url, buildSubmission({ keys: keys(), processingNumber: number, hasSymptom: true, onsetDate: dateOf(TODAY - 1) }));
    expect(answer).to.deep.equal({ keysAccepted: 3, keysDropped: [] });
  });

  it("submitDiagnosis_wrongOrUsedNumber_invalidNumberNotRetryable", async () => {
    const number = issueNumber(t.db, t.data.numberSecret, NOON, 24).number;
    const payload = () => buildSubmission({ keys: keys(), processingNumber: number, hasSymptom: true, onsetDate: dateOf(TODAY - 1) });
    await submitDiagnosis(server.url + "/", payload());
    const e = await rejection(submitDiagnosis(server.url, payload()));
    expect(e.kind).to.equal("INVALID_NUMBER");
    expect(e.status).to.equal(403);
    expect(e.retryable).to.equal(false);
    expect(e.message).to.match(/processing number/);
    expect(e.messageJa).to.match(/処理番号/);
  });

  it("submitDiagnosis_serverUnreachable_unreachableAndRetryable", async () => {
    const closed = await cannedServer([]);
    await new Promise((r) => closed.server.close(r));
    const e = await rejection(
      submitDiagnosis(closed.url, buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: true, onsetDate: dateOf(TODAY) }), { attempts: 2, backoffMs: 10 }),
    );
    expect(e.kind).to.equal("UNREACHABLE");
    expect(e.retryable).to.equal(true);
    expect(e.messageJa).to.match(/つながりません/);
  });

  it("submitDiagnosis_serverErrorThenOk_retriesWithTheSameBody", async () => {
    const canned = await cannedServer([
      { status: 503, body: "busy" },
      { status: 200, body: JSON.stringify({ keysAccepted: 3, keysDropped: [] }) },
    ]);
    try {
      const payload = buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: true, onsetDate: dateOf(TODAY) });
      const answer = await submitDiagnosis(canned.url, payload, { attempts: 3, backoffMs: 10 });
      expect(answer.keysAccepted).to.equal(3);
      expect(canned.bodies).to.have.length(2);
      expect(canned.bodies[1]).to.equal(canned.bodies[0]);
      expect(JSON.parse(canned.bodies[0]).idempotency_key).to.equal(payload.idempotency_key);
    } finally {
      await new Promise((r) => canned.server.close(r));
    }
  });

  it("submitDiagnosis_rejectedRequest_rejectedWithTheServersDetail", async () => {
    const payload = buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: true, onsetDate: dateOf(TODAY) });
    payload.regions = ["DE"];
    const e = await rejection(submitDiagnosis(server.url, payload, { attempts: 1 }));
    expect(e.kind).to.equal("REJECTED");
    expect(e.code).to.equal("UNSUPPORTED_REGION");
    expect(e.retryable).to.equal(false);
  });

  it("submitDiagnosis_badBaseUrl_throwsTypeError", async () => {
    let caught: unknown;
    try {
      await submitDiagnosis("not a url", buildSubmission({ keys: keys(), processingNumber: "12345678", hasSymptom: true, onsetDate: dateOf(TODAY) }));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(TypeError);
  });
});
