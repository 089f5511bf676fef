/**
 * Guessing processing numbers against the real HTTP server: every attack of the security review,
 * run as an attacker would, and the limit that stops it. The server runs on loopback; where a
 * reverse proxy is configured, this test plays the proxy, appending the address it "saw" to
 * X-Forwarded-For as nginx does ($proxy_add_x_forwarded_for).
 */
import { expect } from "chai";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { startServer, type RunningServer, type ServerOptions } from "../../host-tools/server/httpServer";
import { issueNumber } from "../../host-tools/server/processingNumbers";
import { body, manualClock, NOON, tempDataDir, type TempServerDir } from "./helpers";

/** A number that was never issued (the issued ones are random; collisions are checked away). */
function wrongNumber(i: number, avoid: Set<string>): string {
  for (let n = i; ; n += 7_919) {
    const s = String(n % 100_000_000).padStart(8, "0");
    if (!avoid.has(s)) return s;
  }
}

describe("server: guessing processing numbers", function () {
  let t: TempServerDir;
  let clock: ReturnType<typeof manualClock>;
  const servers: RunningServer[] = [];
  const issued = new Set<string>();

  async function serve(options: Partial<ServerOptions>): Promise<RunningServer> {
    const s = await startServer({ dataDir: t.data.dir, clock: clock.now, publishEveryMinutes: 0, maxFailedNumbers: 5, maxFailedNumbersGlobal: 50, failedNumberWindowMs: 900_000, ...options });
    servers.push(s);
    return s;
  }
  function issue(): string {
    const n = issueNumber(t.db, t.data.numberSecret, clock.now(), 24).number;
    issued.add(n);
    return n;
  }
  async function put(server: RunningServer, number: string, forwardedFor?: string): Promise<number> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (forwardedFor !== undefined) headers["X-Forwarded-For"] = forwardedFor;
    const r = await fetch(server.url + "/v3/diagnosis", { method: "PUT", headers, body: JSON.stringify(body(number)) });
    await r.arrayBuffer();
    return r.status;
  }

  beforeEach(() => {
    t = tempDataDir({ publicUrl: undefined });
    clock = manualClock(NOON);
    issued.clear();
  });
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
    t.cleanup();
  });

  it("attack_behindProxy_clientWritesAFreshFirstForwardedEntryEachTime_stillLimitedByTheAddressTheProxySaw", async () => {
    const server = await serve({ trustProxy: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      // The attacker writes a new made-up first entry; the proxy appends the attacker's real address.
      statuses.push(await put(server, wrongNumber(i, issued), `198.51.100.${i}, 203.0.113.9`));
    }
    expect(statuses.filter((s) => s === 403)).to.have.length(5);
    expect(statuses.filter((s) => s === 429)).to.have.length(35);
  });

  it("attack_lockout_wrongNumbersNamingTheVictimsAddress_victimsValidNumberStillWorks", async () => {
    const server = await serve({ trustProxy: 1 });
    const victim = "192.0.2.44";
    const number = issue();
    for (let i = 0; i < 10; i++) {
      // The attacker puts the victim's address first; the proxy appends the attacker's.
      expect(await put(server, wrongNumber(i, issued), `${victim}, 203.0.113.9`)).to.be.oneOf([403, 429]);
    }
    // The victim, through the same proxy, with the number the health centre gave.
    expect(await put(server, number, victim)).to.equal(200);
  });

  it("attack_withoutProxy_forwardedForHeaderIsIgnored", async () => {
    const server = await serve({});
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await put(server, wrongNumber(i, issued), `198.51.100.${i}`));
    expect(statuses.filter((s) => s === 403)).to.have.length(5);
    expect(statuses.slice(5).every((s) => s === 429)).to.equal(true);
  });

  it("attack_slowBodies_manyConnectionsHoldBackTheLastByte_onlyThePerClientBudgetIsChecked", async () => {
    const server = await serve({});
    const u = new URL(server.url);
    const n = 30;
    const answers: Promise<number>[] = [];
    const pending: { req: ClientRequest; last: Buffer }[] = [];
    let answered = 0;
    for (let i = 0; i < n; i++) {
      const payload = Buffer.from(JSON.stringify(body(wrongNumber(i, issued))));
      const req = request({ host: u.hostname, port: u.port, method: "PUT", path: "/v3/diagnosis", headers: { "Content-Type": "application/json", "Content-Length": payload.length }, agent: false });
      answers.push(
        new Promise<number>((resolve) => {
          req.on("response", (res: IncomingMessage) => {
            answered++;
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          });
          req.on("error", () => resolve(-1));
        }),
      );
      req.write(payload.subarray(0, payload.length - 1)); // everything but the last byte
      pending.push({ req, last: payload.subarray(payload.length - 1) });
    }
    // The refused ones are answered while their bodies are still incomplete.
    for (let waited = 0; answered < n - 5 && waited < 200; waited++) await new Promise((r) => setTimeout(r, 25));
    for (const p of pending) p.req.end(p.last);
    const statuses = await Promise.all(answers);
    expect(statuses.filter((s) => s === 403), "numbers actually checked").to.have.length(5);
    expect(statuses.filter((s) => s === 429 || s === -1)).to.have.length(n - 5);
  });

  it("attack_distributedGuessing_globalBudgetSpent_guessersWaitButAFreshClientsValidNumberWorks", async () => {
    const server = await serve({ trustProxy: 1, maxFailedNumbers: 5, maxFailedNumbersGlobal: 20 });
    let checked = 0;
    // 10 guessing addresses, 5 guesses each: the global budget (20) runs out along the way.
    for (let round = 0; round < 5; round++) {
      for (let a = 0; a < 10; a++) {
        const s = await put(server, wrongNumber(round * 10 + a, issued), `203.0.113.${a}`);
        expect(s).to.be.oneOf([403, 429]);
        if (s === 403) checked++;
      }
    }
    expect(checked).to.equal(20);
    // Every guessing address now waits, whatever it sends.
    for (let a = 0; a < 10; a++) expect(await put(server, wrongNumber(900 + a, issued), `203.0.113.${a}`)).to.equal(429);
    // A person with a clean record still gets their attempt: the victim is not locked out.
    const number = issue();
    expect(await put(server, number, "192.0.2.200")).to.equal(200);
    // A fresh guessing address gets one wrong number checked, then waits.
    expect(await put(server, wrongNumber(950, issued), "198.51.100.1")).to.equal(403);
    expect(await put(server, wrongNumber(951, issued), "198.51.100.1")).to.equal(429);
    // After the window everything is back to normal.
    clock.advance(900_001);
    expect(await put(server, wrongNumber(960, issued), "203.0.113.0")).to.equal(403);
  });

  it("attack_ipv6_addressesOfOneSlash56_countAsOneClient", async () => {
    const server = await serve({ trustProxy: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await put(server, wrongNumber(i, issued), `2001:db8:1:${(i * 25).toString(16)}::${i + 1}`));
    expect(statuses.filter((s) => s === 403)).to.have.length(5);
    // Another /56 is another client.
    expect(await put(server, wrongNumber(99, issued), "2001:db8:2::1")).to.equal(403);
  });

  it("legacyV1_sharesTheSameLimit", async () => {
    const server = await serve({ legacyV1: true });
    const v1 = (number: string) =>
      fetch(server.url + "/diagnosis", {
        method: "PUT",
        body: JSON.stringify({ keys: body(number).keys.map((k) => ({ ...k, transmissionRisk: 0 })), regions: ["440"], platform: "android", deviceVerificationPayload: "x", appPackageName: "jp.go.mhlw.covid19radar", verificationPayload: number }),
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    for (let i = 0; i < 3; i++) expect(await v1(wrongNumber(i, issued))).to.equal(403);
    for (let i = 3; i < 5; i++) expect(await put(server, wrongNumber(i, issued))).to.equal(403);
    expect(await v1(wrongNumber(5, issued))).to.equal(429);
  });

  it("badBodies_doNotUseUpGuesses", async () => {
    const server = await serve({});
    for (let i = 0; i < 10; i++) {
      const r = await fetch(server.url + "/v3/diagnosis", { method: "PUT", body: "{not json" });
      expect(r.status).to.equal(400);
      await r.arrayBuffer();
    }
    expect(await put(server, issue())).to.equal(200);
  });
});
