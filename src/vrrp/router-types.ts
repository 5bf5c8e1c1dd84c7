// What the router is told and what it answers, and the instance handle all of it names. The daemon
// and the simulator speak this.
import { VRRP_GROUP_V4, vrrpGroup } from "./address.js";
import type { LinkDelay } from "./link-debounce.js";
import { AhCounter } from "./ipsec-ah.js";
import { VrrpInstance } from "./instance.js";
import type { Action, InstanceConfig, State } from "./instance-types.js";
import type { DropCode, ReceivedPacket, ReceivePolicy } from "./packet.js";
import type { TrackerState } from "./priority.js";

export interface TrackedByWeight {
  readonly name: string;
  /** 0: FAULT while failed; otherwise the priority moves (keepalived vrrp_track.c). */
  readonly weight: number;
  readonly reverse: boolean;
}

/** A VIP or excluded VIP as the router matches an address deletion against it. */
export interface RouterVip {
  readonly bytes: Uint8Array;
  /** The interface it is added on (its `dev`, else the instance's). */
  readonly ifname: string;
  /** keepalived `no_track`: deleted by someone else, it is not put back. */
  readonly noTrack: boolean;
}

export interface RouterInstanceSpec {
  readonly name: string;
  /** keepalived matches instances across reloads by VRID, family, interface, unicast source and delivery. */
  readonly key: string;
  readonly interface: string;
  /** primaryAddress: the configured source, or a placeholder until the interface has one. */
  readonly config: InstanceConfig;
  readonly receive: ReceivePolicy;
  /** vrrp_script trackers with their weights resolved (track_script entry, else the script's). */
  readonly trackChecks: readonly TrackedByWeight[];
  readonly trackLinks: readonly TrackedByWeight[];
  /** track_file entries with weights resolved (the entry's, else the track_file's; default 1). */
  readonly trackFiles: readonly TrackedByWeight[];
  /** vrrp_track_process entries: like scripts, OK while the process has its quorum. */
  readonly trackProcesses: readonly TrackedByWeight[];
  /** keepalived `dont_track_primary`: the own interface's carrier is not a FAULT source. */
  readonly dontTrackPrimary: boolean;
  /** Why the instance can never run (FAULT for good, keepalived's num_config_faults). */
  readonly configFault?: string;
  /** virtual_ipaddress and virtual_ipaddress_excluded (absent: none to watch). */
  readonly vips?: readonly RouterVip[];
  /** Some virtual_routes / virtual_rules entry is tracked (not no_track): a master puts it back after a deletion. */
  readonly tracksRoutes?: boolean;
}

export interface RouterSyncGroup {
  readonly name: string;
  readonly members: readonly string[];
}

/** `S`: the caller's instance spec, a RouterInstanceSpec with more in it (the daemon's resolved one); instances hold it as given. */
export interface RouterConfig<S extends RouterInstanceSpec = RouterInstanceSpec> {
  readonly instances: readonly S[];
  readonly syncGroups: readonly RouterSyncGroup[];
  /** interface_up_down_delays by interface name (absent: every link change at once). */
  readonly linkDelays?: ReadonlyMap<string, LinkDelay>;
}

export type RouterEvent =
  /** Start one instance, after the runtime reported its socket and source address. */
  | { readonly type: "start"; readonly instance: RouterInstance }
  /** Graceful stop of everything: priority 0 from masters, VIPs released. */
  | { readonly type: "stop" }
  /** The instance's earliest deadline may be due. */
  | { readonly type: "timer"; readonly instance: RouterInstance }
  | { readonly type: "packet"; readonly packet: ReceivedPacket }
  /** The states of every tracked check (a check missing here is not tracked: disabled or unknown). */
  | { readonly type: "checks"; readonly states: ReadonlyMap<string, TrackerState> }
  | { readonly type: "check"; readonly name: string; readonly state: TrackerState }
  /** A track_file's number (a missing or unreadable file reads 0, as keepalived). */
  | { readonly type: "file"; readonly name: string; readonly value: number }
  /** A vrrp_track_process gained (OK) or lost (FAILED) its quorum. */
  | { readonly type: "process"; readonly name: string; readonly state: TrackerState }
  /** An interface by name: gone (`present` false), down or up. */
  | { readonly type: "link"; readonly ifname: string; readonly present: boolean; readonly up: boolean }
  /** The link-delay deadline the router last asked for (RouterAction link-deadline) may be due. */
  | { readonly type: "link-timer" }
  /** The instance's source address (undefined: the interface has none yet). */
  | { readonly type: "source"; readonly instance: RouterInstance; readonly address: Uint8Array | undefined }
  /** The advert socket for the instance could not be opened. */
  | { readonly type: "socket-failed"; readonly instance: RouterInstance }
  /** An address was deleted from interface `ifname` (netlink RTM_DELADDR), by us or by someone else. */
  | { readonly type: "address-deleted"; readonly ifname: string; readonly address: Uint8Array }
  /** Routes or rules were deleted (netlink RTM_DELROUTE / RTM_DELRULE; a burst may be one event). */
  | { readonly type: "route-deleted" };

export type RouterAction =
  /** Carry out one of the instance's own actions (send, VIPs, announce, state, log). */
  | { readonly type: "instance"; readonly instance: RouterInstance; readonly action: Action }
  /** The instance's next deadline may have changed: re-arm its timer. */
  | { readonly type: "deadline"; readonly instance: RouterInstance }
  /** An advert dropped before the state machine, to log: each reason at most every DROP_LOG_EVERY_MS per instance. */
  | { readonly type: "drop"; readonly instance: RouterInstance; readonly code: DropCode; readonly detail: string }
  /** Send VRRPv3 IPv4 unicast adverts with 224.0.0.18 in the pseudo-header from now on (RouterInstance.sendTargets has it). */
  | { readonly type: "old-checksum"; readonly instance: RouterInstance; readonly peer: Uint8Array }
  /** Add the instance's VIPs again (one was deleted by someone else while MASTER); adding what is there changes nothing. */
  | { readonly type: "restore-vips"; readonly instance: RouterInstance }
  /** Add the instance's tracked (not no_track) virtual routes and rules again. */
  | { readonly type: "restore-routes"; readonly instance: RouterInstance }
  /** Add the tracked static_routes / static_rules again (keepalived reinstate_static_route / _rule). */
  | { readonly type: "restore-static-routes" }
  | { readonly type: "group-state"; readonly group: string; readonly state: State }
  /** interface_up_down_delays: feed a link-timer event at `at` (undefined: nothing pending, disarm). */
  | { readonly type: "link-deadline"; readonly at: number | undefined }
  | {
      readonly type: "log";
      readonly instance?: RouterInstance;
      readonly level: "info" | "warn" | "error";
      readonly msg: string;
      readonly fields?: Record<string, unknown>;
    };

/** A reload's outcome: the router already holds the new instances. */
export interface ReloadPlan<S extends RouterInstanceSpec = RouterInstanceSpec> {
  /** Matched by key: the instance keeps its state and takes the new settings. */
  readonly kept: readonly { readonly instance: RouterInstance<S>; readonly previous: S }[];
  /** New instances, not started: the runtime binds them, reports source and socket, then starts them. */
  readonly added: readonly RouterInstance<S>[];
  /** Stopped and dropped (their shutdown actions are in the returned actions). */
  readonly removed: readonly RouterInstance<S>[];
}

/** Where one advert goes and which address its checksum's pseudo-header holds. */
export interface SendTarget {
  readonly dst: Uint8Array;
  readonly checksumDst: Uint8Array;
  readonly unicast: boolean;
}

/** An advert drop reason is logged at most this often per instance (ms); every drop is counted. */
export const DROP_LOG_EVERY_MS = 10_000;

/**
 * Where the instance's adverts go: its multicast group (mcast_dst_ip, else 224.0.0.18 / ff02::12),
 * or each unicast peer with that peer in the VRRPv3 pseudo-header, or 224.0.0.18 once the peer
 * was heard using keepalived's old form (vrrp.c vrrp_build_pkt / vrrp_send_pkt:
 * CHKSUM_COMPATIBILITY_*; the old form exists for IPv4 only).
 */
export function sendTargets(spec: RouterInstanceSpec, oldChecksum: boolean): SendTarget[] {
  const r = spec.receive;
  const family = spec.config.family;
  if (r.unicastPeers.length === 0) {
    const group = r.multicastGroup ?? vrrpGroup(family);
    return [{ dst: group, checksumDst: group, unicast: false }];
  }
  const old = oldChecksum && family === 4;
  return r.unicastPeers.map((peer) => ({ dst: peer, checksumDst: old ? VRRP_GROUP_V4 : peer, unicast: true }));
}

/** One instance as the router holds it: the state machine plus what the router decides around it. */
export class RouterInstance<S extends RouterInstanceSpec = RouterInstanceSpec> {
  readonly vi: VrrpInstance;
  /** Down timer expired while another sync-group member did not want MASTER (keepalived wantstate). */
  wantsMaster = false;
  /** Sends VRRPv3 IPv4 unicast checksums in keepalived's old form (224.0.0.18 in the pseudo-header). */
  oldChecksum: boolean;
  /** When each drop reason was last logged (router time, ms). */
  readonly dropLoggedAt = new Map<DropCode, number>();
  private targets: { spec: S; old: boolean; list: readonly SendTarget[] } | undefined;
  /** auth_type AH: keepalived's one sequence counter, for what we send and what we accept. */
  readonly ahCounter = new AhCounter();
  started = false;
  /** Reached by the event being handled (VrrpRouter's flush clears it). */
  touched = false;
  /** Immutable and sent for every advert: made once, not per advert (allocation is GC time). */
  readonly timerEvent: RouterEvent = { type: "timer", instance: this };
  readonly deadlineAction: RouterAction = { type: "deadline", instance: this };
  /** The router's last action list for this instance alone (VrrpRouter.flush returns it again when unchanged). */
  lastFlush: RouterAction[] | undefined;
  private lastAction: Action | undefined;
  private lastWrapped: RouterAction | undefined;

  /** `a` as a router action; the same object for the same action (a master's send-advert every interval). */
  wrap(a: Action): RouterAction {
    if (a !== this.lastAction || this.lastWrapped === undefined) {
      this.lastAction = a;
      this.lastWrapped = { type: "instance", instance: this, action: a };
    }
    return this.lastWrapped;
  }

  constructor(public spec: S) {
    this.vi = new VrrpInstance(spec.config);
    this.oldChecksum = spec.receive.unicastChecksum === "old";
  }

  get name(): string {
    return this.spec.name;
  }

  /** Where each advert goes, in order (made again only when the spec or the checksum form changed). */
  get sendTargets(): readonly SendTarget[] {
    const t = this.targets;
    if (t && t.spec === this.spec && t.old === this.oldChecksum) return t.list;
    this.targets = { spec: this.spec, old: this.oldChecksum, list: sendTargets(this.spec, this.oldChecksum) };
    return this.targets.list;
  }

  /** keepalived's SIGSTATS_CLEAR for this instance: counters start again from zero. */
  clearStats(): void {
    const st = this.vi.stats;
    for (const k of Object.keys(st) as (keyof typeof st)[]) if (k !== "drops") st[k] = 0;
    for (const k of Object.keys(st.drops)) delete st.drops[k as keyof typeof st.drops];
  }
}
