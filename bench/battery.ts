/**
 * Battery life to the end, simulated (not extrapolated): the BUILT firmware of a board in the sim
 * world, living a routine day after day, with real syncs from a laptop, until its cell can no longer
 * carry a scan window (the brown-out of sim/espruino/cell.ts). The energy model (docs/ENERGY.md) runs
 * at three ends at once on the same run (sim/espruino/energy.ts EnergyOptions.also): central, and the
 * ends of every uncertain figure that lengthen and shorten battery life; plus the central model in a
 * cell kept at 10 degrees C. The run goes on until the last of them ends.
 *
 * Routines (times local, Japan):
 *   home        lives alone; a visitor with a GAEN phone 15:00-16:00 every day; two neighbours'
 *               phones (their own non-GAEN adverts) through a brick wall 18:00-08:00; shopping on
 *               Wednesdays 10:00-11:00 among 15 GAEN devices, 15 phones' own adverts and 2 beacons;
 *               synced weekly by a relative (Sundays 15:30, a button press and `omamori sync`).
 *   care-home   a resident: own room at night, the day room 09:00-17:00 with 12 GAEN devices (other
 *               residents' tokens, staff phones), 6 phones' own adverts and 2 beacons; synced daily
 *               at 19:00 by the staff.
 *   commuter    weekdays: a train 07:40-08:20 and 18:00-18:40 among 80 GAEN devices, 80 phones' own
 *               adverts and 20 earbuds; an office 08:30-17:30 with 10 GAEN devices and 10 phones;
 *               home with a partner's GAEN phone in the evening; synced weekly (Saturdays).
 * The crowds are sim/world/devices/advertiser.ts devices (cheap: they never scan).
 *
 * Run: npm run build && tsx bench/battery.ts [--board id] [--routine name] [--max-days N] [--json] [--svg]
 * --svg writes docs/figures/battery.svg (days per board and routine: central, and the range).
 * --json prints { bench: "battery", runs: [{ board, routine, days: { central, long, short, cold10C }
 * (days to the brown-out; null when it had not come by max-days), mAhDrawn (central, at its end),
 * mAhPerDay (central, the token's own draw), share (central, fraction per category), warningDays
 * (central: days between the first "battery low" reading and the end), syncs, syncSeconds (mean),
 * wallSeconds }], savings: [{ what, mAhPerDay, days }] }.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allBoards, loadBoard } from "../boards/index";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { DataDir } from "../host-tools/base/dataDir";
import { SimTransport } from "../host-tools/sync/transports/sim";
import { pairNewToken, syncToken } from "../host-tools/sync/syncToken";
import { Random } from "../sim/world/random";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { SimCentral } from "../sim/world/central";
import { TokenDevice } from "../sim/world/devices/token";
import { ENERGY_CATEGORIES, type EnergyMeter } from "../sim/espruino/energy";
import { batteryPercent } from "../sim/espruino/cell";
import { advertEventUc, scanCurrentMa } from "../sim/espruino/power";
import { simFirmware } from "../test/firmware/sim";
import { rangeBars, writeFigure } from "./svg";

const DAY = 86_400_000;
const MIN = 60_000;
const json = process.argv.includes("--json");
function opt(name: string): string | undefined {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const MAX_DAYS = Number(opt("max-days") ?? 366);
if (!(MAX_DAYS >= 1 && MAX_DAYS <= 366)) throw new RangeError("--max-days must be 1..366, got " + opt("max-days"));
/** Local time offset of the routines (Japan). */
const UTC_OFFSET = 9;
/** 2026-01-05 is a Monday; the run starts at 09:00 local (the scenario's UTC midnight). */
const START = "2026-01-05";
/** Local midnight of the first day. */
const LOCAL_DAY0 = Date.parse("2026-01-05T00:00:00+09:00");

type Sched = ScenarioSpec["schedule"];
type Devs = ScenarioSpec["devices"];

interface Routine {
  name: string;
  what: string;
  /** Rooms, walls, the crowd; the token "t" is added by the caller with its own schedule. */
  build: (board: string, rng: Random) => { rooms: ScenarioSpec["rooms"]; walls?: ScenarioSpec["walls"]; devices: Devs; schedule: Sched };
  /** Days from the start (0 = Monday) at which the laptop syncs, and the local time. */
  syncEvery: number;
  syncFirstDay: number;
  syncAt: string;
}

function crowd(devs: Devs, sched: Sched, prefix: string, n: number, profile: string, room: string, w: number, h: number, from: string, to: string, days: Sched[number]["days"], rng: Random): void {
  for (let i = 0; i < n; i++) {
    const id = prefix + i;
    devs.push({ id, kind: "advertiser", profile, carry: (["pocket", "hand", "bag"] as const)[i % 3] });
    sched.push({ device: id, from, to, room, at: [rng.uniform(0, w), rng.uniform(0, h)], days });
  }
}

export const ROUTINES: Routine[] = [
  {
    name: "home", what: "lives alone; a daily visitor; neighbours through a wall; shopping weekly; synced weekly",
    syncEvery: 7, syncFirstDay: 6, syncAt: "15:30",
    build: (_b, rng) => {
      const devices: Devs = [];
      const schedule: Sched = [
        { device: "t", from: "00:00", to: "24:00", room: "home", at: [1, 1], days: ["sun", "mon", "tue", "thu", "fri", "sat"] },
        { device: "t", from: "00:00", to: "10:00", room: "home", at: [1, 1], days: ["wed"] },
        { device: "t", from: "11:00", to: "24:00", room: "home", at: [1, 1], days: ["wed"] },
      ];
      devices.push({ id: "visitor", kind: "advertiser", profile: "gaen", carry: "pocket" });
      schedule.push({ device: "visitor", from: "15:00", to: "16:00", room: "home", at: [2, 1] });
      crowd(devices, schedule, "nb", 2, "phone", "next", 4, 4, "18:00", "08:00", "all", rng);
      schedule.push({ device: "t", from: "10:00", to: "11:00", room: "shop", at: [5, 5], days: ["wed"] });
      crowd(devices, schedule, "sg", 15, "gaen", "shop", 20, 15, "10:00", "11:00", ["wed"], rng);
      crowd(devices, schedule, "sp", 15, "phone", "shop", 20, 15, "10:00", "11:00", ["wed"], rng);
      crowd(devices, schedule, "sb", 2, "beacon", "shop", 20, 15, "10:00", "11:00", ["wed"], rng);
      return {
        rooms: { home: { environment: "home", origin: [0, 0] }, next: { environment: "home", origin: [5, 0] }, shop: { environment: "hall", origin: [100, 0] } },
        walls: [{ rooms: ["home", "next"], material: "brick" }],
        devices, schedule,
      };
    },
  },
  {
    name: "care-home", what: "a resident: the day room with 20 devices 09:00-17:00, own room at night; synced daily",
    syncEvery: 1, syncFirstDay: 0, syncAt: "19:00",
    build: (_b, rng) => {
      const devices: Devs = [];
      const schedule: Sched = [
        { device: "t", from: "17:00", to: "09:00", room: "own", at: [1, 1] },
        { device: "t", from: "09:00", to: "17:00", room: "dayroom", at: [5, 4] },
      ];
      crowd(devices, schedule, "rg", 12, "gaen", "dayroom", 10, 8, "09:00", "17:00", "all", rng);
      crowd(devices, schedule, "rp", 6, "phone", "dayroom", 10, 8, "09:00", "17:00", "all", rng);
      crowd(devices, schedule, "rb", 2, "beacon", "dayroom", 10, 8, "00:00", "24:00", "all", rng);
      return {
        rooms: { own: { environment: "home", origin: [0, 0] }, dayroom: { environment: "hall", origin: [30, 0] } },
        devices, schedule,
      };
    },
  },
  {
    name: "commuter", what: "weekdays: 80 min a day in a train with 80 GAEN devices and 100 others, an office of 20; synced weekly",
    syncEvery: 7, syncFirstDay: 5, syncAt: "20:00",
    build: (_b, rng) => {
      const devices: Devs = [];
      const schedule: Sched = [
        { device: "t", from: "00:00", to: "07:40", room: "home", at: [1, 1], days: "weekdays" },
        { device: "t", from: "18:40", to: "24:00", room: "home", at: [1, 1], days: "weekdays" },
        { device: "t", from: "00:00", to: "24:00", room: "home", at: [1, 1], days: "weekends" },
        { device: "t", from: "07:40", to: "08:20", room: "car", at: [10, 1.5], days: "weekdays" },
        { device: "t", from: "18:00", to: "18:40", room: "car", at: [10, 1.5], days: "weekdays" },
        { device: "t", from: "08:20", to: "18:00", room: "office", at: [6, 4], days: "weekdays" },
      ];
      devices.push({ id: "partner", kind: "advertiser", profile: "gaen", carry: "pocket" });
      schedule.push({ device: "partner", from: "19:00", to: "23:00", room: "home", at: [3, 1] });
      for (const [from, to] of [["07:40", "08:20"], ["18:00", "18:40"]]) {
        crowd(devices, schedule, "cg" + from.slice(0, 2), 80, "gaen", "car", 20, 3, from, to, "weekdays", rng);
        crowd(devices, schedule, "cp" + from.slice(0, 2), 80, "phone", "car", 20, 3, from, to, "weekdays", rng);
        crowd(devices, schedule, "ce" + from.slice(0, 2), 20, "earbuds", "car", 20, 3, from, to, "weekdays", rng);
      }
      crowd(devices, schedule, "og", 10, "gaen", "office", 12, 8, "08:30", "17:30", "weekdays", rng);
      crowd(devices, schedule, "op", 10, "phone", "office", 12, 8, "08:30", "17:30", "weekdays", rng);
      return {
        rooms: { home: { environment: "home", origin: [0, 0] }, car: { environment: "train", origin: [100, 0] }, office: { environment: "hall", origin: [200, 0] } },
        devices, schedule,
      };
    },
  },
];

export interface BatteryRun {
  board: string; routine: string;
  days: { central: number | null; long: number | null; short: number | null; cold10C: number | null };
  mAhDrawn: number; mAhPerDay: number; share: Record<string, number>; warningDays: number | null;
  syncs: number; syncSeconds: number; syncNote: string; wallSeconds: number;
  /** The central meter's mAh per day by category (for the savings table). */
  byCategory: Record<string, number>;
}


/** What E.getBattery() would read under a scan window's load for this meter's cell now. */
function scanPercent(m: EnergyMeter): number {
  const b = m.board;
  const load = scanCurrentMa(b, m.variant) + m.currents.cpuMa;
  const drawn = m.totalMah();
  const v = b.current.regulator === "dcdc" ? m.cell.volts(drawn, m.currents.sleepUa / 1000, load) : m.cell.volts(drawn, m.currents.sleepUa / 1000 + load);
  return batteryPercent(b, v);
}

/** The owner presses the button once the token is not busy (a press while it works can be lost, as on the device). */
async function press(token: TokenDevice, c: SimCentral): Promise<void> {
  for (let i = 0; i < 100 && token.rt.cpuBusy(); i++) await c.runFor(Math.ceil(token.rt.cpuFreeAtMs() - token.rt.worldTimeMs()));
  token.rt.pressButton(150);
  await c.runFor(400);
}

export async function runBattery(board: string, r: Routine): Promise<BatteryRun> {
  const started = Date.now();
  const rng = new Random("battery/" + r.name);
  const built = r.build(board, rng);
  const spec: ScenarioSpec = {
    name: "battery-" + r.name, start: START, days: MAX_DAYS, utcOffsetHours: UTC_OFFSET,
    rooms: built.rooms, walls: built.walls,
    devices: [{ id: "t", kind: "token", board, carry: "lanyard" }, ...built.devices],
    schedule: built.schedule,
  };
  const sc = new Scenario(spec);
  const world = new World({
    phoneCrypto: fastCrypto, scenario: sc, seed: "battery-" + r.name,
    makeToken: TokenDevice.factory({
      firmware: { [board]: simFirmware(board) },
      runtime: { energy: { variant: "long", also: [{ variant: "central" }, { variant: "short" }, { variant: "central", temperatureC: 10 }] } },
    }),
  });
  const token = world.device<TokenDevice>("t");
  const meters = [token.rt.energy, ...token.rt.energy.companions];
  const [long, central, short, cold] = meters;
  const root = await mkdtemp(join(tmpdir(), "omamori-bench-battery-"));
  const data = new DataDir(root);
  let syncs = 0, syncMs = 0;
  let syncNote = "";
  try {
    // a board the simulated laptop cannot pair (a pairing that times out: pure-JS crypto under the CPU
    // model; no button) runs without syncs, and says so
    let paired = true;
    const pairer = new SimCentral(world, { id: "pair", where: { near: "t", offsetM: 0.5, carry: "table" } });
    try {
      await press(token, pairer);
      await pairNewToken({ transport: new SimTransport(pairer), data, tokenId: "t", now: () => world.now });
    } catch (e) {
      paired = false;
      syncNote = "no syncs: pairing failed in the sim (" + (e as Error).message + ")";
    }
    world.detach("pair");
    const day0 = LOCAL_DAY0;
    const [hh, mm] = r.syncAt.split(":").map(Number);
    let warnedAt: number | null = null;
    for (let d = 0; d < MAX_DAYS && long.brownOutAtMs === null; d++) {
      const syncAt = day0 + d * DAY + (hh * 60 + mm) * MIN;
      if (paired && d >= r.syncFirstDay && (d - r.syncFirstDay) % r.syncEvery === 0 && !token.rt.isHalted()) {
        world.runUntil(syncAt);
        if (long.brownOutAtMs !== null) break;
        const c = new SimCentral(world, { id: "laptop", where: { near: "t", offsetM: 0.5, carry: "table" } });
        await press(token, c);
        const t0 = world.now;
        try {
          await syncToken({ transport: new SimTransport(c), data, tokenId: "t", now: () => world.now, saveEveryMs: 600_000 });
          syncs++;
          syncMs += world.now - t0;
        } catch (e) {
          if (!token.rt.isHalted()) throw e;
        }
        world.detach("laptop");
      }
      world.runUntil(Math.max(world.now, Math.min(sc.endMs, day0 + (d + 1) * DAY)));
      if (warnedAt === null && central.brownOutAtMs === null && scanPercent(central) < 15) warnedAt = world.now;
    }
    const daysOf = (m: EnergyMeter) => (m.brownOut === null ? null : m.brownOut.days);
    // the central meter's figures at its own end (it goes on integrating while the longest-lived runs)
    const cats = central.brownOut?.mAhByCategory ?? central.mAhByCategory();
    const livedDays = central.brownOut?.days ?? (world.now - sc.startMs) / DAY;
    const total = ENERGY_CATEGORIES.reduce((a, k) => a + cats[k], 0);
    return {
      board, routine: r.name,
      days: { central: daysOf(central), long: daysOf(long), short: daysOf(short), cold10C: daysOf(cold) },
      mAhDrawn: total, mAhPerDay: (total - cats.selfDischarge) / livedDays,
      share: Object.fromEntries(ENERGY_CATEGORIES.map((k) => [k, cats[k] / total])),
      byCategory: Object.fromEntries(ENERGY_CATEGORIES.map((k) => [k, cats[k] / livedDays])),
      warningDays: warnedAt !== null && central.brownOutAtMs !== null ? (central.brownOutAtMs - warnedAt) / DAY : null,
      syncs, syncSeconds: syncs ? syncMs / syncs / 1000 : 0, syncNote, wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * What each saving buys on a board's central run, from its own breakdown and the energy model (not
 * simulated again): the advertising charge at another TX power or interval (power.ts advertEventUc),
 * the scan window at another length, the heartbeat blink every two minutes instead of every minute.
 */
export function savings(run: BatteryRun): { what: string; mAhPerDay: number; days: number }[] {
  const b = loadBoard(run.board);
  const cat = run.byCategory;
  const perDay = Object.values(cat).reduce((a, x) => a + x, 0);
  const capacity = (run.days.central ?? 0) * perDay;
  const txNow = b.radio.txPowerDbm;
  const ev = (dbm: number) => advertEventUc(b, { txPowerDbm: dbm, dataBytes: 31, connectable: false });
  const out: { what: string; mAhPerDay: number; days: number }[] = [];
  const add = (what: string, newPerDay: number) => out.push({ what, mAhPerDay: newPerDay, days: capacity / newPerDay });
  add("as simulated (TX " + txNow + " dBm, adverts every 270 ms, 290 ms window every 5 min, blink every minute)", perDay);
  for (const dbm of [b.radio.defaultTxPowerDbm, txNow - 4]) {
    if (dbm === txNow) continue;
    add("TX power " + dbm + " dBm" + (dbm === b.radio.defaultTxPowerDbm ? " (the board's default)" : "") + " (the claim in the metadata follows it)", perDay - cat.advertising * (1 - ev(dbm) / ev(txNow)));
  }
  add("adverts every 250 ms (GAEN allows 200-270)", perDay + cat.advertising * (275 / 255 - 1));
  add("scan window 250 ms instead of 290 (misses some contacts: docs/SCAN-DEFAULTS.md)", perDay - cat.scanning * (1 - 250 / 290));
  add("heartbeat blink every 2 min instead of every minute", perDay - cat.led / 2);
  return out;
}

function fmt(x: number | null): string {
  return x === null ? "> " + MAX_DAYS : x.toFixed(0);
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ""));
if (isMain) {
  const boardArg = opt("board");
  const routineArg = opt("routine");
  const boards = boardArg ? [loadBoard(boardArg)] : allBoards().filter((b) => b.id !== "pixljs");
  const routines = routineArg ? ROUTINES.filter((r) => r.name === routineArg) : ROUTINES;
  if (!routines.length) throw new RangeError("unknown routine " + JSON.stringify(routineArg) + "; known: " + ROUTINES.map((r) => r.name).join(", "));
  const runs: BatteryRun[] = [];
  if (!json) {
    console.log("Battery life to the brown-out, simulated day by day with real syncs (BUILT firmware, CPU-time model on)");
    console.log("central = every model figure at its central value; range = every figure at the end that shortens / lengthens life; 10 C = central, the cell at 10 degrees C");
    console.log("(Pixl.js is left out: it has no room for a log and stays quiet.)\n");
    console.log("   board        routine     battery           days: central (range)    10 C   mAh/day   battery-low warning   syncs (mean s)   where the charge goes (central)");
  }
  for (const r of routines) {
    for (const b of boards) {
      // the commute's crowds cost the simulator most: Puck.js boards only unless asked
      if (r.name === "commuter" && !boardArg && !b.id.startsWith("puckjs")) continue;
      const run = await runBattery(b.id, r);
      runs.push(run);
      if (!json) {
        const share = Object.entries(run.share).filter(([, v]) => v >= 0.02).sort((x, y) => y[1] - x[1]).map(([k, v]) => k + " " + Math.round(100 * v)).join(", ");
        console.log("   " + b.id.padEnd(13) + r.name.padEnd(12) + (b.battery.type + " " + b.battery.capacityMah + " mAh").padEnd(18) +
          (fmt(run.days.central) + " (" + fmt(run.days.short) + "-" + fmt(run.days.long) + ")").padEnd(25) + fmt(run.days.cold10C).padEnd(7) +
          run.mAhPerDay.toFixed(3).padEnd(10) + (run.warningDays === null ? "-" : run.warningDays.toFixed(0) + " days").padEnd(22) +
          (run.syncs + " (" + run.syncSeconds.toFixed(1) + ")").padEnd(17) + share + "   [" + run.wallSeconds.toFixed(0) + " s]" + (run.syncNote ? "\n      " + run.syncNote : ""));
      }
    }
  }
  const puckHome = runs.find((x) => x.board === "puckjs" && x.routine === "home") ?? runs[0];
  const sv = puckHome && puckHome.days.central !== null ? savings(puckHome) : [];
  if (!json && sv.length) {
    console.log("\nWhat each saving would buy on " + puckHome.board + ", " + puckHome.routine + " routine (from its central run's breakdown and the energy model):\n");
    for (const s of sv) console.log("   " + s.what.padEnd(100) + s.mAhPerDay.toFixed(3) + " mAh/day   " + s.days.toFixed(0) + " days");
  }
  if (json) console.log(JSON.stringify({ bench: "battery", maxDays: MAX_DAYS, runs: runs.map(({ byCategory: _b, ...x }) => x), savings: sv }, null, 2));
  if (process.argv.includes("--svg")) {
    const d = (x: number | null) => x ?? MAX_DAYS;
    const p = writeFigure("battery", rangeBars("Battery life to the brown-out, simulated (npm run bench -- battery)", "days", runs.map((r) => ({
      label: r.board + ", " + r.routine, central: d(r.days.central), low: d(r.days.short), high: d(r.days.long),
      note: (r.days.central === null ? "> " + MAX_DAYS : r.days.central.toFixed(0)) + " (" + (r.days.short === null ? ">" + MAX_DAYS : r.days.short.toFixed(0)) + "-" + (r.days.long === null ? ">" + MAX_DAYS : r.days.long.toFixed(0)) + ")",
    })), { value: 180, label: "goal 180 days (Puck.js at home)" }));
    if (!json) console.log("\nwrote " + p);
  }
}
