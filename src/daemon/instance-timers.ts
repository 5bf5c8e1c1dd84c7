// Each instance's next deadline: in the deadline queue on the native timerfd when the helper is
// there, else one Node timer per instance with the failover-critical master-down timer waited
// out precisely; the lateness of every advert sent as MASTER is recorded.
import type { InstanceIo } from "./instance-io.js";
import { LatenessWindow } from "./lateness.js";
import type { DeadlineQueue } from "./deadline-queue.js";

/** How early a master-down deadline wakes to be waited out on the event loop (ms); the decision
 * is always taken after a poll phase, so adverts queued during a stall are heard first. */
const PREWAKE_MS = 2;

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
  ) {}

  private onDeadline(io: InstanceIo): void {
    io.deadline = undefined;
    const due = io.dueAt;
    if (due === undefined || this.stopping() || io.ri.vi.nextDeadline() !== due) return;
    const now = this.now();
    if (io.advertDueAt !== undefined) this.record(io, now - io.advertDueAt);
    this.due(io, now);
  }

  /**
   * Node's timers have millisecond granularity and fire late rather than early; the master-down
   * timer decides the failover gap, so when it is the one due, the last two milliseconds are
   * waited out on the event loop (setImmediate) instead. An advert timer firing within a
   * millisecond early is taken as due: a slightly early advert is harmless, and its schedule stays
   * anchored to the deadline, not to the clock.
   */
  schedule(io: InstanceIo): void {
    io.stopTimer();
    const vi = io.ri.vi;
    const due = vi.nextDeadline();
    if (due === undefined || this.stopping()) return;
    const precise = vi.state === "BACKUP";
    const advertDue = vi.state === "MASTER" ? vi.advertDeadline : undefined;
    if (this.queue && !precise) {
      // Advert and GARP deadlines: one callback per instance, made once, reads what was scheduled
      // (a master sets a deadline per advert: no closure each time).
      io.dueAt = due;
      io.advertDueAt = advertDue;
      io.onDeadline ??= () => this.onDeadline(io);
      io.deadline = this.queue.at(due, io.onDeadline);
      return;
    }
    const fire = (fromImmediate: boolean): void => {
      io.timer = undefined;
      if (this.stopping() || vi.nextDeadline() !== due) return;
      let now = this.now();
      if (now < due) {
        if (precise && due - now < 3) {
          io.timer = setImmediate(() => fire(true)) as unknown as NodeJS.Timeout;
          return;
        }
        if (!precise && due - now <= 1) now = due;
        else {
          io.timer = setTimeout(() => fire(false), Math.max(0, Math.floor(due - now - (precise ? PREWAKE_MS : 0))));
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
    if (this.queue) {
      // A master-down deadline wakes PREWAKE_MS early and `fire` waits out the rest on the event
      // loop, as it does on Node's timers (adverts are still read between turns): after a long
      // sleep the first wake-up ran 2-3 ms late on this host (idle CPU, cold caches), which was
      // the failover gap's excess at VRRPv2's 1 s. Reached only when the master has been silent.
      io.deadline = this.queue.at(due - PREWAKE_MS, () => {
        io.deadline = undefined;
        // First after this poll phase, so adverts that came in with the wake-up are heard.
        io.timer = setImmediate(() => fire(true)) as unknown as NodeJS.Timeout;
      });
      return;
    }
    io.timer = setTimeout(() => fire(false), Math.max(0, Math.floor(due - this.now() - (precise ? PREWAKE_MS : 0))));
  }

  private record(io: InstanceIo, ms: number): void {
    this.lateness.add(ms);
    for (const l of this.latenessListeners) l(io.spec.name, ms);
  }
}
