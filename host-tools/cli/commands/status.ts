/**
 * `omamori status [--token ID] [--transport ble|sim] [--offline]`: the token's health in plain
 * words, read live (press the token's button first) or, with --offline or when the token is not
 * in reach, as it was at the last sync.
 */
import { Command } from "commander";
import { DataDir } from "../../base/dataDir";
import { connectToken } from "../../sync/syncToken";
import { statusLines } from "../../sync/statusText";
import { SyncError } from "../../sync/errors";
import { addTransportOptions, chooseToken, openTransport, plainFailures, tokenSecret, type OpenTransport, type TransportOptions } from "../../sync/cliSupport";
import { say } from "../../base/language";

interface StatusOpts extends TransportOptions {
  token?: string;
  offline?: boolean;
  json?: boolean;
}

export function registerStatus(program: Command): void {
  addTransportOptions(
    program
      .command("status")
      .description("show the token's health in plain words: battery, clock, storage, days in use")
      .option("--token <id>", "which paired token (default: the only one)")
      .option("--offline", "do not connect; show the state saved at the last sync")
      .option("--json", "print JSON"),
  ).action((opts: StatusOpts) =>
    plainFailures(async () => {
      const data = new DataDir();
      const tokenId = await chooseToken(data, opts.token);
      const state = await data.loadState(tokenId);
      let facts = state.status
        ? { tokenId, status: state.status, driftSeconds: state.driftSeconds, readAt: state.lastSyncAt, live: false, lastSyncAt: state.lastSyncAt, nowMs: Date.now() }
        : null;
      if (!opts.offline) {
        const secret = await tokenSecret(data, tokenId);
        let t: OpenTransport | null = null;
        try {
          t = await openTransport(opts, secret);
          const s = await connectToken(t.transport, secret, 20000, 10000);
          const { status, driftSeconds } = await s.status(t.now);
          await s.close();
          facts = { tokenId, status, driftSeconds, readAt: new Date(t.now()).toISOString(), live: true, lastSyncAt: state.lastSyncAt, nowMs: t.now() };
        } catch (e) {
          if (!(e instanceof SyncError) || !facts) throw e;
          process.stderr.write("omamori: " + e.message + " " + say("Showing the state from the last sync.", "前回の同期の時点の状態を表示します。") + "\n");
        } finally {
          await t?.close();
        }
      }
      if (!facts) throw new SyncError("not-found", say("and no sync has saved a state yet", "まだ一度も同期していません"));
      if (opts.json) process.stdout.write(JSON.stringify(facts) + "\n");
      else process.stdout.write(statusLines(facts).join("\n") + "\n");
    }),
  );
}
