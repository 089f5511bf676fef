/**
 * Run by publishCrash.test.ts in its own process: publishes, and kills itself with SIGKILL at the
 * k-th file rename (before or after it), as a power cut or `kill -9` would stop `publish` there.
 *   node --import tsx publishCrashChild.ts <dataDir> <nowMs> <k> <before|after>
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { openDataDir } from "../../host-tools/server/dataDir";
import { publish } from "../../host-tools/server/publish";
import { openStore } from "../../host-tools/server/store";

const [dir, nowText, kText, mode] = process.argv.slice(2);
const k = Number(kText);
const rename = fs.renameSync;
let count = 0;
fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
  count++;
  if (count === k && mode === "before") process.kill(process.pid, "SIGKILL");
  rename(from, to);
  if (count === k && mode === "after") process.kill(process.pid, "SIGKILL");
};
syncBuiltinESMExports();

const data = openDataDir(dir);
const db = openStore(data.databasePath);
publish(data, db, { nowMs: Number(nowText) });
db.close();
process.stdout.write(`completed after ${count} renames\n`);
