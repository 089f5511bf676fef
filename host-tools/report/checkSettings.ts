/**
 * The owner's settings for `omamori check` (docs/MATCHING.md "check.json"):
 *
 *   $OMAMORI_HOME/check.json (every field optional)
 *   { "keySources":      ["https://.../c19r/440/list.json", "/path/to/zips"],
 *     "publicKeys":      [{ "keyId": "440", "keyVersion": "v1", "publicKey": "<base64 SPKI, PEM, or a PEM file>" }],
 *     "allowUnsigned":   false,
 *     "riskConfig":      "/path/to/risk-config.json",
 *     "contacts":        [{ "name": "...", "phone": "...", "hours": "...", "note": "..." }],
 *     "maxKeyAgeHours":  48,    keys older than this: "could not tell"
 *     "maxSyncAgeHours": 48 }   a last sync older than this: "could not tell"
 *
 * `contacts` are the local consultation centres shown under "what to do next". A setting this
 * version does not know (often a typing mistake: "keySourcs") is refused with the likely name, so
 * a misspelled key source never silently becomes "no key source".
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { closest } from "../base/errors";
import { parsePublicKey, type VerificationKey } from "../keys/exportFile";

export interface Contact {
  name: string;
  phone?: string;
  hours?: string;
  note?: string;
}

export interface CheckSettings {
  /** False when there is no check.json (every setting is then its default). */
  exists: boolean;
  path: string;
  keySources: string[];
  publicKeys: VerificationKey[];
  allowUnsigned: boolean;
  riskConfig?: string;
  contacts: Contact[];
  maxKeyAgeHours: number;
  maxSyncAgeHours: number;
}

const CHECK_SETTINGS_FILE = "check.json";
/** Keys must have been fetched within this many hours for a "no contact" answer. */
const DEFAULT_MAX_KEY_AGE_HOURS = 48;
/** The token must have been synced within this many hours for a "no contact" answer. */
const DEFAULT_MAX_SYNC_AGE_HOURS = 48;
/** Largest accepted age limit: the 14 days a log keeps, plus a day. */
const MAX_AGE_LIMIT_HOURS = 360;

const KNOWN = ["keySources", "publicKeys", "allowUnsigned", "riskConfig", "contacts", "maxKeyAgeHours", "maxSyncAgeHours"];

/** check.json cannot be used; `problem` and `setting` say why (the message says it in English). */
export class CheckSettingsError extends TypeError {
  constructor(
    readonly path: string,
    readonly problem: "not-json" | "not-object" | "unknown-setting" | "bad-value",
    readonly detail: string,
    readonly setting?: string,
    readonly suggestion?: string,
  ) {
    super(`${CHECK_SETTINGS_FILE}: ${detail}`);
    this.name = "CheckSettingsError";
  }
}

export function checkSettingsPath(home: string): string {
  return join(home, CHECK_SETTINGS_FILE);
}

/** The defaults (no check.json). */
export function defaultCheckSettings(home: string): CheckSettings {
  return {
    exists: false, path: checkSettingsPath(home), keySources: [], publicKeys: [], allowUnsigned: false, contacts: [],
    maxKeyAgeHours: DEFAULT_MAX_KEY_AGE_HOURS, maxSyncAgeHours: DEFAULT_MAX_SYNC_AGE_HOURS,
  };
}

/** An age limit in hours, 1..MAX_AGE_LIMIT_HOURS; the message states the range. */
export function checkAgeHours(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 1 || v > MAX_AGE_LIMIT_HOURS) {
    throw new RangeError(`${name} must be a number of hours from 1 to ${MAX_AGE_LIMIT_HOURS}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A publicKey setting: the key itself, or the path of a PEM file (relative to check.json's folder). */
function publicKeyText(v: string, base: string): string {
  if (v.trim().startsWith("-----BEGIN") || v.includes("\n")) return v;
  const file = isAbsolute(v) ? v : join(base, v);
  return /\.(pem|pub|key)$/i.test(v) || existsSync(file) ? readPem(file, v) : v;
}

function readPem(file: string, given: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new TypeError(`cannot read the public key file ${JSON.stringify(given)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Read check.json from the data directory; a missing file gives the defaults. Throws CheckSettingsError. */
export function loadCheckSettings(home: string): CheckSettings {
  const path = checkSettingsPath(home);
  const s = defaultCheckSettings(home);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return s;
    throw e;
  }
  s.exists = true;
  const bad = (setting: string, what: string): never => {
    throw new CheckSettingsError(path, "bad-value", `${setting} ${what}`, setting);
  };
  let o: any;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new CheckSettingsError(path, "not-json", "not valid JSON (" + (e as Error).message + ")");
  }
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new CheckSettingsError(path, "not-object", "must be a JSON object { ... }");
  for (const k of Object.keys(o)) {
    if (KNOWN.includes(k)) continue;
    const guess = closest(k, KNOWN);
    throw new CheckSettingsError(path, "unknown-setting", `unknown setting ${JSON.stringify(k)}` + (guess ? ` (did you mean ${JSON.stringify(guess)}?)` : "") + `; the settings are ${KNOWN.join(", ")}`, k, guess ?? undefined);
  }
  const keySources = o.keySources ?? [];
  if (!Array.isArray(keySources) || !keySources.every((x: unknown) => typeof x === "string" && x.length > 0)) bad("keySources", "must be a list of URLs or paths");
  const pk = o.publicKeys ?? [];
  if (!Array.isArray(pk)) bad("publicKeys", "must be a list");
  const publicKeys = pk.map((k: any, i: number): VerificationKey => {
    if (!k || typeof k.publicKey !== "string") bad("publicKeys", `[${i}] needs publicKey (base64, PEM, or the path of a PEM file)`);
    let key;
    try {
      key = parsePublicKey(publicKeyText(k.publicKey, dirname(path)));
    } catch (e) {
      return bad("publicKeys", `[${i}]: ${(e as Error).message}`);
    }
    const v: VerificationKey = { publicKey: key };
    if (typeof k.keyId === "string") v.keyId = k.keyId;
    if (typeof k.keyVersion === "string") v.keyVersion = k.keyVersion;
    return v;
  });
  const contacts = o.contacts ?? [];
  if (!Array.isArray(contacts) || !contacts.every((c: any) => c && typeof c.name === "string")) bad("contacts", "must be a list of { name, phone?, hours?, note? }");
  if (o.riskConfig !== undefined && typeof o.riskConfig !== "string") bad("riskConfig", "must be a path");
  if (o.allowUnsigned !== undefined && typeof o.allowUnsigned !== "boolean") bad("allowUnsigned", "must be true or false");
  for (const k of ["maxKeyAgeHours", "maxSyncAgeHours"] as const) {
    if (o[k] === undefined) continue;
    try {
      s[k] = checkAgeHours(k, o[k]);
    } catch (e) {
      throw new CheckSettingsError(path, "bad-value", (e as Error).message, k);
    }
  }
  s.keySources = keySources;
  s.publicKeys = publicKeys;
  s.allowUnsigned = o.allowUnsigned === true;
  s.contacts = contacts;
  if (o.riskConfig) s.riskConfig = o.riskConfig;
  return s;
}
