/** The official GAEN v1.2 vectors (test/vectors/gaen-v1.2.json, source in test/vectors/README.md), loaded for every suite. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface VectorSet {
  tek: string;
  rpik: string;
  aemk: string;
  metadata: string;
  rolling_start_interval_number: number;
  padded_data_interval0: string;
  intervals: { i: number; enin: number; rpi: string; aem: string }[];
}

const VECTORS_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "gaen-v1.2.json");

export function officialVectors(): VectorSet {
  const json = JSON.parse(readFileSync(VECTORS_FILE, "utf8"));
  return json.set as VectorSet;
}
