/**
 * require("crypto") and the global AES object as each board's firmware has them
 * (libs/crypto/jswrap_crypto.c at Espruino c5ff787b19; docs/spec/espruino-platform.md section 3 and its table;
 * boards/<id>.json "crypto"):
 *   - SHA1 where crypto.sha1, SHA224/SHA256 where crypto.sha256; results are ArrayBuffers;
 *   - crypto.AES.encrypt/decrypt only where crypto.aesEcb (Puck.js): default mode CBC with a
 *     zero IV; modes CBC, CFB (= CFB8), CTR, OFB, ECB; an unknown mode throws
 *     'Unknown Crypto mode "X"'. VERIFIED quirks kept: CTR ignores `iv` (the counter always
 *     starts at zero); ECB processes whole blocks and leaves a trailing partial block as zero
 *     bytes; OFB is parsed but not implemented.
 *   - Errors from mbedTLS go through jswrap_crypto_error -> jsError, which PRINTS
 *     "ERROR: <text>" and returns undefined — it does not throw (src/jsutils.c jsError):
 *     OFB -> "ERROR: Feature unavailable"; CBC with a length not a multiple of 16 ->
 *     "ERROR: Invalid input length"; a key that is not 16/24/32 bytes ->
 *     "ERROR: Unknown error: -0x20" (MBEDTLS_ERR_AES_INVALID_KEY_LENGTH has no text).
 *   - AES.ccmEncrypt(msg, key, nonce(7..13), tagLen 4..16 even) -> {data, tag};
 *     ccmDecrypt(msg, key, nonce, tag) -> data, or undefined with "ERROR: Authenticated
 *     decryption failed"; global, only where crypto.aesCcm (Bangle.js 2).
 * Not emulated: AES decrypt in CTR/CFB mode (the C code uses a decryption key schedule there,
 * unverified on hardware) — decrypt runs correctly here; SHA384/512 (no board file lists them).
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import type { EspruinoRuntime } from "./runtime";
import { toBytes } from "./realm";

const MODES = ["CBC", "CFB", "CTR", "OFB", "ECB"] as const;
type Mode = (typeof MODES)[number];

function blocks(n: number, size: number): number {
  return Math.max(1, Math.ceil(n / size));
}

/** jsError(): Espruino prints "ERROR: <text>" and the built-in returns undefined (no exception). */
function jsErrorOf(rt: EspruinoRuntime): (text: string) => undefined {
  return (text) => {
    rt.print("ERROR: " + text);
    return undefined;
  };
}

export function makeCryptoModule(rt: EspruinoRuntime): Record<string, unknown> {
  const realm = rt.realm;
  const c = rt.board.crypto;
  const jsError = jsErrorOf(rt);
  const bytesOf = (v: unknown, what: string): Uint8Array => {
    const b = toBytes(v);
    if (!b) throw rt.error("Expecting " + what + " to be a String, Array or ArrayBuffer");
    return b;
  };
  const sha = (alg: string, bits: number) => (msg: unknown) => {
    const m = bytesOf(msg, "message");
    rt.peakSample("crypto.SHA", [msg]);
    rt.cryptoWork("sha256", blocks(m.length + 9, 64));
    const out = createHash(alg).update(m).digest();
    return realm.arrayBuffer(new Uint8Array(out.buffer, out.byteOffset, bits / 8));
  };
  const mod: Record<string, unknown> = realm.object();
  if (c.sha1) mod.SHA1 = sha("sha1", 160);
  if (c.sha256) {
    mod.SHA224 = sha("sha224", 224);
    mod.SHA256 = sha("sha256", 256);
  }
  if (c.aesEcb) {
    const crypt = (encrypt: boolean) => (message: unknown, key: unknown, options: unknown) => {
      let iv: Uint8Array = new Uint8Array(16);
      let mode: Mode = "CBC";
      if (options !== null && typeof options === "object") {
        const o = options as { iv?: unknown; mode?: unknown };
        if (o.iv !== undefined) {
          const b = toBytes(o.iv) ?? new Uint8Array(0);
          iv = new Uint8Array(16);
          iv.set(b.subarray(0, 16));
        }
        if (o.mode !== undefined) {
          if (!MODES.includes(o.mode as Mode)) throw rt.error("Unknown Crypto mode " + JSON.stringify(String(o.mode)));
          mode = o.mode as Mode;
        }
      } else if (options !== undefined) {
        return jsError("'options' must be undefined, or an Object");
      }
      const msg = bytesOf(message, "message");
      const k = bytesOf(key, "key");
      if (k.length !== 16 && k.length !== 24 && k.length !== 32) return jsError("Unknown error: -0x20");
      const alg = (m: string) => "aes-" + k.length * 8 + "-" + m;
      let out: Uint8Array;
      switch (mode) {
        case "CBC": {
          if (msg.length % 16) return jsError("Invalid input length");
          out = run(encrypt, alg("cbc"), k, iv, msg);
          break;
        }
        case "CFB":
          out = run(encrypt, alg("cfb8"), k, iv, msg);
          break;
        case "CTR":
          // jswrap_crypto.c memsets nonce_counter to 0: the iv option is ignored
          out = run(true, alg("ctr"), k, new Uint8Array(16), msg);
          break;
        case "ECB": {
          out = new Uint8Array(msg.length); // a trailing partial block stays zero
          const whole = msg.length - (msg.length % 16);
          if (whole) out.set(run(encrypt, alg("ecb"), k, null, msg.subarray(0, whole)));
          break;
        }
        default:
          return jsError("Feature unavailable");
      }
      rt.peakSample("crypto.AES", [message, key, options]);
      rt.cryptoWork("aes", blocks(msg.length, 16));
      return realm.arrayBuffer(out);
    };
    mod.AES = realm.object({ encrypt: crypt(true), decrypt: crypt(false) });
  }
  return mod;
}

function run(encrypt: boolean, alg: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array): Uint8Array {
  const c = encrypt ? createCipheriv(alg, key, iv) : createDecipheriv(alg, key, iv);
  c.setAutoPadding(false);
  const a = c.update(data);
  const b = c.final();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Global AES (Bangle.js 2): ccmEncrypt/ccmDecrypt. */
export function installGlobalAes(rt: EspruinoRuntime): void {
  if (!rt.board.crypto.aesCcm) return;
  const realm = rt.realm;
  const jsError = jsErrorOf(rt);
  const nonceOf = (iv: unknown): Uint8Array | null => {
    if (!Array.isArray(iv) && !ArrayBuffer.isView(iv) && Object.prototype.toString.call(iv) !== "[object ArrayBuffer]") return null;
    const b = toBytes(iv);
    if (!b || b.length < 2 || b.length > 13) return null;
    return b;
  };
  const ccm = (key: Uint8Array, nonce: Uint8Array, tagLen: number, encrypt: boolean) => {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) return null;
    const opts = { authTagLength: tagLen } as { authTagLength: number };
    const alg = "aes-" + key.length * 8 + "-ccm";
    return encrypt ? createCipheriv(alg as "aes-128-ccm", key, nonce, opts) : createDecipheriv(alg as "aes-128-ccm", key, nonce, opts);
  };
  realm.global.AES = realm.object({
    ccmEncrypt: (message: unknown, key: unknown, iv: unknown, tagLen: unknown) => {
      const nonce = nonceOf(iv);
      if (!nonce || nonce.length < 7) return jsError("Bad input data");
      const t = Number(tagLen);
      if (typeof tagLen !== "number" || t < 4 || t > 16 || t % 2) return jsError("Bad input data");
      const msg = toBytes(message) ?? new Uint8Array(0);
      const k = toBytes(key) ?? new Uint8Array(0);
      const c = ccm(k, nonce, t, true);
      if (!c) return jsError("Unknown error: -0xd");
      const data = Buffer.concat([c.update(msg), c.final()]);
      const tag = (c as unknown as { getAuthTag(): Buffer }).getAuthTag();
      rt.peakSample("AES.ccmEncrypt", [message, key, iv]);
      rt.cryptoWork("ccm", 2 * blocks(msg.length, 16) + 1);
      return realm.object({ data: realm.arrayBuffer(data), tag: realm.arrayBuffer(tag) });
    },
    ccmDecrypt: (message: unknown, key: unknown, iv: unknown, tagArg: unknown) => {
      const nonce = nonceOf(iv);
      if (!nonce || nonce.length < 7) return jsError("Bad input data");
      const tag = toBytes(tagArg);
      if (!tag) return jsError("Bad input data");
      const msg = toBytes(message) ?? new Uint8Array(0);
      const k = toBytes(key) ?? new Uint8Array(0);
      const c = ccm(k, nonce, tag.length, false);
      if (!c) return jsError("Unknown error: -0xd");
      (c as unknown as { setAuthTag(t: Uint8Array): void }).setAuthTag(tag);
      rt.peakSample("AES.ccmDecrypt", [message, key, iv, tagArg]);
      rt.cryptoWork("ccm", 2 * blocks(msg.length, 16) + 1);
      try {
        const data = Buffer.concat([c.update(msg), c.final()]);
        return realm.arrayBuffer(data);
      } catch {
        return jsError("Authenticated decryption failed");
      }
    },
  });
}
