#!/usr/bin/env node
// The omamori command: runs the TypeScript host tool through tsx (a runtime dependency),
// so a fresh `npm ci` is all that is needed before `npx omamori --help`.
import { register } from "tsx/esm/api";
register();
const { main } = await import("../host-tools/cli/main.ts");
process.exitCode = await main(process.argv);
