/**
 * `node:worker_threads` in the browser bundle: host-tools/match/matchTargets.ts starts its matcher
 * threads with `new Worker(url, { workerData })`; here each is a Web Worker running
 * web/src/check/matchWorker.ts (the same engine, host-tools/match/engine.ts), which also reports
 * how many keys it has done, for the progress bar (setThreadProgress).
 */
type Listener = (v: any) => void;

let workerUrl: string | URL | null = null;
let progressSink: ((done: number, total: number) => void) | null = null;
const shares = new Map<number, { done: number; total: number }>();
let nextId = 1;

/** Where the matcher thread's script is (the check worker sets it from its own address). */
export function setMatcherThreadUrl(u: string | URL): void {
  workerUrl = u;
}

/** Called with keys done / keys to do, over every matcher thread running. */
export function setThreadProgress(sink: ((done: number, total: number) => void) | null): void {
  progressSink = sink;
  shares.clear();
}

function report(): void {
  if (!progressSink) return;
  let done = 0, total = 0;
  for (const s of shares.values()) {
    done += s.done;
    total += s.total;
  }
  progressSink(done, total);
}

export class Worker {
  private readonly w: globalThis.Worker;
  private readonly listeners: Record<string, { fn: Listener; once: boolean }[]> = {};
  private readonly id = nextId++;

  constructor(_url: unknown, o: { workerData?: any } = {}) {
    if (!workerUrl) throw new Error("the matcher thread's script is not set (setMatcherThreadUrl)");
    this.w = new globalThis.Worker(workerUrl);
    const job = o.workerData;
    shares.set(this.id, { done: 0, total: Math.max(0, (job?.to ?? 0) - (job?.from ?? 0)) });
    this.w.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m && m.progress !== undefined) {
        shares.get(this.id)!.done = m.progress;
        report();
        return;
      }
      if (m && m.error !== undefined) {
        this.emit("error", new Error(m.error));
      } else {
        this.emit("message", m.result);
      }
      this.w.terminate();
      this.emit("exit", 0);
    };
    this.w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit("error", new Error(e.message || "the matcher thread failed"));
      this.emit("exit", 1);
    };
    this.w.postMessage(job);
  }

  private emit(ev: string, v: unknown): void {
    const ls = this.listeners[ev] ?? [];
    this.listeners[ev] = ls.filter((l) => !l.once);
    for (const l of ls) l.fn(v);
  }

  on(ev: string, fn: Listener): this {
    (this.listeners[ev] ??= []).push({ fn, once: false });
    return this;
  }

  once(ev: string, fn: Listener): this {
    (this.listeners[ev] ??= []).push({ fn, once: true });
    return this;
  }

  terminate(): Promise<number> {
    this.w.terminate();
    return Promise.resolve(0);
  }
}

export const isMainThread = true;
export const parentPort = null;
export const workerData = null;
export default { Worker, isMainThread, parentPort, workerData };
