/** `node:zlib` in the browser bundle: crc32 and raw inflation. */
import { Buffer } from "buffer";
import { Inflate } from "fflate";
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

/**
 * Raw DEFLATE inflation (host-tools/keys/exportFile.ts inflates zip entries with it), by fflate's
 * streaming Inflate; beyond `maxOutputLength` it stops at once with Node's ERR_BUFFER_TOO_LARGE.
 */
export function inflateRawSync(data: Uint8Array, o: { maxOutputLength?: number } = {}): Buffer {
  const max = o.maxOutputLength ?? Infinity;
  const parts: Uint8Array[] = [];
  let n = 0;
  const tooLarge = Object.assign(new RangeError("Cannot create a Buffer larger than " + max + " bytes"), { code: "ERR_BUFFER_TOO_LARGE" });
  const inf = new Inflate((chunk) => {
    n += chunk.length;
    if (n > max) throw tooLarge;
    parts.push(chunk);
  });
  inf.push(data, true);
  return Buffer.concat(parts);
}

export default { crc32, inflateRawSync };
