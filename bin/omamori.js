#!/usr/bin/env node
// The omamori command. It runs the TypeScript host tool through tsx (a runtime dependency), so a
// fresh `npm ci` is all that is needed before `npx omamori --help`; when `npm ci` or
// `npm run build` bundled it (scripts/build-host.mjs) and no source file changed since
// (bundle.js), it runs that bundle instead, which starts about 0.4 s sooner.
// OMAMORI_NO_BUNDLE=1 always takes the tsx way.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentBundle } from "./bundle.js";

// Output piped into a reader that stopped early (`omamori check | head`): the rest of the output
// is dropped quietly and the command still finishes, with its own exit code, instead of a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
  });
}

const built = process.env.OMAMORI_NO_BUNDLE ? null : currentBundle(join(dirname(fileURLToPath(import.meta.url)), ".."));
let main;
if (built) ({ main } = await import(built));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../host-tools/cli/main.ts"));
}
process.exitCode = await main(process.argv);
