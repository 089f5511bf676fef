// Bundles the `omamori` command (host-tools/cli/main.ts and what it imports) into one JavaScript
// file, dist/host/omamori.mjs, so the command starts without compiling TypeScript on every run
// (through tsx it spent about 0.4 s of CPU before doing anything). Run by `npm ci` and by
// `npm run build`; plain JavaScript because it runs before anything else is set up.
//
// bin/omamori.js uses the bundle only while it is current: dist/host/inputs.json lists every
// source file in it with its size and modification time, and any difference (an edit, a checkout)
// sends the command back to tsx. Each module's import.meta.url is replaced by its own file's URL,
// so the files modules find next to themselves (export.proto, the risk configuration, the native
// matcher, the worker thread) are found where they are. Packages stay in node_modules.
// A failure here is not an error: the command then simply runs through tsx.
import { statSync, writeFileSync, readFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "host");

try {
  const esbuild = await import("esbuild");
  mkdirSync(out, { recursive: true });
  rmSync(join(out, "inputs.json"), { force: true }); // stale until the new bundle is complete
  const result = await esbuild.build({
    entryPoints: [join(root, "host-tools", "cli", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: join(out, "omamori.mjs"),
    metafile: true,
    logLevel: "silent",
    plugins: [{
      name: "own-import-meta-url",
      setup(build) {
        build.onLoad({ filter: /\.ts$/ }, (args) => ({
          contents: readFileSync(args.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
          loader: "ts",
        }));
      },
    }],
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => {
    const abs = join(process.cwd(), p);
    const st = statSync(abs);
    return { path: relative(root, abs), size: st.size, mtimeMs: st.mtimeMs };
  });
  writeFileSync(join(out, "inputs.json"), JSON.stringify({ root, inputs }) + "\n");
} catch (e) {
  console.log(`omamori: the command was not bundled (${e.message.split("\n")[0]}); it runs through tsx, a little slower to start`);
}
