/**
 * Serves the published directory (list.json and the export zips) read-only, the way a CDN would.
 * Only plain files strictly inside the root are served; ".." and encoded tricks are refused.
 */
import { createReadStream, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json; charset=utf-8",
  ".zip": "application/zip",
  // the web app placed beside the exports (`omamori server publish --web`, docs/WEB.md)
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Resolves a URL path to a file inside `root`, or undefined when it is outside, hidden, a
 * temporary file, or not a plain file.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((s) => s.length > 0);
  if (segments.some((s) => s === ".." || s.startsWith(".") || s.endsWith(".tmp"))) return undefined;
  const base = resolve(root);
  const full = resolve(join(base, ...segments));
  if (!full.startsWith(base + sep)) return undefined;
  try {
    return statSync(full).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

/** Streams the file (GET) or only its headers (HEAD). Returns false when there is no such file. */
export function serveStatic(root: string, urlPath: string, req: IncomingMessage, res: ServerResponse): boolean {
  const path = resolveStaticPath(root, urlPath);
  if (!path) return false;
  const size = statSync(path).size;
  const isList = path.endsWith("list.json");
  res.writeHead(200, {
    "Content-Type": CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
    "Content-Length": size,
    // The list changes at each publish; an export file never changes once written.
    "Cache-Control": isList ? "public, max-age=300" : "public, max-age=86400, immutable",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(path).pipe(res);
  return true;
}
