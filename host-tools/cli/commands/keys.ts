/**
 * `omamori keys`: look at, verify and fetch diagnosis-key export files (docs/MATCHING.md section 1).
 *
 *   keys inspect FILE [--json]                       region, batch, time range, key count, signature info
 *   keys verify FILE --public-key KEY [--key-id ID --key-version V] [--json]
 *                                                    {"valid", "keys", ...}; exit 0 valid, 1 not valid
 *   keys fetch [--source S...] [--public-key KEY] [--allow-unsigned]
 *                                                    new files from the configured sources into the cache
 * A damaged, truncated, oversized or wrong-header file: one plain line, exit 2, cache untouched.
 */
import { existsSync, readFileSync } from "node:fs";
import { Command } from "commander";
import { SingleBar } from "cli-progress";
import { lang, say } from "../../base/language";
import { localTime } from "../../base/time";
import { decodeExportBin, decodeSignatureList, parsePublicKey, readExportZip, verifyExport, type VerificationKey } from "../../keys/exportFile";
import { fetchKeys } from "../../keys/fetchKeys";
import { KeyCache } from "../../keys/keyCache";
import { currentStore } from "../../keys/keyStore";
import { sha256Hex } from "../../keys/readExport";
import { validateKeys } from "../../keys/validateKeys";
import { checkSettingsPath, loadCheckSettings } from "../../report/checkSettings";
import { fetchReason } from "../../report/runCheck";
import { reasonText } from "../../report/verdict";
import { omamoriHome } from "../../base/dataDir";
import { UsageError } from "../../base/errors";
import { withHomeLock } from "../dataLock";

function readZipArg(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(say(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the file's name and folder`, `${file} を読めません。ファイルの名前と場所を確かめてください。`));
  }
}

/** Errors that mean "the user's file or argument is bad" (exit 2), not a bug. */
function isInputError(e: unknown): e is Error {
  return e instanceof Error && (["ExportFormatError", "LogFormatError", "RiskConfigError"].includes(e.name) || e instanceof TypeError);
}

/** Runs `f`, turning any problem with the user's file into a UsageError (exit 2). */
export function asUsage<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (isInputError(e)) throw new UsageError(`${what}: ${e.message}`);
    throw e;
  }
}

/** asUsage for async work. */
export async function asUsageAsync<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (isInputError(e)) throw new UsageError(`${what}: ${e.message}`);
    throw e;
  }
}

/** --public-key: PEM text, base64 SPKI, or a path to a PEM file. */
export function publicKeyArg(value: string, keyId?: string, keyVersion?: string): VerificationKey {
  const text = existsSync(value) ? readFileSync(value, "utf8") : value;
  const publicKey = asUsage("--public-key", () => parsePublicKey(text));
  const k: VerificationKey = { publicKey };
  if (keyId !== undefined) k.keyId = keyId;
  if (keyVersion !== undefined) k.keyVersion = keyVersion;
  return k;
}

function iso(s: number): string {
  return new Date(s * 1000).toISOString();
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("diagnosis-key export files: inspect, verify, fetch");

  keys
    .command("inspect")
    .description("show what an export zip holds (region, batch, time range, keys, signatures)")
    .argument("<file>", "export zip")
    .option("--json", "print JSON")
    .action((file: string, opts: { json?: boolean }) => {
      const zip = readZipArg(file);
      const { content, sigs } = asUsage(file, () => {
        const { bin, sig } = readExportZip(zip);
        return { content: decodeExportBin(bin), sigs: decodeSignatureList(sig) };
      });
      const v = validateKeys([content], Date.now() / 1000);
      const out = {
        file,
        sha256: sha256Hex(zip),
        region: content.region,
        batchNum: content.batchNum,
        batchSize: content.batchSize,
        startTimestamp: content.startTimestamp,
        endTimestamp: content.endTimestamp,
        start: iso(content.startTimestamp),
        end: iso(content.endTimestamp),
        keys: content.keys.length,
        revisedKeys: content.revisedKeys.length,
        usableKeysToday: v.keys.count,
        dropped: v.dropped,
        signatureInfos: content.signatureInfos,
        signatures: sigs.map((s) => ({ ...s.signatureInfo, batchNum: s.batchNum, batchSize: s.batchSize, signatureBytes: s.signature.length })),
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(out, null, 1) + "\n");
        return;
      }
      process.stdout.write(
        say(
          `${file}\n  region ${out.region}, batch ${out.batchNum} of ${out.batchSize}\n  from ${localTime(out.start, "en")} to ${localTime(out.end, "en")}\n` +
            `  ${out.keys} keys, ${out.revisedKeys} revised keys (${out.usableKeysToday} usable today)\n` +
            `  ${out.signatures.length} signature(s): ${out.signatures.map((s) => `key id ${s.verificationKeyId} version ${s.verificationKeyVersion}`).join("; ")}\n` +
            `  To check the signature: npx omamori keys verify ${file} --public-key KEY\n`,
          `${file}\n  地域 ${out.region}、バッチ ${out.batchNum}/${out.batchSize}\n  期間：${localTime(out.start, "ja")}から${localTime(out.end, "ja")}まで\n` +
            `  鍵 ${out.keys} 件、改訂された鍵 ${out.revisedKeys} 件（今日使える鍵 ${out.usableKeysToday} 件）\n` +
            `  署名 ${out.signatures.length} 件：${out.signatures.map((s) => `鍵ID ${s.verificationKeyId} 版 ${s.verificationKeyVersion}`).join("、")}\n` +
            `  署名の確認：npx omamori keys verify ${file} --public-key 公開鍵\n`,
        ),
      );
    });

  keys
    .command("verify")
    .description("check an export zip's signature against a public key")
    .argument("<file>", "export zip")
    .requiredOption("--public-key <key>", "P-256 public key: base64 (DER SubjectPublicKeyInfo), PEM text, or a PEM file")
    .option("--key-id <id>", "only accept signatures with this verification key id (e.g. 440)")
    .option("--key-version <v>", "only accept signatures with this key version (e.g. v1)")
    .option("--json", "print JSON")
    .action((file: string, opts: { publicKey: string; keyId?: string; keyVersion?: string; json?: boolean }) => {
      const trusted = publicKeyArg(opts.publicKey, opts.keyId, opts.keyVersion);
      const zip = readZipArg(file);
      const { result, content } = asUsage(file, () => {
        const { bin, sig } = readExportZip(zip);
        return { result: verifyExport(bin, sig, [trusted]), content: decodeExportBin(bin) };
      });
      const out = { valid: result.valid, keys: content.keys.length, revisedKeys: content.revisedKeys.length, region: content.region, signatures: result.signatures, ...(result.reason ? { reason: result.reason } : {}) };
      if (opts.json) process.stdout.write(JSON.stringify(out) + "\n");
      else if (result.valid) process.stdout.write(say(`Signature valid: ${file} (${out.keys} keys) really comes from the holder of this key.\n`, `署名は正しいです：${file}（鍵 ${out.keys} 件）はこの公開鍵の持ち主が作ったものです。\n`));
      else process.stdout.write(say(`Signature NOT valid: do not use ${file}. (${result.reason})\n`, `署名が正しくありません：${file} は使わないでください。\n`));
      process.exitCode = result.valid ? 0 : 1;
    });

  keys
    .command("fetch")
    .description("download new export files from the configured sources into the key cache")
    .option("--source <src...>", "list.json URL or file, export zip URL or file, or a directory of zips (default: check.json keySources)")
    .option("--public-key <key>", "trust this public key (in addition to check.json publicKeys)")
    .option("--allow-unsigned", "accept files whose signature does not verify (testing only)")
    .action(async (opts: { source?: string[]; publicKey?: string; allowUnsigned?: boolean }) => {
      const home = omamoriHome();
      const settings = asUsage("check.json", () => loadCheckSettings(home));
      const trust = { keys: settings.publicKeys.concat(opts.publicKey ? [publicKeyArg(opts.publicKey)] : []), allowUnsigned: !!opts.allowUnsigned || settings.allowUnsigned };
      const sources = opts.source ?? settings.keySources;
      if (sources.length === 0) throw new UsageError(say("no key source: give --source or set keySources in check.json (see docs/MATCHING.md)", "鍵の取得元がありません。--source を指定するか、check.json の keySources を設定してください（docs/MATCHING.md）。"));
      const r = await withHomeLock("keys fetch", async () => {
        const cache = asUsage("key cache", () => new KeyCache(home));
        const fetched = await fetchWithBar(sources, cache, trust);
        if (fetched.added > 0) await currentStore(cache); // merged now, so the next check loads them at once
        return fetched;
      }, home);
      process.stdout.write(say(`${r.added} new file(s), ${r.keysAdded} keys; ${r.alreadyCached} already had.\n`, `新しいファイル ${r.added} 件（鍵 ${r.keysAdded} 件）、取得済み ${r.alreadyCached} 件。\n`));
      for (const p of r.problems) {
        const t = reasonText(fetchReason(p, checkSettingsPath(home)), lang());
        process.stderr.write(say(`problem: ${p.source}: ${p.message}\n`, `問題：${t.why}${t.todo}\n`));
      }
      if (r.problems.length) process.exitCode = 1;
    });
}

/** A progress bar for key files on stderr (only on a terminal): onProgress for fetchKeys, and stop. */
export function keyFileProgress(enabled = true): { onProgress: (done: number, total: number) => void; stop: () => void } {
  const bar = enabled && process.stderr.isTTY ? new SingleBar({ format: say("keys {bar} {value}/{total} files", "鍵 {bar} {value}/{total} ファイル"), hideCursor: true, stream: process.stderr }) : null;
  let started = false;
  return {
    onProgress: (done, total) => {
      if (!bar || total === 0) return;
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => {
      if (started) bar!.stop();
    },
  };
}

/** fetchKeys with a progress bar on a terminal. */
async function fetchWithBar(sources: string[], cache: KeyCache, trust: { keys: VerificationKey[]; allowUnsigned: boolean }) {
  const progress = keyFileProgress();
  try {
    return await fetchKeys(sources, cache, { trust, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
}
