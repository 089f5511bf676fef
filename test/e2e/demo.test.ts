/**
 * `npm run demo` (host-tools/demo/run-demo.ts) as a newcomer runs it, minus the build that
 * `npm test` has just done: a separate process, English and Japanese, finishing well within two
 * minutes, printing the report paths, which exist.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../host-tools/demo/run-demo.ts", import.meta.url));

async function demo(outDir: string, lang: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, outDir], {
    env: { ...process.env, LANG: lang, LC_ALL: "" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  return { code, stdout, stderr, ms: Date.now() - t0 };
}

describe("npm run demo (host-tools/demo/run-demo.ts)", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "omamori-demo-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("tells the story in English, prints the report paths, and the reports exist", async () => {
    const out = join(dir, "en");
    const r = await demo(out, "en_US.UTF-8");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.ms).to.be.below(120_000);
    expect(r.stdout).to.match(/Five people get a token/);
    expect(r.stdout).to.match(/omamori register-positive/);
    expect(r.stdout).to.match(/E: CONTACT/);
    expect(r.stdout).to.match(/Large-print reports/);
    expect(r.stderr, "progress of the simulation").to.match(/simulating Mon-Thu: 100%/);
    for (const n of ["A", "B", "C", "D", "E"]) {
      const line = r.stdout.split("\n").find((l) => l.trim().startsWith(n + ": ") && l.includes("report-" + n));
      expect(line, "report path of " + n).to.be.a("string");
      const path = resolve(line!.trim().slice(3));
      expect((await stat(path)).size, path).to.be.above(500);
    }
  });

  it("tells it in Japanese when LANG is Japanese", async () => {
    const r = await demo(join(dir, "ja"), "ja_JP.UTF-8");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/5人がお守りを受け取り/);
    expect(r.stdout).to.match(/大きな文字の報告書/);
    expect(await stat(join(dir, "ja", "report-E-ja.html"))).to.be.an("object");
  });
});
