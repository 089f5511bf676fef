/**
 * AES-128 encryption of one 16-byte block (FIPS 197), ES5, for boards whose firmware lacks
 * require("crypto").AES (all but Puck.js: docs/spec/espruino-platform.md section 3). GAEN only ever encrypts
 * single blocks (RPI = AES(RPIK, PaddedData), AEM keystream = AES(AEMK, RPI)), so there is no mode here.
 * The S-box is computed on first use (smaller than a 256-entry literal, see docs/FIRMWARE-BUILD.md);
 * the last expanded key is kept, so encrypting again with the same key does not expand it again.
 */
import { bytesEqual, u8 } from "../../common/bytes";

let SBOX: Uint8Array | null = null;
/** XTIME[x] = xtime(x): a table lookup is much faster than a function call on Espruino. */
let XTIME: Uint8Array | null = null;
let lastKey: Uint8Array | null = null;
let lastRoundKeys: Uint8Array | null = null;

/** Multiply by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
function xtime(x: number): number {
  return ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;
}

function rotl8(x: number, s: number): number {
  return ((x << s) | (x >> (8 - s))) & 0xff;
}

/** S-box from its definition (multiplicative inverse by walking the generator 3, then the affine map), and XTIME. */
function sbox(): Uint8Array {
  if (!SBOX) {
    const s = u8(256);
    let p = 1;
    let q = 1;
    do {
      p ^= xtime(p); // p * 3
      q ^= q << 1; q ^= q << 2; q ^= q << 4; q &= 0xff; // q / 3
      if (q & 0x80) q ^= 0x09;
      s[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
    } while (p !== 1);
    s[0] = 0x63;
    SBOX = s;
    XTIME = u8(256);
    for (let i = 0; i < 256; i++) XTIME[i] = xtime(i);
  }
  return SBOX;
}

/** The 11 round keys (176 bytes) of a 16-byte key (FIPS 197 section 5.2). */
export function aes128ExpandKey(key: Uint8Array): Uint8Array {
  const s = sbox();
  const w = u8(176);
  w.set(key, 0);
  let rcon = 1;
  for (let i = 16; i < 176; i += 4) {
    let t0 = w[i - 4], t1 = w[i - 3], t2 = w[i - 2], t3 = w[i - 1];
    if ((i & 15) === 0) {
      const r = t0;
      t0 = s[t1] ^ rcon; t1 = s[t2]; t2 = s[t3]; t3 = s[r];
      rcon = xtime(rcon);
    }
    w[i] = w[i - 16] ^ t0; w[i + 1] = w[i - 15] ^ t1; w[i + 2] = w[i - 14] ^ t2; w[i + 3] = w[i - 13] ^ t3;
  }
  return w;
}

/**
 * AES-128 encryption of one block with expanded round keys (FIPS 197 section 5.1). Each round works
 * a column at a time: SubBytes with ShiftRows (row r of column c comes from column c + r), then
 * MixColumns (not in the last round) and AddRoundKey; few statements per byte, as Espruino interprets.
 */
export function aes128EncryptExpanded(roundKeys: Uint8Array, block: Uint8Array): Uint8Array {
  const s = sbox();
  const x = XTIME as Uint8Array;
  let st = u8(16);
  let t = u8(16);
  for (let i = 0; i < 16; i++) st[i] = block[i] ^ roundKeys[i];
  for (let k = 16; k < 176; k += 16) {
    for (let c = 0; c < 16; c += 4) {
      const a0 = s[st[c]], a1 = s[st[(c + 5) & 15]], a2 = s[st[(c + 10) & 15]], a3 = s[st[(c + 15) & 15]];
      if (k < 160) {
        const all = a0 ^ a1 ^ a2 ^ a3;
        t[c] = a0 ^ all ^ x[a0 ^ a1] ^ roundKeys[k + c];
        t[c + 1] = a1 ^ all ^ x[a1 ^ a2] ^ roundKeys[k + c + 1];
        t[c + 2] = a2 ^ all ^ x[a2 ^ a3] ^ roundKeys[k + c + 2];
        t[c + 3] = a3 ^ all ^ x[a3 ^ a0] ^ roundKeys[k + c + 3];
      } else {
        t[c] = a0 ^ roundKeys[k + c];
        t[c + 1] = a1 ^ roundKeys[k + c + 1];
        t[c + 2] = a2 ^ roundKeys[k + c + 2];
        t[c + 3] = a3 ^ roundKeys[k + c + 3];
      }
    }
    const swap = st; st = t; t = swap;
  }
  return st;
}

/** AES-128-ECB of one 16-byte block; re-uses the expanded key when the key is the same as last time. */
export function aes128EncryptBlockPure(key: Uint8Array, block: Uint8Array): Uint8Array {
  if (!lastKey || !lastRoundKeys || !bytesEqual(lastKey, key)) {
    lastRoundKeys = aes128ExpandKey(key);
    lastKey = u8(key);
  }
  return aes128EncryptExpanded(lastRoundKeys, block);
}
