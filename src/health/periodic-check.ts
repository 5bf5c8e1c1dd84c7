// A check run on an interval, never overlapping itself (a run still going when the next is due
// is skipped, as keepalived does), with rise/fall applied to its results.
import { RiseFall } from "./tracker.js";
import type { TrackerState } from "../vrrp/priority.js";

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: Record<string, unknown>;
}

export interface PeriodicCheckOptions {
  readonly name: string;
  readonly intervalMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly initFail: boolean;
  readonly probe: () => Promise<ProbeResult>;
  /** Called after every run with the result and the (possibly unchanged) tracker state; `first`: the first run. */
  readonly onResult: (r: ProbeResult, state: TrackerState, changed: boolean, first: boolean) => void;
  readonly onSkip?: () => void;
}

export class PeriodicCheck {
  private readonly riseFall: RiseFall;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  runs = 0;
  skipped = 0;
  lastResult?: ProbeResult;

  constructor(private readonly o: PeriodicCheckOptions) {
    this.riseFall = new RiseFall(o.rise, o.fall, o.initFail);
  }

  get name(): string {
    return this.o.name;
  }

  get state(): TrackerState {
    return this.riseFall.state;
  }

  /** Runs once now (awaitable, for start-up), then every interval, the first after `offsetMs`. */
  async start(offsetMs = 0): Promise<void> {
    await this.tick();
    if (this.stopped) return;
    const every = () => {
      if (this.stopped) return;
      this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    };
    if (offsetMs > 0)
      this.offsetTimer = setTimeout(() => {
        void this.tick();
        every();
      }, offsetMs);
    else every();
  }

  private offsetTimer?: NodeJS.Timeout;

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.skipped++;
      this.o.onSkip?.();
      return;
    }
    this.running = true;
    try {
      const r = await this.o.probe();
      this.runs++;
      this.lastResult = r;
      if (this.stopped) return;
      const changed = this.riseFall.result(r.ok) !== undefined;
      this.o.onResult(r, this.riseFall.state, changed, this.runs === 1);
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.offsetTimer) clearTimeout(this.offsetTimer);
  }
}
