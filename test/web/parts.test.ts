/**
 * The web app's parts that run the same in Node (no browser needed): the WebCrypto export
 * verification under the host's rules, the installer's byte-exact encoding, and the browser's
 * file store (without IndexedDB: in memory) with the host's atomic writes.
 */
import { expect } from "chai";
import { crc32 as zlibCrc32 } from "node:zlib";
import { randomBytes } from "node:crypto";
import { checkExportZipWebCrypto, derToRaw } from "../../web/src/check/webCryptoVerify";
import { espruinoString, uploadCommands, crc32, CHUNK_BYTES } from "../../web/src/ble/installer";
import { crc32 as browserCrc32, inflateRawSync as browserInflate } from "../../web/src/platform/zlib";
import { deflateRawSync } from "node:zlib";
import * as vfs from "../../web/src/platform/vfs";
import * as fsp from "../../web/src/platform/fsPromises";
import { createPublicKey } from "../../web/src/platform/crypto";
import { checkExportZip } from "../../host-tools/keys/readExport";
import { OTHER_SIGNER, SIGNER, KEY_ID, KEY_VERSION, signedZip } from "../keys/fixtures";

const key = (k = SIGNER.publicKey) => ({ keyId: KEY_ID, keyVersion: KEY_VERSION, publicKey: createPublicKey(k.export({ format: "pem", type: "spki" }) as string) as never });
const someKeys = () => [{ keyData: new Uint8Array(randomBytes(16)), rollingStartIntervalNumber: 2_900_000, rollingPeriod: 144, transmissionRiskLevel: 0 }];

describe("web app parts (Node)", function () {
  describe("WebCrypto export verification, the host's rules", function () {
    it("accepts a file signed by the trusted key, as the node:crypto checker does", async function () {
      const zip = signedZip(someKeys());
      const web = await checkExportZipWebCrypto(zip, { keys: [key()], allowUnsigned: false });
      expect(web.verify.valid).to.equal(true);
      const node = checkExportZip(zip, { keys: [{ keyId: KEY_ID, keyVersion: KEY_VERSION, publicKey: SIGNER.publicKey }], allowUnsigned: false });
      expect(web.sha256).to.equal(node.sha256);
      expect(web.records.read).to.equal(node.records.read);
    });

    it("refuses a file signed by another key, and a file checked against a key that did not sign it", async function () {
      const other = signedZip(someKeys(), {}, OTHER_SIGNER.privateKey);
      let err = "";
      await checkExportZipWebCrypto(other, { keys: [key()], allowUnsigned: false }).catch((e) => (err = e.message));
      expect(err).to.match(/signature could not be verified/);
      err = "";
      await checkExportZipWebCrypto(signedZip(someKeys()), { keys: [key(OTHER_SIGNER.publicKey)], allowUnsigned: false }).catch((e) => (err = e.message));
      expect(err).to.match(/signature does not match/);
    });

    it("derToRaw: r|s of 32 bytes each, leading zeros stripped or padded; malformed DER is null", function () {
      const r = new Uint8Array(33); r[0] = 0; r[1] = 0x80; r[32] = 1;
      const s = new Uint8Array([5]);
      const der = new Uint8Array([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
      const raw = derToRaw(der)!;
      expect(raw.length).to.equal(64);
      expect(raw[0]).to.equal(0x80);
      expect(raw[31]).to.equal(1);
      expect(raw[63]).to.equal(5);
      expect(raw.slice(32, 63).every((b) => b === 0)).to.equal(true);
      expect(derToRaw(der.subarray(0, der.length - 1))).to.equal(null);
      expect(derToRaw(new Uint8Array([0x31, 0]))).to.equal(null);
    });
  });

  describe("installer encoding", function () {
    it("a string literal that JavaScript reads back as exactly the bytes, every byte value", function () {
      const bytes = new Uint8Array(512);
      for (let i = 0; i < bytes.length; i++) bytes[i] = i & 255;
      const back = (0, eval)(espruinoString(bytes)) as string;
      expect(back.length).to.equal(bytes.length);
      for (let i = 0; i < bytes.length; i++) expect(back.charCodeAt(i), "byte " + i).to.equal(bytes[i]);
      expect(/^[\x20-\x7e]*$/.test(espruinoString(bytes)), "the command line is plain ASCII").to.equal(true);
    });

    it("chunks cover the file once, the first creates it with its size; CRC-32 as E.CRC32 and zip compute it", function () {
      const file = new Uint8Array(randomBytes(CHUNK_BYTES * 3 + 17));
      const cmds = uploadCommands(file);
      expect(cmds.length).to.equal(4);
      expect(cmds[0].command).to.contain(`,0,${file.length}))`);
      expect(cmds[3].end).to.equal(file.length);
      let got = "";
      for (const c of cmds) got += (0, eval)(/write\(".bootcde",("(?:[^"\\]|\\.)*")/.exec(c.command)![1]);
      expect(Buffer.from(got, "latin1").equals(Buffer.from(file))).to.equal(true);
      expect(crc32(file)).to.equal(zlibCrc32(file));
      expect(browserCrc32(file)).to.equal(zlibCrc32(file));
    });
  });

  describe("the browser's zlib stand-in", function () {
    it("inflates what zlib deflated, and stops past the limit with Node's error code", function () {
      const data = new Uint8Array(200_000).fill(7);
      const z = new Uint8Array(deflateRawSync(data));
      expect(Buffer.from(browserInflate(z)).equals(Buffer.from(data))).to.equal(true);
      let code = "";
      try { browserInflate(z, { maxOutputLength: 100_000 }); } catch (e) { code = (e as { code: string }).code; }
      expect(code).to.equal("ERR_BUFFER_TOO_LARGE");
    });
  });

  describe("the browser's file store", function () {
    it("atomic replace, exclusive create, link refusing to overwrite, listing, recursive remove", async function () {
      await vfs.mountVfs();
      await fsp.mkdir("/data/tokens/a", { recursive: true });
      const h = await fsp.open("/data/tokens/a/.x.1.tmp", "wx");
      await h.writeFile("one");
      await fsp.rename("/data/tokens/a/.x.1.tmp", "/data/tokens/a/x.json");
      expect(String(await fsp.readFile("/data/tokens/a/x.json", "utf8"))).to.equal("one");
      let code = "";
      await fsp.open("/data/tokens/a/x.json", "wx").catch((e) => (code = e.code));
      expect(code).to.equal("EEXIST");
      await fsp.link("/data/tokens/a/x.json", "/data/tokens/a/y.json");
      code = "";
      await fsp.link("/data/tokens/a/x.json", "/data/tokens/a/y.json").catch((e) => (code = e.code));
      expect(code).to.equal("EEXIST");
      expect(await fsp.readdir("/data/tokens")).to.deep.equal(["a"]);
      expect(await fsp.readdir("/data/tokens/a")).to.deep.equal(["x.json", "y.json"]);
      await fsp.rm("/data/tokens", { recursive: true });
      code = "";
      await fsp.readdir("/data/tokens").catch((e) => (code = e.code));
      expect(code).to.equal("ENOENT");
    });
  });
});
