/**
 * Scenarios as data (sim/scenarios/*.json): who is where, when. Format (docs/SIM-WORLD.md):
 *
 *   { "name", "description", "start": "2026-11-02" (UTC midnight, or an ISO time), "days": 14,
 *     "utcOffsetHours": 9,                       schedule times are local times at this offset
 *     "rooms": { "<room>": { "environment": "home"|"hall"|"train"|"street", "origin": [x, y] } },
 *     "walls": [ { "rooms": ["a", "b"], "material": "drywall"|"wood"|"brick"|"concrete", "count": 1 } ],
 *     "devices": [ { "id", "kind": "token"|"phone"|"advertiser", "board"|"model"|"profile",
 *                    "carry": "lanyard"|..., "clockDriftPpm"?: tokens only } ],
 *   An "advertiser" only advertises (the rest of a crowd: GAEN devices nobody matches, phones'
 *   own adverts, earbuds, beacons; sim/world/devices/advertiser.ts profiles).
 *     "schedule": [ { "device", "from": "HH:MM[:SS]", "to": "HH:MM[:SS]", "room",
 *                     "at": [x, y] | "path": [[x, y], ...] (walked at constant speed, 1 s steps),
 *                     "carry"?, "days"?: "all"|"weekdays"|"weekends"|[0, 3, ...]|["mon", ...] } ] }
 *   A schedule entry with "room": "away" (no position) takes the device out of range for its
 *   time, overriding the other entries (a day out, a hospital stay).
 *
 * Positions are metres in the room's frame; the room's origin places it in one world frame, so
 * distances across a wall are real distances. Two rooms have a radio path only when a "walls"
 * entry joins them ("count": 0 = an open doorway). Outside every schedule entry a device is away
 * (out of everyone's range). A span with `to` <= `from` runs past midnight.
 *
 * Compiling gives, per device, sorted spans of constant position; the world moves devices at
 * span boundaries, and `groundTruth()` sums, per pair and per UTC day, the minutes spent within
 * 1 m, 1-2 m and beyond 2 m of each other, in the same room and through walls.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { carryLossDb, environment, wallLossDb, type Environment } from "./channel";
import { loadBoard } from "../../boards/index";
import { phoneModel } from "./devices/phoneModels";
import { advertiserProfile } from "./devices/advertiser";

export interface RoomSpec { environment: string; origin?: [number, number] }
export interface WallSpec { rooms: [string, string]; material?: string; count?: number }
export interface DeviceSpec {
  id: string;
  kind: "token" | "phone" | "advertiser";
  board?: string;
  model?: string;
  /** An advertiser's profile (sim/world/devices/advertiser.ts). */
  profile?: string;
  carry?: string;
  /** Token oscillator error in ppm (+ = fast); the RC oscillator of nRF52832 boards is calibrated to ~250 ppm. */
  clockDriftPpm?: number;
}
export interface ScheduleEntry {
  device: string;
  from: string;
  to: string;
  /** A room, or "away": the device is out of everyone's range then, overriding other entries. */
  room: string;
  at?: [number, number];
  path?: [number, number][];
  carry?: string;
  days?: "all" | "weekdays" | "weekends" | number[] | string[];
}
export interface ScenarioSpec {
  name: string;
  description?: string;
  start: string;
  days: number;
  utcOffsetHours?: number;
  rooms: Record<string, RoomSpec>;
  walls?: WallSpec[];
  devices: DeviceSpec[];
  schedule: ScheduleEntry[];
}

/** Where a device is during a span: world coordinates, room, how it is carried. */
export interface Placement { room: string; x: number; y: number; carry: string }
export interface Span extends Placement { startMs: number; endMs: number }

export interface ContactMinutes { within1m: number; from1to2m: number; beyond2m: number }
export interface PairMinutes { sameRoom: ContactMinutes; throughWall: ContactMinutes }
export interface PairTruth { a: string; b: string; total: PairMinutes; byDay: Record<string, PairMinutes> }

const DAY_MS = 86400000;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "scenarios");
/** Step used to walk a "path": one constant-position span per second. */
export const PATH_STEP_MS = 1000;

class ScenarioError extends Error {}

function fail(where: string, msg: string): never {
  throw new ScenarioError("scenario " + where + ": " + msg);
}

function parseClock(where: string, s: unknown): number {
  if (typeof s !== "string") fail(where, "expected a time \"HH:MM\" or \"HH:MM:SS\", got " + JSON.stringify(s));
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m || +m[1] > 24 || +m[2] > 59 || (m[3] !== undefined && +m[3] > 59) || (+m[1] === 24 && (+m[2] > 0 || +(m[3] ?? 0) > 0))) {
    fail(where, "expected a time \"HH:MM\" or \"HH:MM:SS\" (00:00..24:00), got " + JSON.stringify(s));
  }
  return ((+m[1] * 60 + +m[2]) * 60 + +(m[3] ?? 0)) * 1000;
}

function isPoint(p: unknown): p is [number, number] {
  return Array.isArray(p) && p.length === 2 && typeof p[0] === "number" && typeof p[1] === "number" && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** Spans with the time [s, t) cut out (an "away" entry overriding a daily routine). */
function subtract(list: Span[], s: number, t: number): Span[] {
  const out: Span[] = [];
  for (const sp of list) {
    if (sp.endMs <= s || sp.startMs >= t) out.push(sp);
    else {
      if (sp.startMs < s) out.push({ ...sp, endMs: s });
      if (sp.endMs > t) out.push({ ...sp, startMs: t });
    }
  }
  return out;
}

function emptyMinutes(): ContactMinutes { return { within1m: 0, from1to2m: 0, beyond2m: 0 }; }
function emptyPair(): PairMinutes { return { sameRoom: emptyMinutes(), throughWall: emptyMinutes() }; }

/** UTC date "YYYY-MM-DD" of a time. */
export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export class Scenario {
  readonly spec: ScenarioSpec;
  readonly startMs: number;
  readonly endMs: number;
  readonly devices: DeviceSpec[];
  private readonly spans: Record<string, Span[]> = {};
  private readonly links: Record<string, number> = {};
  private readonly envs: Record<string, Environment> = {};
  private readonly origins: Record<string, [number, number]> = {};

  /** Validates and compiles a scenario; every error names the offending field. */
  constructor(spec: ScenarioSpec) {
    if (!spec || typeof spec !== "object") fail("", "must be a JSON object");
    this.spec = spec;
    const name = typeof spec.name === "string" && spec.name ? spec.name : fail("name", "must be a non-empty string");
    const startMs = Date.parse(spec.start);
    if (typeof spec.start !== "string" || !Number.isFinite(startMs)) fail(name + ".start", "must be an ISO date such as \"2026-11-02\", got " + JSON.stringify(spec.start));
    if (!Number.isInteger(spec.days) || spec.days < 1 || spec.days > 366) fail(name + ".days", "must be a whole number of days 1..366, got " + JSON.stringify(spec.days));
    const offsetMs = (spec.utcOffsetHours ?? 0) * 3600000;
    if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > 14 * 3600000) fail(name + ".utcOffsetHours", "must be -14..14, got " + JSON.stringify(spec.utcOffsetHours));
    this.startMs = startMs;
    this.endMs = startMs + spec.days * DAY_MS;

    if (!spec.rooms || typeof spec.rooms !== "object") fail(name + ".rooms", "must be an object of rooms");
    for (const r of Object.keys(spec.rooms)) {
      const room = spec.rooms[r];
      try { this.envs[r] = environment(room?.environment); } catch (e) { fail(name + ".rooms." + r + ".environment", (e as Error).message); }
      const o = room.origin ?? [0, 0];
      if (!isPoint(o)) fail(name + ".rooms." + r + ".origin", "must be [x, y] in metres");
      this.origins[r] = o;
    }
    const roomNames = Object.keys(spec.rooms).join(", ");
    (spec.walls ?? []).forEach((w, i) => {
      const at = name + ".walls[" + i + "]";
      if (!Array.isArray(w.rooms) || w.rooms.length !== 2) fail(at + ".rooms", "must name two rooms");
      for (const r of w.rooms) if (!this.envs[r]) fail(at + ".rooms", "unknown room " + JSON.stringify(r) + "; rooms: " + roomNames);
      if (w.rooms[0] === w.rooms[1]) fail(at + ".rooms", "must name two different rooms");
      const count = w.count ?? 1;
      if (!Number.isInteger(count) || count < 0) fail(at + ".count", "must be a whole number >= 0, got " + JSON.stringify(w.count));
      let per = 0;
      try { per = count === 0 ? 0 : wallLossDb(w.material ?? "brick"); } catch (e) { fail(at + ".material", (e as Error).message); }
      this.links[w.rooms[0] + "\u0000" + w.rooms[1]] = count * per;
      this.links[w.rooms[1] + "\u0000" + w.rooms[0]] = count * per;
      this.links[w.rooms[0] + "\u0001" + w.rooms[1]] = count;
      this.links[w.rooms[1] + "\u0001" + w.rooms[0]] = count;
    });

    if (!Array.isArray(spec.devices) || spec.devices.length === 0) fail(name + ".devices", "must be a non-empty list");
    const carries: Record<string, string> = {};
    spec.devices.forEach((d, i) => {
      const at = name + ".devices[" + i + "]";
      if (typeof d.id !== "string" || !/^[A-Za-z0-9_-]+$/.test(d.id)) fail(at + ".id", "must be letters, digits, _ or -, got " + JSON.stringify(d.id));
      if (this.spans[d.id]) fail(at + ".id", "duplicate device id " + JSON.stringify(d.id));
      if (d.kind !== "token" && d.kind !== "phone" && d.kind !== "advertiser") fail(at + ".kind", "must be \"token\", \"phone\" or \"advertiser\", got " + JSON.stringify(d.kind));
      if (d.kind === "token" && typeof d.board !== "string") fail(at + ".board", "a token needs a board id (see boards/)");
      if (d.kind === "phone" && typeof d.model !== "string") fail(at + ".model", "a phone needs a model id (see sim/world/devices/phoneModels.ts)");
      if (d.kind === "advertiser" && typeof d.profile !== "string") fail(at + ".profile", "an advertiser needs a profile (see sim/world/devices/advertiser.ts)");
      const field = d.kind === "token" ? ".board" : d.kind === "phone" ? ".model" : ".profile";
      try {
        if (d.kind === "token") loadBoard(d.board!);
        else if (d.kind === "phone") phoneModel(d.model!);
        else advertiserProfile(d.profile!);
      } catch (e) { fail(at + field, (e as Error).message); }
      if (d.clockDriftPpm !== undefined && (d.kind !== "token" || typeof d.clockDriftPpm !== "number" || !(Math.abs(d.clockDriftPpm) <= 1000))) {
        fail(at + ".clockDriftPpm", "only tokens have one, a number of ppm within +-1000, got " + JSON.stringify(d.clockDriftPpm));
      }
      const carry = d.carry ?? (d.kind === "token" ? "lanyard" : "pocket");
      try { carryLossDb(carry); } catch (e) { fail(at + ".carry", (e as Error).message); }
      carries[d.id] = carry;
      this.spans[d.id] = [];
    });
    this.devices = spec.devices;

    if (!Array.isArray(spec.schedule)) fail(name + ".schedule", "must be a list");
    if (this.envs.away) fail(name + ".rooms.away", "\"away\" is reserved for being out of range; choose another room name");
    const aways: Record<string, [number, number][]> = {};
    spec.schedule.forEach((e, i) => {
      const at = name + ".schedule[" + i + "]";
      if (!this.spans[e.device]) fail(at + ".device", "unknown device " + JSON.stringify(e.device));
      const away = e.room === "away";
      if (!away && !this.envs[e.room]) fail(at + ".room", "unknown room " + JSON.stringify(e.room) + "; rooms: " + roomNames + ", or \"away\"");
      const from = parseClock(at + ".from", e.from);
      let to = parseClock(at + ".to", e.to);
      if (to <= from) to += DAY_MS;
      if (away && (e.at !== undefined || e.path !== undefined)) fail(at, "an \"away\" entry has no position");
      if (!away && (e.at === undefined) === (e.path === undefined)) fail(at, "needs exactly one of \"at\": [x, y] or \"path\": [[x, y], ...]");
      if (e.at !== undefined && !isPoint(e.at)) fail(at + ".at", "must be [x, y] in metres");
      if (e.path !== undefined && (!Array.isArray(e.path) || e.path.length < 2 || !e.path.every(isPoint))) fail(at + ".path", "must be a list of at least two [x, y] points");
      const carry = e.carry ?? carries[e.device];
      try { carryLossDb(carry); } catch (err) { fail(at + ".carry", (err as Error).message); }
      const dayOk = this.dayFilter(at + ".days", e.days);
      const o = this.origins[e.room];
      for (let day = -1; day < spec.days; day++) {
        const localMidnight = startMs + day * DAY_MS - offsetMs;
        const weekday = new Date(startMs + day * DAY_MS).getUTCDay();
        if (!dayOk(day, weekday)) continue;
        const s = localMidnight + from;
        const t = localMidnight + to;
        if (t <= this.startMs || s >= this.endMs) continue;
        if (away) {
          (aways[e.device] ??= []).push([s, t]);
        } else if (e.at) {
          this.spans[e.device].push({ startMs: s, endMs: t, room: e.room, x: o[0] + e.at[0], y: o[1] + e.at[1], carry });
        } else {
          this.pushPath(e.device, e.room, e.path!, s, t, carry);
        }
      }
    });
    for (const id of Object.keys(this.spans)) {
      let list = this.spans[id];
      for (const [s, t] of aways[id] ?? []) list = subtract(list, s, t);
      list = list
        .map((sp) => ({ ...sp, startMs: Math.max(sp.startMs, this.startMs), endMs: Math.min(sp.endMs, this.endMs) }))
        .filter((sp) => sp.endMs > sp.startMs)
        .sort((p, q) => p.startMs - q.startMs);
      for (let i = 1; i < list.length; i++) {
        if (list[i].startMs < list[i - 1].endMs) {
          fail(name + ".schedule", "device " + JSON.stringify(id) + " is in two places at " + new Date(list[i].startMs).toISOString() +
            " (" + list[i - 1].room + " and " + list[i].room + "); schedule entries of one device must not overlap");
        }
      }
      this.spans[id] = list;
    }
  }

  private dayFilter(where: string, days: ScheduleEntry["days"]): (day: number, weekday: number) => boolean {
    if (days === undefined || days === "all") return () => true;
    if (days === "weekdays") return (_d, w) => w >= 1 && w <= 5;
    if (days === "weekends") return (_d, w) => w === 0 || w === 6;
    if (Array.isArray(days) && days.every((d) => Number.isInteger(d))) {
      const set = days as number[];
      // Day -1 is yesterday's span running past midnight into day 0: only day indexes listed count.
      return (d) => set.indexOf(d) >= 0;
    }
    if (Array.isArray(days) && days.every((d) => typeof d === "string" && WEEKDAYS.indexOf(d) >= 0)) {
      const set = (days as string[]).map((d) => WEEKDAYS.indexOf(d));
      return (_d, w) => set.indexOf(w) >= 0;
    }
    fail(where, "must be \"all\", \"weekdays\", \"weekends\", a list of day numbers from 0, or of " + WEEKDAYS.join("/") + ", got " + JSON.stringify(days));
  }

  private pushPath(device: string, room: string, path: [number, number][], s: number, t: number, carry: string): void {
    const o = this.origins[room];
    const seg: number[] = [];
    let total = 0;
    for (let i = 1; i < path.length; i++) {
      const l = Math.hypot(path[i][0] - path[i - 1][0], path[i][1] - path[i - 1][1]);
      seg.push(l);
      total += l;
    }
    for (let a = s; a < t; a += PATH_STEP_MS) {
      const b = Math.min(t, a + PATH_STEP_MS);
      // position at the middle of the step, walked at constant speed
      let along = total * ((a + b) / 2 - s) / (t - s);
      let i = 0;
      while (i < seg.length - 1 && along > seg[i]) { along -= seg[i]; i++; }
      const f = seg[i] > 0 ? Math.min(1, along / seg[i]) : 0;
      const x = path[i][0] + f * (path[i + 1][0] - path[i][0]);
      const y = path[i][1] + f * (path[i + 1][1] - path[i][1]);
      this.spans[device].push({ startMs: a, endMs: b, room, x: o[0] + x, y: o[1] + y, carry });
    }
  }

  /** Loads sim/scenarios/<name>.json (or a path ending in .json). */
  static load(nameOrPath: string): Scenario {
    const file = nameOrPath.endsWith(".json") ? nameOrPath : join(SCENARIO_DIR, nameOrPath + ".json");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new ScenarioError("scenario " + JSON.stringify(nameOrPath) + " not found; known: " + Scenario.names().join(", "));
    }
    let spec: ScenarioSpec;
    try {
      spec = JSON.parse(text);
    } catch (e) {
      throw new ScenarioError("scenario file " + file + " is not valid JSON: " + (e as Error).message);
    }
    return new Scenario(spec);
  }

  /** Names of the scenarios shipped in sim/scenarios/. */
  static names(): string[] {
    return readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  }

  /** The constant-position spans of one device, sorted. */
  spansOf(id: string): readonly Span[] {
    const s = this.spans[id];
    if (!s) throw new RangeError("unknown device " + JSON.stringify(id));
    return s;
  }

  /** Every time at which some device moves, sorted, without duplicates. */
  changeTimes(): number[] {
    const all: number[] = [];
    for (const id of Object.keys(this.spans)) for (const s of this.spans[id]) all.push(s.startMs, s.endMs);
    all.sort((a, b) => a - b);
    return all.filter((t, i) => i === 0 || t !== all[i - 1]);
  }

  environmentOf(room: string): Environment {
    const e = this.envs[room];
    if (!e) throw new RangeError("unknown room " + JSON.stringify(room));
    return e;
  }

  /**
   * The radio path between two rooms: wall loss and wall count, or null when the rooms are not
   * joined (no radio contact at all). Same room: 0 dB, 0 walls.
   */
  path(roomA: string, roomB: string): { wallsDb: number; walls: number } | null {
    if (roomA === roomB) return { wallsDb: 0, walls: 0 };
    const db = this.links[roomA + "\u0000" + roomB];
    if (db === undefined) return null;
    return { wallsDb: db, walls: this.links[roomA + "\u0001" + roomB] };
  }

  /** The environment used for a link: the room's, or across rooms the one with the larger exponent. */
  linkEnvironment(roomA: string, roomB: string): Environment {
    const a = this.environmentOf(roomA);
    const b = this.environmentOf(roomB);
    return b.pathLossExponent > a.pathLossExponent ? b : a;
  }

  /**
   * Ground truth: for every pair of devices, minutes within 1 m, 1-2 m, beyond 2 m (with a radio
   * path), in the same room or through walls, in total and per UTC day.
   */
  groundTruth(): PairTruth[] {
    const ids = this.devices.map((d) => d.id);
    const bounds = this.changeTimes();
    for (let m = Math.ceil(this.startMs / DAY_MS) * DAY_MS; m < this.endMs; m += DAY_MS) bounds.push(m);
    bounds.push(this.startMs, this.endMs);
    bounds.sort((a, b) => a - b);
    const cursor: number[] = ids.map(() => 0);
    const out: PairTruth[] = [];
    const index: Record<string, PairTruth> = {};
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const p: PairTruth = { a: ids[i], b: ids[j], total: emptyPair(), byDay: {} };
        out.push(p);
        index[i + ":" + j] = p;
      }
    }
    const here: (Span | null)[] = ids.map(() => null);
    for (let k = 0; k + 1 < bounds.length; k++) {
      const t0 = bounds[k];
      const t1 = bounds[k + 1];
      if (t1 <= t0) continue;
      for (let i = 0; i < ids.length; i++) {
        const list = this.spans[ids[i]];
        while (cursor[i] < list.length && list[cursor[i]].endMs <= t0) cursor[i]++;
        const s = list[cursor[i]];
        here[i] = s && s.startMs <= t0 ? s : null;
      }
      const minutes = (t1 - t0) / 60000;
      const day = utcDay(t0);
      for (let i = 0; i < ids.length; i++) {
        const a = here[i];
        if (!a) continue;
        for (let j = i + 1; j < ids.length; j++) {
          const b = here[j];
          if (!b) continue;
          const path = this.path(a.room, b.room);
          if (!path) continue;
          const d = Math.hypot(a.x - b.x, a.y - b.y);
          const key: keyof ContactMinutes = d <= 1 ? "within1m" : d <= 2 ? "from1to2m" : "beyond2m";
          const where: keyof PairMinutes = path.walls > 0 ? "throughWall" : "sameRoom";
          const p = index[i + ":" + j];
          p.total[where][key] += minutes;
          const pd = p.byDay[day] ?? (p.byDay[day] = emptyPair());
          pd[where][key] += minutes;
        }
      }
    }
    return out;
  }
}

export { ScenarioError };
