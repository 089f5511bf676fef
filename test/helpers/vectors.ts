/** The official GAEN v1.2 vectors from shared/spec, loaded once for every suite. */
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

const here = dirname(fileURLToPath(import.meta.url));
/** shared/ sits beside the repository checkout (../shared from the repo root). */
export const SPEC_DIR = join(here, "..", "..", "..", "shared", "spec");

export function officialVectors(): VectorSet {
  const json = JSON.parse(readFileSync(join(SPEC_DIR, "gaen-test-vectors.json"), "utf8"));
  return json.set as VectorSet;
}
