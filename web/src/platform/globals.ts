/**
 * Globals the host modules expect from Node (injected into every bundle by scripts/build-web.ts):
 * `Buffer` (the `buffer` package, the same API) and a small `process`.
 */
import { Buffer as B } from "buffer";

export const Buffer = B;
export const process = {
  env: { OMAMORI_HOME: "/data" } as Record<string, string | undefined>,
  pid: 1,
  platform: "browser",
  versions: {},
  argv: [] as string[],
  exitCode: 0,
  stderr: { write: (s: string) => console.warn(s) },
  stdout: { write: (s: string) => console.log(s), isTTY: false },
  cwd: () => "/",
  kill: () => { throw new Error("no processes in a browser"); },
};
