/**
 * The web app's build (docs/WEB.md): web/ -> dist/web/, one static folder any web server can serve.
 *
 *   app.js            the page (web/src/main.ts)
 *   check-worker.js   the check, off the page's thread (web/src/check/checkWorker.ts)
 *   match-worker.js   one matcher thread (web/src/check/matchWorker.ts)
 *   index.html, style.css
 *   firmware/              (in dist/web/) each board's built firmware file, byte for byte, and index.json listing them
 *
 * The host modules (common/, host-tools/) are bundled as they are: Node's built-in modules are
 * replaced by the browser stand-ins in web/src/platform/ (files in IndexedDB, @noble crypto, Web
 * Workers), and `import.meta.url` of each module becomes file:///omamori/<its path>, where the
 * repository files they read beside themselves (boards/*.json, export.proto, the default risk
 * configuration) are mounted read-only (web/src/platform/vfs.ts).
 * Run after the firmware build (it copies dist/firmware/); `npm run build` runs both.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { boardIds, loadBoard } from "../boards/index";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
export const WEB_DIST = join(REPO, "dist", "web");
const PLATFORM = join(REPO, "web", "src", "platform");

const BUILTINS: Record<string, string> = {
  fs: "fs.ts", "fs/promises": "fsPromises.ts", path: "path.ts", os: "os.ts", crypto: "crypto.ts", zlib: "zlib.ts",
  url: "url.ts", worker_threads: "workerThreads.ts", module: "module.ts",
};

/** Repository files the host modules read at run time, mounted under /omamori/ in the browser. */
function staticFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of boardIds()) out["boards/" + id + ".json"] = readFileSync(join(REPO, "boards", id + ".json"), "utf8");
  for (const f of ["host-tools/keys/export.proto", "host-tools/match/default-risk-config.json"]) out[f] = readFileSync(join(REPO, f), "utf8");
  return out;
}

export const platform: Plugin = {
  name: "omamori-browser-platform",
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|os|crypto|zlib|url|worker_threads|module)$/ }, (a) => {
      const name = a.path.replace(/^node:/, "");
      return { path: join(PLATFORM, BUILTINS[name]) };
    });
    b.onResolve({ filter: /^omamori:static-files$/ }, () => ({ path: "static-files", namespace: "omamori" }));
    b.onLoad({ filter: /.*/, namespace: "omamori" }, () => ({ contents: "export default " + JSON.stringify(staticFiles()) + ";", loader: "js" }));
    b.onLoad({ filter: /\.ts$/ }, (a) => {
      const text = readFileSync(a.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const url = "file:///omamori/" + relative(REPO, a.path).split("\\").join("/");
      return { contents: text.split("import.meta.url").join(JSON.stringify(url)), loader: "ts" };
    });
  },
};

/** Bundles entries (name -> repository path) for the browser with the host modules' stand-ins. */
export function bundleForBrowser(entries: Record<string, string>, outdir: string) {
  return build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(REPO, v)])),
    outdir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome110",
    minify: true,
    sourcemap: true,
    legalComments: "none",
    inject: [join(PLATFORM, "globals.ts")],
    define: { global: "globalThis" },
    plugins: [platform],
    logLevel: "warning",
    metafile: true,
  });
}

export async function buildWeb(o: { quiet?: boolean } = {}): Promise<void> {
  rmSync(WEB_DIST, { recursive: true, force: true });
  mkdirSync(join(WEB_DIST, "firmware"), { recursive: true });
  const entries: Record<string, string> = {
    app: "web/src/main.ts",
    "check-worker": "web/src/check/checkWorker.ts",
    "match-worker": "web/src/check/matchWorker.ts",
  };
  const result = await bundleForBrowser(entries, WEB_DIST);
  for (const f of ["index.html", "style.css"]) copyFileSync(join(REPO, "web", f), join(WEB_DIST, f));
  const fw: { board: string; name: string; espruinoBoard: string; bytes: number; sha256: string }[] = [];
  for (const id of boardIds()) {
    const src = join(REPO, "dist", "firmware", id + ".js");
    if (!existsSync(src)) continue;
    const bytes = readFileSync(src); // pretokenised: 8-bit bytes, copied unchanged
    writeFileSync(join(WEB_DIST, "firmware", id + ".js"), bytes);
    const b = loadBoard(id);
    fw.push({ board: id, name: b.name, espruinoBoard: b.espruinoBoard, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
  }
  if (fw.length === 0) throw new Error("no firmware in dist/firmware/: run `npm run build` (the firmware build) first");
  writeFileSync(join(WEB_DIST, "firmware", "index.json"), JSON.stringify(fw, null, 1) + "\n");
  if (!o.quiet) {
    const sizes = Object.entries(result.metafile!.outputs).filter(([f]) => f.endsWith(".js")).map(([f, m]) => `${relative(WEB_DIST, f)} ${(m.bytes / 1024).toFixed(0)} KB`);
    console.log("web app -> dist/web/: " + sizes.join(", ") + "; firmware for " + fw.map((f) => f.board).join(", "));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWeb({ quiet: process.argv.includes("--quiet") }).catch((e) => {
    console.error("web build failed: " + (e as Error).message);
    process.exit(1);
  });
}
