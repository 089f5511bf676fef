/**
 * The end-to-end story (docs/E2E.md), shared by the automated test
 * (test/e2e/story.test.ts) and `npm run demo` (run-demo.ts), so the demo can never drift from what
 * is tested. Nothing between the steps is mocked except the radio:
 *
 *   - five tokens run the BUILT firmware (dist/firmware/<board>.js) in the emulated Espruino, in
 *     the simulated radio world of sim/scenarios/e2e-story.json, with two GAEN phones (P, Q);
 *   - each token has its own host: its own data directory and its own Bluetooth adapter in the
 *     world (sim/world/central.ts) used through the `sim` sync transport; the owner's presses are
 *     presses of the simulated button;
 *   - the diagnosis server is the real one (startServer) on 127.0.0.1 with a temporary data
 *     directory; its clock is the world's clock, so processing numbers, key validation, the
 *     2-hour embargo and publishing all happen in simulated time;
 *   - A registers with `registerPositive` (the code behind `omamori register-positive`), typing
 *     answers into its prompts; phone P registers through COCOA's 2020 v1 path (legacyV1.ts) with
 *     transmission risk level 0 and no report type, as COCOA's Android clients did;
 *   - every host runs `runCheck` (the code behind `omamori check`): list.json and the zips are
 *     downloaded over HTTP, signatures verified with the server's public key, each synced log
 *     matched; a new risky day leaves an alert request, which the next sync hands to the token,
 *     whose light then shows the alert pattern.
 */
import { statusFromRow } from "../../common/formats/syncMessages";
import { mkdir, copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Scenario, type PairTruth } from "../../sim/world/scenario";
import { World } from "../../sim/world/world";
import { TokenDevice } from "../../sim/world/devices/token";
import type { PhoneDevice } from "../../sim/world/devices/phone";
import { SimCentral } from "../../sim/world/central";
import { pinsOf, pressTwiceWhenWhite } from "../sync/transports/simWorld";
import { loadBuiltFirmware } from "../../sim/espruino/runtime";
import { loadBoard } from "../../boards/index";
import { DataDir } from "../base/dataDir";
import { SimTransport } from "../sync/transports/sim";
import { connectToken, pairNewToken, syncToken, type SyncReport } from "../sync/syncToken";
import { readLog, scanCount, type OmamoriLog } from "../log/omamoriLog";
import { startServer, type RunningServer } from "../server/httpServer";
import type { PublishResult } from "../server/publish";
import type { LegacyAnswer } from "../server/legacyV1";
import { registerPositive, type Prompter, type RegisterOutcome } from "../positive/registerPositive";
import { runCheck, type TokenCheck } from "../report/runCheck";
import type { Lang } from "../report/resultText";
import { fastCrypto } from "../gaen/crypto";
import { toHex } from "../../common/bytes";

export const STORY_SCENARIO = "e2e-story";
export const TOKENS = ["A", "B", "C", "D", "E"] as const;
export type TokenName = (typeof TOKENS)[number];

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Who everyone is, for the narration. */
const CAST: Record<string, { en: string; ja: string }> = {
  A: { en: "A (Puck.js token) lives in flat A; on Tuesday at 10:00 she has coffee with B for 20 minutes, 0.8 m apart across a small table", ja: "A（Puck.js のお守り）：A号室に住む。火曜10時に喫茶店で小さなテーブルをはさみ、Bと0.8 mの距離で20分お茶" },
  B: { en: "B (Puck.js token): the coffee with A; on Wednesday at 15:00 he waits at a bus stop", ja: "B（Puck.js のお守り）：Aとお茶。水曜15時にバス停で待つ" },
  C: { en: "C (Bangle.js 2 watch): walks past B at the bus stop, 2 minutes in range, 1 m at the closest", ja: "C（Bangle.js 2 の腕時計）：バス停でBのそばを通り過ぎる（電波の届く範囲に2分、最も近くて1 m）" },
  D: { en: "D (Puck.js token): A's neighbour; every evening 18:00-23:00 in the living room, 3.7-6.5 m from A behind a concrete wall", ja: "D（Puck.js のお守り）：Aの隣人。毎晩18〜23時、コンクリートの壁をはさんでAから3.7〜6.5 mの居間にいる" },
  E: { en: "E (Puck.js token): on Tuesday at 14:00 waits 45 minutes at a clinic, 0.8 m from a stranger's Android phone P", ja: "E（Puck.js のお守り）：火曜14時に診療所で45分、知らない人のAndroidスマホPから0.8 mのところで待つ" },
  P: { en: "P (Android phone, GAEN): the stranger at the clinic; later registers positive the 2020 COCOA way (risk level 0, no report type)", ja: "P（Androidスマホ、GAEN）：診療所の知らない人。後で2020年のCOCOAの方式で陽性登録（リスクレベル0、報告種別なし）" },
  Q: { en: "Q (iPhone, GAEN): sits at the next table in the cafe, 3.4 m away; never registers", ja: "Q（iPhone、GAEN）：喫茶店の隣のテーブル（3.4 m）。陽性登録はしない" },
};

export interface Host {
  name: TokenName;
  tokenId: string;
  home: string;
  data: DataDir;
  central: SimCentral;
  transport: SimTransport;
  token: TokenDevice;
}

/** What each token's log held after the first sync, in words for the narration. */
export interface LogFacts {
  identifiers: number;
  scans: number;
  /**
   * Logged identifiers by the device that sent them. Only the simulator can know this (it holds
   * every device's daily keys); the token and the laptop never do.
   */
  from: Record<string, number>;
}

export interface StoryResult {
  scenario: Scenario;
  world: World;
  hosts: Record<TokenName, Host>;
  groundTruth: PairTruth[];
  pairedAtMs: number;
  firstSync: Record<TokenName, SyncReport>;
  logs: Record<TokenName, LogFacts>;
  server: { url: string; publicKeyPem: string };
  registration: RegisterOutcome;
  /** When A's token started asking (white light) and when A first pressed, world ms; null if it never asked. */
  consentA: { whiteAtMs: number; pressAtMs: number } | null;
  /** World time the registration started and ended. */
  registrationSpanMs: [number, number];
  /** What A's host printed and what was typed, in order ("> " marks typed answers). */
  registrationTranscript: string[];
  /** Key id 16-byte hex of the keys A's token released, and what the phone P uploaded. */
  tokenKeysA: { hex: string; rollingStart: number }[];
  phoneUpload: { answer: LegacyAnswer; keys: number };
  published: PublishResult;
  checks: Record<TokenName, TokenCheck>;
  /** What each host's check downloaded: files and keys added to its cache, and problems. */
  fetched: Record<TokenName, { added: number; keysAdded: number; problems: number; keysUsable: number }>;
  /** Where the HTML reports were copied (reportDir), by token. */
  reports: Record<TokenName, string>;
  secondSync: Record<TokenName, SyncReport>;
  /** LED changes of each token from the second sync on, and whether they are the alert pattern. */
  lights: Record<TokenName, { events: { timeMs: number; pin: string; on: boolean }[]; redFlashes: number; alertPattern: boolean; alertState: boolean }>;
  checkedAtMs: number;
  wallMs: number;
}

export interface StoryOptions {
  /** Temporary folder for the hosts' and the server's data directories. */
  workDir: string;
  /** Where to copy the HTML reports (default workDir/reports). */
  reportDir?: string;
  lang?: Lang;
  seed?: string;
  /** A line of narration (the demo prints it; the test may keep it). */
  say?: (text: string) => void;
  /** Progress of long steps: label, done, total. */
  progress?: (label: string, done: number, total: number) => void;
  /**
   * Scan settings every host gives its token right after pairing (the sync protocol's SET_SCAN);
   * default: none, the firmware's own. For measuring robustness (test/e2e/sweep.ts).
   */
  scan?: { windowMs: number; periodMs: number };
}

/** The firmware files exactly as `npm run build` wrote them (dist/firmware/<board>.js). */
function firmwareFor(boards: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of boards) out[b] = loadBuiltFirmware(b);
  return out;
}


/** The owner presses the token's button briefly (opens the sync window). */
async function press(h: Host): Promise<void> {
  // once the token is not busy (a press while it works can be lost, as on the device)
  for (let i = 0; i < 100 && h.token.rt.cpuBusy(); i++) await h.central.runFor(Math.ceil(h.token.rt.cpuFreeAtMs() - h.token.rt.worldTimeMs()));
  h.token.rt.pressButton(150);
  await h.central.runFor(400);
}


/** A prompter that "types" prepared answers and records the conversation. */
export function scriptedPrompter(answers: string[], transcript: string[], echo?: (t: string) => void): Prompter {
  const queue = answers.slice();
  return {
    print(text) {
      transcript.push(text);
      echo?.(text);
    },
    async ask(question) {
      const a = queue.shift() ?? null;
      transcript.push(question + (a ?? ""));
      echo?.(question + (a === null ? "" : "> " + a));
      return a;
    },
  };
}

/**
 * Red flashes of the alert pattern (firmware/app/token.ts startAlert: one 100 ms red flash every
 * 2 s) among LED events: counts red "on" edges whose light lasted 60-200 ms and which follow the
 * previous one by 1.5-2.5 s.
 */
export function alertFlashes(events: { timeMs: number; pin: string; on: boolean }[], redPins: string[]): number {
  const red = events.filter((e) => redPins.includes(e.pin));
  let n = 0;
  let lastOn = -Infinity;
  for (let i = 0; i < red.length; i++) {
    if (!red[i].on) continue;
    const off = red.slice(i + 1).find((e) => !e.on);
    if (!off) continue;
    const len = off.timeMs - red[i].timeMs;
    const gap = red[i].timeMs - lastOn;
    if (len >= 60 && len <= 200 && (n === 0 || (gap >= 1500 && gap <= 2500))) n++;
    lastOn = red[i].timeMs;
  }
  return n;
}

/** Every 6-byte identifier prefix (hex) each device's daily keys give, for the narrator. */
function senders(world: World): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of world.devices()) {
    const keys = d.kind === "token" ? (d as TokenDevice).dailyKeys() : d.kind === "phone" ? (d as PhoneDevice).dailyKeys() : [];
    for (const k of keys) {
      const rpik = fastCrypto.rpik(k.tek);
      for (let i = 0; i < 144; i++) out.set(toHex(fastCrypto.rpi(rpik, k.rollingStart + i)).slice(0, 12), d.id);
    }
  }
  return out;
}

function logFacts(log: OmamoriLog | null, who: Map<string, string>): LogFacts {
  const from: Record<string, number> = {};
  for (const e of log?.encounters ?? []) {
    const id = who.get(e.rpi.slice(0, 12)) ?? "?";
    from[id] = (from[id] ?? 0) + 1;
  }
  return log ? { identifiers: log.encounters.length, scans: scanCount(log), from } : { identifiers: 0, scans: 0, from };
}

/** Runs the world to `endMs` in hour steps, reporting progress. */
function runWorld(world: World, endMs: number, label: string, progress?: StoryOptions["progress"]): void {
  const start = world.now;
  const total = Math.max(1, Math.ceil((endMs - start) / HOUR));
  for (let i = 1; i <= total; i++) {
    world.runUntil(Math.min(endMs, start + i * HOUR));
    progress?.(label, i, total);
  }
}

export async function runStory(o: StoryOptions): Promise<StoryResult> {
  const wall0 = Date.now();
  const lang: Lang = o.lang ?? "en";
  const say = o.say ?? (() => undefined);
  const t = (en: string, ja: string) => (lang === "ja" ? ja : en);
  const scenario = Scenario.load(STORY_SCENARIO);
  const boards = Array.from(new Set(scenario.devices.filter((d) => d.kind === "token").map((d) => d.board!)));
  // Whether a contact is heard is chance (a 290 ms scan every 5 min hears about one advert per
  // neighbour; bench/firmware.ts measures the rates): the default seed is a draw in which the story's
  // contacts come out as its narration says. A change to the simulator's models or to the firmware's
  // CPU time (which shifts the scan windows and the moments advertising restarts) changes the draws,
  // and may need another seed: B's four scans of A at the coffee are the narrowest (three give 15
  // minutes, one short of COCOA's score).
  const world = new World({ phoneCrypto: fastCrypto, scenario, seed: o.seed ?? "omamori-e2e-story-5", makeToken: TokenDevice.factory({ firmware: firmwareFor(boards) }) });
  const reportDir = o.reportDir ?? join(o.workDir, "reports");
  await mkdir(reportDir, { recursive: true });

  const hosts = {} as Record<TokenName, Host>;
  for (const name of TOKENS) {
    const home = join(o.workDir, "host-" + name.toLowerCase());
    const central = new SimCentral(world, { id: "laptop-" + name, where: { near: name, offsetM: 0.5, carry: "table" }, mtu: 247, connectionIntervalMs: 15 });
    hosts[name] = { name, tokenId: "token-" + name.toLowerCase(), home, data: new DataDir(home), central, transport: new SimTransport(central), token: world.device<TokenDevice>(name) };
  }
  const now = () => world.now;

  // 1. Monday morning: every owner pairs the token with their own laptop
  say(t("Monday 16 November, 09:00 Japan time. Five people get a token and pair it with their laptop:", "11月16日（月）午前9時（日本時間）。5人がお守りを受け取り、自分のパソコンとペアリングします。"));
  for (const id of Object.keys(CAST)) say("  " + (lang === "ja" ? CAST[id].ja : CAST[id].en));
  runWorld(world, scenario.startMs + 10 * MIN, t("setting up", "準備"), o.progress);
  for (const name of TOKENS) {
    const h = hosts[name];
    await press(h);
    const rec = await pairNewToken({ transport: h.transport, data: h.data, tokenId: h.tokenId, now });
    say(t(`  ${name}: button pressed, paired as "${rec.tokenId}" (board ${rec.board}).`, `  ${name}：ボタンを押して「${rec.tokenId}」としてペアリング（${rec.board}）。`));
    if (o.scan) {
      const session = await connectToken(h.transport, rec.secret, 20_000, 10_000);
      await session.setScan(o.scan.windowMs, o.scan.periodMs);
      await session.close();
    }
  }
  const pairedAtMs = world.now;

  // 2. Three days of life
  say(t("Three days pass in the simulator (every advert, scan and flash write of the real firmware):", "シミュレーターの中で3日が過ぎます（実際のファームウェアの電波の発信・受信・記録の書き込みをすべて再現）。"));
  const syncAt = scenario.startMs + 3 * DAY + 30 * MIN; // Thursday 19th, 09:30 JST
  runWorld(world, syncAt, t("simulating Mon-Thu", "月〜木をシミュレーション"), o.progress);

  // 3. Thursday morning: everyone syncs
  say(t("Thursday 19 November, 09:30: everyone presses the button and syncs the token with the laptop.", "11月19日（木）9時30分：全員がボタンを押して、お守りをパソコンと同期します。"));
  const firstSync = {} as Record<TokenName, SyncReport>;
  const logs = {} as Record<TokenName, LogFacts>;
  const who = senders(world);
  for (const name of TOKENS) {
    const h = hosts[name];
    await press(h);
    firstSync[name] = await syncToken({ transport: h.transport, data: h.data, tokenId: h.tokenId, now });
    logs[name] = logFacts(await readLog(h.data.logPath(h.tokenId)), who);
    const ids = Object.keys(logs[name].from).sort();
    const fromEn = ids.map((d) => `${logs[name].from[d]} from ${d}`).join(", ");
    const fromJa = ids.map((d) => `${d}から${logs[name].from[d]}個`).join("、");
    say(t(
      `  ${name}: ${firstSync[name].bytesRead} bytes read; the token had logged ${logs[name].identifiers} contact codes (${logs[name].scans} scan sightings)${ids.length ? ": " + fromEn : ""}.`,
      `  ${name}: ${firstSync[name].bytesRead} バイト読み取り。お守りは接触符号を ${logs[name].identifiers} 個（スキャンでの検出 ${logs[name].scans} 回）記録していました${ids.length ? "（" + fromJa + "）" : ""}。`,
    ));
    if (name === "A") say(t("     (Whose codes they were is known only to the simulator, which holds every device's keys; the token and the laptop cannot tell.)", "     （誰の符号かは、全機器の鍵を知るシミュレーターだけが分かります。お守りとパソコンには分かりません。）"));
  }

  // 4. A tests positive; the health centre's server issues a processing number
  const serverDir = join(o.workDir, "server");
  let server: RunningServer | null = null;
  try {
    server = await startServer({ dataDir: serverDir, clock: now, publishEveryMinutes: 0, legacyV1: true });
    const serverInfo = { url: server.url, publicKeyPem: server.publicKey.pem };
    say(t(
      `The health authority's diagnosis server runs at ${server.url} (the real server, its clock set to the simulated time).`,
      `保健当局の陽性登録のサーバーが ${server.url} で動いています（本物のサーバー。時計はシミュレーターの時刻）。`,
    ));
    say(t("A's test on Wednesday 18 November was positive (no symptoms). The health centre issues a processing number and sends it by SMS.", "Aは11月18日（水）の検査で陽性でした（症状なし）。保健所が処理番号を発行し、SMSで送ります。"));
    const issued = server.issueNumber();
    const typo = issued.number.slice(0, 7);
    say(t(`  SMS to A: "Your processing number is ${issued.number}".`, `  Aへの SMS:「処理番号は ${issued.number} です」`));

    // 5. A registers on the laptop; the token asks, A presses twice
    say(t("A runs `omamori register-positive` (first typing only 7 of the 8 digits):", "Aが `omamori register-positive` を実行します（最初は8桁のうち7桁だけ入力してしまいます）。"));
    const transcript: string[] = [];
    const io = scriptedPrompter(["yes", "no", "2026-11-18", typo, issued.number], transcript, (line) => say("  | " + line.split("\n").join("\n  | ")));
    const a = hosts.A;
    const asked: { consent: { whiteAtMs: number; pressAtMs: number } | null } = { consent: null };
    const clock = (ms: number) => new Date(ms + 9 * HOUR).toISOString().slice(11, 19) + (lang === "ja" ? "" : " JST");
    const tokenKeysA = a.token.dailyKeys().map((k) => ({ hex: Buffer.from(k.tek).toString("hex"), rollingStart: k.rollingStart }));
    const regStart = world.now;
    const registration = await registerPositive({
      home: a.home, transport: a.transport, server: server.url, lang, io, now,
      owner: {
        pressToConnect: () => press(a),
        pressToConsent: () => pressTwiceWhenWhite(a.token, (whiteAtMs, pressAtMs) => { asked.consent = { whiteAtMs, pressAtMs }; }),
      },
    });
    const regEnd = world.now;
    const consent = asked.consent;
    if (consent) {
      say(t(
        `  (A's token started flashing white at ${clock(consent.whiteAtMs)}; A pressed its button twice at ${clock(consent.pressAtMs)}; only then did it release its keys.)`,
        `  （Aのお守りが ${clock(consent.whiteAtMs)} に白く点滅し始め、Aが ${clock(consent.pressAtMs)} にボタンを2回押しました。お守りはそのあとで初めて鍵を渡しました。）`,
      ));
    }
    say(registration.ok
      ? t(`  -> registered: ${registration.keysAccepted} daily keys accepted.`, `  → 陽性登録完了：日次鍵 ${registration.keysAccepted} 個を受け付け。`)
      : t(`  -> NOT registered: ${registration.message}`, `  → 陽性登録できませんでした：${registration.message}`));

    // 6. The stranger's phone P registers the 2020 way: transmission risk 0, no report type
    const p = world.device<PhoneDevice>("P");
    const number2 = server.issueNumber();
    const phoneKeys = p.reportKeys({ reportType: 0, transmissionRiskLevel: 0 }).filter((k) => k.rollingStartIntervalNumber * 600_000 <= world.now);
    const v1 = {
      keys: phoneKeys.map((k) => ({ keyData: Buffer.from(k.keyData).toString("base64"), rollingStartNumber: k.rollingStartIntervalNumber, rollingPeriod: k.rollingPeriod, transmissionRisk: k.transmissionRiskLevel })),
      regions: ["440"], platform: "Android", deviceVerificationPayload: "none", appPackageName: "jp.go.mhlw.covid19radar", verificationPayload: number2.number,
    };
    const res = await fetch(server.url + "/diagnosis", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(v1) });
    const phoneAnswer = (await res.json()) as LegacyAnswer;
    if (!res.ok) throw new Error("the phone's v1 registration failed: " + JSON.stringify(phoneAnswer));
    say(t(
      `The stranger with phone P also tested positive and registers through COCOA's 2020 path (PUT /diagnosis): ${phoneAnswer.keysAccepted} keys, transmission risk level 0, no report type — the keys that silenced a third of COCOA's users for four months.`,
      `診療所の知らない人（スマホP）も陽性で、2020年のCOCOAの方式（PUT /diagnosis）で陽性登録します：鍵 ${phoneAnswer.keysAccepted} 個、リスクレベル0、報告種別なし。COCOAの利用者の3分の1に4か月間通知が届かなかった原因の鍵です。`,
    ));

    // 7. The server publishes once the keys' validity ended + 2 hours
    const publishAt = scenario.startMs + 3 * DAY + 3 * HOUR; // Thursday 12:00 JST
    runWorld(world, publishAt, t("waiting for the 2-hour embargo", "2時間の公開待ち"), o.progress);
    const published = server.publishNow();
    say(t(
      `12:00: the server publishes ${published.keysPublished} keys in ${published.files.length} signed files (${published.keysWaiting} of today's keys wait for the embargo).`,
      `12時：サーバーが鍵 ${published.keysPublished} 個を署名付きファイル ${published.files.length} 個で公開（今日の鍵 ${published.keysWaiting} 個は公開待ち）。`,
    ));

    // 8. Every host checks: download over HTTP, verify, match
    say(t("Every laptop runs `omamori check`: downloads list.json and the files from the server, checks the signatures with the server's public key, and matches its own token's log.", "全員のパソコンが `omamori check` を実行：サーバーから list.json とファイルを取得し、公開鍵で署名を確かめ、自分のお守りの記録と照合します。"));
    const checkedAtMs = world.now;
    const checks = {} as Record<TokenName, TokenCheck>;
    const fetched = {} as StoryResult["fetched"];
    const reports = {} as Record<TokenName, string>;
    for (const name of TOKENS) {
      const h = hosts[name];
      await writeFile(join(h.home, "check.json"), JSON.stringify({
        keySources: [server.url + "/c19r/440/list.json"],
        publicKeys: [{ keyId: server.publicKey.keyId, keyVersion: server.publicKey.keyVersion, publicKey: server.publicKey.pem }],
        contacts: [{ name: t("Local consultation centre (example)", "受診・相談センター（例）"), phone: "0120-000-000", hours: "9:00-17:00" }],
      }, null, 1));
      const run = await runCheck({ home: h.home, now: new Date(world.now), lang });
      const c = run.tokens.find((x) => x.tokenId === h.tokenId);
      if (!c) throw new Error(name + "'s check found no synced token");
      if (run.fetch && run.fetch.problems.length) throw new Error(name + "'s check could not use the keys: " + JSON.stringify(run.fetch.problems));
      checks[name] = c;
      fetched[name] = { added: run.fetch?.added ?? 0, keysAdded: run.fetch?.keysAdded ?? 0, problems: run.fetch?.problems.length ?? 0, keysUsable: run.keysUsable };
      const dest = join(reportDir, `report-${name}-${lang}.html`);
      await copyFile(c.reportPath!, dest);
      reports[name] = dest;
      const s = c.result.summary;
      say(s.riskyDays > 0
        ? t(`  ${name}: CONTACT — on ${s.riskyDays} day(s), ${s.riskyMinutes} minutes in total (${s.days.filter((d) => d.risky).map((d) => d.date).join(", ")}). The token's light will be switched on at its next sync.`,
            `  ${name}: 接触あり — ${s.riskyDays}日、合計${s.riskyMinutes}分（${s.days.filter((d) => d.risky).map((d) => d.date).join("、")}）。次の同期でお守りのランプが点きます。`)
        : s.days.length
          ? t(`  ${name}: no notification. Sightings of a positive person's codes on ${s.days.map((d) => `${d.date} (score ${Math.round(d.scoreSum)}, ${d.minutes} min credited)`).join(", ")}, below COCOA's threshold (score 1350 and 15 minutes).`,
              `  ${name}: 通知なし。陽性者の接触符号の検出：${s.days.map((d) => `${d.date}（スコア ${Math.round(d.scoreSum)}、${d.minutes}分）`).join("、")}。COCOAの基準（スコア1350かつ15分）未満です。`)
          : t(`  ${name}: no contact found in the last 14 days.`, `  ${name}: 過去14日間に接触は見つかりませんでした。`));
    }

    // 9. The next sync hands the alert to the token; its light shows it
    say(t("Each owner syncs again; the laptop passes the alert request to the token.", "各自がもう一度同期します。パソコンが接触のお知らせをお守りに伝えます。"));
    const secondSync = {} as Record<TokenName, SyncReport>;
    const from: Record<string, number> = {};
    for (const name of TOKENS) {
      const h = hosts[name];
      await press(h);
      from[name] = world.now;
      secondSync[name] = await syncToken({ transport: h.transport, data: h.data, tokenId: h.tokenId, now });
    }
    runWorld(world, world.now + 30_000, t("watching the lights", "ランプを観察"), o.progress);
    const lights = {} as StoryResult["lights"];
    for (const name of TOKENS) {
      const tok = hosts[name].token;
      const events = tok.rt.ledLog().filter((e) => e.timeMs >= from[name]);
      const red = pinsOf(tok, "red");
      const redFlashes = alertFlashes(events.filter((e) => e.timeMs >= world.now - 20_000), red);
      const alertState = !!statusFromRow(tok.omamori.host.status()).alert;
      lights[name] = { events, redFlashes, alertPattern: redFlashes >= 8, alertState };
      const leds = loadBoard(tok.board.id).io.leds.length;
      say(leds === 0
        ? t(`  ${name}: ${secondSync[name].alertSet ? "alert set; this watch has no LED: it vibrates and shows it" : "no alert"}.`, `  ${name}: ${secondSync[name].alertSet ? "お知らせあり（この腕時計にはランプがないため振動と画面で知らせます）" : "お知らせなし"}。`)
        : t(`  ${name}: ${lights[name].alertPattern ? `the red light flashes briefly every 2 seconds (${redFlashes} flashes in 20 s): "please check your laptop"` : "no alert light"}.`,
            `  ${name}: ${lights[name].alertPattern ? `赤いランプが2秒ごとに短く点滅（20秒で${redFlashes}回）：「パソコンで確認してください」` : "お知らせのランプなし"}。`));
    }

    return {
      scenario, world, hosts, groundTruth: scenario.groundTruth(), pairedAtMs, firstSync, logs, server: serverInfo,
      registration, registrationTranscript: transcript, consentA: consent, registrationSpanMs: [regStart, regEnd], tokenKeysA, phoneUpload: { answer: phoneAnswer, keys: phoneKeys.length },
      published, checks, fetched, reports, secondSync, lights, checkedAtMs, wallMs: Date.now() - wall0,
    };
  } finally {
    if (server) await server.close();
  }
}
