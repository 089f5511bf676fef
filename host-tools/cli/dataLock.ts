/**
 * The CLI side of the data-folder lock (host-tools/base/lock.ts): commands that write run their
 * work through withHomeLock, which waits (saying who holds the lock) or gives up with LockBusy,
 * turned into exit code 5 by main.ts.
 */
import { omamoriHome } from "../base/dataDir";
import { say } from "../base/language";
import { lockDataDir, type LockBusy, type LockHolder } from "../base/lock";
import { localTime } from "../base/time";

function who(h: LockHolder | null): string {
  if (!h) return say("another omamori run", "別の omamori");
  return say(`\`omamori ${h.command}\` (process ${h.pid} on ${h.host}, since ${localTime(h.since, "en")})`,
    `「omamori ${h.command}」（${h.host} のプロセス ${h.pid}、${localTime(h.since, "ja")}から）`);
}

/** The message for a lock still held after waiting. */
export function describeLockHolder(e: LockBusy): string {
  return say(`The data folder is in use by ${who(e.holder)}. Wait for it to finish, then try again.`,
    `データのフォルダーは ${who(e.holder)} が使用中です。終わるのを待ってから、もう一度お試しください。`);
}

/** Runs `body` holding the lock of $OMAMORI_HOME (or `home`), telling the user when it waits. */
export async function withHomeLock<T>(command: string, body: () => Promise<T>, home = omamoriHome(), waitMs?: number): Promise<T> {
  const release = await lockDataDir(home, {
    command,
    waitMs,
    onWait: (h) => process.stderr.write("omamori: " + say(`waiting for ${who(h)} to finish with the data folder...`, `${who(h)} がデータのフォルダーを使い終わるのを待っています…`) + "\n"),
    onStale: (h) => process.stderr.write("omamori: " + say(`a previous run (${h.command}, process ${h.pid}) stopped without unlocking the data folder; continuing.`, `前回の実行（${h.command}、プロセス ${h.pid}）がデータのフォルダーのロックを残して終わっていました。続けます。`) + "\n"),
  });
  try {
    return await body();
  } finally {
    await release();
  }
}
