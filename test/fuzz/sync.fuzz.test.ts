/**
 * Fuzz and properties: the sync messages as the host decodes them, and the host sync session
 * against (a) the real firmware session with the air tampered, (b) a stranger who does not know the
 * secret and answers anything, (c) a token that knows the secret but answers garbage inside sealed
 * messages. The host may refuse, never crash: every failure is a SyncError, and nothing is
 * believed without the secret.
 */
import { expect } from "chai";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import {
  authProof, checkProof, createReassembler, decodeKeys, decodeStatus, encodeStatus, errorBody, fragment, Kind, Label, message, Op, seal, sessionKeys,
  unseal, Dir, Size, statusRow, transcript, type SessionKeys,
} from "../../common/formats/syncMessages";
import { SyncError } from "../../host-tools/sync/errors";
import { hostPrimitives } from "../../host-tools/sync/primitives";
import { HostSession } from "../../host-tools/sync/session";
import { parseSyncServiceData, type SyncLink } from "../../host-tools/sync/transport";
import { FakeSyncHost, FakeToken, FakeTransport, firmwarePrimitives } from "../sync/harness";
import { DataDir } from "../../host-tools/base/dataDir";
import { readLog } from "../../host-tools/log/omamoriLog";
import { syncToken } from "../../host-tools/sync/syncToken";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyEdits, edits, onlyRejects, onlyThrows, params } from "./fuzz";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe("fuzz: sync messages (host side)", () => {
  it("reassembler: random fragments give messages within the limit or its own TypeError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 30 }), (frags) => {
        const r = createReassembler(512);
        for (const f of frags) {
          const out = onlyThrows(() => r.push(f), [TypeError, /^(bad fragment|message too long)$/]);
          if (out.value) expect((out.value as Uint8Array).length).to.be.at.most(512);
        }
      }),
      params(400),
    );
  });

  it("fragment then reassemble gives back any message, at every fragment size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.integer({ min: Size.MIN_FRAG, max: Size.MAX_FRAG }), (m, size) => {
        const r = createReassembler(Size.MAX_MESSAGE);
        let out: Uint8Array | null = null;
        for (const f of fragment(m, size)) {
          expect(f.length).to.be.at.most(size);
          out = r.push(f);
        }
        expect(out).to.deep.equal(m);
      }),
      params(200),
    );
  });

  it("unseal: random and edited messages are refused (null), never thrown on, never opened", () => {
    const keys = sessionKeys(hostPrimitives, rnd(32), rnd(40));
    const sealed = seal(hostPrimitives, keys, Dir.TOKEN, 3, message(Op.STATUS | Op.RESPONSE, rnd(40)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), edits.map((e) => applyEdits(sealed, e))), fc.nat(5), (m, seq) => {
        const out = onlyThrows(() => unseal(hostPrimitives, keys, Dir.TOKEN, seq, m));
        if (out.value !== null) {
          expect(Buffer.from(m).equals(Buffer.from(sealed)) && seq === 3).to.equal(true);
        }
      }),
      params(400),
    );
  });

  it("status, keys and advert decoders: only their own TypeError, or null", () => {
    const status = encodeStatus(statusRow({
      firmwareVersion: "1", board: "puckjs", batteryPercent: 90, clockSeconds: 1, clockValid: true, storageUsedBytes: 0, storageFreeBytes: 1, recordsKept: 0,
      recordsDropped: 0, firstDay: 0, paused: false, alert: false, errorCount: 0, hubSeconds: 0,
    }));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), edits.map((e) => applyEdits(status, e))), (b) => {
        onlyThrows(() => decodeStatus(b), [TypeError, /^status /]);
        onlyThrows(() => decodeKeys(b), [TypeError, /^keys body /]);
        onlyThrows(() => parseSyncServiceData("aa:bb", b, -60));
      }),
      params(400),
    );
  });
});

/** A token played by the test: answers the host's messages as `answer` says. */
function scriptedLink(answer: (m: Uint8Array, send: (m: Uint8Array) => void) => void, mtu = 247): SyncLink {
  const notify: ((v: Uint8Array) => void)[] = [];
  const gone: ((r: string) => void)[] = [];
  const rx = createReassembler(Size.MAX_MESSAGE);
  let open = true;
  const send = (m: Uint8Array) => {
    for (const f of fragment(m, mtu - 3)) setImmediate(() => open && notify.forEach((l) => l(f)));
  };
  return {
    mtu,
    async write(v) {
      if (!open) throw new Error("not connected");
      let m: Uint8Array | null = null;
      try {
        m = rx.push(v);
      } catch {
        return;
      }
      if (m) answer(m, send);
    },
    onNotify: (l) => void notify.push(l),
    onDisconnect: (l) => void gone.push(l),
    async disconnect() {
      if (open) {
        open = false;
        gone.forEach((l) => l("closed"));
      }
    },
  };
}

/** What a hostile side may send in answer to one host message. */
const reply = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => ({ kind: "raw" as const, b })),
  fc.constantFrom(Kind.CHALLENGE, Kind.AUTH_OK, Kind.ERROR, Kind.SEALED, Kind.PAIRED).chain((k) => fc.uint8Array({ maxLength: 60 }).map((b) => ({ kind: "message" as const, k, b }))),
  fc.constant({ kind: "silence" as const }),
);

async function hostCalls(s: HostSession): Promise<void> {
  await s.status();
  await s.readLog(0, 512);
  await s.setClock(1_700_000_000);
  await s.setAlert(true);
  await s.readKeys(50);
  await s.close();
}

describe("fuzz: the host sync session", function () {
  this.timeout(120_000);

  it("(a) the real token with the air tampered: every call succeeds with the token's own answers, or fails with a SyncError", async () => {
    const fw = await firmwarePrimitives();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ at: fc.nat(40), e: edits, drop: fc.boolean() }), { maxLength: 3 }), async (plan) => {
        const secret = rnd(32);
        const host = new FakeSyncHost(secret);
        host.record(5, host.clock - 86400);
        const token = new FakeToken(host, fw, rnd);
        const link = token.connect(247, {
          tamper: (v, i) => {
            const p = plan.find((x) => x.at === i);
            if (!p) return undefined;
            return p.drop ? null : applyEdits(v.value, p.e);
          },
        });
        await onlyRejects(async () => {
          const s = await HostSession.open(link, secret, { timeoutMs: 30 });
          const { status } = await s.status();
          // Whatever got through was the token's own word.
          expect(status.recordsKept).to.equal(5);
          await s.setAlert(true);
          expect(host.alert).to.equal(true);
          await s.close();
        }, SyncError);
      }),
      params(60),
    );
  });

  it("(b) a stranger without the secret, answering anything: the host never gets past authentication", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reply, { minLength: 1, maxLength: 4 }), fc.boolean(), async (replies, validChallenge) => {
        let n = 0;
        const link = scriptedLink((m, send) => {
          const r = replies[Math.min(n++, replies.length - 1)];
          if (m[0] === Kind.HELLO && validChallenge && n === 1) return send(message(Kind.CHALLENGE, new Uint8Array([Size.VERSION, 0, ...rnd(16)])));
          if (r.kind === "raw") send(r.b.length ? r.b : new Uint8Array([0]));
          else if (r.kind === "message") send(message(r.k, r.b));
        });
        const out = await onlyRejects(() => HostSession.open(link, rnd(32), { timeoutMs: 20 }), SyncError);
        expect(out.threw, "the host accepted a token that does not know the secret").to.be.instanceOf(SyncError);
      }),
      params(150),
    );
  });

  it("(d) a whole sync from a token whose log answers are garbage: a SyncError, and the saved log stays valid", async () => {
    const fw = await firmwarePrimitives();
    const root = await mkdtemp(join(tmpdir(), "omamori-fuzz-sync-"));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 90 }), { minLength: 1, maxLength: 3 }), fc.nat(), async (chunks, cursorBase) => {
          const secret = rnd(32);
          const host = new FakeSyncHost(secret);
          host.record(6, host.clock - 86400);
          let n = 0;
          const real = host.readLog.bind(host);
          host.readLog = (cursor: number, max: number) => {
            // First a real chunk, then garbage (the token's flash damaged, or its firmware wrong).
            if (n++ === 0) return real(cursor, max);
            const data = n - 2 < chunks.length ? chunks[n - 2] : new Uint8Array(0);
            return { data, next: data.length === 0 ? cursor : (cursorBase + n) >>> 0 };
          };
          const data = new DataDir(join(root, String(Math.random()).slice(2)));
          await data.saveToken({ tokenId: "t", secret, pairedAt: "2026-11-20T00:00:00.000Z", board: "puckjs" });
          const token = new FakeToken(host, fw, rnd);
          await onlyRejects(() => syncToken({ transport: new FakeTransport([token], 247), data, tokenId: "t", now: () => host.clock * 1000, chunkBytes: 200, retries: 0 }), SyncError);
          const saved = await readLog(data.logPath("t")); // throws if the file was left invalid
          if (saved) expect(saved.tokenId).to.equal("t");
        }),
        params(60),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("(c) a token with the secret answering garbage inside sealed messages: only SyncErrors", async () => {
    const answerKinds = fc.array(
      fc.oneof(
        fc.record({ op: fc.constantFrom(Op.STATUS, Op.READ_LOG, Op.SET_CLOCK, Op.SET_ALERT, Op.READ_KEYS, Op.BYE).map((o) => o | Op.RESPONSE), body: fc.uint8Array({ maxLength: 70 }) }),
        fc.record({ op: fc.nat(255), body: fc.uint8Array({ maxLength: 10 }) }),
        fc.record({ op: fc.constant(Op.ERROR), body: fc.uint8Array({ maxLength: 2 }) }),
      ),
      { minLength: 1, maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(answerKinds, fc.boolean(), async (answers, echoOp) => {
        const secret = rnd(32);
        let keys: SessionKeys | null = null;
        let t: Uint8Array = new Uint8Array(0);
        const tokenNonce = rnd(16);
        let rxSeq = 0;
        let txSeq = 0;
        const link = scriptedLink((m, send) => {
          if (m[0] === Kind.HELLO) {
            const challenge = message(Kind.CHALLENGE, new Uint8Array([Size.VERSION, 0, ...tokenNonce]));
            t = transcript(m, challenge);
            return send(challenge);
          }
          if (m[0] === Kind.AUTH) {
            if (!checkProof(hostPrimitives, secret, Label.HOST_PROOF, t, m.subarray(1))) return send(message(Kind.ERROR, errorBody(2)));
            keys = sessionKeys(hostPrimitives, secret, t);
            return send(message(Kind.AUTH_OK, authProof(hostPrimitives, secret, Label.TOKEN_PROOF, t)));
          }
          if (m[0] === Kind.SEALED && keys) {
            const plain = unseal(hostPrimitives, keys, Dir.HOST, rxSeq++, m);
            if (!plain) return;
            const a = answers[Math.min(rxSeq - 1, answers.length - 1)];
            const op = echoOp && a.op !== Op.ERROR ? plain[0] | Op.RESPONSE : a.op;
            send(seal(hostPrimitives, keys, Dir.TOKEN, txSeq++, message(op, a.body)));
          }
        });
        await onlyRejects(async () => hostCalls(await HostSession.open(link, secret, { timeoutMs: 20 })), SyncError);
      }),
      params(200),
    );
  });
});
