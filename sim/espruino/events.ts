/**
 * Espruino's event methods on built-in objects (NRF.on("connect"), E.on("init"), ...):
 * on/addListener, removeListener, removeAllListeners, emit. Listeners run through the runtime's
 * callback runner, so an exception in one is reported as "Uncaught ..." and the others still run.
 */
export type CallbackRunner = (fn: unknown, thisArg: unknown, args: unknown[]) => void;

export class EventHub {
  private readonly listeners: Record<string, unknown[]> = Object.create(null);

  constructor(private readonly run: CallbackRunner, private readonly makeError: (msg: string) => Error) {}

  /** Add on/addListener/removeListener/removeAllListeners/emit to a firmware-visible object. */
  attach(target: Record<string, unknown>): void {
    const on = (event: string, fn: unknown) => {
      if (typeof fn !== "function") throw this.makeError("Expecting a function to call, got " + typeof fn);
      (this.listeners[String(event)] ??= []).push(fn);
    };
    target.on = on;
    target.addListener = on;
    target.prependListener = (event: string, fn: unknown) => {
      if (typeof fn !== "function") throw this.makeError("Expecting a function to call, got " + typeof fn);
      (this.listeners[String(event)] ??= []).unshift(fn);
    };
    target.removeListener = (event: string, fn: unknown) => {
      const l = this.listeners[String(event)];
      if (!l) return;
      const i = l.indexOf(fn);
      if (i >= 0) l.splice(i, 1);
    };
    target.removeAllListeners = (event?: string) => {
      if (event === undefined) for (const k of Object.keys(this.listeners)) delete this.listeners[k];
      else delete this.listeners[String(event)];
    };
    target.emit = (event: string, ...args: unknown[]) => this.emit(String(event), args, target);
  }

  /**
   * What the listeners cost in Espruino's variables: a "#on<event>" name on the object holding the
   * function, or an array of them when there are several (src/jswrap_object.c jswrap_object_on).
   */
  held(nameVars: (name: string) => number): { vars: number; values: unknown[] }[] {
    const out: { vars: number; values: unknown[] }[] = [];
    for (const event of Object.keys(this.listeners)) {
      const l = this.listeners[event];
      if (!l.length) continue;
      out.push({ vars: nameVars("#on" + event) + (l.length > 1 ? 1 + l.length : 0), values: l.slice() });
    }
    return out;
  }

  count(event: string): number {
    return this.listeners[event]?.length ?? 0;
  }

  /** Call every listener of event (a copy of the list, as listeners may remove themselves). */
  emit(event: string, args: unknown[], thisArg?: unknown): void {
    const l = this.listeners[event];
    if (!l) return;
    for (const fn of l.slice()) this.run(fn, thisArg, args);
  }
}
