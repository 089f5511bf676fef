/** `node:os` in the browser bundle. */
export function homedir(): string {
  return "/home";
}
export function hostname(): string {
  return "browser";
}
export function availableParallelism(): number {
  return Math.max(1, (globalThis.navigator && navigator.hardwareConcurrency) || 1);
}
export function cpus(): unknown[] {
  return new Array(availableParallelism()).fill({});
}
export default { homedir, hostname, availableParallelism, cpus };
