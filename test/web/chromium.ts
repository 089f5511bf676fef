/**
 * The browser the web tests and the web benchmark drive: Debian's `chromium` (or CHROMIUM_PATH),
 * through playwright-core (no downloaded browser builds). The flags are those that work on a
 * machine without a display, sandbox or outside network; `--enable-experimental-web-platform-features`
 * turns on Web Bluetooth on Linux, as a user would (docs/WEB.md).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";

export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/** Why the browser tests cannot run here, or null when they can. */
export function browserProblem(): string | null {
  if (!chromiumPath()) return "no Chromium found; `apt-get install chromium` or set CHROMIUM_PATH; .ci/run installs it";
  try {
    createRequire(import.meta.url).resolve("playwright-core");
  } catch {
    return "playwright-core is not installed; run `npm ci`";
  }
  return null;
}

export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--enable-experimental-web-platform-features",
];

/** Launches Chromium (playwright-core gives it a fresh profile, removed at close). */
export async function launchChromium(): Promise<Browser> {
  const problem = browserProblem();
  if (problem) throw new Error(problem);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_FLAGS });
}
