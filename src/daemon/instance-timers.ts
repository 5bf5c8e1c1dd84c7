// Each instance's next deadline: in the deadline queue on the native timerfd when the helper is
// there, else one Node timer per instance with the failover-critical master-down timer waited
// out precisely; the lateness of every advert sent as MASTER is recorded.
import type { InstanceIo } from "./instance-io.js";
import { LatenessWindow } from "./lateness.js";
import type { DeadlineQueue } from "./deadline-queue.js";

/** How early a master-down deadline first wakes (ms): the takeover is rehearsed then, while the
 * master may still speak; the decision is always taken after a poll phase, so adverts queued
 * during a stall are heard first. */
const PREWAKE_MS = 8;
/** Longer than a cold rehearsal (bench/notes.md): it is skipped when the pre-wake came later than this before the deadline. */
const REHEARSAL_MS = 4;
/** With the deadline queue, the last wake before a master-down deadline (ms before it): what is
 * left is waited out on the event loop. Past the timerfd's usual lateness, short of a spin long
 * enough for a busy scheduler to preempt (the failover bench chose it: bench/notes.md). */
const SPIN_MS = 1.5;
/** The same on Node's millisecond timers (no native helper). */
const NODE_SPIN_MS = 2;

export class InstanceTimers {
  /** How late advert timers fired as MASTER (ms), the last samples of every instance. */
  readonly lateness = new LatenessWindow();
  readonly latenessListeners: ((instance: string, ms: number) => void)[] = [];

  constructor(
    private readonly now: () => number,
    private readonly stopping: () => boolean,
    /** The deadline is due: hand the router a timer event for this instance. */
    private readonly due: (io: InstanceIo, now: number) => void,
    private readonly queue?: DeadlineQueue,
    /** A master-down deadline is PREWAKE_MS away: warm the takeover path (rehearsal.ts). */
    private readonly beforeTakeover?: (io: InstanceIo) => void,
  ) {}

  private onDeadline(io: InstanceIo): void {
    io.deadline = undefined;
    const due = io.dueAt;
    if (due === undefined || this.stopping() || io.ri.vi.nextDeadline() !== due) return;
    const now = this.now();
    // A GARP round due before the advert is not an advert's lateness (as `firing` checks).
    if (io.advertDueAt !== undefined && io.advertDueAt <= now) this.record(io, now - io.advertDueAt);
    this.due(io, now);
  }

  /**
   * Node's timers have millisecond granularity and fire late rather than early; the master-down
   * timer decides the failover gap, so when it is the one due, its last SPIN_MS (NODE_SPIN_MS on
   * Node's timers) are waited out on the event loop (setImmediate) instead. An advert timer firing within a
   * millisecond early is taken as due: a slightly early advert is harmless, and its schedule stays
   * anchored to the deadline, not to the clock.
   */
  schedule(io: InstanceIo): void {
    const vi = io.ri.vi;
    const due = vi.nextDeadline();
    const precise = vi.state === "BACKUP";
    if (this.queue && precise && due !== undefined && io.prewakePending && io.deadline && io.deadline.due <= due - PREWAKE_MS) {
      // A backup hears an advert every interval, and each moves its master-down deadline later:
      // the pending pre-wake stays (no entry or closure per advert) and, when it comes early,
      // sleeps again until the new deadline's pre-wake (prewake()).
      io.dueAt = due;
      return;
    }
    io.stopTimer();
    io.prewakePending = false;
    if (due === undefined || this.stopping()) return;
    const advertDue = vi.state === "MASTER" ? vi.advertDeadline : undefined;
    if (this.queue) {
      io.dueAt = due;
      io.advertDueAt = advertDue;
      if (precise) {
        io.prewakePending = true;
        io.onPrewake ??= () => this.prewake(io);
        io.deadline = this.queue.at(due - PREWAKE_MS, io.onPrewake);
        return;
      }
      // Advert and GARP deadlines: one callback per instance, made once, reads what was scheduled
      // (a master sets a deadline per advert: no closure each time).
      io.onDeadline ??= () => this.onDeadline(io);
      io.deadline = this.queue.at(due, io.onDeadline);
      return;
    }
    const fire = this.firing(io, due, precise, advertDue);
    io.timer = setTimeout(() => fire(false), Math.max(0, Math.floor(due - this.now() - (precise ? PREWAKE_MS : 0))));
  }

  /**
   * A master-down deadline's pre-wake, PREWAKE_MS before it: after a long sleep the first wake-up
   * ran 2-3 ms late on this host (idle CPU, cold caches), which was the failover gap's excess at
   * VRRPv2's 1 s. The takeover is rehearsed then, the queue wakes again SPIN_MS before the
   * deadline and `fire` waits out the rest on the event loop (adverts are still read between
   * turns). Reached for real only when the master has been silent for the master-down interval
   * less PREWAKE_MS; before that, adverts have moved the deadline and it sleeps again.
   */
  private prewake(io: InstanceIo): void {
    io.deadline = undefined;
    io.prewakePending = false;
    const due = io.dueAt;
    if (due === undefined || this.stopping() || io.ri.vi.nextDeadline() !== due) return;
    const queue = this.queue!;
    if (this.now() < due - PREWAKE_MS - 1) {
      io.prewakePending = true;
      io.deadline = queue.at(due - PREWAKE_MS, io.onPrewake!);
      return;
    }
    const fire = this.firing(io, due, true, undefined, true);
    const last = (): void => {
      io.deadline = undefined;
      // First after this poll phase, so adverts that came in with the wake-up are heard.
      io.timer = setImmediate(() => fire(true)) as unknown as NodeJS.Timeout;
    };
    if (due - this.now() > REHEARSAL_MS) this.beforeTakeover?.(io);
    if (this.now() < due - SPIN_MS) io.deadline = queue.at(due - SPIN_MS, last);
    else last();
  }

  /** The Node-timer path's callback for one deadline, and the last stage of the queue's pre-wake. */
  private firing(
    io: InstanceIo,
    due: number,
    precise: boolean,
    advertDue: number | undefined,
    warmedAlready = false,
  ): (fromImmediate: boolean) => void {
    const vi = io.ri.vi;
    let warmed = warmedAlready;
    const fire = (fromImmediate: boolean): void => {
      io.timer = undefined;
      if (this.stopping() || vi.nextDeadline() !== due) return;
      let now = this.now();
      if (now < due) {
        if (precise && !warmed && due - now <= PREWAKE_MS + 1) {
          warmed = true;
          if (due - now > REHEARSAL_MS) this.beforeTakeover?.(io);
          now = this.now();
        }
        // Node's timers fire up to a millisecond late: their last NODE_SPIN_MS are spun out.
        if (precise && due - now < NODE_SPIN_MS + 1) {
          io.timer = setImmediate(() => fire(true)) as unknown as NodeJS.Timeout;
          return;
        }
        if (!precise && due - now <= 1) now = due;
        else {
          const early = precise ? (warmed ? NODE_SPIN_MS : PREWAKE_MS) : 0;
          io.timer = setTimeout(() => fire(false), Math.max(0, Math.floor(due - now - early)));
          return;
        }
      }
      if (precise && !fromImmediate) {
        // The master-down timer expired while the event loop was busy (a stall, a saturated
        // host): timers run before the poll phase, so adverts that arrived meanwhile are still
        // unread in the socket. Decide after the poll phase (setImmediate runs after it): a master
        // that kept advertising is heard first, and a stalled backup does not take over.
        io.timer = setImmediate(() => fire(true)) as unknown as NodeJS.Timeout;
        return;
      }
      if (advertDue !== undefined && advertDue <= now) this.record(io, now - advertDue);
      this.due(io, now);
    };
    return fire;
  }

  private record(io: InstanceIo, ms: number): void {
    this.lateness.add(ms);
    for (const l of this.latenessListeners) l(io.spec.name, ms);
  }
}
