// keepalived's tuning of its VRRP process (lib/process.c), applied to the event loop's thread,
// which runs every instance: vrrp_rt_priority (SCHED_RR, with RLIMIT_RTTIME's soft limit from
// vrrp_rlimit_rttime), else vrrp_priority (nice), and vrrp_no_swap (mlockall). Set at start, and
// changed or put back by a reload.
import { getPriority, setPriority } from "node:os";
import type { GlobalSpec } from "../config/model.js";
import { errorFields } from "../error-fields.js";
import { errnoName } from "../net/advert-socket.js";
import { nativeHelper } from "../native/helper.js";
import type { Logger } from "../operator/log.js";

/** keepalived lib/process.h RT_RLIMIT_DEFAULT (µs). */
const RT_RLIMIT_DEFAULT_US = 10_000;

export class ProcessTuning {
  /** The thread's nice value before vrrp_priority changed it. */
  private originalPriority: number | undefined;
  /** A SIGXCPU listener is in place (vrrp_rt_priority): without one the signal ends the process. */
  private watchingRtTime = false;

  constructor(private readonly log: Logger) {}

  /** The settings of `next`; `was`, those before a reload (only what changed is touched). */
  apply(next: GlobalSpec, was?: GlobalSpec): void {
    if (
      !was ||
      next.vrrpRtPriority !== was.vrrpRtPriority ||
      next.vrrpRlimitRtUs !== was.vrrpRlimitRtUs ||
      next.vrrpPriority !== was.vrrpPriority
    )
      this.setScheduling(next, was);
    if (!next.vrrpNoSwap !== !was?.vrrpNoSwap) this.setNoSwap(!!next.vrrpNoSwap);
  }

  /**
   * As keepalived's set_process_priorities: the real-time policy when one is given (with
   * RLIMIT_RTTIME's soft limit at half of vrrp_rlimit_rttime, and SIGXCPU logged), the nice value
   * otherwise. A real-time policy `was` set and now gone is reset (reset_priority).
   */
  private setScheduling(g: GlobalSpec, was: GlobalSpec | undefined): void {
    const helper = nativeHelper();
    if (was?.vrrpRtPriority && !g.vrrpRtPriority) {
      helper.setRealtime(0);
      helper.setRtTimeLimit(0);
    }
    if (!g.vrrpRtPriority) {
      if (g.vrrpPriority !== was?.vrrpPriority || was?.vrrpRtPriority) this.setPriority(g.vrrpPriority);
      return;
    }
    const rc = helper.setRealtime(g.vrrpRtPriority);
    if (rc !== 0) {
      this.log.warn(
        { priority: g.vrrpRtPriority, errno: -rc },
        `child process: cannot raise priority - ${errnoName(rc)}; running as a normal task`,
      );
      return;
    }
    this.log.info({ priority: g.vrrpRtPriority }, "vrrp_rt_priority: the event loop runs SCHED_RR at this priority");
    if (!this.watchingRtTime) {
      this.watchingRtTime = true;
      // keepalived lib/signals.c log_sigxcpu: the soft limit was reached; the process runs on.
      process.on("SIGXCPU", () => this.log.warn("SIGXCPU received: the event loop ran past half of vrrp_rlimit_rttime without blocking"));
    }
    const lrc = helper.setRtTimeLimit(Math.floor((g.vrrpRlimitRtUs ?? RT_RLIMIT_DEFAULT_US) / 2));
    if (lrc !== 0) this.log.warn({ errno: -lrc }, `child process cannot set realtime rlimit - ${errnoName(lrc)}`);
  }

  /**
   * As keepalived's set_process_priority / reset_process_priority: setpriority(PRIO_PROCESS, 0),
   * which on Linux is the calling thread. Unset after being set: back to the nice value found first.
   */
  private setPriority(next: number | undefined): void {
    if (next === undefined && this.originalPriority === undefined) return;
    this.originalPriority ??= getPriority();
    const target = next ?? this.originalPriority;
    try {
      setPriority(target);
      if (next !== undefined) this.log.info({ priority: next }, "vrrp_priority: the event loop runs at this nice value");
    } catch (e) {
      const f = errorFields(e);
      this.log.warn(
        { priority: target, ...f },
        `Unable to set process priority to ${target} - ${f.code ?? f.err}; running at the current one`,
      );
    }
  }

  /**
   * As keepalived's set_process_dont_swap (mlockall, and "Unable to lock process in memory" when it
   * cannot) and reset_process_dont_swap (munlockall, when a reload removes it).
   */
  private setNoSwap(on: boolean): void {
    const helper = nativeHelper();
    const rc = on ? helper.lockMemory() : helper.unlockMemory();
    if (rc === 0) this.log.info(on ? "vrrp_no_swap: the process's memory is locked" : "vrrp_no_swap removed: memory unlocked");
    else if (on) this.log.warn({ errno: -rc }, `Unable to lock process in memory - ${errnoName(rc)}; running unlocked`);
    else this.log.warn({ errno: -rc }, `Unable to unlock process memory - ${errnoName(rc)}`);
  }
}
