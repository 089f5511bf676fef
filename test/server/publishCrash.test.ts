/**
 * `publish` killed at every file operation (a real SIGKILL of a separate process, at each rename
 * that makes a file appear, just before and just after it): a file number is never served with two
 * different contents, and no key is lost or published twice under one number.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeExportBin, readExportZip } from "../../host-tools/keys/exportFile";
import { parseListJson } from "../../host-tools/keys/listJson";
import { issueNumber } from "../../host-tools/server/processingNumbers";
import { publish, regionDir } from "../../host-tools/server/publish";
import { registerKeys } from "../../host-tools/server/registration";
import { validateSubmission } from "../../host-tools/server/submission";
import { body, dateOf, key, MS_PER_DAY, NOON, TODAY, tempDataDir, type TempServerDir } from "./helpers";

const CHILD = fileURLToPath(new URL("./publishCrashChild.ts", import.meta.url));

function register(t: TempServerDir, days: number[], nowMs: number): string[] {
  const today = Math.floor(nowMs / MS_PER_DAY);
  const keys = days.map((d) => key(d));
  const number = issueNumber(t.db, t.data.numberSecret, nowMs, 24).number;
  const b = body(number, today, { keys, onsetOfSymptomOrTestDate: `${dateOf(today - 2)}T00:00:00.000+00:00` });
  registerKeys(t.db, t.data.numberSecret, validateSubmission(b, nowMs, "440"), nowMs);
  return keys.map((k) => k.keyData);
}

/** n -> SHA-256 of every n.zip in the published folder. */
function snapshot(dir: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const name of readdirSync(dir)) {
    const r = /^(\d+)\.zip$/.exec(name);
    if (r) m.set(Number(r[1]), createHash("sha256").update(readFileSync(join(dir, name))).digest("hex"));
  }
  return m;
}

/** Keys (base64) of every file list.json lists; each listed file must exist. */
function listedKeys(dir: string): string[] {
  const list = parseListJson(readFileSync(join(dir, "list.json"), "utf8"), "https://cdn.example.jp/c19r/440/list.json");
  expect(list.problems).to.deep.equal([]);
  return list.entries.flatMap((e) => {
    const n = /\/(\d+)\.zip$/.exec(e.url)![1];
    const path = join(dir, `${n}.zip`);
    expect(existsSync(path), `list.json names ${n}.zip, which is not there`).to.equal(true);
    return decodeExportBin(readExportZip(new Uint8Array(readFileSync(path))).bin).keys.map((k) => Buffer.from(k.keyData).toString("base64"));
  });
}

describe("server publishing killed at every step", function () {
  this.timeout(120_000);

  for (const mode of ["before", "after"] as const) {
    for (let k = 1; k <= 4; k++) {
      it(`publish_killed_${mode}Rename${k}_noNumberEverChangesContent_noKeyLost`, () => {
        const t = tempDataDir();
        try {
          // Three days of keys: three files and list.json, four renames in all.
          const first = register(t, [TODAY - 1, TODAY - 2, TODAY - 3], NOON);
          const run = spawnSync(process.execPath, ["--import", "tsx", CHILD, t.data.dir, String(NOON), String(k), mode], { encoding: "utf8" });
          expect(run.signal, run.stderr).to.equal("SIGKILL");
          const dir = regionDir(t.data);
          const seen = snapshot(dir); // what a CDN syncing right now would have copied
          // The next day: the server publishes again (today's keys are due now, and new ones).
          const later = NOON + MS_PER_DAY;
          const second = register(t, [TODAY, TODAY - 1], later);
          publish(t.data, t.db, { nowMs: later });
          const after = snapshot(dir);
          for (const [n, sha] of seen) expect(after.get(n), `${n}.zip was served with other content`).to.equal(sha);
          const published = listedKeys(dir);
          expect(published.slice().sort()).to.deep.equal([...first, ...second].sort());
        } finally {
          t.cleanup();
        }
      });
    }
  }

  it("strayZipLeftByAnOlderVersion_itsNumberIsNeverReused", () => {
    const t = tempDataDir();
    try {
      register(t, [TODAY - 1], NOON);
      // A file an older version wrote before a rolled-back commit: the database does not know 1.zip.
      const dir = regionDir(t.data);
      publish(t.data, t.db, { nowMs: NOON - MS_PER_DAY }); // creates the folder, publishes nothing
      const stray = Buffer.from("a stray file a CDN may still be serving");
      writeFileSync(join(dir, "1.zip"), stray);
      const r = publish(t.data, t.db, { nowMs: NOON });
      expect(r.files.map((f) => f.batch)).to.deep.equal([2]);
      expect(existsSync(join(dir, "1.zip"))).to.equal(false); // removed, and its number burnt
      expect(listedKeys(dir)).to.have.length(1);
    } finally {
      t.cleanup();
    }
  });
});
