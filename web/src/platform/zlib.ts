/** `node:zlib` in the browser bundle: only crc32 (zip entries are inflated by fflate). */
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}
/** CRC-32 (ISO-HDLC, as zip uses and node:zlib crc32 returns), unsigned. */
export function crc32(data: Uint8Array | string, value = 0): number {
  const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let c = ~value;
  for (let i = 0; i < b.length; i++) c = TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
export default { crc32 };
