/**
 * The radio channel between two simulated devices at 2.4 GHz (BLE advertising channels 37-39).
 *
 * Mean received power (dBm), per link and per segment of constant positions:
 *
 *   P_rx = P_tx,radiated - PL(1 m) - 10 n log10(d / 1 m) - walls - carry(tx) - carry(rx)
 *
 *   PL(1 m) = 40.2 dB   Friis free-space loss 20 log10(4 pi d / lambda) at 2.44 GHz, d = 1 m
 *                       (lambda = 0.1229 m). Antenna efficiency is inside each device's
 *                       radiated power (boards/*.json radio.radiatedTxPowerDbm, phone models).
 *   n                   path-loss exponent of the environment: 2.0 free space / open rooms
 *                       (ITU-R P.1238 gives N/10 = 2.0-3.0 for residential/office at 2.4 GHz; we use
 *                       2.0 in small rooms, 2.5 in furnished rooms), 1.6 inside a metal train
 *                       carriage (Leith & Farrell 2020, "Measurement-based evaluation of Google/Apple
 *                       Exposure Notification API for proximity detection in a light-rail tram",
 *                       PLOS ONE 15(9): received power barely falls with distance in a tram).
 *   walls               per wall: drywall 4 dB, wood 5 dB, brick 10 dB, concrete 13 dB (typical
 *                       2.4 GHz penetration losses, e.g. Wilson, "Propagation Losses Through Common
 *                       Building Materials 2.4 GHz vs 5 GHz", Intel/Magis, 2002).
 *   carry               body shadowing of how the device is worn: hand/table 0 dB, wrist 2 dB, lanyard 3 dB,
 *                       shirt pocket 5 dB, trouser pocket 7 dB, bag 10 dB (assumption within the
 *                       3-20 dB body-shadowing range reported for 2.4 GHz on-body links; Leith &
 *                       Farrell measured ~5-10 dB between hand and pocket).
 *
 * Per pair of placements (both devices where they are, until one moves): log-normal shadowing
 * with sigma 3 dB (home, street) or 4 dB (hall, train), symmetric, seeded; an assumption in the
 * usual 3-6 dB range of indoor shadowing measurements (e.g. ITU-R P.1238 gives 3-6 dB at 2.4 GHz
 * for residential/office), standing for orientation and who stands in between.
 * Per packet: Rician fast fading with factor K (linear) of the environment, unit mean power;
 * K = 4 indoors (a line-of-sight share typical at 1-5 m), 1.5 in a train (rich multipath),
 * K = 0 would be Rayleigh. Reported RSSI = received power - receiver rssiOffsetDb, rounded to an
 * integer dBm (a receiver that under-reads has a positive offset: calibrated = measured + offset,
 * docs/spec/gaen-protocol.md section 7).
 *
 * Reception: sensitivity about -96 dBm for the nRF52 1 Mbps BLE receiver (Nordic nRF52832/nRF52840
 * product specifications), -95 dBm assumed for phones. Probability of losing a packet
 *   loss(P) = floor + (1 - floor) / (1 + exp((P - sensitivity) / 1 dB))
 * i.e. 50 % at the sensitivity, ~1.7 % four dB above it, and a floor of 1 % (scanner busy with its
 * own transmission, other 2.4 GHz traffic) everywhere.
 *
 * Collisions with other advertisers the scanner can hear (pure-ALOHA on each advertising channel,
 * no capture): a legacy advert of 31 payload bytes is 47 bytes on air = 376 us at 1 Mbps
 * (preamble 1 + access address 4 + header 2 + address 6 + data 31 + CRC 3); a packet survives if no
 * other audible advertiser starts within +-376 us on the same channel. With advertisers k at
 * intervals I_k (each sends once per event on every channel):
 *   P(collision) = 1 - prod_k exp(-2 * 0.376 ms / I_k)
 * e.g. 30 phones at 250 ms: 8.6 %.
 */
import type { Random } from "./random";

export interface Environment {
  /** Path-loss exponent n. */
  pathLossExponent: number;
  /** Loss at the 1 m reference distance, dB. */
  pathLossAt1mDb: number;
  /** Rician K factor (linear); 0 = Rayleigh. */
  ricianK: number;
  /**
   * Standard deviation (dB) of log-normal shadowing, drawn once per pair of placements: how
   * bodies, furniture and orientation shift the mean at one spot (the same distance gives
   * different levels in different spots).
   */
  shadowSigmaDb: number;
  /** Packet-loss floor independent of signal strength (0..1). */
  lossFloor: number;
}

/** Friis free-space path loss at 1 m, 2.44 GHz. */
export const FREE_SPACE_LOSS_1M_DB = 40.2;

export const ENVIRONMENTS: Record<string, Environment> = {
  /** A small room in a home, little furniture. */
  home: { pathLossExponent: 2.0, pathLossAt1mDb: FREE_SPACE_LOSS_1M_DB, ricianK: 4, shadowSigmaDb: 3, lossFloor: 0.01 },
  /** A larger furnished room (care-home day room, office). */
  hall: { pathLossExponent: 2.5, pathLossAt1mDb: FREE_SPACE_LOSS_1M_DB, ricianK: 3, shadowSigmaDb: 4, lossFloor: 0.01 },
  /** A metal train carriage: reflections keep the signal up with distance. */
  train: { pathLossExponent: 1.6, pathLossAt1mDb: FREE_SPACE_LOSS_1M_DB, ricianK: 1.5, shadowSigmaDb: 4, lossFloor: 0.02 },
  /** Outdoors, street. */
  street: { pathLossExponent: 2.2, pathLossAt1mDb: FREE_SPACE_LOSS_1M_DB, ricianK: 6, shadowSigmaDb: 3, lossFloor: 0.01 },
};

export const CARRY_LOSS_DB: Record<string, number> = {
  hand: 0,
  table: 0,
  wrist: 2,
  lanyard: 3,
  shirtPocket: 5,
  pocket: 7,
  bag: 10,
};

export const WALL_LOSS_DB: Record<string, number> = {
  drywall: 4,
  wood: 5,
  brick: 10,
  concrete: 13,
};

/** Packets below this distance are treated as at this distance (near field, device size). */
export const MIN_DISTANCE_M = 0.1;
/** Slope of the loss curve around the sensitivity, dB. */
export const LOSS_SLOPE_DB = 1.0;
/** Links whose mean power is this far below sensitivity are skipped (fading above +10 dB is < 1e-4 likely for K >= 1). */
export const SKIP_MARGIN_DB = 12;

export function environment(name: string): Environment {
  const e = ENVIRONMENTS[name];
  if (!e) throw new RangeError("unknown environment " + JSON.stringify(name) + "; known: " + Object.keys(ENVIRONMENTS).join(", "));
  return e;
}

export function carryLossDb(carry: string): number {
  const v = CARRY_LOSS_DB[carry];
  if (v === undefined) throw new RangeError("unknown carry position " + JSON.stringify(carry) + "; known: " + Object.keys(CARRY_LOSS_DB).join(", "));
  return v;
}

export function wallLossDb(material: string): number {
  const v = WALL_LOSS_DB[material];
  if (v === undefined) throw new RangeError("unknown wall material " + JSON.stringify(material) + "; known: " + Object.keys(WALL_LOSS_DB).join(", "));
  return v;
}

/** Air time of a 31-byte legacy advertising packet at 1 Mbps, ms. */
export const ADVERT_AIRTIME_MS = 0.376;

/** Probability a packet collides with one from another audible advertiser (intervals in ms). */
export function collisionProbability(otherIntervalsMs: number[]): number {
  let survive = 0;
  for (const i of otherIntervalsMs) {
    if (!(i > 0)) throw new RangeError("advertising interval must be > 0 ms, got " + i);
    survive -= (2 * ADVERT_AIRTIME_MS) / i;
  }
  return 1 - Math.exp(survive);
}

/** Mean path loss in dB at distance d metres. */
export function pathLossDb(env: Environment, distanceM: number): number {
  if (!(distanceM >= 0)) throw new RangeError("distance must be >= 0 m, got " + distanceM);
  const d = Math.max(distanceM, MIN_DISTANCE_M);
  return env.pathLossAt1mDb + 10 * env.pathLossExponent * Math.log10(d);
}

export interface LinkGeometry {
  /** Radiated power of the transmitter, dBm. */
  radiatedTxDbm: number;
  distanceM: number;
  env: Environment;
  /** Total wall loss between the two, dB. */
  wallsDb: number;
  txCarryDb: number;
  rxCarryDb: number;
}

/** Mean received power, dBm (before fading). */
export function meanReceivedDbm(g: LinkGeometry): number {
  return g.radiatedTxDbm - pathLossDb(g.env, g.distanceM) - g.wallsDb - g.txCarryDb - g.rxCarryDb;
}

/** One Rician fading sample in dB (unit mean power). */
export function fadingDb(K: number, rng: Random): number {
  const los = Math.sqrt(K / (K + 1));
  const s = Math.sqrt(1 / (2 * (K + 1)));
  const i = los + s * rng.normal();
  const q = s * rng.normal();
  const p = i * i + q * q;
  return 10 * Math.log10(Math.max(p, 1e-12));
}

/** Probability that a packet arriving with `receivedDbm` is lost. */
export function lossProbability(receivedDbm: number, sensitivityDbm: number, env: Environment): number {
  const f = env.lossFloor;
  return f + (1 - f) / (1 + Math.exp((receivedDbm - sensitivityDbm) / LOSS_SLOPE_DB));
}

/** RSSI a receiver reports for a given received power: integer dBm, clamped to the int8 range BLE stacks use. */
export function reportedRssi(receivedDbm: number, rssiOffsetDb: number): number {
  const r = Math.round(receivedDbm - rssiOffsetDb);
  return r < -127 ? -127 : r > 20 ? 20 : r;
}
