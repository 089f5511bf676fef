/**
 * Argument checks for the firmware crypto (Espruino has TypeError but no RangeError:
 * Espruino src/jswrap_error.c defines Error, SyntaxError, TypeError, InternalError, ReferenceError only).
 */

/** Throws a TypeError naming the argument unless `value` is a Uint8Array of `length` bytes (any length when < 0). */
export function checkBytes(name: string, value: Uint8Array, length: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(name + " must be a Uint8Array");
  if (length >= 0 && value.length !== length) {
    throw new TypeError(name + " must be " + length + " bytes, got " + value.length);
  }
}
