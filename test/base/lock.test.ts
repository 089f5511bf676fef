/** The data-folder lock (host-tools/base/lock.ts): one writer at a time, who holds it, stale locks. */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { readOnlyHome } from "../helpers/readOnlyHome";
import { tmpdir, hostname } from "node:os";
import { join } from "node:path";
import { lockDataDir, LockBusy, withDataDirLock, LOCK_FILE } from "../../host-tools/base/lock";

describe("data folder lock", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "omamori-lock-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("lock_heldByAnother_secondWaitsThenRunsAfterRelease_neverTogether", async () => {
    const order: string[] = [];
    let waited = false;
    const first = withDataDirLock(home, { command: "check" }, async () => {
      order.push("first start");
      await new Promise((r) => setTimeout(r, 300));
      order.push("first end");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withDataDirLock(home, { command: "sync", onWait: (h) => { waited = true; expect(h!.command).to.equal("check"); } }, async () => {
      order.push("second start");
    });
    await Promise.all([first, second]);
    expect(order).to.deep.equal(["first start", "first end", "second start"]);
    expect(waited).to.equal(true);
    expect(existsSync(join(home, LOCK_FILE))).to.equal(false);
  });

  it("lock_stillHeldAfterWaiting_failsNamingTheHolder", async () => {
    const release = await lockDataDir(home, { command: "check" });
    try {
      await lockDataDir(home, { command: "sync", waitMs: 300 });
      expect.fail("took a held lock");
    } catch (e) {
      expect(e).to.be.instanceOf(LockBusy);
      expect((e as LockBusy).holder).to.include({ command: "check", pid: process.pid });
    } finally {
      await release();
    }
  });

  it("lock_leftByAProcessThatIsGone_isTakenOver", async () => {
    // a pid far above any real one on this machine (pid_max is at most 4194304)
    writeFileSync(join(home, LOCK_FILE), JSON.stringify({ pid: 4194305, command: "sync", host: hostname(), since: "2026-01-01T00:00:00Z" }));
    let stale = "";
    const release = await lockDataDir(home, { command: "check", waitMs: 1000, onStale: (h) => { stale = h.command; } });
    expect(stale).to.equal("sync");
    expect(JSON.parse(readFileSync(join(home, LOCK_FILE), "utf8"))).to.include({ command: "check", pid: process.pid });
    await release();
  });

  it("lock_inAReadOnlyFolder_failsWithTheFileSystemError", async () => {
    const ro = readOnlyHome(home);
    try {
      await lockDataDir(ro.path, { command: "check", waitMs: 100 });
      expect.fail("locked a read-only folder");
    } catch (e) {
      expect(["EACCES", "EROFS", "EPERM"]).to.include((e as NodeJS.ErrnoException).code);
    } finally {
      ro.release();
    }
  });
});
