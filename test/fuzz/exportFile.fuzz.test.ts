/** Fuzz and properties: the export file (export.bin, export.sig), its zip, and its verification. */
import { expect } from "chai";
import fc from "fast-check";
import { zipSync } from "fflate";
import {
  decodeExportBin, decodeSignatureList, encodeExportBin, ExportFormatError, readExportZip, verifyExport, writeExportZip, type ExportContent,
} from "../../host-tools/keys/exportFile";
import { readZipDirectory } from "../../host-tools/keys/zipDirectory";
import { exportContent, KEY_ID, KEY_VERSION, SIGNER, signedZip } from "../keys/fixtures";
import { applyEdits, edits, onlyThrows, params } from "./fuzz";

const trusted = [{ keyId: KEY_ID, keyVersion: KEY_VERSION, publicKey: SIGNER.publicKey }];

const exportKey = fc.record(
  {
    keyData: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    transmissionRiskLevel: fc.integer({ min: 0, max: 8 }),
    rollingStartIntervalNumber: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    rollingPeriod: fc.integer({ min: 1, max: 144 }),
    reportType: fc.integer({ min: 0, max: 5 }),
    daysSinceOnsetOfSymptoms: fc.integer({ min: -14, max: 14 }),
  },
  { requiredKeys: ["keyData"] },
);
const content: fc.Arbitrary<ExportContent> = fc
  .record({ keys: fc.array(exportKey, { maxLength: 20 }), revisedKeys: fc.array(exportKey, { maxLength: 3 }), start: fc.nat(2 ** 32), region: fc.string({ maxLength: 5 }) })
  .map((r) => exportContent(r.keys, { revisedKeys: r.revisedKeys, startTimestamp: r.start, endTimestamp: r.start + 86400, region: r.region }));

describe("fuzz: export files", () => {
  const valid = signedZip([{ keyData: new Uint8Array(16).fill(7), rollingStartIntervalNumber: 2_900_000, rollingPeriod: 144, reportType: 1 }]);
  const { bin, sig } = readExportZip(valid);

  it("decodeExportBin: random bytes and edited valid bins throw only ExportFormatError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), edits.map((e) => applyEdits(bin, e))), (b) => {
        onlyThrows(() => decodeExportBin(b), ExportFormatError);
      }),
      params(400),
    );
  });

  it("decodeSignatureList: random bytes and edited valid sigs throw only ExportFormatError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), edits.map((e) => applyEdits(sig, e))), (b) => {
        onlyThrows(() => decodeSignatureList(b), ExportFormatError);
      }),
      params(400),
    );
  });

  it("encodeExportBin/decodeExportBin round-trip every field", () => {
    fc.assert(
      fc.property(content, (c) => {
        const d = decodeExportBin(encodeExportBin(c));
        expect(d.keys.length).to.equal(c.keys.length);
        d.keys.forEach((k, i) => {
          expect(k.keyData).to.deep.equal(c.keys[i].keyData);
          expect(k.rollingStartIntervalNumber).to.equal(c.keys[i].rollingStartIntervalNumber);
          expect(k.reportType).to.equal(c.keys[i].reportType);
          expect(k.daysSinceOnsetOfSymptoms).to.equal(c.keys[i].daysSinceOnsetOfSymptoms);
        });
        expect(d.region).to.equal(c.region);
        expect(d.startTimestamp).to.equal(c.startTimestamp);
      }),
      params(150),
    );
  });

  it("verifyExport: any edit of a signed bin or sig is refused (or rejected as malformed), never accepted", () => {
    fc.assert(
      fc.property(edits, fc.boolean(), (e, onBin) => {
        const b = onBin ? applyEdits(bin, e) : bin;
        const s = onBin ? sig : applyEdits(sig, e);
        const changed = onBin ? !Buffer.from(b).equals(Buffer.from(bin)) : !Buffer.from(s).equals(Buffer.from(sig));
        const r = onlyThrows(() => verifyExport(b, s, trusted), ExportFormatError);
        const result = r.value as { valid: boolean } | undefined;
        // An edit of the bin always breaks the signature. An edit of the sig may leave the
        // signature bytes untouched (e.g. an unknown field), so it may still verify; then the bin
        // is exactly the one that was signed.
        if (changed && onBin && result) expect(result.valid).to.equal(false);
      }),
      params(300),
    );
  });

  it("readExportZip: random bytes and edited valid zips throw only ExportFormatError; what it returns is exactly what was zipped", () => {
    const stored = zipSync({ "export.bin": bin, "export.sig": sig }, { level: 0 });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), edits.map((e) => applyEdits(valid, e)), edits.map((e) => applyEdits(stored, e))), (z) => {
        const r = onlyThrows(() => readExportZip(z), ExportFormatError);
        const out = r.value as { bin: Uint8Array; sig: Uint8Array } | undefined;
        // CRC-32 and sizes are checked, so a zip that reads gives the original entries back
        // (a changed byte in the data itself is caught; edits of the headers may leave them intact).
        if (out) {
          expect(Buffer.from(out.bin).equals(Buffer.from(bin))).to.equal(true);
          expect(Buffer.from(out.sig).equals(Buffer.from(sig))).to.equal(true);
        }
      }),
      params(500),
    );
  });

  it("readZipDirectory: random and edited zips throw only ExportFormatError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), edits.map((e) => applyEdits(valid, e))), (z) => {
        onlyThrows(() => readZipDirectory(z), ExportFormatError);
      }),
      params(400),
    );
  });

  it("writeExportZip/readExportZip round-trip any bin and sig bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 200 }), (b, s) => {
        const out = readExportZip(writeExportZip(b, s));
        expect(Buffer.from(out.bin).equals(Buffer.from(b))).to.equal(true);
        expect(Buffer.from(out.sig).equals(Buffer.from(s))).to.equal(true);
      }),
      params(150),
    );
  });
});
