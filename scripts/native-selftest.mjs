// Builds native/matcher/test/selftest.c with a C compiler and runs it on the official vectors
// (test/vectors/gaen-v1.2.json): the matcher's C code checked without Node, on this CPU or, with
// a cross compiler and qemu, on another:
//
//   node scripts/native-selftest.mjs
//   CC=aarch64-linux-gnu-gcc CFLAGS=-march=armv8-a+crypto RUN="qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu" \
//     node scripts/native-selftest.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "native", "matcher");
const nodeInclude = join(dirname(process.execPath), "..", "include", "node");
const dir = mkdtempSync(join(tmpdir(), "omamori-selftest-"));
const exe = join(dir, "selftest");
const cc = process.env.CC || "cc";
const flags = (process.env.CFLAGS || "").split(" ").filter(Boolean);
const sources = ["test/selftest.c", "src/matcher.c", "src/gaen_portable.c", "src/gaen_x86.c", "src/gaen_arm.c"].map((f) => join(src, f));
try {
  const b = spawnSync(cc, ["-O2", "-std=gnu11", "-Wall", "-Wextra", `-I${nodeInclude}`, ...flags, "-o", exe, ...sources], { encoding: "utf8" });
  process.stdout.write(b.stdout + b.stderr);
  if (b.status !== 0) throw new Error(`${cc} failed`);
  const v = JSON.parse(readFileSync(join(root, "test", "vectors", "gaen-v1.2.json"), "utf8")).set;
  const input = [`tek ${v.tek}`, `rpik ${v.rpik}`, ...v.intervals.map((i) => `rpi ${i.enin} ${i.rpi}`)].join("\n") + "\n";
  const [cmd, ...pre] = (process.env.RUN ? process.env.RUN.split(" ").filter(Boolean) : []).concat(exe);
  const r = spawnSync(cmd, pre, { input, encoding: "utf8" });
  process.stdout.write(r.stdout + r.stderr);
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
