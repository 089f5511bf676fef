/**
 * Downloading diagnosis keys from a list the attacker controls (a hijacked CDN, a hostile mirror):
 * each attack of the security review, and what stops it.
 */
import { expect } from "chai";
import { sign as ecdsaSign } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { zipSync } from "fflate";
import {
  decodeExportBin, ECDSA_SHA256_OID, ECDSA_SHA512_OID, encodeExportBin, encodeSignatureList, ExportFormatError, readExportZip, verifyExport,
  writeExportZip, type SignatureInfo,
} from "../../host-tools/keys/exportFile";
import { fetchKeys } from "../../host-tools/keys/fetchKeys";
import { KeyCache } from "../../host-tools/keys/keyCache";
import { checkExportZip } from "../../host-tools/keys/readExport";
import { DAY0_ENIN, randomTek } from "../match/logBuilder";
import { exportContent, KEY_ID, KEY_VERSION, SIGNER, signedZip } from "./fixtures";

const LIST = "https://cdn.example/c19r/440/list.json";
const trust = { keys: [{ keyId: KEY_ID, keyVersion: KEY_VERSION, publicKey: SIGNER.publicKey }], allowUnsigned: false };
/** 2026-11-20 12:00 UTC. */
const NOW = Date.UTC(2026, 10, 20, 12);

function zipWith(n: number): Uint8Array {
  return signedZip(Array.from({ length: n }, () => ({ keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 })));
}

/** A fake CDN serving `list` (raw JSON value) and `files`; records what was fetched. */
function cdn(list: unknown, files: Record<string, Uint8Array>) {
  const fetched: string[] = [];
  const impl = (async (url: string) => {
    fetched.push(url);
    if (url === LIST) return new Response(JSON.stringify(list));
    return files[url] ? new Response(files[url]) : new Response("not found", { status: 404 });
  }) as typeof fetch;
  return { fetched, impl };
}

describe("keys download: a hostile list.json", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "omamori-download-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("attack_remoteListNamesFileUrls_skippedAndReported_noLocalFileRead", async () => {
    const local = join(home, "private.zip");
    writeFileSync(local, zipWith(3)); // a valid export lying on this computer
    const files = { "https://cdn.example/c19r/440/1.zip": zipWith(1) };
    const list = [
      { region: "440", url: pathToFileURL(local).toString(), created: 1000 },
      { region: "440", url: "https://cdn.example/c19r/440/1.zip", created: 2000 },
      { region: "440", url: "data:application/zip;base64,UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", created: 3000 },
    ];
    const c = cdn(list, files);
    const r = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: c.impl, now: () => NOW });
    expect(r.added).to.equal(1);
    expect(r.keysAdded).to.equal(1);
    expect(r.problems.map((p) => p.message)).to.have.length(2);
    expect(r.problems.every((p) => /may name only http\(s\) files/.test(p.message))).to.equal(true);
  });

  it("attack_remoteListNamesDevZero_neverRead", async () => {
    const c = cdn([{ region: "440", url: "file:///dev/zero", created: 1000 }], {});
    const r = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: c.impl, now: () => NOW });
    expect(r.added).to.equal(0);
    expect(r.problems[0].message).to.match(/may name only http\(s\) files/);
  });

  it("localSource_devZero_refusedAsNotAPlainFile", async () => {
    const r = await fetchKeys(["/dev/zero"], new KeyCache(home), { trust, now: () => NOW });
    expect(r.problems[0].message).to.match(/not a plain file/);
  });

  it("localPublishedDirectory_listNamingLocalFiles_stillWorks", async () => {
    const dir = join(home, "public", "c19r", "440");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "1.zip"), zipWith(2));
    writeFileSync(join(dir, "list.json"), JSON.stringify([{ region: "440", url: "1.zip", created: 100 }]));
    const r = await fetchKeys([dir], new KeyCache(join(home, "h")), { trust, now: () => NOW });
    expect(r).to.deep.include({ added: 1, keysAdded: 2 });
    expect(r.problems).to.deep.equal([]);
  });

  it("attack_farFutureCreated_skippedAndReported_laterFilesStillFetched", async () => {
    const files: Record<string, Uint8Array> = {
      "https://cdn.example/c19r/440/1.zip": zipWith(1),
      "https://cdn.example/c19r/440/evil.zip": zipWith(1),
    };
    const list = [
      { region: "440", url: "https://cdn.example/c19r/440/1.zip", created: NOW - 3600_000 },
      { region: "440", url: "https://cdn.example/c19r/440/evil.zip", created: 8.64e15 },
    ];
    const c = cdn(list, files);
    const cache = new KeyCache(home);
    const r1 = await fetchKeys([LIST], cache, { trust, fetchImpl: c.impl, now: () => NOW });
    expect(r1.added).to.equal(1);
    expect(r1.problems).to.have.length(1);
    expect(r1.problems[0].message).to.match(/created 8640000000000000 is in the future/);
    expect(cache.lastCreated(LIST)).to.equal(NOW - 3600_000);
    // An hour later the authority publishes a new file: it is fetched.
    files["https://cdn.example/c19r/440/2.zip"] = zipWith(2);
    list.push({ region: "440", url: "https://cdn.example/c19r/440/2.zip", created: NOW + 3600_000 });
    const r2 = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: c.impl, now: () => NOW + 2 * 3600_000 });
    expect(r2.added).to.equal(1);
    expect(r2.keysAdded).to.equal(2);
  });

  it("attack_oneMalformedEntry_skippedAndReported_theOthersFetched", async () => {
    const files = { "https://cdn.example/c19r/440/1.zip": zipWith(1), "https://cdn.example/c19r/440/2.zip": zipWith(2) };
    const list = [
      { region: "440", url: "https://cdn.example/c19r/440/1.zip", created: 1000 },
      { region: "440", url: 5, created: 1500 },
      "garbage",
      { region: "440", url: "https://cdn.example/c19r/440/2.zip", created: 2000 },
    ];
    const c = cdn(list, files);
    const r = await fetchKeys([LIST], new KeyCache(home), { trust, fetchImpl: c.impl, now: () => NOW });
    expect(r.added).to.equal(2);
    expect(r.problems.map((p) => p.message)).to.deep.equal(["list.json entry 1 skipped: no url", "list.json entry 2 skipped: not an object"]);
  });
});

describe("keys download: size limits while streaming", () => {
  let server: Server;
  let sent = 0;
  let home: string;
  before(async () => {
    // Sends 64 MB without Content-Length (chunked), as fast as the client reads it.
    server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/zip" });
      const chunk = Buffer.alloc(1024 * 1024, 0x50);
      let n = 0;
      const pump = () => {
        while (n < 64) {
          n++;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => (n = 64));
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    home = mkdtempSync(join(tmpdir(), "omamori-download-"));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(home, { recursive: true, force: true });
  });

  it("attack_noContentLength_downloadCutOffAt16MB_notReadWhole", async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/c19r/440/1.zip`;
    const r = await fetchKeys([url], new KeyCache(home), { trust, now: () => NOW });
    expect(r.added).to.equal(0);
    expect(r.problems[0].message).to.match(/too large \(more than 16 MB\)/);
    // The server could push what the socket buffers hold beyond the 16 MB read, not the 64 MB.
    expect(sent).to.be.below(40 * 1024 * 1024);
  });
});

describe("keys zip: CRC-32", () => {
  /** An export zip with stored (uncompressed) entries, so a flipped byte still unzips. */
  function storedZip(): { zip: Uint8Array; bin: Uint8Array } {
    const bin = encodeExportBin(exportContent([{ keyData: new Uint8Array(16).fill(0x11), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 }]));
    const valid = readExportZip(signedZipOf(bin));
    return { zip: zipSync({ "export.bin": bin, "export.sig": valid.sig }, { level: 0 }), bin };
  }
  function signedZipOf(bin: Uint8Array): Uint8Array {
    return writeExportZip(bin, encodeSignatureList([{ signatureInfo: info(ECDSA_SHA256_OID), batchNum: 1, batchSize: 1, signature: new Uint8Array(ecdsaSign("sha256", bin, { key: SIGNER.privateKey, dsaEncoding: "der" })) }]));
  }

  it("attack_flippedByteInAStoredEntry_refusedByItsCrc", () => {
    const { zip, bin } = storedZip();
    expect(readExportZip(zip).bin).to.deep.equal(bin); // the untouched zip reads
    // Find the key bytes (0x11 x 16) inside the stored export.bin and change one.
    const at = Buffer.from(zip).indexOf(Buffer.alloc(16, 0x11));
    expect(at).to.be.greaterThan(0);
    const bad = zip.slice();
    bad[at + 3] ^= 0x01;
    expect(() => readExportZip(bad)).to.throw(ExportFormatError, /export\.bin in the zip is damaged: its CRC-32 does not match/);
    // Even a caller that accepts unsigned files never gets the changed key.
    expect(() => checkExportZip(bad, { keys: [], allowUnsigned: true })).to.throw(ExportFormatError, /CRC-32/);
  });
});

function info(algorithm: string): SignatureInfo {
  return { verificationKeyId: KEY_ID, verificationKeyVersion: KEY_VERSION, signatureAlgorithm: algorithm };
}

describe("keys signature algorithms (Google's verifier's table)", () => {
  const key = { keyData: randomTek(), rollingStartIntervalNumber: DAY0_ENIN, rollingPeriod: 144 };
  function signed(algorithm: string, digest: string, infos = 1): { bin: Uint8Array; sig: Uint8Array } {
    const bin = encodeExportBin(exportContent([key], { signatureInfos: Array.from({ length: infos }, () => info(algorithm)) }));
    const signature = new Uint8Array(ecdsaSign(digest, bin, { key: SIGNER.privateKey, dsaEncoding: "der" }));
    return { bin, sig: encodeSignatureList([{ signatureInfo: info(algorithm), batchNum: 1, batchSize: 1, signature }]) };
  }

  it("sha512Oid_verifiedWithSha512", () => {
    const { bin, sig } = signed(ECDSA_SHA512_OID, "sha512");
    expect(verifyExport(bin, sig, trust.keys).valid).to.equal(true);
  });

  it("sha512Oid_signatureMadeWithSha256_invalid", () => {
    const { bin, sig } = signed(ECDSA_SHA512_OID, "sha256");
    const r = verifyExport(bin, sig, trust.keys);
    expect(r.valid).to.equal(false);
    expect(r.reason).to.match(/does not match/);
  });

  it("sha256Oid_signatureMadeWithSha512_invalid", () => {
    const { bin, sig } = signed(ECDSA_SHA256_OID, "sha512");
    expect(verifyExport(bin, sig, trust.keys).valid).to.equal(false);
  });

  it("otherOids_ecdsaSha384AndRsa_unsupported", () => {
    for (const oid of ["1.2.840.10045.4.3.3", "1.2.840.113549.1.1.11", ""]) {
      const { bin, sig } = signed(oid, "sha256");
      const r = verifyExport(bin, sig, trust.keys);
      expect(r.valid, oid).to.equal(false);
      expect(r.reason).to.match(/unsupported signature algorithm/);
    }
  });

  it("signatureCountDifferentFromSignatureInfos_invalid", () => {
    const { bin, sig } = signed(ECDSA_SHA256_OID, "sha256", 2);
    const r = verifyExport(bin, sig, trust.keys);
    expect(r.valid).to.equal(false);
    expect(r.reason).to.match(/lists 2 signature\(s\) but export.sig holds 1/);
  });

  it("batchNumberOutsideBatchSize_invalid", () => {
    const bin = encodeExportBin(exportContent([key], { batchNum: 3, batchSize: 2 }));
    const sig = encodeSignatureList([{ signatureInfo: info(ECDSA_SHA256_OID), batchNum: 3, batchSize: 2, signature: new Uint8Array(ecdsaSign("sha256", bin, { key: SIGNER.privateKey, dsaEncoding: "der" })) }]);
    expect(decodeExportBin(bin).batchNum).to.equal(3);
    expect(verifyExport(bin, sig, trust.keys).reason).to.match(/batch 3 of 2/);
  });
});
