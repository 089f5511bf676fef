/**
 * The firmware a `--transport sim` token runs is the built file, dist/firmware/<board>.js. Before
 * a simulated token starts, those files are made current: built when one is missing (a fresh
 * clone after `npm ci`) or older than any of its sources (after `git pull`). A stale file would
 * run old token code against a newer laptop, and the user would only see "the token answered
 * something unexpected".
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { boardIds } from "../../../boards/index";
import { say } from "../../base/language";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** What the firmware build reads (scripts/build-firmware.ts and the two scripts it imports). */
const SOURCES = ["firmware", "common", "boards", "scripts/build-firmware.ts", "scripts/espruino-gate.ts", "scripts/pretokenise.ts"];

/** The firmware could not be built for the simulated token. */
export class SimFirmwareError extends Error {
  constructor(detail: string) {
    super(say(
      `The simulated token could not be started: building its firmware failed (${detail}). Run npm run build in ${ROOT} to see why. Nothing was changed.`,
      `シミュレーションのお守りを起動できませんでした（ファームウェアの作成に失敗しました）。${ROOT} で npm run build を実行すると、原因がわかります。何も変更していません。`,
    ));
    this.name = "SimFirmwareError";
  }
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const n of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, n)));
  return newest;
}

/** Why the built firmware under `root` cannot be used as it is, or null when every board's file is current. */
export function simFirmwareStale(root: string = ROOT, boards: readonly string[] = boardIds()): "missing" | "older" | null {
  const files = boards.map((b) => join(root, "dist", "firmware", b + ".js"));
  if (!files.every((f) => existsSync(f))) return "missing";
  const built = Math.min(...files.map((f) => statSync(f).mtimeMs));
  const sources = Math.max(...SOURCES.map((s) => join(root, s)).filter((p) => existsSync(p)).map(newestMtime));
  return sources > built ? "older" : null;
}

/** Builds the firmware (about 10 s) when it is missing or stale; `note` tells the user first. */
export async function ensureSimFirmware(note: (line: string) => void): Promise<void> {
  const why = simFirmwareStale();
  if (!why) return;
  note(why === "missing"
    ? say("Building the token firmware for the simulated token (the first time only; about 10 seconds)...", "シミュレーションのお守りのファームウェアを作っています（初回のみ、10秒ほど）…")
    : say("The token firmware changed since it was built: building it again for the simulated token (about 10 seconds)...", "お守りのファームウェアが変わったため、シミュレーション用に作り直しています（10秒ほど）…"));
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsx, join(ROOT, "scripts", "build-firmware.ts"), "--quiet"], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const first = String(stderr).split("\n").find((l) => l.trim()) ?? err.message;
      reject(new SimFirmwareError(first.trim().slice(0, 200)));
    });
  });
  if (simFirmwareStale() === "missing") throw new SimFirmwareError("the build did not write every board's file");
}
