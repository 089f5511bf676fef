/**
 * Two `omamori check` processes at once on one data folder (once 19 of 40 verified key files
 * vanished from keys/index.json): with the data-folder lock the second waits for the first, and
 * every file stays in the index. Real processes through bin/omamori.js, as a person would run them.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signedZip } from "../keys/fixtures";
import { DAY0_ENIN, randomTek } from "../match/logBuilder";
import { CHECK_NOW, makeHome, type Home } from "./fixtureHome";
import { lockDataDir } from "../../host-tools/base/lock";

const BIN = fileURLToPath(new URL("../../bin/omamori.js", import.meta.url));

/** Processes that said they wait for the lock. */
const lockWaiters: number[] = [];

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 50));
}

function omamori(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, OMAMORI_HOME: home, LANG: "en_GB.UTF-8" } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (/waiting for/.test(String(d))) lockWaiters.push(p.pid!);
    });
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("two checks at once", function () {
  this.timeout(180000);
  let h: Home;
  afterEach(() => rmSync(h.root, { recursive: true, force: true }));

  it("concurrentChecks_40KeyFiles_noIndexEntryLost_bothAnswer", async () => {
    h = makeHome("none");
    for (let i = 2; i <= 40; i++) {
      writeFileSync(join(h.keysDir, `${i}.zip`), signedZip([{ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 }], { batchNum: 1 }));
    }
    // hold the lock first, so that both checks are surely running and waiting when it is released
    const release = await lockDataDir(h.home, { command: "sync" });
    const both = Promise.all([
      omamori(["check", "--now", CHECK_NOW, "--json"], h.home),
      omamori(["check", "--now", CHECK_NOW, "--json"], h.home),
    ]);
    await waitFor(() => lockWaiters.length === 2);
    await release();
    const [a, b] = await both;
    for (const r of [a, b]) {
      expect(r.stderr, r.stderr).not.to.match(/\bat .*:\d+:\d+/);
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout).verdict).to.equal("no-contact");
    }
    const index = JSON.parse(readFileSync(join(h.home, "keys", "index.json"), "utf8"));
    expect(index.files).to.have.length(40);
    expect(new Set(index.files.map((f: { sha256: string }) => f.sha256)).size).to.equal(40);
    for (const r of [a, b]) expect(r.stderr).to.match(/waiting for `omamori sync` \(process \d+ on .*\) to finish with the data folder/);
    const hist = JSON.parse(readFileSync(join(h.home, "check-history.json"), "utf8"));
    expect(hist.checks).to.have.length(2);
    expect(existsSync(join(h.home, "lock"))).to.equal(false);
  });
});
