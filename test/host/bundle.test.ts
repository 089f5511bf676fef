import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentBundle } from "../../bin/bundle.js";
import { CHECK_NOW, makeHome } from "../report/fixtureHome";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the bundled omamori command (scripts/build-host.mjs, bin/bundle.js)", function () {
  this.timeout(120_000);

  it("bundle_currentWhileEverySourceIsUnchanged_notAfterAnEditOrAMove", () => {
    const root = mkdtempSync(join(tmpdir(), "omamori-bundle-"));
    mkdirSync(join(root, "dist", "host"), { recursive: true });
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\n");
    const st = statSync(join(root, "src", "a.ts"));
    const inputs = (at: string) => writeFileSync(join(root, "dist", "host", "inputs.json"), JSON.stringify({ root: at, inputs: [{ path: "src/a.ts", size: st.size, mtimeMs: st.mtimeMs }] }));
    inputs(root);
    expect(currentBundle(root)).to.equal(join(root, "dist", "host", "omamori.mjs"));
    inputs("/somewhere/else"); // the repository moved: the bundle's paths point elsewhere
    expect(currentBundle(root)).to.equal(null);
    inputs(root);
    utimesSync(join(root, "src", "a.ts"), new Date(), new Date(st.mtimeMs + 5000));
    expect(currentBundle(root)).to.equal(null);
    rmSync(join(root, "src", "a.ts"));
    expect(currentBundle(root)).to.equal(null);
    rmSync(root, { recursive: true });
  });

  it("omamori_check_bundledAndThroughTsx_sameOutput", () => {
    const b = spawnSync(process.execPath, [join(repo, "scripts", "build-host.mjs")], { encoding: "utf8" });
    expect(b.status, b.stdout + b.stderr).to.equal(0);
    expect(currentBundle(repo), "the bundle was just built from these sources").to.not.equal(null);
    const h = makeHome("risky");
    const run = (env: Record<string, string>) => {
      for (const f of ["check-history.json", "keys", join("tokens", "grandma", "alert-pending.json")]) rmSync(join(h.home, f), { recursive: true, force: true });
      return spawnSync(process.execPath, [join(repo, "bin", "omamori.js"), "check", "--now", CHECK_NOW, "--json"], { env: { ...process.env, OMAMORI_HOME: h.home, ...env }, encoding: "utf8" });
    };
    const bundled = run({});
    const tsx = run({ OMAMORI_NO_BUNDLE: "1" });
    expect(bundled.status, bundled.stderr).to.equal(tsx.status);
    expect(bundled.stderr).to.equal(tsx.stderr);
    const a = JSON.parse(bundled.stdout), t = JSON.parse(tsx.stdout);
    expect(a.tokens[0].summary.riskyMinutes).to.equal(26);
    expect(a).to.deep.equal(t);
    rmSync(h.root, { recursive: true });
  });
});
