/** `node:path` (POSIX) in the browser bundle. */
import { normalize as norm } from "./vfs";

export const sep = "/";
export function join(...parts: string[]): string {
  const j = parts.filter((p) => p !== "").join("/");
  const n = norm(j);
  return j.startsWith("/") ? n : n.slice(1) || ".";
}
export function resolve(...parts: string[]): string {
  let out = "";
  for (const p of parts) out = p.startsWith("/") ? p : out + "/" + p;
  return norm(out || "/");
}
export function dirname(p: string): string {
  const i = p.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : p.slice(0, i);
}
export function basename(p: string, ext?: string): string {
  const b = p.replace(/\/+$/, "").split("/").pop() ?? "";
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}
export function extname(p: string): string {
  const b = basename(p);
  const i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
}
export function relative(from: string, to: string): string {
  const a = norm(from).split("/").filter(Boolean), b = norm(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}
export function isAbsolute(p: string): boolean {
  return p.startsWith("/");
}
export default { sep, join, resolve, dirname, basename, extname, relative, isAbsolute };
