/** Random bytes from the hardware RNG (E.hwRand: the nRF SoftDevice TRNG, docs/spec/espruino-platform.md section 2). */
export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let r = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 3) === 0) r = E.hwRand();
    b[i] = (r >>> ((i & 3) * 8)) & 255;
  }
  return b;
}

/** A uniformly random integer 0 .. n-1 (n <= 2^32). */
export function randomBelow(n: number): number {
  return Math.floor(((E.hwRand() >>> 0) / 4294967296) * n);
}
