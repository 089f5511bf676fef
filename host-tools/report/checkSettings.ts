/**
 * The owner's settings for `omamori check` (docs/MATCHING.md "check.json"):
 *
 *   $OMAMORI_HOME/check.json (optional; every field optional)
 *   { "keySources":  ["https://.../c19r/440/list.json", "/path/to/zips"],
 *     "publicKeys":  [{ "keyId": "440", "keyVersion": "v1", "publicKey": "<base64 SPKI or PEM>" }],
 *     "allowUnsigned": false,
 *     "riskConfig":  "/path/to/risk-config.json",
 *     "contacts":    [{ "name": "...", "phone": "...", "hours": "...", "note": "..." }] }
 *
 * `contacts` are the local consultation centres shown under "what to do next".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePublicKey, type VerificationKey } from "../keys/exportFile";

export interface Contact {
  name: string;
  phone?: string;
  hours?: string;
  note?: string;
}

export interface CheckSettings {
  keySources: string[];
  publicKeys: VerificationKey[];
  allowUnsigned: boolean;
  riskConfig?: string;
  contacts: Contact[];
}

export const CHECK_SETTINGS_FILE = "check.json";

function fail(msg: string): never {
  throw new TypeError(`${CHECK_SETTINGS_FILE}: ${msg}`);
}

/** Read check.json from the data directory; a missing file gives empty settings. */
export function loadCheckSettings(home: string): CheckSettings {
  let text: string;
  try {
    text = readFileSync(join(home, CHECK_SETTINGS_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { keySources: [], publicKeys: [], allowUnsigned: false, contacts: [] };
    throw e;
  }
  let o: any;
  try {
    o = JSON.parse(text);
  } catch (e) {
    fail("not valid JSON (" + (e as Error).message + ")");
  }
  if (!o || typeof o !== "object") fail("must be a JSON object");
  const keySources = o.keySources ?? [];
  if (!Array.isArray(keySources) || !keySources.every((s: unknown) => typeof s === "string")) fail("keySources must be a list of URLs or paths");
  const pk = o.publicKeys ?? [];
  if (!Array.isArray(pk)) fail("publicKeys must be a list");
  const publicKeys = pk.map((k: any, i: number): VerificationKey => {
    if (!k || typeof k.publicKey !== "string") fail(`publicKeys[${i}] needs publicKey (base64 or PEM)`);
    let key;
    try {
      key = parsePublicKey(k.publicKey);
    } catch (e) {
      fail(`publicKeys[${i}]: ${(e as Error).message}`);
    }
    const v: VerificationKey = { publicKey: key };
    if (typeof k.keyId === "string") v.keyId = k.keyId;
    if (typeof k.keyVersion === "string") v.keyVersion = k.keyVersion;
    return v;
  });
  const contacts = o.contacts ?? [];
  if (!Array.isArray(contacts) || !contacts.every((c: any) => c && typeof c.name === "string")) fail("contacts must be a list of { name, phone?, hours?, note? }");
  if (o.riskConfig !== undefined && typeof o.riskConfig !== "string") fail("riskConfig must be a path");
  const s: CheckSettings = { keySources, publicKeys, allowUnsigned: o.allowUnsigned === true, contacts };
  if (o.riskConfig) s.riskConfig = o.riskConfig;
  return s;
}
