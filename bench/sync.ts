/**
 * Sync speed in the simulator (docs/FORMATS.md "Flow of one sync"; figures, never asserted in tests).
 *
 * For Puck.js at 100 encounters/day and Bangle.js 2 at 5,000/day: a token running the built firmware
 * (dist/firmware/<board>.js) is paired, then fed that many distinct GAEN identifiers per day for
 * 14 days (delivered into its own scan windows), then synced in full and, after one more day, daily
 * (incremental), over the `sim` transport with MTU 23 and the board's largest MTU, and connection
 * intervals 7.5, 15 and 30 ms (4 link-layer packets per connection event, no Data Length Extension),
 * log chunks as the host asks by default (512 bytes on Puck.js, 3 KB on Bangle.js 2).
 *
 * sync time = simulated radio time (the world clock across the sync: scanning for the advert,
 *             connecting, MTU exchange, discovery, handshake, every request/response in whole
 *             connection events) + the token's JavaScript time per message, added here from a model
 *             because the emulator runs the JavaScript instantly:
 *   per message: JS_OP_MS x (fixed ops + per-byte ops x bytes + per-fragment ops x fragments)
 *              + per AES block (sealing) and per SHA-256 block (HMAC): built-in 0.05 ms (the sim
 *                runtime's own figure), pure JS AES_PURE_OPS / SHA_PURE_OPS operations
 *              + the app's at-rest decryption of the log bytes read (one AES block per 16 bytes).
 *   JS_OP_MS = 0.04 ms per simple JavaScript operation: Espruino interprets from source; its
 *   Performance page's loop examples run about 10-25 thousand simple operations per second on
 *   64-72 MHz Cortex-M parts. This is an estimate, not a measurement on hardware; the table also
 *   shows the total at half and double that speed.
 * Goals: full sync < 30 s on Puck.js; daily sync < 5 s. On Bangle.js 2 (no AES block function) both
 * the sync keystream and the app's at-rest log decryption come from its native AES-CCM
 * (firmware/crypto/ctr.ts).
 *
 * Run: tsx bench/sync.ts [--quick]   (--quick: 3 days instead of 14, one interval)
 */
import { statusFromRow } from "../common/formats/syncMessages";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { loadBoard } from "../boards/index";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { TokenDevice } from "../sim/world/devices/token";
import { SimCentral } from "../sim/world/central";
import { buildAdvert } from "../common/gaen/advert";
import { SimTransport } from "../host-tools/sync/transports/sim";
import { DataDir } from "../host-tools/base/dataDir";
import { pairNewToken, syncToken, type SyncReport } from "../host-tools/sync/syncToken";
import { fastCrypto } from "../host-tools/gaen/crypto";

const DAY = 86_400_000;
const quick = process.argv.includes("--quick");
const DAYS = quick ? 3 : 14;
const INTERVALS = quick ? [15] : [7.5, 15, 30];

/** Token JavaScript cost model (see the header). */
const JS_OP_MS = 0.04;
const BUILTIN_BLOCK_MS = 0.05;
const AES_PURE_OPS = 1200;
const SHA_PURE_OPS = 1500;
const FIXED_OPS = 250; // onWrite, reassembly, unseal checks, dispatch, readLog call, reply, queue
const PER_BYTE_OPS = 3; // CTR XOR loop (index, xor, store) over the response
const PER_FRAGMENT_OPS = 12; // fragment(), updateServices call

function shaBlocks(bytes: number): number {
  return Math.ceil((bytes + 9) / 64);
}

/**
 * Modelled token JS time for one request carrying `reqBytes` and answered with `respBytes` of
 * plaintext, `logBytes` of which the app decrypted from flash (at-rest AES-CTR, one block per 16
 * bytes).
 */
function tokenMessageMs(board: string, reqBytes: number, respBytes: number, logBytes: number, fragSize: number): number {
  const b = loadBoard(board);
  const builtinAes = b.crypto.module && b.crypto.aesEcb;
  const pureAesMs = AES_PURE_OPS * JS_OP_MS;
  // both keystreams (firmware/crypto/ctr.ts): built-in AES (Puck.js), native AES-CCM (Bangle.js 2), else pure JS
  const syncAesMs = builtinAes || b.crypto.aesCcm ? BUILTIN_BLOCK_MS : pureAesMs;
  // the app's at-rest decryption of the log (firmware/app/ringLog.ts): one AES block per 16 bytes
  const restAesMs = syncAesMs;
  const shaMs = b.crypto.module && b.crypto.sha256 ? BUILTIN_BLOCK_MS : SHA_PURE_OPS * JS_OP_MS;
  const aesMsTotal = (Math.ceil(reqBytes / 16) + Math.ceil(respBytes / 16)) * syncAesMs + Math.ceil(logBytes / 16) * restAesMs;
  // HMAC = inner hash over 64 + message, outer over 64 + 32; once for the request tag, once for the response tag
  const sha = shaBlocks(64 + 5 + reqBytes) + shaBlocks(96) + shaBlocks(64 + 5 + respBytes) + shaBlocks(96);
  const frags = Math.ceil((respBytes + 21) / (fragSize - 1));
  const ops = FIXED_OPS + PER_BYTE_OPS * (respBytes + reqBytes) + PER_FRAGMENT_OPS * frags + 2 * 64 * 2;
  return ops * JS_OP_MS + aesMsTotal + sha * shaMs;
}

/** Modelled token JS time of a whole sync: handshake and small requests, then the log reads. */
function tokenSyncMs(board: string, reads: number, logBytes: number, fragSize: number): number {
  const small = 5 * tokenMessageMs(board, 8, 250, 0, fragSize); // HELLO/AUTH proofs, STATUS, SET_CLOCK, BYE
  const avg = reads > 1 ? logBytes / (reads - 1) : 0;
  return small + (reads - 1) * tokenMessageMs(board, 9, avg + 4, avg, fragSize) + tokenMessageMs(board, 9, 4, 0, fragSize);
}

function scenario(board: string): ScenarioSpec {
  return {
    name: "bench-sync", start: "2026-11-02", days: DAYS + 3,
    rooms: { home: { environment: "home" } },
    devices: [{ id: "tok", kind: "token", board, carry: "table" }],
    schedule: [{ device: "tok", from: "00:00", to: "24:00", room: "home", at: [0, 0] }],
  };
}

/** Runs the token for `days`, handing it `perDay` new identifiers a day in its scan windows. */
function feed(world: World, token: TokenDevice, days: number, perDay: number): number {
  const until = world.now + days * DAY;
  const scansPerDay = DAY / 300_000;
  let carry = 0;
  let delivered = 0;
  let was = !!token.radioState().scanning;
  while (world.now < until) {
    const next = Math.min(until, token.nextEventTimeMs());
    world.runUntil(Math.max(next, world.now + 1));
    const now = !!token.radioState().scanning;
    if (now && !was) {
      carry += perDay / scansPerDay;
      const n = Math.floor(carry);
      carry -= n;
      for (let i = 0; i < n; i++) {
        const rpi = new Uint8Array(randomBytes(16));
        const aem = new Uint8Array(randomBytes(4));
        token.rt.deliverAdvert({ address: "c0:00:00:00:00:01", addressType: "random", rssi: -60, data: buildAdvert(rpi, aem) });
        delivered++;
      }
    }
    was = now;
  }
  return delivered;
}

async function press(token: TokenDevice, central: SimCentral): Promise<void> {
  token.rt.pressButton(150);
  await central.runFor(400);
}

interface Row {
  board: string;
  kind: string;
  mtu: number;
  intervalMs: number;
  records: number;
  bytes: number;
  requests: number;
  radioS: number;
  jsS: number;
  totalS: number;
  slowS: number;
  fastS: number;
  /** total if the app's at-rest decryption also used native AES (CCM on Bangle.js 2) */
}

async function measure(world: World, token: TokenDevice, board: string, kind: string, mtu: number, intervalMs: number, data: DataDir, tokenId: string, secret: Uint8Array): Promise<Row> {
  const central = new SimCentral(world, { id: "host-" + kind + "-" + mtu + "-" + intervalMs, mtu, connectionIntervalMs: intervalMs, where: { near: "tok", offsetM: 0.5, carry: "table" } });
  const transport = new SimTransport(central);
  await data.saveToken({ tokenId, secret, pairedAt: "", board });
  await press(token, central);
  const t0 = world.now;
  let requests = 0;
  const report: SyncReport = await syncToken({ transport, data, tokenId, now: () => world.now, saveEveryMs: 600_000, onProgress: () => requests++ });
  const radioS = (world.now - t0) / 1000;
  const linkMtu = transport.links[0]?.mtu ?? mtu;
  const frag = Math.min(244, linkMtu - 3);
  const reads = requests + 1; // the last read returns nothing
  const jsS = tokenSyncMs(board, reads, report.bytesRead, frag) / 1000;
  return {
    board, kind, mtu: linkMtu, intervalMs, records: report.status.recordsKept, bytes: report.bytesRead, requests: reads,
    radioS, jsS, totalS: radioS + jsS, slowS: radioS + 2 * jsS, fastS: radioS + jsS / 2,
  };
}

async function benchBoard(board: string, perDay: number): Promise<Row[]> {
  const b = loadBoard(board);
  const world = new World({ phoneCrypto: fastCrypto, scenario: new Scenario(scenario(board)), seed: "bench-sync-" + board });
  const token = world.device<TokenDevice>("tok");
  const setup = new SimCentral(world, { id: "setup", where: { near: "tok", offsetM: 0.5, carry: "table" } });
  const root = await mkdtemp(join(tmpdir(), "omamori-bench-sync-"));
  const data = new DataDir(join(root, "pairing"));
  await press(token, setup);
  const rec = await pairNewToken({ transport: new SimTransport(setup), data, tokenId: "bench", now: () => world.now });
  const t = performance.now();
  const delivered = feed(world, token, DAYS, perDay);
  process.stdout.write(`${b.name}: fed ${delivered} identifiers over ${DAYS} days in ${((performance.now() - t) / 1000).toFixed(1)} s of wall time; token keeps ${statusFromRow(token.omamori.host.status()).recordsKept} records (${statusFromRow(token.omamori.host.status()).storageUsedBytes} bytes), dropped ${statusFromRow(token.omamori.host.status()).recordsDropped}\n`);
  const rows: Row[] = [];
  const mtus = [23, b.radio.maxMtu];
  const dirs: Record<string, DataDir> = {};
  for (const mtu of mtus) {
    for (const iv of INTERVALS) {
      const key = mtu + "/" + iv;
      dirs[key] = new DataDir(join(root, "full-" + key.replace("/", "-")));
      rows.push(await measure(world, token, board, "full " + DAYS + " d", mtu, iv, dirs[key], "bench", rec.secret));
    }
  }
  feed(world, token, 1, perDay);
  for (const mtu of mtus) {
    for (const iv of INTERVALS) {
      rows.push(await measure(world, token, board, "daily", mtu, iv, dirs[mtu + "/" + iv], "bench", rec.secret));
    }
  }
  const errors = token.rt.uncaughtErrors;
  if (errors.length) process.stdout.write("token errors: " + errors.slice(0, 3).join(" | ") + "\n");
  await rm(root, { recursive: true, force: true });
  return rows;
}

function print(rows: Row[]): void {
  const head = ["board", "sync", "MTU", "interval ms", "records", "bytes", "requests", "radio s", "token JS s", "total s", "JS x2 s", "JS /2 s", "goal"];
  const cells = rows.map((r) => {
    const goal = r.kind === "daily" ? 5 : r.board === "puckjs" ? 30 : NaN;
    return [
      r.board, r.kind, String(r.mtu), String(r.intervalMs), String(r.records), String(r.bytes), String(r.requests),
      r.radioS.toFixed(1), r.jsS.toFixed(1), r.totalS.toFixed(1), r.slowS.toFixed(1), r.fastS.toFixed(1),
      Number.isNaN(goal) ? "-" : (r.totalS < goal ? "ok (<" : "OVER (>") + goal + " s)",
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padStart(w[i])).join("  ");
  process.stdout.write(line(head) + "\n" + cells.map(line).join("\n") + "\n");
}

/**
 * Home-hub beacon energy: a paired Puck.js with the hub off, then about every 30 (the token's minimum),
 * 60 and 120 minutes (a 4 s connectable window each time at a random moment, nobody connecting), one
 * simulated day each, from the runtime's energy model (sim/espruino/energy.ts).
 */
async function hubEnergy(board: string): Promise<void> {
  const b = loadBoard(board);
  const rows: string[][] = [];
  let base = 0;
  for (const minutes of [0, 30, 60, 120]) {
    const world = new World({ phoneCrypto: fastCrypto, scenario: new Scenario(scenario(board)), seed: "bench-hub" });
    const token = world.device<TokenDevice>("tok");
    const central = new SimCentral(world, { id: "hub", where: { near: "tok", offsetM: 0.5, carry: "table" } });
    const transport = new SimTransport(central);
    const root = await mkdtemp(join(tmpdir(), "omamori-bench-hub-"));
    const data = new DataDir(root);
    await press(token, central);
    const rec = await pairNewToken({ transport, data, tokenId: "hub", now: () => world.now });
    if (minutes) {
      await press(token, central);
      const { connectToken } = await import("../host-tools/sync/syncToken");
      const s = await connectToken(transport, rec.secret, 20000, 10000);
      await s.setHub(minutes * 60);
      await s.close();
    }
    await central.runFor(120_000); // windows close
    const uc0 = token.rt.energy.totalUc();
    await central.runFor(DAY);
    const mAh = (token.rt.energy.totalUc() - uc0) / 3.6e6;
    if (!minutes) base = mAh;
    rows.push([minutes ? "about every " + minutes + " min" : "off", mAh.toFixed(3), minutes ? "+" + (mAh - base).toFixed(3) : "-", minutes ? "+" + ((100 * (mAh - base)) / base).toFixed(1) + " %" : "-", (b.battery.capacityMah / mAh).toFixed(0)]);
    await rm(root, { recursive: true, force: true });
  }
  const head = ["home hub", "mAh/day", "extra mAh/day", "extra", "battery days"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padStart(w[i])).join("  ");
  process.stdout.write(`\nHome-hub beacon energy on ${b.name} (${b.battery.capacityMah} mAh ${b.battery.type}), one simulated day each:\n` + line(head) + "\n" + rows.map(line).join("\n") + "\n");
}

await hubEnergy("puckjs");

const all: Row[] = [];
all.push(...(await benchBoard("puckjs", 100)));
all.push(...(await benchBoard("banglejs2", quick ? 1000 : 5000)));
print(all);
const fast = all.filter((r) => r.intervalMs === Math.min(...INTERVALS));
for (const b of ["puckjs", "banglejs2"]) {
  const f = fast.filter((r) => r.board === b && r.kind !== "daily");
  if (f.length === 2) process.stdout.write(`${b}: full sync at MTU ${f[1].mtu} is ${(f[0].totalS / f[1].totalS).toFixed(1)}x faster than at MTU 23 (${Math.min(...INTERVALS)} ms interval)\n`);
}
process.stdout.write("token JS time is modelled (0.04 ms per JavaScript operation, built-in crypto 0.05 ms per block); radio time is simulated.\n");
