/**
 * `npm run fuzz [-- SCALE]`: the fuzz and property tests, each run SCALE times (default 100) as
 * often as in `npm test`. A failure prints fast-check's seed and path; replay it with
 * FUZZ_SEED=<seed> npm run fuzz -- 1.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const scale = process.argv[2] ?? process.env.FUZZ_SCALE ?? "100";
if (!(Number(scale) > 0)) {
  console.error(`fuzz: the scale must be a number above 0, got ${scale}`);
  process.exit(2);
}
const mocha = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
const files = [
  "test/fuzz/**/*.test.ts",
  "test/server/clientAddress.test.ts",
  "test/server/guessLimiter.test.ts",
  "test/sync/hostBelief.test.ts",
];
console.log(`fuzz: ${scale} x the runs of npm test`);
const run = spawnSync(process.execPath, [mocha, "--no-config", "--node-option", "import=tsx", "--timeout", "0", "--reporter", "spec", ...files], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_SCALE: String(scale) },
});
process.exit(run.status ?? 1);
