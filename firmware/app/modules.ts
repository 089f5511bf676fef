/**
 * Espruino's built-in modules the token uses everywhere, looked up once (Espruino caches require(),
 * so this is the same object each call would return; holding it costs one variable, and the file is
 * a few hundred bytes smaller than with a require() at every use). The crypto module is looked up where
 * it is used (firmware/crypto/primitives.ts): most boards do not have it.
 */
export var Storage = require("Storage");
export var Flash = require("Flash");
