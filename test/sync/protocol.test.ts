/**
 * The sync protocol (docs/FORMATS.md "Sync messages"): formats, handshake, sealed operations and the bad conditions,
 * host session (host-tools/sync/session.ts, noble crypto) against the firmware session
 * (firmware/sync/session.ts, the firmware's pure-JS crypto) in the Node harness.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { fragment, createReassembler, seal, unseal, sessionKeys, encodeStatus, decodeStatus, statusRow, encodeKeys, decodeKeys, type SyncPrimitives, Dir, Err, Kind, Op } from "../../common/formats/syncMessages";
import { hostPrimitives } from "../../host-tools/sync/primitives";
import { HostSession, pairToken } from "../../host-tools/sync/session";
import { SyncError } from "../../host-tools/sync/errors";
import { FakeSyncHost, FakeToken, firmwarePrimitives } from "./harness";
import { decodeLogStream } from "../../common/formats/logRecord";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

async function rejects(p: Promise<unknown>, code: string): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(SyncError);
    expect((e as SyncError).code).to.equal(code);
    return e as SyncError;
  }
  throw new Error("expected a SyncError " + code);
}

/** Messages of one direction, reassembled from the recorded air values. */
function messages(token: FakeToken, dir: "toHost" | "toToken"): Uint8Array[] {
  const r = createReassembler(10000);
  const out: Uint8Array[] = [];
  for (const v of token.air) if (v.dir === dir) {
    const m = r.push(v.value);
    if (m) out.push(m);
  }
  return out;
}

describe("sync formats", () => {
  let fw: SyncPrimitives;
  before(async () => {
    fw = await firmwarePrimitives();
  });

  it("fragment + reassemble round-trips every length at MTU 23 and 247", () => {
    for (const frag of [20, 244]) {
      for (const len of [1, 19, 20, 243, 244, 245, 1000]) {
        const m = rnd(len);
        const parts = fragment(m, frag);
        parts.forEach((p) => expect(p.length).to.be.at.most(frag));
        const r = createReassembler(4200);
        const got = parts.map((p) => r.push(p));
        expect(got.slice(0, -1).every((g) => g === null)).to.equal(true);
        expect(Buffer.from(got[got.length - 1]!).equals(Buffer.from(m))).to.equal(true);
      }
    }
  });

  it("the reassembler refuses messages longer than its limit", () => {
    const r = createReassembler(100);
    expect(() => fragment(rnd(150), 60).forEach((p) => r.push(p))).to.throw(/too long/);
  });

  it("firmware crypto and host crypto seal to the same bytes, and each opens the other's", () => {
    const secret = rnd(32), t = rnd(39);
    const kf = sessionKeys(fw, secret, t);
    const kh = sessionKeys(hostPrimitives, secret, t);
    expect(Buffer.from(kf.enc).equals(Buffer.from(kh.enc))).to.equal(true);
    const plain = rnd(100);
    const a = seal(fw, kf, Dir.TOKEN, 5, plain);
    const b = seal(hostPrimitives, kh, Dir.TOKEN, 5, plain);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    expect(Buffer.from(unseal(hostPrimitives, kh, Dir.TOKEN, 5, a)!).equals(Buffer.from(plain))).to.equal(true);
    expect(a[0]).to.equal(Kind.SEALED);
    expect(Buffer.from(a).includes(Buffer.from(plain.subarray(0, 16)))).to.equal(false);
  });

  it("unseal rejects every flipped byte, the wrong sequence number and the wrong direction", () => {
    const keys = sessionKeys(hostPrimitives, rnd(32), rnd(39));
    const m = seal(hostPrimitives, keys, Dir.HOST, 3, rnd(40));
    for (let i = 0; i < m.length; i++) {
      const t = m.slice();
      t[i] ^= 0x01;
      expect(unseal(hostPrimitives, keys, Dir.HOST, 3, t), "byte " + i).to.equal(null);
    }
    expect(unseal(hostPrimitives, keys, Dir.HOST, 4, m)).to.equal(null);
    expect(unseal(hostPrimitives, keys, Dir.TOKEN, 3, m)).to.equal(null);
    expect(unseal(hostPrimitives, keys, Dir.HOST, 3, m)).to.not.equal(null);
  });

  it("status and key bodies round-trip", () => {
    const s = {
      firmwareVersion: "1.2.3", board: "banglejs2", batteryPercent: -1, clockSeconds: 1_760_000_000, clockValid: true,
      storageUsedBytes: 1234, storageFreeBytes: 0, recordsKept: 99, recordsDropped: 7, firstDay: -1, paused: true,
      alert: false, errorCount: 3, scanPeriodSeconds: 300, hubSeconds: 600,
    };
    expect(decodeStatus(encodeStatus(statusRow(s)))).to.deep.equal(s);
    expect(() => decodeStatus(encodeStatus(statusRow({ ...s, paused: 1 as unknown as boolean })))).to.throw(TypeError, /paused must be true or false/);
    expect(() => decodeStatus(new TextEncoder().encode('{"board":"x"}'))).to.throw(TypeError, /not a list/);
    const keys = [{ tek: rnd(16), rollingStart: 2_900_000, rollingPeriod: 144 }, { tek: rnd(16), rollingStart: 2_900_144, rollingPeriod: 70 }];
    expect(decodeKeys(encodeKeys(keys))).to.deep.equal(keys);
  });
});

describe("sync session: host against the firmware session", () => {
  let fw: SyncPrimitives;
  let secret: Uint8Array;
  let host: FakeSyncHost;
  let token: FakeToken;
  before(async () => {
    fw = await firmwarePrimitives();
  });
  beforeEach(() => {
    secret = rnd(32);
    host = new FakeSyncHost(secret);
    host.record(50, 1_699_900_000);
    token = new FakeToken(host, fw, rnd);
  });

  it("authenticates both ways and reads status, at MTU 23", async () => {
    const s = await HostSession.open(token.connect(23), secret);
    const { status, driftSeconds } = await s.status(() => host.clock * 1000 - 3600_000);
    expect(status.recordsKept).to.equal(50);
    expect(status.board).to.equal("puckjs");
    expect(Math.round(driftSeconds)).to.equal(3600);
    await s.close();
    expect(token.connected).to.equal(false);
  });

  it("a host with the wrong secret is refused and learns nothing but a random nonce", async () => {
    await rejects(HostSession.open(token.connect(247), rnd(32)), "auth");
    const fromToken = messages(token, "toHost");
    expect(fromToken.map((m) => m[0])).to.deep.equal([Kind.CHALLENGE, Kind.ERROR]);
    expect(fromToken[1][1]).to.equal(Err.AUTH);
    expect(token.connected).to.equal(false);
    expect(host.alert).to.equal(false);
  });

  it("three failed attempts lock the token until its button is pressed", async () => {
    for (let i = 0; i < 3; i++) await rejects(HostSession.open(token.connect(247), rnd(32)), "auth");
    await rejects(HostSession.open(token.connect(247), secret), "locked");
    token.pressButton();
    const s = await HostSession.open(token.connect(247), secret);
    await s.close();
  });

  it("a token that cannot prove the secret is rejected by the host", async () => {
    const link = token.connect(247, {
      tamper: (v) => {
        if (v.dir !== "toHost" || v.value[1] !== Kind.AUTH_OK) return undefined;
        const t = v.value.slice();
        t[5] ^= 0xff;
        return t;
      },
    });
    await rejects(HostSession.open(link, secret), "not-your-token");
  });

  it("a corrupted request is rejected by the token and the session ends", async () => {
    let n = 0;
    const link = token.connect(247, {
      tamper: (v) => {
        if (v.dir === "toToken" && v.value[1] === Kind.SEALED && ++n === 2) {
          const t = v.value.slice();
          t[8] ^= 0x10;
          return t;
        }
        return undefined;
      },
    });
    const s = await HostSession.open(link, secret);
    await s.setAlert(false);
    await rejects(s.setAlert(true), "integrity");
    expect(host.alert).to.equal(false);
    const last = messages(token, "toHost").pop()!;
    expect([last[0], last[1]]).to.deep.equal([Kind.ERROR, Err.INTEGRITY]);
  });

  it("a corrupted answer is rejected by the host", async () => {
    const link = token.connect(247, {
      tamper: (v) => {
        if (v.dir === "toHost" && v.value[1] === Kind.SEALED) {
          const t = v.value.slice();
          t[t.length - 1] ^= 1;
          return t;
        }
        return undefined;
      },
    });
    const s = await HostSession.open(link, secret);
    await rejects(s.status(), "integrity");
  });

  it("a replayed request inside a session is rejected (sequence numbers)", async () => {
    let first: Uint8Array | null = null;
    let count = 0;
    const link = token.connect(247, {
      tamper: (v) => {
        if (v.dir !== "toToken" || v.value[1] !== Kind.SEALED) return undefined;
        count++;
        if (count === 1) first = v.value;
        if (count === 2) return first; // the second request is replaced by a replay of the first
        return undefined;
      },
    });
    const s = await HostSession.open(link, secret);
    await s.setAlert(true);
    host.alert = false;
    await rejects(s.setAlert(true), "integrity");
    expect(host.alert).to.equal(false);
  });

  it("a recorded sync replayed on a new connection gets nowhere", async () => {
    const s = await HostSession.open(token.connect(247), secret);
    await s.setAlert(true);
    await s.close();
    const recorded = token.air.filter((v) => v.dir === "toToken").map((v) => v.value);
    host.alert = false;
    token.air = [];
    const link = token.connect(247);
    for (const v of recorded) {
      if (!token.connected) break;
      await link.write(v).catch(() => undefined);
      await new Promise((r) => setImmediate(r));
    }
    const fromToken = messages(token, "toHost");
    expect(fromToken.map((m) => m[0])).to.deep.equal([Kind.CHALLENGE, Kind.ERROR]);
    expect(fromToken[1][1]).to.equal(Err.AUTH);
    expect(host.alert).to.equal(false);
  });

  it("a second host cannot connect while one is connected", async () => {
    const s = await HostSession.open(token.connect(247), secret);
    expect(() => token.connect(247)).to.throw(/busy/);
    expect((await s.status()).status.recordsKept).to.equal(50);
    await s.close();
    const again = await HostSession.open(token.connect(247), secret);
    await again.close();
  });

  it("reads the log in chunks that never split a record, at MTU 23 and 247", async () => {
    for (const mtu of [23, 247]) {
      const s = await HostSession.open(token.connect(mtu), secret);
      let cursor = 0;
      const got: unknown[] = [];
      for (;;) {
        const r = await s.readLog(cursor, 300);
        expect(r.data.length).to.be.at.most(300);
        if (!r.data.length) break;
        got.push(...decodeLogStream(r.data)); // each chunk decodes on its own
        cursor = r.next;
      }
      await s.close();
      expect(got).to.deep.equal(host.entries.map((e) => e.encounter));
      expect(host.entries.length).to.equal(50); // reading never deletes
    }
  });

  it("daily keys only after the owner presses the button", async () => {
    host.keys = [{ tek: rnd(16), rollingStart: 2_833_000, rollingPeriod: 144 }];
    const s = await HostSession.open(token.connect(247), secret);
    host.consentAnswer = false;
    await rejects(s.readKeys(), "refused");
    host.consentAnswer = true;
    const keys = await s.readKeys();
    expect(keys).to.deep.equal(host.keys);
    expect(host.consentAsked).to.equal(2);
    await s.close();
  });

  it("set clock, alert, scan settings and hub cadence", async () => {
    const s = await HostSession.open(token.connect(247), secret);
    host.clock = 1_700_000_000;
    expect(await s.setClock(1_700_010_800)).to.equal(10800);
    expect(host.clock).to.equal(1_700_010_800);
    await s.setAlert(true);
    expect(host.alert).to.equal(true);
    await s.setScan(3000, 240000);
    expect(host.scan).to.deep.equal({ windowMs: 3000, periodMs: 240000 });
    await rejects(s.setScan(5000, 1000), "bad-argument");
    await s.setHub(2700);
    expect(host.hub).to.equal(2700);
    expect((await s.status()).status.hubSeconds).to.equal(2700);
    await s.close();
  });

  it("the token refuses a home-hub cadence shorter than 30 min, whatever the host sends", async () => {
    const s = await HostSession.open(token.connect(247), secret);
    for (const seconds of [1, 60, 600, 1799]) {
      const b = new Uint8Array([seconds & 255, seconds >> 8]);
      await rejects(s.request(Op.SET_HUB, b), "bad-argument");
      expect(host.hub, seconds + " s").to.equal(0);
    }
    await s.request(Op.SET_HUB, new Uint8Array([0x08, 0x07])); // 1800 s
    expect(host.hub).to.equal(1800);
    await s.close();
  });

  it("a fragment size or version changed on the air makes both proofs fail (they cover the whole handshake)", async () => {
    // a stranger in the middle rewrites HELLO: the smallest fragments (slowing the sync ten-fold), or another version
    for (const [at, value] of [[3, 20], [3, 100], [2, 1]] as const) {
      token.air = [];
      const link = token.connect(247, {
        tamper: (v) => {
          if (v.dir !== "toToken" || v.value[1] !== Kind.HELLO) return undefined;
          const t = v.value.slice();
          t[at] = value;
          return t;
        },
      });
      const e = await rejects(HostSession.open(link, secret), at === 2 ? "protocol" : "auth");
      expect(e).to.be.instanceOf(SyncError);
      expect(messages(token, "toHost").some((m) => m[0] === Kind.AUTH_OK), "no AUTH_OK: nothing derived from the secret").to.equal(false);
      token.pressButton(); // (each failed proof counts towards the lockout)
    }
    const s = await HostSession.open(token.connect(247), secret);
    await s.close();
  });

  it("erase all forgets the secret and the log; decommission stops the token", async () => {
    const s = await HostSession.open(token.connect(247), secret);
    await s.eraseAll();
    await new Promise((r) => setTimeout(r, 1100)); // the token erases after its answer has left
    expect(host.erased).to.equal(true);
    expect(host.entries.length).to.equal(0);
    expect(host.secret()).to.equal(null);
    await new Promise((r) => setImmediate(r));
    expect(token.connected).to.equal(false);
    const h2 = new FakeSyncHost(secret);
    const t2 = new FakeToken(h2, fw, rnd);
    const s2 = await HostSession.open(t2.connect(247), secret);
    await s2.decommission();
    await new Promise((r) => setTimeout(r, 1100));
    expect(h2.decommissioned).to.equal(true);
    t2.pressButton();
    expect(t2.windowOpen, "a decommissioned token opens no window").to.equal(false);
  });

  it("pairs a fresh token in a button window, then authenticates with the new secret", async () => {
    const fresh = new FakeSyncHost(null);
    const t = new FakeToken(fresh, fw, rnd);
    await rejects(HostSession.open(t.connect(247), secret), "not-paired");
    t.byButton = false;
    await rejects(pairToken(t.connect(247), secret), "no-window");
    t.pressButton();
    const link = t.connect(247);
    await pairToken(link, secret);
    const s = await HostSession.open(link, secret);
    await s.close();
    await rejects(pairToken(t.connect(247), rnd(32)), "already-paired");
    expect(Buffer.from(fresh.secret()!).equals(Buffer.from(secret))).to.equal(true);
  });
});

describe("sync keystream = AES-CCM keystream", () => {
  it("host (noble CTR) and firmware (ctr.ts, pure path) keystreams equal node:crypto aes-128-ccm's, so a native CCM can stand in", async () => {
    const { createCipheriv } = await import("node:crypto");
    const fw = await firmwarePrimitives();
    const ccm = (key: Uint8Array, nonce: Uint8Array, data: Uint8Array) => {
      const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 4 });
      return new Uint8Array(c.update(data));
    };
    const keys = sessionKeys(hostPrimitives, rnd(32), rnd(39));
    for (const len of [1, 16, 17, 300, 3100]) {
      const plain = rnd(len);
      const nonce = rnd(13);
      const want = Buffer.from(ccm(keys.enc, nonce, plain));
      expect(Buffer.from(hostPrimitives.ctrXor(keys.enc, nonce, plain)).equals(want), "host, length " + len).to.equal(true);
      expect(Buffer.from(fw.ctrXor(keys.enc, nonce, plain)).equals(want), "firmware, length " + len).to.equal(true);
      const sealed = seal(hostPrimitives, keys, Dir.TOKEN, 77, plain);
      expect(Buffer.from(unseal(fw, keys, Dir.TOKEN, 77, sealed)!).equals(Buffer.from(plain))).to.equal(true);
    }
  });
});
