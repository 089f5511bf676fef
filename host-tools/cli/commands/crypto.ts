/** `omamori crypto rpi`: derive GAEN identifiers from a daily key (a debugging and interop aid). */
import { Command } from "commander";
import { fromHex, toHex } from "../../../common/bytes";
import { referenceCrypto } from "../../gaen/crypto";
import { UsageError } from "../../base/errors";
import { say } from "../../base/language";

function parseHexArg(name: string, value: string, len: number): Uint8Array {
  if (!new RegExp(`^[0-9a-fA-F]{${2 * len}}$`).test(value)) {
    throw new UsageError(say(
      `--${name} must be ${len} bytes written as ${2 * len} hex digits (0-9, a-f), got ${JSON.stringify(value)}`,
      `--${name} は ${len} バイトを 16 進数 ${2 * len} 桁（0～9、a～f）で指定してください（${JSON.stringify(value)} は使えません）。`,
    ));
  }
  return fromHex(value);
}

function parseEnin(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 0xffffffff) {
    throw new UsageError(say(
      `--enin must be a whole number from 0 to 4294967295, got ${JSON.stringify(value)}`,
      `--enin は 0～4294967295 の整数で指定してください（${JSON.stringify(value)} は使えません）。`,
    ));
  }
  return n;
}

export function registerCrypto(program: Command): void {
  const crypto = program.command("crypto").description("GAEN crypto helpers for debugging and interoperability");
  crypto
    .command("rpi")
    .description("derive RPIK, AEMK, RPI and AEM from a daily key (TEK) and an interval number")
    .requiredOption("--tek <hex>", "daily key, 16 bytes as 32 hex digits")
    .requiredOption("--enin <n>", "ENIntervalNumber (unix seconds / 600)")
    .option("--metadata <hex>", "4 bytes of Bluetooth metadata", "40000000")
    .option("--json", "print JSON")
    .action((opts: { tek: string; enin: string; metadata: string; json?: boolean }) => {
      const tek = parseHexArg("tek", opts.tek, 16);
      const enin = parseEnin(opts.enin);
      const md = parseHexArg("metadata", opts.metadata, 4);
      const rpik = referenceCrypto.rpik(tek);
      const aemk = referenceCrypto.aemk(tek);
      const rpi = referenceCrypto.rpi(rpik, enin);
      const aem = referenceCrypto.aem(aemk, rpi, md);
      const out = { rpik: toHex(rpik), aemk: toHex(aemk), rpi: toHex(rpi), aem: toHex(aem) };
      if (opts.json) process.stdout.write(JSON.stringify(out) + "\n");
      else process.stdout.write(`RPIK ${out.rpik}\nAEMK ${out.aemk}\nRPI  ${out.rpi}\nAEM  ${out.aem}\n`);
    });
}
