// Whether the bundled omamori command (scripts/build-host.mjs) may be used: only while every
// source file in it is exactly as it was bundled, in a repository that has not moved.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Path of dist/host/omamori.mjs under `root` when it is current, else null. */
export function currentBundle(root) {
  try {
    const { root: builtAt, inputs } = JSON.parse(readFileSync(join(root, "dist", "host", "inputs.json"), "utf8"));
    if (builtAt !== root || !Array.isArray(inputs) || inputs.length === 0) return null;
    for (const i of inputs) {
      const st = statSync(join(root, i.path));
      if (st.size !== i.size || st.mtimeMs !== i.mtimeMs) return null;
    }
    return join(root, "dist", "host", "omamori.mjs");
  } catch {
    return null;
  }
}
