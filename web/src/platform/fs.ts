/** `node:fs` in the browser bundle: the synchronous reads the host tools use, over vfs.ts. */
import { Buffer } from "buffer";
import * as vfs from "./vfs";

export interface Stats {
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  mtimeMs: number;
}

export function statOf(p: string, syscall = "stat"): Stats {
  if (vfs.isDir(p)) return { size: 0, isFile: () => false, isDirectory: () => true, mtimeMs: 0 };
  const b = vfs.readBytes(p, syscall);
  return { size: b.length, isFile: () => true, isDirectory: () => false, mtimeMs: 0 };
}

function decode(b: Uint8Array, enc?: unknown): string | Buffer {
  const e = typeof enc === "string" ? enc : enc && typeof enc === "object" ? (enc as { encoding?: string }).encoding : undefined;
  return e ? Buffer.from(b).toString(e as BufferEncoding) : Buffer.from(b);
}

export function readFileSync(p: string | URL, enc?: unknown): string | Buffer {
  return decode(vfs.readBytes(p instanceof URL ? decodeURIComponent(p.pathname) : p), enc);
}

export function existsSync(p: string): boolean {
  return vfs.exists(p);
}

export function statSync(p: string): Stats {
  return statOf(p);
}

export function readdirSync(p: string): string[] {
  return vfs.list(p);
}

const fds = new Map<number, string>();
let nextFd = 3;

export function openSync(p: string, flags: string = "r"): number {
  if (flags !== "r") throw new Error("the browser's file system opens files for reading only here");
  if (!vfs.isDir(p)) vfs.readBytes(p);
  fds.set(nextFd, p);
  return nextFd++;
}

function pathOf(fd: number): string {
  const p = fds.get(fd);
  if (p === undefined) throw new vfs.FsError("EBADF", "read", String(fd));
  return p;
}

export function fstatSync(fd: number): Stats {
  return statOf(pathOf(fd), "fstat");
}

export function readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number {
  const data = vfs.readBytes(pathOf(fd), "read");
  const from = position ?? 0;
  const n = Math.max(0, Math.min(length, data.length - from));
  buf.set(data.subarray(from, from + n), offset);
  return n;
}

export function closeSync(fd: number): void {
  fds.delete(fd);
}

export function writeFileSync(): never {
  throw new Error("the browser's file system writes asynchronously only");
}

export default { readFileSync, existsSync, statSync, readdirSync, openSync, fstatSync, readSync, closeSync, writeFileSync };
