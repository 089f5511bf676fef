/**
 * What the commands that reach a token (sync, status, token, register-positive) share: the
 * transport options, choosing the token, and turning failures into one plain line. The `sim`
 * transport builds a simulated world (transports/simWorld.ts; its firmware is built first when
 * missing or stale, transports/simFirmware.ts) that ends at the real present, hands
 * its fresh token the saved secret, lets `--sim-hours` pass and presses the button, so every
 * command behaves as with a real token — and what it syncs is dated today.
 */
import { Command, Option } from "commander";
import { UsageError, closest } from "../base/errors";
import { DataDir, PairingLostError, checkTokenId } from "../base/dataDir";
import { DamagedFileError } from "../base/atomicFile";
import { SyncError } from "./errors";
import { BleTransport } from "./transports/ble";
import { openSimWorld, type SimSyncWorld } from "./transports/simWorld";
import { SimFirmwareError, ensureSimFirmware } from "./transports/simFirmware";
import { say } from "../base/language";
import type { SyncTransport } from "./transport";

export interface TransportOptions {
  transport: "ble" | "sim";
  scenario: string;
  simDevice?: string;
  simHours: string;
}

export function addTransportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--transport <kind>", "how to reach the token: ble (this computer's Bluetooth) or sim (a simulated token)").choices(["ble", "sim"]).default("ble"))
    .option("--scenario <name>", "sim: scenario name in sim/scenarios or a JSON file", "household")
    .option("--sim-device <id>", "sim: which token of the scenario (default: the first)")
    .option("--sim-hours <n>", "sim: hours of simulated life before the sync (0 to 672)", checked(hours), "24");
}

export interface OpenTransport {
  transport: SyncTransport;
  now: () => number;
  sim: SimSyncWorld | null;
  close(): Promise<void>;
}

/** An option parser that checks a value when the command line is read, before anything runs; keeps the text. */
export function checked(check: (v: string) => unknown): (v: string) => string {
  return (v) => {
    check(v);
    return v;
  };
}

function hours(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 0 && n <= 24 * 28)) throw new UsageError(say(`--sim-hours must be a number of hours from 0 to 672, got ${JSON.stringify(v)}`, `--sim-hours は 0～672 の時間数で指定してください（${JSON.stringify(v)} は使えません）。`));
  return n;
}

/**
 * Opens the chosen transport. For `sim`, `secret` (when known) is given to the simulated token
 * first; `live` hours then pass and the owner's button is pressed.
 */
export async function openTransport(o: TransportOptions, secret: Uint8Array | null): Promise<OpenTransport> {
  if (o.transport === "ble") {
    const t = new BleTransport();
    await t.ready(); // no adapter, Bluetooth off, not allowed: said first, before any waiting
    return { transport: t, now: Date.now, sim: null, close: () => t.close() };
  }
  const h = hours(o.simHours);
  await ensureSimFirmware((line) => process.stderr.write("omamori: " + line + "\n"));
  const end = Date.now();
  const DAY = 86_400_000;
  let sw: SimSyncWorld;
  try {
    // the scenario's days start at midnight: begin at the midnight (UTC) before `h` hours ago
    sw = await openSimWorld({ scenario: o.scenario, device: o.simDevice, startAt: Math.floor((end - h * 3600_000) / DAY) * DAY });
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
  if (secret) await sw.provision(secret);
  await sw.run(Math.max(0, end - sw.world.now));
  await sw.press();
  return { transport: sw.transport, now: () => sw.world.now, sim: sw, close: async () => undefined };
}

/** The token to use: --token, or the only paired one. */
export async function chooseToken(data: DataDir, wanted: string | undefined): Promise<string> {
  const ids = await data.tokenIds();
  const lost = await data.lostPairings();
  const lostOne = (id: string) => lost.find((l) => l.tokenId === id);
  if (wanted !== undefined) {
    if (ids.includes(wanted)) return wanted;
    const l = lostOne(wanted);
    if (l) throw new PairingLostError(wanted, l.keptAs ?? data.tokenDir(wanted));
    if (ids.length) {
      const guess = closest(wanted, ids);
      throw new UsageError(say(
        `no paired token is named "${wanted}"` + (guess ? `; did you mean "${guess}"?` : "") + ` Paired tokens: ${ids.join(", ")}.`,
        `「${wanted}」という名前でペアリングしたお守りはありません。` + (guess ? `「${guess}」のことですか？` : "") + `ペアリングしたお守り：${ids.join("、")}。`,
      ));
    }
    try {
      checkTokenId(wanted);
    } catch {
      throw new UsageError(tokenIdRule(wanted));
    }
    throw new UsageError(noTokenYet(data.root, wanted));
  }
  if (ids.length === 1) return ids[0];
  if (ids.length === 0 && lost.length) throw new PairingLostError(lost[0].tokenId, lost[0].keptAs ?? data.tokenDir(lost[0].tokenId));
  if (ids.length === 0) throw new UsageError(noTokenYet(data.root));
  throw new UsageError(say("several tokens are paired (" + ids.join(", ") + "); choose one with --token NAME", "複数のお守りをペアリングしています（" + ids.join("、") + "）。--token 名前 で選んでください。"));
}

/** "No token paired yet: pair one with ..." */
function noTokenYet(home: string, name = "NAME"): string {
  return say(
    `no paired token yet in ${home}; press the token's button, then pair it: npx omamori token pair --token ${name}`,
    `${home} には、ペアリングしたお守りがありません。お守りのボタンを押してから、ペアリングしてください：npx omamori token pair --token ${name === "NAME" ? "名前" : name}`,
  );
}

/** The rule for token names, with the rejected value. */
export function tokenIdRule(got: string): string {
  return say(
    `a token name must be 1 to 32 characters: lowercase letters a-z, digits 0-9 and '-', starting with a letter or digit; got ${JSON.stringify(got)}`,
    `お守りの名前は、半角の小文字 a～z、数字 0～9、「-」で1～32文字にしてください（先頭は文字か数字）。${JSON.stringify(got)} は使えません。`,
  );
}

/** The secret of a paired token, recovering a damaged token.json when its secret can still be read. */
export async function tokenSecret(data: DataDir, id: string): Promise<Uint8Array> {
  const rec = await data.loadTokenRecovering(id, new Date(), (k) => process.stderr.write("omamori: " + say(
    `the pairing record of "${id}" was damaged, but its secret could still be read: the damaged file was kept as ${k.keptAs} and the record written again.`,
    `「${id}」のペアリングの記録が壊れていましたが、秘密の鍵は読み取れました。壊れたファイルは ${k.keptAs} として残し、記録を書き直しました。`,
  ) + "\n"));
  return rec.secret;
}

/** Problems with the user's files or arguments that the sync modules report as TypeErrors. */
function isDataProblem(m: string): boolean {
  return m.includes(" is damaged") || m.startsWith("no paired token") || m.startsWith("token id must") || m.startsWith("a token named");
}

/**
 * Runs a command body: a SyncError, a lost pairing or a damaged data file -> one plain line on
 * stderr with what to do, exit code 1; a bad name or file given by the user -> UsageError (exit 2).
 */
export async function plainFailures(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof SyncError || e instanceof PairingLostError || e instanceof SimFirmwareError) {
      process.stderr.write("omamori: " + e.message + "\n");
      process.exitCode = 1;
      return;
    }
    if (e instanceof DamagedFileError) {
      process.stderr.write("omamori: " + say(
        `${e.path} is damaged (${e.detail}). Sync the token: the damaged file is then kept aside (never deleted) and rebuilt from the token.`,
        `${e.path} が壊れています。お守りを同期してください。壊れたファイルは残したまま（消しません）、お守りから作り直します。`,
      ) + "\n");
      process.exitCode = 1;
      return;
    }
    if (e instanceof TypeError && isDataProblem(e.message)) throw new UsageError(e.message);
    throw e;
  }
}
