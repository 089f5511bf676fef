/** `node:fs/promises` in the browser bundle, over vfs.ts (see there for durability). */
import { Buffer } from "buffer";
import * as vfs from "./vfs";
import { statOf, type Stats } from "./fs";

export async function readFile(p: string, enc?: unknown): Promise<string | Buffer> {
  const b = vfs.readBytes(p);
  const e = typeof enc === "string" ? enc : enc && typeof enc === "object" ? (enc as { encoding?: string }).encoding : undefined;
  return e ? Buffer.from(b).toString(e as BufferEncoding) : Buffer.from(b);
}

function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

export async function writeFile(p: string, data: string | Uint8Array): Promise<void> {
  await vfs.write(p, bytes(data));
}

/** A file opened for writing: the data reaches the store at close() (the temporary file of an atomic write). */
export async function open(p: string, flags: string = "r"): Promise<{ writeFile(d: string | Uint8Array): Promise<void>; sync(): Promise<void>; close(): Promise<void> }> {
  if (flags !== "wx" && flags !== "w") throw new Error("the browser's file system opens files for writing only here");
  const n = vfs.normalize(p);
  if (flags === "wx" && vfs.exists(n)) throw new vfs.FsError("EEXIST", "open", p);
  if (!vfs.isDir(n.slice(0, n.lastIndexOf("/")) || "/")) throw new vfs.FsError("ENOENT", "open", p);
  let data: Uint8Array = new Uint8Array(0);
  vfs.writeTemp(n, data);
  return {
    async writeFile(d) {
      data = bytes(d);
      vfs.writeTemp(n, data);
    },
    async sync() {},
    async close() {},
  };
}

export async function rename(a: string, b: string): Promise<void> {
  await vfs.rename(a, b);
}

export async function unlink(p: string): Promise<void> {
  await vfs.unlink(p);
}

export async function mkdir(p: string, o?: { recursive?: boolean }): Promise<void> {
  await vfs.mkdir(p, !!o?.recursive);
}

export async function link(a: string, b: string): Promise<void> {
  await vfs.link(a, b);
}

export async function readdir(p: string): Promise<string[]> {
  return vfs.list(p);
}

export async function stat(p: string): Promise<Stats> {
  return statOf(p);
}

export async function rm(p: string, o?: { recursive?: boolean; force?: boolean }): Promise<void> {
  await vfs.remove(p, !!o?.recursive, !!o?.force);
}

export async function copyFile(a: string, b: string): Promise<void> {
  await vfs.write(b, vfs.readBytes(a));
}

export default { readFile, writeFile, open, rename, unlink, mkdir, link, readdir, stat, rm, copyFile };
