/**
 * Firmware crypto figures (never asserted in tests): built file sizes per board, and the time per
 * operation of Omamori.crypto, pure ES5 against the board built-ins.
 *   1. on the simulator's Espruino runtime, as the tests boot it (V8: shows relative cost only);
 *   2. on Espruino's real interpreter when ESPRUINO_BIN names an Espruino Linux build
 *      (docs/FIRMWARE-BUILD.md "Checked on the real interpreter"); still a PC, not an nRF52.
 *      There it also counts how many of the 144 official RPI/AEM pairs each file reproduces.
 * Run: npm run build && tsx bench/firmware-crypto.ts   (ESPRUINO_BIN=/path/to/espruino optional)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allBoards, type Board } from "../boards/index";
import { DIST, sizeBudget } from "../scripts/build-firmware";
import { bootToken } from "../test/firmware-crypto/builtFile";
import { officialVectors } from "../test/helpers/vectors";

/** The same loop runs in both engines: ms per operation for the operations the token does. */
const TIMING_JS = `
function omamoriBench(now, rounds) {
  var c = Omamori.crypto, k = new Uint8Array(16), b = new Uint8Array(16), m = new Uint8Array(64), i, t0, out = {};
  t0 = now(); for (i = 0; i < rounds * 10; i++) b = c.aesEncryptBlock(k, b); out.aesBlock = (now() - t0) / (rounds * 10);
  t0 = now(); for (i = 0; i < rounds * 10; i++) c.sha256(m); out.sha256of64 = (now() - t0) / (rounds * 10);
  t0 = now(); for (i = 0; i < rounds; i++) c.rpik(k); out.rpik = (now() - t0) / rounds;
  var rk = c.rpik(k), ak = c.aemk(k), md = new Uint8Array(4);
  t0 = now(); for (i = 0; i < rounds * 10; i++) c.aem(ak, c.rpi(rk, 2642976 + i), md); out.rpiAndAem = (now() - t0) / (rounds * 10);
  return out;
}
function omamoriVectors(V) {
  function h2u(s) { var u = new Uint8Array(s.length / 2); for (var i = 0; i < u.length; i++) u[i] = parseInt(s.substr(2 * i, 2), 16); return u; }
  function u2h(u) { var s = ""; for (var i = 0; i < u.length; i++) s += (u[i] < 16 ? "0" : "") + u[i].toString(16); return s; }
  var c = Omamori.crypto, tek = h2u(V.tek), rk = c.rpik(tek), ak = c.aemk(tek), md = h2u(V.metadata), ok = 0;
  if (u2h(rk) !== V.rpik || u2h(ak) !== V.aemk) return 0;
  V.intervals.forEach(function (iv) { var r = c.rpi(rk, iv.enin); if (u2h(r) === iv.rpi && u2h(c.aem(ak, r, md)) === iv.aem) ok++; });
  return ok;
}`;

function crypto(b: Board): string {
  const sha = b.crypto.module && b.crypto.sha256 ? "built-in" : "pure";
  const aes = b.crypto.module && b.crypto.aesEcb ? "built-in" : "pure";
  return "sha256 " + sha + ", aes " + aes;
}

function table(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head].concat(rows)) console.log("  " + r.map((c, i) => c.padEnd(w[i])).join("  "));
}

const ms = (n: number) => (n < 0.1 ? n.toFixed(4) : n.toFixed(2));

function main(): void {
  const boards = allBoards();
  const code: Record<string, string> = {};
  for (const b of boards) code[b.id] = readFileSync(join(DIST, b.id + ".js"), "latin1");

  console.log("Built file sizes (dist/firmware/):");
  table(["board", "bytes", "budget", "crypto"], boards.map((b) => [
    b.id, String(code[b.id].length), sizeBudget(b) !== null ? String(sizeBudget(b)) : "-", crypto(b),
  ]));

  console.log("\nms per operation, simulator runtime on V8 (relative cost only):");
  const v8: Record<string, Record<string, number>> = {};
  for (const b of boards) {
    const token = bootToken(b.id, code[b.id] + TIMING_JS);
    v8[b.id] = token.rt.global.omamoriBench(() => performance.now(), 200);
  }
  const ops = ["aesBlock", "sha256of64", "rpik", "rpiAndAem"];
  table(["board", ...ops, "crypto"], boards.map((b) => [b.id, ...ops.map((o) => ms(v8[b.id][o])), crypto(b)]));

  const bin = process.env.ESPRUINO_BIN;
  if (!bin) {
    console.log("\n(Set ESPRUINO_BIN to an Espruino Linux build to time the real interpreter.)");
    return;
  }
  console.log("\nms per operation, Espruino interpreter (" + bin + "; a PC, not an nRF52):");
  const dir = mkdtempSync(join(tmpdir(), "omamori-bench-"));
  const real: Record<string, Record<string, number>> = {};
  const vectors: Record<string, string> = {};
  try {
    for (const b of boards) {
      const file = join(dir, b.id + ".js");
      writeFileSync(file, code[b.id] + TIMING_JS +
        "\nvar V = " + JSON.stringify(officialVectors()) + ";" +
        "\nprint('BENCH ' + JSON.stringify(omamoriBench(function () { return getTime() * 1000; }, 5)));" +
        "\nprint('VECTORS ' + omamoriVectors(V));quit();\n");
      const out = execFileSync(bin, [file], { cwd: dir, input: "", encoding: "latin1", timeout: 120000 });
      const line = out.split("\n").find((l) => l.indexOf("BENCH ") >= 0);
      if (!line) throw new Error("no BENCH line from " + b.id + ":\n" + out.slice(-500));
      real[b.id] = JSON.parse(line.slice(line.indexOf("BENCH ") + 6).trim());
      const vec = out.split("\n").find((l) => l.indexOf("VECTORS ") >= 0);
      vectors[b.id] = vec ? vec.slice(vec.indexOf("VECTORS ") + 8).trim() : "none";
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(["board", ...ops, "official vectors", "crypto"], boards.map((b) => [
    b.id, ...ops.map((o) => ms(real[b.id][o])), vectors[b.id] + "/144", crypto(b),
  ]));
  const p = real.puckjs, j = real.joltjs;
  console.log("\nratio pure (Jolt.js) / built-in (Puck.js): " + ops.map((o) => o + " " + (j[o] / p[o]).toFixed(0) + "x").join(", "));
}

main();
