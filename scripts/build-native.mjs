// Builds the native matcher (native/matcher, a C addon) with node-gyp. Run by `npm ci` (the
// package's install script) and before `npm test`; plain JavaScript because it runs before
// anything else is set up.
//
//   node scripts/build-native.mjs            build unless an up-to-date addon already loads
//   node scripts/build-native.mjs --force    always rebuild
//   node scripts/build-native.mjs --test     before `npm test`: as the first form, but a failed
//                                            build on a machine that has a C compiler fails
//                                            (the C code is broken, not the machine)
//
// Without a C compiler, make or Python the build fails; that is not an error for `npm ci`: it
// says so in one line and the matcher uses its JavaScript engine (docs/MATCHING.md).
// OMAMORI_SKIP_NATIVE=1 skips the build altogether.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "native", "matcher");
const addon = join(dir, "build", "Release", "omamori_matcher.node");
const args = process.argv.slice(2);
const force = args.includes("--force");
const forTests = args.includes("--test");

function newestSource() {
  let t = statSync(join(dir, "binding.gyp")).mtimeMs;
  for (const f of readdirSync(join(dir, "src"))) t = Math.max(t, statSync(join(dir, "src", f)).mtimeMs);
  return t;
}

function loads() {
  try {
    createRequire(import.meta.url)(addon).backends();
    return true;
  } catch {
    return false;
  }
}

/** node-gyp: the one npm runs scripts with, else the one bundled with npm beside this Node, else PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ["node-gyp"];
}

/** Node's own headers when they sit beside this Node (most installs): no download needed. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

if (process.env.OMAMORI_SKIP_NATIVE === "1") {
  console.log("omamori: native matcher not built (OMAMORI_SKIP_NATIVE=1); matching uses the JavaScript engine");
  process.exit(0);
}
if (!force && existsSync(addon) && statSync(addon).mtimeMs >= newestSource() && loads()) process.exit(0);

const [cmd, ...pre] = nodeGyp();
const r = spawnSync(cmd, [...pre, "rebuild", ...nodedirArgs()], { cwd: dir, encoding: "utf8" });
if (r.status === 0 && loads()) {
  console.log("omamori: native matcher built (native/matcher)");
  process.exit(0);
}
const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
/** The likely cause in a few words. */
function reason() {
  if (r.error) return r.error.message;
  if (/gyp ERR! find Python/.test(output)) return "Python was not found";
  const missing = output.match(/No such file or directory: '([^']+)'/) ?? output.match(/make(?:\[\d+\])?: ([^\s:]+): (?:No such file or directory|Command not found)/) ?? output.match(/([^\s:]+): (?:command )?not found/);
  if (missing) return `${missing[1]} was not found (no C compiler?)`;
  if (/gyp ERR! configure error/.test(output)) return "node-gyp could not configure the build (Node's headers missing?)";
  const err = output.split("\n").find((l) => /error/i.test(l) && !/gyp ERR!/.test(l));
  return (err ?? `node-gyp exited with ${r.status}`).trim();
}
const why = reason();
console.log(`omamori: the native matcher could not be built (${why}); matching will use the slower JavaScript engine. ` +
  "Install a C compiler, make and Python, then run: npm run build:native");
/** A C compiler on PATH (what node-gyp would call). */
function hasCompiler() {
  return ["cc", "gcc", "clang"].some((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
}

if (forTests && hasCompiler()) {
  process.stderr.write(output);
  process.exit(1);
}
