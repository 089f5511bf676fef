/**
 * One lock for the data directory ($OMAMORI_HOME/lock): every command that writes there (sync,
 * check, keys fetch, token pair/erase/decommission, register-positive) holds it while it works, so
 * two runs never interleave their writes (two checks once lost 19 of 40 entries of the key index).
 *
 * The lock file is created exclusively (O_EXCL) and holds who has it: { pid, command, host, since }.
 * A second run waits for it (saying who holds it) up to `waitMs`, then gives up with LockBusy. A
 * lock left by a process of this computer that no longer runs is taken over.
 */
import { open, readFile, unlink, mkdir, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "lock";
/** Default wait for another run to finish (a full check of a national key set takes ~1 min). */
const LOCK_WAIT_MS = 180_000;
const POLL_MS = 200;

export interface LockHolder {
  pid: number;
  command: string;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The data directory is in use by another run that did not finish in time. */
export class LockBusy extends Error {
  constructor(readonly holder: LockHolder | null, readonly path: string) {
    super("the data directory is in use: " + (holder ? `omamori ${holder.command} (process ${holder.pid} on ${holder.host}, since ${holder.since})` : path));
    this.name = "LockBusy";
  }
}

export interface LockOptions {
  /** Name of the command taking the lock (shown to whoever waits). */
  command: string;
  waitMs?: number;
  /** Told once when the run has to wait, with who holds the lock. */
  onWait?: (holder: LockHolder | null) => void;
  /** A stale lock (its process is gone) was removed. */
  onStale?: (holder: LockHolder) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

async function holderOf(path: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await readFile(path, "utf8"));
    if (h && Number.isInteger(h.pid) && typeof h.command === "string" && typeof h.host === "string" && typeof h.since === "string") return h;
  } catch {
    /* being written, or gone */
  }
  return null;
}

/** True when the lock file has been unreadable (damaged) for longer than `ms`. */
async function unreadableFor(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

/** Takes the lock of `home`; resolves to the function that releases it. */
export async function lockDataDir(home: string, o: LockOptions): Promise<() => Promise<void>> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, command: o.command, host: hostname(), since: new Date().toISOString() };
  const deadline = Date.now() + (o.waitMs ?? LOCK_WAIT_MS);
  let told = false;
  for (;;) {
    try {
      const fh = await open(path, "wx", 0o600);
      try {
        await fh.writeFile(JSON.stringify(me) + "\n");
      } finally {
        await fh.close();
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = await holderOf(path);
    if (holder ? holder.host === me.host && !alive(holder.pid) : await unreadableFor(path, 10_000)) {
      const again = await holderOf(path); // still the same stale lock, not one just taken anew
      if (!holder || (again && again.pid === holder.pid && again.since === holder.since)) {
        await unlink(path).catch(() => undefined);
        if (holder) o.onStale?.(holder);
      }
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusy(holder, path);
    if (!told) {
      told = true;
      o.onWait?.(holder);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs `body` holding the lock of `home`. */
export async function withDataDirLock<T>(home: string, o: LockOptions, body: () => Promise<T>): Promise<T> {
  const release = await lockDataDir(home, o);
  try {
    return await body();
  } finally {
    await release();
  }
}
