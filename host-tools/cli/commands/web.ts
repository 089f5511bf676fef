/**
 * `omamori web`: serves the web app (dist/web/, docs/WEB.md) on this computer only (127.0.0.1,
 * which browsers treat as a secure page, so Web Bluetooth works) and opens the browser. The app's
 * config.json is made from this computer's check.json (key sources, trusted public keys), so the
 * page checks against the same sources as `omamori check`. The page keeps its own data in the
 * browser; `omamori` and the page exchange a token's folder as a .zip (the page's "save" and
 * "bring in" buttons).
 */
import { spawn } from "node:child_process";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import type { Command } from "commander";
import { omamoriHome } from "../../base/dataDir";
import { UsageError } from "../../base/errors";
import { say } from "../../base/language";
import { checkWebAppBuilt, WEB_APP_DIR, WEB_APP_HEADERS, type WebAppConfig } from "../../web/webApp";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8", ".map": "application/json; charset=utf-8", ".png": "image/png",
};

/** config.json for the page from check.json (nothing when there is none or it is not JSON). */
export function configFromCheckJson(home: string): WebAppConfig {
  try {
    const c = JSON.parse(readFileSync(join(home, "check.json"), "utf8"));
    const out: WebAppConfig = {};
    if (Array.isArray(c.keySources)) out.keySources = c.keySources.filter((s: unknown) => typeof s === "string" && /^https?:/i.test(s));
    if (Array.isArray(c.publicKeys)) out.publicKeys = c.publicKeys;
    return out;
  } catch {
    return {};
  }
}

/** Serves `root` (the app) read-only with the app's headers; /config.json from `config`. */
export function serveWebApp(o: { root?: string; config: WebAppConfig; port: number; host?: string }): Promise<{ server: Server; url: string }> {
  const root = resolve(o.root ?? WEB_APP_DIR);
  checkWebAppBuilt(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/config.json") {
      const body = JSON.stringify(o.config);
      res.writeHead(200, { ...WEB_APP_HEADERS, "Content-Type": TYPES[".json"], "Cache-Control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
      return;
    }
    const file = resolve(join(root, path === "/" ? "index.html" : path));
    let ok = file.startsWith(root + sep) && !path.split("/").some((s) => s.startsWith("."));
    try {
      ok = ok && statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    res.writeHead(200, { ...WEB_APP_HEADERS, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(o.port, o.host ?? "127.0.0.1", () => {
      const a = server.address();
      const port = typeof a === "object" && a ? a.port : o.port;
      ok({ server, url: `http://localhost:${port}/` });
    });
  });
}

function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    spawn(cmd, args, { detached: true, stdio: "ignore" }).on("error", () => undefined).unref();
  } catch {
    /* the address is printed anyway */
  }
}

export function registerWeb(program: Command): void {
  program
    .command("web")
    .description("serve the web app on this computer and open it in the browser (docs/WEB.md)")
    .option("--port <n>", "port on 127.0.0.1 (0 = any free port)", "8440")
    .option("--no-open", "do not open the browser")
    .action(async (opts: { port: string; open: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(say(`--port must be 0..65535, got "${opts.port}"`, `--port は 0～65535 で指定してください（"${opts.port}" は使えません）`));
      let served;
      try {
        served = await serveWebApp({ config: configFromCheckJson(omamoriHome()), port });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "EADDRINUSE") throw new UsageError(say(`port ${port} is in use: choose another with --port`, `ポート ${port} は使用中です。--port で別の番号を指定してください`));
        throw new UsageError((e as Error).message);
      }
      process.stdout.write(say(
        `The Omamori web app is at ${served.url} (this computer only). Open it in Chrome or Edge. Press Ctrl-C to stop.\n`,
        `お守りのウェブアプリ: ${served.url}（このパソコンからのみ）。Chrome か Edge で開いてください。Ctrl-C で終了します。\n`,
      ));
      if (opts.open) openBrowser(served.url);
      await new Promise<void>((done) => process.once("SIGINT", () => { served.server.close(); done(); }));
    });
}
