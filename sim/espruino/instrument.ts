/**
 * Rewrites the token's JavaScript before V8 runs it, so the operations where Espruino and V8
 * disagree go through Espruino's rules (sim/espruino/semantics.ts holds the helpers; the rules
 * themselves are documented there and in docs/SIM-RUNTIME.md "JavaScript values"):
 *
 *   a + b, a - b, a * b, a / b, a % b, -a, +a     -> helpers: Espruino's int/float typing, its
 *                                                    number printing in string concatenation, its
 *                                                    string-to-number rules
 *   x += y (and -=, *=, /=, %=), ++x, x--          -> the same helpers
 *   ==, !=, ===, !==, switch                       -> compare unboxed values
 *   typeof                                         -> a boxed float is still a "number"
 *   1.0, 1e3 (integral float literals)             -> boxed floats
 *   o[k] = v, {5: a}                               -> insertion order of integer-like keys kept
 *   for (k in o)                                   -> Espruino's key order, keys starting with
 *                                                    "\xFF" hidden, keys added meanwhile visited
 *   catch (e)                                      -> V8's own errors turned into Espruino's
 *   Array(n) / new Array(n)                        -> n unboxed
 *
 * Everything else is copied unchanged. Code that does not parse is returned unchanged (V8 then
 * reports the syntax error as before). Results are cached per source text.
 */
import { Parser } from "acorn";
import { HOOK as METER_HOOK } from "./meterCode";

/** The helper globals the rewritten code calls (defined by semantics.ts, hidden from enumeration). */
export const HELPER_PREFIX = "__esp_";

type AnyNode = { type: string; start: number; end: number; [k: string]: any };

const BINARY: Record<string, string> = {
  "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod",
  "==": "eq", "!=": "ne", "===": "seq", "!==": "sne",
};
const COMPOUND: Record<string, string> = { "+=": "add", "-=": "sub", "*=": "mul", "/=": "div", "%=": "mod" };

const h = (name: string) => HELPER_PREFIX + name;

const BITWISE = new Set(["&", "|", "^", "<<", ">>", ">>>"]);
const RAW_ARITH = new Set(["+", "-", "*", "/", "%"]);

/** Cheap and free of side effects: may be evaluated twice (identifiers, literals, this, a.b, a[i]). */
function isSimple(n: AnyNode): boolean {
  switch (n.type) {
    case "Identifier":
    case "ThisExpression":
      return true;
    case "Literal":
      return !(typeof n.value === "number" && isFloatLiteral(n.raw));
    case "MemberExpression":
      return isSimple(n.object) && (!n.computed || isSimple(n.property));
    case "BinaryExpression":
      // arithmetic of simple operands (a key such as f + p)
      return (RAW_ARITH.has(n.operator) || BITWISE.has(n.operator)) && isSimple(n.left) && isSimple(n.right);
    default:
      return false;
  }
}

/** Always a primitive that is not a boxed float or a flash string. */
function isPrimitive(n: AnyNode): boolean {
  switch (n.type) {
    case "Literal":
      return !(n.value instanceof RegExp) && !(typeof n.value === "number" && isFloatLiteral(n.raw) && n.value !== 0 && n.value === (n.value | 0));
    case "TemplateLiteral":
      return true;
    case "UnaryExpression":
      return n.operator === "!" || n.operator === "typeof" || n.operator === "void" || n.operator === "~" || n.operator === "delete" ||
        (n.operator === "-" && n.argument.type === "Literal" && typeof n.argument.value === "number" && !isFloatLiteral(n.argument.raw));
    case "BinaryExpression":
      return BITWISE.has(n.operator) || ["<", ">", "<=", ">=", "==", "!=", "===", "!==", "in", "instanceof"].includes(n.operator);
    default:
      return false;
  }
}

/** A numeric literal Espruino's lexer reads as a float (a '.', or an exponent, not hex/binary/octal). */
export function isFloatLiteral(raw: string): boolean {
  return !/^0[xXbBoO]/.test(raw) && /[.eE]/.test(raw);
}

/** Canonical array-index keys ("0", "12"; not "012", "-1", "1.5") are the ones V8 reorders. */
export function isIndexKey(k: string): boolean {
  if (k.length === 0 || k.length > 10) return false;
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && k.length > 1)) return false;
  const n = Number(k);
  return String(n >>> 0) === k && n !== 4294967295;
}

const CACHE_MAX = 32;
const cache = new Map<string, string>();

export function instrument(code: string): string {
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  let ast: AnyNode;
  try {
    ast = Parser.parse(code, { ecmaVersion: "latest", sourceType: "script", allowHashBang: true }) as unknown as AnyNode;
  } catch {
    return code;
  }
  const out = new Rewriter(code, ast).gen(ast);
  cache.set(code, out);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  return out;
}

function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x.type === "string") out.push(x);
    } else if (v && typeof v.type === "string") out.push(v);
  }
  out.sort((a, b) => a.start - b.start);
  return out;
}

const ID_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** a + b, with a space where two words would otherwise run together (`return"x"+y`). */
function glue(a: string, b: string): string {
  if (a.length && b.length && ID_CHAR.test(a[a.length - 1]) && ID_CHAR.test(b[0])) return a + " " + b;
  return a + b;
}

/** Update expressions whose value nobody reads (x++ as a statement, in a for-update, in `a && x++`). */
function discardedUpdates(root: AnyNode): Set<AnyNode> {
  const out = new Set<AnyNode>();
  const visit = (n: AnyNode, discard: boolean): void => {
    switch (n.type) {
      case "UpdateExpression":
        if (discard) out.add(n);
        break;
      case "ExpressionStatement":
        visit(n.expression, true);
        return;
      case "SequenceExpression":
        n.expressions.forEach((e: AnyNode, i: number) => visit(e, i < n.expressions.length - 1 || discard));
        return;
      case "LogicalExpression":
        visit(n.left, false);
        visit(n.right, discard);
        return;
      case "ConditionalExpression":
        visit(n.test, false);
        visit(n.consequent, discard);
        visit(n.alternate, discard);
        return;
      case "ForStatement":
        if (n.init) visit(n.init, n.init.type !== "VariableDeclaration");
        if (n.test) visit(n.test, false);
        if (n.update) visit(n.update, true);
        visit(n.body, false);
        return;
    }
    for (const c of children(n)) visit(c, false);
  };
  visit(root, false);
  return out;
}

class Rewriter {
  private loops = 0;
  private readonly discarded: Set<AnyNode>;
  constructor(private readonly src: string, root: AnyNode) {
    this.discarded = discardedUpdates(root);
  }

  /** The node's text with its children rewritten. */
  private copy(n: AnyNode, keep?: Set<AnyNode>): string {
    let out = "";
    let pos = n.start;
    for (const c of children(n)) {
      if (c.start < pos) continue; // shorthand properties share a node
      out = glue(glue(out, this.src.slice(pos, c.start)), keep?.has(c) ? this.src.slice(c.start, c.end) : this.gen(c));
      pos = c.end;
    }
    return glue(out, this.src.slice(pos, n.end));
  }

  /** An expression placed as a call argument (a sequence needs its parentheses back). */
  private arg(n: AnyNode): string {
    const s = this.gen(n);
    return n.type === "SequenceExpression" ? "(" + s + ")" : s;
  }

  /** A member expression's object and key as two arguments: `o, "k"` or `o, k`. */
  private memberArgs(m: AnyNode): string {
    const obj = this.arg(m.object);
    if (m.computed) return obj + ", " + this.arg(m.property);
    return obj + ", " + JSON.stringify(m.property.name);
  }

  gen(n: AnyNode, parent?: AnyNode): string {
    switch (n.type) {
      case "Literal":
        if (typeof n.value === "number" && isFloatLiteral(n.raw) && n.value !== 0 && n.value === (n.value | 0)) {
          return h("F") + "(" + n.raw + ")";
        }
        return this.src.slice(n.start, n.end);
      case "BinaryExpression": {
        if (BITWISE.has(n.operator)) return this.copyRaw(n);
        const op = BINARY[n.operator];
        if (!op) break;
        if (op === "seq" || op === "sne" || op === "eq" || op === "ne") return this.equality(n, op);
        return h(op) + "(" + this.arg(n.left) + ", " + this.arg(n.right) + ")";
      }
      case "UnaryExpression": {
        if (n.operator === "-") {
          const a = n.argument;
          if (a.type === "Literal" && typeof a.value === "number" && !isFloatLiteral(a.raw)) return a.value === 0 ? "0" : this.src.slice(n.start, n.end);
          return h("neg") + "(" + this.arg(a) + ")";
        }
        if (n.operator === "+") return h("pos") + "(" + this.arg(n.argument) + ")";
        if (n.operator === "typeof") {
          const a = n.argument;
          if (a.type === "Identifier") return "(typeof " + a.name + ' === "object" ? ' + h("typeof") + "(" + a.name + ") : typeof " + a.name + ")";
          return h("typeof") + "(" + this.arg(a) + ")";
        }
        break;
      }
      case "UpdateExpression":
        return this.update(n, parent);
      case "AssignmentExpression":
        return this.assign(n);
      case "ExpressionStatement":
        if (n.expression.type === "UpdateExpression") {
          return glue(glue(this.src.slice(n.start, n.expression.start), this.update(n.expression, n)), this.src.slice(n.expression.end, n.end));
        }
        break;
      case "ForStatement":
        if (n.update && n.update.type === "UpdateExpression") {
          let out = "";
          let pos = n.start;
          for (const c of children(n)) {
            out = glue(glue(out, this.src.slice(pos, c.start)), c === n.update ? this.update(c, n) : this.gen(c, n));
            pos = c.end;
          }
          return glue(out, this.src.slice(pos, n.end));
        }
        break;
      case "SwitchStatement": {
        let out = "";
        let pos = n.start;
        for (const c of children(n)) {
          out = glue(glue(out, this.src.slice(pos, c.start)), c === n.discriminant ? h("u") + "(" + this.arg(c) + ")" : this.gen(c, n));
          pos = c.end;
        }
        return glue(out, this.src.slice(pos, n.end));
      }
      case "SwitchCase": {
        if (!n.test) break;
        if (n.test.type === "Literal") return this.copy(n, new Set([n.test]));
        let out = "";
        let pos = n.start;
        for (const c of children(n)) {
          out = glue(glue(out, this.src.slice(pos, c.start)), c === n.test ? h("u") + "(" + this.arg(c) + ")" : this.gen(c, n));
          pos = c.end;
        }
        return glue(out, this.src.slice(pos, n.end));
      }
      case "ForInStatement":
        return this.forIn(n);
      case "CatchClause": {
        if (!n.param || n.param.type !== "Identifier") break;
        const body = this.gen(n.body);
        const name = n.param.name;
        return this.src.slice(n.start, n.body.start) + "{ " + name + " = " + h("err") + "(" + name + "); " + body.slice(1);
      }
      case "CallExpression":
      case "NewExpression":
        if (n.callee.type === "Identifier" && n.callee.name === "Array" && n.arguments.length === 1 && n.arguments[0].type !== "SpreadElement") {
          const a = n.arguments[0];
          return glue(this.src.slice(n.start, a.start), h("u") + "(" + this.arg(a) + ")") + this.src.slice(a.end, n.end);
        }
        break;
      case "ObjectExpression": {
        const keys: string[] = [];
        let indexKeys = false;
        for (const p of n.properties) {
          if (p.type !== "Property" || p.computed || p.kind !== "init") {
            indexKeys = false;
            keys.length = 0;
            break;
          }
          const k = p.key.type === "Identifier" ? p.key.name : String(p.key.value);
          keys.push(k);
          if (isIndexKey(k)) indexKeys = true;
        }
        if (!indexKeys) break;
        return h("lit") + "(" + this.copyObject(n) + ", " + JSON.stringify(keys) + ")";
      }
      case "Property":
      case "MethodDefinition":
      case "PropertyDefinition":
        if (!n.computed) return this.copy(n, new Set([n.key]));
        break;
      case "MemberExpression":
        if (!n.computed) return this.copy(n, new Set([n.property]));
        return this.memberRaw(n);
    }
    return this.copy(n);
  }

  private copyObject(n: AnyNode): string {
    return this.copy(n);
  }

  /**
   * Arithmetic whose result only feeds a bitwise operator or a property key is left to V8: there
   * its int/float type cannot matter (a bitwise result is an int; an integral float key is the
   * same key), and for numbers the values are the same. Other nodes inside are rewritten as usual.
   */
  genRaw(n: AnyNode): string {
    if (n.type === "BinaryExpression" && RAW_ARITH.has(n.operator)) {
      return this.rawWith(n, [n.left, n.right]);
    }
    if (n.type === "UnaryExpression" && (n.operator === "-" || n.operator === "+")) return this.rawWith(n, [n.argument]);
    return this.gen(n);
  }

  private rawWith(n: AnyNode, kids: AnyNode[]): string {
    let out = "";
    let pos = n.start;
    for (const c of kids) {
      out = glue(glue(out, this.src.slice(pos, c.start)), this.genRaw(c));
      pos = c.end;
    }
    return glue(out, this.src.slice(pos, n.end));
  }

  /** A bitwise operation: its operands' arithmetic stays native (see genRaw). */
  private copyRaw(n: AnyNode): string {
    return this.rawWith(n, [n.left, n.right]);
  }

  /** o[k]: the key's arithmetic stays native (see genRaw). */
  private memberRaw(n: AnyNode): string {
    let out = "";
    let pos = n.start;
    for (const c of [n.object, n.property]) {
      out = glue(glue(out, this.src.slice(pos, c.start)), c === n.property ? this.genRaw(c) : this.gen(c));
      pos = c.end;
    }
    return glue(out, this.src.slice(pos, n.end));
  }

  /**
   * ===, !==, ==, !=: compared natively when both sides are plain primitives (literals, results
   * of bitwise, comparison, typeof, !); with one cheap side, the helper only runs when a side is
   * an object (a boxed float or a flash string); else the helper.
   */
  private equality(n: AnyNode, op: string): string {
    const l = n.left;
    const r = n.right;
    const lp = isPrimitive(l);
    const rp = isPrimitive(r);
    if (lp && rp && (op === "seq" || op === "sne")) return this.copy(n);
    if ((op === "seq" || op === "sne") && (lp || isSimple(l)) && (rp || isSimple(r))) {
      const a = this.gen(l);
      const b = this.gen(r);
      const objs = [lp ? null : "typeof " + a + ' === "object"', rp ? null : "typeof " + b + ' === "object"'].filter((x) => x).join(" || ");
      if (op === "seq") return "(" + a + " === " + b + " || (" + objs + ") && " + h("seq") + "(" + a + ", " + b + "))";
      return "(" + a + " !== " + b + " && !((" + objs + ") && " + h("seq") + "(" + a + ", " + b + ")))";
    }
    return h(op) + "(" + this.arg(l) + ", " + this.arg(r) + ")";
  }

  /** ++x, x--, o.p++ ... (a statement or for-update ignores the value: cheaper form). */
  private update(n: AnyNode, _parent?: AnyNode): string {
    const a = n.argument;
    const inc = n.operator === "++";
    const valueUnused = this.discarded.has(n);
    if (a.type === "Identifier") {
      const x = a.name;
      if (n.prefix) return "(" + x + " = " + h(inc ? "add" : "sub") + "(" + x + ", 1))";
      if (valueUnused) return "(" + x + " = " + h(inc ? "inc" : "dec") + "(" + x + "))";
      return "(" + x + " = " + h(inc ? "add" : "sub") + "(" + h("tmp") + " = " + h("pos") + "(" + x + "), 1), " + h("tmp") + ")";
    }
    if (a.type === "MemberExpression") {
      return h("upd") + "(" + this.memberArgs(a) + ", " + (inc ? 1 : -1) + ", " + (n.prefix ? 1 : 0) + ")";
    }
    return this.copy(n);
  }

  private assign(n: AnyNode): string {
    const t = n.left;
    if (n.operator === "=") {
      if (t.type === "MemberExpression" && t.computed && !(t.property.type === "Literal" && typeof t.property.value === "string" && !isIndexKey(t.property.value))) {
        if (isSimple(t.object) && isSimple(t.property) && n.right.type !== "AssignmentExpression") {
          // only a plain object needs its key order kept: typed arrays and arrays store in place
          const o = this.gen(t.object);
          const k = this.genRaw(t.property);
          const v = this.arg(n.right);
          return "(" + h("np") + "(" + o + ") ? " + o + "[" + k + "] = " + v + " : " + h("put") + "(" + o + ", " + k + ", " + v + "))";
        }
        return h("put") + "(" + this.memberArgs(t) + ", " + this.arg(n.right) + ")";
      }
      return this.copy(n);
    }
    const op = COMPOUND[n.operator];
    if (!op) return this.copy(n);
    // the meters' work counter (meterCode.ts: `__esim.n += w`) is the simulator's, not the firmware's
    if (t.type === "MemberExpression" && t.object.type === "Identifier" && t.object.name === METER_HOOK) return this.src.slice(n.start, n.end);
    if (t.type === "Identifier") return t.name + " = " + h(op) + "(" + t.name + ", " + this.arg(n.right) + ")";
    if (t.type === "MemberExpression") {
      return h("cas1") + "(" + h("cas0") + "(" + this.memberArgs(t) + "), " + this.arg(n.right) + ", " + h(op) + ")";
    }
    return this.copy(n);
  }

  /** for (L in O) B  ->  for (var it = __esp_forin(O); it.n(); ) { L = it.k; B } */
  private forIn(n: AnyNode): string {
    const it = h("it") + ++this.loops;
    const left = n.left;
    let decl = "";
    let target: string;
    if (left.type === "VariableDeclaration") {
      const d = left.declarations[0];
      if (d.id.type !== "Identifier") return this.copy(n);
      if (left.kind === "var") {
        decl = d.id.name + ", ";
        target = d.id.name;
      } else {
        target = left.kind + " " + d.id.name;
      }
    } else if (left.type === "Identifier" || left.type === "MemberExpression") {
      target = this.gen(left);
    } else {
      return this.copy(n);
    }
    const body = this.gen(n.body);
    return "for (var " + decl + it + " = " + h("forin") + "(" + this.arg(n.right) + "); " + it + ".n(); ) { " + target + " = " + it + ".k; " + body + "\n}";
  }
}
