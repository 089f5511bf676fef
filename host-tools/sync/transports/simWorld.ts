/**
 * A simulated world for `--transport sim` (and demos): a scenario from sim/scenarios/ (or a JSON
 * file), its tokens running the built firmware (dist/firmware/<board>.js), and the host's adapter
 * next to one token. The owner's button press is simulated; because each run starts a new world,
 * the chosen token is fresh, so it is handed the secret the host already holds (as pairing did).
 * `startAt` moves the scenario to another start (the CLI starts it so that the simulated time
 * ends at the real present: times shown, synced and checked are today's).
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Scenario, type ScenarioSpec } from "../../../sim/world/scenario";
import { World } from "../../../sim/world/world";
import { TokenDevice } from "../../../sim/world/devices/token";
import { SimCentral, type CentralOptions } from "../../../sim/world/central";
import { SimTransport } from "./sim";
import { loadBoard } from "../../../boards/index";
import { pairToken } from "../session";
import { findFreshToken } from "../syncToken";
import { fastCrypto } from "../../gaen/crypto";

export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "sim", "scenarios");

export interface SimSyncWorld {
  world: World;
  token: TokenDevice;
  central: SimCentral;
  transport: SimTransport;
  /** The owner presses the token's button (opens its sync window). */
  press(): Promise<void>;
  /** The owner presses the button once the token blinks blue (its request to release its daily keys). */
  pressWhenBlue(): void;
  /** Lets simulated time pass. */
  run(ms: number): Promise<void>;
  /** Gives the fresh simulated token `secret` (the host's pairing with it). */
  provision(secret: Uint8Array): Promise<void>;
}

/** Scenario by name (sim/scenarios/<name>.json) or file path. */
export function loadScenarioSpec(nameOrPath: string): ScenarioSpec {
  const file = existsSync(nameOrPath) ? nameOrPath : join(SCENARIOS_DIR, nameOrPath + ".json");
  if (!existsSync(file)) throw new TypeError("no scenario " + JSON.stringify(nameOrPath) + " (a file, or one of sim/scenarios/*.json)");
  return JSON.parse(readFileSync(file, "utf8")) as ScenarioSpec;
}

/** The pins of `t`'s board that light in `color` (boards/<id>.json io.leds). */
export function pinsOf(t: TokenDevice, color: string): string[] {
  return loadBoard(t.board.id).io.leds.filter((l) => l.color === color).map((l) => l.pin);
}

/** Presses `t`'s button 1.5 s after it starts blinking blue (within a minute); `pressed` is told when. */
export function pressWhenBlue(t: TokenDevice, pressed?: (blueAtMs: number, pressAtMs: number) => void): void {
  const since = t.rt.worldTimeMs();
  const blue = pinsOf(t, "blue");
  const look = (): void => {
    const log = t.rt.ledLog();
    let blueAt = -1;
    for (let i = log.length - 1; i >= 0 && log[i].timeMs >= since; i--) if (log[i].on && blue.includes(log[i].pin)) blueAt = log[i].timeMs;
    if (blueAt >= 0) {
      t.rt.schedule(1500, () => {
        pressed?.(blueAt, t.rt.worldTimeMs());
        t.rt.pressButton(200);
      });
    } else if (t.rt.worldTimeMs() - since < 60_000) t.rt.schedule(250, look);
  };
  t.rt.schedule(250, look);
}

export async function openSimWorld(o: { scenario: string; device?: string; seed?: string; central?: CentralOptions; startAt?: number }): Promise<SimSyncWorld> {
  const spec = loadScenarioSpec(o.scenario);
  if (o.startAt !== undefined) spec.start = new Date(o.startAt).toISOString();
  const tokens = spec.devices.filter((d) => d.kind === "token");
  const id = o.device ?? tokens[0]?.id;
  if (!id || !tokens.some((t) => t.id === id)) throw new TypeError("scenario has no token " + JSON.stringify(o.device) + "; tokens: " + tokens.map((t) => t.id).join(", "));
  const world = new World({ phoneCrypto: fastCrypto, scenario: new Scenario(spec), seed: o.seed ?? "omamori-sync" });
  const token = world.device<TokenDevice>(id);
  const central = new SimCentral(world, { where: { near: id, offsetM: 0.5, carry: "table" }, ...o.central });
  const transport = new SimTransport(central);
  const sw: SimSyncWorld = {
    world, token, central, transport,
    press: async () => {
      token.rt.pressButton(150);
      await central.runFor(400);
    },
    pressWhenBlue: () => pressWhenBlue(token),
    run: (ms) => central.runFor(ms),
    provision: async (secret) => {
      await sw.press();
      const link = await transport.connect(await findFreshToken(transport, 10000));
      await pairToken(link, secret);
      await link.disconnect();
    },
  };
  return sw;
}
