import { expect } from "chai";
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { zipSync } from "fflate";
import {
  decodeExportBin, decodeSignatureList, encodeExportBin, encodeSignatureList, ExportFormatError, parsePublicKey,
  readExportZip, signExport, verifyExport, writeExportZip, ECDSA_SHA256_OID, MAX_EXPORT_BYTES,
} from "../../host-tools/keys/exportFile";
import { exportContent, KEY_ID, KEY_VERSION, OTHER_SIGNER, publicKeyBase64, SIGNER } from "./fixtures";

const KEY = { keyData: new Uint8Array(16).fill(7), rollingStartIntervalNumber: 2667600, rollingPeriod: 144, transmissionRiskLevel: 0 };

function signed(over = {}) {
  const bin = encodeExportBin(exportContent([KEY], over));
  return { bin, sig: signExport(bin, SIGNER.privateKey, { keyId: KEY_ID, keyVersion: KEY_VERSION }) };
}

describe("keys/exportFile", () => {
  describe("export.bin", () => {
    it("encodeExportBin_anyContent_startsWithTheSixteenByteHeaderThenFieldOneTag", () => {
      const bin = encodeExportBin(exportContent([KEY]));
      expect(Buffer.from(bin.subarray(0, 16)).toString("hex")).to.equal("454b204578706f727420763120202020");
      expect(bin[16]).to.equal(0x09); // start_timestamp fixed64
    });

    it("decodeExportBin_encoded_roundTripsEveryField", () => {
      const keys = [
        { keyData: new Uint8Array(16).fill(1), transmissionRiskLevel: 4, rollingStartIntervalNumber: 2667600, rollingPeriod: 100, reportType: 1, daysSinceOnsetOfSymptoms: -3 },
      ];
      const revisedKeys = [{ keyData: new Uint8Array(16).fill(2), rollingStartIntervalNumber: 2667456, rollingPeriod: 144, reportType: 5 }];
      const c = exportContent(keys, { revisedKeys, region: "440", batchNum: 2, batchSize: 3, startTimestamp: 1700000000, endTimestamp: 1700003600 });
      const d = decodeExportBin(encodeExportBin(c));
      expect(d).to.deep.equal(c);
    });

    it("decodeExportBin_keyWithoutReportTypeOrPeriod_leavesReportTypeAbsentAndPeriod144", () => {
      const d = decodeExportBin(encodeExportBin(exportContent([{ keyData: new Uint8Array(16), rollingStartIntervalNumber: 10 }])));
      expect(d.keys[0].reportType).to.equal(undefined);
      expect(d.keys[0].daysSinceOnsetOfSymptoms).to.equal(undefined);
      expect(d.keys[0].rollingPeriod).to.equal(144);
    });

    it("decodeExportBin_wrongHeader_throwsExportFormatError", () => {
      const bin = encodeExportBin(exportContent([KEY]));
      bin[11] = 0x32; // "v2"
      expect(() => decodeExportBin(bin)).to.throw(ExportFormatError, /header/);
    });

    it("decodeExportBin_shorterThanHeader_throwsTruncated", () => {
      expect(() => decodeExportBin(new Uint8Array(10))).to.throw(ExportFormatError, /truncated/);
    });

    it("decodeExportBin_truncatedMessage_throwsDamaged", () => {
      const bin = encodeExportBin(exportContent([KEY]));
      expect(() => decodeExportBin(bin.subarray(0, bin.length - 5))).to.throw(ExportFormatError, /damaged or truncated/);
    });

    it("decodeExportBin_oversized_throwsTooLarge", () => {
      expect(() => decodeExportBin(new Uint8Array(MAX_EXPORT_BYTES + 1))).to.throw(ExportFormatError, /too large/);
    });
  });

  describe("signatures", () => {
    it("signExport_p256_producesDerSignatureOverSha256OfWholeBin", () => {
      const { bin, sig } = signed();
      const [s] = decodeSignatureList(sig);
      expect(s.signatureInfo).to.deep.equal({ verificationKeyId: KEY_ID, verificationKeyVersion: KEY_VERSION, signatureAlgorithm: ECDSA_SHA256_OID });
      expect(s.signature[0]).to.equal(0x30); // DER SEQUENCE
      expect(s.signature.length).to.be.within(68, 72);
      // independent check with node:crypto directly (SHA-256 over the whole bin, header included)
      expect(cryptoVerify("sha256", bin, { key: SIGNER.publicKey, dsaEncoding: "der" }, s.signature)).to.equal(true);
      expect(cryptoVerify("sha256", bin.subarray(16), { key: SIGNER.publicKey, dsaEncoding: "der" }, s.signature)).to.equal(false);
      expect(verifyExport(bin, sig, [{ publicKey: SIGNER.publicKey }]).valid).to.equal(true);
    });

    it("verifyExport_rightKeyIdAndVersion_valid", () => {
      const { bin, sig } = signed();
      const r = verifyExport(bin, sig, [{ keyId: KEY_ID, keyVersion: KEY_VERSION, publicKey: parsePublicKey(publicKeyBase64()) }]);
      expect(r.valid).to.equal(true);
      expect(r.signatures[0].valid).to.equal(true);
    });

    it("verifyExport_otherPublicKey_invalid", () => {
      const { bin, sig } = signed();
      const r = verifyExport(bin, sig, [{ publicKey: OTHER_SIGNER.publicKey }]);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/does not match/);
    });

    it("verifyExport_oneByteOfBinChanged_invalid", () => {
      const { bin, sig } = signed();
      const tampered = bin.slice();
      tampered[tampered.length - 1] ^= 1;
      expect(verifyExport(tampered, sig, [{ publicKey: SIGNER.publicKey }]).valid).to.equal(false);
    });

    it("verifyExport_keyIdNotTrusted_invalidWithReason", () => {
      const { bin, sig } = signed();
      const r = verifyExport(bin, sig, [{ keyId: "310", keyVersion: "v1", publicKey: SIGNER.publicKey }]);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/no trusted public key/);
    });

    it("verifyExport_unsupportedAlgorithm_invalid", () => {
      const { bin, sig } = signed();
      const [s] = decodeSignatureList(sig);
      const other = encodeSignatureList([{ ...s, signatureInfo: { ...s.signatureInfo, signatureAlgorithm: "1.2.840.113549.1.1.11" } }]);
      expect(verifyExport(bin, other, [{ publicKey: SIGNER.publicKey }]).valid).to.equal(false);
    });

    it("verifyExport_batchNumberMismatch_invalid", () => {
      const { bin, sig } = signed();
      const [s] = decodeSignatureList(sig);
      const other = encodeSignatureList([{ ...s, batchNum: 2 }]);
      expect(verifyExport(bin, other, [{ publicKey: SIGNER.publicKey }]).reason).to.match(/batch/);
    });

    it("verifyExport_emptySignatureList_invalid", () => {
      const { bin } = signed();
      expect(verifyExport(bin, new Uint8Array(0), [{ publicKey: SIGNER.publicKey }]).valid).to.equal(false);
    });

    it("verifyExport_garbageSig_throwsExportFormatError", () => {
      const { bin } = signed();
      expect(() => verifyExport(bin, new Uint8Array([0x0a, 0x50, 1]), [{ publicKey: SIGNER.publicKey }])).to.throw(ExportFormatError);
    });

    it("parsePublicKey_pemOrBase64_sameKey; garbage_throws", () => {
      const pem = SIGNER.publicKey.export({ format: "pem", type: "spki" }).toString();
      expect(parsePublicKey(pem).equals(SIGNER.publicKey)).to.equal(true);
      expect(parsePublicKey(publicKeyBase64()).equals(createPublicKey(pem))).to.equal(true);
      expect(() => parsePublicKey("hello world!")).to.throw(TypeError, /neither PEM nor base64/);
    });
  });

  describe("zip", () => {
    it("readExportZip_written_returnsSameBinAndSig", () => {
      const { bin, sig } = signed();
      const r = readExportZip(writeExportZip(bin, sig));
      expect(Buffer.from(r.bin).equals(Buffer.from(bin))).to.equal(true);
      expect(Buffer.from(r.sig).equals(Buffer.from(sig))).to.equal(true);
    });

    it("readExportZip_extraEntry_rejected", () => {
      const { bin, sig } = signed();
      const z = zipSync({ "export.bin": bin, "export.sig": sig, "readme.txt": new Uint8Array(3) });
      expect(() => readExportZip(z)).to.throw(ExportFormatError, /unexpected entry "readme.txt"/);
    });

    it("readExportZip_missingSig_rejected", () => {
      const { bin } = signed();
      expect(() => readExportZip(zipSync({ "export.bin": bin }))).to.throw(ExportFormatError, /no export.sig/);
    });

    it("readExportZip_notAZip_rejected", () => {
      expect(() => readExportZip(new TextEncoder().encode("<html>not found</html>........."))).to.throw(ExportFormatError, /not a zip/);
    });

    it("readExportZip_truncated_rejected", () => {
      const { bin, sig } = signed();
      const z = writeExportZip(bin, sig);
      expect(() => readExportZip(z.subarray(0, Math.floor(z.length / 2)))).to.throw(ExportFormatError);
    });

    it("readExportZip_declaredOversizedEntry_rejectedBeforeInflating", () => {
      const z = zipSync({ "export.bin": new Uint8Array(MAX_EXPORT_BYTES + 1), "export.sig": new Uint8Array(1) });
      expect(() => readExportZip(z)).to.throw(ExportFormatError, /16 MB/);
    });

    it("readExportZip_bombLyingAboutItsSize_cutOffWhileInflating", () => {
      const z = zipSync({ "export.bin": new Uint8Array(MAX_EXPORT_BYTES + 4096), "export.sig": new Uint8Array(1) });
      // overwrite the declared uncompressed size (local header offset 22, central directory +24) with 100
      const dv = new DataView(z.buffer, z.byteOffset, z.length);
      expect(dv.getUint32(0, true)).to.equal(0x04034b50);
      dv.setUint32(22, 100, true);
      for (let i = z.length - 22; i >= 0; i--) {
        if (dv.getUint32(i, true) === 0x02014b50) dv.setUint32(i + 24, 100, true);
      }
      expect(() => readExportZip(z)).to.throw(ExportFormatError, /16 MB/);
    });
  });
});
