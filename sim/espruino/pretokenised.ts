/**
 * Reading a pretokenised file as Espruino's lexer does (src/jslex.c jslSingleChar and the token list
 * in src/jslex.h), so the simulator can run the firmware file exactly as it is written to `.bootcde`.
 *
 * In a pretokenised file every byte 0x80-0xFF outside a raw string's payload is one token:
 *   138..198   the operators and reserved words of jslex.h in their fixed order (LEX_EQUAL "==" ..
 *              LEX_R_OF "of"); the Web IDE and the `espruino` CLI rely on this numbering
 *   208        "??" (LEX_NULLISH)
 *   209 / 210  a raw string: 0xD1 len8 bytes / 0xD2 len16(LE) bytes
 *   211        the integer 0; 212 int8 value; 213 int16 little-endian (both signed, as jslex.c
 *              reads them with (int8_t) and (int16_t) casts)
 * Anything else at or above 0x80 is not a token Espruino knows: an error here, as it would be a
 * syntax error on the token. Bytes below 0x80 are ordinary source text.
 *
 * The result is JavaScript text for V8 with the same meaning: word tokens and operators get spaces
 * around them (so `a+ ++b` cannot become `a+++b`), negative integers parentheses, and raw strings
 * become escaped string literals.
 */

/** Token texts from 138 (LEX_EQUAL) to 198 (LEX_R_OF), in src/jslex.h order. */
const TOKENS = [
  "==", "===", "!=", "!==", "<=", "<<", "<<=", ">=", ">>", ">>>", ">>=", ">>>=", "+=", "-=", "++", "--", "*=", "/=",
  "%=", "&=", "&&", "|=", "||", "^=", "=>",
  "if", "else", "do", "while", "for", "break", "continue", "function", "return", "var", "let", "const", "this", "throw",
  "try", "catch", "finally", "true", "false", "null", "undefined", "new", "in", "instanceof", "switch", "case",
  "default", "delete", "typeof", "void", "debugger", "class", "extends", "super", "static", "of",
];
const FIRST_TOKEN = 138;
const NULLISH = 208;
const RAW_STRING8 = 0xd1;
const RAW_STRING16 = 0xd2;
const RAW_INT0 = 0xd3;
const RAW_INT8 = 0xd4;
const RAW_INT16 = 0xd5;

/** True when the file holds token bytes (a plain ASCII file has none). */
export function isPretokenised(code: string): boolean {
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) >= 0x80) return true;
  return false;
}

function stringLiteral(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += "\\" + s[i];
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
  }
  return out + '"';
}

/** The JavaScript text Espruino's lexer sees in a (possibly) pretokenised file. */
export function detokenise(code: string): string {
  let out = "";
  let i = 0;
  while (i < code.length) {
    const c = code.charCodeAt(i);
    if (c < 0x80) {
      out += code[i++];
      continue;
    }
    if (c >= FIRST_TOKEN && c < FIRST_TOKEN + TOKENS.length) {
      out += " " + TOKENS[c - FIRST_TOKEN] + " ";
      i++;
    } else if (c === NULLISH) {
      out += " ?? ";
      i++;
    } else if (c === RAW_STRING8 || c === RAW_STRING16) {
      const len = c === RAW_STRING8 ? code.charCodeAt(i + 1) : code.charCodeAt(i + 1) | (code.charCodeAt(i + 2) << 8);
      const start = i + (c === RAW_STRING8 ? 2 : 3);
      if (start + len > code.length) throw new SyntaxError("pretokenised string runs past the end of the file at byte " + i);
      out += stringLiteral(code.substr(start, len));
      i = start + len;
    } else if (c === RAW_INT0) {
      out += " 0 ";
      i++;
    } else if (c === RAW_INT8 || c === RAW_INT16) {
      let v = code.charCodeAt(i + 1);
      if (c === RAW_INT16) v |= code.charCodeAt(i + 2) << 8;
      const bits = c === RAW_INT8 ? 8 : 16;
      if (v >= 1 << (bits - 1)) v -= 1 << bits;
      out += v < 0 ? "(" + v + ")" : " " + v + " ";
      i += c === RAW_INT8 ? 2 : 3;
    } else {
      throw new SyntaxError("byte 0x" + c.toString(16) + " at " + i + " is not a token Espruino's lexer knows");
    }
  }
  return out;
}
