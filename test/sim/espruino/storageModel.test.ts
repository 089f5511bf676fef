/**
 * Property test of the Storage port: random writes, rewrites, erases and compactions on a small
 * (40 KB) Storage, checked after every step against a plain map of what each file should hold.
 * Storage fills up, so auto-compaction and the "file too big to fit" path run often.
 */
import { expect } from "chai";
import { NorFlash } from "../../../sim/espruino/flash";
import { JsfStorage, StorageError, nameBytes, FLAG_NONE } from "../../../sim/espruino/storage";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function storage(): JsfStorage {
  return new JsfStorage(new NorFlash({ pageSize: 4096, storageAddress: 0x6c000, storageBytes: 40960, rawFreePages: 0 }));
}

describe("sim/espruino Storage port against a model (random operations)", () => {
  for (const seed of [1, 2, 3, 4]) {
    it("seed " + seed + ": 400 operations keep every file readable as written", () => {
      const r = rng(seed);
      const st = storage();
      const model = new Map<string, Uint8Array>();
      const names = ["a", "bb", "log", "cfg.json", "k0", "k1", "k2", "long-file-name-0123456789"];
      let compactions = 0;
      let fullErrors = 0;
      for (let step = 0; step < 400; step++) {
        const name = names[Math.floor(r() * names.length)];
        const op = r();
        if (op < 0.7) {
          const big = r() < 0.3;
          const len = 1 + Math.floor(r() * (big ? 20000 : 600));
          const data = new Uint8Array(len);
          for (let i = 0; i < len; i++) data[i] = Math.floor(r() * 256);
          const before = st.flash.ops.erases;
          try {
            st.write(nameBytes(name), data, FLAG_NONE, 0, 0);
            model.set(name, data);
          } catch (e) {
            expect(e).to.be.instanceOf(StorageError);
            expect((e as Error).message).to.equal("Unable to find or create file");
            // jsfWriteFile marks the old copy deleted before it looks for room: it is gone
            model.delete(name);
            fullErrors++;
          }
          if (st.flash.ops.erases > before) compactions++;
        } else if (op < 0.85) {
          st.erase(nameBytes(name));
          model.delete(name);
        } else if (op < 0.9) {
          st.compact();
        } else {
          // identical rewrite: no flash operation
          const cur = model.get(name);
          if (cur) {
            const w = st.flash.ops.writes;
            st.write(nameBytes(name), cur, FLAG_NONE, 0, 0);
            expect(st.flash.ops.writes).to.equal(w);
          }
        }
        for (const n of names) {
          const got = st.read(nameBytes(n));
          const want = model.get(n);
          if (!want) expect(got, "step " + step + " " + n).to.equal(null);
          else expect(Buffer.from(got!).equals(Buffer.from(want)), "step " + step + " " + n).to.equal(true);
        }
        const stats = st.stats();
        expect(stats.fileCount).to.equal(model.size);
        expect(stats.freeBytes + stats.fileBytes + stats.trashBytes).to.be.at.most(stats.totalBytes);
      }
      expect(compactions, "auto-compactions").to.be.greaterThan(0);
      expect(fullErrors, "writes refused for lack of room").to.be.greaterThan(0);
    });
  }
});
