/**
 * `npm run bench`: every benchmark of the project, one after another, each in its own process
 * (so one's memory and JIT state do not colour the next). Each script prints its own figures and
 * ratios against a baseline it runs in the same process; nothing here asserts anything.
 *
 * Run one alone with `npx tsx bench/<name>.ts`. `npm run bench -- match sync` runs a subset.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** In the order a newcomer would read them: the token, the sim, sync, the host, the server. */
const BENCHES: { name: string; what: string }[] = [
  { name: "firmware-crypto", what: "firmware bundle sizes and crypto speed, built-in vs pure JS" },
  { name: "firmware", what: "token battery life, log capacity, RAM (variables idle and at peaks) and CPU time per board" },
  { name: "sim-runtime", what: "Espruino runtime speed (token-days per second), with the variable meter and CPU model on and off" },
  { name: "sim-calibration", what: "the sim's variable meter and CPU-time model against Espruino's real interpreter (needs OMAMORI_ESPRUINO_DIR)" },
  { name: "sim", what: "radio world speed, analytic vs per-advert baseline" },
  { name: "sync", what: "sync time over BLE in the sim (full and daily)" },
  { name: "match", what: "matching 6 million diagnosis keys against a dense 14-day log" },
  { name: "server", what: "diagnosis server submissions per second and publishing time" },
];

const only = process.argv.slice(2);
let failed = 0;
for (const b of BENCHES) {
  if (only.length > 0 && !only.includes(b.name)) continue;
  const file = join(here, b.name + ".ts");
  if (!existsSync(file)) continue;
  process.stdout.write(`\n=== ${b.name}: ${b.what} ===\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  process.stdout.write(`--- ${b.name} took ${((Date.now() - t0) / 1000).toFixed(1)} s (exit ${r.status})\n`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
