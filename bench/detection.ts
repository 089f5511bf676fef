/**
 * Detection quality against phones (docs/CALIBRATION.md): for token<->token, token<->phone,
 * phone<->token and phone<->phone pairs at 0.5-3 m, 15 minutes in a room, the exposure minutes per
 * attenuation bucket each receiver records, computed the way its side computes them:
 *   a token's log, on the laptop (host-tools/match): attenuation = the sender's metadata TX - (RSSI +
 *     the token board's rssiOffsetDb), each scan credited with the time since the token's previous scan
 *     (at most 5 minutes);
 *   a phone, as GAEN does: attenuation = the sender's metadata TX - (RSSI + the phone's RSSI correction),
 *     each scan credited the same way;
 * and what COCOA's configuration (host-tools/match/default-risk-config.json: thresholds 46/60/65 dB,
 * weights 1.0/2.5/1.3/0.01, a risky day from a weighted 1,350 s) then decides for that one contact.
 * The typical attenuation of a scan comes from its mean RSSI, as GAEN's typicalAttenuation.
 *
 * Token: Puck.js on a lanyard; phone: the median Android of Google's calibration table in a trouser
 * pocket (sim/world/devices/phoneModels.ts). Home environment, 12 seeds per distance.
 *
 * Run: npm run build && tsx bench/detection.ts [--seeds N] [--json]
 * --json: { bench: "detection", rows: [{ pair, distanceM, heard (fraction of contacts with any scan),
 * minutes: [immediate, near, medium, other] (mean per contact), score (mean weighted seconds),
 * risky (fraction of contacts COCOA's thresholds call risky on their own) }] }.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toHex } from "../common/bytes";
import { fastCrypto } from "../host-tools/gaen/crypto";
import { Scenario, type ScenarioSpec } from "../sim/world/scenario";
import { World } from "../sim/world/world";
import { TokenDevice } from "../sim/world/devices/token";
import type { PhoneDevice } from "../sim/world/devices/phone";
import { loadBoard } from "../boards/index";
import { readWholeLog, simFirmware } from "../test/firmware/sim";

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(join(here, "..", "host-tools", "match", "default-risk-config.json"), "utf8"));
const THRESHOLDS: number[] = config.attenuationThresholdsDb;
const WEIGHTS: number[] = config.attenuationBucketWeights;
const RISKY_SCORE: number = config.riskyDay.minimumScoreSum;
const RISKY_SCAN_S: number = config.riskyDay.minimumScanSeconds;
const json = process.argv.includes("--json");
const seeds = Number(process.argv.includes("--seeds") ? process.argv[process.argv.indexOf("--seeds") + 1] : 12);
const MIN = 60_000;
const BOARD = "puckjs";
const PHONE = "android";

type Kind = "token" | "phone";
interface Row { pair: string; distanceM: number; heard: number; minutes: number[]; score: number; risky: number }

function bucket(att: number): number {
  let b = 0;
  while (b < THRESHOLDS.length && att > THRESHOLDS[b]) b++;
  return b;
}

/** One 15-minute contact of sender `tx` heard by receiver `rx` at `d` metres; its exposure by bucket. */
function contact(rxKind: Kind, txKind: Kind, d: number, seed: number): { heard: boolean; seconds: number[] } {
  const start = "2026-11-02";
  const dev = (id: string, kind: Kind): ScenarioSpec["devices"][number] =>
    kind === "token" ? { id, kind: "token", board: BOARD, carry: "lanyard" } : { id, kind: "phone", model: PHONE, carry: "pocket" };
  // the receiver is there a while before and after, so its scans around the contact are regular
  const spec: ScenarioSpec = {
    name: "detection", start, days: 1, rooms: { room: { environment: "home" } },
    devices: [dev("rx", rxKind), dev("tx", txKind)],
    schedule: [
      { device: "rx", from: "00:00", to: "01:00", room: "room", at: [1, 1] },
      { device: "tx", from: "00:20", to: "00:35", room: "room", at: [1 + d, 1] },
    ],
  };
  const sc = new Scenario(spec);
  const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "det-" + rxKind + txKind + d + "-" + seed, makeToken: TokenDevice.factory({ firmware: { [BOARD]: simFirmware(BOARD) } }) });
  w.runUntil(sc.startMs + 60 * MIN);
  const from = sc.startMs + 20 * MIN, to = sc.startMs + 35 * MIN;
  const seconds = [0, 0, 0, 0];
  // (sender RPI prefixes, metadata TX)
  const txDev = w.device("tx");
  const prefixes = new Set<string>();
  if (txKind === "token") {
    for (const k of (txDev as TokenDevice).dailyKeys()) {
      const rpik = fastCrypto.rpik(k.tek);
      for (let i = 0; i < 144; i++) prefixes.add(toHex(fastCrypto.rpi(rpik, k.rollingStart + i)).slice(0, 12));
    }
  } else for (const a of (txDev as PhoneDevice).advertised) prefixes.add(toHex(a.rpi).slice(0, 12));
  const txPower = txKind === "token" ? loadBoard(BOARD).radio.advertisedTxPowerDbm : (txDev as PhoneDevice).model.metadataTxPowerDbm;
  let heard = false;
  if (rxKind === "token") {
    const rt = w.device<TokenDevice>("rx").rt;
    rt.runCallback(rt.global.Omamori.flush, null, []);
    const offset = loadBoard(BOARD).radio.rssiOffsetDb;
    // every scan of the token (any identifier) sets the gap; the phone of this bench is the only other device
    const scans: { t: number; rssi: number | null }[] = [];
    for (const e of readWholeLog(rt)) for (const s of e.scans) scans.push({ t: s.t * 1000, rssi: prefixes.has(e.rpi) ? s.rssiMean : null });
    scans.sort((a, b) => a.t - b.t);
    let last = -Infinity;
    for (const s of scans) {
      const gap = Math.min(300, (s.t - last) / 1000);
      last = s.t;
      if (s.rssi === null || s.t < from - 5000 || s.t >= to) continue;
      heard = true;
      seconds[bucket(txPower - (s.rssi + offset))] += Math.min(gap, 300);
    }
  } else {
    const p = w.device<PhoneDevice>("rx");
    // the RSSI correction the phone applies (Google's table)
    const corr = p.model.rssiCorrectionDb;
    let last = -Infinity;
    for (const start of p.scans) {
      const gap = Math.min(300, (start - last) / 1000);
      last = start;
      if (start < from - 5000 || start >= to) continue;
      const s = p.sightings.find((x) => x.scanStartMs === start && prefixes.has(toHex(x.rpi).slice(0, 12)));
      if (!s) continue;
      heard = true;
      seconds[bucket(txPower - (s.meanRssi + corr))] += gap;
    }
  }
  return { heard, seconds };
}

export function detection(seedCount: number): Row[] {
  const rows: Row[] = [];
  for (const [rx, tx] of [["token", "token"], ["token", "phone"], ["phone", "token"], ["phone", "phone"]] as [Kind, Kind][]) {
    for (const d of [0.5, 1, 2, 3]) {
      let heard = 0, score = 0, risky = 0;
      const minutes = [0, 0, 0, 0];
      for (let s = 1; s <= seedCount; s++) {
        const c = contact(rx, tx, d, s);
        if (c.heard) heard++;
        const sc = c.seconds.reduce((a, x, i) => a + x * WEIGHTS[i], 0);
        score += sc;
        if (sc >= RISKY_SCORE && c.seconds.reduce((a, x) => a + x, 0) >= RISKY_SCAN_S) risky++;
        c.seconds.forEach((x, i) => (minutes[i] += x / 60));
      }
      rows.push({ pair: rx + " hears " + tx, distanceM: d, heard: heard / seedCount, minutes: minutes.map((m) => m / seedCount), score: score / seedCount, risky: risky / seedCount });
    }
  }
  return rows;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ""));
if (isMain) {
  const rows = detection(seeds);
  if (json) console.log(JSON.stringify({ bench: "detection", board: BOARD, phone: PHONE, seeds, thresholdsDb: THRESHOLDS, weights: WEIGHTS, rows }, null, 2));
  else {
    console.log("Detection quality: one 15-minute contact, exposure minutes per attenuation bucket as each receiver's side computes them");
    console.log("(" + BOARD + " on a lanyard, " + PHONE + " phone in a pocket, home; COCOA thresholds " + THRESHOLDS.join("/") + " dB, weights " + WEIGHTS.join("/") + "; " + seeds + " seeds)\n");
    console.log("   pair                 distance   heard    minutes <=" + THRESHOLDS[0] + " / <=" + THRESHOLDS[1] + " / <=" + THRESHOLDS[2] + " / more   weighted s   risky on its own");
    for (const r of rows) {
      console.log("   " + r.pair.padEnd(21) + (r.distanceM + " m").padEnd(11) + ((100 * r.heard).toFixed(0) + " %").padEnd(9) +
        r.minutes.map((m) => m.toFixed(1)).join(" / ").padEnd(34) + r.score.toFixed(0).padEnd(13) + (100 * r.risky).toFixed(0) + " %");
    }
  }
}
