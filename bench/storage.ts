/**
 * Storage between syncs, per deployment and board: does the token's log keep everything it heard until
 * the next sync, and how long does that sync take? From the BUILT firmware in the sim, CPU-time model
 * on (so the sync time is the simulated radio time plus the token's own work, both on the world clock).
 *
 * Deployments (docs/ENERGY.md "Storage between syncs"):
 *   home-weekly     an owner living at home, synced once a week by a relative: 100 encounters a day
 *   care-home-hub   a care-home resident synced by a home hub about every hour: 2,000 encounters a day
 *   care-home-daily the same load synced once a day by the staff (no hub)
 * Each encounter is one identifier heard in three consecutive scan windows (a 15-minute contact: a
 * record of three scans, 24 bytes), spread evenly over the day.
 *
 * Run: npm run build && tsx bench/storage.ts [--board id] [--deployment name] [--json]
 * --json prints { bench: "storage", runs: [{ board, deployment, perDay, syncEveryHours, syncs,
 * recordsKept (on the token at the end), fed (encounters handed to the token), lost (of those, how many
 * never reached the laptop: the ring erased them before a sync read them; a last sync at the end),
 * syncSeconds: { mean, max } (the steady syncs), bytesPerSync (mean), wallSeconds }] }.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { allBoards, loadBoard } from "../boards/index";
import { statusFromRow } from "../common/formats/syncMessages";
import { buildAdvert } from "../common/gaen/advert";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { DataDir } from "../host-tools/base/dataDir";
import { SimTransport } from "../host-tools/sync/transports/sim";
import { pairNewToken, syncToken } from "../host-tools/sync/syncToken";
import { readLog } from "../host-tools/log/omamoriLog";
import { toHex } from "../common/bytes";
import { Scenario } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { SimCentral } from "../sim/world/central";
import { TokenDevice } from "../sim/world/devices/token";
import { simFirmware } from "../test/firmware/sim";

const HOUR = 3_600_000;
const json = process.argv.includes("--json");
function opt(name: string): string | undefined {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface Deployment { name: string; what: string; perDay: number; syncEveryHours: number; days: number }
export const DEPLOYMENTS: Deployment[] = [
  { name: "home-weekly", what: "at home, synced weekly by a relative", perDay: 100, syncEveryHours: 168, days: 15 },
  { name: "care-home-hub", what: "a care-home resident, a home hub about hourly", perDay: 2000, syncEveryHours: 1, days: 2 },
  { name: "care-home-daily", what: "a care-home resident, synced daily by the staff", perDay: 2000, syncEveryHours: 24, days: 3 },
];

export interface StorageRun {
  board: string; deployment: string; perDay: number; syncEveryHours: number; syncs: number;
  recordsKept: number; fed: number; lost: number; syncSeconds: { mean: number; max: number }; bytesPerSync: number; wallSeconds: number;
}

async function press(token: TokenDevice, c: SimCentral): Promise<void> {
  for (let i = 0; i < 100 && token.rt.cpuBusy(); i++) await c.runFor(Math.ceil(token.rt.cpuFreeAtMs() - token.rt.worldTimeMs()));
  token.rt.pressButton(150);
  await c.runFor(400);
}

export async function runStorage(board: string, d: Deployment): Promise<StorageRun> {
  const started = Date.now();
  const sc = new Scenario({
    name: "storage", start: "2026-11-02", days: d.days + 1, rooms: { home: { environment: "home" } },
    devices: [{ id: "t", kind: "token", board, carry: "table" }],
    schedule: [{ device: "t", from: "00:00", to: "24:00", room: "home", at: [0, 0] }],
  });
  const world = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "storage-" + d.name, makeToken: TokenDevice.factory({ firmware: { [board]: simFirmware(board) } }) });
  const token = world.device<TokenDevice>("t");
  const root = await mkdtemp(join(tmpdir(), "omamori-bench-storage-"));
  const data = new DataDir(root);
  try {
    const pairer = new SimCentral(world, { id: "pair", where: { near: "t", offsetM: 0.5, carry: "table" } });
    await press(token, pairer);
    await pairNewToken({ transport: new SimTransport(pairer), data, tokenId: "t", now: () => world.now });
    world.detach("pair");
    // encounters: each a fresh identifier heard in three consecutive windows
    const windowsPerDay = 288;
    let carry = 0;
    const live: { rpi: Uint8Array; aem: Uint8Array; left: number; rssi: number }[] = [];
    let was = false;
    const times: number[] = [];
    let bytes = 0, syncs = 0;
    const fed = new Set<string>();
    const end = sc.startMs + d.days * 24 * HOUR;
    let nextSync = sc.startMs + d.syncEveryHours * HOUR;
    while (world.now < end) {
      const next = Math.min(end, nextSync, token.nextEventTimeMs());
      world.runUntil(Math.max(next, world.now + 1));
      const now = !!token.radioState().scanning;
      if (now && !was) {
        carry += d.perDay / windowsPerDay;
        for (; carry >= 1 && world.now < end - HOUR; carry--) {
          const a = { rpi: new Uint8Array(randomBytes(16)), aem: new Uint8Array(randomBytes(4)), left: 3, rssi: -55 - Math.floor(Math.random() * 20) };
          live.push(a);
          fed.add(toHex(a.rpi.subarray(0, 6)));
        }
        for (const a of live) {
          token.rt.deliverAdvert({ address: "c0:00:00:00:00:01", addressType: "random", rssi: a.rssi, data: buildAdvert(a.rpi, a.aem) });
          a.left--;
        }
        for (let i = live.length - 1; i >= 0; i--) if (live[i].left <= 0) live.splice(i, 1);
      }
      was = now;
      if (world.now >= nextSync || world.now >= end) {
        nextSync += d.syncEveryHours * HOUR;
        const c = new SimCentral(world, { id: "laptop", where: { near: "t", offsetM: 0.5, carry: "table" } });
        await press(token, c);
        const t0 = world.now;
        const r = await syncToken({ transport: new SimTransport(c), data, tokenId: "t", now: () => world.now, saveEveryMs: 600_000 });
        world.detach("laptop");
        syncs++;
        if (world.now < end && (syncs > 1 || d.syncEveryHours >= 24)) {
          times.push((world.now - t0) / 1000);
          bytes += r.bytesRead;
        }
      }
    }
    // the encounters of the last hour close up to 20 min after they were first heard: let them, sync once more
    await new SimCentral(world, { id: "wait", where: { near: "t", offsetM: 0.5, carry: "table" } }).runFor(HOUR);
    world.detach("wait");
    const c = new SimCentral(world, { id: "laptop", where: { near: "t", offsetM: 0.5, carry: "table" } });
    await press(token, c);
    await syncToken({ transport: new SimTransport(c), data, tokenId: "t", now: () => world.now, saveEveryMs: 600_000 });
    world.detach("laptop");
    const got = new Set(((await readLog(data.logPath("t")))?.encounters ?? []).map((e) => e.rpi.toLowerCase()));
    let lost = 0;
    for (const x of fed) if (!got.has(x)) lost++;
    const st = statusFromRow(token.omamori.host.status());
    return {
      board, deployment: d.name, perDay: d.perDay, syncEveryHours: d.syncEveryHours, syncs,
      recordsKept: st.recordsKept, fed: fed.size, lost,
      syncSeconds: { mean: times.reduce((a, x) => a + x, 0) / Math.max(1, times.length), max: Math.max(0, ...times) },
      bytesPerSync: bytes / Math.max(1, times.length), wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ""));
if (isMain) {
  const boards = opt("board") ? [loadBoard(opt("board")!)] : allBoards().filter((b) => b.id !== "pixljs");
  const deps = opt("deployment") ? DEPLOYMENTS.filter((x) => x.name === opt("deployment")) : DEPLOYMENTS;
  if (!deps.length) throw new RangeError("unknown deployment " + JSON.stringify(opt("deployment")) + "; known: " + DEPLOYMENTS.map((x) => x.name).join(", "));
  const runs: StorageRun[] = [];
  if (!json) {
    console.log("Storage between syncs and sync time (BUILT firmware, CPU-time model on; sync time = the world clock across the sync)");
    console.log("(Pixl.js is left out: it has no room for a log.)\n");
    console.log("   board        deployment        encounters/day   sync every   records on the token   lost (of fed)        sync s (mean / max)   bytes per sync");
  }
  for (const d of deps) {
    for (const b of boards) {
      const r = await runStorage(b.id, d);
      runs.push(r);
      if (!json) {
        console.log("   " + b.id.padEnd(13) + d.name.padEnd(18) + String(d.perDay).padEnd(17) + (d.syncEveryHours >= 24 ? d.syncEveryHours / 24 + " d" : d.syncEveryHours + " h").padEnd(13) +
          String(r.recordsKept).padEnd(23) + (r.lost + " of " + r.fed).padEnd(21) + (r.syncSeconds.mean.toFixed(1) + " / " + r.syncSeconds.max.toFixed(1)).padEnd(22) + r.bytesPerSync.toFixed(0) + "   [" + r.wallSeconds.toFixed(0) + " s]");
      }
    }
  }
  if (json) console.log(JSON.stringify({ bench: "storage", runs }, null, 2));
}
