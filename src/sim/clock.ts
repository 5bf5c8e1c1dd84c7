// Virtual time: a deterministic event queue. Ties run in scheduling order, so a seed replays exactly.

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
}

export class VirtualClock {
  private queue: Scheduled[] = [];
  private seq = 0;
  private _now = 0;

  get now(): number {
    return this._now;
  }

  schedule(at: number, run: () => void): void {
    const item = { at: Math.max(at, this._now), seq: this.seq++, run };
    // binary-heap push
    const q = this.queue;
    q.push(item);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(q[p] as Scheduled, item)) break;
      q[i] = q[p] as Scheduled;
      i = p;
    }
    q[i] = item;
  }

  /** Runs every event due up to and including `until`, then sets the clock to `until`. */
  runUntil(until: number): void {
    for (;;) {
      const top = this.queue[0];
      if (!top || top.at > until) break;
      this.pop();
      this._now = top.at;
      top.run();
    }
    this._now = Math.max(this._now, until);
  }

  private pop(): void {
    const q = this.queue;
    const last = q.pop() as Scheduled;
    if (q.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mv = last;
      if (l < q.length && less(q[l] as Scheduled, mv)) {
        m = l;
        mv = q[l] as Scheduled;
      }
      if (r < q.length && less(q[r] as Scheduled, mv)) {
        m = r;
        mv = q[r] as Scheduled;
      }
      if (m === i) break;
      q[i] = mv;
      i = m;
    }
    q[i] = last;
  }
}

function less(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
