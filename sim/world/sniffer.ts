/**
 * What a passive listener can make of a day on the air (devices/listener.ts records it): the attacks
 * on the tokens' sync windows that a security review ran, scored against the world's ground truth.
 * No attack looks at `from` or at signal strength; only addresses, payloads and times.
 *
 * - `scheduleAttack`: home-hub windows are chained by their schedule (windows of one token a whole
 *   number of cadences apart, the HUB flag if there is one), and every identifier touching a window
 *   is given to that window's chain. A fixed schedule is a lasting mark: it links a person's morning
 *   to their afternoon even when the listener lost them in between (`acrossAbsence`).
 * - `cadenceAttack`: the listener knows the home-hub cadence (it is a public default) and, for each
 *   window, guesses that the same token's next window is the one starting nearest to one cadence later.
 *   With three tokens windows are 1/3 likely to be the same token's by chance.
 * - `adjacency`: the identifier that starts the moment another one stops is its successor (within
 *   `gapMs`, bridging a sync window when one lies between). This is not about sync windows: every GAEN
 *   rotation (address and RPI change together) can be linked this way by a listener with continuous
 *   coverage, phones included. It is measured so the sync windows can be shown to add nothing to it.
 */
import { fromHex } from "../../common/bytes";
import { parseAdvert } from "../../common/gaen/advert";
import { syncServiceData } from "../../common/formats/syncMessages";
import type { Sighting } from "./devices/listener";

/** One GAEN identifier (RPI) as heard, under every address it was heard from. */
export interface HeardIdentifier {
  rpi: string;
  firstMs: number;
  lastMs: number;
  addresses: string[];
  /** Ground truth. */
  from: string;
  /** Spans of continuous sending (a gap of more than 2 s splits a span). */
  spans: { startMs: number; endMs: number }[];
}

/** One sync window: one sync-advert address. */
export interface HeardWindow {
  address: string;
  startMs: number;
  endMs: number;
  flags: number;
  from: string;
}

/** Splits the day's sightings into GAEN identifiers and sync windows. */
export function classify(sightings: Sighting[]): { ids: HeardIdentifier[]; windows: HeardWindow[] } {
  const ids = new Map<string, HeardIdentifier>();
  const windows = new Map<string, HeardWindow>();
  for (const s of sightings) {
    const data = fromHex(s.data);
    const g = parseAdvert(data);
    if (g) {
      const rpi = Buffer.from(g.rpi).toString("hex");
      let id = ids.get(rpi);
      if (!id) ids.set(rpi, (id = { rpi, firstMs: s.firstMs, lastMs: s.lastMs, addresses: [], from: s.from, spans: [] }));
      id.firstMs = Math.min(id.firstMs, s.firstMs);
      id.lastMs = Math.max(id.lastMs, s.lastMs);
      if (!id.addresses.includes(s.address)) id.addresses.push(s.address);
      id.spans.push({ startMs: s.firstMs, endMs: s.lastMs });
      continue;
    }
    const sd = syncServiceData(data);
    if (!sd) continue;
    const w = windows.get(s.address);
    if (!w) windows.set(s.address, { address: s.address, startMs: s.firstMs, endMs: s.lastMs, flags: sd[0], from: s.from });
    else {
      w.startMs = Math.min(w.startMs, s.firstMs);
      w.endMs = Math.max(w.endMs, s.lastMs);
    }
  }
  for (const id of ids.values()) id.spans.sort((a, b) => a.startMs - b.startMs);
  return {
    ids: [...ids.values()].sort((a, b) => a.firstMs - b.firstMs),
    windows: [...windows.values()].sort((a, b) => a.startMs - b.startMs),
  };
}

/** What a linking attack concluded: sets of identifiers it believes are one person's. */
export type Linked = HeardIdentifier[][];

const NEAR_MS = 2000;

/**
 * The review's attack: home-hub windows are one token's when their starts are a whole number of
 * cadences apart (+-2 s; only windows with the HUB flag when any has it), and an identifier belongs to a
 * window it touches: it stops as the window starts, starts as the window ends, or resumes after it with
 * the same RPI. Everything connected that way is one person's. A fixed schedule links a token's whole
 * day, and its mornings to its afternoons even when the listener lost it in between.
 */
export function scheduleAttack(ids: HeardIdentifier[], windows: HeardWindow[], cadenceMs: number): Linked {
  const hub = windows.some((w) => w.flags & 0x02) ? windows.filter((w) => w.flags & 0x02) : windows;
  const parent = new Map<object, object>();
  const find = (x: object): object => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  const join = (a: object, b: object) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (let i = 0; i < hub.length; i++) {
    for (let j = i + 1; j < hub.length; j++) {
      const d = hub[j].startMs - hub[i].startMs;
      const k = Math.round(d / cadenceMs);
      if (k >= 1 && Math.abs(d - k * cadenceMs) <= NEAR_MS) join(hub[i], hub[j]);
    }
  }
  for (const id of ids) {
    for (const w of hub) {
      const stopsAtStart = id.spans.some((s) => s.endMs <= w.startMs && w.startMs - s.endMs <= NEAR_MS);
      const startsAtEnd = id.spans.some((s) => s.startMs >= w.endMs && s.startMs - w.endMs <= NEAR_MS);
      if (stopsAtStart || startsAtEnd) join(id, w);
    }
  }
  const sets = new Map<object, HeardIdentifier[]>();
  for (const id of ids) {
    const r = find(id);
    sets.set(r, [...(sets.get(r) ?? []), id]);
  }
  return [...sets.values()].filter((s) => s.length > 1);
}

/**
 * Links between identifiers heard in two separate visits (`splitMs` divides them): pairs (first visit,
 * second visit) the attack put in one set, and how many of those are really one token's.
 */
export function acrossAbsence(linked: Linked, splitMs: number): { pairs: number; right: number } {
  let pairs = 0;
  let right = 0;
  for (const set of linked) {
    const a = set.filter((i) => i.lastMs < splitMs);
    const b = set.filter((i) => i.firstMs >= splitMs);
    for (const x of a) for (const y of b) {
      pairs++;
      if (x.from === y.from) right++;
    }
  }
  return { pairs, right };
}

/**
 * The schedule link itself, across an absence: of the (first visit, second visit) pairs of windows of
 * the same token, how many start a whole number of cadences apart (+-2 s); and of the pairs of two
 * different tokens' windows, how many do. A fixed schedule links every same-token pair (and almost no
 * other); a schedule that says nothing links both kinds equally rarely.
 */
export function scheduleLinksAcross(windows: HeardWindow[], cadenceMs: number, splitMs: number): {
  same: { pairs: number; linked: number };
  other: { pairs: number; linked: number };
} {
  const same = { pairs: 0, linked: 0 };
  const other = { pairs: 0, linked: 0 };
  for (const a of windows) {
    if (a.endMs >= splitMs) continue;
    for (const b of windows) {
      if (b.startMs < splitMs) continue;
      const d = b.startMs - a.startMs;
      const k = Math.round(d / cadenceMs);
      const bucket = a.from === b.from ? same : other;
      bucket.pairs++;
      if (k >= 1 && Math.abs(d - k * cadenceMs) <= NEAR_MS) bucket.linked++;
    }
  }
  return { same, other };
}

/** The most of one token's identifiers in one linked set, and the other tokens' in that set. */
export function reach(linked: Linked, token: string): { linked: number; mistakes: number } {
  let best = { linked: 0, mistakes: 0 };
  for (const set of linked) {
    const mine = set.filter((i) => i.from === token).length;
    if (mine > best.linked) best = { linked: mine, mistakes: set.length - mine };
  }
  return best;
}

/**
 * The listener knows the cadence: for each window it names as the same token's next window the one
 * that starts nearest to `cadenceMs` later. Returns how many guesses it made and how many were right.
 */
export function cadenceAttack(windows: HeardWindow[], cadenceMs: number): { guesses: number; right: number } {
  let guesses = 0;
  let right = 0;
  for (const w of windows) {
    let pick: HeardWindow | null = null;
    for (const v of windows) {
      if (v.startMs <= w.endMs) continue;
      if (!pick || Math.abs(v.startMs - w.startMs - cadenceMs) < Math.abs(pick.startMs - w.startMs - cadenceMs)) pick = v;
    }
    if (!pick || Math.abs(pick.startMs - w.startMs - cadenceMs) > cadenceMs / 2) continue;
    guesses++;
    if (pick.from === w.from) right++;
  }
  return { guesses, right };
}

/** One token's consecutive identifiers, and whether a sync window lies between the two. */
export interface Succession {
  token: string;
  before: HeardIdentifier;
  after: HeardIdentifier;
  acrossWindow: boolean;
}

/** The true successions of the day (ground truth): each token's identifiers in the order it sent them. */
export function successions(ids: HeardIdentifier[], windows: HeardWindow[]): Succession[] {
  const out: Succession[] = [];
  const tokens = [...new Set(ids.map((i) => i.from))];
  for (const token of tokens) {
    const mine = ids.filter((i) => i.from === token).sort((a, b) => a.firstMs - b.firstMs);
    for (let k = 1; k < mine.length; k++) {
      const before = mine[k - 1];
      const after = mine[k];
      const acrossWindow = windows.some((w) => w.from === token && w.startMs >= before.lastMs - NEAR_MS && w.endMs <= after.firstMs + NEAR_MS);
      out.push({ token, before, after, acrossWindow });
    }
  }
  return out;
}

/**
 * Adjacency: for each identifier's last packet, the identifier whose first packet follows within
 * `gapMs` (or follows a sync window that started within `gapMs` of it, within `gapMs` of that window's
 * end) is named its successor. Returns, for plain rotations and for successions across a window,
 * how many true successions there were and how many the listener named right.
 */
export function adjacency(ids: HeardIdentifier[], windows: HeardWindow[], gapMs: number): {
  plain: { pairs: number; right: number };
  acrossWindow: { pairs: number; right: number };
} {
  const named = new Map<HeardIdentifier, HeardIdentifier>();
  for (const x of ids) {
    let end = x.lastMs;
    const w = windows.find((v) => v.startMs >= end && v.startMs - end <= gapMs);
    if (w) end = w.endMs;
    let pick: HeardIdentifier | null = null;
    for (const y of ids) {
      if (y === x || y.firstMs < end || y.firstMs - end > gapMs) continue;
      if (!pick || y.firstMs < pick.firstMs) pick = y;
    }
    if (pick) named.set(x, pick);
  }
  const plain = { pairs: 0, right: 0 };
  const acrossWindow = { pairs: 0, right: 0 };
  for (const s of successions(ids, windows)) {
    const bucket = s.acrossWindow ? acrossWindow : plain;
    bucket.pairs++;
    if (named.get(s.before) === s.after) bucket.right++;
  }
  return { plain, acrossWindow };
}
