/**
 * Espruino's number <-> string conversions, ported from espruino/Espruino src/jsutils.c and
 * src/jsvar.c (2v29), so the sim prints and parses numbers as the token does:
 *
 *   - ints (JsVarInt, 32-bit) print as plain decimal (itostr);
 *   - floats print with ftoa_bounded_extra: the integer part digit by digit, then at most 11
 *     fractional digits (each one by multiplying the rest by 10, stopping once it is below 1e-7),
 *     and values >= 1e21 or < 1e-6 with an exponent worked out by repeated division:
 *     (0.1+0.2)+"" is "0.3", (1/3)+"" is "0.33333333333", 1e21+"" is "10e+20";
 *   - toFixed(n) is the same routine with n fractional digits, rounding only the last one
 *     ((1.96).toFixed(1) is "1.9", (2.5).toFixed(0) is "2");
 *   - strings become numbers by jsvAsNumber / jsvGetFloat: leading whitespace is skipped, nothing
 *     may follow the number (Number(" 12 ") is NaN), "" is 0, a leading 0 means octal ("012" is 10),
 *     0x / 0b / 0o prefixes work, "Infinity" only without surrounding spaces.
 *
 * The arithmetic is IEEE double, as on the device (the nRF52's FPU is single precision, so the
 * firmware does doubles in software, exactly). Checked against the real interpreter's Linux build.
 */

const STOP_AT_ERROR = 0.0000001;

/** C's (JsVarInt)x for a double: truncation; null where the conversion is undefined (out of int32). */
function cInt32(x: number): number | null {
  if (!(x > -2147483649 && x < 2147483648)) return null;
  return Math.trunc(x);
}

function itoch(v: number): string {
  return v < 10 ? String.fromCharCode(48 + v) : String.fromCharCode(97 + v - 10);
}

/** ftoa_bounded_extra(val, buf, 70, radix, fractionalDigits) (src/jsutils.c). */
export function espFloatToString(value: number, radix = 10, fractionalDigits = -1): string {
  let val = value;
  if (Number.isNaN(val)) return "NaN";
  if (!Number.isFinite(val)) return val < 0 ? "-Infinity" : "Infinity";
  let out = "";
  if (val < 0) {
    out = "-";
    val = -val;
  }
  let exponent = 0;
  if (radix === 10 && val > 0 && fractionalDigits < 0) {
    if (val >= 1e21) {
      while (val > 100000) {
        val /= 100000;
        exponent += 5;
      }
      while (val > 10) {
        val /= 10;
        exponent++;
      }
    } else if (val < 1e-6) {
      while (val < 1e-5) {
        val *= 100000;
        exponent -= 5;
      }
      while (val < 1) {
        val *= 10;
        exponent--;
      }
    }
  }
  // "what if we're really close to an integer? Just use that..."
  const a = cInt32(val + STOP_AT_ERROR);
  const b = cInt32(val);
  if (a !== null && b !== null && a === 1 + b) val = 1 + b;
  let d = 1;
  while (d * radix <= val) d *= radix;
  while (d >= 1) {
    const v = Math.trunc(val / d);
    val -= v * d;
    out += itoch(v);
    d /= radix;
  }
  if ((fractionalDigits < 0 && val > 0) || fractionalDigits > 0) {
    let hasPt = false;
    val *= radix;
    while ((fractionalDigits < 0 && fractionalDigits > -12 && val > STOP_AT_ERROR) || fractionalDigits > 0) {
      let v = Math.trunc(val + (fractionalDigits === 1 ? 0.5 : 0.00000001));
      val = (val - v) * radix;
      if (v === radix) v = radix - 1;
      if (!hasPt) {
        hasPt = true;
        out += ".";
      }
      out += itoch(v);
      fractionalDigits--;
    }
  }
  if (exponent) out += "e" + (exponent > 0 ? "+" : "") + String(exponent);
  return out;
}

/** Is v a value an Espruino int can hold (int32, not -0)? Anything else is necessarily a float. */
export function isIntValue(v: number): boolean {
  return v === (v | 0) && (v !== 0 || 1 / v > 0);
}

function isWhitespace(c: number): boolean {
  // isWhitespaceInline (src/jsutils.h): space, \t \n \v \f \r and 0xA0
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

function chtod(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return 10 + c - 97;
  if (c >= 65 && c <= 90) return 10 + c - 65;
  return -1;
}

/** getRadix: "0x" 16, "0b" 2, "0o" 8, a leading "0" octal unless a '.', 8 or 9 follows among the digits. */
function getRadix(s: string, i: number): { radix: number; next: number } {
  let radix = 10;
  if (s.charCodeAt(i) === 48) {
    radix = 8;
    i++;
    const c = s[i];
    if (c === "o" || c === "O") {
      radix = 8;
      i++;
    } else if (c === "x" || c === "X") {
      radix = 16;
      i++;
    } else if (c === "b" || c === "B") {
      radix = 2;
      i++;
    } else {
      for (let p = i; p < s.length; p++) {
        const ch = s[p];
        if (ch === "." || ch === "8" || ch === "9") radix = 10;
        else if (ch < "0" || ch > "9") break;
      }
    }
  }
  return { radix, next: i };
}

/** jsvIsStringNumericInt(str, allowDecimalPoint). */
function isStringNumericInt(s: string, allowDecimalPoint: boolean): boolean {
  let i = 0;
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  if (s[i] === "-" || s[i] === "+") i++;
  let radix = 0;
  if (s[i] === "0") {
    i++;
    const buf = "0" + (s[i] ?? "");
    const r = getRadix(buf, 0);
    radix = r.radix;
    if (r.next > 1) i++;
  }
  if (radix === 0) radix = 10;
  let chars = 0;
  for (; i < s.length; i++) {
    chars++;
    const ch = s[i];
    if (ch === "." && allowDecimalPoint) {
      allowDecimalPoint = false;
    } else {
      const n = chtod(s.charCodeAt(i));
      if (n < 0 || n >= radix) return false;
    }
  }
  return chars > 0;
}

/** stringToIntWithRadix(s, 0) (the int path of jsvAsNumber), as a double (long long). */
function stringToInt(s: string): number {
  let i = 0;
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "-") {
    neg = true;
    i++;
  } else if (s[i] === "+") i++;
  const { radix, next } = getRadix(s, i);
  i = next;
  let v = 0;
  for (; i < s.length; i++) {
    const d = chtod(s.charCodeAt(i));
    if (d < 0 || d >= radix) break;
    v = v * radix + d;
  }
  return neg ? -v : v;
}

/** stringToFloatWithRadix(s, 0, &end): the value and where parsing stopped. */
function stringToFloat(s: string): { value: number; end: number } {
  let i = 0;
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "-") {
    neg = true;
    i++;
  } else if (s[i] === "+") i++;
  const numberStart = i;
  const { radix, next } = getRadix(s, i);
  i = next;
  let v = 0;
  let mul = 0.1;
  for (; i < s.length; i++) {
    const d = chtod(s.charCodeAt(i));
    if (d < 0 || d >= radix) break;
    v = v * radix + d;
  }
  if (radix === 10) {
    if (s[i] === ".") {
      i++;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 48 && c <= 57) v += mul * (c - 48);
        else break;
        mul /= 10;
      }
    }
    if (s[i] === "e" || s[i] === "E") {
      i++;
      let eNeg = false;
      if (s[i] === "-" || s[i] === "+") {
        eNeg = s[i] === "-";
        i++;
      }
      let e = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 48 && c <= 57) e = e * 10 + (c - 48);
        else break;
      }
      if (eNeg) e = -e;
      while (e > 0) {
        v *= 10;
        e--;
      }
      while (e < 0) {
        v /= 10;
        e++;
      }
    }
  }
  if (i === numberStart || (s[numberStart] === "." && i === numberStart + 1)) return { value: NaN, end: i };
  return { value: neg ? -v : v, end: i };
}

/** jsvGetFloat of a string: NaN unless the whole string (after leading whitespace) is a number. */
export function espStringToFloat(s: string): number {
  if (s.length === 0) return 0;
  if (s === "Infinity") return Infinity;
  if (s === "-Infinity") return -Infinity;
  const { value, end } = stringToFloat(s);
  return end === s.length ? value : NaN;
}

/**
 * jsvAsNumber of a string (unary +, Number()): {value, isFloat}. Integer strings (any radix) give
 * ints, unless they do not fit 32 bits; anything else goes through jsvGetFloat.
 */
export function espStringToNumber(s: string): { value: number; isFloat: boolean } {
  if (s.length === 0 || isStringNumericInt(s, false)) {
    const v = stringToInt(s);
    return { value: v, isFloat: !isIntValue(v) };
  }
  return { value: espStringToFloat(s), isFloat: true };
}

/** jsvGetInteger of a string: its integer part when it looks numeric (any radix), else 0. */
export function espStringGetInteger(s: string): number {
  return isStringNumericInt(s, true) ? stringToInt(s) | 0 : 0;
}
