/**
 * Simulator speed (docs/SIM-WORLD.md): figures, never asserted by tests.
 *
 *  1. The care-home scenario (12 tokens running the built firmware + 8 GAEN phones, 14 days):
 *     wall-clock time, simulated token-days per wall-clock second, segments, packets delivered.
 *  2. Analytic delivery against a per-advert simulation of the same hour (the day room at its
 *     fullest, every device a phone so only delivery is compared): wall time of each, packets
 *     delivered by each, and the speed-up.
 *
 * Run: npx tsx bench/sim.ts [scenario] [days]   (needs `npm run build` for the firmware).
 */
import { existsSync } from "node:fs";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { deliverPerAdvert, deliverWindow } from "../sim/world/delivery";
import { carryLossDb, meanReceivedDbm } from "../sim/world/channel";
import { Random } from "../sim/world/random";
import type { PhoneDevice } from "../sim/world/devices/phone";
import type { ReceivedPacket } from "../sim/world/devices/device";
import { TokenDevice } from "../sim/world/devices/token";
// The firmware's log needs E.getAddressOf, which sim/espruino does not emulate yet; the firmware
// tests' shim goes in front of the built file (as test/firmware does) so tokens really log.
import { simFirmware } from "../test/firmware/sim";
import { fastCrypto } from "../host-tools/gaen/crypto";

const name = process.argv[2] ?? "care-home";
const scenario = Scenario.load(name);
const days = Number(process.argv[3] ?? scenario.spec.days);

function fmt(n: number, d = 1): string {
  return n.toFixed(d);
}

// ---------------------------------------------------------------- 1. whole scenario
const tokens = scenario.devices.filter((d) => d.kind === "token").length;
const firmwareBuilt = existsSync(new URL("../dist/firmware/puckjs.js", import.meta.url));
if (!firmwareBuilt) {
  console.log("dist/firmware is missing: run `npm run build` first (tokens run the built firmware).");
  process.exit(1);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const boards = Array.from(new Set(scenario.devices.filter((d) => d.kind === "token").map((d) => d.board!)));
const firmware: Record<string, string> = {};
for (const b of boards) firmware[b] = simFirmware(b);
const world = new World({ phoneCrypto: fastCrypto, scenario, seed: "bench", makeToken: TokenDevice.factory({ firmware }) });
const tBuilt = performance.now();
world.runUntil(scenario.startMs + days * 86400000);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(`scenario ${name}: ${scenario.devices.length} devices (${tokens} tokens running the built firmware), ${days} simulated days`);
console.log(`  wall time ${fmt(wall, 2)} s (boot ${fmt((tBuilt - t0) / 1000, 2)} s); ${fmt((tokens * days) / wall, 1)} token-days per wall-clock second; ${fmt((days * 86400) / wall, 0)} simulated seconds per wall second`);
console.log(`  CPU time ${fmt(cpuSeconds, 2)} s (${fmt((tokens * days) / cpuSeconds, 1)} token-days per CPU second; wall time is longer on a busy machine)`);
console.log(`  segments ${world.stats.segments}, links considered ${world.stats.linksConsidered}, packets delivered ${world.stats.packetsDelivered}, segments cut ${world.stats.segmentsCut}`);
console.log(`  memory: heap used ${fmt(process.memoryUsage().heapUsed / 1048576, 0)} MB`);
let logged = 0, errors = 0;
for (const d of world.devices()) {
  if (d.kind !== "token") continue;
  const t = d as TokenDevice;
  const st = t.omamori.state();
  logged += st.log.records;
  errors += t.rt.uncaughtErrors.length + st.errors;
}
console.log(`  tokens: ${logged} log records written in all, ${errors} errors reported`);

// ---------------------------------------------------------------- 2. analytic vs per-advert
const hourStart = scenario.startMs + (10 - (scenario.spec.utcOffsetHours ?? 0)) * 3600000; // 10:00 local on day 1
const spec: ScenarioSpec = JSON.parse(JSON.stringify(scenario.spec));
spec.days = 1;
spec.devices = spec.devices.map((d) => ({ id: d.id, kind: "phone", model: "android", carry: d.carry }));
const phonesOnly = new Scenario(spec);
const w2 = new World({ phoneCrypto: fastCrypto, scenario: phonesOnly, seed: "bench-hour" });
w2.runUntil(hourStart);
const present = w2.devices().filter((d) => w2.placementOf(d.id));
const delivered0 = w2.stats.packetsDelivered;
const a0 = performance.now();
w2.runUntil(hourStart + 3600000);
const analyticMs = performance.now() - a0;
const analyticPackets = w2.stats.packetsDelivered - delivered0;

// The same hour's deliveries computed both ways, for the same scan windows and positions: analytic
// (adverts drawn only inside each scan window) and per-advert (every advertising event of every
// advertiser simulated and tested against each receiver's windows). Device processing is left out
// of both, so the figures compare the delivery methods alone.
const links: { link: Parameters<typeof deliverWindow>[0]; windows: [number, number][] }[] = [];
for (const rx of present) {
  const phone = rx as PhoneDevice;
  const windows: [number, number][] = phone.scans.filter((s) => s >= hourStart && s < hourStart + 3600000).map((s) => [s, s + 4000]);
  const here = w2.placementOf(rx.id)!;
  for (const tx of present) {
    if (tx === rx) continue;
    const there = w2.placementOf(tx.id)!;
    const path = phonesOnly.path(there.room, here.room);
    if (!path) continue;
    const env = phonesOnly.linkEnvironment(there.room, here.room);
    const ts = tx.radioState();
    links.push({
      windows,
      link: {
        from: tx.id, address: ts.address, addressType: ts.addressType, advertising: ts.advertising!,
        meanDbm: meanReceivedDbm({
          radiatedTxDbm: tx.radiatedPowerDbm(ts.txPowerDbm), distanceM: Math.hypot(there.x - here.x, there.y - here.y), env,
          wallsDb: path.wallsDb, txCarryDb: carryLossDb(there.carry), rxCarryDb: carryLossDb(here.carry),
        }),
        env, sensitivityDbm: rx.sensitivityDbm, rssiOffsetDb: rx.rssiOffsetDb,
      },
    });
  }
}
const REPEAT = 5;
let analyticOnlyPackets = 0;
const q0 = performance.now();
for (let r = 0; r < REPEAT; r++) {
  const rngA = new Random("analytic/" + r);
  for (const l of links) {
    const out: ReceivedPacket[] = [];
    for (const [s, e] of l.windows) deliverWindow(l.link, s, e, rngA, out);
    analyticOnlyPackets += out.length;
  }
}
const analyticOnlyMs = (performance.now() - q0) / REPEAT;
let events = 0;
let perAdvertPackets = 0;
const p0 = performance.now();
for (let r = 0; r < REPEAT; r++) {
  const rngP = new Random("per-advert/" + r);
  for (const l of links) {
    const out: ReceivedPacket[] = [];
    events += deliverPerAdvert(l.link, l.windows, hourStart, hourStart + 3600000, rngP, out);
    perAdvertPackets += out.length;
  }
}
const perAdvertMs = (performance.now() - p0) / REPEAT;
console.log(`one hour in the day room, ${present.length} devices in range of each other (all phones):`);
console.log(`  world run, delivery + phones recording: ${fmt(analyticMs, 1)} ms, ${analyticPackets} packets`);
console.log(`  delivery only, analytic per scan window: ${fmt(analyticOnlyMs, 2)} ms, ${Math.round(analyticOnlyPackets / REPEAT)} packets`);
console.log(`  delivery only, per-advert simulation:    ${fmt(perAdvertMs, 2)} ms, ${Math.round(events / REPEAT)} advertising events x receivers, ${Math.round(perAdvertPackets / REPEAT)} packets`);
console.log(`  analytic speed-up on delivery: ${fmt(perAdvertMs / analyticOnlyMs, 1)}x (a per-advert simulator also pays an event queue per advert, left out here)`);
