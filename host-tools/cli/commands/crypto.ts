/** `omamori crypto rpi`: derive GAEN identifiers from a daily key (a debugging and interop aid). */
import { Command } from "commander";
import { fromHex, toHex } from "../../../common/bytes";
import { referenceCrypto } from "../../gaen/crypto";
import { UsageError } from "../../base/errors";

function parseHexArg(name: string, value: string, len: number): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(value)) throw new UsageError(`--${name} must be hex digits, got "${value}"`);
  if (value.length !== 2 * len) throw new UsageError(`--${name} must be ${len} bytes (${2 * len} hex digits), got ${value.length} digits`);
  return fromHex(value);
}

function parseEnin(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--enin must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n > 0xffffffff) throw new UsageError(`--enin must be at most 4294967295, got ${value}`);
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
