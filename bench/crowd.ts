/**
 * Crowds: does a token still log a 15-minute contact at 1 m when it stands among many Bluetooth
 * devices (a commuter train, a day room)? From the BUILT firmware in the sim, with the CPU-time model
 * on (every advert heard costs the CPU its C side; GAEN ones also the JavaScript callback; Espruino's
 * event queue drops reports when it is full).
 *
 * Per crowd: four Puck.js tokens in a train carriage (20 m x 3 m), each with a phone owner standing
 * 1 m away for 15 minutes, then 5 minutes apart, again and again; the rest of the carriage is GAEN
 * devices nobody matches (sim/world/devices/advertiser.ts "gaen") and, where the row says so, the
 * non-GAEN adverts of phones, earbuds and beacons. A contact spans three 5-minute scan periods (one
 * window each; more in a crowd); the figures are the share of contacts whose neighbour the token
 * logged in at least one, at least two and all three of them.
 *
 * Run: npm run build && tsx bench/crowd.ts [--hours H] [--seeds N] [--json]
 * --json prints one JSON document: { crowds: [{ name, gaenDevices, otherDevices, contacts,
 * detected1, detected2, detected3 (fractions), reportsPerWindow, droppedPerWindow, cpuBusyPerWindowMs,
 * longestMs, longestWhere, recordsPerHour, cpuByWhere, wallSeconds }] }.
 */
import { toHex } from "../common/bytes";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { Random } from "../sim/world/random";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { TokenDevice } from "../sim/world/devices/token";
import type { PhoneDevice } from "../sim/world/devices/phone";
import { readWholeLog, simFirmware } from "../test/firmware/sim";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf("--" + name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0)) throw new RangeError("--" + name + " needs a positive number, got " + process.argv[i + 1]);
  return v;
}
const json = process.argv.includes("--json");
const hours = arg("hours", 2);
const seeds = arg("seeds", 1);
const board = process.argv.includes("--board") ? process.argv[process.argv.indexOf("--board") + 1] : "puckjs";
const MIN = 60_000;
const SUBJECTS = 4;

export interface CrowdSpec { name: string; gaen: number; phone: number; earbuds: number; beacon: number }

export const CROWDS: CrowdSpec[] = [
  { name: "quiet (only the neighbours)", gaen: 0, phone: 0, earbuds: 0, beacon: 0 },
  { name: "20 GAEN devices", gaen: 20, phone: 0, earbuds: 0, beacon: 0 },
  { name: "40 GAEN devices", gaen: 40, phone: 0, earbuds: 0, beacon: 0 },
  { name: "80 GAEN devices (a commuter train)", gaen: 80, phone: 0, earbuds: 0, beacon: 0 },
  { name: "80 GAEN + 80 phones' own adverts + 20 earbuds + 2 beacons", gaen: 80, phone: 80, earbuds: 20, beacon: 2 },
];

function hhmmss(ms: number): string {
  const s = Math.floor(ms / 1000);
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, "0")).join(":");
}

/** The crowd in the carriage: tokens and neighbours at fixed places, the rest at random ones. */
function scenario(c: CrowdSpec, seed: number): { spec: ScenarioSpec; contacts: { token: string; phone: string; from: number; to: number }[] } {
  const rng = new Random("crowd/" + c.name + "/" + seed);
  const start = Date.parse("2026-11-02");
  const devices: ScenarioSpec["devices"] = [];
  const schedule: ScenarioSpec["schedule"] = [];
  const contacts: { token: string; phone: string; from: number; to: number }[] = [];
  const all = (id: string, x: number, y: number) => schedule.push({ device: id, from: "00:00", to: "24:00", room: "car", at: [x, y] });
  // GAEN devices counted in the crowd: the tokens and their neighbours are part of it
  const others = Math.max(0, c.gaen - 2 * SUBJECTS);
  for (let k = 0; k < SUBJECTS; k++) {
    const t = "token" + k, p = "near" + k;
    devices.push({ id: t, kind: "token", board, carry: "lanyard" });
    devices.push({ id: p, kind: "phone", model: "android", carry: "pocket" });
    const x = 2.5 + 5 * k;
    all(t, x, 1.5);
    // 15 min within 1 m, 5 min away (out of range), from a phase of its own
    const phase = Math.floor(rng.uniform(0, 20)) * MIN;
    for (let m = phase; m + 15 * MIN <= hours * 60 * MIN; m += 20 * MIN) {
      schedule.push({ device: p, from: hhmmss(m), to: hhmmss(m + 15 * MIN), room: "car", at: [x + 1, 1.5] });
      contacts.push({ token: t, phone: p, from: start + m, to: start + m + 15 * MIN });
    }
  }
  const place = (id: string) => all(id, rng.uniform(0, 20), rng.uniform(0, 3));
  for (let i = 0; i < others; i++) { devices.push({ id: "g" + i, kind: "advertiser", profile: "gaen", carry: (["pocket", "hand", "bag"] as const)[i % 3] }); place("g" + i); }
  for (let i = 0; i < c.phone; i++) { devices.push({ id: "ph" + i, kind: "advertiser", profile: "phone", carry: "pocket" }); place("ph" + i); }
  for (let i = 0; i < c.earbuds; i++) { devices.push({ id: "eb" + i, kind: "advertiser", profile: "earbuds", carry: "hand" }); place("eb" + i); }
  for (let i = 0; i < c.beacon; i++) { devices.push({ id: "bc" + i, kind: "advertiser", profile: "beacon", carry: "table" }); place("bc" + i); }
  return {
    spec: { name: "crowd", start: "2026-11-02", days: 1, rooms: { car: { environment: "train" } }, devices, schedule },
    contacts,
  };
}

export interface CrowdResult {
  name: string; gaenDevices: number; otherDevices: number; contacts: number;
  detected1: number; detected2: number; detected3: number;
  reportsPerWindow: number; droppedPerWindow: number; cpuBusyPerWindowMs: number; longestMs: number; longestWhere: string; wallSeconds: number;
  /** Log records written per hour per token (log space: bench/storage.ts). */
  recordsPerHour: number;
  /** CPU ms per scan window by where the work started (the firmware's function names are minified). */
  cpuByWhere: Record<string, number>;
}

export function runCrowd(c: CrowdSpec, seedCount: number): CrowdResult {
  const started = Date.now();
  const firmware = { [board]: simFirmware(board) };
  let records = 0, n = 0, d1 = 0, d2 = 0, d3 = 0, windows = 0, reports = 0, dropped = 0, busy = 0, longest = 0, longestWhere = "";
  const byWhere: Record<string, number> = {};
  for (let seed = 1; seed <= seedCount; seed++) {
    const { spec, contacts } = scenario(c, seed);
    const sc = new Scenario(spec);
    const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "crowd-" + seed, makeToken: TokenDevice.factory({ firmware }) });
    const end = sc.startMs + hours * 60 * MIN;
    // read every log each half hour, as a hub would (how long a log lasts in a crowd is bench/storage.ts's matter)
    const heard: Record<string, { rpi: string; t: number }[]> = {};
    const read = () => {
      for (let k = 0; k < SUBJECTS; k++) for (const e of readWholeLog(w.device<TokenDevice>("token" + k).rt)) for (const s of e.scans) (heard["token" + k] ??= []).push({ rpi: e.rpi, t: s.t * 1000 });
    };
    for (let at = sc.startMs + 30 * MIN; at < end; at += 30 * MIN) {
      w.runUntil(at);
      read();
    }
    w.runUntil(end);
    for (let k = 0; k < SUBJECTS; k++) w.device<TokenDevice>("token" + k).rt.advanceTo(end + 30 * MIN);
    read();
    for (let k = 0; k < SUBJECTS; k++) {
      const t = w.device<TokenDevice>("token" + k);
      const phone = w.device<PhoneDevice>("near" + k);
      const mine = new Set(phone.advertised.map((a) => toHex(a.rpi).slice(0, 12)));
      const times = heard["token" + k].filter((x) => mine.has(x.rpi)).map((x) => x.t);
      records += t.omamori.state().log.records as number;
      for (const ct of contacts.filter((x) => x.token === "token" + k)) {
        // scan windows start every 5 min; the log's scan time is the window's start (s)
        const seen = new Set(times.filter((x) => x >= ct.from - 5000 && x < ct.to).map((x) => Math.round(x / 1000))).size;
        n++;
        if (seen >= 1) d1++;
        if (seen >= 2) d2++;
        if (seen >= 3) d3++;
      }
      const scans = t.omamori.state().scan.scans as number;
      windows += scans;
      reports += t.rt.ioStats.received;
      dropped += t.rt.ioStats.dropped;
      busy += t.rt.cpu.busyMs;
      if (t.rt.cpu.longestMs > longest) {
        longest = t.rt.cpu.longestMs;
        longestWhere = t.rt.cpu.longestWhere;
      }
      for (const [k, v] of Object.entries(t.rt.cpu.byWhere)) byWhere[k] = (byWhere[k] ?? 0) + v.ms;
    }
  }
  return {
    name: c.name, gaenDevices: Math.max(c.gaen, 2 * SUBJECTS), otherDevices: c.phone + c.earbuds + c.beacon, contacts: n,
    detected1: d1 / n, detected2: d2 / n, detected3: d3 / n,
    reportsPerWindow: reports / windows, droppedPerWindow: dropped / windows, cpuBusyPerWindowMs: busy / windows, longestMs: longest, longestWhere,
    recordsPerHour: records / (SUBJECTS * seedCount * (hours + 0.5)),
    cpuByWhere: Object.fromEntries(Object.entries(byWhere).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => [k, Math.round(v / windows)])),
    wallSeconds: (Date.now() - started) / 1000,
  };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ""));
if (isMain) {
  const only = process.argv.includes("--only") ? Number(process.argv[process.argv.indexOf("--only") + 1]) : -1;
  const out: CrowdResult[] = [];
  if (!json) {
    console.log("Crowds: 15-minute contacts at 1 m (" + board + " token on a lanyard, Android phone in a pocket) in a train carriage;");
    console.log(SUBJECTS + " tokens x " + hours + " h x " + seeds + " seed(s) per crowd; the CPU-time model on\n");
    console.log("   crowd                                                     contacts   >=1 period   >=2 of 3   3 of 3   reports/window   dropped/window   CPU busy/window   longest stretch");
  }
  CROWDS.forEach((c, i) => {
    if (only >= 0 && i !== only) return;
    const r = runCrowd(c, seeds);
    out.push(r);
    if (!json) {
      const pct = (x: number) => (100 * x).toFixed(1) + " %";
      console.log("   " + c.name.padEnd(58) + String(r.contacts).padEnd(11) + pct(r.detected1).padEnd(13) + pct(r.detected2).padEnd(11) + pct(r.detected3).padEnd(9) +
        r.reportsPerWindow.toFixed(0).padEnd(17) + r.droppedPerWindow.toFixed(0).padEnd(17) + (r.cpuBusyPerWindowMs.toFixed(0) + " ms").padEnd(18) + r.longestMs.toFixed(0) + " ms (" + r.longestWhere + ")   (" + r.wallSeconds.toFixed(0) + " s)");
      console.log("      log records per hour " + r.recordsPerHour.toFixed(0) + "; CPU ms per window by where: " + JSON.stringify(r.cpuByWhere));
    }
  });
  if (json) console.log(JSON.stringify({ bench: "crowd", board, hours, seeds, crowds: out }, null, 2));
}
