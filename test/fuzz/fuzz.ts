/**
 * Shared settings for the fuzz and property tests (fast-check). `npm test` runs each property a
 * few hundred times; `npm run fuzz` (scripts/fuzz.ts) multiplies the runs by FUZZ_SCALE (default
 * 100 there). FUZZ_SEED replays a failure: fast-check prints the seed and path of every failure.
 */
import fc from "fast-check";

export const SCALE = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1) || 1);

/** fast-check parameters for a property worth `base` runs in `npm test`. */
export function params<T>(base: number): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns: Math.max(1, Math.round(base * SCALE)) };
  if (process.env.FUZZ_SEED) p.seed = Number(process.env.FUZZ_SEED);
  return p;
}

/** One edit of a byte string: flip bits, set a byte, cut, insert or delete. */
export type Edit = { kind: "flip" | "set" | "cut" | "insert" | "delete"; at: number; value: number };

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom("flip", "set", "cut", "insert", "delete"),
  at: fc.nat(),
  value: fc.integer({ min: 1, max: 255 }),
});

/** A few random edits, to turn a valid sample into a nearly valid one (the interesting inputs). */
export const edits = fc.array(edit, { minLength: 1, maxLength: 4 });

export function applyEdits(bytes: Uint8Array, list: Edit[]): Uint8Array {
  let b = bytes.slice();
  for (const e of list) {
    if (b.length === 0) {
      b = new Uint8Array([e.value]);
      continue;
    }
    const at = e.at % b.length;
    if (e.kind === "flip") b[at] ^= e.value;
    else if (e.kind === "set") b[at] = e.value;
    else if (e.kind === "cut") b = b.slice(0, at);
    else if (e.kind === "insert") b = new Uint8Array([...b.subarray(0, at), e.value, ...b.subarray(at)]);
    else b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)]);
  }
  return b;
}

/** Edits applied to text (as UTF-8 bytes, decoded back leniently). */
export function editText(text: string, list: Edit[]): string {
  return Buffer.from(applyEdits(new Uint8Array(Buffer.from(text, "utf8")), list)).toString("utf8");
}

/** An error a parser may throw on bad input: a class, or a class with the message it must have. */
export type Allowed = (new (...a: any[]) => Error) | [new (...a: any[]) => Error, RegExp];

function isAllowed(e: unknown, allowed: Allowed[]): boolean {
  return allowed.some((a) => (Array.isArray(a) ? e instanceof a[0] && a[1].test((e as Error).message) : e instanceof a));
}

/**
 * Runs `f`; returns normally when it returned or threw an `allowed` error (its own, plain-worded
 * refusal). Anything else — a TypeError from a missing check ("Cannot read properties of
 * undefined"), a RangeError from a wild length — is a crash, and is rethrown.
 */
export function onlyThrows(f: () => unknown, ...allowed: Allowed[]): { threw: Error | null; value: unknown } {
  try {
    return { threw: null, value: f() };
  } catch (e) {
    if (isAllowed(e, allowed)) return { threw: e as Error, value: undefined };
    throw e;
  }
}

export async function onlyRejects(f: () => Promise<unknown>, ...allowed: Allowed[]): Promise<{ threw: Error | null; value: unknown }> {
  try {
    return { threw: null, value: await f() };
  } catch (e) {
    if (isAllowed(e, allowed)) return { threw: e as Error, value: undefined };
    throw e;
  }
}
