/**
 * Instrumentation of the code a token runs (the built firmware file, Storage modules), so that the
 * sim can see two things V8 hides:
 *
 * 1. Scopes, for the variable meter (varMeter.ts). Espruino keeps a function's scope alive as long
 *    as a function defined in it lives (src/jsparse.c jspeFunctionDefinitionInternal stores the
 *    scope list as the hidden child "\xFFsco"), and the scope holds every parameter and `var` of
 *    that call. V8 closures cannot be enumerated, so every function that creates functions gets a
 *    reader of its scope (`var __esr3 = function(){return [parentReader, a, b, ...]}`), and every
 *    function object created by the code is registered with the reader of the scope it was made in
 *    (`__esim.f(fn, __esr3, siteId)`). Program-level names are properties of the global object.
 *
 * 2. Work, for the CPU-time model (cpuModel.ts). Espruino interprets the source text itself, token by
 *    token (EspruinoDocs "Performance": "Espruino executes code directly from source"), looks names up
 *    by walking each scope's linked list of names from the innermost scope out to the root
 *    (jspeiFindInScopes, jsvFindChildFromString), and lexes the whole body of a function expression
 *    or of a branch not taken to find its end. So the cost of a statement is about
 *      tokens executed x t_token + names scanned x t_scan + tokens skipped x t_skip (+ a call cost per
 *      function entry),
 *    all of which is known before running. Each straight run of statements gets one counter increment
 *    `__esim.n += W` with W in nanoseconds of the calibration build (cpuModel.ts TIMING), loop bodies
 *    get the per-iteration cost of their test and update, each branch the skip cost of the other.
 *
 * The result is still the same program for V8 (same values, same exceptions, same order of side
 * effects); the hook object is a script-level constant of the context (not a global property).
 * Functions made by `new Function`/`eval` strings are not instrumented (the meter counts them as one
 * variable, like a native function).
 */
import { Parser, tokenizer, type Node } from "acorn";
import { TIMING } from "./cpuModel";

/** Name of the hook object in the token's context. */
export const HOOK = "__esim";

/** A scope: the program or one function (definition site). */
export interface ScopeSite {
  /** Process-wide id (SITES[id] is this site); instrumented code passes it to the hook. */
  id: number;
  /** Function nesting depth: program 0, the firmware's IIFE 1, functions inside it 2, ... */
  depth: number;
  /** The enclosing site (null for a program). */
  parent: ScopeSite | null;
  /** Names in Espruino's scope order: parameters, then `var`s and function declarations in source order. */
  names: string[];
  params: string[];
  /** `function name(){}` used as an expression: Espruino stores the name on the function ("\xFFnam"). */
  exprName: string | null;
  /** Characters of the function's code as Espruino stores it (body text; without `return` for return-only bodies). */
  codeChars: number;
  /** Whether this function's instances carry a scope reader (it creates functions). */
  hasReader: boolean;
}


/** Every site instrumented in this process, by id. */
export const SITES: ScopeSite[] = [];
const cache = new Map<string, Instrumented>();

export interface Instrumented {
  code: string;
  sites: ScopeSite[];
  /** Free identifiers that are Espruino built-in objects (each is added to the root scope when first used). */
  builtinObjects: string[];
  /** Program-level names (globals created by the code). */
  globals: string[];
}

/**
 * Names Espruino treats as built-in objects (jswIsBuiltInObject: classes and objects with members);
 * jspGetNamedVariable adds each to the root scope the first time code names it (one name + one
 * variable). Plain built-in functions (print, setTimeout, require, getTime, ...) are not added.
 */
export const BUILTIN_OBJECTS = new Set([
  "E", "NRF", "Math", "JSON", "Object", "Array", "String", "Number", "Boolean", "Function", "Date",
  "Error", "TypeError", "SyntaxError", "ReferenceError", "InternalError", "Promise", "ArrayBuffer",
  "DataView", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
  "Float32Array", "Float64Array", "Uint8ClampedArray", "RegExp", "console", "process", "Puck", "Bangle",
  "Bluetooth", "Serial1", "Pin", "Graphics", "Modules", "AES",
]);

/** Root entries before any code runs (interpreter's own) — used only for name-lookup costs. */
const ROOT_BASE_ENTRIES = 8;

type AnyNode = Node & Record<string, any>;

interface Edit { pos: number; text: string; closing: boolean; depth: number; seq: number }

function isFunction(n: AnyNode): boolean {
  return n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression";
}

function patternNames(p: AnyNode | null, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case "Identifier": out.push(p.name); break;
    case "AssignmentPattern": patternNames(p.left, out); break;
    case "RestElement": patternNames(p.argument, out); break;
    case "ArrayPattern": for (const e of p.elements) patternNames(e, out); break;
    case "ObjectPattern": for (const pr of p.properties) patternNames(pr.type === "RestElement" ? pr : pr.value, out); break;
  }
}

/** Child nodes of an ESTree node (generic). */
function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const k of Object.keys(n)) {
    if (k === "type" || k === "start" || k === "end" || k === "loc" || k === "range") continue;
    const v = n[k];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === "string") out.push(c);
    } else if (v && typeof v === "object" && typeof v.type === "string") out.push(v);
  }
  return out;
}

interface SiteBuild {
  id: number;
  depth: number;
  parent: number;
  names: string[];
  params: string[];
  exprName: string | null;
  codeChars: number;
  hasReader: boolean;
  node: AnyNode;
  nameIndex: Map<string, number>;
  lexical: boolean;
  /** Nested function nodes directly inside this site. */
  nestedFns: AnyNode[];
}

/**
 * Instrument `code` (an Espruino program); cached per source text for the life of the process.
 * Throws acorn's SyntaxError for code it cannot parse.
 */
export function instrument(code: string): Instrumented {
  let r = cache.get(code);
  if (!r) {
    r = instrumentWith(code, TIMING);
    cache.set(code, r);
  }
  return r;
}

/** Instrument with other unit costs (not cached): calibration counts tokens, scans, calls separately. */
export function instrumentWith(code: string, timing: typeof TIMING): Instrumented {
  const TIMING_ = timing;
  const base = SITES.length;
  const ast = Parser.parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: false }) as AnyNode;

  // ---------------------------------------------------------------- tokens (prefix array of starts)
  const tokenStarts: number[] = [];
  for (const t of tokenizer(code, { ecmaVersion: "latest" })) tokenStarts.push(t.start);
  const tokensBefore = (pos: number): number => {
    let lo = 0, hi = tokenStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokenStarts[mid] < pos) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const tokensIn = (a: number, b: number): number => (b > a ? tokensBefore(b) - tokensBefore(a) : 0);

  // ---------------------------------------------------------------- sites and declarations
  const sites: SiteBuild[] = [];
  const siteOf = new Map<AnyNode, SiteBuild>();
  const newSite = (node: AnyNode, parent: SiteBuild | null): SiteBuild => {
    const s: SiteBuild = {
      id: sites.length, depth: parent ? parent.depth + 1 : 0, parent: parent ? parent.id : -1, names: [], params: [],
      exprName: null, codeChars: 0, hasReader: false, node, nameIndex: new Map(), lexical: false, nestedFns: [],
    };
    sites.push(s);
    siteOf.set(node, s);
    return s;
  };
  const declare = (s: SiteBuild, name: string): void => {
    if (s.nameIndex.has(name)) return;
    s.nameIndex.set(name, s.names.length);
    s.names.push(name);
  };

  const program = newSite(ast, null);
  // Pass 1: sites, parameters, var / function declarations (function-scoped), in source order.
  const declWalk = (n: AnyNode, s: SiteBuild): void => {
    if (isFunction(n)) {
      if (n.type === "FunctionDeclaration" && n.id) declare(s, n.id.name);
      const f = newSite(n, s);
      s.nestedFns.push(n);
      const ps: string[] = [];
      for (const p of n.params) patternNames(p, ps);
      f.params = ps;
      for (const p of ps) declare(f, p);
      if (n.type === "FunctionExpression" && n.id) f.exprName = n.id.name;
      const body = n.body as AnyNode;
      if (body.type === "BlockStatement") {
        let a = body.start + 1, b = body.end - 1;
        const first = body.body[0];
        if (first && first.type === "ReturnStatement") { a = first.start + 6; }
        // no token in the body: Espruino stores no code (and no scope) for it
        f.codeChars = tokensIn(body.start + 1, body.end - 1) > 0 ? Math.max(1, b - a) : 0;
        for (const c of body.body) declWalk(c, f);
      } else {
        f.codeChars = body.end - body.start;
        declWalk(body, f);
      }
      return;
    }
    if (n.type === "VariableDeclaration") {
      if (n.kind !== "var") s.lexical = true;
      for (const d of n.declarations) {
        const names: string[] = [];
        patternNames(d.id, names);
        for (const nm of names) declare(s, nm);
        if (d.init) declWalk(d.init, s);
      }
      return;
    }
    if (n.type === "ClassDeclaration" && n.id) { declare(s, n.id.name); s.lexical = true; }
    for (const c of children(n)) declWalk(c, s);
  };
  for (const c of ast.body) declWalk(c, program);

  const hasReader = (s: SiteBuild) => s.depth >= 1 && s.nestedFns.length > 0;
  for (const s of sites) s.hasReader = hasReader(s);

  // ---------------------------------------------------------------- identifier lookup costs
  const rootEntries = ROOT_BASE_ENTRIES + program.names.length;
  const builtinUsed = new Set<string>();
  /** Scope entries Espruino compares to find `name` used in site s (jspeiFindInScopes). */
  const scanned = (name: string, s: SiteBuild): number => {
    let acc = 0;
    for (let c: SiteBuild | null = s; c; c = c.parent >= 0 ? sites[c.parent] : null) {
      const i = c.nameIndex.get(name);
      if (c.depth === 0) {
        if (i !== undefined) return acc + ROOT_BASE_ENTRIES + i + 1;
        break;
      }
      if (i !== undefined) return acc + i + 1;
      acc += c.names.length;
    }
    if (BUILTIN_OBJECTS.has(name)) builtinUsed.add(name);
    return acc + rootEntries;
  };
  // per site: positions of name lookups (with entries scanned), operators, call sites
  const events: { pos: number; scan: number; op: number; call: number }[][] = sites.map(() => []);
  const refWalk = (n: AnyNode, s: SiteBuild, parent: AnyNode | null, key: string): void => {
    if (n.type === "BinaryExpression" || n.type === "LogicalExpression" || n.type === "AssignmentExpression" ||
        n.type === "UpdateExpression" || (n.type === "UnaryExpression" && n.operator !== "typeof")) {
      events[s.id].push({ pos: n.start, scan: 0, op: 1, call: 0 });
    } else if (n.type === "CallExpression" || n.type === "NewExpression") {
      events[s.id].push({ pos: n.start, scan: 0, op: 0, call: 1 });
    }
    if (isFunction(n)) {
      const f = siteOf.get(n)!;
      const body = n.body as AnyNode;
      if (body.type === "BlockStatement") for (const c of body.body) refWalk(c, f, body, "body");
      else refWalk(body, f, n, "body");
      return;
    }
    if (n.type === "Identifier") {
      const isRef = !(
        (parent && parent.type === "MemberExpression" && key === "property" && !parent.computed) ||
        (parent && (parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") && key === "key" && !parent.computed) ||
        (parent && (parent.type === "LabeledStatement" || parent.type === "BreakStatement" || parent.type === "ContinueStatement"))
      );
      if (isRef) events[s.id].push({ pos: n.start, scan: scanned(n.name, s), op: 0, call: 0 });
      return;
    }
    for (const k of Object.keys(n)) {
      if (k === "type" || k === "start" || k === "end") continue;
      const v = n[k];
      if (Array.isArray(v)) { for (const c of v) if (c && typeof c.type === "string") refWalk(c, s, n, k); }
      else if (v && typeof v === "object" && typeof v.type === "string") refWalk(v, s, n, k);
    }
  };
  for (const c of ast.body) refWalk(c, program, ast, "body");
  const evPos: number[][] = [];
  const evPrefix: { scan: number; op: number; call: number }[][] = [];
  for (const list of events) {
    list.sort((x, y) => x.pos - y.pos);
    evPos.push(list.map((e) => e.pos));
    const p = [{ scan: 0, op: 0, call: 0 }];
    for (const e of list) {
      const l = p[p.length - 1];
      p.push({ scan: l.scan + e.scan, op: l.op + e.op, call: l.call + e.call });
    }
    evPrefix.push(p);
  }
  const lowerBound = (arr: number[], x: number): number => {
    let lo = 0, hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const eventsIn = (s: SiteBuild, a: number, b: number) => {
    const pos = evPos[s.id], p = evPrefix[s.id];
    const hi = p[lowerBound(pos, b)], lo = p[lowerBound(pos, a)];
    return { scan: hi.scan - lo.scan, op: hi.op - lo.op, call: hi.call - lo.call };
  };
  // nested function ranges of a site, sorted, for skip tokens
  const nestedRanges = sites.map((s) => s.nestedFns.map((f) => [f.start, f.end] as [number, number]).sort((x, y) => x[0] - y[0]));

  /** Cost (ns, calibration build) of executing the source ranges of site s once. */
  const cost = (s: SiteBuild, ranges: [number, number][]): number => {
    let tokens = 0, skip = 0, scans = 0, ops = 0, calls = 0;
    for (const [a, b] of ranges) {
      if (b <= a) continue;
      let inFns = 0;
      const rs = nestedRanges[s.id];
      let lo = 0, hi = rs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rs[mid][1] <= a) lo = mid + 1; else hi = mid;
      }
      for (let i = lo; i < rs.length && rs[i][0] < b; i++) inFns += tokensIn(Math.max(a, rs[i][0]), Math.min(b, rs[i][1]));
      tokens += tokensIn(a, b) - inFns;
      skip += inFns;
      const ev = eventsIn(s, a, b);
      scans += ev.scan;
      ops += ev.op;
      calls += ev.call;
    }
    return TIMING_.tokenNs * tokens + TIMING_.skipTokenNs * skip + TIMING_.scanEntryNs * scans +
      TIMING_.operatorNs * ops + TIMING_.callSiteNs * calls;
  };
  /** Cost of lexing over a range without executing it (a branch not taken). */
  const skipCost = (a: number, b: number): number => TIMING_.skipTokenNs * tokensIn(a, b);

  // ---------------------------------------------------------------- edits
  const edits: Edit[] = [];
  let seq = 0;
  const open = (pos: number, text: string, depth: number) => edits.push({ pos, text, closing: false, depth, seq: seq++ });
  const close = (pos: number, text: string, depth: number) => edits.push({ pos, text, closing: true, depth, seq: seq++ });
  const counter = (w: number) => (w > 0 ? HOOK + ".n+=" + (Math.round(w * 10) / 10) + ";" : "");

  /** Instrument a statement list; `extra` is charged at its start (loop tests, skipped branches). */
  const list = (stmts: AnyNode[], s: SiteBuild, insertAt: number, extra: number, depth: number): void => {
    let pendingPos = insertAt;
    let pending = extra;
    const flush = () => {
      if (pending > 0) open(pendingPos, counter(pending), depth);
      pending = 0;
    };
    for (const st of stmts) {
      if (pending === 0) pendingPos = st.start;
      pending += statement(st, s, depth);
      if (isCompound(st)) {
        // the head's cost was added to `pending` (it runs when reached); bodies are instrumented inside
        flush();
      }
    }
    flush();
  };

  const isCompound = (st: AnyNode): boolean =>
    ["IfStatement", "ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement",
      "SwitchStatement", "TryStatement", "BlockStatement", "LabeledStatement", "WithStatement"].includes(st.type);

  /** A body statement (loop/branch): gets its own counter of `extra` + its statements. */
  const body = (st: AnyNode, s: SiteBuild, extra: number, depth: number): void => {
    if (st.type === "BlockStatement") {
      list(st.body, s, st.start + 1, extra, depth + 1);
    } else if (st.type === "EmptyStatement") {
      if (extra > 0) { open(st.start, "{" + counter(extra), depth + 1); close(st.end, "}", depth + 1); }
    } else {
      open(st.start, "{", depth + 1);
      list([st], s, st.start, extra, depth + 1);
      close(st.end, "}", depth + 1);
    }
  };

  /** Registers function objects and instruments bodies of functions inside [a,b) of site s. */
  const functionsIn = (n: AnyNode, s: SiteBuild, depth: number): void => {
    if (isFunction(n)) {
      fn(n, s, depth, true);
      return;
    }
    if ((n.type === "Property" && (n.method || n.kind !== "init")) || n.type === "MethodDefinition") {
      // getters, setters and methods: their function node cannot be wrapped; instrument the body only
      if (n.computed) functionsIn(n.key, s, depth);
      fn(n.value, s, depth, false);
      return;
    }
    for (const c of children(n)) functionsIn(c, s, depth);
  };

  /** Returns the cost charged where the statement is reached (its own, or its head's). */
  const statement = (st: AnyNode, s: SiteBuild, depth: number): number => {
    switch (st.type) {
      case "IfStatement": {
        const head = cost(s, [[st.start, st.consequent.start]]);
        functionsIn(st.test, s, depth);
        const cons = st.consequent, alt = st.alternate;
        body(cons, s, alt ? skipCost(alt.start, alt.end) : 0, depth);
        if (alt) body(alt, s, skipCost(cons.start, cons.end), depth);
        else {
          const w = skipCost(cons.start, cons.end);
          if (w > 0) {
            // a branch not taken is still lexed: charge it on the way past
            if (cons.type !== "BlockStatement") { /* wrapped by body(): the else goes after its "}" */ }
            close(cons.end, " else{" + counter(w) + "}", depth + 0.5);
          }
        }
        return head;
      }
      case "ForStatement": {
        const init = st.init ? cost(s, [[st.init.start, st.init.end]]) : 0;
        const test = st.test ? cost(s, [[st.test.start, st.test.end]]) : 0;
        const update = st.update ? cost(s, [[st.update.start, st.update.end]]) : 0;
        if (st.init) functionsIn(st.init, s, depth);
        if (st.test) functionsIn(st.test, s, depth);
        if (st.update) functionsIn(st.update, s, depth);
        body(st.body, s, test + update + TIMING_.loopIterationNs, depth);
        return TIMING_.tokenNs * 5 + init + test + skipCost(st.body.start, st.body.end);
      }
      case "WhileStatement": {
        const test = cost(s, [[st.test.start, st.test.end]]);
        functionsIn(st.test, s, depth);
        body(st.body, s, test + TIMING_.loopIterationNs, depth);
        return TIMING_.tokenNs * 3 + test + skipCost(st.body.start, st.body.end);
      }
      case "DoWhileStatement": {
        const test = cost(s, [[st.test.start, st.test.end]]);
        functionsIn(st.test, s, depth);
        body(st.body, s, test + TIMING_.loopIterationNs, depth);
        return TIMING_.tokenNs * 3;
      }
      case "ForInStatement":
      case "ForOfStatement": {
        const left = cost(s, [[st.left.start, st.left.end]]);
        const right = cost(s, [[st.right.start, st.right.end]]);
        functionsIn(st.left, s, depth);
        functionsIn(st.right, s, depth);
        body(st.body, s, left + TIMING_.loopIterationNs, depth);
        return TIMING_.tokenNs * 4 + right + skipCost(st.body.start, st.body.end);
      }
      case "SwitchStatement": {
        let head = cost(s, [[st.discriminant.start, st.discriminant.end]]) + TIMING_.tokenNs * 4;
        functionsIn(st.discriminant, s, depth);
        for (const c of st.cases) {
          if (c.test) { head += cost(s, [[c.test.start, c.test.end]]); functionsIn(c.test, s, depth); }
          if (c.consequent.length) list(c.consequent, s, c.consequent[0].start, 0, depth + 1);
        }
        return head;
      }
      case "TryStatement": {
        list(st.block.body, s, st.block.start + 1, 0, depth + 1);
        if (st.handler) list(st.handler.body.body, s, st.handler.body.start + 1, TIMING_.tokenNs * 4, depth + 1);
        if (st.finalizer) list(st.finalizer.body, s, st.finalizer.start + 1, 0, depth + 1);
        return TIMING_.tokenNs * 2;
      }
      case "BlockStatement":
        list(st.body, s, st.start + 1, 0, depth + 1);
        return 0;
      case "LabeledStatement":
        return statement(st.body, s, depth);
      case "WithStatement":
        functionsIn(st.object, s, depth);
        body(st.body, s, 0, depth);
        return cost(s, [[st.object.start, st.object.end]]);
      case "FunctionDeclaration": {
        fn(st, s, depth, true);
        // Espruino creates it when the statement is reached: lexes its body to find the end
        return cost(s, [[st.start, st.end]]);
      }
      default: {
        functionsIn(st, s, depth);
        return cost(s, [[st.start, st.end]]);
      }
    }
  };

  /** A function node: body instrumentation, scope reader, registration of the object. */
  const fn = (n: AnyNode, outer: SiteBuild, depth: number, register: boolean): void => {
    const f = siteOf.get(n)!;
    const reader = outer.hasReader ? "__esr" + (base + outer.id) : "null";
    if (!register) {
      // not registered: the meter counts it as one variable
    } else if (n.type === "FunctionDeclaration") {
      // declarations are hoisted by V8: register right after the declaration statement
      close(n.end, ";" + HOOK + ".f(" + n.id.name + "," + reader + "," + (base + f.id) + ");", depth + 0.5);
    } else {
      open(n.start, HOOK + ".f(", depth + 0.5);
      close(n.end, "," + reader + "," + (base + f.id) + ")", depth + 0.5);
    }
    const b = n.body as AnyNode;
    let prologue = "";
    if (f.hasReader) {
      const parentReader = outer.hasReader ? "__esr" + (base + outer.id) : "null";
      const vals = f.names.join(",");
      prologue += "var __esr" + (base + f.id) + "=function(){" + (f.lexical ? "try{" : "") + "return [" + parentReader + (vals ? "," + vals : "") + "]" +
        (f.lexical ? "}catch(e){return null}" : "") + "};";
    }
    const entry = TIMING_.callNs + TIMING_.paramNs * f.params.length;
    if (b.type === "BlockStatement") {
      let at = b.start + 1;
      let i = 0;
      while (i < b.body.length && b.body[i].type === "ExpressionStatement" && typeof b.body[i].directive === "string") {
        at = b.body[i].end;
        i++;
      }
      if (prologue) open(at, prologue, depth + 1);
      list(b.body.slice(i), f, at, entry, depth + 1);
    } else {
      // arrow function with an expression body: give it a block
      open(b.start, "{" + prologue + counter(entry + cost(f, [[b.start, b.end]])) + "return ", depth + 1);
      close(b.end, "}", depth + 1);
      functionsIn(b, f, depth + 1);
    }
  };

  list(ast.body, program, 0, 0, 0);

  // ---------------------------------------------------------------- apply edits
  edits.sort((a, b) => {
    if (a.pos !== b.pos) return a.pos - b.pos;
    if (a.closing !== b.closing) return a.closing ? -1 : 1;
    if (a.closing) return b.depth - a.depth || b.seq - a.seq;
    return a.depth - b.depth || a.seq - b.seq;
  });
  let out = "";
  let last = 0;
  for (const e of edits) {
    out += code.slice(last, e.pos) + e.text;
    last = e.pos;
  }
  out += code.slice(last);

  const outSites: ScopeSite[] = [];
  for (const b of sites) {
    const site: ScopeSite = {
      id: base + b.id, depth: b.depth, parent: b.parent >= 0 ? outSites[b.parent] : null, names: b.names, params: b.params,
      exprName: b.exprName, codeChars: b.codeChars, hasReader: b.hasReader,
    };
    outSites.push(site);
    SITES.push(site);
  }
  return {
    code: out,
    sites: outSites,
    builtinObjects: [...builtinUsed].sort(),
    globals: program.names.slice(),
  };
}
