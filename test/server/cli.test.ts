import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { main } from "../../host-tools/cli/main";
import { useLanguage } from "../../host-tools/base/language";
import { openDataDir } from "../../host-tools/server/dataDir";
import { consumeNumber } from "../../host-tools/server/processingNumbers";
import { openStore } from "../../host-tools/server/store";

/** Runs the CLI in-process and captures what it prints. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write;
  const w2 = process.stderr.write;
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(["node", "omamori", ...args]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = undefined;
    useLanguage(null); // a --lang given to this run does not reach the tests after it
  }
}

describe("omamori server (CLI)", () => {
  let dir: string;
  beforeEach(() => (dir = join(mkdtempSync(join(tmpdir(), "omamori-cli-")), "data")));
  afterEach(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("init_newDir_printsKeyIdVersionAndThePublicKeyItSaved", async () => {
    const r = await run("server", "init", "--data", dir, "--public-url", "https://cdn.example.jp");
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/key id:\s+440/);
    expect(r.out).to.match(/key version:\s+v1/);
    const pem = readFileSync(join(dir, "public-key.pem"), "utf8");
    expect(r.out).to.contain(pem.trim());
    const b64 = /base64 SPKI\): (\S+)/.exec(r.out)![1];
    expect(pem.replace(/-----[^-]+-----|\s/g, "")).to.equal(b64);
    const again = await run("server", "init", "--data", dir);
    expect(again.out).to.match(/already exists/);
    expect(again.out).to.contain(b64);
  });

  it("issueNumber_printsAWorkingEightDigitNumberInBothLanguages", async () => {
    await run("server", "init", "--data", dir);
    const r = await run("server", "issue-number", "--data", dir, "--ttl-hours", "2");
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/処理番号/);
    const number = /: (\d{8})\n/.exec(r.out)![1];
    const data = openDataDir(dir);
    const db = openStore(data.databasePath);
    try {
      expect(consumeNumber(db, data.numberSecret, number, Date.now() + 3600_000)).to.equal("ok");
    } finally {
      db.close();
    }
  });

  it("publish_withNow_writesListJson", async () => {
    await run("server", "init", "--data", dir, "--public-url", "https://cdn.example.jp");
    const r = await run("server", "publish", "--data", dir, "--now", "2026-11-20T12:00:00Z");
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/Published 0 key/);
    expect(JSON.parse(readFileSync(join(dir, "public", "c19r", "440", "list.json"), "utf8"))).to.deep.equal([]);
  });

  it("badInput_oneLineMessageExit2", async () => {
    const missing = await run("server", "issue-number", "--data", dir);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.match(/omamori server init --data/);
    expect(existsSync(dir)).to.equal(false);
    await run("server", "init", "--data", dir);
    for (const args of [
      ["issue-number", "--data", dir, "--ttl-hours", "0"],
      ["publish", "--data", dir, "--now", "yesterday"],
      ["publish", "--data", dir], // no public URL
      ["serve", "--data", dir, "--port", "70000"],
    ]) {
      const r = await run("server", ...args);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.err.trim().split("\n"), args.join(" ")).to.have.length(1);
    }
  });

  it("serve_portInUse_saysSoAndWhatToDo_inBothLanguages", async () => {
    await run("server", "init", "--data", dir);
    const busy = createServer();
    const port = await new Promise<number>((done) => busy.listen(0, "127.0.0.1", () => done((busy.address() as AddressInfo).port)));
    try {
      const r = await run("server", "serve", "--data", dir, "--port", String(port));
      expect(r.code).to.equal(2);
      expect(r.err).to.equal(`omamori: cannot listen on 127.0.0.1:${port}: the port is in use (another server already runs there?); stop it, or choose another --port\n`);
      const ja = await run("--lang", "ja", "server", "serve", "--data", dir, "--port", String(port));
      expect(ja.err).to.include("このポートは使用中です");
      expect(ja.err).to.include("別の --port を指定してください。");
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });

  it("serve_realProcess_answersHealthAndStopsCleanlyOnCtrlC", async () => {
    const bin = fileURLToPath(new URL("../../bin/omamori.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "server", "serve", "--data", dir, "--port", "0", "--publish-every-minutes", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("serve did not start within 20 s: " + out)), 20_000);
        child.stdout.on("data", () => {
          const m = /server at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on("exit", () => reject(new Error("serve exited early: " + out)));
      });
      expect(out).to.match(/key id 440, version v1, base64 SPKI \S+/);
      const health = await fetch(url + "/health");
      expect(health.status).to.equal(200);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      expect(out).to.match(/Server stopped/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
