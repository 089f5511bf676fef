/**
 * scripts/build-native.mjs, the package's install script for the native matcher: when the addon
 * cannot be built (no C compiler, or the build fails) it says so in one line and exits 0, so
 * `npm ci` still succeeds and matching uses the JavaScript engine; before `npm test` (--test) a
 * failed build on a machine that has a compiler is an error (the C code is broken).
 *
 * Each case builds a copy of the script and the addon's sources in a temporary folder (the real
 * native/matcher/build is never touched), with node-gyp and Node's headers as `npm ci` finds them.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const COMPILER = /(^|-)(cc|c\+\+|gcc|g\+\+|clang|clang\+\+)(-[\d.]+)?$/;
const hasCompiler = ["cc", "gcc", "clang"].some((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);

/** A copy of what the install script needs: scripts/build-native.mjs and native/matcher's sources. */
function copyTree(root: string): void {
  mkdirSync(join(root, "scripts"), { recursive: true });
  cpSync(join(repo, "scripts", "build-native.mjs"), join(root, "scripts", "build-native.mjs"));
  mkdirSync(join(root, "native", "matcher"), { recursive: true });
  cpSync(join(repo, "native", "matcher", "binding.gyp"), join(root, "native", "matcher", "binding.gyp"));
  cpSync(join(repo, "native", "matcher", "src"), join(root, "native", "matcher", "src"), { recursive: true });
}

/**
 * A PATH with every program of this one except C and C++ compilers: make, Python and the shell's
 * tools are there, as on a machine where only the compiler is missing.
 */
function pathWithoutCompilers(bin: string): string {
  mkdirSync(bin, { recursive: true });
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (seen.has(name) || COMPILER.test(name)) continue;
      seen.add(name);
      try {
        if (statSync(join(dir, name)).isFile()) symlinkSync(join(dir, name), join(bin, name));
      } catch {
        /* a dangling link: leave it out */
      }
    }
  }
  return bin;
}

function build(root: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, "scripts", "build-native.mjs"), ...args], {
    cwd: root, encoding: "utf8", env: { ...process.env, OMAMORI_SKIP_NATIVE: "", ...env },
  });
}

const addonOf = (root: string) => join(root, "native", "matcher", "build", "Release", "omamori_matcher.node");

describe("native matcher build (scripts/build-native.mjs, run by npm ci)", function () {
  this.timeout(180_000); // node-gyp configures and compiles; slow on a busy 2-core machine
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "omamori-native-build-"));
    copyTree(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("build_noCompilerOnPath_saysSoInOneLine_exits0_evenForTests_noAddon", () => {
    const path = pathWithoutCompilers(join(root, "bin"));
    expect(spawnSync("cc", ["--version"], { env: { ...process.env, PATH: path } }).error, "cc must be out of reach").to.not.equal(undefined);
    for (const args of [[], ["--test"]]) {
      const r = build(root, args, { PATH: path });
      expect(r.status, `${args.join(" ")}: ${r.stdout}${r.stderr}`).to.equal(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines, r.stdout).to.have.length(1);
      expect(lines[0]).to.match(/could not be built \(.*(no C compiler|not found).*\); matching will use the slower JavaScript engine/);
      expect(lines[0]).to.include("npm run build:native");
      expect(existsSync(addonOf(root)), "no addon left behind").to.equal(false);
    }
  });

  it("build_cSourceThatDoesNotCompile_npmCiGoesOn_butTheTestBuildFails", function () {
    if (!hasCompiler) this.skip(); // the case needs a compiler that refuses the code
    writeFileSync(join(root, "native", "matcher", "src", "matcher.c"), "this is not C;\n");
    const install = build(root, []);
    expect(install.status, install.stdout + install.stderr).to.equal(0);
    expect(install.stdout).to.match(/could not be built .*slower JavaScript engine/);
    expect(existsSync(addonOf(root))).to.equal(false);
    const forTests = build(root, ["--test"]);
    expect(forTests.status, "a broken C source must fail npm test where a compiler exists").to.equal(1);
    expect(forTests.stderr).to.include("matcher.c");
  });
});
