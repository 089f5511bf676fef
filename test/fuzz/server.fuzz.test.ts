/** Fuzz: what a client sends the diagnosis server — request bodies, and raw requests over HTTP. */
import { expect } from "chai";
import fc from "fast-check";
import { request } from "node:http";
import { ApiError } from "../../host-tools/server/apiErrors";
import { startServer, type RunningServer } from "../../host-tools/server/httpServer";
import { validateLegacyV1 } from "../../host-tools/server/legacyV1";
import { validateSubmission } from "../../host-tools/server/submission";
import { body, NOON, tempDataDir, type TempServerDir } from "../server/helpers";
import { editText, edits, onlyThrows, params } from "./fuzz";

/** The sample with one field (at any depth) replaced by `v`. */
function withField(sample: Record<string, unknown>, v: unknown, pick: number): unknown {
  const copy = JSON.parse(JSON.stringify(sample));
  const paths: (string | number)[][] = [];
  const walk = (o: unknown, p: (string | number)[]) => {
    if (o && typeof o === "object") for (const k of Object.keys(o)) { paths.push([...p, k]); walk((o as any)[k], [...p, k]); }
  };
  walk(copy, []);
  const path = paths[pick % paths.length];
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = v;
  return copy;
}

const sample = body("12345678") as unknown as Record<string, unknown>;
const inputs = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.nat()).map(([v, pick]) => withField(sample, v, pick)),
  edits.map((e) => {
    try {
      return JSON.parse(editText(JSON.stringify(sample), e));
    } catch {
      return null;
    }
  }),
);

describe("fuzz: server request bodies", () => {
  it("validateSubmission and validateLegacyV1: any JSON value is answered with an ApiError or validated keys", () => {
    fc.assert(
      fc.property(inputs, (v) => {
        const r = onlyThrows(() => validateSubmission(v, NOON, "440"), ApiError);
        if (r.value) {
          const ok = r.value as ReturnType<typeof validateSubmission>;
          expect(ok.keys.length).to.be.within(1, 30);
          for (const k of ok.keys) expect(k.keyData.length).to.equal(16);
        }
        onlyThrows(() => validateLegacyV1(v, NOON, "440"), ApiError);
      }),
      params(500),
    );
  });

  describe("over HTTP", function () {
    this.timeout(120_000);
    let t: TempServerDir;
    let server: RunningServer;
    before(async () => {
      t = tempDataDir({ publicUrl: undefined });
      server = await startServer({ dataDir: t.data.dir, clock: () => NOON, publishEveryMinutes: 0, maxFailedNumbers: 1_000_000, maxFailedNumbersGlobal: 1_000_000, legacyV1: true, maxBodyBytes: 4096 });
    });
    after(async () => {
      await server.close();
      t.cleanup();
    });

    function send(method: string, path: string, payload: Uint8Array, headers: Record<string, string>): Promise<number> {
      const u = new URL(server.url);
      return new Promise((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(payload);
      });
    }

    it("random methods, paths, headers and bodies: never a server fault (500), the server keeps answering", async () => {
      const method = fc.constantFrom("PUT", "GET", "HEAD", "POST", "DELETE", "OPTIONS");
      const path = fc.oneof(fc.constantFrom("/v3/diagnosis", "/diagnosis", "/health", "/c19r/440/list.json", "/c19r/440/1.zip"), fc.webPath(), fc.string({ maxLength: 30 }).map((s) => "/" + encodeURIComponent(s)));
      const payload = fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        inputs.map((v) => new Uint8Array(Buffer.from(JSON.stringify(v) ?? "null"))),
        fc.constant(new Uint8Array(Buffer.from("x".repeat(5000)))),
      );
      const headers = fc.record({ "x-forwarded-for": fc.string({ maxLength: 40 }), "x-chaff": fc.constantFrom("1", ""), "content-type": fc.constantFrom("application/json", "text/plain") }, { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(method, path, payload, headers, async (m, p, b, h) => {
          const clean = Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\x20-\x7e]*$/.test(v as string))) as Record<string, string>;
          const status = await send(m, p, b, clean);
          expect(status, `${m} ${p}`).to.not.equal(500);
          expect(status).to.be.within(200, 499);
        }),
        params(150),
      );
      expect((await fetch(server.url + "/health")).status).to.equal(200);
    });
  });
});
