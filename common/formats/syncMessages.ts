/**
 * Sync protocol byte formats (issue 5), defined once for the token (firmware/sync/) and the host
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
 *     blocks are explicit: [dir][seq u32 LE][0 x 7][block index u32 BE], encrypted one by one with
 *     aesEncryptBlock (never Espruino's built-in CTR, which ignores the IV: ESPRUINO.md section 3).
 *  4. Requests/responses inside SEALED: [op][body]; a response op is the request op | 0x80.
 * All integers little-endian unless noted.
 */

/** 128-bit UUIDs of the sync GATT service (no registered 16-bit UUID is used). */
export var SYNC_SERVICE_UUID = "a3c81000-5e2b-4d0a-9f1c-6f6d616d6f72";
export var SYNC_RX_UUID = "a3c81001-5e2b-4d0a-9f1c-6f6d616d6f72";
export var SYNC_TX_UUID = "a3c81002-5e2b-4d0a-9f1c-6f6d616d6f72";

export var PROTOCOL_VERSION = 1;
/** Largest fragment the token accepts/sends (ATT MTU 247 - 3). Smallest: ATT MTU 23 - 3. */
export var MAX_FRAG = 244;
export var MIN_FRAG = 20;
/** Largest reassembled message either side accepts (guards the token's RAM). */
export var MAX_MESSAGE = 4200;
export var NONCE_LEN = 16;
export var SECRET_LEN = 32;
export var TAG_LEN = 16;
/** Bytes a SEALED message adds around its plaintext: kind + seq + tag. */
export var SEAL_OVERHEAD = 1 + 4 + TAG_LEN;

/** Message kinds (first byte). */
export var K_HELLO = 0x01;
export var K_CHALLENGE = 0x02;
export var K_AUTH = 0x03;
export var K_AUTH_OK = 0x04;
export var K_PAIR = 0x05;
export var K_PAIRED = 0x06;
export var K_SEALED = 0x40;
export var K_ERROR = 0x7f;

/** Operations inside SEALED (host requests; the token answers with op | 0x80 or OP_ERROR). */
export var OP_STATUS = 0x10;
export var OP_SET_CLOCK = 0x11;
export var OP_READ_LOG = 0x12;
export var OP_READ_KEYS = 0x13;
export var OP_SET_ALERT = 0x14;
export var OP_ERASE_ALL = 0x15;
export var OP_DECOMMISSION = 0x16;
export var OP_SET_SCAN = 0x17;
export var OP_SET_HUB = 0x18;
export var OP_BYE = 0x1f;
export var OP_ERROR = 0xff;
export var RESPONSE = 0x80;

/** Error codes (ERROR message body byte 0, or OP_ERROR body byte 0). */
export var E_BAD_MESSAGE = 1;
export var E_AUTH = 2;
export var E_BUSY = 3;
export var E_NOT_PAIRED = 4;
export var E_REFUSED = 5;
export var E_LOCKED = 6;
export var E_BAD_ARGUMENT = 7;
export var E_INTEGRITY = 8;
export var E_ALREADY_PAIRED = 9;
export var E_NO_WINDOW = 10;

/** Direction bytes, mixed into every counter block and tag so a message cannot be reflected. */
export var DIR_HOST = 0x48; // 'H': host -> token
export var DIR_TOKEN = 0x54; // 'T': token -> host

/** HKDF info and HMAC labels (ASCII). */
export var INFO_SESSION = "OMAMORI-SYNC-1";
export var LABEL_HOST_PROOF = "OMAMORI-H";
export var LABEL_TOKEN_PROOF = "OMAMORI-T";
export var LABEL_BEACON = "OMAMORI-B";

/** Sync advert: service data under the sync UUID = [flags][nonce 4][tag 4] (see syncAdvert). */
export var ADV_FRESH = 0x01;
export var ADV_HUB = 0x02;

/** What the sync format needs from a crypto implementation (firmware: Omamori.crypto; host: noble). */
export interface SyncPrimitives {
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aesEncryptBlock(key16: Uint8Array, block16: Uint8Array): Uint8Array;
}

/** Keys of one authenticated session (derived by sessionKeys). */
export interface SessionKeys {
  enc: Uint8Array;
  mac: Uint8Array;
}

export function ascii(s: string): Uint8Array {
  var out = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  var n = 0;
  for (var i = 0; i < parts.length; i++) n += parts[i].length;
  var out = new Uint8Array(n);
  var o = 0;
  for (var j = 0; j < parts.length; j++) {
    out.set(parts[j], o);
    o += parts[j].length;
  }
  return out;
}

export function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 255;
  b[off + 1] = (v >>> 8) & 255;
  b[off + 2] = (v >>> 16) & 255;
  b[off + 3] = (v >>> 24) & 255;
}

export function getU32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16)) + b[off + 3] * 0x1000000;
}

export function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 255;
  b[off + 1] = (v >>> 8) & 255;
}

export function getU16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  var d = 0;
  for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Cuts a message into GATT values of at most fragSize bytes (header included). */
export function fragment(message: Uint8Array, fragSize: number): Uint8Array[] {
  if (!(fragSize >= 2)) throw new TypeError("fragSize must be at least 2, got " + fragSize);
  var per = fragSize - 1;
  var out: Uint8Array[] = [];
  for (var off = 0; off < message.length || off === 0; off += per) {
    var end = Math.min(message.length, off + per);
    var f = new Uint8Array(1 + end - off);
    f[0] = end < message.length ? 0x80 : 0;
    f.set(message.subarray(off, end), 1);
    out.push(f);
    if (end >= message.length) break;
  }
  return out;
}

/**
 * Reassembles fragments. push() returns the whole message when a last fragment arrives,
 * null while more are expected; throws RangeError on an oversized or malformed stream.
 */
export function createReassembler(maxMessage: number) {
  var parts: Uint8Array[] = [];
  var size = 0;
  return {
    push: function (frag: Uint8Array): Uint8Array | null {
      if (frag.length < 1 || (frag[0] & 0x7f) !== 0) {
        parts = [];
        size = 0;
        throw new TypeError("bad fragment header");
      }
      size += frag.length - 1;
      if (size > maxMessage) {
        parts = [];
        size = 0;
        throw new TypeError("message longer than " + maxMessage + " bytes");
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

/** HMAC proof of one side over both nonces: label | hostNonce | tokenNonce. */
export function authProof(p: SyncPrimitives, secret: Uint8Array, label: string, hostNonce: Uint8Array, tokenNonce: Uint8Array): Uint8Array {
  return p.hmacSha256(secret, concat([ascii(label), hostNonce, tokenNonce]));
}

export function checkProof(p: SyncPrimitives, secret: Uint8Array, label: string, hostNonce: Uint8Array, tokenNonce: Uint8Array, proof: Uint8Array): boolean {
  return sameBytes(authProof(p, secret, label, hostNonce, tokenNonce), proof);
}

/** Session keys: HKDF-SHA256(IKM = secret, salt = hostNonce | tokenNonce, info = INFO_SESSION, 48) = enc 16 | mac 32. */
export function sessionKeys(p: SyncPrimitives, secret: Uint8Array, hostNonce: Uint8Array, tokenNonce: Uint8Array): SessionKeys {
  var okm = p.hkdfSha256(secret, concat([hostNonce, tokenNonce]), ascii(INFO_SESSION), 48);
  return { enc: okm.subarray(0, 16), mac: okm.subarray(16, 48) };
}

function ctrXor(p: SyncPrimitives, key: Uint8Array, dir: number, seq: number, data: Uint8Array): Uint8Array {
  var out = new Uint8Array(data.length);
  var block = new Uint8Array(16);
  block[0] = dir;
  putU32(block, 1, seq);
  for (var i = 0; i * 16 < data.length; i++) {
    block[12] = (i >>> 24) & 255;
    block[13] = (i >>> 16) & 255;
    block[14] = (i >>> 8) & 255;
    block[15] = i & 255;
    var ks = p.aesEncryptBlock(key, block);
    for (var j = 0; j < 16 && i * 16 + j < data.length; j++) out[i * 16 + j] = data[i * 16 + j] ^ ks[j];
  }
  return out;
}

function tag(p: SyncPrimitives, keys: SessionKeys, dir: number, head: Uint8Array, cipher: Uint8Array): Uint8Array {
  var d = new Uint8Array(1);
  d[0] = dir;
  return p.hmacSha256(keys.mac, concat([d, head.subarray(1, 5), cipher])).subarray(0, TAG_LEN);
}

/** SEALED message of `plain` sent in direction `dir` with sequence number `seq`. */
export function seal(p: SyncPrimitives, keys: SessionKeys, dir: number, seq: number, plain: Uint8Array): Uint8Array {
  var head = new Uint8Array(5);
  head[0] = K_SEALED;
  putU32(head, 1, seq);
  var cipher = ctrXor(p, keys.enc, dir, seq, plain);
  return concat([head, cipher, tag(p, keys, dir, head, cipher)]);
}

/**
 * Opens a SEALED message: returns its plaintext, or null when the tag is wrong or the sequence
 * number is not exactly `expectedSeq` (replayed, reordered, dropped or forged messages).
 */
export function unseal(p: SyncPrimitives, keys: SessionKeys, dir: number, expectedSeq: number, msg: Uint8Array): Uint8Array | null {
  if (msg.length < SEAL_OVERHEAD + 1 || msg[0] !== K_SEALED) return null;
  var cipher = msg.subarray(5, msg.length - TAG_LEN);
  if (!sameBytes(tag(p, keys, dir, msg, cipher), msg.subarray(msg.length - TAG_LEN))) return null;
  if (getU32(msg, 1) !== expectedSeq) return null;
  return ctrXor(p, keys.enc, dir, expectedSeq, cipher);
}

/** A one-byte-kind message with a body. */
export function message(kind: number, body: Uint8Array | null): Uint8Array {
  var m = new Uint8Array(1 + (body ? body.length : 0));
  m[0] = kind;
  if (body) m.set(body, 1);
  return m;
}

export function errorBody(code: number): Uint8Array {
  var b = new Uint8Array(1);
  b[0] = code;
  return b;
}

/** HELLO body: [version][fragSize u16][hostNonce 16]. */
export function helloBody(fragSize: number, hostNonce: Uint8Array): Uint8Array {
  var b = new Uint8Array(3 + NONCE_LEN);
  b[0] = PROTOCOL_VERSION;
  putU16(b, 1, fragSize);
  b.set(hostNonce, 3);
  return b;
}

/** Sync advert beacon tag: HMAC(secret, LABEL_BEACON | nonce4)[0..4]. Recognisable only with the secret. */
export function beaconTag(p: SyncPrimitives, secret: Uint8Array, nonce4: Uint8Array): Uint8Array {
  return p.hmacSha256(secret, concat([ascii(LABEL_BEACON), nonce4])).subarray(0, 4);
}

/**
 * Raw 31-byte-max advert for a sync window: flags AD (0x06) + service data AD (type 0x21,
 * 128-bit UUID little-endian) = [flags][nonce 4][tag 4]. An unpaired token sends ADV_FRESH and zeros.
 */
export function syncAdvert(flags: number, nonce4: Uint8Array, tag4: Uint8Array): Uint8Array {
  var uuid = uuidBytesLE(SYNC_SERVICE_UUID);
  var a = new Uint8Array(3 + 2 + 16 + 9);
  a[0] = 2; a[1] = 0x01; a[2] = 0x06;
  a[3] = 1 + 16 + 9; a[4] = 0x21;
  a.set(uuid, 5);
  a[21] = flags;
  a.set(nonce4, 22);
  a.set(tag4, 26);
  return a;
}

/** 128-bit UUID string -> 16 bytes little-endian (Bluetooth on-air order). */
export function uuidBytesLE(uuid: string): Uint8Array {
  var hex = uuid.split("-").join("");
  var out = new Uint8Array(16);
  for (var i = 0; i < 16; i++) out[15 - i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/* ---- Operation bodies (inside SEALED, after the op byte) ---- */

/** Token health as carried by the STATUS response (same fields as firmware/sync/host.ts TokenStatus). */
export interface StatusBody {
  firmwareVersion: string;
  board: string;
  batteryPercent: number;
  clockSeconds: number;
  clockValid: boolean;
  storageUsedBytes: number;
  storageFreeBytes: number;
  recordsKept: number;
  recordsDropped: number;
  firstDay: number;
  paused: boolean;
  alert: boolean;
  errorCount: number;
  /** Home-hub beacon cadence in seconds, 0 = off. */
  hubSeconds: number;
}

function putAscii(b: Uint8Array, off: number, s: string): number {
  b[off] = s.length;
  for (var i = 0; i < s.length; i++) b[off + 1 + i] = s.charCodeAt(i) & 255;
  return off + 1 + s.length;
}

function getAscii(b: Uint8Array, off: number): string {
  var s = "";
  for (var i = 0; i < b[off]; i++) s += String.fromCharCode(b[off + 1 + i]);
  return s;
}

/**
 * STATUS response body: [flags: 1 clockValid, 2 paused, 4 alert][battery i8][clock u32][used u32]
 * [free u32][kept u32][dropped u32][firstDay u32, 0xffffffff = unknown][errors u16][hub s u16]
 * [len][version ascii][len][board ascii].
 */
export function encodeStatus(s: StatusBody): Uint8Array {
  var v = s.firmwareVersion.substr(0, 32);
  var bd = s.board.substr(0, 32);
  var b = new Uint8Array(32 + v.length + bd.length);
  b[0] = (s.clockValid ? 1 : 0) | (s.paused ? 2 : 0) | (s.alert ? 4 : 0);
  b[1] = s.batteryPercent & 255;
  putU32(b, 2, s.clockSeconds);
  putU32(b, 6, s.storageUsedBytes);
  putU32(b, 10, s.storageFreeBytes);
  putU32(b, 14, s.recordsKept);
  putU32(b, 18, s.recordsDropped);
  putU32(b, 22, s.firstDay < 0 ? 0xffffffff : s.firstDay);
  putU16(b, 26, Math.min(s.errorCount, 0xffff));
  putU16(b, 28, s.hubSeconds);
  putAscii(b, putAscii(b, 30, v), bd);
  return b;
}

export function decodeStatus(b: Uint8Array): StatusBody {
  if (b.length < 32) throw new RangeError("status body too short: " + b.length + " bytes");
  var first = getU32(b, 22);
  var v = getAscii(b, 30);
  return {
    clockValid: (b[0] & 1) !== 0,
    paused: (b[0] & 2) !== 0,
    alert: (b[0] & 4) !== 0,
    batteryPercent: b[1] > 127 ? b[1] - 256 : b[1],
    clockSeconds: getU32(b, 2),
    storageUsedBytes: getU32(b, 6),
    storageFreeBytes: getU32(b, 10),
    recordsKept: getU32(b, 14),
    recordsDropped: getU32(b, 18),
    firstDay: first === 0xffffffff ? -1 : first,
    errorCount: getU16(b, 26),
    hubSeconds: getU16(b, 28),
    firmwareVersion: v,
    board: getAscii(b, 31 + v.length),
  };
}

/** A request/response body of 32-bit fields (SET_CLOCK: [t]; READ_LOG: [cursor, maxBytes]; SET_SCAN: [windowMs, periodMs]; CLOCK response: [correction as i32]). */
export function u32s(values: number[]): Uint8Array {
  var b = new Uint8Array(4 * values.length);
  for (var i = 0; i < values.length; i++) putU32(b, 4 * i, values[i] >>> 0);
  return b;
}

export function i32At(b: Uint8Array, off: number): number {
  return getU32(b, off) | 0;
}

/** Daily keys as sent by the KEYS response: [count] then per key [tek 16][rollingStart u32][rollingPeriod u8]. */
export interface KeyBody {
  tek: Uint8Array;
  rollingStart: number;
  rollingPeriod: number;
}

export var KEY_RECORD_LEN = 21;

export function encodeKeys(keys: KeyBody[]): Uint8Array {
  var n = Math.min(keys.length, 255);
  var b = new Uint8Array(1 + n * KEY_RECORD_LEN);
  b[0] = n;
  for (var i = 0; i < n; i++) {
    var o = 1 + i * KEY_RECORD_LEN;
    b.set(keys[i].tek, o);
    putU32(b, o + 16, keys[i].rollingStart);
    b[o + 20] = keys[i].rollingPeriod;
  }
  return b;
}

export function decodeKeys(b: Uint8Array): KeyBody[] {
  if (b.length < 1 || b.length !== 1 + b[0] * KEY_RECORD_LEN) throw new RangeError("keys body has a wrong length: " + b.length + " bytes");
  var out: KeyBody[] = [];
  for (var i = 0; i < b[0]; i++) {
    var o = 1 + i * KEY_RECORD_LEN;
    out.push({ tek: b.slice(o, o + 16), rollingStart: getU32(b, o + 16), rollingPeriod: b[o + 20] });
  }
  return out;
}
