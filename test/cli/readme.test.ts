/**
 * The README's commands work as written: every `npx omamori ...` line in README.md and docs/ names a
 * command that exists, with options that command takes; and the README's "try every laptop command
 * without a token" block runs, line by line, through the real CLI (the server it starts in the
 * background runs in this process, on a free port instead of 8080).
 */
import { expect } from "chai";
import { readFileSync, readdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { buildProgram } from "../../host-tools/cli/main";
import { startServer } from "../../host-tools/server/httpServer";
import { runCli } from "../report/runCli";

const REPO = new URL("../../", import.meta.url);

function docs(): { file: string; text: string }[] {
  const files = ["README.md", ...readdirSync(new URL("docs/", REPO)).filter((f) => f.endsWith(".md")).map((f) => "docs/" + f)];
  return files.map((file) => ({ file, text: readFileSync(new URL(file, REPO), "utf8") }));
}

/** Lines of fenced code blocks that run `npx omamori`. */
function omamoriLines(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) inBlock = !inBlock;
    else if (inBlock && /^\s*npx omamori\b/.test(line)) out.push(line.replace(/\s+#.*$/, "").replace(/\s*&\s*$/, "").trim());
  }
  return out;
}

function words(line: string): string[] {
  return line.split(/\s+/).slice(2); // after "npx omamori"
}

/** The subcommand named by `args`, and the rest of the words. */
function resolve(program: Command, args: string[]): { cmd: Command; rest: string[] } {
  let cmd = program;
  let i = 0;
  while (i < args.length) {
    const sub = cmd.commands.find((c) => c.name() === args[i]);
    if (!sub) break;
    cmd = sub;
    i++;
  }
  return { cmd, rest: args.slice(i) };
}

describe("README commands", () => {
  it("every `npx omamori` line in README.md and docs/ names a real command with real options", () => {
    const program = buildProgram();
    let n = 0;
    for (const { file, text } of docs()) {
      for (const line of omamoriLines(text)) {
        n++;
        const { cmd, rest } = resolve(program, words(line));
        const where = `${file}: ${line}`;
        if (cmd === program) expect(rest.every((w) => w.startsWith("-")), where + " (unknown command)").to.equal(true);
        const known = new Set(["--help", "-h", "--lang", ...cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x))]);
        if (cmd === program) known.add("--version");
        for (const w of rest) if (w.startsWith("--")) expect(known.has(w.split("=")[0]), `${where}: ${w} is not an option of ${cmd.name()}`).to.equal(true);
      }
    }
    expect(n).to.be.greaterThan(15);
  });

  it("every command a message suggests runs as written: npx omamori ..., never a bare omamori (not on the PATH unless linked)", () => {
    const bare: string[] = [];
    const walk = (dir: URL): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
          if (e.name !== "demo") walk(new URL(e.name + "/", dir)); // the demo tells a story about the commands
        } else if (e.name.endsWith(".ts")) {
          const lines = readFileSync(new URL(e.name, dir), "utf8").split("\n");
          lines.forEach((l, i) => {
            if (/^\s*(\*|\/\/|\/\*\*)/.test(l)) return; // comments
            if (/(?<!npx )omamori (sync|check|status|token|keys|match|export-log|register-positive|server|settings|crypto)\b/.test(l)) bare.push(`${e.name}:${i + 1}: ${l.trim()}`);
          });
        }
      }
    };
    walk(new URL("host-tools/", REPO));
    expect(bare).to.deep.equal([]);
  });

  it("the try-out block of README.md runs as written, with a simulated token and a local server", async function () {
    this.timeout(240_000);
    const readme = readFileSync(new URL("README.md", REPO), "utf8");
    const block = readme.slice(readme.indexOf("**Try every laptop command without a token**"));
    const lines = omamoriLines(block.slice(0, block.indexOf("```\n", block.indexOf("```sh") + 5)));
    expect(lines.map((l) => words(l).slice(0, 2).join(" "))).to.deep.equal([
      "token pair", "sync --token", "status --token", "server init", "server serve", "server issue-number", "register-positive --token", "check --source",
    ]);
    const dir = mkdtempSync(join(tmpdir(), "omamori-readme-"));
    const port = await new Promise<number>((done) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    const cwd = process.cwd();
    process.chdir(dir);
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      const env = { OMAMORI_HOME: "./try-home", LANG: "en_GB.UTF-8" };
      let number = "";
      for (const line of lines) {
        const args = words(line.replaceAll("8080", String(port)));
        if (args[0] === "server" && args[1] === "serve") {
          server = await startServer({ dataDir: "./try-server", port, host: "127.0.0.1", publishEveryMinutes: 0 });
          continue;
        }
        if (args[0] === "register-positive") {
          // what the person types: yes, no symptoms, today's test date, the number just issued
          args.push("--yes", "--symptoms", "no", "--test-date", new Date().toISOString().slice(0, 10), "--number", number);
        }
        const r = await runCli(args, env);
        expect(r.code, line + "\n" + r.stdout + r.stderr).to.equal(0);
        if (args[1] === "issue-number") number = /\b(\d{8})\b/.exec(r.stdout)![1];
        if (args[0] === "check") expect(r.stdout).to.include("No contact found in the days your token's log covers");
        if (args[0] === "register-positive") expect(r.stdout).to.match(/Registered\./);
      }
    } finally {
      await server?.close();
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
