/**
 * Crash-safe file replacement: write a temporary file in the same folder, flush it to disk, then
 * rename it over the target (rename is atomic on one file system), so a reader or a crash sees
 * either the old copy or the new one, never half of one.
 */
import { open, readFile, rename, unlink, mkdir, link } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), "." + basename(path) + "." + process.pid + "." + randomBytes(4).toString("hex") + ".tmp");
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** A file of the data directory that cannot be read as what it should be; `path` names it. */
export class DamagedFileError extends TypeError {
  constructor(readonly path: string, readonly detail: string) {
    super(path + " is damaged: " + detail);
    this.name = "DamagedFileError";
  }
}

/**
 * The parsed JSON of a file written with writeFileAtomic, or null when there is no such file.
 * A file that is not JSON is an error naming it (a damaged file is never silently replaced).
 */
export async function readJsonFile(path: string): Promise<unknown | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DamagedFileError(path, "not valid JSON (" + (e as Error).message + ")");
  }
}

/**
 * Keeps a damaged file aside, never deleting it: renames `path` to `path.damaged-<time>` (a
 * number is added if that exists) and returns the new path. The caller then rebuilds the file.
 */
export async function keepAside(path: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  for (let n = 0; ; n++) {
    const aside = `${path}.damaged-${stamp}${n ? "-" + n : ""}`;
    try {
      await link(path, aside); // fails if `aside` exists: nothing is ever overwritten
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw e;
    }
    await unlink(path);
    return aside;
  }
}
