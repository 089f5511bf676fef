import { expect } from "chai";
import {
  decodeLogStream, decodeRecordBody, encodeRecord, isRecordLength, mergeEncounters, recordLength,
  streamBase, MAX_SCANS, RPI_PREFIX_BYTES, TIME_UNIT_SECONDS,
} from "../../common/formats/logRecord";
import { fromHex } from "../../common/bytes";
import { checkLog } from "../../host-tools/log/omamoriLog";

describe("log record format (common/formats/logRecord.ts)", () => {
  const rpi = fromHex("8be6cd371c5c891604bfbe49df845096");
  const aem = fromHex("72033874");
  const base = 1700000000;

  it("encodes one scan in 16 bytes and each further scan in 4 more", () => {
    expect(recordLength(1)).to.equal(16);
    expect(recordLength(3)).to.equal(24);
    const r = encodeRecord(rpi, aem, [base + 600, 4, -60, -63.4], base);
    expect(r.length).to.equal(16);
    expect(r[0]).to.equal(16);
    expect(isRecordLength(r[0])).to.equal(true);
    expect(isRecordLength(17)).to.equal(false);
    expect(isRecordLength(0xff)).to.equal(false);
    expect(() => recordLength(MAX_SCANS + 1)).to.throw(TypeError, /scans/);
  });

  it("round-trips identifier prefix, AEM, times (5 s grid) and RSSI summaries", () => {
    const scans = [base + 1003, 5, -48, -52.6, base + 1303, 3, -70, -75, base + 1603, 250, -127, -127];
    const r = encodeRecord(rpi, aem, scans, base);
    const e = decodeRecordBody(r.subarray(1), base);
    expect(e.rpi).to.equal("8be6cd371c5c");
    expect(e.rpi.length).to.equal(2 * RPI_PREFIX_BYTES);
    expect(e.aem).to.equal("72033874");
    expect(e.scans).to.deep.equal([
      { t: base + 1000, count: 5, rssiMax: -48, rssiMean: -53 },
      { t: base + 1300, count: 3, rssiMax: -70, rssiMean: -75 },
      { t: base + 1600, count: 250, rssiMax: -127, rssiMean: -127 },
    ]);
    expect(e.scans[0].t % TIME_UNIT_SECONDS).to.equal(base % TIME_UNIT_SECONDS);
  });

  it("refuses times outside the page span and scans beyond the replay window", () => {
    expect(() => encodeRecord(rpi, aem, [base - 10, 1, -50, -50], base)).to.throw(TypeError, /outside the page/);
    expect(() => encodeRecord(rpi, aem, [base, 1, -50, -50, base + 1300, 1, -50, -50], base)).to.throw(TypeError, /after first seen/);
    expect(() => encodeRecord(rpi, aem.subarray(0, 3), [base, 1, -50, -50], base)).to.throw(TypeError, /aem/);
  });

  it("decodes a stream with base markers into the interchange shape and merges repeats", () => {
    const a = encodeRecord(rpi, aem, [base + 100, 2, -55, -58], base);
    const other = fromHex("00112233445566778899aabbccddeeff");
    const b = encodeRecord(other, aem, [base + 7200, 1, -80, -80], base + 7000);
    const c = encodeRecord(rpi, aem, [base + 400, 1, -60, -60], base);
    const parts = [streamBase(base), a, streamBase(base + 7000), b, streamBase(base), c];
    const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { stream.set(p, o); o += p.length; }
    const list = decodeLogStream(stream);
    expect(list.map((e) => e.rpi)).to.deep.equal(["8be6cd371c5c", "001122334455", "8be6cd371c5c"]);
    expect(list[1].scans[0].t).to.equal(base + 7200);
    const merged = mergeEncounters(list);
    expect(merged.length).to.equal(2);
    expect(merged[0].scans.map((s) => s.t)).to.deep.equal([base + 100, base + 400]);
    // what the token streams is what the host's log interchange file holds (host-tools/log/omamoriLog.ts)
    expect(() => checkLog({ format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, encounters: merged })).not.to.throw();
  });

  it("names the offset of a malformed stream", () => {
    const a = encodeRecord(rpi, aem, [base + 100, 2, -55, -58], base);
    expect(() => decodeLogStream(a)).to.throw(TypeError, /before any base time at offset 0/);
    const cut = new Uint8Array(5 + 10);
    cut.set(streamBase(base));
    cut.set(a.subarray(0, 10), 5);
    expect(() => decodeLogStream(cut)).to.throw(TypeError, /cut short at offset 5/);
    const bad = new Uint8Array([0, 1, 2, 3, 4, 17]);
    expect(() => decodeLogStream(bad)).to.throw(TypeError, /bad record length 17 at offset 5/);
  });
});
