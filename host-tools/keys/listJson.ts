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

/** Parse list.json text; `base` resolves relative URLs. Throws ExportFormatError naming the first problem. */
export function parseListJson(text: string, base?: string): ListEntry[] {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new ExportFormatError("list.json is not valid JSON (" + (e as Error).message + ")");
  }
  if (!Array.isArray(o)) throw new ExportFormatError("list.json must be a JSON array of {region, url, created}");
  return o.map((e: any, i: number) => {
    if (!e || typeof e !== "object") throw new ExportFormatError(`list.json entry ${i} is not an object`);
    if (typeof e.url !== "string" || e.url === "") throw new ExportFormatError(`list.json entry ${i} has no url`);
    if (typeof e.created !== "number" || !Number.isFinite(e.created) || e.created < 0) {
      throw new ExportFormatError(`list.json entry ${i}: created must be Unix milliseconds`);
    }
    if (typeof e.region !== "string" && typeof e.region !== "number") throw new ExportFormatError(`list.json entry ${i} has no region`);
    let url = e.url;
    if (base) {
      try {
        url = new URL(e.url, base).toString();
      } catch {
        throw new ExportFormatError(`list.json entry ${i}: bad url ${JSON.stringify(e.url)}`);
      }
    }
    return { region: String(e.region), url, created: e.created };
  });
}
