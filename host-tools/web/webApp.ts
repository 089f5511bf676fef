/**
 * The web app's files (docs/WEB.md) from the host side: where the built app is (dist/web/, made by
 * scripts/build-web.ts), placing it beside a server's published exports with the deployment
 * defaults it reads at start (`config.json`: key sources, the authority's public key, the server
 * for registrations), and the headers it is served with.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "web");

/** What the app reads from config.json beside itself (each field optional). */
export interface WebAppConfig {
  /** list.json addresses; relative ones are taken relative to the app's own address. */
  keySources?: string[];
  publicKeys?: { keyId?: string; keyVersion?: string; publicKey: string }[];
  /** Base address of the diagnosis server (PUT <server>/v3/diagnosis). */
  server?: string;
}

/** Throws with what to do when the app has not been built. */
export function checkWebAppBuilt(dir = WEB_APP_DIR): void {
  if (!existsSync(join(dir, "index.html")) || !existsSync(join(dir, "app.js"))) {
    throw new Error(`the web app is not built (${dir} has no index.html): run \`npm run build\` first`);
  }
}

function copyTree(from: string, to: string): number {
  mkdirSync(to, { recursive: true });
  let n = 0;
  for (const name of readdirSync(from)) {
    const a = join(from, name), b = join(to, name);
    if (statSync(a).isDirectory()) n += copyTree(a, b);
    else {
      copyFileSync(a, b);
      n++;
    }
  }
  return n;
}

/** Copies the app into `dest` (e.g. the server's public/web/) and writes its config.json. Returns the files written. */
export function placeWebApp(dest: string, config: WebAppConfig, from = WEB_APP_DIR): number {
  checkWebAppBuilt(from);
  const n = copyTree(from, dest);
  writeFileSync(join(dest, "config.json"), JSON.stringify(config, null, 1) + "\n");
  return n + 1;
}

/**
 * Headers `omamori web` serves the app with: cross-origin isolation (so the matcher threads share
 * the key set's memory instead of copying it), no framing, and a content security policy that
 * allows only the app's own scripts and workers; key downloads and registrations may go to any
 * https address and to this computer.
 */
export const WEB_APP_HEADERS: Record<string, string> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'",
};
