/**
 * The diagnosis-key export file, defined once for the whole project (docs/spec/gaen-protocol.md section 4).
 *
 *   export.zip  = exactly two root entries, export.bin and export.sig (nothing else)
 *   export.bin  = 16-byte header "EK Export v1    " + TemporaryExposureKeyExport (proto2)
 *   export.sig  = TEKSignatureList; each signature = ECDSA P-256 over SHA-256 of the WHOLE
 *                 export.bin (header included), ASN.1 DER (X9.62), algorithm OID 1.2.840.10045.4.3.2
 *
 * Schema: export.proto beside this file, read with protobufjs. Size limit: Apple's 16 MB per
 * file; zip entries are inflated as a stream and cut off at the limit (zip bombs), then checked
 * against the zip's central directory (names, sizes, CRC-32; zipDirectory.ts).
 * Signature algorithms: the table of Google's verifier (SIGNATURE_ALGORITHMS below).
 * Every format problem throws ExportFormatError with a plain message; nothing is half-read.
 */
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { createPrivateKey, createPublicKey, sign as ecdsaSign, verify as ecdsaVerify, type KeyObject } from "node:crypto";
import protobuf from "protobufjs";
import { inflateRawSync } from "node:zlib";
import { Unzip, zipSync, type AsyncFlateStreamHandler, type FlateError, type UnzipDecoder } from "fflate";
import { asciiBytes, concat } from "../../common/bytes";
import { readZipDirectory } from "./zipDirectory";

/** "EK Export v1" followed by four spaces: 16 bytes before the protobuf message. */
export const EXPORT_BIN_HEADER = "EK Export v1    ";
export const EXPORT_BIN_HEADER_BYTES = asciiBytes(EXPORT_BIN_HEADER);
/** Apple: at most 16 MB per export (applies to the zip and to each inflated entry). */
export const MAX_EXPORT_BYTES = 16 * 1024 * 1024;
/** ECDSA with SHA-256 (X9.62, RFC 5758): what the export format specifies and every server writes. */
export const ECDSA_SHA256_OID = "1.2.840.10045.4.3.2";
/** ECDSA with SHA-512 (RFC 5758): also accepted by Google's verifier, which then hashes with SHA-512. */
export const ECDSA_SHA512_OID = "1.2.840.10045.4.3.4";
/**
 * signature_algorithm OID -> the digest the signature is computed over, as Google's exposure
 * notification verifier maps them (SHA256withECDSA, SHA512withECDSA; docs/spec/gaen-protocol.md
 * section 4). Any other OID is refused.
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, "sha256" | "sha512">> = Object.freeze({
  [ECDSA_SHA256_OID]: "sha256",
  [ECDSA_SHA512_OID]: "sha512",
});
export const EXPORT_BIN_NAME = "export.bin";
export const EXPORT_SIG_NAME = "export.sig";

/** Report types of TemporaryExposureKey.report_type. */
export const ReportType = {
  UNKNOWN: 0,
  CONFIRMED_TEST: 1,
  CONFIRMED_CLINICAL_DIAGNOSIS: 2,
  SELF_REPORT: 3,
  RECURSIVE: 4,
  REVOKED: 5,
} as const;

/** One daily key as published. Optional fields are undefined when absent from the file. */
export interface ExportKey {
  keyData: Uint8Array;
  transmissionRiskLevel?: number;
  rollingStartIntervalNumber?: number;
  /** Absent in the file means 144 (proto default); decode fills in 144. */
  rollingPeriod?: number;
  reportType?: number;
  daysSinceOnsetOfSymptoms?: number;
}

export interface SignatureInfo {
  verificationKeyVersion?: string;
  verificationKeyId?: string;
  signatureAlgorithm?: string;
}

/** The content of export.bin (after the header). */
export interface ExportContent {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
  keys: ExportKey[];
  revisedKeys: ExportKey[];
}

export interface TekSignature {
  signatureInfo: SignatureInfo;
  batchNum?: number;
  batchSize?: number;
  signature: Uint8Array;
}

/** A malformed, truncated, oversized or wrongly signed-up export file. */
export class ExportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportFormatError";
  }
}

const PROTO_PATH = new URL("./export.proto", import.meta.url);
const root = protobuf.parse(readFileSync(PROTO_PATH, "utf8"), { keepCase: false }).root;
const ExportMsg = root.lookupType("omamori.export.TemporaryExposureKeyExport");
const SignatureListMsg = root.lookupType("omamori.export.TEKSignatureList");

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, arrays: true };

function checkBytes(name: string, b: unknown): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw new TypeError(name + " must be a Uint8Array, got " + typeof b);
}

function checkSize(name: string, n: number): void {
  if (n > MAX_EXPORT_BYTES) {
    throw new ExportFormatError(`${name} is too large: ${n} bytes (the limit is ${MAX_EXPORT_BYTES} bytes, 16 MB)`);
  }
}

/** A copy of decoded bytes as a plain Uint8Array (protobufjs may hand out Buffers over its input). */
function u8(a: Uint8Array | undefined): Uint8Array {
  return a ? new Uint8Array(a) : new Uint8Array(0);
}

function keyFromObject(o: Record<string, any>): ExportKey {
  const k: ExportKey = { keyData: u8(o.keyData) };
  if (o.transmissionRiskLevel !== undefined) k.transmissionRiskLevel = o.transmissionRiskLevel;
  if (o.rollingStartIntervalNumber !== undefined) k.rollingStartIntervalNumber = o.rollingStartIntervalNumber;
  k.rollingPeriod = o.rollingPeriod !== undefined ? o.rollingPeriod : 144;
  if (o.reportType !== undefined) k.reportType = o.reportType;
  if (o.daysSinceOnsetOfSymptoms !== undefined) k.daysSinceOnsetOfSymptoms = o.daysSinceOnsetOfSymptoms;
  return k;
}

function infoFromObject(o: Record<string, any> | undefined): SignatureInfo {
  const s: SignatureInfo = {};
  if (!o) return s;
  if (o.verificationKeyVersion !== undefined) s.verificationKeyVersion = o.verificationKeyVersion;
  if (o.verificationKeyId !== undefined) s.verificationKeyId = o.verificationKeyId;
  if (o.signatureAlgorithm !== undefined) s.signatureAlgorithm = o.signatureAlgorithm;
  return s;
}

/** export.bin bytes (header + message) for the given content. */
export function encodeExportBin(content: ExportContent): Uint8Array {
  const msg = ExportMsg.fromObject({
    startTimestamp: content.startTimestamp,
    endTimestamp: content.endTimestamp,
    region: content.region,
    batchNum: content.batchNum,
    batchSize: content.batchSize,
    signatureInfos: content.signatureInfos,
    keys: content.keys,
    revisedKeys: content.revisedKeys,
  });
  const body = ExportMsg.encode(msg).finish();
  const out = new Uint8Array(16 + body.length);
  out.set(EXPORT_BIN_HEADER_BYTES, 0);
  out.set(body, 16);
  checkSize("export.bin", out.length);
  return out;
}

/** Parse export.bin. Throws ExportFormatError on a wrong header, truncation or a malformed message. */
export function decodeExportBin(bin: Uint8Array): ExportContent {
  checkBytes("bin", bin);
  checkSize("export.bin", bin.length);
  if (bin.length < 16) {
    throw new ExportFormatError(`export.bin is truncated: ${bin.length} bytes, shorter than its 16-byte header`);
  }
  for (let i = 0; i < 16; i++) {
    if (bin[i] !== EXPORT_BIN_HEADER_BYTES[i]) {
      throw new ExportFormatError('export.bin does not start with the header "EK Export v1    ": not a diagnosis-key export');
    }
  }
  let o: Record<string, any>;
  try {
    o = ExportMsg.toObject(ExportMsg.decode(bin.subarray(16)), TO_OBJECT);
  } catch (e) {
    throw new ExportFormatError("export.bin is damaged or truncated (protobuf: " + (e as Error).message + ")");
  }
  return {
    startTimestamp: o.startTimestamp ?? 0,
    endTimestamp: o.endTimestamp ?? 0,
    region: o.region ?? "",
    batchNum: o.batchNum ?? 1,
    batchSize: o.batchSize ?? 1,
    signatureInfos: (o.signatureInfos ?? []).map(infoFromObject),
    keys: (o.keys ?? []).map(keyFromObject),
    revisedKeys: (o.revisedKeys ?? []).map(keyFromObject),
  };
}

/** export.sig bytes for a list of signatures. */
export function encodeSignatureList(signatures: TekSignature[]): Uint8Array {
  return SignatureListMsg.encode(SignatureListMsg.fromObject({ signatures })).finish();
}

/** Parse export.sig (TEKSignatureList). */
export function decodeSignatureList(sig: Uint8Array): TekSignature[] {
  checkBytes("sig", sig);
  checkSize("export.sig", sig.length);
  let o: Record<string, any>;
  try {
    o = SignatureListMsg.toObject(SignatureListMsg.decode(sig), TO_OBJECT);
  } catch (e) {
    throw new ExportFormatError("export.sig is damaged or truncated (protobuf: " + (e as Error).message + ")");
  }
  return (o.signatures ?? []).map((s: Record<string, any>) => {
    const t: TekSignature = { signatureInfo: infoFromObject(s.signatureInfo), signature: u8(s.signature) };
    if (s.batchNum !== undefined) t.batchNum = s.batchNum;
    if (s.batchSize !== undefined) t.batchSize = s.batchSize;
    return t;
  });
}

export interface SignOptions {
  /** verification_key_id, e.g. the MCC "440". */
  keyId: string;
  /** verification_key_version, e.g. "v1". */
  keyVersion: string;
}

/** A private key as a KeyObject or PEM / DER(PKCS#8) text or bytes. */
export type PrivateKeyInput = KeyObject | string | Uint8Array;

function toPrivateKey(k: PrivateKeyInput): KeyObject {
  if (typeof k === "string") return createPrivateKey(k);
  if (k instanceof Uint8Array) return createPrivateKey({ key: Buffer.from(k), format: "der", type: "pkcs8" });
  return k;
}

/**
 * export.sig for an export.bin: one TEKSignature, ECDSA P-256 / SHA-256 over the whole bin, DER.
 * The batch numbers are copied from the bin. The bin should list the same SignatureInfo
 * (signatureInfoFor(options)) in its signature_infos.
 */
export function signExport(bin: Uint8Array, privateKey: PrivateKeyInput, options: SignOptions): Uint8Array {
  checkBytes("bin", bin);
  if (!options || typeof options.keyId !== "string" || typeof options.keyVersion !== "string") {
    throw new TypeError("signExport options need keyId and keyVersion strings");
  }
  const content = decodeExportBin(bin);
  const key = toPrivateKey(privateKey);
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new TypeError("privateKey must be an ECDSA P-256 (prime256v1) key");
  }
  const signature = ecdsaSign("sha256", bin, { key, dsaEncoding: "der" });
  return encodeSignatureList([
    {
      signatureInfo: signatureInfoFor(options),
      batchNum: content.batchNum,
      batchSize: content.batchSize,
      signature: new Uint8Array(signature),
    },
  ]);
}

/** The SignatureInfo that goes into export.bin and export.sig for a signing key. */
export function signatureInfoFor(options: SignOptions): SignatureInfo {
  return { verificationKeyId: options.keyId, verificationKeyVersion: options.keyVersion, signatureAlgorithm: ECDSA_SHA256_OID };
}

/** A public key the user trusts. keyId/keyVersion undefined = matches any signature's id/version. */
export interface VerificationKey {
  keyId?: string;
  keyVersion?: string;
  publicKey: KeyObject;
}

/**
 * Parse a public key given as PEM text, or base64 of its DER SubjectPublicKeyInfo (what Google and
 * Apple hand to health authorities). Throws TypeError with a plain message otherwise.
 */
export function parsePublicKey(text: string): KeyObject {
  if (typeof text !== "string" || text.trim() === "") throw new TypeError("public key must be PEM text or base64");
  const t = text.trim();
  let key: KeyObject;
  try {
    if (t.startsWith("-----BEGIN")) key = createPublicKey(t);
    else {
      if (!/^[A-Za-z0-9+/=\s_-]+$/.test(t)) throw new Error("not base64");
      key = createPublicKey({ key: Buffer.from(t, "base64"), format: "der", type: "spki" });
    }
  } catch {
    throw new TypeError("public key is neither PEM nor base64 of a DER SubjectPublicKeyInfo");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new TypeError("public key must be an ECDSA P-256 (prime256v1) key");
  }
  return key;
}

export interface SignatureCheck {
  keyId?: string;
  keyVersion?: string;
  algorithm?: string;
  /** True when this signature verified against a trusted key with the same id and version. */
  valid: boolean;
  /** Why it did not verify. */
  problem?: string;
}

export interface VerifyResult {
  /** At least one signature verified and the batch bookkeeping is consistent. */
  valid: boolean;
  signatures: SignatureCheck[];
  /** Plain reason when not valid. */
  reason?: string;
}

/** One signature of export.sig with what it must verify against: its digest and the trusted keys that may have made it. */
export interface SignatureToVerify {
  check: SignatureCheck;
  digest: "sha256" | "sha512";
  candidates: VerificationKey[];
  signature: Uint8Array;
}

/**
 * The rules of Google's verifier, without the cryptography (shared by verifyExport and the web
 * app's WebCrypto verifier, web/src/check/webCryptoVerify.ts): the bin's batch number is 1..batch
 * size, export.sig holds as many signatures as the bin lists signature infos; a signature can count
 * only when its algorithm is in SIGNATURE_ALGORITHMS, its batch numbers equal the bin's and a
 * trusted key matches its key id + version. Returns a result when the file fails before any
 * signature is checked, else the signatures: those with a `problem` already failed, the others
 * need their DER signature verified over the whole bin with one of `candidates`.
 */
export function signaturesToVerify(
  sig: Uint8Array, trusted: VerificationKey[], content: Pick<ExportContent, "batchNum" | "batchSize" | "signatureInfos">,
): { result: VerifyResult } | { signatures: SignatureToVerify[] } {
  if (!Array.isArray(trusted)) throw new TypeError("trusted must be an array of verification keys");
  const signatures = decodeSignatureList(sig);
  if (signatures.length === 0) return { result: { valid: false, signatures: [], reason: "export.sig holds no signature" } };
  if (!(content.batchNum >= 1 && content.batchNum <= content.batchSize)) {
    return { result: { valid: false, signatures: [], reason: `export.bin says batch ${content.batchNum} of ${content.batchSize}` } };
  }
  if (content.signatureInfos.length !== signatures.length) {
    return { result: { valid: false, signatures: [], reason: `export.bin lists ${content.signatureInfos.length} signature(s) but export.sig holds ${signatures.length}` } };
  }
  return {
    signatures: signatures.map((s): SignatureToVerify => {
      const info = s.signatureInfo;
      const c: SignatureCheck = { keyId: info.verificationKeyId, keyVersion: info.verificationKeyVersion, algorithm: info.signatureAlgorithm, valid: false };
      const algorithm = info.signatureAlgorithm;
      const digest = algorithm !== undefined && Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, algorithm) ? SIGNATURE_ALGORITHMS[algorithm] : undefined;
      const out: SignatureToVerify = { check: c, digest: digest ?? "sha256", candidates: [], signature: s.signature };
      if (digest === undefined) {
        c.problem = "unsupported signature algorithm " + JSON.stringify(info.signatureAlgorithm);
        return out;
      }
      if ((s.batchNum ?? 1) !== content.batchNum || (s.batchSize ?? 1) !== content.batchSize) {
        c.problem = "signature batch numbers do not match export.bin";
        return out;
      }
      out.candidates = trusted.filter(
        (k) => (k.keyId === undefined || k.keyId === info.verificationKeyId) && (k.keyVersion === undefined || k.keyVersion === info.verificationKeyVersion),
      );
      if (out.candidates.length === 0) {
        c.problem = `no trusted public key for key id ${JSON.stringify(info.verificationKeyId)} version ${JSON.stringify(info.verificationKeyVersion)}`;
      }
      return out;
    }),
  };
}

/** The result over every signature once each was verified (signaturesToVerify, then the cryptography). */
export function verifyResultOf(checks: SignatureCheck[]): VerifyResult {
  const valid = checks.some((c) => c.valid);
  const result: VerifyResult = { valid, signatures: checks };
  if (!valid) result.reason = checks.map((c) => c.problem).join("; ");
  return result;
}

/**
 * Verify export.sig against export.bin with the trusted keys (the rules of Google's verifier,
 * signaturesToVerify): at least one signature counts when its DER signature verifies over the
 * whole bin with a candidate key. Malformed input throws ExportFormatError (it is not just
 * "invalid"). `header`: the bin's batch numbers and signature infos when the caller has already
 * read them (saves decoding the bin again).
 */
export function verifyExport(
  bin: Uint8Array, sig: Uint8Array, trusted: VerificationKey[], header?: Pick<ExportContent, "batchNum" | "batchSize" | "signatureInfos">,
): VerifyResult {
  if (!Array.isArray(trusted)) throw new TypeError("trusted must be an array of verification keys");
  const todo = signaturesToVerify(sig, trusted, header ?? decodeExportBin(bin));
  if ("result" in todo) return todo.result;
  return verifyResultOf(todo.signatures.map(({ check: c, digest, candidates, signature }) => {
    if (c.problem) return c;
    for (const k of candidates) {
      let ok = false;
      try {
        ok = ecdsaVerify(digest, bin, { key: k.publicKey, dsaEncoding: "der" }, signature);
      } catch {
        ok = false;
      }
      if (ok) {
        c.valid = true;
        return c;
      }
    }
    c.problem = "signature does not match the file and the trusted key";
    return c;
  }));
}

/** export.zip bytes with exactly export.bin and export.sig. */
export function writeExportZip(bin: Uint8Array, sig: Uint8Array): Uint8Array {
  checkBytes("bin", bin);
  checkBytes("sig", sig);
  checkSize("export.bin", bin.length);
  checkSize("export.sig", sig.length);
  return zipSync({ [EXPORT_BIN_NAME]: bin, [EXPORT_SIG_NAME]: sig }, { level: 6, mtime: new Date(Date.UTC(2020, 0, 1)) });
}

/**
 * DEFLATE for fflate's Unzip through node:zlib (native: several times faster than fflate's own
 * inflate on a national key set). An entry is inflated when its last compressed byte arrives,
 * never beyond 16 MB + 1 byte (zlib's maxOutputLength), so a zip bomb is cut off.
 */
class NodeInflate implements UnzipDecoder {
  static compression = 8;
  ondata: AsyncFlateStreamHandler = () => {};
  private chunks: Uint8Array[] = [];

  push(chunk: Uint8Array, final: boolean): void {
    this.chunks.push(chunk);
    if (!final) return;
    let out: Buffer;
    try {
      out = inflateRawSync(concat(this.chunks), { maxOutputLength: MAX_EXPORT_BYTES + 1 });
    } catch (e) {
      const big = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      const err = new Error(big ? "it inflates to more than 16 MB: refused (zip bomb?)" : (e as Error).message) as FlateError;
      this.ondata(err, new Uint8Array(0), true);
      return;
    }
    this.ondata(null, new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.length), true);
  }
}

/**
 * Read export.bin and export.sig from a zip. Rejects other or repeated entries, a missing entry,
 * anything that inflates beyond 16 MB (streamed: a zip bomb is cut off, never fully inflated), and
 * an entry whose inflated bytes disagree with the central directory (name, size, CRC-32).
 */
export function readExportZip(zip: Uint8Array): { bin: Uint8Array; sig: Uint8Array } {
  checkBytes("zip", zip);
  checkSize("the zip file", zip.length);
  if (zip.length < 22 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw new ExportFormatError("not a zip file (a diagnosis-key export is a zip with export.bin and export.sig)");
  }
  const parts: Record<string, Uint8Array[]> = {};
  const sizes: Record<string, number> = {};
  const done: Record<string, boolean> = {};
  let failure: ExportFormatError | null = null;
  const unzip = new Unzip((file) => {
    if (failure) return;
    if (file.name !== EXPORT_BIN_NAME && file.name !== EXPORT_SIG_NAME) {
      failure = new ExportFormatError(`the zip holds an unexpected entry "${file.name}"; an export has only export.bin and export.sig`);
      return;
    }
    if (parts[file.name]) {
      failure = new ExportFormatError(`the zip holds "${file.name}" twice`);
      return;
    }
    if (file.originalSize !== undefined && file.originalSize > MAX_EXPORT_BYTES) {
      failure = new ExportFormatError(`${file.name} would be ${file.originalSize} bytes, over the 16 MB limit`);
      return;
    }
    parts[file.name] = [];
    sizes[file.name] = 0;
    file.ondata = (err, chunk, final) => {
      if (failure) return;
      if (err) {
        failure = new ExportFormatError(`${file.name} in the zip is damaged (${err.message})`);
        return;
      }
      sizes[file.name] += chunk.length;
      if (sizes[file.name] > MAX_EXPORT_BYTES) {
        failure = new ExportFormatError(`${file.name} inflates to more than 16 MB: refused (zip bomb?)`);
        file.terminate();
        return;
      }
      parts[file.name].push(chunk);
      if (final) done[file.name] = true;
    };
    file.start();
  });
  unzip.register(NodeInflate);
  try {
    unzip.push(zip, true);
  } catch (e) {
    if (!failure) failure = new ExportFormatError("the zip file is damaged or truncated (" + (e as Error).message + ")");
  }
  if (failure) throw failure;
  for (const name of [EXPORT_BIN_NAME, EXPORT_SIG_NAME]) {
    if (!parts[name]) throw new ExportFormatError(`the zip has no ${name}; an export needs export.bin and export.sig`);
    if (!done[name]) throw new ExportFormatError(`${name} in the zip is truncated`);
  }
  const bin = concat(parts[EXPORT_BIN_NAME]);
  const sig = concat(parts[EXPORT_SIG_NAME]);
  const directory = readZipDirectory(zip);
  if (directory.length !== 2 || directory.some((e) => e.name !== EXPORT_BIN_NAME && e.name !== EXPORT_SIG_NAME) || directory[0].name === directory[1].name) {
    throw new ExportFormatError(`the zip's directory lists ${JSON.stringify(directory.map((e) => e.name))}; an export has only export.bin and export.sig`);
  }
  for (const entry of directory) {
    const data = entry.name === EXPORT_BIN_NAME ? bin : sig;
    if (entry.flags & 1) throw new ExportFormatError(`${entry.name} in the zip is encrypted`);
    if (entry.size !== data.length) throw new ExportFormatError(`${entry.name} in the zip is damaged: ${data.length} bytes where the zip's directory says ${entry.size}`);
    if (crc32(data) !== entry.crc32) throw new ExportFormatError(`${entry.name} in the zip is damaged: its CRC-32 does not match (the file was changed or cut short)`);
  }
  return { bin, sig };
}

