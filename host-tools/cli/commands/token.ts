/**
 * `omamori token ...`: pairing and the token's settings (docs/SECURITY.md,
 * docs/FORMATS.md "Sync messages"):
 *   pair --token NAME          trust on first use: a fresh token whose button was just pressed
 *   list                       paired tokens in the data directory
 *   hub --every MIN|off        home-hub beacon cadence (off by default)
 *   alert on|off               the token's contact alert light
 *   scan --window MS --period MS
 *   erase --yes                consent withdrawn: erase everything on the token and this computer's copies
 *   decommission --yes         function stop: the token stops for good and erases everything
 */
import { Command } from "commander";
import { rm } from "node:fs/promises";
import { DataDir, checkTokenId } from "../../base/dataDir";
import { pairNewToken, connectToken } from "../../sync/syncToken";
import { HostSession } from "../../sync/session";
import { addTransportOptions, chooseToken, openTransport, plainFailures, tokenIdRule, tokenSecret, type TransportOptions } from "../../sync/cliSupport";
import { lang, say } from "../../base/language";
import { localTime } from "../../base/time";
import { DamagedFileError } from "../../base/atomicFile";
import { UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";
import { Limit } from "../../../common/formats/syncMessages";

interface TokenOpts extends TransportOptions {
  token?: string;
  yes?: boolean;
}

/** The token's own limits for scan settings (firmware/app/scanner.ts scanSettings: window >= 100 ms, period >= 10 s, window <= period / 2). */
const SCAN_WINDOW_MIN_MS = 100;
const SCAN_PERIOD_MIN_MS = 10_000;
const SCAN_PERIOD_MAX_MS = 3_600_000;

/** A whole number within min..max; the message states the range (and `why`, when given). */
function wholeNumber(name: string, v: string, min: number, max: number, unit: [string, string], why?: [string, string]): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(say(
      `--${name} must be a whole number of ${unit[0]} from ${min} to ${max}${why ? " (" + why[0] + ")" : ""}, got ${JSON.stringify(v)}`,
      `--${name} は ${min}～${max} の整数（${unit[1]}）で指定してください${why ? "（" + why[1] + "）" : ""}。${JSON.stringify(v)} は使えません。`,
    ));
  }
  return Number(v);
}
const MINUTES: [string, string] = ["minutes", "分"];
const MS: [string, string] = ["milliseconds", "ミリ秒"];

/** Opens an authenticated session with a paired token, runs `body`, closes. */
async function withToken(opts: TokenOpts, body: (s: HostSession, data: DataDir, tokenId: string) => Promise<void>): Promise<void> {
  const data = new DataDir();
  const tokenId = await chooseToken(data, opts.token);
  const secret = await tokenSecret(data, tokenId);
  const t = await openTransport({ ...opts, simHours: opts.transport === "sim" ? "0" : opts.simHours }, secret);
  try {
    const s = await connectToken(t.transport, secret, 20000, 10000);
    try {
      await body(s, data, tokenId);
    } finally {
      await s.close();
    }
  } finally {
    await t.close();
  }
}

export function registerToken(program: Command): void {
  const token = program.command("token").description("pair a token and change its settings");

  addTransportOptions(
    token
      .command("pair")
      .description("pair a new token with this computer: press its button, then run this within a minute")
      .requiredOption("--token <name>", "a name for the token on this computer (letters, digits, '-')"),
  ).action((opts: TokenOpts) =>
    plainFailures(async () => {
      const data = new DataDir();
      try {
        checkTokenId(opts.token!);
      } catch {
        throw new UsageError(tokenIdRule(opts.token!));
      }
      const t = await openTransport({ ...opts, simHours: "0" }, null);
      try {
        const rec = await withHomeLock("token pair", () => pairNewToken({ transport: t.transport, data, tokenId: opts.token!, now: t.now }), data.root);
        process.stdout.write(say(
          `Paired token "${rec.tokenId}" (${rec.board}). Its secret is kept in ${data.tokenDir(rec.tokenId)}; keep that folder private.\n`,
          `お守り「${rec.tokenId}」（${rec.board}）をペアリングしました。秘密の鍵は ${data.tokenDir(rec.tokenId)} に保存されています。このフォルダは他人に見せないでください。\n`,
        ));
      } finally {
        await t.close();
      }
    }),
  );

  token
    .command("list")
    .description("list the tokens paired with this computer")
    .action(() =>
      plainFailures(async () => {
        const data = new DataDir();
        const ids = await data.tokenIds();
        if (!ids.length) process.stdout.write(say("No paired token.\n", "ペアリングしたお守りはありません。\n"));
        for (const id of ids) {
          let last: string;
          try {
            const at = (await data.loadState(id)).lastSyncAt;
            last = at ? localTime(at, lang()) : say("never", "まだありません");
          } catch (e) {
            if (!(e instanceof DamagedFileError)) throw e;
            last = say("unknown: the sync record is damaged; the next sync rebuilds it", "不明（同期の記録が壊れています。次の同期で作り直します）");
          }
          process.stdout.write(id + "  " + say("last sync: ", "最後の同期：") + last + "\n");
        }
        for (const l of await data.lostPairings()) {
          process.stdout.write(l.tokenId + "  " + say(
            "pairing lost (its record was damaged); its synced log is kept. Erase the token and pair it again: npx omamori token pair --token " + l.tokenId,
            "ペアリングの記録が壊れました（同期した記録は残っています）。お守りを消去して、ペアリングし直してください：npx omamori token pair --token " + l.tokenId,
          ) + "\n");
        }
      }),
    );

  addTransportOptions(
    token
      .command("hub")
      .description("home hub: let the token offer a private sync beacon about every MIN minutes, at random moments (off by default)")
      .requiredOption("--every <minutes|off>", "mean minutes between beacons (30..1092: the token allows no more often), or off")
      .option("--token <id>", "which paired token"),
  ).action((opts: TokenOpts & { every: string }) =>
    plainFailures(async () => {
      const seconds = opts.every === "off" ? 0 : wholeNumber("every", opts.every, Limit.HUB_MIN_SECONDS / 60, Math.floor(Limit.HUB_MAX_SECONDS / 60), MINUTES, ["or off", "止めるときは off"]) * 60;
      await withToken(opts, async (s) => s.setHub(seconds));
      process.stdout.write(seconds ? say(`Home hub beacon: about every ${seconds / 60} min, at random moments.\n`, `ホームハブ：およそ${seconds / 60}分ごと（時刻は毎回ばらばら）に有効にしました。\n`) : say("Home hub beacon: off.\n", "ホームハブ：無効にしました。\n"));
    }),
  );

  addTransportOptions(
    token
      .command("alert")
      .description("turn the token's contact alert light on or off")
      .argument("<on|off>", "on or off")
      .option("--token <id>", "which paired token"),
  ).action((state: string, opts: TokenOpts) =>
    plainFailures(async () => {
      if (state !== "on" && state !== "off") throw new UsageError(say("alert must be on or off, got " + JSON.stringify(state), "alert には on か off を指定してください。" + JSON.stringify(state) + " は使えません。"));
      await withToken(opts, async (s) => s.setAlert(state === "on"));
      process.stdout.write(state === "on" ? say("The token shows the contact alert.\n", "お守りに接触のお知らせを表示しました。\n") : say("The token's alert is off.\n", "お守りのお知らせを消しました。\n"));
    }),
  );

  addTransportOptions(
    token
      .command("scan")
      .description("change how long and how often the token listens for others")
      .requiredOption("--window <ms>", `listening time per scan, ms (${SCAN_WINDOW_MIN_MS} to half of --period)`)
      .requiredOption("--period <ms>", `time between scans, ms (${SCAN_PERIOD_MIN_MS} to ${SCAN_PERIOD_MAX_MS})`)
      .option("--token <id>", "which paired token"),
  ).action((opts: TokenOpts & { window: string; period: string }) =>
    plainFailures(async () => {
      const p = wholeNumber("period", opts.period, SCAN_PERIOD_MIN_MS, SCAN_PERIOD_MAX_MS, MS);
      const w = wholeNumber("window", opts.window, SCAN_WINDOW_MIN_MS, Math.floor(p / 2), MS, ["at most half of --period", "--period の半分以下"]);
      await withToken(opts, async (s) => s.setScan(w, p));
      process.stdout.write(say(`Scanning: ${w} ms every ${p} ms.\n`, `スキャン：${p} ミリ秒ごとに ${w} ミリ秒にしました。\n`));
    }),
  );

  for (const what of ["erase", "decommission"] as const) {
    addTransportOptions(
      token
        .command(what)
        .description(what === "erase"
          ? "consent withdrawn: erase every key and record on the token and this computer's copies"
          : "stop the token for good (no more recording), erasing everything, as COCOA's function stop did")
        .option("--token <id>", "which paired token")
        .option("--yes", "really do it"),
    ).action((opts: TokenOpts) =>
      plainFailures(async () => {
        if (!opts.yes) throw new UsageError(say(`this cannot be undone; add --yes to ${what} the token`, `元に戻せません。実行するには --yes を付けてください。`));
        let id = "";
        const data = new DataDir();
        await withHomeLock("token " + what, async () => {
          await withToken(opts, async (s, _data, tokenId) => {
            id = tokenId;
            if (what === "erase") await s.eraseAll();
            else await s.decommission();
          });
          await rm(data.tokenDir(id), { recursive: true, force: true });
        }, data.root);
        process.stdout.write(say(
          `Token "${id}" erased` + (what === "decommission" ? " and stopped" : "") + "; this computer's copies were deleted too.\n",
          `お守り「${id}」のデータを消去しました` + (what === "decommission" ? "（お守りは停止しました）" : "") + "。このパソコンの記録も削除しました。\n",
        ));
      }),
    );
  }
}
