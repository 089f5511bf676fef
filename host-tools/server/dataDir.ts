/**
 * The server's data directory: created once by `omamori server init`, read by every other
 * server command.
 *
 *   server.json         settings (region, key id/version, keys per file, public URL)
 *   signing-key.pem     ECDSA P-256 private key that signs export.bin (docs/spec/gaen-protocol.md section 4), mode 0600
 *   public-key.pem      its public key, to give to clients with the key id and version
 *   number-secret       32 random bytes: the HMAC key under which processing numbers are stored
 *   omamori.sqlite      database (see store.ts)
 *   public/             the published static directory (c19r/440/list.json and the zips)
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULTS, REGION, VERIFICATION_KEY_ID, VERIFICATION_KEY_VERSION } from "./settings";

export interface ServerSettings {
  region: string;
  keyId: string;
  keyVersion: string;
  maxKeysPerFile: number;
  /**
   * Base URL of the published directory as clients reach it (e.g. the CDN), written into
   * list.json. Unset: `serve` uses its own address, and `publish` needs --public-url.
   */
  publicUrl?: string;
}

export interface DataDir {
  dir: string;
  settings: ServerSettings;
  signingKey: KeyObject;
  publicKey: KeyObject;
  numberSecret: Uint8Array;
  databasePath: string;
  publicDir: string;
}

/** What a client needs to verify exports: printed by init. */
export interface PublicKeyInfo {
  keyId: string;
  keyVersion: string;
  algorithm: string;
  spkiBase64: string;
  pem: string;
}

const SETTINGS_FILE = "server.json";
const SIGNING_KEY_FILE = "signing-key.pem";
const PUBLIC_KEY_FILE = "public-key.pem";
const SECRET_FILE = "number-secret";

/** Thrown when a data directory is missing or broken; the message says what to do. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

export interface InitOptions {
  publicUrl?: string;
  maxKeysPerFile?: number;
}

/**
 * Creates the data directory with a new signing key and number secret. Never overwrites:
 * an existing directory is returned as it is, with `created: false`.
 */
export function initDataDir(dir: string, options: InitOptions = {}): { dataDir: DataDir; created: boolean } {
  const root = resolve(dir);
  if (existsSync(join(root, SETTINGS_FILE))) return { dataDir: openDataDir(root), created: false };
  const settings: ServerSettings = {
    region: REGION,
    keyId: VERIFICATION_KEY_ID,
    keyVersion: VERIFICATION_KEY_VERSION,
    maxKeysPerFile: options.maxKeysPerFile ?? DEFAULTS.maxKeysPerFile,
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
  };
  checkSettings(settings);
  mkdirSync(join(root, "public"), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  writeFileSync(join(root, SIGNING_KEY_FILE), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(join(root, PUBLIC_KEY_FILE), publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(root, SECRET_FILE), randomBytes(32), { mode: 0o600 });
  // Settings last: their presence marks a complete directory.
  writeFileSync(join(root, SETTINGS_FILE), JSON.stringify(settings, null, 2) + "\n");
  return { dataDir: openDataDir(root), created: true };
}

/** Opens an initialised data directory, or explains how to create one. */
export function openDataDir(dir: string): DataDir {
  const root = resolve(dir);
  const settingsPath = join(root, SETTINGS_FILE);
  if (!existsSync(settingsPath)) {
    throw new DataDirError(`no server data in ${root}; create it first with: npx omamori server init --data ${dir}`);
  }
  let settings: ServerSettings;
  try {
    settings = JSON.parse(readFileSync(settingsPath, "utf8")) as ServerSettings;
  } catch (e) {
    throw new DataDirError(`${settingsPath} is not valid JSON: ${(e as Error).message}`);
  }
  checkSettings(settings);
  const signingKey = createPrivateKey(readFileSync(join(root, SIGNING_KEY_FILE)));
  const numberSecret = new Uint8Array(readFileSync(join(root, SECRET_FILE)));
  if (numberSecret.length !== 32) throw new DataDirError(`${join(root, SECRET_FILE)} must hold 32 bytes`);
  const publicDir = join(root, "public");
  mkdirSync(publicDir, { recursive: true });
  return {
    dir: root,
    settings,
    signingKey,
    publicKey: createPublicKey(signingKey),
    numberSecret,
    databasePath: join(root, "omamori.sqlite"),
    publicDir,
  };
}

/** The public key in the forms clients are configured with. */
export function publicKeyInfo(d: DataDir): PublicKeyInfo {
  const der = d.publicKey.export({ type: "spki", format: "der" });
  return {
    keyId: d.settings.keyId,
    keyVersion: d.settings.keyVersion,
    algorithm: "1.2.840.10045.4.3.2 (ECDSA P-256 with SHA-256)",
    spkiBase64: der.toString("base64"),
    pem: String(d.publicKey.export({ type: "spki", format: "pem" })),
  };
}

function checkSettings(s: ServerSettings): void {
  if (!Number.isInteger(s.maxKeysPerFile) || s.maxKeysPerFile < 1) {
    throw new DataDirError(`maxKeysPerFile must be a whole number of at least 1, got ${s.maxKeysPerFile}`);
  }
  if (s.publicUrl !== undefined) checkPublicUrl(s.publicUrl);
  for (const k of ["region", "keyId", "keyVersion"] as const) {
    if (typeof s[k] !== "string" || s[k].length === 0) throw new DataDirError(`${k} must be a non-empty string`);
  }
}

/** Throws DataDirError unless `url` is an http(s) URL without spaces. */
export function checkPublicUrl(url: unknown): asserts url is string {
  if (typeof url !== "string" || !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) {
    throw new DataDirError(`the public URL must be an http(s) URL such as https://cdn.example.jp, got ${JSON.stringify(url)}`);
  }
}
