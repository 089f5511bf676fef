import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import { toHex } from "../../common/bytes";
import { readLogColumns, readLogForMatching } from "../../host-tools/match/logColumns";
import { LogFormatError, parseLog } from "../../host-tools/log/omamoriLog";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { DAY0 } from "./logBuilder";

/** The columns of an index as plain arrays, for comparison. */
function columns(ix: SightingIndex) {
  return {
    count: ix.count, tolerance: ix.tolerance, scanPeriodSeconds: ix.scanPeriodSeconds,
    rpi: [...ix.rpi], rpiLength: [...ix.rpiLength], aem: [...ix.aem], scanStart: [...ix.scanStart],
    scanTime: [...ix.scanTime], scanCount: [...ix.scanCount], scanRssiMax: [...ix.scanRssiMax], scanRssiMean: [...ix.scanRssiMean],
  };
}

/** A random valid log: prefixes of 6..16 bytes in either case, unsorted scans, extra fields, odd numbers. */
function randomLog(n: number): Record<string, unknown> {
  const encounters = [];
  for (let i = 0; i < n; i++) {
    const hex = toHex(randomBytes(6 + randomInt(11)));
    const scans = Array.from({ length: 1 + randomInt(4) }, () => ({
      t: DAY0 + randomInt(86400 * 3) + (randomInt(5) === 0 ? 0.25 : 0),
      count: randomInt(4),
      rssiMax: -40 - randomInt(50),
      rssiMean: randomInt(4) === 0 ? -55.5 : -60 - randomInt(40),
      ...(randomInt(6) === 0 ? { note: { deep: [1, "x", null, true] } } : {}),
    }));
    encounters.push({ rpi: randomInt(3) === 0 ? hex.toUpperCase() : hex, aem: toHex(randomBytes(4)), scans, ...(randomInt(8) === 0 ? { extra: "é" } : {}) });
  }
  return {
    format: "omamori-log", version: 1, tokenId: "grandma", board: "puckjs", rssiOffsetDb: -4.5, clockCorrectionSeconds: randomInt(2) ? 0 : 1200,
    scanPeriodSeconds: 300, syncedAt: "2026-11-13T00:00:00.000Z", encounters, comment: "日本語 ok",
  };
}

const bytesOf = (s: string) => new TextEncoder().encode(s);

describe("match/logColumns (a log file straight into columns)", () => {
  it("readLogColumns_randomValidLogsCompactOrIndented_sameIndexAndHeaderAsJsonParse", () => {
    for (let round = 0; round < 20; round++) {
      const o = randomLog(200);
      const text = round % 2 ? JSON.stringify(o) : JSON.stringify(o, null, round % 4 === 0 ? "\t" : 2);
      const fast = readLogColumns(bytesOf(text));
      expect(fast, `round ${round}`).to.not.equal(null);
      const log = parseLog(text);
      expect(columns(fast!.index)).to.deep.equal(columns(new SightingIndex(log)));
      expect(fast!.header).to.deep.equal({ ...log, encounters: [] });
    }
  });

  it("readLogColumns_numbersInEveryJsonForm_valuesAsJsonParse", () => {
    const text = '{"format":"omamori-log","version":1e0,"board":"puckjs","rssiOffsetDb":-0.0,"encounters":[{"rpi":"0102030405AB","aem":"00000000","scans":[{"t":1.7941536e9,"count":0,"rssiMax":-7E1,"rssiMean":-70.125},{"t":1794153000,"count":12345678901234567,"rssiMax":-1,"rssiMean":0}]}]}';
    const fast = readLogColumns(bytesOf(text));
    expect(fast).to.not.equal(null);
    expect(columns(fast!.index)).to.deep.equal(columns(new SightingIndex(parseLog(text))));
  });

  it("readLogColumns_anythingItDoesNotFullyUnderstand_givesWayAndTheOrdinaryPathDecides", () => {
    const good = JSON.stringify(randomLog(3));
    const cases: [string, string][] = [
      ["escape in a string (valid)", good.replace('"puckjs"', '"puck\\u006as"')],
      ["byte order mark (TextDecoder drops it)", "\ufeff" + good],
      ["trailing comma", good.replace(/}$/, ",}")],
      ["leading zero", good.replace('"version":1', '"version":01')],
      ["rpi of 5 bytes", good.replace(/"rpi":"[0-9a-fA-F]+"/, '"rpi":"0102030405"')],
      ["rpi of 17 bytes", good.replace(/"rpi":"[0-9a-fA-F]+"/, `"rpi":"${"11".repeat(17)}"`)],
      ["odd hex", good.replace(/"aem":"[0-9a-f]+"/, '"aem":"0000000"')],
      ["no scans", good.replace(/"scans":\[[^\]]*\]/, '"scans":[]')],
      ["negative time", good.replace(/"t":[0-9.]+/, '"t":-5')],
      ["scan time a string", good.replace(/"t":[0-9.]+/, '"t":"5"')],
      ["encounters not an array", good.replace(/"encounters":\[.*\],"comment"/, '"encounters":{},"comment"')],
      ["wrong format", good.replace("omamori-log", "other-log")],
      ["__proto__ key", good.replace('"comment"', '"__proto__"')],
      ["NaN", good.replace('"version":1', '"version":NaN')],
      ["two documents", good + "{}"],
    ];
    for (const [name, text] of cases) {
      expect(readLogColumns(bytesOf(text)), name).to.equal(null);
      let slow: { ok: true; log: ReturnType<typeof parseLog> } | { ok: false; message: string };
      try {
        slow = { ok: true, log: parseLog(new TextDecoder().decode(bytesOf(text))) };
      } catch (e) {
        slow = { ok: false, message: (e as Error).message };
      }
      if (slow.ok) expect(columns(readLogForMatching(bytesOf(text)).index), name).to.deep.equal(columns(new SightingIndex(slow.log)));
      else expect(() => readLogForMatching(bytesOf(text)), name).to.throw(LogFormatError, slow.message);
    }
  });

  it("readLogColumns_randomlyDamagedFiles_neverAcceptsWhatJsonParseOrTheChecksRefuse", () => {
    const good = bytesOf(JSON.stringify(randomLog(4)));
    let accepted = 0;
    for (let round = 0; round < 600; round++) {
      const b = good.slice();
      for (let k = 1 + randomInt(3); k > 0; k--) b[randomInt(b.length)] = [0x22, 0x2c, 0x7d, 0x5d, 0x30, 0x2d, 0x20, 0x65, randomInt(256)][randomInt(9)];
      let fast: ReturnType<typeof readLogColumns>;
      try {
        fast = readLogColumns(b);
      } catch (e) {
        // a log it read whose times cannot be indexed (e.g. spanning decades): refused as the ordinary way refuses it
        expect(e).to.be.instanceOf(LogFormatError);
        expect(() => new SightingIndex(parseLog(new TextDecoder().decode(b)))).to.throw(LogFormatError, (e as Error).message);
        continue;
      }
      if (!fast) continue;
      accepted++;
      const log = parseLog(new TextDecoder().decode(b)); // throws if the fast path accepted a bad file
      expect(columns(fast.index)).to.deep.equal(columns(new SightingIndex(log)));
    }
    expect(accepted, "some damage leaves a valid log (e.g. a changed digit)").to.be.greaterThan(0);
  });
});
