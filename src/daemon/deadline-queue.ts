// Every instance deadline in one min-heap, woken by one timerfd (the native helper's
// preciseTimer), as keepalived's scheduler sleeps on one timerfd for its next thread
// (lib/scheduler.c thread_set_timer). Node's own timers run on libuv's millisecond clock: an
// advert left up to a millisecond late, and the spread of that lateness was the jitter.

/** One scheduled call; cancel() is O(1) (the heap drops it lazily when it reaches the top). */
export interface Deadline {
  readonly due: number;
  cancel(): void;
}

// A class, not an object with a cancel closure, and reused once it has run (at()'s `spare`): a
// master sets a deadline per advert (1,020 masters at 0.1 s set 10,200 a second).
class Entry implements Deadline {
  /** In the heap (pushed, not yet popped): only an entry out of it can be set again. */
  queued = false;
  constructor(
    public due: number,
    public run: (() => void) | undefined,
    /** Equal deadlines run in the order they were set: masters sharing a grid slot then keep
     * their places in the batch from one interval to the next, so each one's spacing stays exact. */
    public seq: number,
    readonly queue: DeadlineQueue,
  ) {}

  cancel(): void {
    this.run = undefined;
  }
}

const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/** The native side: a timerfd armed relative to now (ms), calling back from the poll phase. */
export interface WakeTimer {
  arm(delayMs: number): void;
  disarm(): void;
  close(): void;
}

/** Calls still due after this many in one wake-up wait for the next turn of the loop. */
const MAX_RUNS_PER_WAKE = 4096;

export class DeadlineQueue {
  private readonly heap: Entry[] = [];
  private readonly timer: WakeTimer;
  private armedFor = Infinity;
  private seq = 0;
  private running = false;

  constructor(
    private readonly now: () => number,
    makeTimer: (onWake: () => void) => WakeTimer,
  ) {
    this.timer = makeTimer(() => this.wake());
  }

  /**
   * Calls run at or after `due` (same clock as `now`), from the event loop's poll phase. `spare`,
   * an entry of this queue that has run or was cancelled, is set again instead of a new one when
   * it is out of the heap (a cancelled one stays in until it reaches the top).
   */
  at(due: number, run: () => void, spare?: Deadline): Deadline {
    let e: Entry;
    if (spare instanceof Entry && spare.queue === this && !spare.queued) {
      e = spare;
      e.due = due;
      e.run = run;
      e.seq = this.seq++;
    } else e = new Entry(due, run, this.seq++, this);
    this.push(e);
    if (!this.running && due < this.armedFor) this.arm(due);
    return e;
  }

  get size(): number {
    return this.heap.length;
  }

  close(): void {
    for (const e of this.heap) e.queued = false;
    this.heap.length = 0;
    this.timer.close();
  }

  private wake(): void {
    this.armedFor = Infinity;
    this.running = true;
    try {
      const now = this.now();
      for (let runs = 0; runs < MAX_RUNS_PER_WAKE; runs++) {
        const top = this.heap[0];
        if (!top || top.due > now) break;
        this.pop();
        const run = top.run;
        top.run = undefined;
        run?.();
      }
    } finally {
      this.running = false;
      this.dropCancelled();
      const top = this.heap[0];
      if (top) this.arm(top.due);
    }
  }

  private arm(due: number): void {
    this.armedFor = due;
    this.timer.arm(Math.max(0, due - this.now()));
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.run === undefined) this.pop();
  }

  private push(e: Entry): void {
    e.queued = true;
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    h[0]!.queued = false;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
