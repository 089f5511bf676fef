/**
 * The token's pending events (timeouts, intervals, debounced watches, watchdog), ordered by due
 * time then by insertion, as a binary heap so that weeks of a firmware waking every few seconds
 * stay cheap. Times are the token's own oscillator milliseconds since power-on ("ticks").
 */
export interface QueuedEvent {
  dueTicks: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export class TimerQueue {
  private heap: QueuedEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(dueTicks: number, run: () => void): QueuedEvent {
    if (!Number.isFinite(dueTicks)) throw new RangeError("event time must be finite, got " + dueTicks);
    const ev: QueuedEvent = { dueTicks, seq: this.seq++, run, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
    return ev;
  }

  /** Earliest live event (cancelled ones are dropped on the way). */
  peek(): QueuedEvent | undefined {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  pop(): QueuedEvent | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function less(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.dueTicks < b.dueTicks || (a.dueTicks === b.dueTicks && a.seq < b.seq);
}
