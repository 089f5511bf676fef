/**
 * The omamori command as a shell runs it (bin/omamori.js in a child process), with its output piped
 * into a reader that has already gone (`omamori check | head -1`): no crash and no stack trace, the
 * command still finishes its work and returns its own exit code.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/omamori.js", import.meta.url));

function runClosedPipe(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("omamori with its output piped into a reader that stopped", function () {
  this.timeout(120000);
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), "omamori-pipe-"))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("check still decides, writes its history and exits 4 (could not tell: nothing set up), with no EPIPE crash", async () => {
    const r = await runClosedPipe(["check"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
    expect(r.stderr).not.to.match(/EPIPE|Unhandled|node:events/);
    expect(r.code).to.equal(4);
    expect(existsSync(join(home, "check-history.json"))).to.equal(true);
  });
});
