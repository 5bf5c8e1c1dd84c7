// What the daemon holds for one instance beside the router's state: its configuration entry, the
// resolved VIPs, the socket and encoder it sends with, its timer and its queue of netlink work.
import type { InstanceSpec } from "../config/model.js";
import type { AhSeal } from "../net/advert-socket.js";
import type { AdvertEncoder } from "../vrrp/packet.js";
import type { RouterInstance } from "../vrrp/router-types.js";
import type { Logger } from "../operator/log.js";
import { resolveVips, type ResolvedVip } from "./router-config.js";
import type { Deadline } from "./deadline-queue.js";

/** The part of AdvertSocket the executor sends through (a fake in unit tests). */
export interface AdvertSender {
  /** false: not sent (the socket logs why). `transmit` false: built only, not sent (rehearsal). */
  send(vrrp: Uint8Array, src: Uint8Array | undefined, dst: Uint8Array, transmit?: boolean, ttl?: number, ah?: AhSeal): boolean;
}

export class InstanceIo {
  vips: ResolvedVip[];
  encoder?: AdvertEncoder;
  src?: Uint8Array;
  socket?: AdvertSender;
  timer?: NodeJS.Timeout;
  /** The instance's entry in the deadline queue, when the native timer is there. */
  deadline?: Deadline;
  /** What that entry was set for: its deadline and, as MASTER, the advert's (for lateness). */
  dueAt?: number;
  advertDueAt?: number;
  /** The queue's callbacks for this instance, made once. */
  onDeadline?: () => void;
  onPrewake?: () => void;
  /** The queue entry is a BACKUP's master-down pre-wake, which later adverts leave in place. */
  prewakePending = false;
  holdsVips = false;
  /** A reload deleted this instance: its stop is notified as keepalived notifies a deletion. */
  deleted = false;
  /** VIP additions and removals, in order, one at a time. */
  ops: Promise<void> = Promise.resolve();

  constructor(
    public spec: InstanceSpec,
    readonly ri: RouterInstance,
    readonly log: Logger,
  ) {
    this.vips = resolveVips(spec);
  }

  /** The instance timer: a deadline, a timeout or, in its last millisecond, an immediate. */
  stopTimer(): void {
    this.deadline?.cancel();
    this.deadline = undefined;
    if (!this.timer) return;
    clearTimeout(this.timer);
    clearImmediate(this.timer as unknown as NodeJS.Immediate);
    this.timer = undefined;
  }
}
