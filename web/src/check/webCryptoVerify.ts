/**
 * One downloaded export zip checked as host-tools/keys/readExport.ts checkExportZip does (unzip,
 * decode, verify, refuse unless unsigned files are allowed), with the signature verified by the
 * browser's WebCrypto (ECDSA P-256; SHA-256 or SHA-512 as the algorithm OID says). The rules are
 * the host's own (exportFile.ts signaturesToVerify); only the cryptography is the browser's.
 * Export signatures are DER (X9.62); WebCrypto takes the raw r|s form, so each is converted, and
 * a DER value that is not a well-formed P-256 signature simply does not verify.
 */
import { ExportFormatError, readExportZip, signaturesToVerify, verifyResultOf, type VerificationKey, type VerifyResult } from "../../../host-tools/keys/exportFile";
import { readExportKeys } from "../../../host-tools/keys/exportKeys";
import { sha256Hex, type CheckedExport, type Trust } from "../../../host-tools/keys/readExport";

/** DER ECDSA-Sig-Value -> 64-byte r|s, or null when it is not one for a 256-bit curve. */
export function derToRaw(der: Uint8Array): Uint8Array | null {
  let o = 0;
  const len = (): number => {
    let n = der[o++];
    if (n === undefined) return -1;
    if (n & 0x80) {
      const k = n & 0x7f;
      if (k < 1 || k > 2) return -1;
      n = 0;
      for (let i = 0; i < k; i++) n = (n << 8) | der[o++];
    }
    return n;
  };
  if (der[o++] !== 0x30) return null;
  const total = len();
  if (total < 0 || o + total !== der.length) return null;
  const out = new Uint8Array(64);
  for (let part = 0; part < 2; part++) {
    if (der[o++] !== 0x02) return null;
    let n = len();
    if (n < 1 || o + n > der.length) return null;
    let start = o;
    o += n;
    while (n > 32 && der[start] === 0) { start++; n--; }
    if (n > 32) return null;
    out.set(der.subarray(start, start + n), 32 * part + 32 - n);
  }
  return o === der.length ? out : null;
}

const imported = new WeakMap<object, Promise<CryptoKey>>();

function webKey(k: VerificationKey): Promise<CryptoKey> {
  const ko = k.publicKey as unknown as { spki?: Uint8Array };
  if (!ko.spki) return Promise.reject(new Error("the trusted key was not read by the browser's key reader"));
  let p = imported.get(ko);
  if (!p) {
    p = crypto.subtle.importKey("spki", new Uint8Array(ko.spki), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    imported.set(ko, p);
  }
  return p;
}

/** verifyExport with WebCrypto. */
export async function verifyExportWebCrypto(bin: Uint8Array, sig: Uint8Array, trusted: VerificationKey[], header: Parameters<typeof signaturesToVerify>[2]): Promise<VerifyResult> {
  const todo = signaturesToVerify(sig, trusted, header);
  if ("result" in todo) return todo.result;
  const checks = [];
  for (const { check: c, digest, candidates, signature } of todo.signatures) {
    if (c.problem) {
      checks.push(c);
      continue;
    }
    const raw = derToRaw(signature);
    for (const k of candidates) {
      let ok = false;
      try {
        ok = raw !== null && (await crypto.subtle.verify({ name: "ECDSA", hash: digest === "sha512" ? "SHA-512" : "SHA-256" }, await webKey(k), new Uint8Array(raw), new Uint8Array(bin)));
      } catch {
        ok = false;
      }
      if (ok) {
        c.valid = true;
        break;
      }
    }
    if (!c.valid) c.problem = "signature does not match the file and the trusted key";
    checks.push(c);
  }
  return verifyResultOf(checks);
}

/** checkExportZip with WebCrypto (FetchOptions.checkZip). */
export async function checkExportZipWebCrypto(zip: Uint8Array, trust: Trust): Promise<CheckedExport> {
  const { bin, sig } = readExportZip(zip);
  const { header, records } = readExportKeys(bin);
  const verify = trust.keys.length ? await verifyExportWebCrypto(bin, sig, trust.keys, header) : { valid: false, signatures: [], reason: "no trusted public key is configured" };
  if (!verify.valid && !trust.allowUnsigned) {
    throw new ExportFormatError("the signature could not be verified (" + verify.reason + "); the file was not used");
  }
  return { header, records, sha256: sha256Hex(zip), verify };
}
