/**
 * The central directory of a zip file (PKWARE APPNOTE section 4.3.12 and 4.3.16): the list of
 * entries with their CRC-32 and sizes, which fflate's streaming Unzip does not check. The export
 * reader (exportFile.ts) inflates each entry with fflate and then compares what came out with
 * this directory: same names, same sizes, same CRC-32 (node:zlib's crc32).
 *
 * Only what an export needs: one disk, no ZIP64 (an export is at most 16 MB), no encryption.
 * Every problem throws ExportFormatError with a plain message.
 */
import { ExportFormatError } from "./exportFile";

export interface ZipDirectoryEntry {
  name: string;
  /** General-purpose flags (bit 0 = encrypted, bit 3 = sizes in a data descriptor). */
  flags: number;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
/** No export needs more; a directory claiming more is refused before it is walked. */
const MAX_ENTRIES = 64;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}

function damaged(what: string): ExportFormatError {
  return new ExportFormatError(`the zip file is damaged or truncated (${what})`);
}

/** The entries of the zip's central directory, in order. */
export function readZipDirectory(zip: Uint8Array): ZipDirectoryEntry[] {
  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535.
  let eocd = -1;
  for (let o = zip.length - EOCD_BYTES; o >= 0 && o >= zip.length - EOCD_BYTES - 0xffff; o--) {
    if (u32(zip, o) === EOCD_SIGNATURE && o + EOCD_BYTES + u16(zip, o + 20) === zip.length) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw damaged("no end of central directory");
  const disk = u16(zip, eocd + 4);
  const cdDisk = u16(zip, eocd + 6);
  const onDisk = u16(zip, eocd + 8);
  const total = u16(zip, eocd + 10);
  const cdSize = u32(zip, eocd + 12);
  const cdOffset = u32(zip, eocd + 16);
  if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ExportFormatError("the zip uses ZIP64, which no export needs");
  if (disk !== 0 || cdDisk !== 0 || onDisk !== total) throw new ExportFormatError("the zip spans several disks");
  if (total > MAX_ENTRIES) throw new ExportFormatError(`the zip lists ${total} entries; an export has 2`);
  if (cdOffset + cdSize > eocd) throw damaged("central directory out of bounds");
  const entries: ZipDirectoryEntry[] = [];
  let o = cdOffset;
  for (let i = 0; i < total; i++) {
    if (o + CENTRAL_BYTES > cdOffset + cdSize || u32(zip, o) !== CENTRAL_SIGNATURE) throw damaged(`central directory entry ${i}`);
    const nameLength = u16(zip, o + 28);
    const extraLength = u16(zip, o + 30);
    const commentLength = u16(zip, o + 32);
    const end = o + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize) throw damaged(`central directory entry ${i} runs past the directory`);
    const entry: ZipDirectoryEntry = {
      name: new TextDecoder("utf-8", { fatal: false }).decode(zip.subarray(o + CENTRAL_BYTES, o + CENTRAL_BYTES + nameLength)),
      flags: u16(zip, o + 8),
      method: u16(zip, o + 10),
      crc32: u32(zip, o + 16),
      compressedSize: u32(zip, o + 20),
      size: u32(zip, o + 24),
      localHeaderOffset: u32(zip, o + 42),
    };
    if (entry.localHeaderOffset >= cdOffset) throw damaged(`entry "${entry.name}" starts inside the central directory`);
    entries.push(entry);
    o = end;
  }
  return entries;
}
