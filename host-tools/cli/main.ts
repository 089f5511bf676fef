/**
 * Entry point of the `omamori` command. Each command lives in its own module under
 * host-tools/cli/commands/ and registers itself on the program here; a command is
 * listed only once it works.
 */
import { Command, CommanderError } from "commander";
import { UsageError } from "./errors";
import { registerCrypto } from "./commands/crypto";
import { registerServer } from "./commands/server";
import { registerKeys } from "./commands/keys";
import { registerMatch } from "./commands/match";
import { registerCheck } from "./commands/check";
import { registerExportLog } from "./commands/export-log";
import { registerRegisterPositive } from "./commands/register-positive";
import { registerSync } from "./commands/sync";
import { registerStatus } from "./commands/status";
import { registerToken } from "./commands/token";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("omamori")
    .description("Omamori: exposure notification for people without a smartphone (host tool)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCrypto(program);
  registerServer(program);
  registerKeys(program);
  registerMatch(program);
  registerCheck(program);
  registerExportLog(program);
  registerRegisterPositive(program);
  registerSync(program);
  registerStatus(program);
  registerToken(program);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write("omamori: " + e.message + "\n");
      return 2;
    }
    throw e;
  }
}
