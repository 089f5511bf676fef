import { expect } from "chai";
import { NorFlash, PowerCutError } from "../../../sim/espruino/flash";

function flash(): NorFlash {
  return new NorFlash({ pageSize: 4096, storageAddress: 0x6c000, storageBytes: 4096 * 4, rawFreePages: 1 });
}

describe("sim/espruino NOR flash", () => {
  it("reads 0xFF when erased and covers the raw free page below Storage", () => {
    const f = flash();
    expect(f.startAddress).to.equal(0x6c000 - 4096);
    expect(Array.from(f.read(f.startAddress, 8))).to.deep.equal(new Array(8).fill(0xff));
    expect(() => f.read(f.endAddress - 2, 4)).to.throw(RangeError, /outside flash/);
  });

  it("writes only clear bits (new = old AND data)", () => {
    const f = flash();
    f.writeWords(0x6c000, Uint8Array.of(0xf0, 0x0f, 0xaa, 0xff));
    f.writeWords(0x6c000, Uint8Array.of(0x3c, 0xff, 0xff, 0x00));
    expect(Array.from(f.read(0x6c000, 4))).to.deep.equal([0x30, 0x0f, 0xaa, 0x00]);
  });

  it("rejects unaligned word writes but handles unaligned writes by read-modify-write", () => {
    const f = flash();
    expect(() => f.writeWords(0x6c001, new Uint8Array(4))).to.throw(RangeError, /aligned/);
    expect(() => f.writeWords(0x6c000, new Uint8Array(3))).to.throw(RangeError, /aligned/);
    f.writeAligned(0x6c003, Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(Array.from(f.read(0x6c000, 12))).to.deep.equal([0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 0xff, 0xff, 0xff]);
    // 3 words touched: the partial first, one whole, the partial last
    expect(f.ops.writes).to.equal(3);
  });

  it("erases whole pages to 0xFF and counts erases per page", () => {
    const f = flash();
    f.writeWords(0x6c000 + 4092, Uint8Array.of(0, 0, 0, 0));
    f.writeWords(0x6c000 + 4096, Uint8Array.of(0, 0, 0, 0));
    f.erasePage(0x6c000 + 100);
    f.erasePage(0x6c000);
    expect(f.readU32(0x6c000 + 4092)).to.equal(0xffffffff);
    expect(f.readU32(0x6c000 + 4096)).to.equal(0);
    expect(f.pageEraseCounts()).to.deep.equal([{ address: 0x6c000, erases: 2 }]);
    expect(f.maxPageErases()).to.equal(2);
  });

  it("cuts power at the n-th word write: that word is not written and the flash stays dead", () => {
    const f = flash();
    f.cutPower({ flashWrite: 2 });
    expect(() => f.writeWords(0x6c000, new Uint8Array(12))).to.throw(PowerCutError);
    expect(f.readU32(0x6c000)).to.equal(0);
    expect(f.readU32(0x6c004)).to.equal(0xffffffff);
    expect(f.isDead()).to.equal(true);
    expect(() => f.erasePage(0x6c000)).to.throw(PowerCutError);
    f.revive();
    f.writeWords(0x6c008, new Uint8Array(4));
    expect(f.readU32(0x6c008)).to.equal(0);
  });

  it("cuts power at the n-th page erase", () => {
    const f = flash();
    f.writeWords(0x6c000, new Uint8Array(4));
    f.writeWords(0x6d000, new Uint8Array(4));
    f.cutPower({ flashErase: 2 });
    expect(() => f.erasePages(0x6c000, 8192)).to.throw(PowerCutError);
    expect(f.readU32(0x6c000)).to.equal(0xffffffff);
    expect(f.readU32(0x6d000)).to.equal(0);
  });

  it("checks its geometry", () => {
    expect(() => new NorFlash({ pageSize: 4096, storageAddress: 100, storageBytes: 4096, rawFreePages: 0 })).to.throw(RangeError, /whole pages/);
    expect(() => flash().cutPower({ flashWrite: 0 })).to.throw(RangeError, />= 1/);
  });
});
