/**
 * Risk configuration: how matched sightings become exposure windows, daily summaries and a
 * "risky day" decision (docs/spec/gaen-protocol.md sections 6-7). The default is COCOA's final configuration,
 * default-risk-config.json beside this file; docs/MATCHING.md explains every field.
 *
 * The key-metadata mapping is explicit, because COCOA's failure was a missing one:
 *   - transmission_risk_level is NOT used at all (deprecated in GAEN v2): a key with level 0
 *     counts exactly like any other key;
 *   - report_type missing or UNKNOWN (0) -> reportTypeWhenMissing (default CONFIRMED_TEST);
 *   - days_since_onset missing -> infectiousnessWhenDaysSinceOnsetMissing (default HIGH).
 */
import { readFileSync } from "node:fs";
import { ReportType } from "../keys/exportFile";

export const INFECTIOUSNESS = { NONE: 0, STANDARD: 1, HIGH: 2 } as const;
export type InfectiousnessName = keyof typeof INFECTIOUSNESS;
/** Report types that can carry a weight (REVOKED keys never reach scoring). */
export const WEIGHTED_REPORT_TYPES = ["CONFIRMED_TEST", "CONFIRMED_CLINICAL_DIAGNOSIS", "SELF_REPORT", "RECURSIVE"] as const;
export type WeightedReportType = (typeof WEIGHTED_REPORT_TYPES)[number];

export interface RiskConfig {
  /** Three ascending dB values: immediate <= t0 < near <= t1 < medium <= t2 < other. */
  attenuationThresholdsDb: [number, number, number];
  /** Weights for immediate, near, medium, other (0..2.5). */
  attenuationBucketWeights: [number, number, number, number];
  reportTypeWeights: Record<WeightedReportType, number>;
  reportTypeWhenMissing: WeightedReportType;
  infectiousnessWeights: { STANDARD: number; HIGH: number };
  /** Infectiousness for days since onset from..from+values.length-1 (Google: -14..14); other days NONE. */
  infectiousnessByDaysSinceOnset: { from: number; values: InfectiousnessName[] };
  infectiousnessWhenDaysSinceOnsetMissing: InfectiousnessName;
  /** Windows scoring below this are ignored. */
  minimumWindowScore: number;
  /** COCOA's app-side decision: a day is a risky contact when BOTH hold. */
  riskyDay: { minimumScoreSum: number; minimumScanSeconds: number };
  /** Sightings whose decrypted TX power is outside this range are dropped (Google: -50..20). */
  txPowerRangeDbm: [number, number];
  /** Sightings of one identifier this long after its first sighting are replays (Google: 2 x 10 min). */
  replayAfterSeconds: number;
  /** Exposure windows are split after this many minutes (Google: 30). */
  maxWindowMinutes: number;
  /** Days reported back from today (COCOA: 14). */
  reportDays: number;
}

export const DEFAULT_RISK_CONFIG_PATH = new URL("./default-risk-config.json", import.meta.url);

/** A configuration file that cannot be used. */
export class RiskConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RiskConfigError";
  }
}

function num(o: any, name: string, min: number, max: number): number {
  const v = o[name];
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new RiskConfigError(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function numArray(o: any, name: string, len: number, min: number, max: number): number[] {
  const v = o[name];
  if (!Array.isArray(v) || v.length !== len) throw new RiskConfigError(`${name} must be an array of ${len} numbers`);
  v.forEach((_x, i) => num(v, String(i), min, max));
  return v;
}

function infectiousnessName(v: unknown, where: string): InfectiousnessName {
  if (typeof v !== "string" || !(v in INFECTIOUSNESS)) throw new RiskConfigError(`${where} must be "NONE", "STANDARD" or "HIGH", got ${JSON.stringify(v)}`);
  return v as InfectiousnessName;
}

/** Check a parsed configuration object; throws RiskConfigError naming the first problem. */
export function checkRiskConfig(o: any): RiskConfig {
  if (!o || typeof o !== "object") throw new RiskConfigError("the risk configuration must be a JSON object");
  const t = numArray(o, "attenuationThresholdsDb", 3, 0, 255);
  if (!(t[0] <= t[1] && t[1] <= t[2])) throw new RiskConfigError("attenuationThresholdsDb must be in ascending order");
  numArray(o, "attenuationBucketWeights", 4, 0, 2.5);
  const rw = o.reportTypeWeights;
  if (!rw || typeof rw !== "object") throw new RiskConfigError("reportTypeWeights must be an object");
  for (const r of WEIGHTED_REPORT_TYPES) num(rw, r, 0, 2.5);
  if (!WEIGHTED_REPORT_TYPES.includes(o.reportTypeWhenMissing)) {
    throw new RiskConfigError(`reportTypeWhenMissing must be one of ${WEIGHTED_REPORT_TYPES.join(", ")}`);
  }
  const iw = o.infectiousnessWeights;
  if (!iw || typeof iw !== "object") throw new RiskConfigError("infectiousnessWeights must be an object");
  num(iw, "STANDARD", 0, 2.5);
  num(iw, "HIGH", 0, 2.5);
  const m = o.infectiousnessByDaysSinceOnset;
  if (!m || typeof m !== "object" || !Array.isArray(m.values)) throw new RiskConfigError("infectiousnessByDaysSinceOnset needs from and values");
  num(m, "from", -14, 14);
  m.values.forEach((v: unknown, i: number) => infectiousnessName(v, `infectiousnessByDaysSinceOnset.values[${i}]`));
  infectiousnessName(o.infectiousnessWhenDaysSinceOnsetMissing, "infectiousnessWhenDaysSinceOnsetMissing");
  num(o, "minimumWindowScore", 0, 1e9);
  if (!o.riskyDay || typeof o.riskyDay !== "object") throw new RiskConfigError("riskyDay must be an object");
  num(o.riskyDay, "minimumScoreSum", 0, 1e9);
  num(o.riskyDay, "minimumScanSeconds", 0, 86400);
  const tx = numArray(o, "txPowerRangeDbm", 2, -128, 127);
  if (tx[0] > tx[1]) throw new RiskConfigError("txPowerRangeDbm must be [low, high]");
  num(o, "replayAfterSeconds", 0, 86400);
  num(o, "maxWindowMinutes", 1, 1440);
  num(o, "reportDays", 1, 28);
  return o as RiskConfig;
}

/** Load a configuration file (JSON); without a path, COCOA's default. */
export function loadRiskConfig(path?: string): RiskConfig {
  let text: string;
  try {
    text = readFileSync(path ?? DEFAULT_RISK_CONFIG_PATH, "utf8");
  } catch (e) {
    throw new RiskConfigError(`cannot read the risk configuration ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new RiskConfigError(`the risk configuration is not valid JSON (${(e as Error).message})`);
  }
  return checkRiskConfig(o);
}

/** COCOA's final configuration (a fresh copy). */
export function defaultRiskConfig(): RiskConfig {
  return loadRiskConfig();
}

const REPORT_TYPE_NAMES: Record<number, WeightedReportType> = {
  [ReportType.CONFIRMED_TEST]: "CONFIRMED_TEST",
  [ReportType.CONFIRMED_CLINICAL_DIAGNOSIS]: "CONFIRMED_CLINICAL_DIAGNOSIS",
  [ReportType.SELF_REPORT]: "SELF_REPORT",
  [ReportType.RECURSIVE]: "RECURSIVE",
};

/**
 * The report type a key is scored as. Missing (undefined / ABSENT) and UNKNOWN (0) map to
 * reportTypeWhenMissing; REVOKED and unknown values give null (never scored).
 */
export function effectiveReportType(reportType: number | undefined, config: RiskConfig): WeightedReportType | null {
  if (reportType === undefined || reportType < 0 || reportType === ReportType.UNKNOWN) return config.reportTypeWhenMissing;
  return REPORT_TYPE_NAMES[reportType] ?? null;
}

/** Infectiousness of a key from its days since onset (undefined = missing). */
export function infectiousnessFor(daysSinceOnset: number | undefined, config: RiskConfig): InfectiousnessName {
  if (daysSinceOnset === undefined) return config.infectiousnessWhenDaysSinceOnsetMissing;
  const m = config.infectiousnessByDaysSinceOnset;
  const v = m.values[daysSinceOnset - m.from];
  return v ?? "NONE";
}

/** Attenuation bucket 0..3 (immediate, near, medium, other) of a typical attenuation in dB. */
export function attenuationBucket(attenuationDb: number, config: RiskConfig): number {
  const t = config.attenuationThresholdsDb;
  if (attenuationDb <= t[0]) return 0;
  if (attenuationDb <= t[1]) return 1;
  if (attenuationDb <= t[2]) return 2;
  return 3;
}
