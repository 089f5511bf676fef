/**
 * The repository's shape, as docs/ARCHITECTURE.md states it: who may import whom, and that every
 * file the code and documents name exists in the repository (a reader can open it).
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));

function tracked(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter((f) => f && existsSync(join(ROOT, f)));
}

/** Repository paths imported by a TypeScript file. */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) out.push(normalize(join(dirname(file), m[1])));
  return out;
}

describe("architecture", () => {
  const ts = tracked().filter((f) => f.endsWith(".ts"));

  it("sim/ never imports host-tools/; host-tools/ imports sim/ only in the sim transport and the demo", () => {
    const wrong: string[] = [];
    for (const f of ts) {
      for (const i of imports(f)) {
        if (f.startsWith("sim/") && i.startsWith("host-tools/")) wrong.push(`${f} -> ${i}`);
        if (f.startsWith("host-tools/") && i.startsWith("sim/") && !f.startsWith("host-tools/sync/transports/") && !f.startsWith("host-tools/demo/")) wrong.push(`${f} -> ${i}`);
        if ((f.startsWith("firmware/") || f.startsWith("common/")) && (i.startsWith("host-tools/") || i.startsWith("sim/"))) wrong.push(`${f} -> ${i}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("every repository file named in code comments and documents exists", () => {
    const files = new Set(tracked());
    const missing: string[] = [];
    const roots = ["docs", "host-tools", "common", "firmware", "sim", "test", "bench", "scripts", "boards"];
    const pattern = new RegExp(`(?<![\\w/.-])((?:${roots.join("|")})/[\\w./-]*\\.(?:ts|md|json|proto|mjs))`, "g");
    for (const f of tracked().filter((x) => /\.(ts|md|json|proto)$/.test(x) && !x.startsWith("test/vectors/") && x !== "package-lock.json")) {
      const text = readFileSync(join(ROOT, f), "utf8");
      for (const m of text.matchAll(pattern)) {
        const p = m[1].replace(/\.$/, "");
        if (p.includes("<") || p.includes("*")) continue;
        if (!files.has(p) && !existsSync(join(ROOT, p))) missing.push(`${f}: ${p}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("no comment or document cites the specification files outside the repository, or an issue number", () => {
    const found: string[] = [];
    for (const f of tracked().filter((x) => /\.(ts|md|json|proto|mjs|js)$/.test(x) && x !== "package-lock.json")) {
      const text = readFileSync(join(ROOT, f), "utf8");
      text.split("\n").forEach((line, i) => {
        if (/\b(GAEN|ESPRUINO|COCOA)\.md\b|shared\/spec|\bissue [0-9]/.test(line) && !line.includes("architecture.test")) found.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found.filter((l) => !l.startsWith("test/build/architecture.test.ts"))).to.deep.equal([]);
  });
});
