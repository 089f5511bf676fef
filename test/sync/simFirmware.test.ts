/**
 * `--transport sim` runs the built firmware, so it must be there and current: a fresh clone after
 * `npm ci` has none, and a `git pull` leaves an old one that would run old token code.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simFirmwareStale } from "../../host-tools/sync/transports/simFirmware";
import { runCli } from "../report/runCli";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

describe("the firmware a simulated token runs", function () {
  this.timeout(180000);

  it("is missing when a board's file is not built, older when a source changed since, else current", () => {
    const root = mkdtempSync(join(tmpdir(), "omamori-fw-"));
    try {
      mkdirSync(join(root, "firmware", "app"), { recursive: true });
      mkdirSync(join(root, "dist", "firmware"), { recursive: true });
      const src = join(root, "firmware", "app", "main.ts");
      writeFileSync(src, "x");
      utimesSync(src, new Date(1_000_000), new Date(1_000_000));
      writeFileSync(join(root, "dist", "firmware", "puckjs.js"), "built");
      expect(simFirmwareStale(root, ["puckjs", "banglejs2"])).to.equal("missing");
      writeFileSync(join(root, "dist", "firmware", "banglejs2.js"), "built");
      expect(simFirmwareStale(root, ["puckjs", "banglejs2"])).to.equal(null);
      utimesSync(src, new Date(), new Date(Date.now() + 60_000)); // edited after the build (a pull)
      expect(simFirmwareStale(root, ["puckjs", "banglejs2"])).to.equal("older");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("an out-of-date build is built again before the simulated token starts; the user is told", async () => {
    const file = join(REPO, "dist", "firmware", "puckjs.js");
    const was = statSync(file).mtime;
    const home = mkdtempSync(join(tmpdir(), "omamori-fw-home-"));
    try {
      utimesSync(file, new Date(1_000_000), new Date(1_000_000)); // as if built long before the sources
      expect(simFirmwareStale()).to.equal("older");
      const r = await runCli(["token", "pair", "--token", "grandma", "--transport", "sim"], { OMAMORI_HOME: home, LANG: "en_GB.UTF-8" });
      expect(r.stderr).to.include("The token firmware changed since it was built: building it again for the simulated token");
      expect(r.code).to.equal(0);
      expect(simFirmwareStale()).to.equal(null);
      expect(statSync(file).mtimeMs).to.be.greaterThan(1_000_000);
    } finally {
      if (statSync(file).mtimeMs <= 1_000_000) utimesSync(file, was, was);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
