/** Runs the omamori CLI in-process with a given environment, capturing stdout, stderr and the exit code. */
import { main } from "../../host-tools/cli/main";
import { useLanguage } from "../../host-tools/base/language";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write, env: { ...process.env }, exitCode: process.exitCode };
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  for (const k of ["LANG", "LC_ALL", "LC_MESSAGES", "OMAMORI_LANG", "OMAMORI_HOME"]) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "omamori", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    // restore key by key: replacing process.env by a plain object would cut it off from the
    // process (a later TZ change would no longer reach the clock)
    for (const k of Object.keys(process.env)) if (!(k in saved.env)) delete process.env[k];
    for (const [k, v] of Object.entries(saved.env)) if (process.env[k] !== v) process.env[k] = v;
    process.exitCode = saved.exitCode;
    useLanguage(null); // a --lang given to this run does not reach the tests after it
  }
}
