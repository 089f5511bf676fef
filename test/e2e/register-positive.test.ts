/**
 * `omamori register-positive` (host-tools/positive/) against a token running the built firmware in
 * the simulator and the real server on 127.0.0.1: the bad inputs and failures a person can meet.
 * A wrong or used number and an unreachable server lose nothing (the keys stay kept, mode 0600,
 * and the next try sends them without asking the token again); without the press on the token
 * nothing is read or sent and the number stays usable; a typo is asked again; bad flags are
 * refused before anything happens.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Scenario } from "../../sim/world/scenario";
import { World } from "../../sim/world/world";
import { TokenDevice } from "../../sim/world/devices/token";
import { SimCentral } from "../../sim/world/central";
import { loadBuiltFirmware } from "../../sim/espruino/runtime";
import { DataDir } from "../../host-tools/base/dataDir";
import { SimTransport } from "../../host-tools/sync/transports/sim";
import { pairNewToken } from "../../host-tools/sync/syncToken";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { registerPositive, dateOf, processingNumberOf, type RegisterOptions, type TokenOwner } from "../../host-tools/positive/registerPositive";
import { pendingPath, loadPending } from "../../host-tools/positive/pendingKeys";
import { scriptedPrompter } from "../../host-tools/demo/story";
import { pressTwiceWhenWhite } from "../../host-tools/sync/transports/simWorld";
import { runCli } from "../report/runCli";
import { fastCrypto } from "../../host-tools/gaen/crypto";

const HOUR = 3600_000;
let firmware: string;

interface Rig {
  world: World;
  token: TokenDevice;
  central: SimCentral;
  transport: SimTransport;
  home: string;
  server: RunningServer | null;
  /** Times the token was asked for its keys (white consent flashing started). */
  asked(): number;
}

async function rig(): Promise<Rig> {
  firmware ??= loadBuiltFirmware("puckjs");
  const scenario = new Scenario({
    name: "register-desk", start: "2026-11-16", days: 7, rooms: { home: { environment: "home" } },
    devices: [{ id: "tok", kind: "token", board: "puckjs", carry: "table" }],
    schedule: [{ device: "tok", from: "00:00", to: "24:00", room: "home", at: [0, 0] }],
  });
  const world = new World({ phoneCrypto: fastCrypto, scenario, seed: "register", makeToken: TokenDevice.factory({ firmware: { puckjs: firmware } }) });
  const token = world.device<TokenDevice>("tok");
  const central = new SimCentral(world, { mtu: 247, connectionIntervalMs: 15 });
  const transport = new SimTransport(central);
  const home = await mkdtemp(join(tmpdir(), "omamori-register-"));
  world.runUntil(scenario.startMs + 10 * 60_000);
  token.rt.pressButton(150);
  await central.runFor(400);
  await pairNewToken({ transport, data: new DataDir(home), tokenId: "grandma", now: () => world.now });
  world.runUntil(scenario.startMs + 2 * 24 * HOUR + HOUR); // keys for three days
  const whiteStarts = () => {
    // white = all three LEDs lit at once (only the consent request, and the one flash after an erase)
    const on = new Set<string>();
    const white: number[] = [];
    for (const e of token.rt.ledLog()) {
      if (e.on) on.add(e.pin);
      else on.delete(e.pin);
      if (e.on && on.size === 3 && white[white.length - 1] !== e.timeMs) white.push(e.timeMs);
    }
    let n = 0;
    for (let i = 0; i < white.length; i++) if (i === 0 || white[i] - white[i - 1] > 5000) n++;
    return n;
  };
  return { world, token, central, transport, home, server: null, asked: whiteStarts };
}

/** The owner presses to connect and, when the token flashes white, presses twice to agree. */
function willingOwner(r: Rig): TokenOwner {
  return {
    pressToConnect: async () => {
      r.token.rt.pressButton(150);
      await r.central.runFor(400);
    },
    pressToConsent: () => pressTwiceWhenWhite(r.token),
  };
}

/** An owner who must not be asked (the keys should come from the host's kept copy). */
const absentOwner: TokenOwner = {
  pressToConnect: () => { throw new Error("the token was asked again"); },
  pressToConsent: () => { throw new Error("the token was asked again"); },
};

function options(r: Rig, o: Partial<RegisterOptions> & { typed?: string[]; transcript?: string[] }): RegisterOptions {
  const transcript = o.transcript ?? [];
  return {
    home: r.home, transport: r.transport, server: r.server?.url ?? "http://127.0.0.1:9", lang: "en",
    io: scriptedPrompter(o.typed ?? [], transcript), now: () => r.world.now, owner: willingOwner(r),
    submit: { attempts: 1, backoffMs: 10, timeoutMs: 5000 }, ...o,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

describe("omamori register-positive (host-tools/positive/) with a simulated token and the real server", function () {
  this.timeout(60_000);
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    if (r.server) await r.server.close();
    await rm(r.home, { recursive: true, force: true });
  });

  async function serve(): Promise<RunningServer> {
    r.server = await startServer({ dataDir: join(r.home, "server"), clock: () => r.world.now, publishEveryMinutes: 0 });
    return r.server;
  }

  it("interactive: a typo is asked again, a wrong number is asked again, then it registers and keeps nothing", async () => {
    const server = await serve();
    const n = server.issueNumber();
    const transcript: string[] = [];
    const out = await registerPositive(options(r, { typed: ["yes", "no", "2026-11-17", "1234-567", "11111111", n.number], transcript }));
    expect(out.ok, JSON.stringify(out)).to.equal(true);
    if (!out.ok) return;
    const keys = r.token.dailyKeys();
    expect(out.keysSent).to.equal(keys.length);
    expect(out.keysAccepted).to.equal(keys.length);
    const text = transcript.join("\n");
    expect(text).to.match(/exactly 8 digits/);
    expect(text).to.match(/processing number is not valid/);
    expect(text).to.match(/type the processing number again/);
    expect(r.asked()).to.equal(1);
    expect(await exists(pendingPath(r.home, "grandma"))).to.equal(false);
    // the keys really are on the server: they are published once their day is over + 2 h
    r.world.runUntil(r.world.now + 26 * HOUR);
    expect(server.publishNow().keysPublished).to.equal(keys.length);
  });

  it("a wrong number from the flags: not registered, keys kept (0600); the next run sends them without the token", async () => {
    const server = await serve();
    const good = server.issueNumber();
    const first = await registerPositive(options(r, { answers: { consent: true, symptoms: true, date: "2026-11-17", number: "00000000" } }));
    expect(first.ok).to.equal(false);
    if (first.ok) return;
    expect(first.failure).to.equal("INVALID_NUMBER");
    expect(first.retryable).to.equal(true);
    expect(first.keysKept).to.equal(true);
    expect(first.message).to.match(/processing number is not valid/);
    const path = pendingPath(r.home, "grandma");
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect((await stat(join(r.home, "positive"))).mode & 0o777).to.equal(0o700);
    const kept = (await loadPending(r.home, "grandma"))!;
    expect(kept.keys.map((k) => Buffer.from(k.keyData).toString("hex"))).to.deep.equal(r.token.dailyKeys().map((k) => Buffer.from(k.tek).toString("hex")));
    expect(await readFile(path, "utf8")).to.not.match(/grandma.*secret|"secret"/);

    const transcript: string[] = [];
    const second = await registerPositive(options(r, { owner: absentOwner, transcript, answers: { consent: true, symptoms: true, date: "2026-11-17", number: good.number } }));
    expect(second.ok, JSON.stringify(second)).to.equal(true);
    expect(transcript.join("\n")).to.match(/kept on this computer; they will be sent now/);
    expect(await exists(path)).to.equal(false);
    expect(r.asked()).to.equal(1);
  });

  it("keys kept from a try more than 3 days ago are not sent; today's are read from the token", async () => {
    const server = await serve();
    const answers = { consent: true, symptoms: false, date: "2026-11-18", number: "00000000" };
    const first = await registerPositive(options(r, { answers }));
    expect(first.ok === false && first.keysKept).to.equal(true);
    r.world.runUntil(r.world.now + 3 * 24 * HOUR + HOUR);
    const n = server.issueNumber();
    const later = await registerPositive(options(r, { answers: { ...answers, date: "2026-11-20", number: n.number } }));
    expect(later.ok, JSON.stringify(later)).to.equal(true);
    expect(r.asked()).to.equal(2);
    if (later.ok) expect(later.keysSent).to.equal(r.token.dailyKeys().length);
  });

  it("an unreachable server: a clear, retryable message and the keys kept; it works once the server is up", async () => {
    const port = await freePort();
    const transcript: string[] = [];
    const down = await registerPositive(options(r, { server: `http://127.0.0.1:${port}`, transcript, answers: { consent: true, symptoms: false, date: "2026-11-17", number: "12345678" } }));
    expect(down.ok).to.equal(false);
    if (down.ok) return;
    expect(down.failure).to.equal("UNREACHABLE");
    expect(down.retryable).to.equal(true);
    expect(down.keysKept).to.equal(true);
    expect(transcript.join("\n")).to.match(/Could not reach the registration server/);
    expect(transcript.join("\n")).to.match(/keys are kept on this computer/);
    const server = await serve();
    const n = server.issueNumber();
    const up = await registerPositive(options(r, { owner: absentOwner, answers: { consent: true, symptoms: false, date: "2026-11-17", number: n.number } }));
    expect(up.ok, JSON.stringify(up)).to.equal(true);
  });

  it("the owner does not press the token: refused, nothing read or sent, and the number still works", async () => {
    const server = await serve();
    const n = server.issueNumber();
    const answers = { consent: true, symptoms: false, date: "2026-11-17", number: n.number };
    const lazy: TokenOwner = { pressToConnect: willingOwner(r).pressToConnect, pressToConsent: () => undefined };
    const refused = await registerPositive(options(r, { owner: lazy, answers }));
    expect(refused.ok).to.equal(false);
    if (refused.ok) return;
    expect(refused.failure).to.equal("refused-on-token");
    expect(refused.keysKept).to.equal(false);
    expect(refused.message).to.match(/not pressed in time/);
    expect(r.asked()).to.equal(1);
    expect(await exists(pendingPath(r.home, "grandma"))).to.equal(false);
    // nothing reached the server: the same number registers now
    const ok = await registerPositive(options(r, { answers }));
    expect(ok.ok, JSON.stringify(ok)).to.equal(true);
  });

  it("no consent at the question: the token is not even contacted", async () => {
    const out = await registerPositive(options(r, { owner: absentOwner, typed: ["no"] }));
    expect(out.ok).to.equal(false);
    if (out.ok) return;
    expect(out.failure).to.equal("no-consent");
    expect(r.asked()).to.equal(0);
  });

  it("input that ends before every question is answered: nothing is read or sent, and the missing answer is named", async () => {
    const transcript: string[] = [];
    const out = await registerPositive(options(r, { owner: absentOwner, typed: ["yes"], transcript }));
    expect(out.ok === false && out.failure).to.equal("bad-input");
    expect(transcript.join("\n")).to.match(/No answer was given to: Did you have symptoms/);
    expect(r.asked()).to.equal(0);
  });

  it("Japanese words when the language is Japanese", async () => {
    const transcript: string[] = [];
    const out = await registerPositive(options(r, { lang: "ja", owner: absentOwner, typed: ["いいえ"], transcript }));
    expect(out.ok).to.equal(false);
    expect(transcript.join("\n")).to.match(/陽性の登録/);
    expect(transcript.join("\n")).to.match(/同意されなかったため/);
  });

  it("bad flags are refused before the token or the server is used", async () => {
    const now = r.world.now;
    const bad = await registerPositive(options(r, { owner: absentOwner, answers: { consent: true, symptoms: false, date: "2026-11-17", number: "1234567" } }));
    expect(bad.ok === false && bad.failure).to.equal("bad-input");
    const future = await registerPositive(options(r, { owner: absentOwner, answers: { consent: true, symptoms: false, date: "2026-12-30", number: "12345678" } }));
    expect(future.ok === false && future.failure).to.equal("bad-input");
    expect(r.world.now).to.equal(now);
  });
});

describe("register-positive input checks", () => {
  it("processing numbers: exactly 8 digits; full-width digits, spaces and hyphens are fine", () => {
    expect(processingNumberOf("12345678")).to.equal("12345678");
    expect(processingNumberOf("１２３４ ５６７８")).to.equal("12345678");
    expect(processingNumberOf("1234-5678")).to.equal("12345678");
    for (const bad of ["1234567", "123456789", "1234567a", "", "        "]) expect(processingNumberOf(bad), bad).to.equal(null);
  });

  it("dates: a real date, not in the future, at most 14 days back", () => {
    const now = Date.UTC(2026, 10, 20, 3);
    expect(dateOf("2026-11-20", now)).to.equal("2026-11-20");
    expect(dateOf("2026/11/6", now)).to.equal("2026-11-06");
    expect(dateOf("2026-11-21", now)).to.equal("2026-11-21"); // already the 21st in Japan
    expect(dateOf("2026-11-22", now)).to.equal(null);
    expect(dateOf("2026-11-05", now)).to.equal(null);
    expect(dateOf("2026-02-30", now)).to.equal(null);
    expect(dateOf("20 Nov", now)).to.equal(null);
  });

  it("the command with --transport sim: a simulated token, pressed twice when it flashes white, registers with a real server", async () => {
    const home = await mkdtemp(join(tmpdir(), "omamori-register-sim-"));
    const server = await startServer({ dataDir: join(home, "server"), publishEveryMinutes: 0 });
    try {
      const env = { OMAMORI_HOME: join(home, "omamori"), LANG: "en_GB.UTF-8" };
      expect((await runCli(["token", "pair", "--token", "grandma", "--transport", "sim"], env)).code).to.equal(0);
      const n = server.issueNumber();
      const today = new Date().toISOString().slice(0, 10);
      const r = await runCli(["register-positive", "--transport", "sim", "--sim-hours", "30", "--server", server.url, "--yes", "--symptoms", "no", "--test-date", today, "--number", n.number], env);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/Press the button on your token/i);
      expect(r.stdout).to.match(/registered|accepted/i);
      const ja = await runCli(["register-positive", "--transport", "sim", "--server", server.url, "--yes", "--symptoms", "no", "--test-date", today, "--number", n.number], { ...env, LANG: "ja_JP.UTF-8" });
      expect(ja.code).to.equal(1); // the number was used once already
      expect(ja.stdout).to.match(/処理番号/);
    } finally {
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("the command: a missing --server is an input error (exit 2)", async () => {
    const none = await runCli(["register-positive"]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/--server/);
    const both = await runCli(["register-positive", "--server", "http://x", "--symptoms", "no", "--onset-date", "2026-11-17"]);
    expect(both.code).to.equal(2);
  });

  it("the real command reads piped answers: the explanation, then 'no' ends it with nothing read or sent (exit 1)", async () => {
    const home = await mkdtemp(join(tmpdir(), "omamori-register-cli-"));
    try {
      await new DataDir(home).saveToken({ tokenId: "grandma", secret: new Uint8Array(randomBytes(32)), pairedAt: new Date().toISOString(), board: "puckjs" });
      const bin = fileURLToPath(new URL("../../bin/omamori.js", import.meta.url));
      const child = spawn(process.execPath, [bin, "register-positive", "--transport", "sim", "--server", "http://127.0.0.1:9"], {
        env: { ...process.env, OMAMORI_HOME: home, LANG: "en_US.UTF-8", LC_ALL: "" }, stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stdin.end("no\n");
      const code = await new Promise<number | null>((done) => child.on("close", done));
      expect(code).to.equal(1);
      expect(stdout).to.match(/Nothing else: no name/);
      expect(stdout).to.match(/Do you agree to send these\? \(yes\/no\): no/);
      expect(stdout).to.match(/You did not agree\. Nothing was read from the token and nothing was sent\./);
      expect(await exists(join(home, "positive"))).to.equal(false);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
