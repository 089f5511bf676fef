// `omamori` exactly as bin/omamori.js runs it, reporting its peak RSS on stderr at exit
// (bench/match.ts measures the command as a user runs it: process start to result).
process.on("exit", () => process.stderr.write(`\nBENCH_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`));
await import("../bin/omamori.js");
