/**
 * export.bin straight to flat key records (keyRecords.ts) and its header, without one object per
 * key: a reader of the protobuf wire format for exactly the TemporaryExposureKeyExport schema of
 * export.proto. protobufjs (exportFile.ts decodeExportBin) stays the reference and is used
 * everywhere else; this exists because decoding a national key set through it cost ~2.5 us a key
 * (bench/match.ts measures both). test/keys/exportKeys.test.ts keeps the two equal.
 *
 * proto2 rules kept: an absent field is absent (undefined / ABSENT), rolling_period defaults to
 * 144, a field given twice keeps the last value, unknown fields are skipped, and so is a
 * report_type outside the enum (it stays absent, as protobufjs and Google's decoders leave it). A
 * known field with an unexpected wire type is skipped as unknown (protobuf's rule). Truncation throws.
 */
import { ABSENT } from "../match/keySet";
import { EXPORT_BIN_HEADER_BYTES, ExportFormatError, MAX_EXPORT_BYTES, ReportType, type SignatureInfo } from "./exportFile";
import { KeyRecordBuilder, type KeyRecords } from "./keyRecords";
import { fieldProblem } from "./validateKeys";

/** Everything of export.bin but its keys. */
export interface ExportHeader {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
}

const VARINT = 0, FIXED64 = 1, BYTES = 2, GROUP_START = 3, GROUP_END = 4, FIXED32 = 5;

class Reader {
  pos: number;
  end: number;
  constructor(readonly b: Uint8Array, start: number, end: number) {
    this.pos = start;
    this.end = end;
  }

  /** The same reader over b[start, end) (one reader serves every key: no allocation per key). */
  over(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  truncated(): ExportFormatError {
    return new ExportFormatError("export.bin is damaged or truncated (a field runs past the end)");
  }

  /** A varint's low 32 bits as a signed int32 (what int32, enum and sint32 fields keep). */
  int32(): number {
    const b = this.b;
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw this.truncated();
      const x = b[this.pos++];
      if (shift < 32) v |= (x & 0x7f) << shift;
      if (x < 0x80) return v | 0;
    }
    throw new ExportFormatError("export.bin is damaged (a varint longer than 10 bytes)");
  }

  /** A varint as an unsigned number (tags and lengths; < 2^32 here). */
  uint(): number {
    return this.int32() >>> 0;
  }

  fixed64(): number {
    if (this.pos + 8 > this.end) throw this.truncated();
    const b = this.b, p = this.pos;
    this.pos += 8;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    return hi * 0x100000000 + lo;
  }

  /** Start of a length-delimited field's bytes; pos moves past them. */
  bytes(): number {
    const n = this.uint();
    const start = this.pos;
    if (n > this.end - start) throw this.truncated();
    this.pos = start + n;
    return start;
  }

  string(): string {
    const start = this.bytes();
    return DECODER.decode(this.b.subarray(start, this.pos));
  }

  skip(wire: number, field: number): void {
    switch (wire) {
      case VARINT: this.int32(); return;
      case FIXED64: if ((this.pos += 8) > this.end) throw this.truncated(); return;
      case BYTES: this.bytes(); return;
      case FIXED32: if ((this.pos += 4) > this.end) throw this.truncated(); return;
      case GROUP_START:
        for (;;) {
          const tag = this.uint();
          if ((tag & 7) === GROUP_END) {
            if (tag >>> 3 !== field) throw new ExportFormatError("export.bin is damaged (a group ends with the wrong field)");
            return;
          }
          this.skip(tag & 7, tag >>> 3);
        }
      default:
        throw new ExportFormatError(`export.bin is damaged (wire type ${wire})`);
    }
  }
}

const DECODER = new TextDecoder();

function signatureInfo(r: Reader): SignatureInfo {
  const s: SignatureInfo = {};
  while (r.pos < r.end) {
    const tag = r.uint(), field = tag >>> 3, wire = tag & 7;
    if (wire === BYTES && field === 3) s.verificationKeyVersion = r.string();
    else if (wire === BYTES && field === 4) s.verificationKeyId = r.string();
    else if (wire === BYTES && field === 5) s.signatureAlgorithm = r.string();
    else r.skip(wire, field);
  }
  return s;
}

/** One TemporaryExposureKey at r (up to r.end) into the builder, or counted as dropped by the field rules. */
function key(r: Reader, out: KeyRecordBuilder): void {
  let dataAt = -1, dataLen = -1;
  let start: number | undefined, period = 144;
  let riskLevel: number | undefined, reportType: number | undefined, onset: number | undefined;
  while (r.pos < r.end) {
    const tag = r.uint(), field = tag >>> 3, wire = tag & 7;
    if (field === 1 && wire === BYTES) {
      dataAt = r.bytes();
      dataLen = r.pos - dataAt;
    } else if (wire !== VARINT || field < 2 || field > 6) r.skip(wire, field);
    else {
      const v = r.int32();
      if (field === 2) riskLevel = v;
      else if (field === 3) start = v;
      else if (field === 4) period = v;
      else if (field === 5) {
        if (v >= 0 && v <= ReportType.REVOKED) reportType = v; // proto2: an unknown enum value is an unknown field
      }
      else onset = (v >>> 1) ^ -(v & 1); // sint32: zigzag
    }
  }
  const problem = fieldProblem(dataLen < 0 ? 0 : dataLen, start, period, reportType, onset, riskLevel);
  if (problem) out.drop(problem);
  else out.push(r.b, dataAt, start as number, period, reportType ?? ABSENT, onset ?? ABSENT, riskLevel ?? ABSENT);
}

/** Header and key records of export.bin (the 16-byte "EK Export v1" header included). */
export function readExportKeys(bin: Uint8Array): { header: ExportHeader; records: KeyRecords } {
  if (!(bin instanceof Uint8Array)) throw new TypeError("bin must be a Uint8Array");
  if (bin.length > MAX_EXPORT_BYTES) throw new ExportFormatError(`export.bin is too large: ${bin.length} bytes (the limit is ${MAX_EXPORT_BYTES} bytes, 16 MB)`);
  if (bin.length < 16) throw new ExportFormatError(`export.bin is truncated: ${bin.length} bytes, shorter than its 16-byte header`);
  for (let i = 0; i < 16; i++) {
    if (bin[i] !== EXPORT_BIN_HEADER_BYTES[i]) throw new ExportFormatError('export.bin does not start with the header "EK Export v1    ": not a diagnosis-key export');
  }
  const header: ExportHeader = { startTimestamp: 0, endTimestamp: 0, region: "", batchNum: 1, batchSize: 1, signatureInfos: [] };
  // A key takes at least 24 bytes (tag, length, 16 key bytes, a start): a good first guess of the count.
  const keys = new KeyRecordBuilder(bin.length / 24);
  const revised: [number, number][] = [];
  const r = new Reader(bin, 16, bin.length);
  const sub = new Reader(bin, 0, 0);
  while (r.pos < r.end) {
    const tag = r.uint(), field = tag >>> 3, wire = tag & 7;
    if (wire === FIXED64 && (field === 1 || field === 2)) {
      const v = r.fixed64();
      if (field === 1) header.startTimestamp = v;
      else header.endTimestamp = v;
    } else if (wire === BYTES && field === 3) header.region = r.string();
    else if (wire === VARINT && field === 4) header.batchNum = r.int32();
    else if (wire === VARINT && field === 5) header.batchSize = r.int32();
    else if (wire === BYTES && field >= 6 && field <= 8) {
      const start = r.bytes();
      if (field === 6) header.signatureInfos.push(signatureInfo(sub.over(start, r.pos)));
      else if (field === 7) key(sub.over(start, r.pos), keys);
      else revised.push([start, r.pos]); // revised keys come after all keys, wherever they stand
    } else r.skip(wire, field);
  }
  keys.startRevised();
  for (const [start, end] of revised) key(sub.over(start, end), keys);
  return { header, records: keys.finish() };
}
