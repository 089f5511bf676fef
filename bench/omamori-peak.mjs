// `omamori` exactly as bin/omamori.js runs it, reporting on stderr at exit its peak resident
// memory and CPU time (bench/match.ts measures the command as a user runs it: process start to
// result). The peak is the address space's own high-water mark (VmHWM in /proc/self/status) where
// there is one: getrusage's maxRSS of a child that Node forked starts at its parent's size.
import { readFileSync } from "node:fs";

export function peakRssKb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  process.on("exit", () => {
    const c = process.cpuUsage();
    process.stderr.write(`\nBENCH_PEAK_RSS_KB=${peakRssKb()} BENCH_CPU_S=${((c.user + c.system) / 1e6).toFixed(3)}\n`);
  });
  await import("../bin/omamori.js");
}
