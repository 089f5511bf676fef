/**
 * Sync protocol byte formats (docs/FORMATS.md "Sync messages"), defined once for the token (firmware/sync/) and the host
 * (host-tools/sync/). ES5-safe: compiled into the firmware. Documented in docs/FORMATS.md
 * ("Sync messages"); the security reasoning is in docs/SECURITY.md.
 *
 * Layers, bottom up:
 *  1. GATT: the host writes to SYNC_RX_UUID, the token notifies on SYNC_TX_UUID.
 *  2. Fragments: one GATT value = [header][bytes]; header 0x80 = more fragments follow, 0x00 = last.
 *     A message is cut into fragments of at most `fragSize` bytes (ATT MTU - 3, told by the host).
 *  3. Messages: first byte = kind. Before authentication: HELLO, CHALLENGE, AUTH, AUTH_OK, PAIR,
 *     PAIRED, ERROR in clear. After: SEALED = [0x40][seq u32 LE][AES-128-CTR ciphertext][tag 16],
 *     tag = HMAC-SHA256(macKey, dir | seq | ciphertext)[0..16] (encrypt-then-MAC). CTR counter
 *     blocks are explicit: [0x01][dir][seq u32 LE][0 x 8][block number u16 BE, from 1] (never
 *     Espruino's built-in CTR, which ignores the IV: docs/spec/espruino-platform.md section 3). That is AES-CCM's
 *     counter block for the 13-byte nonce dir|seq|0x8, so Bangle.js 2 makes the keystream with its
 *     native AES.ccmEncrypt (firmware/crypto/ctr.ts, the same helper as the at-rest log).
 *  4. Requests/responses inside SEALED: [op][body]; a response op is the request op | 0x80.
 * All integers little-endian unless noted.
 */
import { asciiBytes, bytesEqual, concat, readU32LE, writeU32LE, u8 } from "../bytes";

export { concat };

/*
 * Every constant is a `const enum`: tsc writes the values into the firmware as literals and the
 * declarations vanish (as espruino/BangleApps apps/btadv/app.ts does), keeping the Puck.js bundle small.
 */

/** 128-bit UUIDs of the sync GATT service (no registered 16-bit UUID is used). */
export const enum Uuid {
  SERVICE = "a3c81000-5e2b-4d0a-9f1c-6f6d616d6f72",
  /** host -> token, write with response */
  RX = "a3c81001-5e2b-4d0a-9f1c-6f6d616d6f72",
  /** token -> host, notify */
  TX = "a3c81002-5e2b-4d0a-9f1c-6f6d616d6f72",
}

export const enum Size {
  /** Protocol version in HELLO and CHALLENGE (bound into both proofs with the rest of the handshake). */
  VERSION = 2,
  /** Largest fragment (ATT MTU 247 - 3) and smallest (ATT MTU 23 - 3). */
  MAX_FRAG = 244,
  MIN_FRAG = 20,
  /** Largest reassembled message either side accepts (guards the token's RAM). */
  MAX_MESSAGE = 4200,
  NONCE = 16,
  SECRET = 32,
  TAG = 16,
  /** Bytes a SEALED message adds around its plaintext: kind + seq + tag. */
  SEAL_OVERHEAD = 21,
  /** One daily key in a KEYS response: tek 16 + rollingStart 4 + rollingPeriod 1. */
  KEY_RECORD = 21,
}

/** Message kinds (first byte of a message). */
export const enum Kind {
  HELLO = 0x01,
  CHALLENGE = 0x02,
  AUTH = 0x03,
  AUTH_OK = 0x04,
  PAIR = 0x05,
  PAIRED = 0x06,
  SEALED = 0x40,
  ERROR = 0x7f,
}

/** Operations inside SEALED (host requests; the token answers with op | RESPONSE, or ERROR). */
export const enum Op {
  STATUS = 0x10,
  SET_CLOCK = 0x11,
  READ_LOG = 0x12,
  READ_KEYS = 0x13,
  SET_ALERT = 0x14,
  ERASE_ALL = 0x15,
  DECOMMISSION = 0x16,
  SET_SCAN = 0x17,
  SET_HUB = 0x18,
  BYE = 0x1f,
  RESPONSE = 0x80,
  ERROR = 0xff,
}

/** Error codes (ERROR message body byte 0, or Op.ERROR body byte 0). */
export const enum Err {
  BAD_MESSAGE = 1,
  AUTH = 2,
  BUSY = 3,
  NOT_PAIRED = 4,
  REFUSED = 5,
  LOCKED = 6,
  BAD_ARGUMENT = 7,
  INTEGRITY = 8,
  ALREADY_PAIRED = 9,
  NO_WINDOW = 10,
}

/** Direction bytes, mixed into every counter block and tag so a message cannot be reflected. */
export const enum Dir {
  HOST = 0x48, // 'H': host -> token
  TOKEN = 0x54, // 'T': token -> host
}

/** HKDF info and HMAC labels (ASCII). */
export const enum Label {
  SESSION = "OMAMORI-SYNC-2",
  HOST_PROOF = "OMAMORI-H",
  TOKEN_PROOF = "OMAMORI-T",
  BEACON = "OMAMORI-B",
}

/**
 * Sync advert flags: service data under Uuid.SERVICE = [flags][nonce 4][tag 4] (see syncAdvert). Only
 * FRESH is set (an unpaired token): a paired token's advert says nothing a stranger could use to tell
 * a home-hub window from a button press (the owner's host recognises its token by the tag alone).
 */
export const enum Adv {
  FRESH = 0x01,
}

/**
 * Limits the token enforces whatever the host asks. HUB_MIN_SECONDS: the shortest mean time between
 * home-hub windows (SET_HUB with less, other than 0 = off, is refused); each window then opens at a
 * random moment between half and one and a half times the cadence after the previous one, so windows
 * keep no schedule a listener could follow.
 */
export const enum Limit {
  HUB_MIN_SECONDS = 1800,
  HUB_MAX_SECONDS = 65535,
}

/** What the sync format needs from a crypto implementation (firmware: Omamori.crypto; host: noble). */
export interface SyncPrimitives {
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * data XOR the AES-128-CTR keystream with CCM-format counter blocks 0x01 | nonce13 | i u16 BE,
   * i = 1, 2, ... (the AES-CCM payload keystream). Firmware: firmware/crypto/ctr.ts (native
   * AES.ccmEncrypt on Bangle.js 2); host: noble's AES-CTR from the first counter block.
   */
  ctrXor(key16: Uint8Array, nonce13: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Keys of one authenticated session (derived by sessionKeys). */
export interface SessionKeys {
  enc: Uint8Array;
  mac: Uint8Array;
}

export function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 255;
  b[off + 1] = (v >>> 8) & 255;
}

export function getU16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

/** Cuts a message into GATT values of at most fragSize bytes (header included). */
export function fragment(message: Uint8Array, fragSize: number): Uint8Array[] {
  var per = fragSize - 1; // callers keep fragSize in MIN_FRAG..MAX_FRAG (the token checks HELLO)
  var out: Uint8Array[] = [];
  for (var off = 0; off < message.length || off === 0; off += per) {
    var end = Math.min(message.length, off + per);
    var f = u8(1 + end - off);
    f[0] = end < message.length ? 0x80 : 0;
    f.set(message.subarray(off, end), 1);
    out.push(f);
    if (end >= message.length) break;
  }
  return out;
}

/**
 * Reassembles fragments. push() returns the whole message when a last fragment arrives,
 * null while more are expected; throws a TypeError on an oversized or malformed stream.
 */
export function createReassembler(maxMessage: number) {
  var parts: Uint8Array[] = [];
  var size = 0;
  return {
    push: function (frag: Uint8Array): Uint8Array | null {
      if (frag.length < 1 || (frag[0] & 0x7f) !== 0) {
        parts = [];
        size = 0;
        throw new TypeError("bad fragment");
      }
      size += frag.length - 1;
      if (size > maxMessage) {
        parts = [];
        size = 0;
        throw new TypeError("message too long");
      }
      parts.push(frag.subarray(1));
      if (frag[0] & 0x80) return null;
      var m = concat(parts);
      parts = [];
      size = 0;
      return m;
    },
    reset: function () {
      parts = [];
      size = 0;
    },
  };
}

/**
 * The handshake transcript both proofs and the session keys are bound to: the whole HELLO message
 * (kind, version, fragment size, host nonce) then the whole CHALLENGE message (kind, version, 0, token
 * nonce). A version or fragment size changed on the air makes both proofs fail.
 */
export function transcript(hello: Uint8Array, challenge: Uint8Array): Uint8Array {
  return concat([hello, challenge]);
}

/** HMAC proof of one side over the handshake: label | transcript. */
export function authProof(p: SyncPrimitives, secret: Uint8Array, label: string, t: Uint8Array): Uint8Array {
  return p.hmacSha256(secret, concat([asciiBytes(label), t]));
}

export function checkProof(p: SyncPrimitives, secret: Uint8Array, label: string, t: Uint8Array, proof: Uint8Array): boolean {
  return bytesEqual(authProof(p, secret, label, t), proof);
}

/** Session keys: HKDF-SHA256(IKM = secret, salt = transcript, info = Label.SESSION, 48) = enc 16 | mac 32. */
export function sessionKeys(p: SyncPrimitives, secret: Uint8Array, t: Uint8Array): SessionKeys {
  var okm = p.hkdfSha256(secret, t, asciiBytes(Label.SESSION), 48);
  return { enc: okm.subarray(0, 16), mac: okm.subarray(16, 48) };
}

/** A sealed message's keystream: nonce = dir | seq u32 LE | 8 zero bytes (p.ctrXor's counter blocks). */
function ctrXor(p: SyncPrimitives, key: Uint8Array, dir: number, seq: number, data: Uint8Array): Uint8Array {
  var nonce = u8(13);
  nonce[0] = dir;
  writeU32LE(nonce, 1, seq);
  return p.ctrXor(key, nonce, data);
}

function tag(p: SyncPrimitives, keys: SessionKeys, dir: number, head: Uint8Array, cipher: Uint8Array): Uint8Array {
  var d = u8(1);
  d[0] = dir;
  return p.hmacSha256(keys.mac, concat([d, head.subarray(1, 5), cipher])).subarray(0, Size.TAG);
}

/** SEALED message of `plain` sent in direction `dir` with sequence number `seq`. */
export function seal(p: SyncPrimitives, keys: SessionKeys, dir: number, seq: number, plain: Uint8Array): Uint8Array {
  var head = u8(5);
  head[0] = Kind.SEALED;
  writeU32LE(head, 1, seq);
  var cipher = ctrXor(p, keys.enc, dir, seq, plain);
  return concat([head, cipher, tag(p, keys, dir, head, cipher)]);
}

/**
 * Opens a SEALED message: returns its plaintext, or null when the tag is wrong or the sequence
 * number is not exactly `expectedSeq` (replayed, reordered, dropped or forged messages).
 */
export function unseal(p: SyncPrimitives, keys: SessionKeys, dir: number, expectedSeq: number, msg: Uint8Array): Uint8Array | null {
  if (msg.length < Size.SEAL_OVERHEAD + 1 || msg[0] !== Kind.SEALED) return null;
  var cipher = msg.subarray(5, msg.length - Size.TAG);
  if (!bytesEqual(tag(p, keys, dir, msg, cipher), msg.subarray(msg.length - Size.TAG))) return null;
  if (readU32LE(msg, 1) !== expectedSeq) return null;
  return ctrXor(p, keys.enc, dir, expectedSeq, cipher);
}

/** A one-byte-kind message with a body. */
export function message(kind: number, body: Uint8Array | null): Uint8Array {
  var m = u8(1 + (body ? body.length : 0));
  m[0] = kind;
  if (body) m.set(body, 1);
  return m;
}

export function errorBody(code: number): Uint8Array {
  var b = u8(1);
  b[0] = code;
  return b;
}

/** HELLO body: [version][fragSize u16][hostNonce 16]. */
export function helloBody(fragSize: number, hostNonce: Uint8Array): Uint8Array {
  var b = u8(3 + Size.NONCE);
  b[0] = Size.VERSION;
  putU16(b, 1, fragSize);
  b.set(hostNonce, 3);
  return b;
}

/** Sync advert beacon tag: HMAC(secret, Label.BEACON | nonce4)[0..4]. Recognisable only with the secret. */
export function beaconTag(p: SyncPrimitives, secret: Uint8Array, nonce4: Uint8Array): Uint8Array {
  return p.hmacSha256(secret, concat([asciiBytes(Label.BEACON), nonce4])).subarray(0, 4);
}

/**
 * Raw 31-byte-max advert for a sync window: flags AD (0x06) + service data AD (type 0x21,
 * 128-bit UUID little-endian) = [flags][nonce 4][tag 4]. An unpaired token sends Adv.FRESH and zeros.
 */
export function syncAdvert(flags: number, nonce4: Uint8Array, tag4: Uint8Array): Uint8Array {
  var uuid = uuidBytesLE(Uuid.SERVICE);
  var a = u8(3 + 2 + 16 + 9);
  a.set([2, 0x01, 0x06, 1 + 16 + 9, 0x21]);
  a.set(uuid, 5);
  a[21] = flags;
  a.set(nonce4, 22);
  a.set(tag4, 26);
  return a;
}

/**
 * The service data of a sync advert in a raw advertising payload (AD structures), or null:
 * the 9 bytes [flags][nonce 4][tag 4] after the 128-bit service UUID in an AD of type 0x21.
 */
export function syncServiceData(raw: Uint8Array): Uint8Array | null {
  var uuid = uuidBytesLE(Uuid.SERVICE);
  for (var i = 0; i + 1 < raw.length && raw[i] > 0; i += 1 + raw[i]) {
    if (raw[i + 1] !== 0x21 || raw[i] !== 1 + 16 + 9 || i + 1 + raw[i] > raw.length) continue;
    if (bytesEqual(raw.subarray(i + 2, i + 18), uuid)) return raw.slice(i + 18, i + 27);
  }
  return null;
}

/** 128-bit UUID string -> 16 bytes little-endian (Bluetooth on-air order). */
export function uuidBytesLE(uuid: string): Uint8Array {
  var hex = uuid.split("-").join("");
  var out = u8(16);
  for (var i = 0; i < 16; i++) out[15 - i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/* ---- Operation bodies (inside SEALED, after the op byte) ---- */

/** Token health as carried by the STATUS response (the app fills all but hubSeconds: firmware/sync/host.ts TokenStatus). */
export interface StatusBody {
  firmwareVersion: string;
  board: string;
  /** Battery percent 0..100, or -1 when the board cannot measure it. */
  batteryPercent: number;
  /** Token clock, unix seconds (0 when never set since power-on). */
  clockSeconds: number;
  clockValid: boolean;
  storageUsedBytes: number;
  storageFreeBytes: number;
  recordsKept: number;
  recordsDropped: number;
  /** UTC day number (days since 1970-01-01) of first use, -1 if unknown. */
  firstDay: number;
  paused: boolean;
  alert: boolean;
  errorCount: number;
  /** Home-hub beacon cadence in seconds, 0 = off. */
  hubSeconds: number;
  /** How often the token scans, seconds (absent from tokens before this field); the host writes it into the log. */
  scanPeriodSeconds?: number;
}

/**
 * STATUS response body: the values of StatusBody as a compact ASCII JSON array, in this order (positions,
 * not names: the token's code never spells the field names; it is sent once per sync). The token's app
 * gives all but the last (SyncHost.status: a StatusRow); its sync session appends hubSeconds.
 */
export var STATUS_FIELDS: (keyof StatusBody)[] = [
  "firmwareVersion", "board", "batteryPercent", "clockSeconds", "clockValid", "storageUsedBytes", "storageFreeBytes",
  "recordsKept", "recordsDropped", "firstDay", "paused", "alert", "errorCount", "scanPeriodSeconds", "hubSeconds",
];

/** A status as a positional array (STATUS_FIELDS order). */
export type StatusRow = (string | number | boolean)[];

/**
 * The row of a status (what a token written in TypeScript, such as a test's, returns from
 * SyncHost.status): without hubSeconds when `s` has none; an absent scanPeriodSeconds is null.
 */
export function statusRow(s: Partial<StatusBody>): StatusRow {
  var row: StatusRow = [];
  for (var i = 0; i < STATUS_FIELDS.length; i++) {
    var v = s[STATUS_FIELDS[i]];
    if (v === undefined && STATUS_FIELDS[i] === "hubSeconds") break;
    row.push(v === undefined ? (null as unknown as number) : v);
  }
  return row;
}

/** The named status of a row; throws a TypeError naming the first field of the wrong type. */
export function statusFromRow(row: StatusRow): StatusBody {
  if (!Array.isArray(row)) throw new TypeError("status body is not a list");
  var d: any = {};
  for (var i = 0; i < STATUS_FIELDS.length; i++) {
    var f = STATUS_FIELDS[i];
    var want = i < 2 ? "string" : f === "clockValid" || f === "paused" || f === "alert" ? "boolean" : "number";
    // older tokens did not report the scan period; the token's app reports all but the hub cadence
    if (row[i] == null && (f === "scanPeriodSeconds" || (f === "hubSeconds" && row.length <= i))) continue;
    if (typeof row[i] !== want) throw new TypeError("status field " + f + " must be " + (want === "boolean" ? "true or false" : "a " + want));
    d[f] = row[i];
  }
  return d as StatusBody;
}

export function encodeStatus(row: StatusRow): Uint8Array {
  return asciiBytes(JSON.stringify(row));
}

/** Parses and checks a STATUS body; throws a TypeError naming the first bad field. */
export function decodeStatus(b: Uint8Array): StatusBody {
  var text = "";
  for (var i = 0; i < b.length; i++) text += String.fromCharCode(b[i]);
  var d: any;
  try {
    d = JSON.parse(text);
  } catch (e) {
    throw new TypeError("status body is not JSON");
  }
  return statusFromRow(d);
}

/** A request/response body of 32-bit fields (SET_CLOCK: [t]; READ_LOG: [cursor, maxBytes]; SET_SCAN: [windowMs, periodMs]; CLOCK response: [correction as i32]). */
export function u32s(values: number[]): Uint8Array {
  var b = u8(4 * values.length);
  for (var i = 0; i < values.length; i++) writeU32LE(b, 4 * i, values[i] >>> 0);
  return b;
}

export function i32At(b: Uint8Array, off: number): number {
  return readU32LE(b, off) | 0;
}

/** Daily keys as sent by the KEYS response: [count] then per key [tek 16][rollingStart u32][rollingPeriod u8]. */
export interface KeyBody {
  tek: Uint8Array;
  rollingStart: number;
  rollingPeriod: number;
}

export function encodeKeys(keys: KeyBody[]): Uint8Array {
  var n = Math.min(keys.length, 255);
  var b = u8(1 + n * Size.KEY_RECORD);
  b[0] = n;
  for (var i = 0; i < n; i++) {
    var o = 1 + i * Size.KEY_RECORD;
    b.set(keys[i].tek, o);
    writeU32LE(b, o + 16, keys[i].rollingStart);
    b[o + 20] = keys[i].rollingPeriod;
  }
  return b;
}

export function decodeKeys(b: Uint8Array): KeyBody[] {
  if (b.length < 1 || b.length !== 1 + b[0] * Size.KEY_RECORD) throw new TypeError("keys body has a wrong length: " + b.length + " bytes");
  var out: KeyBody[] = [];
  for (var i = 0; i < b[0]; i++) {
    var o = 1 + i * Size.KEY_RECORD;
    out.push({ tek: b.slice(o, o + 16), rollingStart: readU32LE(b, o + 16), rollingPeriod: b[o + 20] });
  }
  return out;
}
