/**
 * A data folder this process cannot write, for the "read-only OMAMORI_HOME" tests. A normal user
 * gets the filled folder itself with its write permission removed. Root writes anywhere, so for
 * root the folder's contents are copied onto a tmpfs mounted read-only; where mounting is not
 * allowed, a path under /sys (where the kernel refuses to create anything) stands in, empty.
 * Every case is a real refusal by the operating system.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ReadOnlyHome {
  path: string;
  /** False when only the empty /sys stand-in was possible. */
  hasData: boolean;
  release(): void;
}

function chmodTree(dir: string, mode: (isDir: boolean) => number): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const d = statSync(p).isDirectory();
    if (d) chmodTree(p, mode);
    chmodSync(p, mode(d));
  }
  chmodSync(dir, mode(true));
}

export function readOnlyHome(filled: string): ReadOnlyHome {
  if (process.getuid?.() !== 0) {
    chmodTree(filled, (d) => (d ? 0o500 : 0o400));
    return { path: filled, hasData: true, release: () => chmodTree(filled, (d) => (d ? 0o700 : 0o600)) };
  }
  const mnt = mkdtempSync(join(tmpdir(), "omamori-ro-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt], { stdio: "ignore" });
    execFileSync("cp", ["-a", filled + "/.", mnt], { stdio: "ignore" });
    execFileSync("mount", ["-o", "remount,ro", mnt], { stdio: "ignore" });
    return {
      path: mnt, hasData: true,
      release: () => {
        execFileSync("umount", [mnt], { stdio: "ignore" });
        rmSync(mnt, { recursive: true, force: true });
      },
    };
  } catch {
    try {
      execFileSync("umount", [mnt], { stdio: "ignore" });
    } catch {
      /* was not mounted */
    }
    rmSync(mnt, { recursive: true, force: true });
    return { path: "/sys/omamori-read-only-test", hasData: false, release: () => undefined };
  }
}
