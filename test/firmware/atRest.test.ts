/**
 * Encryption at rest of the contact log (docs/LOG-FORMAT.md "At rest"; firmware/app/ringLog.ts over
 * firmware/crypto/ctr.ts), on the BUILT firmware in the sim: the record bodies in flash are the
 * plaintext XOR the AES-128 keystream of the documented CCM-format counter blocks
 *   01 | page seq u32 LE | page nonce u32 LE | record offset u16 LE | 00 00 00 | block u16 BE (from 1)
 * computed independently here with node:crypto (aes-128-ctr from that block, and aes-128-ccm with
 * the 13-byte nonce: the same bytes). Bangle.js 2 makes it with its native AES.ccmEncrypt (it has
 * no AES block function), Jolt.js with the pure-JS AES; both must give the same format.
 */
import { expect } from "chai";
import { crc32 } from "node:zlib";
import { createCipheriv, randomBytes } from "node:crypto";
import { decodeRecordBody, isRecordLength, type LogEncounter } from "../../common/formats/logRecord";
import { toHex } from "../../common/bytes";
import { nameBytes } from "../../sim/espruino/storage";
import type { EspruinoRuntime } from "../../sim/espruino/runtime";
import { bootToken, expectHealthy, readWholeLog, runWithAdverts, settingsOf, state, T0_MS, type Advert } from "./sim";

const MIN = 60_000;

function ids(n: number, tag: number): Advert[] {
  const out: Advert[] = [];
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(randomBytes(20));
    b[0] = tag;
    b[1] = i;
    out.push({ rpi: b.subarray(0, 16), aem: b.subarray(16, 20), rssi: -40 - (i % 50) });
  }
  return out;
}

function nonceOf(seq: number, pageNonce: number, offset: number): Buffer {
  const n = Buffer.alloc(13);
  n.writeUInt32LE(seq, 0);
  n.writeUInt32LE(pageNonce, 4);
  n.writeUInt16LE(offset, 8);
  return n;
}

/** node:crypto AES-128-CTR from counter block 01 | nonce | 00 01. */
function ctrKeystreamXor(key: Buffer, nonce: Buffer, data: Uint8Array): Buffer {
  const iv = Buffer.concat([Buffer.from([1]), nonce, Buffer.from([0, 1])]);
  const c = createCipheriv("aes-128-ctr", key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** node:crypto AES-128-CCM's payload bytes for the same 13-byte nonce (tag dropped). */
function ccmKeystreamXor(key: Buffer, nonce: Buffer, data: Uint8Array): Buffer {
  const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 4 });
  return Buffer.concat([c.update(data), c.final()]);
}

interface RawRecord { seq: number; offset: number; body: Buffer; plain: LogEncounter; blocks: number }

/**
 * Every committed record of the log, decrypted here from the raw flash pages with node:crypto
 * (key from the token's settings), oldest page first; checks each record's CRC-32 and CTR = CCM on the way.
 */
function decryptFlash(rt: EspruinoRuntime): RawRecord[] {
  const key = Buffer.from(settingsOf(rt).z, "hex");
  expect(key.length).to.equal(16);
  const s = state(rt).log;
  const file = rt.storage.find(nameBytes("om.log"))!;
  const first = Math.ceil((file.addr + 32) / s.pageSize) * s.pageSize;
  const pages: { seq: number; nonce: number; base: number; data: Buffer }[] = [];
  for (let p = 0; p < s.pages; p++) {
    const data = Buffer.from(rt.flash.read(first + p * s.pageSize, s.pageSize));
    if (data[19] !== 0xa5) continue; // no committed header
    pages.push({ seq: data.readUInt32LE(0), nonce: data.readUInt32LE(4), base: data.readUInt32LE(8), data });
  }
  pages.sort((a, b) => a.seq - b.seq);
  const out: RawRecord[] = [];
  for (const pg of pages) {
    for (let o = 20; o + 12 <= s.pageSize; ) {
      const b = pg.data[o];
      if (b === 0xff) break;
      const len = b & 0xfc;
      if ((b & 3) === 0) {
        // a record: len | body | CRC-32 of the bytes before it (docs/LOG-FORMAT.md)
        expect(isRecordLength(len - 4), "record length at " + o).to.equal(true);
        expect(crc32(pg.data.subarray(o, o + len - 4)), "record check at " + o).to.equal(pg.data.readUInt32LE(o + len - 4));
        const body = pg.data.subarray(o + 1, o + len - 4);
        const nonce = nonceOf(pg.seq, pg.nonce, o);
        const plain = ctrKeystreamXor(key, nonce, body);
        expect(toHex(ccmKeystreamXor(key, nonce, body)), "CCM = CTR keystream").to.equal(toHex(plain));
        out.push({ seq: pg.seq, offset: o, body: Buffer.from(body), plain: decodeRecordBody(new Uint8Array(plain), pg.base), blocks: Math.ceil(body.length / 16) });
      }
      o += len;
    }
  }
  return out;
}

for (const [board, path] of [["banglejs2", "native AES.ccmEncrypt"], ["joltjs", "pure-JS AES"]] as const) {
  describe("log encryption at rest on " + board + " (" + path + ", built file in the sim)", () => {
    it("each record body in flash = plaintext XOR node:crypto's AES-128-CTR/CCM keystream of the documented counter blocks", function () {
      this.timeout(30000);
      // the encryption, not the CPU: with the CPU-time model a crowd of 70 loses adverts (test/firmware/log.test.ts)
      const rt = bootToken({ board, seed: 41, cpuTime: false });
      // count the native CCM calls (the firmware looks the global up at every call)
      let ccmCalls = 0;
      const g = rt.global;
      if (board === "banglejs2") {
        expect(typeof g.AES.ccmEncrypt).to.equal("function");
        const native = g.AES.ccmEncrypt;
        g.AES.ccmEncrypt = function (m: unknown, k: unknown, n: unknown, t: unknown) {
          ccmCalls++;
          return native(m, k, n, t);
        };
      } else {
        expect(typeof g.AES, "Jolt.js has no AES at all").to.equal("undefined");
      }
      // scan every 10 s: identifiers heard in many scans make long records (several keystream blocks)
      rt.runCallback(() => rt.global.Omamori.host.setScanSettings(250, 10000), null, []);
      const many = ids(30, 0x51);
      const few = ids(40, 0x52);
      runWithAdverts(rt, T0_MS + 40 * MIN, (t) => (t < T0_MS + 19 * MIN ? many.slice(0, 4) : t < T0_MS + 25 * MIN ? many.concat(few) : []));
      expectHealthy(rt);
      const raw = decryptFlash(rt);
      const read = readWholeLog(rt);
      expect(raw.length).to.be.greaterThan(40);
      expect(Math.max(...raw.map((r) => r.blocks)), "records spanning many keystream blocks").to.be.at.least(5);
      // what the host gets over the sync is exactly what node:crypto decrypts from flash
      expect(raw.map((r) => r.plain)).to.deep.equal(read);
      // and it is what the token heard
      const heard = new Set(many.concat(few).map((a) => toHex(a.rpi.subarray(0, 6))));
      for (const e of read) expect(heard.has(e.rpi), e.rpi).to.equal(true);
      expect(new Set(read.map((e) => e.rpi)).size).to.equal(70);
      // no two records share a nonce (page seq, page nonce, offset)
      expect(new Set(raw.map((r) => r.seq + ":" + r.offset)).size).to.equal(raw.length);
      if (board === "banglejs2") expect(ccmCalls, "native CCM calls (one per record write or read)").to.be.at.least(raw.length);
    });
  });
}

describe("log encryption at rest on banglejs2: written and read back intact", () => {
  it("a log written with native CCM reads back whole, also after a power cycle", function () {
    this.timeout(30000);
    const rt = bootToken({ board: "banglejs2", seed: 42 });
    const a = ids(120, 0x61);
    let scan = 0;
    runWithAdverts(rt, T0_MS + 60 * MIN, () => (scan++ < 6 ? a.slice(scan * 20 - 20, scan * 20) : []));
    expectHealthy(rt);
    const before = readWholeLog(rt);
    expect(before.map((e) => e.rpi).sort()).to.deep.equal(a.map((x) => toHex(x.rpi.subarray(0, 6))).sort());
    for (const e of before) {
      const x = a.find((y) => toHex(y.rpi.subarray(0, 6)) === e.rpi)!;
      expect(e.aem).to.equal(toHex(x.aem));
      expect(e.scans.length).to.equal(1);
      expect(e.scans[0]).to.include({ count: 1, rssiMax: x.rssi, rssiMean: x.rssi });
    }
    rt.reboot("power");
    rt.runCallback(rt.global.Omamori.setClock, null, [Math.floor(rt.worldTimeMs() / 1000)]);
    expect(readWholeLog(rt)).to.deep.equal(before);
    expect(decryptFlash(rt).map((r) => r.plain)).to.deep.equal(before);
    expectHealthy(rt);
  });
});
