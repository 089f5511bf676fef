/** Byte helpers shared by host, sim and firmware (ES5-safe: no Buffer, no TextEncoder). */


/**
 * A new Uint8Array (of a length, a copy of an array, or over an ArrayBuffer): one short name for the most
 * common expression in the token's code, which keeps the firmware file a few hundred bytes smaller.
 */
export function u8(a: number | ArrayLike<number> | ArrayBufferLike): Uint8Array {
  return new Uint8Array(a as ArrayBufferLike);
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s;
}

/** Parse hex (either case, even length). Throws a TypeError saying what was wrong (never echoing the text: it may be a secret). */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string" || hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("not hex");
  const out = u8(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/** Bytes of an ASCII string (characters 0..255). */
export function asciiBytes(s: string): Uint8Array {
  const out = u8(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Constant-time-ish equality of two byte arrays. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Write a uint32 little-endian at `off`. */
export function writeU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/** Read a uint32 little-endian at `off`. */
export function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16)) + buf[off + 3] * 0x1000000;
}

/** The parts one after another, in a new array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  var n = 0;
  for (var i = 0; i < parts.length; i++) n += parts[i].length;
  var out = u8(n);
  var o = 0;
  for (var j = 0; j < parts.length; j++) {
    out.set(parts[j], o);
    o += parts[j].length;
  }
  return out;
}
