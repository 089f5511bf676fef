/** Peak resident memory of this process, kB (bench/omamori-peak.mjs). */
export function peakRssKb(): number;
