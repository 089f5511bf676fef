/** `node:url` in the browser bundle (module paths are file:///omamori/...; see vfs.ts). */
export function fileURLToPath(u: string | URL): string {
  const url = typeof u === "string" ? new URL(u) : u;
  if (url.protocol !== "file:") throw new TypeError("The URL must be of scheme file");
  return decodeURIComponent(url.pathname);
}
export function pathToFileURL(p: string): URL {
  return new URL("file://" + encodeURI(p));
}
export const URL_ = URL;
export default { fileURLToPath, pathToFileURL };
