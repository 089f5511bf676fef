/**
 * Pretokenising the firmware file, with the official code: EspruinoTools' own pretokeniser
 * (node_modules/espruino/plugins/pretokenise.js, what the Web IDE and the `espruino` CLI run when
 * PRETOKENISE is on), loaded here in a sandbox with the two things it expects (acorn and a minimal
 * `Espruino` object) instead of the CLI's global set-up.
 *
 * Espruino's lexer reads a pretokenised file directly (src/jslex.c): every reserved word and
 * multi-character operator becomes one byte 0x80 + n, strings become 0xD1 len bytes (or 0xD2 with a
 * 16-bit length), integers 0xD3 (zero), 0xD4 int8 or 0xD5 int16 little-endian. On a Puck.js that is
 * about 16 % less flash for `.bootcde`, and functions run from flash without re-lexing keywords.
 * Mode "always" (PRETOKENISE=2) is used: strings and integers too, as Espruino 2v25.396 and later
 * understand (the oldest firmware the boards here support is newer).
 *
 * The simulator turns the bytes back into JavaScript the way Espruino's lexer reads them
 * (sim/espruino/pretokenised.ts); the real interpreter runs them as they are.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runInNewContext } from "node:vm";

const require = createRequire(import.meta.url);

interface PretokenisePlugin {
  tokenise(code: string): string;
}

let plugin: PretokenisePlugin | null = null;

function load(): PretokenisePlugin {
  if (plugin) return plugin;
  const file = require.resolve("espruino/plugins/pretokenise.js");
  const espruino = {
    Core: { Config: { add() {} }, Env: { getBoardData: () => ({}) }, Utils: { atob: (s: string) => Buffer.from(s, "base64").toString("latin1") } },
    Config: { PRETOKENISE: 2, SAVE_ON_SEND: 1 },
    Plugins: {} as Record<string, PretokenisePlugin>,
    addProcessor() {},
  };
  runInNewContext(readFileSync(file, "utf8"), { acorn: require("acorn"), Espruino: espruino, console }, { filename: file });
  const p = espruino.Plugins.Pretokenise;
  if (!p || typeof p.tokenise !== "function") throw new Error("the espruino package's pretokeniser was not found in " + file);
  plugin = p;
  return p;
}

/** The pretokenised form of `code` (a string of 8-bit characters: write it with "latin1"). */
export function pretokenise(code: string): string {
  return load().tokenise(code);
}
