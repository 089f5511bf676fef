/**
 * `omamori sync [--token ID] [--transport ble|sim]`: pull a token's log into the data directory
 * ($OMAMORI_HOME or ~/.omamori, docs/FORMATS.md), set its clock, honour a pending alert, with a
 * progress bar. Press the token's button first (or set up the home hub).
 */
import { Command } from "commander";
import { SingleBar } from "cli-progress";
import { DataDir } from "../../sync/dataDir";
import { syncToken, pairNewToken } from "../../sync/syncToken";
import { addTransportOptions, chooseToken, openTransport, plainFailures, type TransportOptions } from "../../sync/cliSupport";
import { say } from "../../sync/language";
import { UsageError } from "../errors";

interface SyncOpts extends TransportOptions {
  token?: string;
  json?: boolean;
  chunk?: string;
}

export function registerSync(program: Command): void {
  addTransportOptions(
    program
      .command("sync")
      .description("copy the token's contact log to this computer, set its clock and health (press the token's button first)")
      .option("--token <id>", "which paired token (default: the only one)")
      .option("--chunk <bytes>", "log bytes per request (default: 512, or 3072 on boards with much RAM)")
      .option("--json", "print the result as JSON"),
  ).action((opts: SyncOpts) =>
    plainFailures(async () => {
      const data = new DataDir();
      const chunk = opts.chunk === undefined ? undefined : Number(opts.chunk);
      if (opts.chunk !== undefined && (!/^\d+$/.test(opts.chunk) || chunk! < 64 || chunk! > 4000)) throw new UsageError("--chunk must be 64..4000 bytes, got " + JSON.stringify(opts.chunk));
      let tokenId: string;
      let secret: Uint8Array | null = null;
      if (opts.transport === "sim" && (await data.tokenIds()).length === 0) {
        tokenId = opts.token ?? "sim-token";
      } else {
        tokenId = await chooseToken(data, opts.token);
        secret = (await data.loadToken(tokenId)).secret;
      }
      const t = await openTransport(opts, secret);
      try {
        if (!secret) {
          // a first simulated run: pair the simulated token in its button window
          await t.sim!.press();
          await pairNewToken({ transport: t.transport, data, tokenId, now: t.now });
          await t.sim!.press();
        }
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
            `お守り「${tokenId}」を同期しました: 新しい記録 ${report.scansAdded} 件（${report.bytesRead} バイト）を ${data.logPath(tokenId)} に保存しました\n`,
          ) +
            (report.alertSet ? say("The token now shows the contact alert.\n", "お守りに接触のお知らせを表示しました。\n") : "") +
            (report.reconnects ? say(`The connection dropped ${report.reconnects} time(s); the sync resumed where it stopped.\n`, `接続が ${report.reconnects} 回切れましたが、続きから同期しました。\n`) : ""),
        );
      } finally {
        await t.close();
      }
    }),
  );
}
