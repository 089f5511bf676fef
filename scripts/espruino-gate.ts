/**
 * The Espruino gate: a static check that a built firmware file only uses what Espruino runs
 * (docs/spec/espruino-platform.md section 1 "JavaScript language", section 3 "Crypto on the device").
 *
 * 1. Parse as ECMAScript 5 with acorn: destructuring, spread, default parameters, `**`, `?.`,
 *    computed keys, generators, async, classes, let/const, arrow functions fail with a location.
 *    (Espruino accepts some ES6 syntax, but the firmware is compiled to ES5, so anything newer is a
 *    build mistake.)
 * 2. AST walks for what parses as ES5 but fails on Espruino, or breaks the firmware's contract
 *    (one global, Omamori): the rules table in docs/FIRMWARE-BUILD.md.
 *
 * `checkEspruinoSource(code, {board, file})` returns the problems found, in source order.
 * Run as a script: `tsx scripts/espruino-gate.ts <board> <file.js>...` (exit 1 on errors).
 */
import { Parser, type Node } from "acorn";
import { fullAncestor } from "acorn-walk";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadBoard, type Board } from "../boards/index";

export interface GateProblem {
  line: number;
  column: number;
  message: string;
  /** "error" fails the build; "warning" is printed only (no rule warns at the moment). */
  level: "error" | "warning";
}

export interface GateOptions {
  /** Board id (boards/<id>.json) or the loaded board. Decides which `require()` modules exist. */
  board: string | Board;
  /** File name used in messages (formatGateProblem). */
  file?: string;
}

/** Globals Espruino does not have (or Node/browser-only ones). */
const MISSING_GLOBALS: Record<string, string> = {
  Map: "Espruino has no Map; use an object or a typed array",
  Set: "Espruino has no Set; use an object",
  WeakMap: "Espruino has no WeakMap",
  WeakSet: "Espruino has no WeakSet",
  Symbol: "Espruino has no Symbol",
  Proxy: "Espruino has no Proxy",
  Reflect: "Espruino has no Reflect",
  BigInt: "Espruino has no BigInt",
  TextEncoder: "Espruino has no TextEncoder; use common/bytes.ts",
  TextDecoder: "Espruino has no TextDecoder; use common/bytes.ts",
  Buffer: "Buffer is Node-only; use Uint8Array",
  global: "do not use `global` (Espruino has it, Node means something else): the firmware reaches the global scope only through the Omamori global",
  globalThis: "do not use globalThis (older Espruino builds lack it): the firmware reaches the global scope only through the Omamori global",
  setImmediate: "Espruino has no setImmediate; use setTimeout(f, 0)",
  queueMicrotask: "Espruino has no queueMicrotask; use setTimeout(f, 0)",
};

/** Error classes Espruino lacks (src/jswrap_error.c): `new RangeError(..)` throws a ReferenceError instead. */
const MISSING_ERRORS: Record<string, string> = {
  RangeError: "Espruino has no RangeError (throws 'RangeError is not defined' instead of your message); use TypeError or Error",
  URIError: "Espruino has no URIError; use Error",
  EvalError: "Espruino has no EvalError; use Error",
};

/** TypeScript helpers: with noEmitHelpers (firmware/tsconfig.json) they are called but never defined. */
const TS_HELPERS = [
  "__extends", "__assign", "__rest", "__decorate", "__param", "__awaiter", "__generator", "__values", "__read",
  "__spread", "__spreadArray", "__spreadArrays", "__await", "__asyncGenerator", "__asyncValues",
  "__makeTemplateObject", "__importDefault", "__importStar", "__classPrivateFieldGet", "__classPrivateFieldSet",
  "__createBinding", "__exportStar", "__setFunctionName", "__esDecorate", "__runInitializers",
];

/**
 * `process` exists on Espruino only with these members (src/jswrap_process.c); `on` is every Espruino
 * object's event method, and process emits "uncaughtException" (src/jsinteractive.c jsiCheckErrors).
 */
const PROCESS_MEMBERS = ["memory", "env", "version", "on"];

const TYPED_ARRAYS = [
  "Uint8Array", "Uint8ClampedArray", "Int8Array", "Uint16Array", "Int16Array",
  "Uint32Array", "Int32Array", "Float32Array", "Float64Array",
];

/** Constructors whose `X.prototype.method` is undefined on Espruino (espruino/Espruino#159). */
const BUILTIN_CONSTRUCTORS = [
  "Array", "String", "Object", "Function", "Number", "Boolean", "Date", "RegExp", "Error", "Promise",
  "ArrayBuffer", "DataView", "Math", "JSON",
].concat(TYPED_ARRAYS);

/**
 * Static members Espruino lacks, per object: docs/spec/espruino-platform.md section 1, and each one probed on the 2v29
 * interpreter (Linux build, which has at least what the nRF52 builds have): `typeof X.m` undefined.
 */
const MISSING_STATICS: Record<string, string[]> = {
  Promise: ["race", "allSettled", "any"],
  Object: ["freeze", "seal", "is", "getOwnPropertySymbols"],
  Number: ["isInteger", "isNaN", "isFinite", "isSafeInteger", "parseFloat", "parseInt", "EPSILON", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER"],
  Math: ["trunc", "log2", "log10", "log1p", "expm1", "cbrt", "hypot", "imul", "clz32", "fround", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"],
  Array: ["from", "of"],
  String: ["fromCodePoint", "raw"],
  Date: ["UTC"],
};
for (const t of TYPED_ARRAYS) MISSING_STATICS[t] = ["from", "of"];

/**
 * Instance methods Espruino lacks whatever the receiver (probed on the 2v29 interpreter on arrays,
 * strings, typed arrays, promises). Names that user objects commonly have (at, keys, values, entries)
 * or that some receivers do have (lastIndexOf: strings yes, arrays and typed arrays no) are left out.
 */
const MISSING_METHODS: Record<string, string> = {
  finally: "Espruino promises have no .finally; use .then(f, f)",
  flat: "Espruino arrays have no .flat",
  flatMap: "Espruino arrays have no .flatMap",
  findLast: "Espruino arrays have no .findLast",
  findLastIndex: "Espruino arrays have no .findLastIndex",
  copyWithin: "Espruino arrays have no .copyWithin",
  reduceRight: "Espruino arrays have no .reduceRight",
  trimStart: "Espruino strings have no .trimStart; use .trim()",
  trimEnd: "Espruino strings have no .trimEnd; use .trim()",
  codePointAt: "Espruino strings have no .codePointAt; use .charCodeAt",
  normalize: "Espruino strings have no .normalize",
  localeCompare: "Espruino strings have no .localeCompare; compare with < and >",
  matchAll: "Espruino strings have no .matchAll",
};

/** Modules every board has; "crypto" only where boards/<id>.json says crypto.module. */
const ALWAYS_MODULES = ["Storage", "Flash"];

/** Regexp escapes Espruino's matcher knows (src/jswrap_regexp.c matchcharacter); any other letter matches itself. */
const REGEX_ESCAPES = "dDsSwWfnrtv0x";

/**
 * What Espruino's small regexp matcher (src/jswrap_regexp.c) cannot do in `pattern`, or null.
 * It has . [] [^] ranges, ^ $, * and + after one character, | at the top level, ( ) as capture
 * markers and the escapes above; flags g and i. Everything else fails or silently means something else.
 */
export function espruinoRegexProblem(pattern: string, flags: string): string | null {
  for (const f of flags) if (f !== "g" && f !== "i") return "flag " + f + " is ignored by Espruino (only g and i)";
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      const e = pattern[i + 1] || "";
      if (/[A-Za-z1-9]/.test(e) && REGEX_ESCAPES.indexOf(e) < 0) {
        return e === "b" || e === "B" ? "\\" + e + " is not a word boundary on Espruino (\\b matches a backspace)"
          : /[1-9]/.test(e) ? "backreferences are not supported" : "escape \\" + e + " is not supported (it matches the letter " + e + ")";
      }
      i += e === "x" ? 3 : 1;
      continue;
    }
    if (inClass) { if (ch === "]") inClass = false; continue; }
    if (ch === "[") { inClass = true; continue; }
    if (ch === "?") return "? (optional, lazy, (?:, lookaround) is not supported; Espruino has only * and +";
    if (ch === "{") return "numeric quantifiers {n} are not supported";
    if (ch === "(") depth++;
    if (ch === ")") {
      depth--;
      const next = pattern[i + 1];
      if (next === "*" || next === "+") return "quantifiers after a group are not supported (" + next + " would match itself)";
    }
    if (ch === "|" && depth > 0) return "| inside a group is not supported (only at the top level)";
  }
  return null;
}

type AnyNode = Node & Record<string, any>;

/** table[key] when the table itself has it (never Object.prototype members such as toString). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function isFunction(n: AnyNode): boolean {
  return n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression";
}

/** True when an Identifier is read as a variable (not a property name, label or declared name). */
function isVariableReference(node: AnyNode, parent: AnyNode | undefined): boolean {
  if (!parent) return true;
  switch (parent.type) {
    case "MemberExpression":
      return parent.object === node || parent.computed;
    case "Property":
      return parent.value === node || (parent.computed && parent.key === node);
    case "FunctionDeclaration":
    case "FunctionExpression":
      return false; // its name or a parameter
    case "VariableDeclarator":
      return parent.init === node;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return false;
    case "CatchClause":
      return parent.param !== node;
    default:
      return true;
  }
}

function propertyName(member: AnyNode): string | null {
  if (!member.computed && member.property.type === "Identifier") return member.property.name;
  if (member.computed && member.property.type === "Literal" && typeof member.property.value === "string") {
    return member.property.value;
  }
  return null;
}

interface FunctionDecl { name: string; start: number; node: AnyNode }
interface Ref { name: string; start: number; isCall: boolean; node: AnyNode }

/**
 * Walks `body` without entering nested functions; calls `visit` with each node and its parent.
 * Nested function nodes themselves are visited (so declarations are seen) but not entered.
 */
function walkScope(body: AnyNode, visit: (n: AnyNode, parent: AnyNode | undefined) => void): void {
  const stack: { n: AnyNode; parent: AnyNode | undefined }[] = [{ n: body, parent: undefined }];
  while (stack.length) {
    const { n, parent } = stack.pop()!;
    visit(n, parent);
    if (n !== body && isFunction(n)) continue;
    const children: AnyNode[] = [];
    for (const key of Object.keys(n)) {
      if (key === "loc" || key === "type" || key === "start" || key === "end") continue;
      const v = (n as any)[key];
      if (Array.isArray(v)) { for (const c of v) if (c && typeof c.type === "string") children.push(c); }
      else if (v && typeof v.type === "string") children.push(v);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ n: children[i], parent: n });
  }
}

/** Names of same-scope functions that `fn`'s body calls, at any depth. */
function calledNames(fn: AnyNode, names: Record<string, FunctionDecl>): string[] {
  const out: string[] = [];
  fullAncestor(fn.body, (n: AnyNode, _s: unknown, ancestors: AnyNode[]) => {
    const parent = ancestors[ancestors.length - 2];
    if (n.type === "Identifier" && parent && (parent.type === "CallExpression" || parent.type === "NewExpression")
      && parent.callee === n && Object.prototype.hasOwnProperty.call(names, n.name) && out.indexOf(n.name) < 0) {
      out.push(n.name);
    }
  });
  return out;
}

/**
 * Espruino does not hoist function declarations: a function declared later in the same scope is not
 * defined yet. Flags uses before the declaration outside nested functions, and calls of earlier
 * functions that (transitively) call one declared later.
 */
function checkHoisting(scopeBody: AnyNode, report: (n: AnyNode, message: string) => void): void {
  const decls: Record<string, FunctionDecl> = {};
  const refs: Ref[] = [];
  const nested: AnyNode[] = [];
  walkScope(scopeBody, (n, parent) => {
    if (n !== scopeBody && isFunction(n)) {
      nested.push(n);
      if (n.type === "FunctionDeclaration" && n.id) decls[n.id.name] = { name: n.id.name, start: n.start, node: n };
      return;
    }
    if (n.type === "Identifier" && isVariableReference(n, parent)) {
      const isCall = !!parent && (parent.type === "CallExpression" || parent.type === "NewExpression") && parent.callee === n;
      refs.push({ name: n.name, start: n.start, isCall, node: n });
    }
  });
  const calls: Record<string, string[]> = {};
  for (const name of Object.keys(decls)) calls[name] = calledNames(decls[name].node, decls);
  for (const r of refs) {
    const d = own(decls, r.name);
    if (!d) continue;
    if (d.start > r.start) {
      report(r.node, "function " + r.name + " is used before its declaration; Espruino does not hoist functions (declare it first)");
      continue;
    }
    if (!r.isCall) continue;
    const seen: string[] = [r.name];
    for (let i = 0; i < seen.length; i++) {
      for (const m of calls[seen[i]]) {
        if (seen.indexOf(m) >= 0) continue;
        seen.push(m);
        if (decls[m].start > r.start) {
          report(r.node, "calling " + r.name + " here reaches function " + m + " before its declaration; Espruino does not hoist functions");
          i = seen.length;
          break;
        }
      }
    }
  }
  for (const fn of nested) checkHoisting(fn.body, report);
}

/** Names a function (or the program) declares: parameters, vars, function declarations, its own name. */
function declaredNames(scope: AnyNode): string[] {
  const names: string[] = [];
  if (scope.type !== "Program") {
    for (const p of scope.params) if (p.type === "Identifier") names.push(p.name);
    if (scope.type === "FunctionExpression" && scope.id) names.push(scope.id.name);
    names.push("arguments");
  }
  walkScope(scope.type === "Program" ? scope : scope.body, (n) => {
    if (n.type === "VariableDeclarator" && n.id.type === "Identifier") names.push(n.id.name);
    if (n.type === "FunctionDeclaration" && n.id) names.push(n.id.name);
  });
  return names;
}

/**
 * Assignments to names no enclosing scope declares: on Espruino (no strict mode) they create globals,
 * and the firmware may define only Omamori (docs/ARCHITECTURE.md "Runtime contract").
 */
function checkImplicitGlobals(ast: AnyNode, report: (n: AnyNode, message: string) => void): void {
  const cache = new Map<AnyNode, string[]>();
  const declared = (scope: AnyNode): string[] => {
    let d = cache.get(scope);
    if (!d) { d = declaredNames(scope); cache.set(scope, d); }
    return d;
  };
  fullAncestor(ast, (n: AnyNode, _s: unknown, ancestors: AnyNode[]) => {
    let target: AnyNode | null = null;
    if (n.type === "AssignmentExpression" && n.left.type === "Identifier") target = n.left;
    if (n.type === "UpdateExpression" && n.argument.type === "Identifier") target = n.argument;
    if (n.type === "ForInStatement" && n.left.type === "Identifier") target = n.left;
    if (!target) return;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i];
      if (a.type === "CatchClause" && a.param && a.param.name === target.name) return;
      if ((isFunction(a) || a.type === "Program") && declared(a).indexOf(target.name) >= 0) return;
    }
    report(target, "assignment to undeclared " + target.name + " makes it a global on Espruino; declare it with var (the firmware's only global is Omamori)");
  });
}

/** Check one file's source. Returns the problems (empty when the file is Espruino-safe). */
export function checkEspruinoSource(code: string, options: GateOptions): GateProblem[] {
  if (typeof code !== "string") throw new TypeError("code must be a string");
  if (!options || options.board === undefined) throw new TypeError("options.board is required (a board id or a loaded board)");
  const board = typeof options.board === "string" ? loadBoard(options.board) : options.board;
  const problems: GateProblem[] = [];
  let ast: AnyNode;
  try {
    ast = Parser.parse(code, { ecmaVersion: 5, sourceType: "script", locations: true, allowReserved: false }) as AnyNode;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const loc = err.loc || { line: 0, column: 0 };
    problems.push({
      line: loc.line, column: loc.column, level: "error",
      message: "not ES5 syntax (Espruino-safe firmware must be plain ES5): " + err.message.replace(/ \(\d+:\d+\)$/, ""),
    });
    return problems;
  }
  const report = (level: GateProblem["level"]) => (n: AnyNode, message: string): void => {
    problems.push({ line: n.loc!.start.line, column: n.loc!.start.column, message, level });
  };
  const error = report("error");
  const modules = ALWAYS_MODULES.concat(board.crypto.module ? ["crypto"] : []);

  fullAncestor(ast, (n: AnyNode, _state: unknown, ancestors: AnyNode[]) => {
    const parent = ancestors[ancestors.length - 2];
    switch (n.type) {
      case "Literal": {
        if (!n.regex) break;
        const why = espruinoRegexProblem(n.regex.pattern, n.regex.flags);
        if (why) error(n, "/" + n.regex.pattern + "/" + n.regex.flags + ": " + why);
        break;
      }
      case "NewExpression": {
        if (n.callee.type !== "Identifier" || n.callee.name !== "RegExp") break;
        const [pat, fl] = n.arguments as AnyNode[];
        if (!pat || pat.type !== "Literal" || typeof pat.value !== "string") break;
        const why = espruinoRegexProblem(pat.value, fl && fl.type === "Literal" && typeof fl.value === "string" ? fl.value : "");
        if (why) error(n, "new RegExp(" + JSON.stringify(pat.value) + "): " + why);
        break;
      }
      case "LabeledStatement":
        error(n, "label " + n.label.name + ": Espruino does not support labels (use a flag or a function)");
        break;
      case "Identifier": {
        if (!isVariableReference(n, parent)) break;
        if (own(MISSING_GLOBALS, n.name)) error(n, n.name + ": " + MISSING_GLOBALS[n.name]);
        else if (TS_HELPERS.indexOf(n.name) >= 0) {
          error(n, n.name + ": a TypeScript helper that is never defined (noEmitHelpers); avoid the construct that needs it (docs/FIRMWARE-BUILD.md)");
        } else if (own(MISSING_ERRORS, n.name)) error(n, n.name + ": " + MISSING_ERRORS[n.name]);
        else if (n.name === "process") {
          const p = parent && parent.type === "MemberExpression" && parent.object === n ? propertyName(parent) : null;
          if (p === null || PROCESS_MEMBERS.indexOf(p) < 0) {
            error(n, "process" + (p ? "." + p : "") + ": Espruino's process has only " + PROCESS_MEMBERS.join(", "));
          }
        }
        break;
      }
      case "MemberExpression": {
        const prop = propertyName(n);
        if (prop === null) break;
        const obj = n.object as AnyNode;
        if (obj.type === "Identifier" && BUILTIN_CONSTRUCTORS.indexOf(obj.name) >= 0 && prop === "prototype") {
          const isAssignTarget = parent && parent.type === "AssignmentExpression" && parent.left === n;
          const up = parent && parent.type === "MemberExpression" && parent.object === n ? parent : null;
          const upAssigned = up && ancestors.length >= 3 && ancestors[ancestors.length - 3].type === "AssignmentExpression"
            && ancestors[ancestors.length - 3].left === up;
          if (!isAssignTarget && !upAssigned) {
            const m = up ? propertyName(up) : null;
            error(n, obj.name + ".prototype" + (m ? "." + m : "") + ": built-in prototype methods are not reachable this way on Espruino (use an instance, e.g. [].slice.call)");
          }
        }
        if (obj.type === "Identifier" && (own(MISSING_STATICS, obj.name) || []).indexOf(prop) >= 0) {
          error(n, obj.name + "." + prop + " does not exist on Espruino");
        }
        if (own(MISSING_METHODS, prop)) error(n, "." + prop + ": " + MISSING_METHODS[prop]);
        if (obj.type === "CallExpression" && obj.callee.type === "Identifier" && obj.callee.name === "require"
          && obj.arguments.length === 1 && obj.arguments[0].type === "Literal" && obj.arguments[0].value === "crypto") {
          if (prop === "SHA256" && !board.crypto.sha256) error(n, "require(\"crypto\").SHA256 does not exist on " + board.name);
          if (prop === "AES" && !board.crypto.aesEcb) error(n, "require(\"crypto\").AES does not exist on " + board.name);
        }
        break;
      }
      case "CallExpression": {
        if (n.callee.type !== "Identifier" || n.callee.name !== "require") break;
        const arg = n.arguments[0] as AnyNode | undefined;
        if (n.arguments.length !== 1 || !arg || arg.type !== "Literal" || typeof arg.value !== "string") {
          error(n, "require() needs exactly one string literal, so the gate can check the module exists");
        } else if (modules.indexOf(arg.value) < 0) {
          error(n, "require(\"" + arg.value + "\"): " + board.name + " firmware has no such module (it has " + modules.join(", ") + ")");
        }
        break;
      }
    }
  });
  checkHoisting(ast, error);
  checkImplicitGlobals(ast, error);
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return problems;
}

/** `file:line:column: level: message`, the form editors and terminals link. */
export function formatGateProblem(file: string, p: GateProblem): string {
  return file + ":" + p.line + ":" + p.column + ": " + p.level + ": " + p.message;
}

function main(argv: string[]): number {
  const [boardId, ...files] = argv;
  if (!boardId || files.length === 0) {
    console.error("usage: tsx scripts/espruino-gate.ts <board id> <file.js>...");
    return 2;
  }
  let errors = 0;
  for (const file of files) {
    for (const p of checkEspruinoSource(readFileSync(file, "utf8"), { board: boardId, file })) {
      console.error(formatGateProblem(file, p));
      if (p.level === "error") errors++;
    }
  }
  return errors ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
