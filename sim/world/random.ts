/**
 * The simulator's seeded random numbers: one seed fixes every random choice of a run.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, PractRand-clean, 128-bit state),
 * seeded through splitmix32 from a 32-bit hash of the seed text. `fork(label)` derives an
 * independent stream for one purpose (a device, the radio channel), so adding a device to a
 * scenario does not change the random choices of the others.
 * Not cryptographic: simulated devices draw their TEKs from here so that runs replay exactly.
 */

/** 32-bit FNV-1a hash of a string (seed text, fork labels). */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Random {
  /** The seed text this stream was made from (forks append "/label"). */
  readonly seed: string;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: string | number) {
    if (typeof seed !== "string" && !(typeof seed === "number" && Number.isFinite(seed))) {
      throw new TypeError("seed must be a string or a finite number, got " + String(seed));
    }
    this.seed = String(seed);
    const st = { s: hash32(this.seed) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    for (let i = 0; i < 12; i++) this.nextU32(); // warm-up
  }

  /** An independent stream for one purpose; the same (seed, label) always gives the same stream. */
  fork(label: string): Random {
    return new Random(this.seed + "/" + label);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError("uniform needs min <= max, got " + min + ", " + max);
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError("int needs integers min <= max, got " + min + ", " + max);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}
