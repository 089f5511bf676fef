/**
 * What the sync-related commands (sync, status, token) share: the transport options, choosing
 * the token, and turning failures into one plain line. The `sim` transport builds a simulated
 * world (simWorld.ts), hands its fresh token the saved secret, lets `--sim-hours` pass and presses
 * the button, so the command then behaves as with a real token.
 */
import { Command, Option } from "commander";
import { UsageError } from "../cli/errors";
import { DataDir, checkTokenId } from "./dataDir";
import { SyncError } from "./errors";
import { BleTransport } from "./transports/ble";
import { openSimWorld, type SimSyncWorld } from "./simWorld";
import { randomBytesHost } from "./primitives";
import { say } from "./language";
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

/** The token to use: --token, or the only paired one. */
export async function chooseToken(data: DataDir, wanted: string | undefined): Promise<string> {
  if (wanted !== undefined) {
    try {
      checkTokenId(wanted);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!(await data.tokenIds()).includes(wanted)) {
      throw new UsageError(say(`no paired token named "${wanted}" in ${data.root}; pair it with \`omamori token pair --token ${wanted}\``, `「${wanted}」という登録済みのお守りは ${data.root} にありません。\`omamori token pair --token ${wanted}\` で登録してください`));
    }
    return wanted;
  }
  const ids = await data.tokenIds();
  if (ids.length === 1) return ids[0];
  if (ids.length === 0) throw new UsageError(say("no paired token yet; pair one with `omamori token pair --token NAME`", "登録済みのお守りがありません。`omamori token pair --token 名前` で登録してください"));
  throw new UsageError(say("several tokens are paired (" + ids.join(", ") + "); choose one with --token", "複数のお守りが登録されています（" + ids.join(", ") + "）。--token で選んでください"));
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
