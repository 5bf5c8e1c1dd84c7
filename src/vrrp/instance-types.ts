// The instance's vocabulary: configuration, events in, actions out, counters, fault sources.
// Shared by the state machine (instance.ts), the router above it and the simulator.
import type { Family } from "./address.js";
import { AUTH_NONE, type Advert, type DropCode, type Version } from "./packet.js";

export type State = "INIT" | "BACKUP" | "MASTER" | "FAULT";

export interface GarpSettings {
  /** Delay before the second burst after becoming master (keepalived garp_master_delay, 5 s). 0: none. */
  readonly masterDelayMs: number;
  /** Packets per burst (garp_master_repeat, 5). */
  readonly masterRepeat: number;
  /** Period of refresh bursts while master (garp_master_refresh, 0 = off). */
  readonly masterRefreshMs: number;
  /** Packets per refresh burst (garp_master_refresh_repeat, 1). */
  readonly masterRefreshRepeat: number;
}

/** One interface the VIPs are on, and the spacing between gratuitous ARP / NA rounds on it. */
export interface GarpSpacing {
  readonly ifname: string;
  /** ms; 0: a burst goes out at once (keepalived's garp_interval / gna_interval, a garp_group's or global). */
  readonly gapMs: number;
}

export const DEFAULT_GARP: GarpSettings = { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 };

export interface InstanceConfig {
  readonly name: string;
  readonly vrid: number;
  readonly version: Version;
  readonly family: Family;
  /** Base priority 1..255; 255 = address owner. */
  readonly priority: number;
  /** Configured advertisement interval in centiseconds (v2: multiple of 100). */
  readonly advertIntervalCs: number;
  readonly vips: readonly Uint8Array[];
  /** Our primary address (the advert source): the election's tie-break. */
  readonly primaryAddress: Uint8Array;
  /** keepalived `state`: MASTER shortens the first wait to one interval. */
  readonly initialState: "MASTER" | "BACKUP";
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  /** v2 auth: AUTH_NONE, AUTH_PASS or AUTH_AH with its 8 key bytes. */
  readonly authType: number;
  readonly authKey: Uint8Array;
  readonly garp: GarpSettings;
  /** keepalived lower_prio_no_advert: a master does not answer lower-priority adverts at once. */
  readonly lowerPrioNoAdvert: boolean;
  /** Adverts missed before the master is declared down (keepalived down_timer_adverts, 3). */
  readonly downTimerAdverts: number;
  /**
   * keepalived higher_prio_send_advert: a master that hears a higher priority sends one more
   * advert before it yields, so the winner hears a lower priority and re-announces its VIPs.
   */
  readonly higherPrioSendAdvert: boolean;
  /**
   * keepalived garp_lower_prio_repeat / garp_lower_prio_delay: a master that hears a lower
   * priority sends this many gratuitous ARP / NA at once, and again after the delay (0: none).
   */
  readonly garpLowerPrio: { readonly repeat: number; readonly delayMs: number };
  /** keepalived notify_priority_changes: each effective priority change is an event (FIFO line). */
  readonly notifyPriorityChanges?: boolean;
  /**
   * keepalived garp_extra_if (ms; absent: off): while MASTER, at the first advert sent more than
   * this long after the last time, one `announce-extra` (vrrp.c vrrp_state_master_tx).
   */
  readonly garpExtraIfMs?: number;
  /**
   * The VIPs' interfaces with their GARP / NA spacing (absent or all 0: every burst at once).
   * With a spacing, a burst's rounds after the first are instance deadlines.
   */
  readonly garpSpacing?: readonly GarpSpacing[];
}

export type InstanceEvent =
  | { readonly type: "startup" }
  | { readonly type: "shutdown" }
  /** A decoded advert that passed the socket layer's TTL and peer checks. */
  | { readonly type: "advert"; readonly advert: Advert; readonly source: Uint8Array }
  /** Any armed deadline may be due: the runtime calls this at nextDeadline(). */
  | { readonly type: "timer" }
  /** A fault source (weight-0 check, interface, track file, ...) came or went. */
  | { readonly type: "fault"; readonly source: FaultSource; readonly active: boolean }
  /** Weighted trackers moved the effective priority (already clamped 1..254 by the tracker). */
  | { readonly type: "priority"; readonly effective: number }
  /** A sync-group peer left MASTER for BACKUP: so does this member (keepalived sync groups). */
  | { readonly type: "sync-backup"; readonly group: string }
  /**
   * keepalived vrrp_sync_can_goto_master said no: this BACKUP's down timer expired but not every
   * member wants MASTER; it stays BACKUP with a fresh down timer.
   */
  | { readonly type: "sync-wait"; readonly group: string }
  /** Every member of the group wants MASTER and one went: this one follows (vrrp_sync_master). */
  | { readonly type: "sync-master"; readonly group: string }
  /** A sync-group member answered a lower priority: a MASTER sends `repeat` rounds of GARP / NA too. */
  | { readonly type: "announce"; readonly repeat: number };

/**
 * keepalived's instance events: a master heard a lower priority (send_event_notify), or the
 * effective priority changed in MASTER or in any other state (send_instance_priority_notifies).
 */
export type InstanceEventName = "MASTER_RX_LOWER_PRI" | "MASTER_PRIORITY" | "BACKUP_PRIORITY";

export type LogLevel = "debug" | "info" | "warn";

export type Action =
  | { readonly type: "send-advert"; readonly priority: number; readonly intervalCs: number }
  | { readonly type: "add-vips" }
  | { readonly type: "remove-vips" }
  /** Gratuitous ARP / unsolicited NA for every VIP (with `ifname`: the VIPs on that interface), `repeat` times at once. */
  | {
      readonly type: "announce";
      readonly repeat: number;
      readonly ifname?: string;
      /** set when a lower-priority advert caused it */
      readonly lowerPriority?: true;
    }
  | { readonly type: "state"; readonly from: State; readonly to: State; readonly reason: string }
  /** garp_extra_if: one gratuitous ARP / NA on each extra interface (vrrp/garp-extra.ts picks them). */
  | { readonly type: "announce-extra" }
  /** keepalived's event notifications (vrrp_notify.c send_event_notify): a master heard a lower priority. */
  | { readonly type: "event"; readonly event: InstanceEventName }
  | { readonly type: "log"; readonly level: LogLevel; readonly msg: string; readonly fields?: Record<string, unknown> };

export interface InstanceStats {
  advertsSent: number;
  advertsReceived: number;
  becameMaster: number;
  releasedMaster: number;
  priorityZeroSent: number;
  priorityZeroReceived: number;
  addressListMismatch: number;
  transitions: number;
  drops: Partial<Record<DropCode, number>>;
}

/** Why an instance is in FAULT: each source is set and cleared on its own. */
export type FaultSource =
  | { readonly kind: "link"; readonly ifname: string }
  | { readonly kind: "check"; readonly name: string }
  /** A track_file whose number means FAULT (weight 0, or a weighted contribution of -254). */
  | { readonly kind: "file"; readonly name: string }
  /** A weight-0 vrrp_track_process without (reverse: with) its quorum. */
  | { readonly kind: "process"; readonly name: string }
  /** Another member of the sync group is in FAULT (keepalived pulls the whole group). */
  | { readonly kind: "sync-group"; readonly group: string }
  /** No source address on the interface yet. */
  | { readonly kind: "no-source-address" }
  /** The advert socket could not be opened. */
  | { readonly kind: "socket" }
  /** The configuration cannot run (keepalived's num_config_faults: unicast_fault_no_peer without peers). */
  | { readonly kind: "config" };

/** The label shown in status, logs and transition reasons (e.g. `link:eth0`, `check:chk_http`). */
export function faultLabel(f: FaultSource): string {
  switch (f.kind) {
    case "link":
      return `link:${f.ifname}`;
    case "check":
      return `check:${f.name}`;
    case "file":
      return `file:${f.name}`;
    case "process":
      return `process:${f.name}`;
    case "sync-group":
      return `sync:${f.group}`;
    case "no-source-address":
      return "source-address";
    case "socket":
      return "socket";
    case "config":
      return "config";
  }
}

export function defaultInstanceConfig(partial: Partial<InstanceConfig> & Pick<InstanceConfig, "vrid" | "primaryAddress">): InstanceConfig {
  return {
    name: `VI_${partial.vrid}`,
    version: 2,
    family: 4,
    priority: 100,
    advertIntervalCs: 100,
    vips: [],
    initialState: "BACKUP",
    nopreempt: false,
    preemptDelayMs: 0,
    authType: AUTH_NONE,
    authKey: new Uint8Array(8),
    garp: DEFAULT_GARP,
    lowerPrioNoAdvert: false,
    downTimerAdverts: 3,
    higherPrioSendAdvert: false,
    garpLowerPrio: { repeat: 0, delayMs: 0 },
    ...partial,
  };
}
