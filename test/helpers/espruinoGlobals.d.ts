/**
 * The Espruino globals a firmware module that tests import in Node may name (firmware/espruino.d.ts has
 * them all, for the firmware's own type check; it cannot be loaded beside Node's types). A test that
 * runs such a module defines them first, as Espruino does (test/firmware-crypto/x25519.test.ts).
 */
declare var E: { convolve(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number; [name: string]: any };
declare function getTime(): number;
