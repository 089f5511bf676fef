/**
 * One run of a real Espruino binary (Linux build) as a token: started with no file argument, so
 * Espruino boots as a device does (jsiInit with autoload: `.boot0`..`.boot3`, then `.bootcde`
 * from Storage, the `espruino.flash` file in its working folder), with the clock shim preloaded
 * (clock-shim.c). Commands go in over the console (stdin) as lines starting with "\x10" (Espruino's
 * "no echo" prefix, as the Web IDE sends them); output lines are parsed by protocol.ts.
 * Every wait has a timeout; a run that hangs is killed (by its pid, started here).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { parseLine, type HarnessEvent } from "./protocol";

export interface DeviceOptions {
  binary: string;
  cwd: string;
  /** The compiled clock shim (.so), LD_PRELOADed; omitted: the PC's clock. */
  shim?: string;
  /** Fake clock at start (seconds since 1970); a token starts at 0. */
  clockStart?: number;
  /** Echo every console line to stderr (--verbose). */
  echo?: (line: string) => void;
}

export class EspruinoTimeout extends Error {}

export class Device {
  readonly events: HarnessEvent[] = [];
  readonly errors: string[] = [];
  /** Every console line, for the failure report. */
  readonly lines: string[] = [];
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = "";
  private exited: number | null = null;
  private waiters: (() => void)[] = [];
  private parseProblem: string | null = null;
  private listeners: ((e: HarnessEvent, index: number) => void)[] = [];
  /** An assertion failure of the interpreter itself (the Linux build exits after it). */
  crash: string | null = null;

  constructor(private readonly o: DeviceOptions) {
    const env: NodeJS.ProcessEnv = { ...process.env, OMAMORI_CLOCK_START: String(o.clockStart ?? 0) };
    if (o.shim) env.LD_PRELOAD = o.shim;
    this.proc = spawn(o.binary, [], { cwd: o.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.setEncoding("latin1");
    this.proc.stderr.setEncoding("latin1");
    this.proc.stdout.on("data", (s: string) => this.data(s));
    this.proc.stderr.on("data", (s: string) => this.data(s));
    this.proc.on("exit", (code, signal) => {
      this.exited = code ?? (signal ? 128 : 0);
      this.wake();
    });
    this.proc.on("error", (e) => {
      this.errors.push("could not start " + o.binary + ": " + e.message);
      this.exited = -1;
      this.wake();
    });
    this.proc.stdin.on("error", () => undefined);
  }

  private data(s: string): void {
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      this.lines.push(line);
      if (this.lines.length > 4000) this.lines.splice(0, 1000);
      this.o.echo?.(line);
      if (!this.crash && /ASSERT\(.*\) FAILED AT/.test(line)) this.crash = line.replace(/^[>\s]+/, "").trim();
      let ev: HarnessEvent | null = null;
      try {
        ev = parseLine(line);
      } catch (e) {
        this.parseProblem = (e as Error).message;
      }
      if (ev) {
        this.events.push(ev);
        if (ev.kind === "error") this.errors.push(ev.text);
        for (const l of this.listeners) l(ev, this.events.length - 1);
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Called for every event from now on (with its index in `events`). */
  listen(fn: (e: HarnessEvent, index: number) => void): void {
    this.listeners.push(fn);
  }

  get exitCode(): number | null {
    return this.exited;
  }

  /** Send one console line (no echo). */
  send(line: string): void {
    if (this.exited !== null) return;
    this.proc.stdin.write("\x10" + line + "\n");
  }

  /**
   * Wait until `find` returns a value for an event at index >= `from` (or the process exits / the
   * time runs out: both throw, naming `what`).
   */
  async waitFor<T>(what: string, find: (e: HarnessEvent) => T | undefined | null | false, timeoutMs: number, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      if (this.parseProblem) throw new Error(this.parseProblem);
      for (; i < this.events.length; i++) {
        const r = find(this.events[i]);
        if (r !== undefined && r !== null && r !== false) return r;
      }
      if (this.exited !== null) throw new Error("Espruino exited (code " + this.exited + ") while waiting for " + what);
      const left = deadline - Date.now();
      if (left <= 0) throw new EspruinoTimeout("no " + what + " within " + Math.round(timeoutMs / 1000) + " s");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Run `expr` on the token and return its JSON value. */
  async json<T = any>(expr: string, timeoutMs = 20000): Promise<T> {
    const from = this.events.length;
    this.send("print(\"@@ J \"+JSON.stringify(" + expr + "))");
    return this.waitFor("answer to " + expr, (e) => (e.kind === "json" ? { v: e.value as T } : null), timeoutMs, from).then((r) => r.v);
  }

  /** Let `seconds` of simulated time pass (clock shim fast-forward) and wait until they have. */
  async pass(seconds: number, timeoutMs: number): Promise<number> {
    const from = this.events.length;
    this.send("OmH.f(" + seconds + ")");
    return this.waitFor(seconds + " simulated seconds", (e) => (e.kind === "at" ? e.t : null), timeoutMs, from);
  }

  /** RAM now, in variables. */
  async memory(tag: string, timeoutMs = 20000): Promise<{ usage: number; total: number }> {
    const from = this.events.length;
    this.send("OmH.m(" + JSON.stringify(tag) + ")");
    return this.waitFor("memory " + tag, (e) => (e.kind === "mem" && e.tag === tag ? { usage: e.usage, total: e.total } : null), timeoutMs, from);
  }

  /** Close the phase (its RAM peaks per sample point) and start `next`. */
  async phase(next: string, timeoutMs = 20000): Promise<{ phase: string; points: Record<string, number> }> {
    const from = this.events.length;
    this.send("OmH.p(" + JSON.stringify(next) + ")");
    return this.waitFor("phase change to " + next, (e) => (e.kind === "peak" ? { phase: e.phase, points: e.points } : null), timeoutMs, from);
  }

  /** quit() and wait for the exit; killed (SIGKILL, this process only) if it does not go. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited !== null) return;
    this.send("quit()");
    this.proc.stdin.end();
    const deadline = Date.now() + timeoutMs;
    while (this.exited === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (this.exited === null) this.kill();
  }

  kill(): void {
    if (this.exited === null && this.proc.pid) {
      try {
        process.kill(this.proc.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }

  /** The last console lines (for a failure report). */
  tail(n = 15): string {
    return this.lines.slice(-n).map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "")).filter((l) => l.trim()).join("\n");
  }
}
