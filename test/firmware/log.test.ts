/**
 * The contact log in the built firmware, in the sim runtime: what one scan aggregates, the replay
 * rule, ring wrap-around with the dropped counter, 14-day expiry, and power cuts at every flash
 * write and erase of an append.
 */
import { statusFromRow } from "../../common/formats/syncMessages";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { toHex } from "../../common/bytes";
import { maxActiveEncounters } from "../../boards/index";
import { bootToken, expectHealthy, readWholeLog, runWithAdverts, state, T0_MS, type Advert } from "./sim";

const MIN = 60_000;
const DAY = 86_400_000;

function ids(n: number, seed: string): Advert[] {
  const out: Advert[] = [];
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(randomBytes(20));
    b[0] = seed.charCodeAt(0);
    b[1] = i & 255;
    b[2] = i >> 8;
    out.push({ rpi: b.subarray(0, 16), aem: b.subarray(16, 20), rssi: -40 - (i % 50) });
  }
  return out;
}

function prefix(a: Advert): string {
  return toHex(a.rpi.subarray(0, 6));
}

describe("firmware log: scans, encounters, ring buffer, expiry, power cuts (built file in the sim)", () => {
  it("aggregates each scan per identifier and stops extending an identifier 20 min after first heard", () => {
    const rt = bootToken({ seed: 11 });
    const [x, y] = ids(2, "x");
    let scan = 0;
    const starts: number[] = [];
    runWithAdverts(rt, T0_MS + 45 * MIN, (t) => {
      scan++;
      starts.push(Math.floor(t / 1000));
      const out = [{ ...x, rssi: -50 }, { ...x, rssi: -60 }, { ...x, rssi: -55 }];
      if (scan === 2) out.push(y);
      return scan <= 7 ? out : [];
    });
    expectHealthy(rt);
    const log = readWholeLog(rt);
    expect(log.map((e) => e.rpi).sort()).to.deep.equal([prefix(x), prefix(y)].sort());
    const ex = log.find((e) => e.rpi === prefix(x))!;
    expect(ex.aem).to.equal(toHex(x.aem));
    // scans 1..5 are within 20 min of the first (0, 5, 10, 15, 20 min); scans 6 and 7 are replays
    expect(ex.scans.length).to.equal(5);
    ex.scans.forEach((s, i) => {
      expect(s).to.include({ count: 3, rssiMax: -50, rssiMean: -55 });
      expect(starts[i] - s.t).to.be.within(0, 4);
    });
    const ey = log.find((e) => e.rpi === prefix(y))!;
    expect(ey.scans.map((s) => s.count)).to.deep.equal([1]);
    // at rest the records are encrypted: neither identifier nor AEM appears anywhere in flash
    const flash = Buffer.from(rt.flash.read(rt.flash.startAddress, rt.flash.endAddress - rt.flash.startAddress));
    for (const a of [x, y]) {
      expect(flash.indexOf(Buffer.from(a.rpi.subarray(0, 6))), "RPI prefix in clear").to.equal(-1);
      expect(flash.indexOf(Buffer.from(a.aem)), "AEM in clear").to.equal(-1);
    }
  });

  for (const board of ["puckjs", "puckjsmin"]) it("wraps around when full on " + board + ", dropping the oldest page, counting what it dropped, wearing pages evenly", function () {
    this.timeout(30000);
    // the log's logic: 30 adverts per window are more than the CPU handles (see the crowd test below)
    const rt = bootToken({ seed: 12, board, cpuTime: false });
    const s0 = state(rt).log;
    expect(s0.pages).to.be.at.least(board === "puckjs" ? 5 : 2);
    const perPage = Math.floor((s0.pageSize - 20) / 20); // a one-scan record takes 20 bytes of flash
    const total = perPage * s0.pages + 100;
    const all = ids(total, "w");
    // a scan logs at most maxActiveEncounters new identifiers (RAM), so scan often
    const perScan = maxActiveEncounters(rt.board);
    let ok = false;
    rt.runCallback(() => { ok = rt.global.Omamori.host.setScanSettings(250, 10000); }, null, []);
    expect(ok).to.equal(true);
    let sent = 0;
    let n = 0;
    // a new batch every other window: the one before is then no longer heard lately and makes room
    runWithAdverts(rt, T0_MS + 2 * Math.ceil(total / perScan + 3) * 10000, () => {
      if (n++ % 2) return [];
      const batch = all.slice(sent, sent + perScan);
      sent += batch.length;
      return batch;
    });
    expect(sent).to.equal(total);
    rt.runCallback(rt.global.Omamori.flush, null, []);
    expectHealthy(rt);
    const st = state(rt).log;
    const status = statusFromRow(rt.global.Omamori.host.status());
    expect(st.dropped).to.be.above(0);
    expect(status.recordsDropped).to.equal(st.dropped);
    expect(st.records + st.dropped).to.equal(total);
    expect(state(rt).needsSync, "records the host has not read are about to be dropped").to.equal(true);
    const log = readWholeLog(rt);
    expect(log.length).to.equal(st.records);
    expect(state(rt).needsSync, "the host has read everything").to.equal(false);
    // what is kept is the newest, in order; what was dropped is the oldest
    const kept = log.map((e) => e.rpi);
    expect(kept).to.deep.equal(all.slice(total - kept.length).map(prefix));
    // every log page was erased (wear spread): each page's erase count differs by at most one
    const area = rt.storage.find(new Uint8Array([...Buffer.from("om.log")].concat(new Array(22).fill(0))))!;
    const first = Math.ceil((area.addr + 32) / s0.pageSize) * s0.pageSize;
    const erases = rt.flash.pageEraseCounts().filter((p) => p.address >= first && p.address < first + s0.pages * s0.pageSize).map((p) => p.erases);
    expect(erases.length).to.equal(s0.pages);
    expect(Math.max(...erases) - Math.min(...erases)).to.be.at.most(1);
  });

  it("hands the host whole records of any length, even when it asks for fewer bytes than the longest", () => {
    const rt = bootToken({ seed: 16 });
    rt.runCallback(() => rt.global.Omamori.host.setScanSettings(250, 10000), null, []);
    const x = ids(1, "L");
    runWithAdverts(rt, T0_MS + 30 * MIN, () => x);
    const log = readWholeLog(rt);
    expect(log.length).to.equal(1);
    expect(log[0].scans.length).to.equal(59);
    expect(readWholeLog(rt, 100)).to.deep.equal(log);
  });

  it("in a crowd keeps the nearest: of 100 identifiers in one window, the RAM-sized number of strongest (Puck.js: 15)", () => {
    // the firmware's cap, with every advert handled (no CPU-time model)
    const rt = bootToken({ seed: 15, cpuTime: false });
    const crowd = ids(100, "c");
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? crowd : []));
    const log = readWholeLog(rt);
    const maxActive = maxActiveEncounters(rt.board);
    expect(log.length).to.equal(maxActive);
    // the strongest maxActive of the 100: RSSI -40 .. -47 (two identifiers at each level)
    const strongest = crowd.slice().sort((x, y) => y.rssi - x.rssi).slice(0, maxActive);
    const floor = strongest[strongest.length - 1].rssi;
    for (const e of log) expect(e.scans[0].rssiMax).to.be.at.least(floor);
    expectHealthy(rt);
  });

  it("in a crowd scans every minute until it thins (a window that fills the identifier table), then every 5 minutes again", () => {
    const rt = bootToken({ seed: 16, cpuTime: false });
    const starts: number[] = [];
    const crowd = ids(60, "d");
    runWithAdverts(rt, T0_MS + 40 * MIN, (t) => {
      starts.push(t);
      return t < T0_MS + 10 * MIN ? crowd : ids(3, "q");
    });
    const gaps = starts.slice(1).map((t, i) => Math.round((t - starts[i]) / 1000));
    const inCrowd = gaps.filter((_g, i) => starts[i] < T0_MS + 9 * MIN);
    expect(inCrowd.length).to.be.at.least(5);
    for (const g of inCrowd) expect(g).to.be.within(59, 62);
    const after = gaps.filter((_g, i) => starts[i] > T0_MS + 11 * MIN);
    expect(after.length).to.be.at.least(3);
    for (const g of after) expect(g).to.be.within(299, 302);
    expectHealthy(rt);
  });

  it("an identifier written early to make room in a crowd, heard again stronger, gets a new record (not taken for a replay)", () => {
    const rt = bootToken({ seed: 17, cpuTime: false });
    const maxActive = maxActiveEncounters(rt.board);
    const a = ids(maxActive, "a").map((x) => ({ ...x, rssi: -70 }));
    const b = ids(maxActive, "b").map((x) => ({ ...x, rssi: -60 }));
    let scan = 0;
    runWithAdverts(rt, T0_MS + 16 * MIN, () => {
      scan++;
      // window 1: a; window 2: b, stronger, takes every slot; window 3: a again, stronger still
      return scan === 1 ? a : scan === 2 ? b : scan === 3 ? a.map((x) => ({ ...x, rssi: -50 })) : [];
    });
    rt.runCallback(rt.global.Omamori.flush, null, []);
    const log = readWholeLog(rt);
    for (const x of a) {
      const recs = log.filter((e) => e.rpi === prefix(x));
      expect(recs.map((e) => e.scans.length).reduce((m, n) => m + n, 0), "scans of " + prefix(x)).to.equal(2);
    }
    expectHealthy(rt);
  });

  it("in a crowd the CPU is the limit: 100 identifiers in one window, the event queue overflows and a Puck.js logs what it could handle", () => {
    const rt = bootToken({ seed: 15 });
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? ids(100, "c") : []));
    const log = readWholeLog(rt);
    const cap = maxActiveEncounters(rt.board);
    expect(rt.ioStats.dropped, "adverts lost to a full event queue").to.be.above(0);
    expect(rt.ioStats.maxQueued).to.be.at.most(22);
    expect(log.length).to.be.above(0);
    expect(log.length).to.be.at.most(cap);
    expectHealthy(rt);
  });

  it("erases log pages and daily keys once they are older than 14 days", function () {
    this.timeout(30000);
    const rt = bootToken({ seed: 13 });
    const early = ids(5, "e");
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? early : []));
    expect(readWholeLog(rt).length).to.equal(5);
    const day0Key = state(rt).keys[0].rollingStart;
    const tekOfDay0 = toHex(Uint8Array.from(state(rt).keys[0].tek));
    const late = ids(3, "l");
    runWithAdverts(rt, T0_MS + 14 * DAY - 60 * MIN, () => []);
    expect(readWholeLog(rt).length, "still kept on day 13").to.equal(5);
    runWithAdverts(rt, T0_MS + 14 * DAY + 60 * MIN, (t) => (t > T0_MS + 14 * DAY ? late : []));
    expectHealthy(rt);
    const log = readWholeLog(rt);
    expect(log.map((e) => e.rpi).sort()).to.deep.equal(late.map(prefix).sort());
    // keys: today and the 14 days before are kept; day 0's key goes on day 15
    let keys = state(rt).keys.map((k: { rollingStart: number }) => k.rollingStart);
    expect(keys[0]).to.equal(day0Key);
    expect(keys.length).to.equal(15);
    runWithAdverts(rt, T0_MS + 15 * DAY + 10 * MIN, () => []);
    keys = state(rt).keys.map((k: { rollingStart: number }) => k.rollingStart);
    expect(keys).to.not.include(day0Key);
    expect(keys.length).to.equal(15);
    // the expired key's bytes are gone from flash, not just forgotten (keys are kept as bytes)
    const flash = Buffer.from(rt.flash.read(rt.flash.startAddress, rt.flash.endAddress - rt.flash.startAddress));
    expect(tekOfDay0).to.match(/^[0-9a-f]{32}$/);
    expect(flash.includes(Buffer.from(tekOfDay0, "hex")), "expired TEK still in flash").to.equal(false);
    expect(flash.includes(Buffer.from(state(rt).keys[0].tekHex, "hex")), "a kept TEK is in flash").to.equal(true);
  });

  it("a bit flipped in flash, at any bit of a record: the host never gets a wrong record, and is told when one is missing", () => {
    const rt = bootToken({ seed: 17 });
    const heard = ids(12, "f");
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? heard : []));
    rt.runCallback(rt.global.Omamori.flush, null, []);
    const clean = readWholeLog(rt).map((e) => JSON.stringify(e));
    expect(clean.length).to.equal(12);
    // the 6th record in flash (in the page that has records; entries: first byte = length | state, 00 a record)
    const ps = rt.flash.pageSize;
    const file = rt.storage.find(new Uint8Array([...Buffer.from("om.log")].concat(new Array(22).fill(0))))!;
    let at = -1;
    for (let page = Math.ceil((file.addr + 32) / ps) * ps, n = 0; at < 0 && page + ps <= file.addr + 32 + file.size; page += ps) {
      if (rt.flash.read(page + 19, 1)[0] !== 0xa5) continue;
      for (let o = page + 20, b = rt.flash.read(o, 1)[0]; b !== 0xff; o += b & 0xfc, b = rt.flash.read(o, 1)[0]) {
        if ((b & 3) === 0 && ++n === 6) at = o;
      }
    }
    expect(at).to.be.greaterThan(0);
    const len = rt.flash.read(at, 1)[0] & 0xfc;
    let reported = 0;
    for (let i = 0; i < len; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const t = bootToken({ flash: rt.flash.clone(), worldTimeMs: rt.worldTimeMs(), seed: 17 });
        t.flash.flipBit(at + i, bit);
        let damaged = 0;
        const got = readWholeLog(t, undefined, () => damaged++).map((e) => JSON.stringify(e));
        const what = "byte " + i + " bit " + bit;
        for (const g of got) expect(clean, what + ": a record the token never heard").to.include(g);
        if (got.length < clean.length) expect(damaged, what + ": a record missing and not reported").to.be.at.least(1);
        if (damaged) reported++;
        expectHealthy(t);
      }
    }
    // every flip is seen (the check covers every byte of the record, its first byte included)
    expect(reported).to.equal(len * 8);
  });

  for (const [board, grow] of [["puckjs", 0], ["puckjsmin", 2000]] as const) it("after a firmware update moved the log file (" + board + ", " + grow + " bytes bigger), starts a fresh log and keeps its settings", () => {
    const rt = bootToken({ seed: 14, board });
    runWithAdverts(rt, T0_MS + 30 * MIN, (t) => (t < T0_MS + MIN ? ids(12, "u") : []));
    expect(readWholeLog(rt).length).to.equal(12);
    rt.runCallback(() => rt.global.Omamori.host.setAlert(true), null, []);
    const keys = state(rt).keys.map((k: { tekHex: string }) => k.tekHex);
    expect(keys.length).to.equal(1);
    const logName = new Uint8Array([...Buffer.from("om.log")].concat(new Array(22).fill(0)));
    const before = rt.storage.find(logName)!.addr;
    // the Web IDE uploads a new .bootcde: the old one becomes trash before the log, Storage compacts
    // (on the 40 KB Puck.js the log takes every page, so a new file may not be bigger than the old)
    const boot = new Uint8Array([...Buffer.from(".bootcde")].concat(new Array(20).fill(0)));
    const old = Buffer.from(rt.storage.read(boot)!);
    // (same size: the last ";" becomes a line break)
    const code = grow ? Buffer.concat([old, Buffer.from("\n//" + "v".repeat(grow) + "\n")]) : Buffer.concat([old.subarray(0, old.length - 1), Buffer.from("\n")]);
    rt.storage.write(boot, new Uint8Array(code), 0, 0, 0);
    expect(rt.storage.find(logName)!.addr, "the log file moved").to.not.equal(before);
    rt.reboot("reset");
    expect(readWholeLog(rt)).to.deep.equal([]);
    // what the settings held is still there: the daily key, the alert
    expect(state(rt).keys.map((k: { tekHex: string }) => k.tekHex)).to.deep.equal(keys);
    expect(state(rt).alert).to.equal(true);
    const again = ids(3, "v");
    runWithAdverts(rt, rt.worldTimeMs() + 30 * MIN, (t) => (t < rt.worldTimeMs() + MIN ? again : []));
    expect(readWholeLog(rt).map((e) => e.rpi).sort()).to.deep.equal(again.map(prefix).sort());
    const lg = rt.storage.find(logName)!;
    expect((lg.addr + 32 + lg.size) % rt.flash.pageSize, "the log ends on a page boundary again").to.equal(0);
    expectHealthy(rt);
  });

  for (const kind of ["mid-page", "page switch with wrap"] as const) {
    it("a power cut at every flash write and erase of an append (" + kind + ") loses at most that record", function () {
      this.timeout(90000);
      const z = ids(1, "z")[0];
      const fill = ids(8 * 254, "g");
      // the same seeded token, script and adverts every time: only the cut point differs
      const prepare = () => {
        // the log's power safety: the fill feeds more adverts per window than the CPU handles
        const rt = bootToken({ seed: 21, cpuTime: false });
        const s = state(rt).log;
        // (a one-scan record takes 20 bytes of flash; a page also holds the token's settings entries,
        // so a full ring takes a few records fewer)
        const n = kind === "mid-page" ? 30 : Math.floor((s.pageSize - 20) / 20) * s.pages;
        const perScan = maxActiveEncounters(rt.board);
        rt.runCallback(() => rt.global.Omamori.host.setScanSettings(250, 10000), null, []);
        let sent = 0;
        let w = 0;
        // a new batch every other window: the one before is then no longer heard lately and makes room
        let fillEnd = T0_MS + 2 * Math.ceil(n / perScan + 1) * 10000;
        runWithAdverts(rt, fillEnd, () => {
          if (w++ % 2) return [];
          const batch = fill.slice(sent, Math.min(n, sent + perScan));
          sent += batch.length;
          return batch;
        });
        rt.runCallback(rt.global.Omamori.flush, null, []);
        if (kind !== "mid-page") {
          // top the current page up, so that the next record must open a page (recycling the oldest)
          for (let more = Math.floor(state(rt).log.free / 20); more > 0; more = Math.floor(state(rt).log.free / 20)) {
            const k = Math.min(more, perScan);
            let given = false;
            runWithAdverts(rt, (fillEnd += 15000), () => (given ? [] : ((given = true), fill.slice(sent, (sent += k)))));
            rt.runCallback(rt.global.Omamori.flush, null, []);
          }
        }
        const before = fill.slice(0, sent);
        runWithAdverts(rt, fillEnd + 15000, (t) => (t > fillEnd ? [z] : []));
        return { rt, before };
      };
      // (reading the whole log writes the host's read position into the settings: a separate token)
      const kept = readWholeLog(prepare().rt).map((e) => e.rpi);
      const { rt: dry } = prepare();
      const ops = dry.countFlashOps(() => dry.runCallback(dry.global.Omamori.flush, null, []));
      const after = readWholeLog(dry).map((e) => e.rpi);
      expect(after).to.include(prefix(z));
      expect(ops.writes).to.be.above(4);
      if (kind !== "mid-page") expect(ops.erases, "the append recycles the oldest page").to.equal(1);
      const cuts: { flashWrite?: number; flashErase?: number }[] = [];
      for (let k = 1; k <= ops.writes; k++) cuts.push({ flashWrite: k });
      for (let k = 1; k <= ops.erases; k++) cuts.push({ flashErase: k });
      for (const cut of cuts) {
        const { rt } = prepare();
        rt.cutPower(cut);
        rt.runCallback(rt.global.Omamori.flush, null, []);
        expect(rt.isHalted(), JSON.stringify(cut)).to.equal(true);
        rt.reboot("power");
        const got = readWholeLog(rt).map((e) => e.rpi);
        const what = "cut at " + JSON.stringify(cut);
        // nothing but known identifiers, no duplicates, older records all there (except the
        // page the ring was recycling anyway), z there or not
        for (const p of got) expect([...kept, prefix(z)], what).to.include(p);
        expect(new Set(got).size, what).to.equal(got.length);
        const survivors = after.filter((p) => p !== prefix(z));
        for (const p of survivors) expect(got, what).to.include(p);
        // and the token carries on: a new identifier is logged after the cut
        const again = ids(1, "a")[0];
        rt.runCallback(rt.global.Omamori.setClock, null, [Math.floor(rt.worldTimeMs() / 1000)]);
        runWithAdverts(rt, rt.worldTimeMs() + 30 * MIN, (t) => (t < rt.worldTimeMs() + MIN ? [again] : []));
        expect(readWholeLog(rt).map((e) => e.rpi), what).to.include(prefix(again));
        expect(rt.uncaughtErrors, what).to.deep.equal([]);
      }
    });
  }
});
