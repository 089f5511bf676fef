/**
 * The native matcher (native/matcher: a C addon built from source by `npm ci`, see
 * docs/MATCHING.md "The native matcher"): the same rules as engine.ts, with AES-NI/VAES and
 * SHA-NI on x86-64 or the ARMv8 crypto extensions when the CPU has them (detected at run time),
 * portable C otherwise, and its own threads.
 *
 * Loaded once, lazily. When it is missing (no compiler when npm ci ran), fails to load, or
 * OMAMORI_MATCHER=js asks for it, nativeMatcher() is null and matcherStatus() says why; the
 * matcher then uses engine.ts. OMAMORI_MATCHER_ADDON may name another build of the addon.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { MatchableKeys, PassResult } from "./engine";
import type { MatchPlanArrays } from "./matchPlan";

/** Where `npm ci` (scripts/build-native.mjs) puts the addon. */
export const ADDON_PATH = fileURLToPath(new URL("../../native/matcher/build/Release/omamori_matcher.node", import.meta.url));

export interface NativeAddon {
  backends(): string[];
  match(job: MatchPlanArrays & MatchableKeys & { from: number; to: number; threads: number; backend?: string }): PassResult & { backend: string };
  rpik(teks: Uint8Array, backend?: string): Uint8Array;
  aes(key: Uint8Array, blocks: Uint8Array, backend?: string): Uint8Array;
}

export interface MatcherStatus {
  /** "native" when the addon is in use, else "js". */
  engine: "native" | "js";
  /** The addon's crypto backend, e.g. "vaes+sha-ni", "armv8-crypto", "portable". */
  backend?: string;
  /** Why the JS engine is used (plain words, English). */
  reason?: string;
}

let loaded: { addon: NativeAddon | null; status: MatcherStatus } | null = null;

function load(): { addon: NativeAddon | null; status: MatcherStatus } {
  if (process.env.OMAMORI_MATCHER === "js") return { addon: null, status: { engine: "js", reason: "OMAMORI_MATCHER=js asks for the JavaScript matcher" } };
  const path = process.env.OMAMORI_MATCHER_ADDON || ADDON_PATH;
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    const backends = addon.backends();
    return { addon, status: { engine: "native", backend: backends[0] } };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "MODULE_NOT_FOUND"
      ? "the native matcher was not built (no C compiler when npm ci ran?); npm run build:native builds it"
      : `the native matcher could not be loaded (${err.message.split("\n")[0]})`;
    return { addon: null, status: { engine: "js", reason } };
  }
}

/** The addon, or null when the JS engine must be used. */
export function nativeMatcher(): NativeAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Which engine matches, and why not the native one. */
export function matcherStatus(): MatcherStatus {
  loaded ??= load();
  return loaded.status;
}
