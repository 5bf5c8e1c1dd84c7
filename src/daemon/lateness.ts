// Advert send lateness over the most recent samples of all instances, kept incrementally: a ring
// of the last WINDOW samples and a histogram of 0.05 ms buckets, so p50 / p99 / max cost a pass
// over the buckets whatever the number of instances (a sort of every sample per HTTP request
// used to stall the adverts it was measuring).
const WINDOW = 8192;
const BUCKET_MS = 0.05;
const BUCKETS = 4000; // 0..200 ms; later samples land in the last bucket, `max` keeps the truth

export class LatenessWindow {
  private readonly ring = new Float64Array(WINDOW);
  private readonly counts = new Uint32Array(BUCKETS);
  private size = 0;
  private at = 0;

  private static bucket(ms: number): number {
    return Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));
  }

  add(ms: number): void {
    if (this.size === WINDOW) this.counts[LatenessWindow.bucket(this.ring[this.at]!)]!--;
    else this.size++;
    this.ring[this.at] = ms;
    this.counts[LatenessWindow.bucket(ms)]!++;
    this.at = (this.at + 1) % WINDOW;
  }

  summary(): { samples: number; p50: number; p99: number; max: number } {
    if (this.size === 0) return { samples: 0, p50: 0, p99: 0, max: 0 };
    const q = (f: number): number => {
      const rank = Math.min(this.size - 1, Math.floor(f * this.size));
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += this.counts[b]!;
        if (seen > rank) return (b + 1) * BUCKET_MS; // upper edge of the bucket
      }
      return BUCKETS * BUCKET_MS;
    };
    let max = 0;
    for (let i = 0; i < this.size; i++) if (this.ring[i]! > max) max = this.ring[i]!;
    // a bucket's upper edge can pass the largest sample in it: never report more than the max
    return { samples: this.size, p50: Math.min(q(0.5), max), p99: Math.min(q(0.99), max), max };
  }
}
