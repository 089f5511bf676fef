/**
 * `omamori server ...`: run the reference diagnosis-key server (docs/SERVER.md).
 *
 *   init          create the data directory and signing key; print the public key for clients
 *   issue-number  print a new single-use 8-digit processing number (処理番号)
 *   serve         answer PUT /v3/diagnosis and serve the published files
 *   publish       write due keys into signed export zips and list.json
 */
import { Command } from "commander";
import { DataDirError, initDataDir, openDataDir, publicKeyInfo, checkPublicUrl, type DataDir } from "../../server/dataDir";
import { parseTrustProxy, type TrustProxy } from "../../server/clientAddress";
import { startServer } from "../../server/httpServer";
import { issueNumber } from "../../server/processingNumbers";
import { publish } from "../../server/publish";
import { DEFAULTS, MS_PER_DAY } from "../../server/settings";
import { openStore } from "../../server/store";
import { UsageError } from "../../base/errors";
import { say } from "../../base/language";
import { placeWebApp } from "../../web/webApp";
import { join, relative, sep } from "node:path";

const DEFAULT_DATA_DIR = "omamori-server";

/** `--trust-proxy` (1 hop), `--trust-proxy 2`, or `--trust-proxy 10.0.0.0/8,::1`. */
function trustProxyOption(value: boolean | string | undefined): TrustProxy {
  if (value === undefined || value === false) return undefined;
  const setting: TrustProxy = value === true ? 1 : /^\d+$/.test(value.trim()) ? Number(value.trim()) : value.split(",").map((s) => s.trim()).filter((s) => s);
  try {
    parseTrustProxy(setting);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return setting;
}

/** A whole-number option in min..max; the message states the range. */
function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new UsageError(say(
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      `--${name} は ${min}～${max} の整数で指定してください（${JSON.stringify(value)} は使えません）。`,
    ));
  }
  return n;
}

function positiveHours(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !(n > 0) || n > 720) {
    throw new UsageError(say(
      `--ttl-hours must be a number of hours above 0 and at most 720, got ${JSON.stringify(value)}`,
      `--ttl-hours は 0 より大きく 720 以下の時間数で指定してください（${JSON.stringify(value)} は使えません）。`,
    ));
  }
  return n;
}

function publicUrlOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    checkPublicUrl(value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return value.replace(/\/+$/, "");
}

function open(dir: string): DataDir {
  try {
    return openDataDir(dir);
  } catch (e) {
    if (e instanceof DataDirError) throw new UsageError(e.message);
    throw e;
  }
}

/** "2026-11-26 11:31 UTC (2026-11-26 20:31 Japan time / 日本時間)". */
function whenText(ms: number): string {
  const utc = new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  const jst = new Date(ms + 9 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
  return `${utc} UTC (${jst} Japan time / 日本時間)`;
}

export function registerServer(program: Command): void {
  const server = program.command("server").description("the reference diagnosis-key server (processing numbers, registration, publishing)");

  server
    .command("init")
    .description("create the server's data directory and signing key, and print the public key for clients")
    .option("--data <dir>", "data directory", DEFAULT_DATA_DIR)
    .option("--public-url <url>", "address where clients download the published files, e.g. https://cdn.example.jp")
    .option("--max-keys-per-file <n>", "most keys in one export file", String(DEFAULTS.maxKeysPerFile))
    .action((opts: { data: string; publicUrl?: string; maxKeysPerFile: string }) => {
      let result;
      try {
        result = initDataDir(opts.data, {
          publicUrl: publicUrlOption(opts.publicUrl),
          maxKeysPerFile: wholeNumber("max-keys-per-file", opts.maxKeysPerFile, 1, 750_000),
        });
      } catch (e) {
        if (e instanceof DataDirError) throw new UsageError(e.message);
        throw e;
      }
      const info = publicKeyInfo(result.dataDir);
      const out = process.stdout;
      out.write(
        result.created
          ? `Created the server data directory / サーバーのデータフォルダを作りました: ${result.dataDir.dir}\n`
          : `The data directory already exists; its key is unchanged / データフォルダは既にあります（鍵は変わりません）: ${result.dataDir.dir}\n`,
      );
      out.write(`Give clients this public key to check the published files / 公開ファイルの確認に使う公開鍵（利用者側に設定）:\n`);
      out.write(`  key id:      ${info.keyId}\n  key version: ${info.keyVersion}\n  algorithm:   ${info.algorithm}\n`);
      out.write(`  public key (base64 SPKI): ${info.spkiBase64}\n\n${info.pem}`);
      out.write(`Keep signing-key.pem and number-secret in ${result.dataDir.dir} private and backed up.\n`);
      out.write(`signing-key.pem と number-secret は秘密にし、バックアップしてください。\n`);
    });

  server
    .command("issue-number")
    .description("print a new single-use 8-digit processing number for a person who tested positive")
    .option("--data <dir>", "data directory", DEFAULT_DATA_DIR)
    .option("--ttl-hours <hours>", "hours the number stays valid", String(DEFAULTS.numberTtlHours))
    .option("--json", "print JSON")
    .action((opts: { data: string; ttlHours: string; json?: boolean }) => {
      const ttl = positiveHours(opts.ttlHours);
      const data = open(opts.data);
      const db = openStore(data.databasePath);
      try {
        const issued = issueNumber(db, data.numberSecret, Date.now(), ttl);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ number: issued.number, expiresAt: new Date(issued.expiresAt).toISOString() }) + "\n");
          return;
        }
        process.stdout.write(
          `Processing number / 処理番号: ${issued.number}\n` +
            `Valid until / 有効期限: ${whenText(issued.expiresAt)}\n` +
            `Send it to the person (for example by SMS). It works only once.\n` +
            `ご本人に（SMSなどで）お知らせください。一度だけ使えます。\n`,
        );
      } finally {
        db.close();
      }
    });

  server
    .command("serve")
    .description("answer registrations (PUT /v3/diagnosis) and serve the published files until stopped")
    .option("--data <dir>", "data directory", DEFAULT_DATA_DIR)
    .option("--port <n>", "TCP port", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--public-url <url>", "address written into list.json (default: the data directory's, else this server's)")
    .option("--publish-every-minutes <n>", "publish on a timer (0 = never)", String(DEFAULTS.publishEveryMinutes))
    .option(
      "--trust-proxy [hops-or-addresses]",
      "behind reverse proxies: how many hops (default 1), or their addresses/CIDR ranges (comma-separated); the client is the address the last of them saw",
    )
    .option("--max-wrong-numbers <n>", "wrong processing numbers per client per 15 minutes", String(DEFAULTS.maxFailedNumbers))
    .option("--max-wrong-numbers-global <n>", "wrong processing numbers from everybody per 15 minutes, before only clean clients may try", String(DEFAULTS.maxFailedNumbersGlobal))
    .action(async (opts: { data: string; port: string; host: string; publicUrl?: string; publishEveryMinutes: string; trustProxy?: boolean | string; maxWrongNumbers: string; maxWrongNumbersGlobal: string }) => {
      const port = wholeNumber("port", opts.port, 0, 65535);
      const every = wholeNumber("publish-every-minutes", opts.publishEveryMinutes, 0, 7 * 24 * 60);
      const perClient = wholeNumber("max-wrong-numbers", opts.maxWrongNumbers, 1, 1000);
      const global = wholeNumber("max-wrong-numbers-global", opts.maxWrongNumbersGlobal, 1, 1_000_000);
      const trustProxy = trustProxyOption(opts.trustProxy);
      let running;
      try {
        running = await startServer({
          dataDir: opts.data,
          port,
          host: opts.host,
          publicUrl: publicUrlOption(opts.publicUrl),
          publishEveryMinutes: every,
          trustProxy,
          maxFailedNumbers: perClient,
          maxFailedNumbersGlobal: global,
          log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
        });
      } catch (e) {
        if (e instanceof DataDirError) throw new UsageError(e.message);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(say(`cannot listen on ${opts.host}:${port}: the port is in use (another server already runs there?); stop it, or choose another --port`, `${opts.host}:${port} で待ち受けできません。このポートは使用中です（別のサーバーが動いていませんか）。それを止めるか、別の --port を指定してください。`));
        if (code === "EACCES") throw new UsageError(say(`cannot listen on ${opts.host}:${port}: not allowed (ports below 1024 need administrator rights); choose a --port from 1024 to 65535`, `${opts.host}:${port} で待ち受けできません（1024 未満のポートには管理者の権限が必要です）。1024～65535 の --port を指定してください。`));
        throw e;
      }
      if (running.created) process.stdout.write(`Created the server data directory ${opts.data} with a new signing key.\n`);
      const k = running.publicKey;
      process.stdout.write(`Public key for clients: key id ${k.keyId}, version ${k.keyVersion}, base64 SPKI ${k.spkiBase64}\n`);
      process.stdout.write(`Omamori diagnosis server at ${running.url}  (list: ${running.url}/c19r/440/list.json)\nStop with Ctrl+C.\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void running.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      process.stdout.write("Server stopped.\n");
    });

  server
    .command("publish")
    .description("write the keys that are due into signed export files and list.json")
    .option("--data <dir>", "data directory", DEFAULT_DATA_DIR)
    .option("--now <iso>", "pretend it is this time (ISO 8601), for tests and catch-up")
    .option("--public-url <url>", "address written into list.json (default: the data directory's)")
    .option("--max-keys-per-file <n>", "most keys in one export file (default: the data directory's)")
    .option("--web", "also place the web app (dist/web/) in <public>/web/, set up for this server (docs/WEB.md)")
    .action((opts: { data: string; now?: string; publicUrl?: string; maxKeysPerFile?: string; web?: boolean }) => {
      let nowMs = Date.now();
      if (opts.now !== undefined) {
        nowMs = Date.parse(opts.now);
        if (!/^\d{4}-\d{2}-\d{2}/.test(opts.now) || !Number.isFinite(nowMs)) throw new UsageError(`--now must be an ISO date and time such as 2026-11-23T10:00:00Z, got "${opts.now}"`);
      }
      const data = open(opts.data);
      const db = openStore(data.databasePath);
      try {
        const r = publish(data, db, {
          nowMs,
          publicUrl: publicUrlOption(opts.publicUrl),
          maxKeysPerFile: opts.maxKeysPerFile === undefined ? undefined : wholeNumber("max-keys-per-file", opts.maxKeysPerFile, 1, 750_000),
        });
        for (const f of r.files) process.stdout.write(`wrote ${f.path} (${f.keys} keys of ${new Date(f.day * MS_PER_DAY).toISOString().slice(0, 10)})\n`);
        process.stdout.write(
          `Published ${r.keysPublished} key(s) in ${r.files.length} file(s); ${r.keysWaiting} key(s) wait until 2 hours after their day ends; ` +
            `removed ${r.filesRemoved} old file(s) and ${r.keysRemoved} old key(s).\n` +
            `公開: 鍵 ${r.keysPublished} 件（ファイル ${r.files.length} 個）、公開待ち ${r.keysWaiting} 件、削除: 古いファイル ${r.filesRemoved} 個・古い鍵 ${r.keysRemoved} 件。\n` +
            `List / 一覧: ${r.listPath}\n`,
        );
        if (opts.web) {
          const key = publicKeyInfo(data);
          const n = placeWebApp(join(data.publicDir, "web"), {
            keySources: ["../" + relative(data.publicDir, r.listPath).split(sep).join("/")],
            publicKeys: [{ keyId: key.keyId, keyVersion: key.keyVersion, publicKey: key.pem }],
            server: "..",
          });
          process.stdout.write(`Web app / ウェブアプリ: ${join(data.publicDir, "web")} (${n} files)\n`);
        }
      } catch (e) {
        if (e instanceof DataDirError) throw new UsageError(e.message);
        throw e;
      } finally {
        db.close();
      }
    });
}
