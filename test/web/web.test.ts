/**
 * The web app in a real browser (docs/WEB.md): Debian's Chromium driven by playwright-core, its Web
 * Bluetooth emulation bridged to the simulated world (bleBridge.ts), where the tokens run the built
 * firmware. One story, one browser:
 *
 *   Monday 09:10 (world time; the page's clock is set to it): B's new Puck.js still has Espruino's
 *   stock console. The helper installs Omamori from the page (upload over the Nordic UART, checked,
 *   restarted), sees it run, pairs it and syncs it (which sets its clock: it starts recording).
 *   Three days pass in the simulator; on Tuesday B had coffee with A for 45 minutes (webStory).
 *   Thursday: the page syncs B again; A (who tested positive) registers with the real diagnosis
 *   server, which publishes; the page (served by that server, beside its exports) checks: it
 *   downloads list.json and the zips, verifies them with WebCrypto, matches in Web Workers, and
 *   says "contact" in the report's words; the next sync lights B's token. Then B registers a
 *   positive test from the page, confirming on the token. The token's folder is saved as a .zip and
 *   brought into a fresh browser profile. Every screen passes axe-core.
 *
 * Skipped, saying so, when no Chromium is installed (.ci/run installs it).
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { browserProblem, launchChromium } from "./chromium";
import { BleBridge, PUMP_SCRIPT } from "./bleBridge";
import { Scenario } from "../../sim/world/scenario";
import { World } from "../../sim/world/world";
import { TokenDevice } from "../../sim/world/devices/token";
import { SimCentral } from "../../sim/world/central";
import { nameBytes } from "../../sim/espruino/storage";
import { loadBoard } from "../../boards/index";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { openDataDir } from "../../host-tools/server/dataDir";
import { buildSubmission, submitDiagnosis } from "../../host-tools/server/client";
import { placeWebApp, WEB_APP_DIR } from "../../host-tools/web/webApp";
import { alertFlashes, STORY_SCENARIO } from "../../host-tools/demo/story";
import { pressTwiceWhenWhite } from "../../host-tools/sync/transports/simWorld";
import { fastCrypto } from "../../host-tools/gaen/crypto";

const MIN = 60_000, HOUR = 60 * MIN, DAY = 24 * HOUR;
/** The token the page looks after (B of the story, docs/E2E.md: coffee with A on Tuesday at 0.8 m), and who tests positive. */
const OWN = "B", POSITIVE = "A";
const AXE = join(process.cwd(), "node_modules", "axe-core", "axe.min.js");
const SHOTS = process.env.OMAMORI_WEB_SCREENSHOTS ? join(process.cwd(), "docs", "web") : null;

/**
 * The end-to-end story's world with a longer coffee: A and B sit together 10:00-10:45 on Tuesday,
 * not 20 minutes. The token listens 290 ms every 5 minutes, so 20 minutes are 4 chances to hear A;
 * in this test's world (its seed, the install and the page's syncs) B hears A in only 2 of them,
 * 10 minutes, below the level that needs action, and the story would test the radio's luck, not
 * the page. 45 minutes leave a margin. (docs/E2E.md tests the 20 minutes over many seeds.)
 */
function webStory(): Scenario {
  const spec = structuredClone(Scenario.load(STORY_SCENARIO).spec);
  const moved = { A: { "10:20": "10:45", "10:25": "10:50" }, B: { "10:20": "10:45", "10:30": "10:50" } } as Record<string, Record<string, string>>;
  let changed = 0;
  for (const e of spec.schedule as { device: string; from: string; to: string; days?: number[] }[]) {
    const m = moved[e.device];
    if (!m || !e.days || e.days.join() !== "1") continue;
    if (m[e.to]) { e.to = m[e.to]; changed++; }
    if (m[e.from]) { e.from = m[e.from]; changed++; }
  }
  if (changed !== 4) throw new Error("the story's Tuesday has changed: " + changed + " of 4 coffee times found");
  return new Scenario({ ...spec, name: "web-story" });
}

describe("web app in Chromium, Web Bluetooth bridged to the simulated tokens", function () {
  this.timeout(300_000);
  const problem = browserProblem();
  if (problem) {
    it(`needs Chromium and playwright-core: NOT RUN (${problem})`, function () {
      console.log("    ** the browser tests did not run: " + problem + " **");
      this.skip();
    });
    return;
  }

  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let world: World;
  let central: SimCentral;
  let bridge: BleBridge;
  let server: RunningServer;
  let work: string;
  let own: TokenDevice;
  let appUrl: string;
  const violations: string[] = [];
  const pageLog: string[] = [];
  const tail = () => "\npressed: " + pressed + "\nbridge: " + bridge.log.slice(-30).join("\n") + "\npage: " + pageLog.slice(-15).join("\n");

  async function axe(label: string): Promise<void> {
    await page.addScriptTag({ path: AXE });
    const found = (await page.evaluate(async () => {
      const r = await (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run({ resultTypes: ["violations"] });
      return r.violations.map((v) => v.id + " (" + v.nodes.length + ")");
    })) as string[];
    for (const v of found) violations.push(label + ": " + v);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, label + ".png"), fullPage: true });
  }

  /** The owner presses the token's button (the sim runs 400 ms), then the page's clock is set to the world's. */
  async function pressOwn(): Promise<void> {
    own.rt.pressButton(150);
    await central.runFor(400);
    await context.clock.setSystemTime(world.now);
    bridge.announce();
    await new Promise((r) => setTimeout(r, 300));
    bridge.resume();
  }

  function pickOwn(): void {
    bridge.pick = (devices) => devices.find((d) => d.id === own.rt.radioState().address.toUpperCase())?.id ?? null;
  }

  /** Clicks once the page is not busy with the previous step. */
  async function click(selector: string): Promise<void> {
    await page.waitForFunction("document.body.dataset.busy !== 'yes'");
    await page.click(selector);
  }

  let pressed = "";
  async function statusText(): Promise<string> {
    pressed = String(await page.evaluate("document.body.dataset.pressed + ' busy=' + document.body.dataset.busy"));
    return (await page.locator("#app .status").last().textContent()) ?? "";
  }

  async function waitStatus(re: RegExp, ms = 60_000): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const s = await statusText();
      if (re.test(s)) return s;
      if (/error|went wrong|failed/i.test((await page.locator("#app .status.error").count()) ? s : "")) throw new Error("the page said: " + s + tail());
      if (Date.now() - t0 > ms) throw new Error("waited for " + re + ", the page says: " + s + tail());
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  before(async function () {
    if (!existsSync(join(WEB_APP_DIR, "app.js"))) throw new Error("dist/web is not built: run `npm run build`");
    work = mkdtempSync(join(tmpdir(), "omamori-web-"));
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    const scenario = webStory();
    const normal = TokenDevice.factory();
    world = new World({
      phoneCrypto: fastCrypto, scenario, seed: "omamori-web",
      makeToken: (ctx) => {
        if (ctx.spec.id !== OWN) return normal(ctx);
        // A new board as it comes from the shop: Espruino's stock firmware, nothing in Storage
        const t = new TokenDevice({ id: OWN, board: ctx.spec.board!, rng: ctx.rng, startMs: ctx.startMs, firmware: "", bootFrom: "ram", setClock: false });
        t.rt.bootFromStorage();
        return t;
      },
    });
    own = world.device<TokenDevice>(OWN);
    central = new SimCentral(world, { id: "browser", where: { near: OWN, offsetM: 0.5, carry: "table" }, mtu: 23, connectionIntervalMs: 7.5 });
    world.runUntil(scenario.startMs + 10 * MIN);
    server = await startServer({ dataDir: join(work, "server"), clock: () => world.now, publishEveryMinutes: 0 });
    const pub = openDataDir(join(work, "server")).publicDir;
    placeWebApp(join(pub, "web"), {
      keySources: ["../c19r/440/list.json"],
      publicKeys: [{ keyId: server.publicKey.keyId, keyVersion: server.publicKey.keyVersion, publicKey: server.publicKey.pem }],
      server: "..",
    });
    appUrl = server.url + "/web/index.html";
    browser = await launchChromium();
    bridge = await BleBridge.create(browser, world, central);
    context = await browser.newContext({ locale: "en-US", acceptDownloads: true });
    await context.addInitScript(PUMP_SCRIPT);
    await context.addInitScript('localStorage.setItem("omamori-lang", localStorage.getItem("omamori-lang") || "en")');
    await context.clock.install({ time: world.now });
    page = await context.newPage();
    page.on("console", (m) => pageLog.push(m.type() + ": " + m.text()));
    page.on("pageerror", (e) => pageLog.push("error: " + e.message));
    await bridge.attach(context, page);
    await page.goto(appUrl);
    bridge.announce();
    bridge.resume();
  });

  // One story: a later step needs the earlier ones. After a failed step the later ones fail too,
  // saying which step broke the story (mocha's bail would skip them, and skip the whole suite when
  // any earlier test of the run failed).
  let broken: string | null = null;
  beforeEach(function () {
    if (broken) throw new Error("not run: the story broke at the step \"" + broken + "\"");
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && !broken) broken = this.currentTest.title;
  });

  after(async function () {
    await bridge?.close();
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("installs the firmware over Espruino's console, byte for byte, and sees it run", async function () {
    await page.getByRole("heading", { name: "Tokens" }).waitFor();
    await axe("01-tokens-empty");
    await click("#install");
    await page.selectOption("#board", "puckjs");
    await axe("02-install");
    bridge.pick = (devices) => devices.find((d) => d.id === own.rt.radioState().address.toUpperCase())?.id ?? null;
    await click("#connect");
    await waitStatus(/has started/, 120_000);
    const want = new Uint8Array(readFileSync(join(process.cwd(), "dist", "firmware", "puckjs.js")));
    const got = own.rt.storage.read(nameBytes(".bootcde"));
    expect(got, ".bootcde on the token").to.not.equal(null);
    expect(Buffer.compare(Buffer.from(got!), Buffer.from(want)), "the file on the token is the built file, byte for byte").to.equal(0);
    expect([...want].some((b) => b >= 0x80), "the built file is pretokenised (8-bit bytes)").to.equal(true);
    // the restart: the token now runs Omamori (its console is closed to Bluetooth)
    await central.runFor(2000);
    expect(String(own.rt.global.Omamori?.version ?? ""), "Omamori runs on the token").to.match(/\d/);
    await pressOwn();
    pickOwn();
    await click("#confirm-running");
    await waitStatus(/waiting to be paired/);
    const sync = own.rt.radioState().address.toUpperCase();
    expect(bridge.log.some((l) => l.replace(/^\[\d+ ms\] /, "").startsWith("connected " + sync)), "the page found and connected to the token's sync window").to.equal(true);
  });

  it("pairs and syncs the token with the host's own protocol code", async function () {
    await click("#pair-now");
    await page.fill("#token-name", "grandma");
    await axe("03-pair");
    await click("#find-token");
    await waitStatus(/Paired/);
    expect(await statusText()).to.contain("puckjs");
    await pressOwn();
    pickOwn();
    await click("#sync-after-pair");
    await click("#find-token");
    await waitStatus(/Synced/);
    expect(await statusText()).to.contain("clock was set");
    expect(own.omamori.state().clockValid, "the first sync set the token's clock").to.equal(true);
    await axe("04-synced");
  });

  it("three days later: syncs the log, checks the published keys (WebCrypto, Web Worker) and finds the contact", async function () {
    bridge.pause();
    const start = world.scenario.startMs;
    world.runUntil(start + 3 * DAY + 30 * MIN); // Thursday 09:30 JST
    await context.clock.setSystemTime(world.now);
    await click("text=Back to the list");
    await pressOwn();
    pickOwn();
    await page.locator('article[data-token="grandma"] button', { hasText: "Sync this token" }).click();
    await click("#find-token");
    const synced = await waitStatus(/Synced/, 120_000);
    expect(Number(/(\d+) new sightings/.exec(synced)?.[1] ?? 0), "sightings copied from the token").to.be.greaterThan(0);

    // A tested positive: the health centre's number, A's keys to the real server, published after the embargo
    bridge.pause();
    const issued = server.issueNumber();
    const keysA = world.device<TokenDevice>(POSITIVE).dailyKeys().filter((k) => k.rollingStart * 600_000 < world.now - DAY);
    const answer = await submitDiagnosis(server.url, buildSubmission({
      keys: keysA.map((k) => ({ keyData: k.tek, rollingStartNumber: k.rollingStart, rollingPeriod: k.rollingPeriod })),
      processingNumber: issued.number, hasSymptom: false, onsetDate: new Date(world.now - DAY).toISOString().slice(0, 10),
    }));
    expect(answer.keysAccepted).to.be.greaterThan(0);
    world.runUntil(start + 3 * DAY + 3 * HOUR);
    const published = server.publishNow();
    expect(published.keysPublished).to.be.greaterThan(0);
    await context.clock.setSystemTime(world.now);
    bridge.resume();

    await click("text=Back to the list");
    await click("#check-all");
    await axe("05-check");
    await click("#start-check");
    await waitStatus(/Done/, 180_000);
    const card = page.locator('#results article[data-token="grandma"]');
    expect(await card.getAttribute("data-verdict"), (await card.textContent()) ?? "").to.equal("contact");
    const headline = (await card.locator(".headline").first().textContent()) ?? "";
    expect(headline).to.match(/^Contact on 1 day, \d+ minutes in total\.$/);
    expect(await card.textContent()).to.contain("The token's light will show the alert at its next sync");
    await axe("06-contact");
  });

  it("the next sync lights the token's contact alert", async function () {
    await pressOwn();
    pickOwn();
    await page.locator('#results article[data-token="grandma"] button', { hasText: "Sync this token" }).click();
    await click("#find-token");
    await waitStatus(/light now shows the contact alert/, 120_000);
    bridge.pause();
    const from = world.now;
    world.runUntil(from + 30_000);
    const red = loadBoard("puckjs").io.leds.filter((l) => l.color === "red").map((l) => l.pin);
    const flashes = alertFlashes(own.rt.ledLog().filter((e) => e.timeMs >= from + 5000), red);
    expect(flashes, "red flashes of the alert pattern in 25 s").to.be.at.least(8);
    await context.clock.setSystemTime(world.now);
    bridge.resume();
    await click("text=Back to the list");
    expect(await page.locator('article[data-token="grandma"] .verdict').getAttribute("data-verdict")).to.equal("contact");
    await axe("07-tokens");
  });

  it("registers a positive test with the processing number and the consent press on the token", async function () {
    const issued = server.issueNumber();
    await page.locator('article[data-token="grandma"] button', { hasText: "Register a positive test" }).click();
    await page.click("#answer-yes"); // consent
    await axe("08-register");
    await page.click("#answer-no"); // no symptoms
    await page.fill("#answer", new Date(world.now - DAY).toISOString().slice(0, 10));
    await page.click("#answer-ok");
    await page.fill("#answer", issued.number);
    await page.click("#answer-ok");
    await page.locator("#find-token").waitFor();
    await pressOwn();
    pickOwn();
    let consent: { whiteAtMs: number; pressAtMs: number } | null = null;
    pressTwiceWhenWhite(own, (whiteAtMs, pressAtMs) => (consent = { whiteAtMs, pressAtMs }));
    await page.click("#find-token");
    await page.locator(".dialog", { hasText: "Registered." }).waitFor({ timeout: 120_000 });
    expect(consent, "the keys left the token only after its button was pressed twice while it flashed white").to.not.equal(null);
    const said = (await page.locator(".dialog").textContent()) ?? "";
    expect(Number(/accepted (\d+) daily keys/.exec(said)?.[1] ?? 0)).to.be.greaterThan(0);
  });

  it("saves the token's folder in the CLI's format and brings it into a fresh browser", async function () {
    await click("text=Back to the list");
    const download = page.waitForEvent("download");
    await page.locator('article[data-token="grandma"] button', { hasText: "Save this token's data" }).click();
    const file = join(work, "grandma.zip");
    await (await download).saveAs(file);
    const { unzipSync } = await import("fflate");
    const entries = unzipSync(new Uint8Array(readFileSync(file)));
    expect(Object.keys(entries).sort()).to.include.members(["grandma/token.json", "grandma/log.json", "grandma/sync-state.json"]);
    const log = JSON.parse(Buffer.from(entries["grandma/log.json"]).toString("utf8"));
    expect(log.format).to.equal("omamori-log");
    expect(log.encounters.length).to.be.greaterThan(0);
    const fresh = await browser.newContext({ locale: "en-US" });
    await fresh.addInitScript('localStorage.setItem("omamori-lang", "en")');
    const p2 = await fresh.newPage();
    await p2.goto(appUrl);
    await p2.getByText("No token is set up").waitFor();
    await p2.setInputFiles("#import-file", file);
    await p2.locator('article[data-token="grandma"]').waitFor();
    expect(await p2.locator('article[data-token="grandma"]').textContent()).to.match(/Last sync: \d/);
    await fresh.close();
  });

  it("speaks Japanese too, and no screen has an accessibility violation (axe-core)", async function () {
    await click("header button >> nth=0");
    await page.getByRole("heading", { name: "お守りの一覧" }).waitFor();
    expect(await page.locator('article[data-token="grandma"] .verdict').textContent()).to.equal("接触あり");
    expect(await page.evaluate("document.documentElement.lang")).to.equal("ja");
    await axe("09-tokens-ja");
    await click("header button >> nth=1");
    await axe("10-settings-ja");
    expect(violations, violations.join("\n")).to.deep.equal([]);
  });
});
