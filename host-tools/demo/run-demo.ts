/**
 * `npm run demo`: the end-to-end story (story.ts, the same code test/e2e/story.test.ts checks),
 * narrated in the terminal for a newcomer, in Japanese when LANG starts with "ja". Writes the
 * large-print HTML reports to ./demo-output/ (and the hosts' and the server's data under
 * ./demo-output/work/, to look at) and prints their paths. Needs nothing beyond `npm ci`.
 */
import { mkdir, rm } from "node:fs/promises";
import { resolve, join, relative } from "node:path";
import { SingleBar } from "cli-progress";
import { japanese } from "../base/language";
import { runStory, TOKENS } from "./story";

const lang = japanese() ? "ja" : "en";
const t = (en: string, ja: string) => (lang === "ja" ? ja : en);
const out = resolve(process.argv[2] ?? "demo-output");
const tty = process.stderr.isTTY === true;

function rule(title: string): void {
  process.stdout.write("\n" + title + "\n" + "-".repeat(Math.min(78, Math.max(20, title.length))) + "\n");
}

/** A bar per long step on a terminal; a line per quarter otherwise. */
function progressReporter() {
  let bar: SingleBar | null = null;
  let current = "";
  let lastQuarter = -1;
  return {
    update(label: string, done: number, total: number) {
      if (label !== current) {
        this.stop();
        current = label;
        lastQuarter = -1;
        if (tty) {
          bar = new SingleBar({ format: `  ${label} {bar} {percentage}%`, hideCursor: true, stream: process.stderr, clearOnComplete: true });
          bar.start(total, 0);
        }
      }
      if (bar) bar.update(done);
      else if (total > 4) {
        const q = Math.floor((4 * done) / total);
        if (q !== lastQuarter) {
          lastQuarter = q;
          process.stderr.write(`  ${label}: ${Math.round((100 * done) / total)}%\n`);
        }
      }
      if (done >= total) this.stop();
    },
    stop() {
      if (bar) bar.stop();
      bar = null;
      current = "";
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  rule(t("Omamori: the whole chain, from a positive test to a lit alert", "お守り：陽性の検査から、お知らせのランプが点くまで"));
  process.stdout.write(t(
    [
      "Five simulated tokens run the real firmware (dist/firmware/*.js) in an emulated Espruino, inside a",
      "simulated radio world with two ordinary phones. Everything else is the real Omamori code: pairing and",
      "syncing, `omamori register-positive`, the health authority's server, signed key files downloaded over",
      "HTTP, matching, reports, and the alert light. Only the radio is simulated. (About a minute.)",
    ].join("\n"),
    [
      "5つのお守りが、本物のファームウェア（dist/firmware/*.js）をエミュレートした Espruino の上で動きます。",
      "電波の世界とスマホ2台はシミュレーションです。それ以外はすべて本物のお守りのコードです：ペアリングと同期、",
      "`omamori register-positive`、保健当局のサーバー、署名付きの鍵ファイルのHTTPでの取得、照合、報告書、",
      "お知らせのランプ。シミュレーションは電波だけです。（1分ほどかかります）",
    ].join("\n"),
  ) + "\n\n");
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const progress = progressReporter();
  const r = await runStory({
    workDir: join(out, "work"),
    reportDir: out,
    lang,
    say: (line) => {
      progress.stop();
      process.stdout.write(line + "\n");
    },
    progress: (label, done, total) => progress.update(label, done, total),
  });
  progress.stop();

  rule(t("What happened", "まとめ"));
  for (const n of TOKENS) {
    const s = r.checks[n].result.summary;
    const lit = r.lights[n].alertPattern || (r.secondSync[n].alertSet && r.hosts[n].token.board.io.leds.length === 0);
    process.stdout.write(s.riskyDays > 0
      ? t(`  ${n}: notified (contact on ${s.riskyDays} day(s), ${s.riskyMinutes} min); token alert ${lit ? "on" : "NOT on"}\n`, `  ${n}: 通知あり（${s.riskyDays}日、${s.riskyMinutes}分）。お守りのお知らせ：${lit ? "点灯" : "点灯せず"}\n`)
      : t(`  ${n}: not notified\n`, `  ${n}: 通知なし\n`));
  }
  if (r.checks.E.result.summary.riskyDays > 0) {
    process.stdout.write("\n" + t(
      "E was told by keys published with transmission risk level 0 and report type UNKNOWN: the case that kept a third of\n" +
      "COCOA's users from ever being notified (2020-09 to 2021-02) works here, and the test suite checks it on every change.\n",
      "Eへの通知は、リスクレベル0・報告種別「不明」で公開された鍵によるものです。COCOAで利用者の3分の1に通知が届かなかった\n" +
      "ケース（2020年9月〜2021年2月）が、ここでは正しく動き、テストで毎回確かめています。\n",
    ));
  }
  process.stdout.write("\n" + t(
    "How sure is this? One run is one roll of the radio's dice. Over 12 different radio seeds\n" +
    "(`npx tsx test/e2e/sweep.ts`), B was notified in 12, C and D in none, E in 12 (docs/E2E.md).\n",
    "どのくらい確かか：1回の実行は電波の偶然の1回分です。12通りの電波の乱数で試すと（`npx tsx test/e2e/sweep.ts`）、\n" +
    "Bには12回とも通知が届き、CとDには一度も届かず、Eには12回とも届きました（docs/E2E.md）。\n",
  ));

  rule(t("Large-print reports (open in a browser, print for the owner)", "大きな文字の報告書（ブラウザーで開いて印刷できます）"));
  for (const n of TOKENS) process.stdout.write(`  ${n}: ${relative(process.cwd(), r.reports[n]) || r.reports[n]}\n`);
  process.stdout.write(t(
    `\nThe laptops' data folders (synced logs, downloaded keys) and the server's published folder are in ${relative(process.cwd(), join(out, "work"))}/.\n`,
    `\nパソコン側のデータ（同期した記録、取得した鍵）とサーバーの公開フォルダーは ${relative(process.cwd(), join(out, "work"))}/ にあります。\n`,
  ));
  process.stdout.write(t(
    `Simulated ${Math.round((r.checkedAtMs - r.scenario.startMs) / 3600_000)} hours of five tokens in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    `5つのお守りの${Math.round((r.checkedAtMs - r.scenario.startMs) / 3600_000)}時間分を ${((Date.now() - started) / 1000).toFixed(1)} 秒でシミュレーションしました。\n`,
  ));
}

main().catch((e) => {
  process.stderr.write(t("The demo stopped: ", "デモが止まりました：") + ((e as Error)?.stack ?? String(e)) + "\n");
  process.exitCode = 1;
});
