/**
 * `omamori export-log [--token ID] [--out FILE]`: write a synced token's contact log in the
 * interchange format (docs/FORMATS.md), for owners who want their data or for `omamori match`.
 * The log is checked before it is written (host-tools/log/omamoriLog.ts); without --out it goes to
 * standard output; an existing file is never overwritten.
 */
import { existsSync } from "node:fs";
import { Command } from "commander";
import { say } from "../../base/language";
import { chooseToken, plainFailures } from "../../sync/cliSupport";
import { DataDir, omamoriHome } from "../../base/dataDir";
import { readLog, writeLog } from "../../log/omamoriLog";
import { UsageError } from "../../base/errors";

export function registerExportLog(program: Command): void {
  program
    .command("export-log")
    .description("write a synced token's contact log (omamori-log JSON)")
    .option("--token <id>", "which token (needed when several are paired)")
    .option("--out <file>", "file to write (default: standard output)")
    .action((opts: { token?: string; out?: string }) =>
      plainFailures(async () => {
        const data = new DataDir(omamoriHome());
        const id = await chooseToken(data, opts.token);
        const log = await readLog(data.logPath(id));
        if (!log) throw new UsageError(say(`token "${id}" has not been synced yet; sync it first (npx omamori sync --token ${id})`, `お守り「${id}」はまだ同期していません。先に同期してください（npx omamori sync --token ${id}）。`));
        if (!opts.out) {
          process.stdout.write(JSON.stringify(log, null, 1) + "\n");
          return;
        }
        if (existsSync(opts.out)) throw new UsageError(say(`${opts.out} already exists; choose another file name`, `${opts.out} はすでにあります。別の名前にしてください。`));
        await writeLog(opts.out, log);
        process.stderr.write(say(`Wrote the log of token ${id} (${log.encounters.length} entries) to ${opts.out}\n`, `お守り「${id}」の記録（${log.encounters.length} 件）を ${opts.out} に書き出しました。\n`));
      }),
    );
}
