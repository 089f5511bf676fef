/**
 * What the sync-related commands (sync, status, token) share: the transport options, choosing
 * the token, and turning failures into one plain line. The `sim` transport builds a simulated
 * world (simWorld.ts), hands its fresh token the saved secret, lets `--sim-hours` pass and presses
 * the button, so the command then behaves as with a real token.
 */
import { Command, Option } from "commander";
import { UsageError } from "../base/errors";
import { DataDir, checkTokenId } from "../base/dataDir";
import { SyncError } from "./errors";
import { BleTransport } from "./transports/ble";
import { openSimWorld, type SimSyncWorld } from "./simWorld";
import { randomBytesHost } from "./primitives";
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
    .option("--sim-hours <n>", "sim: hours of simulated life before the sync", "24");
}

export interface OpenTransport {
  transport: SyncTransport;
  now: () => number;
  sim: SimSyncWorld | null;
  close(): Promise<void>;
}

function hours(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 0 && n <= 24 * 28)) throw new UsageError("--sim-hours must be a number of hours 0..672, got " + JSON.stringify(v));
  return n;
}

/**
 * Opens the chosen transport. For `sim`, `secret` (when known) is given to the simulated token
 * first; `live` hours then pass and the owner's button is pressed.
 */
export async function openTransport(o: TransportOptions, secret: Uint8Array | null): Promise<OpenTransport> {
  if (o.transport === "ble") {
    const t = new BleTransport();
    return { transport: t, now: Date.now, sim: null, close: () => t.close() };
  }
  const h = hours(o.simHours);
  let sw: SimSyncWorld;
  try {
    sw = await openSimWorld({ scenario: o.scenario, device: o.simDevice });
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
  if (secret) await sw.provision(secret);
  await sw.run(h * 3600000);
  await sw.press();
  return { transport: sw.transport, now: () => sw.world.now, sim: sw, close: async () => undefined };
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The closest of `names` to `typed` when it is plausibly a typing mistake, else null. */
export function closest(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(typed.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(typed.length / 3)) ? best : null;
}

/** The token to use: --token, or the only paired one. */
export async function chooseToken(data: DataDir, wanted: string | undefined): Promise<string> {
  const ids = await data.tokenIds();
  if (wanted !== undefined) {
    if (ids.includes(wanted)) return wanted;
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
  if (ids.length === 0) throw new UsageError(noTokenYet(data.root));
  throw new UsageError(say("several tokens are paired (" + ids.join(", ") + "); choose one with --token NAME", "複数のお守りをペアリングしています（" + ids.join("、") + "）。--token 名前 で選んでください。"));
}

/** "No token paired yet: pair one with ..." */
function noTokenYet(home: string, name = "NAME"): string {
  return say(
    `no paired token yet in ${home}; press the token's button, then pair it: npx omamori token pair --token ${name}`,
    `${home} には、ペアリングしたお守りがありません。お守りのボタンを押してから、ペアリングしてください: npx omamori token pair --token ${name === "NAME" ? "名前" : name}`,
  );
}

/** The rule for token names, with the rejected value. */
export function tokenIdRule(got: string): string {
  return say(
    `a token name must be 1 to 32 characters: lowercase letters a-z, digits 0-9 and '-', starting with a letter or digit; got ${JSON.stringify(got)}`,
    `お守りの名前は、半角の小文字 a～z、数字 0～9、「-」で1～32文字にしてください（先頭は文字か数字）。${JSON.stringify(got)} は使えません。`,
  );
}

/** Secret of a paired token, or a fresh one for a first sim run. */
export async function secretFor(data: DataDir, id: string): Promise<Uint8Array> {
  try {
    return (await data.loadToken(id)).secret;
  } catch {
    return randomBytesHost(32);
  }
}

/** Problems with the user's files or arguments that the sync modules report as TypeErrors. */
function isDataProblem(m: string): boolean {
  return m.startsWith("omamori-log:") || m.includes(" is damaged") || m.startsWith("no paired token") || m.startsWith("token id must") || m.startsWith("a token named");
}

/** Runs a command body: SyncError -> one plain line on stderr and exit code 1; a damaged data file or bad name -> UsageError. */
export async function plainFailures(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof SyncError) {
      process.stderr.write("omamori: " + e.message + "\n");
      process.exitCode = 1;
      return;
    }
    if (e instanceof TypeError && isDataProblem(e.message)) throw new UsageError(e.message);
    throw e;
  }
}
