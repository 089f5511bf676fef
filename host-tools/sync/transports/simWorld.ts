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

const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "sim", "scenarios");

export interface SimSyncWorld {
  world: World;
  token: TokenDevice;
  central: SimCentral;
  transport: SimTransport;
  /** The owner presses the token's button (opens its sync window). */
  press(): Promise<void>;
  /** The owner presses the button twice once the token flashes white (its request to release its daily keys). */
  pressTwiceWhenWhite(): void;
  /** Lets simulated time pass. */
  run(ms: number): Promise<void>;
  /** Gives the fresh simulated token `secret` (the host's pairing with it). */
  provision(secret: Uint8Array): Promise<void>;
}

/** Scenario by name (sim/scenarios/<name>.json) or file path. */
function loadScenarioSpec(nameOrPath: string): ScenarioSpec {
  const file = existsSync(nameOrPath) ? nameOrPath : join(SCENARIOS_DIR, nameOrPath + ".json");
  if (!existsSync(file)) throw new TypeError("no scenario " + JSON.stringify(nameOrPath) + " (a file, or one of sim/scenarios/*.json)");
  return JSON.parse(readFileSync(file, "utf8")) as ScenarioSpec;
}

/** The pins of `t`'s board that light in `color` (boards/<id>.json io.leds). */
export function pinsOf(t: TokenDevice, color: string): string[] {
  return loadBoard(t.board.id).io.leds.filter((l) => l.color === color).map((l) => l.pin);
}

/**
 * The owner's consent as the user guide asks for it: once `t`'s light flashes white (every LED at
 * once; a board without lights: 2 s after the call), wait 1.5 s, then press the button twice, 0.6 s
 * apart (within a minute); `pressed` is told when the light came and when the first press was.
 */
export function pressTwiceWhenWhite(t: TokenDevice, pressed?: (whiteAtMs: number, pressAtMs: number) => void): void {
  const since = t.rt.worldTimeMs();
  const pins = t.board.io.leds.map((l) => l.pin);
  const look = (): void => {
    const log = t.rt.ledLog();
    const on = new Set<string>();
    let whiteAt = pins.length ? -1 : since + 2000;
    for (const e of log) {
      if (e.on) on.add(e.pin);
      else on.delete(e.pin);
      if (whiteAt < 0 && e.timeMs >= since && pins.every((p) => on.has(p))) whiteAt = e.timeMs;
    }
    if (whiteAt >= 0 && t.rt.worldTimeMs() >= whiteAt) {
      // a person acting on what the token shows: not delayed by the token's busy CPU
      t.rt.schedulePhysical(1500, () => {
        pressed?.(whiteAt, t.rt.worldTimeMs());
        t.rt.pressButton(200);
        t.rt.schedulePhysical(600, () => t.rt.pressButton(200));
      });
    } else if (t.rt.worldTimeMs() - since < 60_000) t.rt.schedulePhysical(250, look);
  };
  t.rt.schedulePhysical(250, look);
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
      // the owner presses once the token is not busy (a press while it works can be lost)
      for (let i = 0; i < 100 && token.rt.cpuBusy(); i++) await central.runFor(Math.ceil(token.rt.cpuFreeAtMs() - world.now));
      token.rt.pressButton(150);
      await central.runFor(400);
    },
    pressTwiceWhenWhite: () => pressTwiceWhenWhite(token),
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
