/**
 * Fuzz and properties: the host's JSON inputs — list.json, the omamori-log interchange file (both
 * readers), check.json, token.json and sync-state.json — and the token's log stream.
 */
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeLogStream, decodeRecordBody, encodeRecord, MAX_SCANS, streamBase } from "../../common/formats/logRecord";
import { ExportFormatError } from "../../host-tools/keys/exportFile";
import { parseListJson } from "../../host-tools/keys/listJson";
import { LogFormatError, parseLog } from "../../host-tools/log/omamoriLog";
import { SightingIndex } from "../../host-tools/match/sightingIndex";
import { loadCheckSettings } from "../../host-tools/report/checkSettings";
import { DataDir } from "../../host-tools/base/dataDir";
import { checkLog, emptyLog, mergeLog } from "../../host-tools/log/omamoriLog";
import { editText, edits, applyEdits, onlyThrows, onlyRejects, params } from "./fuzz";

/** A JSON text: arbitrary JSON, or a valid sample with a few byte edits. */
function jsonInputs(sample: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(sample);
  return fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ maxLength: 80 }), edits.map((e) => editText(text, e)), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(mutateOneField(sample, v))));
}

/** The sample with one of its fields (at any depth) replaced by `v`. */
function mutateOneField(sample: unknown, v: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(sample));
  const paths: (string | number)[][] = [];
  const walk = (o: unknown, p: (string | number)[]) => {
    if (o && typeof o === "object") for (const k of Object.keys(o)) { paths.push([...p, Array.isArray(o) ? Number(k) : k]); walk((o as any)[k], [...p, k]); }
  };
  walk(copy, []);
  if (paths.length === 0) return v;
  const path = paths[JSON.stringify(v).length % paths.length];
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = v;
  return copy;
}

const sampleLog = {
  format: "omamori-log", version: 1, tokenId: "grandma", board: "puckjs", rssiOffsetDb: -3, clockCorrectionSeconds: 0, scanPeriodSeconds: 300,
  syncedAt: "2026-11-20T00:00:00.000Z",
  encounters: [{ rpi: "0011223344556677", aem: "01020304", scans: [{ t: 1_700_000_000, count: 2, rssiMax: -60, rssiMean: -65 }] }],
};

describe("fuzz: host files", () => {
  it("parseListJson: throws only ExportFormatError; every entry kept has a string url and a whole created >= 0", () => {
    const sample = [{ region: "440", url: "1.zip", created: 1598022036649 }, { region: 440, url: "https://cdn.example/2.zip", created: 5 }];
    fc.assert(
      fc.property(jsonInputs(sample), (text) => {
        const r = onlyThrows(() => parseListJson(text, "https://cdn.example/c19r/440/list.json"), ExportFormatError);
        const list = r.value as ReturnType<typeof parseListJson> | undefined;
        if (!list) return;
        for (const e of list.entries) {
          expect(e.url).to.be.a("string");
          expect(Number.isSafeInteger(e.created) && e.created >= 0).to.equal(true);
          expect(e.region).to.be.a("string");
        }
        for (const p of list.problems) expect(p).to.match(/^list\.json entry \d+ skipped: /);
      }),
      params(400),
    );
  });

  it("omamori-log: checkLog and parseLog throw only LogFormatError", () => {
    fc.assert(
      fc.property(jsonInputs(sampleLog), (text) => {
        onlyThrows(() => parseLog(text), LogFormatError);
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          return;
        }
        onlyThrows(() => checkLog(doc), LogFormatError);
      }),
      params(500),
    );
  });

  it("omamori-log: every log parseLog accepts can be indexed for matching (or is refused plainly)", () => {
    const t = fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.double({ min: 0, max: 1e16, noNaN: true }), fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }));
    const scan = fc.record({ t, count: fc.integer({ min: 0, max: 300 }), rssiMax: fc.integer({ min: -200, max: 100 }), rssiMean: fc.integer({ min: -200, max: 100 }) });
    const enc = fc.record({ rpi: fc.stringMatching(/^[0-9a-f]{12,32}$/).filter((h) => h.length % 2 === 0), aem: fc.stringMatching(/^[0-9a-f]{8}$/), scans: fc.array(scan, { minLength: 1, maxLength: 4 }) });
    const ccs = fc.option(fc.oneof(fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), fc.double({ noNaN: true })), { nil: undefined });
    fc.assert(
      fc.property(fc.array(enc, { maxLength: 5 }), ccs, (encounters, clockCorrectionSeconds) => {
        const text = JSON.stringify({ format: "omamori-log", version: 1, board: "puckjs", rssiOffsetDb: 0, encounters, clockCorrectionSeconds });
        const r = onlyThrows(() => parseLog(text), LogFormatError);
        if (r.value) onlyThrows(() => new SightingIndex(r.value as ReturnType<typeof parseLog>), LogFormatError);
      }),
      params(300),
    );
  });

  it("omamori-log: a log checkLog accepts merges into another without losing or doubling a scan", () => {
    const scan = fc.record({ t: fc.integer({ min: 0, max: 2 ** 32 }), count: fc.integer({ min: 1, max: 255 }), rssiMax: fc.integer({ min: -127, max: 20 }), rssiMean: fc.integer({ min: -127, max: 20 }) });
    const enc = fc.record({ rpi: fc.constantFrom("001122334455", "aabbccddeeff"), aem: fc.constantFrom("01020304", "ffffffff"), scans: fc.array(scan, { minLength: 1, maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(enc, { maxLength: 6 }), fc.array(enc, { maxLength: 6 }), (a, b) => {
        const log = emptyLog("t", "puckjs", 0);
        mergeLog(log, a);
        mergeLog(log, b);
        mergeLog(log, b); // a resumed sync reads the same again
        checkLog(log);
        const want = new Set([...a, ...b].flatMap((e) => e.scans.map((s) => `${e.rpi}/${e.aem}/${s.t}`)));
        const have = log.encounters.flatMap((e) => e.scans.map((s) => `${e.rpi}/${e.aem}/${s.t}`));
        expect(have.length).to.equal(new Set(have).size);
        expect(new Set(have)).to.deep.equal(want);
      }),
      params(200),
    );
  });

  it("the token's log stream: decodeLogStream throws only its own TypeError; encoded records decode to what was encoded", () => {
    const base = 1_700_000_000 - (1_700_000_000 % 86400);
    const good = new Uint8Array([...streamBase(base), ...encodeRecord(new Uint8Array(16).fill(1), new Uint8Array(4).fill(2), [base + 60, 2, -50, -55, base + 360, 1, -70, -70], base)]);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), edits.map((e) => applyEdits(good, e))), (s) => {
        onlyThrows(() => decodeLogStream(s), [TypeError, /^(log stream: |not a record body length)/]);
      }),
      params(500),
    );
    const scans = fc.array(fc.record({ dt: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 255 }), max: fc.integer({ min: -127, max: 20 }), mean: fc.integer({ min: -127, max: 20 }) }), { minLength: 1, maxLength: MAX_SCANS });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 0xffff }), scans, (rpi, aem, first, list) => {
        let t = 0;
        const flat = list.flatMap((s, i) => {
          t = i === 0 ? 0 : Math.max(t, s.dt);
          return [base + first * 5 + t * 5, s.count, s.max, s.mean];
        });
        const r = encodeRecord(rpi, aem, flat, base);
        const d = decodeRecordBody(r.subarray(1), base);
        expect(d.scans.map((s) => s.t)).to.deep.equal(flat.filter((_, i) => i % 4 === 0));
        expect(d.scans.map((s) => s.rssiMax)).to.deep.equal(list.map((s) => s.max));
      }),
      params(200),
    );
  });

  describe("files in the data directory", () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), "omamori-fuzz-"));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    it("check.json: loadCheckSettings throws only its own TypeError", () => {
      const sample = { keySources: ["https://cdn.example/c19r/440/list.json"], publicKeys: [{ publicKey: "AAAA", keyId: "440", keyVersion: "v1" }], contacts: [{ name: "保健所", phone: "03" }], allowUnsigned: false };
      fc.assert(
        fc.property(jsonInputs(sample), (text) => {
          writeFileSync(join(home, "check.json"), text);
          onlyThrows(() => loadCheckSettings(home), [TypeError, /^check\.json: /]);
        }),
        params(300),
      );
    });

    it("token.json and sync-state.json: the loaders throw only their own TypeError, naming the file", async () => {
      const data = new DataDir(home);
      mkdirSync(join(home, "tokens", "t"), { recursive: true });
      const token = { tokenId: "t", secret: "00".repeat(32), pairedAt: "2026-11-20T00:00:00.000Z", board: "puckjs" };
      const state = { cursor: 5, lastSyncAt: null, driftSeconds: 1.5, status: null };
      await fc.assert(
        fc.asyncProperty(jsonInputs(token), jsonInputs(state), async (t, s) => {
          writeFileSync(join(home, "tokens", "t", "token.json"), t);
          writeFileSync(join(home, "tokens", "t", "sync-state.json"), s);
          await onlyRejects(() => data.loadToken("t"), [TypeError, /token\.json/]);
          await onlyRejects(() => data.loadState("t"), [TypeError, /sync-state\.json is damaged/]);
        }),
        params(200),
      );
    });
  });
});
