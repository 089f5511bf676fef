/**
 * `omamori export-log [--token ID] [--out FILE]`: write a synced token's contact log in the
 * interchange format (docs/FORMATS.md), for owners who want their data or for `omamori match`.
 * The log is checked before it is written; without --out it goes to standard output.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { say } from "../../sync/language";
import { writeFileAtomicSync } from "../../keys/keyCache";
import { parseContactLog } from "../../match/logFormat";
import { omamoriHomeDir } from "../../report/checkSettings";
import { syncedTokenIds } from "../../report/runCheck";
import { UsageError } from "../errors";
import { asUsage } from "./keys";

export function registerExportLog(program: Command): void {
  program
    .command("export-log")
    .description("write a synced token's contact log (omamori-log JSON)")
    .option("--token <id>", "which token (needed when several are synced)")
    .option("--out <file>", "file to write (default: standard output)")
    .action((opts: { token?: string; out?: string }) => {
      const home = omamoriHomeDir();
      const ids = syncedTokenIds(home);
      let id = opts.token;
      if (id === undefined) {
        if (ids.length === 0) throw new UsageError(say(`no synced token in ${home}; sync a token first (omamori sync)`, `${home} に同期されたお守りがありません。先に同期してください (omamori sync)`));
        if (ids.length > 1) throw new UsageError(say(`several tokens are synced (${ids.join(", ")}); choose one with --token`, `複数のお守りがあります (${ids.join(", ")})。--token で選んでください`));
        id = ids[0];
      } else if (!ids.includes(id)) {
        throw new UsageError(say(`no synced log for token "${id}" (synced: ${ids.join(", ") || "none"})`, `お守り "${id}" の記録がありません (同期済み: ${ids.join(", ") || "なし"})`));
      }
      const path = join(home, "tokens", id, "log.json");
      const text = readFileSync(path, "utf8");
      const log = asUsage(path, () => parseContactLog(text));
      const out = JSON.stringify(log, null, 1) + "\n";
      if (!opts.out) {
        process.stdout.write(out);
        return;
      }
      if (existsSync(opts.out)) throw new UsageError(say(`${opts.out} already exists; choose another file name`, `${opts.out} はすでにあります。別の名前にしてください`));
      writeFileAtomicSync(opts.out, out);
      process.stderr.write(say(`Wrote the log of token ${id} (${log.encounters.length} entries) to ${opts.out}\n`, `お守り ${id} の記録 (${log.encounters.length} 件) を ${opts.out} に書きました\n`));
    });
}
