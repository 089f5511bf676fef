/**
 * What the host believes: after authentication nothing unauthenticated, and nothing of the secret
 * in any error about a damaged token.json; records no real scan could produce stay out of the log.
 */
import { expect } from "chai";
import fc from "fast-check";
import { params } from "../fuzz/fuzz";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../../common/bytes";
import { decodeRecordBody, encodeRecord } from "../../common/formats/logRecord";
import { Err, Kind, errorBody, fragment, message } from "../../common/formats/syncMessages";
import { DataDir } from "../../host-tools/base/dataDir";
import { SyncError } from "../../host-tools/sync/errors";
import { implausibleRecord } from "../../host-tools/sync/plausibility";
import { HostSession } from "../../host-tools/sync/session";
import { FakeSyncHost, FakeToken, firmwarePrimitives } from "./harness";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe("sync host: nothing unauthenticated believed after authentication", () => {
  for (const code of [Err.AUTH, Err.NOT_PAIRED, Err.LOCKED, Err.ALREADY_PAIRED, Err.NO_WINDOW]) {
    it(`a plain ERROR ${code} slipped in after AUTH_OK is a disturbed link, not the token's word`, async () => {
      const secret = rnd(32);
      const token = new FakeToken(new FakeSyncHost(secret), await firmwarePrimitives(), rnd);
      const forged = fragment(message(Kind.ERROR, errorBody(code)), 244)[0];
      const link = token.connect(247, {
        // A stranger in range answers the host's first sealed request before the token does.
        tamper: (v) => (v.dir === "toHost" && v.value[1] === Kind.SEALED ? forged : undefined),
      });
      const s = await HostSession.open(link, secret);
      let caught: unknown;
      try {
        await s.status();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(SyncError);
      expect((caught as SyncError).code).to.equal("integrity");
      expect((caught as SyncError).message).to.not.match(/secret does not match|not paired|locked|already paired/i);
    });
  }
});

describe("sync host: a damaged token.json never shows the secret", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "omamori-tokenjson-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** No 5 characters in a row of the secret's hex appear in `text`. */
  function showsNoSecret(text: string, hex: string): boolean {
    for (let i = 0; i + 5 <= hex.length; i++) if (text.includes(hex.slice(i, i + 5))) return false;
    return true;
  }

  it("every one-byte corruption of token.json: the error names the file and shows no part of the secret", async () => {
    const data = new DataDir(root);
    const secret = rnd(32);
    await data.saveToken({ tokenId: "grandma", secret, pairedAt: "2026-11-20T00:00:00.000Z", board: "puckjs" });
    const path = join(root, "tokens", "grandma", "token.json");
    const good = readFileSync(path, "utf8");
    const hex = toHex(secret);
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.constantFrom("x", "}", '"', "", ",", "\\", "\u0001", " 1"), async (at, put) => {
        writeFileSync(path, good.slice(0, at) + put + good.slice(at + 1));
        let message = "";
        try {
          await data.loadToken("grandma");
          return; // some edits leave a valid file (e.g. whitespace)
        } catch (e) {
          message = (e as Error).message;
        }
        expect(message).to.include("token.json");
        expect(showsNoSecret(message, hex), message).to.equal(true);
      }),
      params(200),
    );
  });

  it("the reported case: a stray character before the secret", async () => {
    const data = new DataDir(root);
    const secret = rnd(32);
    await data.saveToken({ tokenId: "grandma", secret, pairedAt: "2026-11-20T00:00:00.000Z", board: "puckjs" });
    const path = join(root, "tokens", "grandma", "token.json");
    writeFileSync(path, readFileSync(path, "utf8").replace(`"${toHex(secret)}"`, `x${toHex(secret)}`));
    let message = "";
    await data.loadToken("grandma").catch((e: Error) => (message = e.message));
    expect(message).to.match(/is damaged: not valid JSON$/);
    expect(showsNoSecret(message, toHex(secret))).to.equal(true);
  });
});

describe("sync host: records no real scan produces are left out", () => {
  const rpi = new Uint8Array(16).fill(0xab);
  const aem = new Uint8Array([1, 2, 3, 4]);
  const base = 1_700_000_000 - (1_700_000_000 % 86400);
  const clock = base + 86400;
  /** A one-scan record (len + body), as the token sends it. */
  const record = encodeRecord(rpi, aem, [base + 3600, 3, -60, -70], base);

  it("the untouched record is plausible", () => {
    expect(implausibleRecord(decodeRecordBody(record.subarray(1), base), clock)).to.equal(null);
  });

  it("every single flipped bit: identifier and AEM flips pass (undetectable), the caught ones break what a scan can produce", () => {
    const body = record.subarray(1);
    const caught: number[] = [];
    for (let bit = 0; bit < body.length * 8; bit++) {
      const b = body.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      if (implausibleRecord(decodeRecordBody(b, base), clock) !== null) caught.push(bit);
    }
    // The figure docs/SECURITY.md quotes: 5 of the 120 bits of this one-scan record are caught —
    // the time's top bit (95: 45 hours later, after the token's clock), and the top two bits of
    // each RSSI byte (a positive dBm, or the strongest below the mean). Bytes 0-9 (identifier
    // prefix and AEM) are never caught: only a tag in the at-rest format can catch those.
    expect(caught).to.deep.equal([95, 110, 111, 118, 119]);
  });

  it("a record heard after the token's own clock is left out; with no clock known it is kept", () => {
    const future = encodeRecord(rpi, aem, [clock + 3600, 1, -60, -60], base);
    const e = decodeRecordBody(future.subarray(1), base);
    expect(implausibleRecord(e, clock)).to.match(/after the token's own clock/);
    expect(implausibleRecord(e, null)).to.equal(null);
  });
});
