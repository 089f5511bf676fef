/**
 * X25519 (RFC 7748) in ES5 for Espruino, the key agreement of pairing (docs/SECURITY.md "Pairing").
 *
 * Field elements mod p = 2^255 - 19 are 16 limbs of 16 bits in a Float64Array (TweetNaCl's layout).
 * A product's 16 output limbs are each one call of Espruino's E.convolve (a dot product in C, src/
 * jswrap_espruino.c, exact in doubles here: every term stays below 2^46) over `a` and a 32-entry
 * table of `b` reversed then times 38 (2^256 = 38 mod p): 5 times faster than the 256 multiply-adds in
 * JavaScript on Espruino's interpreter. The Montgomery ladder is RFC 7748's (TweetNaCl's order of
 * operations), its conditional swap a choice of array element, never a branch on a key bit.
 *
 * A scalar multiplication takes seconds of CPU on Espruino's interpreter on a PC and minutes on a
 * 64 MHz nRF52, so the token runs it in slices (x25519Start): one step (one field operation, or a
 * few while under SLICE_S) per timer callback, the rest of the token (adverts, scans, the button)
 * runs between them. x25519() runs the same steps at once (tests, the vectors).
 */
import { u8 } from "../../common/bytes";

/** Longest run of steps in one timer callback, seconds. */
const enum X {
  SLICE_S = 0.02,
}

/** The ladder's registers a b c d e f x, then the inversion's input (TweetNaCl's names). */
var R: Float64Array[] | null = null;
var T: Float64Array;
var B: Float64Array;
/** The clamped scalar, the bit the ladder is at (254..0; then the inversion's 253..0), the step within it. */
var K: Uint8Array;
var bit = 0;
var pc = 0;
var swapped = 0;
var inverting = 0;
var whenDone: ((out: Uint8Array) => void) | null = null;

/**
 * One ladder step: per operation its kind (+ add, - subtract, * multiply, k times 121665) and the
 * registers out, in1, in2 (0..6 = a b c d e f x), RFC 7748 section 5 in TweetNaCl's order.
 */
var LADDER = "+402-002+213-113*344*500*020*214+402-002*100-235k020+003*220*035*316*144";

function gf(): Float64Array {
  return new Float64Array(16);
}

/** o = a * b mod p, limbs carried to 16 bits (limb 1 a little above). o may be a or b. */
function mul(o: Float64Array, a: Float64Array, b: Float64Array): void {
  var i, v, c = 0;
  for (i = 0; i < 16; i++) {
    v = b[15 - i];
    B[i] = v;
    B[i + 16] = 38 * v;
  }
  // output limb i = sum over j <= i of a[j] b[i-j] + 38 * sum over j > i of a[j] b[16+i-j]
  for (i = 0; i < 16; i++) {
    v = E.convolve(a, B, 15 - i) + c;
    c = Math.floor(v / 65536);
    T[i] = v - c * 65536;
  }
  carryTop(c);
  o.set(T);
}

/** T[0] += 38 * (the carry out of limb 15), carried once more into limb 1. */
function carryTop(c: number): void {
  var v = T[0] + 38 * c;
  c = Math.floor(v / 65536);
  T[0] = v - c * 65536;
  T[1] += c;
}

/** o = a * 121665 ((486662 - 2) / 4, RFC 7748 a24) mod p. */
function mul24(o: Float64Array, a: Float64Array): void {
  var v, c = 0;
  for (var i = 0; i < 16; i++) {
    v = a[i] * 121665 + c;
    c = Math.floor(v / 65536);
    T[i] = v - c * 65536;
  }
  carryTop(c);
  o.set(T);
}

/** o = a + s * b (s = 1 or -1), limb by limb (no carry: limbs stay small enough for mul). */
function add(o: Float64Array, a: Float64Array, b: Float64Array, s: number): void {
  for (var i = 0; i < 16; i++) o[i] = a[i] + s * b[i];
}

/** Swap registers a<->b and c<->d when `s` is 1, as a choice of array element (no branch on s). */
function cswap(s: number): void {
  var r = R!;
  var p = [r[0], r[1], r[2], r[3]];
  r[0] = p[s];
  r[1] = p[1 - s];
  r[2] = p[2 + s];
  r[3] = p[3 - s];
}

/** Starts a scalar multiplication: scalar k (32 bytes, clamped here), u-coordinate u (32 bytes; null: 9, the base point). */
function init(k: Uint8Array, u: Uint8Array | null): void {
  K = u8(32);
  K.set(k);
  K[0] &= 248;
  K[31] = (K[31] & 127) | 64;
  R = [gf(), gf(), gf(), gf(), gf(), gf(), gf(), gf()];
  T = gf();
  B = new Float64Array(32);
  if (u) for (var i = 0; i < 16; i++) R[6][i] = (u[2 * i] + (u[2 * i + 1] << 8)) & (i < 15 ? 65535 : 32767);
  else R[6][0] = 9;
  R[1].set(R[6]);
  R[0][0] = R[3][0] = 1;
  bit = 254;
  pc = swapped = inverting = 0;
}

/** One step of the computation; true when the result is ready (then R[0] holds x2 / z2). */
function step(): boolean {
  var r = R!;
  if (inverting) {
    // z2^(p-2) (TweetNaCl inv25519): square, and multiply by z2 except at bits 2 and 4
    if (pc) mul(r[2], r[2], r[7]);
    else mul(r[2], r[2], r[2]);
    pc = !pc && bit !== 2 && bit !== 4 ? 1 : 0;
    if (!pc && --bit < 0) {
      mul(r[0], r[0], r[2]);
      return true;
    }
    return false;
  }
  if (!pc) {
    var s = (K[bit >>> 3] >>> (bit & 7)) & 1;
    cswap(swapped ^ s);
    swapped = s;
  }
  var o = LADDER.substr(4 * pc, 4);
  var d = r[o.charCodeAt(1) - 48];
  var a = r[o.charCodeAt(2) - 48];
  if (o[0] === "*") mul(d, a, r[o.charCodeAt(3) - 48]);
  else if (o[0] === "k") mul24(d, a);
  else add(d, a, r[o.charCodeAt(3) - 48], o[0] === "+" ? 1 : -1);
  if (++pc === 18) {
    pc = 0;
    if (--bit < 0) {
      cswap(swapped);
      r[7].set(r[2]);
      bit = 253;
      inverting = 1;
    }
  }
  return false;
}

/** The result in bytes (RFC 7748 encodeUCoordinate: fully reduced mod p), and the state let go. */
function result(): Uint8Array {
  var t = R![0];
  var m = gf();
  var i, j, c;
  for (j = 0; j < 3; j++) {
    for (i = 0; i < 16; i++) {
      c = Math.floor(t[i] / 65536);
      t[i] -= c * 65536;
      if (i < 15) t[i + 1] += c;
      else t[0] += 38 * c;
    }
  }
  // now 0 <= t < 2^256: subtract p twice where it does not go negative (TweetNaCl pack25519)
  for (j = 0; j < 2; j++) {
    m[0] = t[0] - 0xffed;
    for (i = 1; i < 15; i++) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    c = (m[15] >> 16) & 1;
    m[14] &= 0xffff;
    t = [m, t][c];
    m = gf();
  }
  var out = u8(32);
  for (i = 0; i < 16; i++) {
    out[2 * i] = t[i] & 255;
    out[2 * i + 1] = t[i] >> 8;
  }
  R = T = B = null as any;
  return out;
}

/** X25519(k, u) at once (RFC 7748 section 5): 32-byte scalar and u-coordinate (null: the base point 9), 32-byte result. */
export function x25519(k: Uint8Array, u: Uint8Array | null): Uint8Array {
  init(k, u);
  while (!step());
  return result();
}

function slice(): void {
  var t = getTime();
  while (getTime() - t < X.SLICE_S) {
    if (step()) {
      var f = whenDone!;
      whenDone = null;
      return f(result());
    }
  }
  setTimeout(slice, 0);
}

/**
 * X25519(k, u) in the background, in slices; done(result) when it is ready. One computation at a time:
 * a new start abandons the one running.
 */
export function x25519Start(k: Uint8Array, u: Uint8Array | null, done: (out: Uint8Array) => void): void {
  var running = !!whenDone;
  init(k, u);
  whenDone = done;
  if (!running) setTimeout(slice, 0);
}
