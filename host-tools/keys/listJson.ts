/**
 * COCOA's index of export files (docs/spec/gaen-protocol.md section 6):
 *   list.json = [ { "region": "440", "url": "<...>/c19r/440/<batchNum>.zip", "created": <Unix ms> } ]
 * `region` may be a string or (as COCOA's client parsed it) a number; `created` is milliseconds.
 */
import { ExportFormatError } from "./exportFile";

export interface ListEntry {
  region: string;
  url: string;
  created: number;
}

/** list.json as read: the usable entries, and one plain line for each entry that was skipped. */
export interface ParsedList {
  entries: ListEntry[];
  problems: string[];
}

/**
 * Parse list.json text; `base` resolves relative URLs. A list that is not a JSON array throws
 * ExportFormatError; a malformed entry is skipped and named in `problems`, so one bad entry never
 * hides the others.
 */
export function parseListJson(text: string, base?: string): ParsedList {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new ExportFormatError("list.json is not valid JSON (" + (e as Error).message + ")");
  }
  if (!Array.isArray(o)) throw new ExportFormatError("list.json must be a JSON array of {region, url, created}");
  const entries: ListEntry[] = [];
  const problems: string[] = [];
  o.forEach((e: any, i: number) => {
    const skip = (why: string) => void problems.push(`list.json entry ${i} skipped: ${why}`);
    if (!e || typeof e !== "object" || Array.isArray(e)) return skip("not an object");
    if (typeof e.url !== "string" || e.url === "") return skip("no url");
    if (typeof e.created !== "number" || !Number.isSafeInteger(e.created) || e.created < 0) return skip("created must be Unix milliseconds");
    if (typeof e.region !== "string" && typeof e.region !== "number") return skip("no region");
    let url = e.url;
    if (base) {
      try {
        url = new URL(e.url, base).toString();
      } catch {
        return skip(`bad url ${JSON.stringify(String(e.url).slice(0, 100))}`);
      }
    }
    entries.push({ region: String(e.region), url, created: e.created });
  });
  return { entries, problems };
}
