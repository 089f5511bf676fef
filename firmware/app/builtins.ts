/**
 * Espruino's built-in modules, looked up when used rather than when the file loads, so a board
 * (or a test harness) missing one still gets the `Omamori` global and an error count, not a dead
 * boot. Espruino caches require(), so each call is a lookup.
 */
export function storage() {
  return require("Storage");
}

export function flashModule() {
  return require("Flash");
}
