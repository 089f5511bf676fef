/**
 * Failures the person can act on, printed as one plain line (never a stack trace):
 *   - UsageError: a mistake in what was typed or given (bad value, unreadable file): exit code 2;
 *   - a file-system refusal (read-only or full disk, no permission): plainFileError names the path
 *     and what to do, exit code 1.
 * Anything else is a bug and prints a stack.
 */
import { say } from "./language";

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const FS_CODES = ["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT"];

/** True for errors that mean "this computer would not let us read or write a file". */
export function isFileRefusal(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && FS_CODES.includes((e as NodeJS.ErrnoException).code ?? "");
}

/**
 * The path a person should look at: a file being written atomically is named, not its hidden
 * temporary copy (".log.json.1234.ab12cd34.tmp" -> "log.json"); the data folder's lock file, by
 * its folder.
 */
function shownPath(p: string): string {
  const tmp = /^(.*[\\/])\.([^\\/]+)\.\d+\.[0-9a-f]+\.tmp$/.exec(p);
  if (tmp) return tmp[1] + tmp[2];
  const lock = /^(.*)[\\/]lock$/.exec(p);
  return lock ? lock[1] : p;
}

/** One plain sentence for a file-system refusal. */
export function plainFileError(e: NodeJS.ErrnoException): string {
  const path = shownPath(e.path ?? "");
  if (e.code === "ENOSPC" || e.code === "EDQUOT") {
    return say(`The disk is full: could not write ${path}. Nothing already saved was lost; free some space and try again.`,
      `ディスクがいっぱいで、${path} に書き込めませんでした。保存済みの記録は失われていません。空きを作ってから、もう一度お試しください。`);
  }
  return say(`This computer does not allow writing ${path} (${e.code === "EROFS" ? "read-only" : "no permission"}). Nothing already saved was lost; make the folder writable, or set OMAMORI_HOME to a folder you can write, and try again.`,
    `${path} に書き込めません（${e.code === "EROFS" ? "読み取り専用" : "権限がありません"}）。保存済みの記録は失われていません。フォルダーを書き込めるようにするか、書き込めるフォルダーを OMAMORI_HOME に指定して、もう一度お試しください。`);
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The closest of `names` to `typed` when it is plausibly a typing mistake, else null. */
export function closest(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(typed.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(typed.length / 3)) ? best : null;
}
