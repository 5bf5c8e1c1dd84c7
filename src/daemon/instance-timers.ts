// An instance's next deadline, as one entry in the deadline queue (the native helper's timerfd):
// the failover-critical master-down timer is woken early, rehearsed, and its last moments waited
// out precisely; the lateness of every advert sent as MASTER is recorded. The instance's driver
// owns one; DeadlineTiming is what all of them share.
import type { VrrpInstance } from "../vrrp/instance.js";
import type { Deadline, DeadlineQueue } from "./deadline-queue.js";
import { LatenessWindow } from "./lateness.js";

/** How early a master-down deadline first wakes (ms; bench/notes.md): the takeover is warmed
 * then, while the master may still speak; the decision is always taken after a poll phase, so
 * adverts queued during a stall are heard first. */
const PREWAKE_MS = 8;
/** Longer than a cold rehearsal (bench/notes.md): warm-up is skipped when the pre-wake came later than this before the deadline. */
const REHEARSAL_MS = 4;
/** The last wake before a master-down deadline (ms before it): what is left is waited out on the
 * event loop. Past the timerfd's usual lateness, short of a spin long enough for a busy scheduler
 * to preempt (bench/notes.md). */
const SPIN_MS = 1.5;

/** What every instance's deadline shares: the clock, the queue, the lateness record. */
export class DeadlineTiming {
  /** How late advert timers fired as MASTER (ms), the last samples of every instance. */
  readonly lateness = new LatenessWindow();
  readonly latenessListeners: ((instance: string, ms: number) => void)[] = [];

  constructor(
    private readonly clock: { now(): number; stopping(): boolean },
    readonly queue: DeadlineQueue,
  ) {}

  now(): number {
    return this.clock.now();
  }

  stopping(): boolean {
    return this.clock.stopping();
  }

  record(instance: string, ms: number): void {
    this.lateness.add(ms);
    for (const l of this.latenessListeners) l(instance, ms);
  }
}

/** One instance's deadline entry. `due` hands the router the instance's timer event; `warm` runs just before a takeover. */
export class InstanceDeadline {
  private entry?: Deadline;
  private immediate?: NodeJS.Immediate;
  /** What the entry was set for: its deadline and, as MASTER, the advert's (for lateness). */
  private dueAt?: number;
  private advertDueAt?: number;
  /** The entry is a BACKUP's master-down pre-wake, which later adverts leave in place. */
  private prewakePending = false;
  /** The queue's callbacks, made once (a master sets a deadline per advert: no closure each time). */
  private readonly onDeadline = (): void => this.deadline();
  private readonly onPrewake = (): void => this.prewake();

  constructor(
    private readonly t: DeadlineTiming,
    private readonly name: string,
    private readonly vi: () => VrrpInstance,
    private readonly due: (now: number) => void,
    private readonly warm: () => void,
  ) {}

  /** Re-arms at the instance's next deadline (after any event that may have moved it). */
  schedule(): void {
    const vi = this.vi();
    const due = vi.nextDeadline();
    const precise = vi.state === "BACKUP";
    if (precise && due !== undefined && this.prewakePending && this.entry && this.entry.due <= due - PREWAKE_MS) {
      // A backup hears an advert every interval, and each moves its master-down deadline later:
      // the pending pre-wake stays (no entry or closure per advert) and, when it comes early,
      // sleeps again until the new deadline's pre-wake (prewake()).
      this.dueAt = due;
      return;
    }
    this.stop();
    if (due === undefined || this.t.stopping()) return;
    this.dueAt = due;
    this.advertDueAt = vi.state === "MASTER" ? vi.advertDeadline : undefined;
    if (precise) {
      this.prewakePending = true;
      this.entry = this.t.queue.at(due - PREWAKE_MS, this.onPrewake);
    } else this.entry = this.t.queue.at(due, this.onDeadline);
  }

  stop(): void {
    this.entry?.cancel();
    this.entry = undefined;
    this.prewakePending = false;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  /** Advert and GARP deadlines. An advert timer firing within a millisecond early is taken as due. */
  private deadline(): void {
    this.entry = undefined;
    const due = this.dueAt;
    if (due === undefined || this.t.stopping() || this.vi().nextDeadline() !== due) return;
    const now = this.t.now();
    if (this.advertDueAt !== undefined) this.t.record(this.name, now - this.advertDueAt);
    this.due(now);
  }

  /**
   * A master-down deadline's pre-wake, PREWAKE_MS before it (a first wake after a long sleep is
   * late: bench/notes.md). The takeover is warmed then, the queue wakes again SPIN_MS before the
   * deadline and the rest is waited out on the event loop (adverts are still read between turns).
   * Reached for real only when the master has been silent for the master-down interval less
   * PREWAKE_MS; before that, adverts have moved the deadline and it sleeps again.
   */
  private prewake(): void {
    this.entry = undefined;
    this.prewakePending = false;
    const due = this.dueAt;
    if (due === undefined || this.t.stopping() || this.vi().nextDeadline() !== due) return;
    if (this.t.now() < due - PREWAKE_MS - 1) {
      this.prewakePending = true;
      this.entry = this.t.queue.at(due - PREWAKE_MS, this.onPrewake);
      return;
    }
    const fire = (): void => {
      this.immediate = undefined;
      if (this.t.stopping() || this.vi().nextDeadline() !== due) return;
      const now = this.t.now();
      // Spun out on the event loop; the decision is taken after a poll phase (setImmediate runs
      // after it), so a master that kept advertising through a stall is heard first.
      if (now < due) this.immediate = setImmediate(fire);
      else this.due(now);
    };
    const last = (): void => {
      this.entry = undefined;
      // First after this poll phase, so adverts that came in with the wake-up are heard.
      this.immediate = setImmediate(fire);
    };
    if (due - this.t.now() > REHEARSAL_MS) this.warm();
    if (this.t.now() < due - SPIN_MS) this.entry = this.t.queue.at(due - SPIN_MS, last);
    else last();
  }
}
