/**
 * How robust the story's outcomes are to the radio's randomness: runs host-tools/demo/story.ts with
 * N seeds and prints, per seed, each token's daily scores ("score/scan-seconds" per day with a
 * sighting) and how often each expectation of the story (docs/E2E.md) held. Not part of `npm test` (about 5 s a
 * seed); docs/E2E.md quotes its figures.
 *
 *   npx tsx test/e2e/sweep.ts [seeds, default 12] [scan window ms/period ms, e.g. 1000/60000]
 *
 * With a scan setting, every host sets it on its token right after pairing (SET_SCAN), and the
 * tokens' average current (the simulator's energy model) is printed beside the outcomes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStory } from "../../host-tools/demo/story";

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 12);
  const m = /^(\d+)\/(\d+)$/.exec(process.argv[3] ?? "");
  const scan = m ? { windowMs: Number(m[1]), periodMs: Number(m[2]) } : undefined;
  if (process.argv[3] && !scan) throw new Error("scan setting must look like 1000/60000 (window ms / period ms)");
  let microamps = 0;
  const held = { B: 0, C: 0, D: 0, E: 0, all: 0 };
  for (let i = 1; i <= n; i++) {
    const dir = mkdtempSync(join(tmpdir(), "omamori-sweep-"));
    try {
      const r = await runStory({ workDir: dir, seed: "sweep-" + i, scan });
      microamps += (["A", "B", "D", "E"] as const).reduce((a, t) => a + r.hosts[t].token.rt.energy.averageUa(), 0) / 4;
      const risky = (t: "B" | "C" | "D" | "E") => r.checks[t].result.summary.riskyDays > 0;
      const days = (t: "B" | "C" | "D" | "E") => r.checks[t].result.summary.days.map((d) => `${Math.round(d.scoreSum)}/${d.scanSeconds}s`).join(",") || "-";
      const ok = { B: risky("B"), C: !risky("C"), D: !risky("D"), E: risky("E") };
      for (const k of ["B", "C", "D", "E"] as const) if (ok[k]) held[k]++;
      if (ok.B && ok.C && ok.D && ok.E) held.all++;
      console.log(`seed sweep-${i}: B ${risky("B") ? "notified" : "not"} [${days("B")}]  C ${risky("C") ? "notified" : "not"} [${days("C")}]  D ${risky("D") ? "notified" : "not"} [${days("D")}]  E ${risky("E") ? "notified" : "not"} [${days("E")}]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`\nscan: ${scan ? scan.windowMs + " ms every " + scan.periodMs + " ms" : "firmware default"}; Puck.js tokens' average current ${(microamps / n).toFixed(1)} uA`);
  console.log(`expectation held in: B notified ${held.B}/${n}, C not ${held.C}/${n}, D not ${held.D}/${n}, E notified ${held.E}/${n}; all four ${held.all}/${n}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
