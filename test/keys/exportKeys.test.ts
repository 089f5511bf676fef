import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import { decodeExportBin, encodeExportBin, EXPORT_BIN_HEADER_BYTES, ExportFormatError, type ExportKey } from "../../host-tools/keys/exportFile";
import { readExportKeys } from "../../host-tools/keys/exportKeys";
import { decodeKeyRecords, encodeKeyRecords, type KeyRecords } from "../../host-tools/keys/keyRecords";
import { recordsFromContent } from "../../host-tools/keys/validateKeys";
import { ABSENT } from "../../host-tools/match/keySet";
import { exportContent } from "./fixtures";

/** Records as plain data, for deep comparison. */
function plain(r: KeyRecords) {
  const keys = [];
  for (let i = 0; i < r.count; i++) {
    keys.push([Buffer.from(r.keyData.subarray(16 * i, 16 * i + 16)).toString("hex"), r.rollingStart[i], r.rollingPeriod[i], r.reportType[i], r.daysSinceOnset[i], r.transmissionRiskLevel[i]]);
  }
  return { count: r.count, revisedFrom: r.revisedFrom, read: r.read, dropped: r.dropped, keys };
}

/** A random key: every optional field sometimes absent, sometimes out of range. */
function randomKey(): ExportKey {
  const k: ExportKey = { keyData: new Uint8Array(randomBytes(randomInt(20) === 0 ? 15 : 16)) };
  if (randomInt(30) !== 0) k.rollingStartIntervalNumber = 2_900_000 + randomInt(5000);
  if (randomInt(3) === 0) k.rollingPeriod = randomInt(20) === 0 ? 145 : 1 + randomInt(144);
  if (randomInt(2) === 0) k.reportType = randomInt(25) === 0 ? 7 : randomInt(6);
  if (randomInt(2) === 0) k.daysSinceOnsetOfSymptoms = randomInt(25) === 0 ? -20 : randomInt(29) - 14;
  if (randomInt(2) === 0) k.transmissionRiskLevel = randomInt(25) === 0 ? -3 : randomInt(9);
  return k;
}

// protobuf wire helpers for hand-made messages
function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const bytesField = (field: number, b: number[] | Uint8Array) => [...tag(field, 2), ...varint(b.length), ...b];
const bin = (body: number[]) => Uint8Array.from([...EXPORT_BIN_HEADER_BYTES, ...body]);

describe("keys/exportKeys (export.bin straight to flat records)", () => {
  it("readExportKeys_randomExports_sameRecordsAndHeaderAsProtobufjs", () => {
    for (let round = 0; round < 30; round++) {
      const content = exportContent(Array.from({ length: randomInt(60) }, randomKey), {
        revisedKeys: Array.from({ length: randomInt(10) }, randomKey), batchNum: 1 + randomInt(3), batchSize: 3, region: round % 2 ? "440" : "日本",
      });
      const b = encodeExportBin(content);
      const ref = decodeExportBin(b);
      const fast = readExportKeys(b);
      expect(plain(fast.records)).to.deep.equal(plain(recordsFromContent(ref)));
      const { keys: _k, revisedKeys: _r, ...header } = ref;
      expect(fast.header).to.deep.equal(header);
    }
  });

  it("readExportKeys_everyDropReasonOfTheFieldRules_countedLikeValidateKeys", () => {
    const k = (over: Partial<ExportKey>): ExportKey => ({ keyData: new Uint8Array(16), rollingStartIntervalNumber: 2_900_000, ...over });
    const encoded = encodeExportBin(exportContent([
      k({ keyData: new Uint8Array(8) }), k({ rollingStartIntervalNumber: undefined }), k({ rollingPeriod: 0 }),
      k({ daysSinceOnsetOfSymptoms: 15 }), k({ transmissionRiskLevel: 9 }), k({ transmissionRiskLevel: 0 }), k({ reportType: 5 }),
    ]));
    // report_type 6, by hand (protobufjs will not encode it): proto2 leaves an unknown enum value
    // absent, so the key is kept, scored as a key without a report type
    const b = Uint8Array.from([...encoded, ...bytesField(7, [...bytesField(1, new Uint8Array(16)), ...tag(3, 0), ...varint(2_900_000), ...tag(5, 0), ...varint(6)])]);
    const r = readExportKeys(b).records;
    expect(plain(r)).to.deep.equal(plain(recordsFromContent(decodeExportBin(b))));
    expect(r.read).to.equal(8);
    expect(r.count).to.equal(3); // risk level 0 and REVOKED pass the field rules (revocation is applied over the set)
    expect(r.reportType[2]).to.equal(ABSENT);
    expect(r.dropped).to.include({ "key-length": 1, "no-start": 1, "rolling-period": 1, "report-type": 0, "days-since-onset": 1, "risk-level": 1 });
  });

  it("readExportKeys_unknownFieldsOfEveryWireTypeRepeatsAndRevisedFirst_asProtobufjs", () => {
    const kd = [...randomBytes(16)];
    const kd2 = [...randomBytes(16)];
    const tek = [
      ...bytesField(1, [...randomBytes(16)]), ...bytesField(1, kd), // given twice: the last counts
      ...tag(3, 0), ...varint(2_900_144), ...tag(6, 0), ...varint(7), // sint32 7 -> -4
      ...tag(2, 0), ...varint(-1), ...tag(2, 0), ...varint(4), // negative int32 (10-byte varint), then 4
      ...tag(50, 0), ...varint(123456789), ...tag(51, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...tag(52, 5), 1, 2, 3, 4, ...bytesField(53, [9, 9]),
    ];
    const revised = [...bytesField(1, kd2), ...tag(3, 0), ...varint(2_900_288), ...tag(5, 0), ...varint(5)];
    const body = [
      ...bytesField(8, revised), // a revised key before the keys
      ...tag(1, 1), 0, 0, 0, 0x80, 0, 0, 0, 0, // start_timestamp 2^31
      ...bytesField(3, [...Buffer.from("440")]),
      ...tag(60, 3), ...tag(1, 0), ...varint(5), ...tag(60, 4), // an unknown group
      ...bytesField(7, tek),
      ...tag(4, 0), ...varint(2), ...tag(5, 0), ...varint(2),
      ...bytesField(99, [1, 2, 3]),
    ];
    const b = bin(body);
    const ref = decodeExportBin(b);
    const fast = readExportKeys(b);
    expect(plain(fast.records)).to.deep.equal(plain(recordsFromContent(ref)));
    expect(fast.records.count).to.equal(2);
    expect(fast.records.revisedFrom).to.equal(1);
    expect(fast.records.daysSinceOnset[0]).to.equal(-4);
    expect(fast.records.transmissionRiskLevel[0]).to.equal(4);
    expect(fast.header).to.deep.include({ startTimestamp: 2 ** 31, region: "440", batchNum: 2, batchSize: 2 });
  });

  it("readExportKeys_truncatedOrDamaged_throwsExportFormatError_likeDecodeExportBin", () => {
    const good = encodeExportBin(exportContent(Array.from({ length: 5 }, randomKey)));
    for (const cut of [17, 40, good.length - 1]) {
      expect(() => decodeExportBin(good.subarray(0, cut)), `protobufjs, cut at ${cut}`).to.throw(ExportFormatError);
      expect(() => readExportKeys(good.subarray(0, cut)), `cut at ${cut}`).to.throw(ExportFormatError, /damaged or truncated/);
    }
    expect(() => readExportKeys(new Uint8Array(10))).to.throw(ExportFormatError, /truncated/);
    expect(() => readExportKeys(Uint8Array.from([...good.subarray(0, 15), 0x21]))).to.throw(ExportFormatError, /header/);
    expect(() => readExportKeys(bin([...tag(9, 7)]))).to.throw(ExportFormatError, /wire type/);
    expect(() => readExportKeys(bin([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).to.throw(ExportFormatError, /varint/);
  });

  it("keyRecords_encodeDecode_roundTrips; damaged file named", () => {
    const r = readExportKeys(encodeExportBin(exportContent(Array.from({ length: 40 }, randomKey), { revisedKeys: [randomKey(), randomKey()] }))).records;
    const bytes = encodeKeyRecords(r);
    expect(plain(decodeKeyRecords(bytes))).to.deep.equal(plain(r));
    expect(() => decodeKeyRecords(bytes.subarray(0, bytes.length - 1), "x.keys")).to.throw(ExportFormatError, /x\.keys is damaged/);
    const wrong = bytes.slice();
    wrong[0] = 0x41;
    expect(() => decodeKeyRecords(wrong)).to.throw(ExportFormatError, /format marker/);
  });
});
