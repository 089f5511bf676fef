/**
 * `omamori sync [--token ID] [--transport ble|sim]`: pull a token's log into the data directory
 * ($OMAMORI_HOME or ~/.omamori, docs/FORMATS.md), set its clock, honour a pending alert, with a
 * progress bar. Press the token's button first (or set up the home hub).
 */
import { Command } from "commander";
import { SingleBar } from "cli-progress";
import { DataDir } from "../../base/dataDir";
import { syncToken, connectToken } from "../../sync/syncToken";
import { runHub } from "../../sync/hub";
import { addTransportOptions, checked, chooseToken, openTransport, plainFailures, tokenSecret, type TransportOptions } from "../../sync/cliSupport";
import { say } from "../../base/language";
import { UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";
import { Limit } from "../../../common/formats/syncMessages";

interface SyncOpts extends TransportOptions {
  token?: string;
  hub?: boolean;
  rounds?: string;
  json?: boolean;
  chunk?: string;
}

export function registerSync(program: Command): void {
  addTransportOptions(
    program
      .command("sync")
      .description("copy the token's contact log to this computer, set its clock and health (press the token's button first)")
      .option("--token <id>", "which paired token (default: the only one)")
      .option("--chunk <bytes>", "log bytes per request, 64 to 4000 (default: 512, or 3072 on boards with much RAM)", checked(chunkBytes))
      .option("--json", "print the result as JSON")
      .option("--hub", "home hub: keep listening for the paired tokens' hub beacons and sync each when it appears")
      .option("--rounds <n>", "with --hub: stop after this many 10-minute listening rounds, 1 or more (default: run until stopped)", checked(roundCount)),
  ).action((opts: SyncOpts) =>
    plainFailures(async () => {
      const data = new DataDir();
      const chunk = opts.chunk === undefined ? undefined : chunkBytes(opts.chunk);
      if (opts.hub) return hubMode(data, opts);
      const tokenId = await chooseToken(data, opts.token);
      await withHomeLock("sync", () => syncOnce(data, tokenId, chunk, opts), data.root);
    }),
  );
}

function chunkBytes(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 64 || n > 4000) throw new UsageError(say(`--chunk must be a whole number of bytes from 64 to 4000, got ${JSON.stringify(v)}`, `--chunk は 64～4000 の整数（バイト）で指定してください（${JSON.stringify(v)} は使えません）。`));
  return n;
}

function roundCount(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new UsageError(say(`--rounds must be a whole number from 1 upwards, got ${JSON.stringify(v)}`, `--rounds は 1 以上の整数で指定してください（${JSON.stringify(v)} は使えません）。`));
  return n;
}

/** One sync of a paired token, with a progress bar on a terminal. */
async function syncOnce(data: DataDir, tokenId: string, chunk: number | undefined, opts: SyncOpts): Promise<void> {
  const secret = await tokenSecret(data, tokenId);
  const t = await openTransport(opts, secret);
  try {
    const bar = process.stderr.isTTY && !opts.json ? new SingleBar({ format: say("syncing", "同期中") + " [{bar}] {percentage}% {value}/{total} bytes", stream: process.stderr, hideCursor: true }) : null;
    let started = false;
    const report = await syncToken({
      transport: t.transport, data, tokenId, now: t.now, chunkBytes: chunk,
      onProgress: (p) => {
        if (!bar) return;
        if (!started) {
          bar.start(Math.max(p.totalBytes, p.bytes), 0);
          started = true;
        }
        bar.setTotal(Math.max(p.totalBytes, p.bytes));
        bar.update(p.bytes);
      },
      onWarning: (w) => process.stderr.write((bar && started ? "\n" : "") + "omamori: " + w + "\n"),
    });
    if (bar && started) bar.stop();
    if (opts.json) {
      process.stdout.write(JSON.stringify({ ...report, logPath: data.logPath(tokenId) }) + "\n");
      return;
    }
    process.stdout.write(
      say(
        `Synced token "${tokenId}": ${report.scansAdded} new sightings (${report.bytesRead} bytes), saved in ${data.logPath(tokenId)}\n`,
        `お守り「${tokenId}」を同期しました。新しい記録 ${report.scansAdded} 件（${report.bytesRead} バイト）を ${data.logPath(tokenId)} に保存しました。\n`,
      ) +
        (report.alertSet ? say("The token now shows the contact alert.\n", "お守りのランプで、接触のお知らせを表示しました。\n") : "") +
        (report.reconnects ? say(`The connection dropped ${report.reconnects} time(s); the sync resumed where it stopped.\n`, `接続が ${report.reconnects} 回切れましたが、続きから同期しました。\n`) : ""),
    );
  } finally {
    await t.close();
  }
}

/** `--hub`: serve hub beacons (a simulated token gets its hub switched on first, about every 30 minutes). */
async function hubMode(data: DataDir, opts: SyncOpts): Promise<void> {
  const rounds = opts.rounds === undefined ? undefined : roundCount(opts.rounds);
  const ids = opts.token !== undefined ? [await chooseToken(data, opts.token)] : await data.tokenIds();
  if (!ids.length) await chooseToken(data, undefined); // says how to pair one
  const secret = opts.transport === "sim" ? await tokenSecret(data, ids[0]) : null;
  const t = await openTransport(opts, secret);
  try {
    if (t.sim) {
      const s = await connectToken(t.transport, secret!, 20000, 10000);
      await s.setHub(Limit.HUB_MIN_SECONDS);
      await s.close();
    }
    process.stderr.write(say("Listening for hub beacons of: ", "ホームハブの信号を待っています：") + ids.join(", ") + "\n");
    await runHub({
      transport: t.transport, data, tokenIds: ids, rounds, now: t.now,
      around: (body) => withHomeLock("sync --hub", body, data.root),
      onSync: (r) => process.stdout.write(say(`Synced "${r.tokenId}": ${r.scansAdded} new sightings\n`, `「${r.tokenId}」を同期しました：新しい記録 ${r.scansAdded} 件\n`)),
      onWarning: (w) => process.stderr.write("omamori: " + w + "\n"),
    });
  } finally {
    await t.close();
  }
}
