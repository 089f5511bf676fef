/**
 * Token firmware figures (never asserted in tests), from the BUILT files in the sim:
 *   1. scan settings: detection of 15-minute contacts at 1 m against Puck.js battery life, for
 *      several scan windows/periods (the evidence behind docs/SCAN-DEFAULTS.md);
 *   2. the draw per board with the default settings (the runtime's energy meter, a day in a room with
 *      one GAEN phone visiting 15 minutes every hour), and naive days = nominal capacity / that draw
 *      (bench/battery.ts simulates to the cell's real end instead);
 *   3. log capacity in days per board at 20 / 100 / 1,000 / 5,000 encounters a day, from the log
 *      area each board really gets with its firmware stored as .bootcde;
 *   4. detection in the shared scenarios;
 *   5. RAM and CPU per board over the same day as 2: JavaScript variables idle and at the peaks
 *      (sim/espruino/varMeter.ts), and the CPU's busy time, its longest stretch, callbacks it delayed
 *      and adverts lost to a full event queue (sim/espruino/cpuModel.ts).
 * Run: npm run build && tsx bench/firmware.ts [seeds]   (default 3 seeds per setting)
 */
import { allBoards } from "../boards/index";
import { toHex } from "../common/bytes";
import { RECORD_BASE_BYTES, SCAN_BYTES } from "../common/formats/logRecord";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { TokenDevice } from "../sim/world/devices/token";
import type { PhoneDevice } from "../sim/world/devices/phone";
import { bootToken, readWholeLog, simFirmware, state } from "../test/firmware/sim";

const seeds = Number(process.argv[2] ?? 3);
if (!(seeds >= 1)) throw new RangeError("seeds must be a positive number, got " + process.argv[2]);
const DAY = 86_400_000;
const MIN = 60_000;

/** One day: the token wearer at home all day; a phone owner sits 1 m away for 15 min each hour. */
function contactDay(board: string, seed: number): { spec: ScenarioSpec; contacts: [number, number][] } {
  const schedule: ScenarioSpec["schedule"] = [{ device: "t", from: "00:00", to: "24:00", room: "room", at: [1, 1] }];
  const contacts: [number, number][] = [];
  const start = Date.parse("2026-11-02");
  for (let h = 0; h < 23; h++) {
    const m = (h * 37 + seed * 11) % 45;
    const hhmm = (x: number) => String(Math.floor(x / 60)).padStart(2, "0") + ":" + String(x % 60).padStart(2, "0");
    schedule.push({ device: "p", from: hhmm(h * 60 + m), to: hhmm(h * 60 + m + 15), room: "room", at: [2, 1] });
    contacts.push([start + (h * 60 + m) * MIN, start + (h * 60 + m + 15) * MIN]);
  }
  return {
    spec: {
      name: "contacts", start: "2026-11-02", days: 1, utcOffsetHours: 0,
      rooms: { room: { environment: "home" } },
      devices: [{ id: "t", kind: "token", board, carry: "lanyard" }, { id: "p", kind: "phone", model: "android", carry: "pocket" }],
      schedule,
    },
    contacts,
  };
}

const firmwareCache: Record<string, string> = {};

/** Runs one contact day; returns detected contacts, contacts, scans per contact, battery days. */
function runDay(board: string, seed: number, windowMs: number | null, periodMs: number | null) {
  const { spec, contacts } = contactDay(board, seed);
  const sc = new Scenario(spec);
  firmwareCache[board] ??= simFirmware(board);
  const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "bench-" + seed, makeToken: TokenDevice.factory({ firmware: { [board]: firmwareCache[board] } }) });
  const t = w.device<TokenDevice>("t");
  if (windowMs !== null) {
    let ok = false;
    t.rt.runCallback(() => { ok = t.omamori.host.setScanSettings(windowMs, periodMs); }, null, []);
    if (!ok) throw new Error("scan settings refused: " + windowMs + "/" + periodMs);
  }
  w.runUntil(sc.endMs);
  t.rt.advanceTo(sc.endMs + 30 * MIN);
  const phone = w.device<PhoneDevice>("p");
  const prefixes = new Set<string>();
  for (const k of phone.dailyKeys()) {
    const rpik = fastCrypto.rpik(k.tek);
    for (let i = 0; i < 144; i++) prefixes.add(toHex(fastCrypto.rpi(rpik, k.rollingStart + i)).slice(0, 12));
  }
  const times: number[] = [];
  for (const e of readWholeLog(t.rt)) if (prefixes.has(e.rpi)) for (const s of e.scans) times.push(s.t * 1000);
  let detected = 0;
  let scans = 0;
  for (const [a, b] of contacts) {
    const n = times.filter((x) => x >= a - 5000 && x < b).length;
    scans += n;
    if (n > 0) detected++;
  }
  const hasLog = state(t.rt).log.pages > 0;
  return { detected, contacts: contacts.length, scansPerContact: scans / contacts.length, batteryDays: t.rt.energy.batteryLifeDays(), energy: t.rt.energy, hasLog, rt: t.rt };
}

function pct(x: number): string {
  return (100 * x).toFixed(1) + " %";
}

// ---- 1. scan settings
console.log("1. Scan settings on Puck.js: detection of 15-min contacts at 1 m (token on a lanyard, phone in a pocket) vs battery life");
console.log("   " + seeds + " simulated days x 23 contacts per setting\n");
console.log("   window   period   detected   scans/contact   naive days (225 mAh / draw; bench/battery.ts for the real end)");
const settings: [number, number][] = [[100, 300000], [250, 300000], [290, 300000], [300, 300000], [500, 300000], [1000, 300000], [250, 180000], [250, 600000], [500, 600000], [2000, 300000]];
for (const [win, per] of settings) {
  let d = 0, n = 0, sc = 0, bat = 0;
  for (let s = 1; s <= seeds; s++) {
    const r = runDay("puckjs", s, win, per);
    d += r.detected; n += r.contacts; sc += r.scansPerContact; bat += r.batteryDays;
  }
  console.log("   " + (win + " ms").padEnd(9) + (per / 1000 + " s").padEnd(9) + pct(d / n).padEnd(11) + (sc / seeds).toFixed(2).padEnd(16) + (bat / seeds).toFixed(0));
}

// ---- 2. battery per board, default settings
console.log("\n2. Draw per board, default settings (same day: a phone 1 m away 15 min every hour); naive days = nominal capacity / draw\n");
console.log("   board        battery          naive days   mAh/day   where the charge goes (%)");
const dayRuns: Record<string, ReturnType<typeof runDay>> = {};
for (const b of allBoards()) {
  const r = runDay(b.id, 1, null, null);
  dayRuns[b.id] = r;
  const cat = r.energy.mAhByCategory();
  const total = r.energy.totalMah();
  const parts = Object.entries(cat).filter(([, v]) => v / total >= 0.01).map(([k, v]) => k + " " + Math.round((100 * v) / total)).join(", ");
  console.log("   " + b.id.padEnd(13) + (b.battery.type + " " + b.battery.capacityMah + " mAh").padEnd(17) + r.batteryDays.toFixed(0).padStart(4) +
    r.energy.mAhPerDay().toFixed(3).padStart(10) + "   " + parts + "   (detected " + r.detected + "/" + r.contacts + ")" +
    (r.hasLog ? "" : "  NO ROOM FOR A LOG: the radio stays off, so this is not a working figure"));
}

/**
 * Flash the token's settings take in its log pages when paired and in use for 14 days: one entry per
 * field (12 fields, 16 bytes each but the secret's 72, the at-rest key's 40 and up to 228 of errors) and
 * 15 daily keys of 28 bytes (firmware/app/store.ts): about 1 KB, an upper estimate.
 */
const SETTINGS_BYTES = 9 * 16 + 72 + 40 + 228 + 15 * 28;

// ---- 3. log capacity per board
console.log("\n3. Log capacity per board (firmware stored as .bootcde, the rest of Storage as on the device)\n");
console.log("   board        firmware   log pages   records (1 scan / 3 scans each)   days kept at 20 / 100 / 1,000 / 5,000 a day (1 scan; 3 scans)");
const rates = [20, 100, 1000, 5000];
for (const b of allBoards()) {
  const rt = bootToken({ board: b.id, seed: 1 });
  const log = state(rt).log;
  const fw = firmwareCache[b.id]?.length ?? simFirmware(b.id).length;
  // in flash a record is followed by its 4-byte check (firmware/app/ringLog.ts)
  const size = (scans: number) => RECORD_BASE_BYTES + 4 + SCAN_BYTES * (scans - 1);
  const per = (scans: number) => Math.floor((log.pageSize - 20) / size(scans));
  // the page about to be recycled is the oldest: a full ring keeps pages - 1 pages' worth for sure, less
  // the settings kept in the same pages (SETTINGS_BYTES)
  const keep = (scans: number) => Math.max(0, Math.max(0, log.pages - 1) * per(scans) - Math.ceil(SETTINGS_BYTES / size(scans)));
  const days = rates.map((r) => {
    const d1 = keep(1) / r, d3 = keep(3) / r;
    const f = (d: number) => (d >= 14 ? "14+" : d.toFixed(d < 1 ? 2 : 1));
    return f(d1) + "; " + f(d3);
  });
  console.log("   " + b.id.padEnd(13) + ((fw / 1024).toFixed(1) + " KB").padEnd(11) + String(log.pages).padEnd(12) +
    (keep(1) + " / " + keep(3)).padEnd(34) + days.join("  |  "));
}
console.log("\n   (14+ = the whole 14 days the token keeps; older records are erased anyway)");

// ---- 4. detection in the shared scenarios (sim/scenarios), against their ground truth
console.log("\n4. Shared scenarios: pair-days with at least 15 min within 1 m in the same room, and how many the token logged\n");
console.log("   scenario          token boards            pair-days >= 15 min at <= 1 m   logged by the token   wall s");
for (const name of ["conversation-2m", "household", "neighbour-wall", "e2e-story", "commuter-train", "care-home"]) {
  const started = Date.now();
  const sc = Scenario.load(name);
  const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "bench-" + name });
  const tokens = sc.devices.filter((d) => d.kind === "token").map((d) => d.id);
  // who advertised which identifier: every device's daily keys, after the run
  const heardBy: Record<string, Record<string, Set<string>>> = {};
  for (const t of tokens) heardBy[t] = {};
  const collect = () => {
    for (const t of tokens) {
      for (const e of readWholeLog(w.device<TokenDevice>(t).rt)) {
        for (const s of e.scans) (heardBy[t][e.rpi] ??= new Set()).add(new Date(s.t * 1000).toISOString().slice(0, 10));
      }
    }
  };
  for (let d = sc.startMs + DAY; d <= sc.endMs; d += DAY) {
    w.runUntil(d);
    collect(); // a daily sync: the log keeps 14 days, read it before it expires
  }
  const owner: Record<string, string> = {};
  for (const dev of sc.devices) {
    const keys = dev.kind === "token" ? w.device<TokenDevice>(dev.id).dailyKeys() : w.device<PhoneDevice>(dev.id).dailyKeys();
    for (const k of keys) {
      const rpik = fastCrypto.rpik(k.tek);
      for (let i = 0; i < 144; i++) owner[toHex(fastCrypto.rpi(rpik, k.rollingStart + i)).slice(0, 12)] = dev.id;
    }
  }
  let due = 0, got = 0, skipped = 0;
  const quiet = (id: string) => tokens.includes(id) && state(w.device<TokenDevice>(id).rt).log.pages === 0;
  const byBoard: Record<string, [number, number]> = {};
  const boardOf: Record<string, string> = {};
  for (const d of sc.devices) if (d.board) boardOf[d.id] = d.board;
  for (const p of sc.groundTruth()) {
    for (const [me, other] of [[p.a, p.b], [p.b, p.a]]) {
      if (!tokens.includes(me)) continue;
      for (const [day, m] of Object.entries(p.byDay)) {
        if (m.sameRoom.within1m < 15) continue;
        // a token without room for a log (Pixl.js) never advertises: nobody can log it, it logs nobody
        if (quiet(other) || quiet(me)) {
          skipped++;
          continue;
        }
        due++;
        const heard = Object.entries(heardBy[me]).some(([rpi, days]) => owner[rpi] === other && days.has(day));
        if (heard) got++;
        const b = (byBoard[boardOf[me]] ??= [0, 0]);
        b[0]++;
        if (heard) b[1]++;
      }
    }
  }
  const boards = [...new Set(sc.devices.filter((d) => d.kind === "token").map((d) => d.board))].join(", ");
  console.log("   " + name.padEnd(18) + boards.padEnd(24) + " " + String(due).padEnd(32) + (due ? got + " (" + pct(got / due) + ")" : "-").padEnd(22) +
    ((Date.now() - started) / 1000).toFixed(1));
  if (Object.keys(byBoard).length > 1) {
    console.log("      by the logging token's board: " + Object.entries(byBoard).map(([b, [n, g]]) => b + " " + g + "/" + n).join(", "));
  }
  if (skipped) console.log("      (" + skipped + " pair-days left out: one side is a token with no room for a log, which stays quiet)");
}

// ---- 5. RAM and CPU per board (the day of section 2)
console.log("\n5. RAM and CPU per board over the day of section 2 (variables: sim meter, lower bound at peaks; CPU: scaled to a 64 MHz nRF52)\n");
console.log("   board        variables   idle max        peak (where)                      out of memory   CPU busy s/day   longest ms (where)          delayed   adverts lost");
for (const b of allBoards()) {
  const rt = dayRuns[b.id].rt;
  const m = rt.vars!;
  const of = (n: number) => n + " (" + Math.round((100 * n) / m.total) + " %)";
  const days = rt.energy.elapsedMs() / DAY;
  console.log("   " + b.id.padEnd(13) + String(m.total).padEnd(12) + of(m.idle?.vars ?? 0).padEnd(16) +
    (of(m.peak?.vars ?? 0) + " " + (m.peak?.where ?? "")).padEnd(34) + String(rt.outOfMemory.length).padEnd(16) +
    (rt.cpu.busyMs / 1000 / days).toFixed(1).padEnd(17) + (rt.cpu.longestMs.toFixed(0) + " (" + rt.cpu.longestWhere + ")").padEnd(28) +
    String(rt.cpu.delayedCallbacks).padEnd(10) + rt.ioStats.dropped + " of " + rt.ioStats.received);
}
