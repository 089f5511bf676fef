/**
 * The built firmware file of a board, dist/firmware/<board>.js, as `npm run build` wrote it
 * (`npm test` builds first). Built once here if missing, so a lone `mocha test/firmware-crypto` works.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST, REPO } from "../../scripts/build-firmware";

let built = false;

export function builtFirmware(boardId: string): string {
  const file = join(DIST, boardId + ".js");
  if (!existsSync(file) && !built) {
    execFileSync(process.execPath, [join(REPO, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO, "scripts", "build-firmware.ts"), "--quiet"], { cwd: REPO, stdio: "inherit" });
    built = true;
  }
  return readFileSync(file, "utf8");
}
