/**
 * The token's X25519 (firmware/crypto/x25519.ts) against RFC 7748 section 5.2's test vectors (the two
 * single scalar multiplications, the 1 and 1,000 iterations) and section 6.1's Diffie-Hellman example,
 * and against @noble/curves on random scalars and points: built by the firmware's own pipeline for each
 * board (tsc, esbuild, the Espruino gate, pretokenising) and booted on the simulator's Espruino runtime,
 * and the TypeScript module itself in Node (given E.convolve as Espruino defines it) for the long
 * iteration vector and many random inputs.
 */
import { expect } from "chai";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { allBoards } from "../../boards/index";
import { fromHex, toHex } from "../../common/bytes";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleBoard, TSC_OUT } from "../../scripts/build-firmware";
import { loadBoard } from "../../boards/index";
import { bootToken, builtFirmware } from "./builtFile";

/** RFC 7748 section 5.2: scalar, u-coordinate, result. */
const RFC_SINGLE = [
  ["a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"],
  ["4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493", "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"],
];
/** RFC 7748 section 5.2: k = u = 9, then (k, u) = (X25519(k, u), k): after 1 and after 1,000 iterations. */
const RFC_ITER_1 = "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079";
const RFC_ITER_1000 = "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51";
/** RFC 7748 section 6.1: Alice's and Bob's private and public keys, and the shared secret. */
const DH = {
  alicePriv: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  alicePub: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  bobPriv: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
  bobPub: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  shared: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
};

function nine(): Uint8Array {
  const b = new Uint8Array(32);
  b[0] = 9;
  return b;
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * firmware/crypto/x25519.ts as the build makes it for a board (from the build's tsc output: `npm test`
 * builds first), booted on the simulator's Espruino runtime: its X25519 on hex.
 */
async function tokenX25519(boardId: string) {
  builtFirmware(boardId);
  const entry = join(TSC_OUT, "x25519-test-entry.js");
  if (!existsSync(join(TSC_OUT, "firmware", "crypto", "x25519.js"))) throw new Error("build/firmware-tsc has no x25519.js: run npm run build");
  writeFileSync(entry, 'import { x25519 } from "./firmware/crypto/x25519.js";\nOmamori = { crypto: { x25519: x25519 } };\n');
  const build = await bundleBoard(loadBoard(boardId), "0.0.0", entry);
  expect(build.problems.filter((p) => p.level === "error"), "the Espruino gate").to.deep.equal([]);
  const esp = bootToken(boardId, build.file);
  return (k: Uint8Array, u: Uint8Array | null): string => toHex(esp.crypto.x25519(esp.bytes(k), u ? esp.bytes(u) : null));
}

// the same code on every board (no built-in crypto is involved): the whole set on one, one vector on the others
for (const board of allBoards().filter((b) => b.id !== "puckjs")) {
  it("X25519 built for " + board.name + " gives RFC 7748's first result", async () => {
    expect((await tokenX25519(board.id))(fromHex(RFC_SINGLE[0][0]), fromHex(RFC_SINGLE[0][1]))).to.equal(RFC_SINGLE[0][2]);
  });
}

{
  describe("X25519 built for Puck.js", () => {
    let x: (k: Uint8Array, u: Uint8Array | null) => string;
    before(async () => {
      x = await tokenX25519("puckjs");
    });

    it("gives RFC 7748's results for its two scalar multiplications and the first iteration", () => {
      for (const [k, u, want] of RFC_SINGLE) expect(x(fromHex(k), fromHex(u))).to.equal(want);
      expect(x(nine(), nine())).to.equal(RFC_ITER_1);
    });

    it("agrees on RFC 7748's Diffie-Hellman example: both public keys and the shared secret", () => {
      expect(x(fromHex(DH.alicePriv), null)).to.equal(DH.alicePub);
      expect(x(fromHex(DH.bobPriv), null)).to.equal(DH.bobPub);
      expect(x(fromHex(DH.alicePriv), fromHex(DH.bobPub))).to.equal(DH.shared);
      expect(x(fromHex(DH.bobPriv), fromHex(DH.alicePub))).to.equal(DH.shared);
    });

    it("agrees with @noble/curves on random scalars and points (the top bit of u set too)", () => {
      for (let n = 0; n < 2; n++) {
        const k = randomBytes(32);
        const u = randomBytes(32);
        expect(x(k, u), "k " + toHex(k) + " u " + toHex(u)).to.equal(toHex(nobleX25519.scalarMult(k, u)));
        expect(x(k, null)).to.equal(toHex(nobleX25519.getPublicKey(k)));
      }
    });
  });
}

describe("X25519 module (firmware/crypto/x25519.ts) in Node, with E.convolve as Espruino defines it", () => {
  let x25519: (k: Uint8Array, u: Uint8Array | null) => Uint8Array;
  before(async () => {
    // jswrap_espruino_convolve: sum of a[i] * b[(i + offset) % b.length], in doubles
    (globalThis as any).E = {
      convolve(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number {
        const l = b.length;
        let off = offset % l;
        if (off < 0) off += l;
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * b[(i + off) % l];
        return s;
      },
    };
    x25519 = (await import("../../firmware/crypto/x25519")).x25519;
  });
  after(() => {
    delete (globalThis as any).E;
  });

  it("reaches RFC 7748's result after 1,000 iterations", function () {
    this.timeout(120000);
    let k = nine();
    let u = nine();
    for (let i = 0; i < 1000; i++) {
      const r = x25519(k, u);
      u = k;
      k = r;
      if (i === 0) expect(toHex(k)).to.equal(RFC_ITER_1);
    }
    expect(toHex(k)).to.equal(RFC_ITER_1000);
  });

  it("agrees with @noble/curves on 200 random scalars and points, and on extreme limbs", function () {
    this.timeout(120000);
    const cases: [Uint8Array, Uint8Array][] = [];
    for (let n = 0; n < 200; n++) cases.push([randomBytes(32), randomBytes(32)]);
    // u = p - 1 and p (low order: the result is zero), 2^255 - 1 (non-canonical), zero; scalars of all ones
    const ff = new Uint8Array(32).fill(0xff);
    const pMinus1 = fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    const p = fromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    for (const u of [pMinus1, p, ff, new Uint8Array(32)]) cases.push([ff, u], [randomBytes(32), u]);
    let zeros = 0;
    for (const [k, u] of cases) {
      let want: string;
      try {
        want = toHex(nobleX25519.scalarMult(k, u));
      } catch {
        // noble refuses an all-zero result (a low-order point); the token returns it and its caller refuses it
        want = "00".repeat(32);
        zeros++;
      }
      expect(toHex(x25519(k, u)), "k " + toHex(k) + " u " + toHex(u)).to.equal(want);
    }
    expect(zeros, "u = 0, p - 1 and p give the all-zero result").to.equal(6);
  });
});
