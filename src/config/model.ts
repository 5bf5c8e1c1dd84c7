// The one configuration model the daemon runs from, whether it came from keepalived.conf
// (keepalived-conf.ts) or from OPENSHIFT_HA_* variables.
import type { Family } from "../vrrp/address.js";
import type { GarpSettings } from "../vrrp/instance-types.js";
import type { UnicastChecksum, Version } from "../vrrp/packet.js";
import type { Location } from "./errors.js";
import type { RouteSpec, RuleSpec } from "./route-rule.js";
import type { FirewallSettings } from "../netfilter/vip-block.js";

export interface VipSpec {
  /** Address without prefix, as written. */
  readonly address: string;
  /** The address parsed once at load (4 or 16 bytes); nothing downstream parses the text again. */
  readonly bytes: Uint8Array;
  readonly family: Family;
  /** keepalived: /32 or /128 when not given. */
  readonly prefix: number;
  /** Interface the VIP lives on: `dev`, else the instance's interface. */
  readonly dev?: string;
  readonly label?: string;
  /** Address scope name (global, site, link, host) as keepalived accepts. */
  readonly scope?: string;
  /** IPv4 broadcast address (`brd ADDR`, or `brd +` for the prefix's last address). */
  readonly broadcast?: string;
  /** `peer ADDR`: point-to-point remote (IFA_ADDRESS). */
  readonly peer?: string;
  /** IFA_F_* flags keepalived's options set: home, mngtmpaddr, noprefixroute, autojoin; `-nodad` clears nodad. */
  readonly flags?: {
    readonly home?: boolean;
    readonly mngtmpaddr?: boolean;
    readonly noprefixroute?: boolean;
    readonly autojoin?: boolean;
    readonly dad?: boolean;
  };
  /** `no_track`: deleted by someone else, it is not put back. */
  readonly noTrack?: boolean;
  /**
   * `use_vmac` on the address: it lives on a macvlan with the VRRP MAC made on its interface, as
   * with use_vmac_addr (kept only where keepalived keeps it: src/config/vmac-placement.ts).
   */
  readonly useVmac?: boolean;
  /** Seconds, or forever; IPv6 VIPs default to 0 (deprecated: not chosen as a source), as keepalived. */
  readonly preferredLft?: number | "forever";
  readonly where: Location;
}

export interface TrackRef {
  readonly name: string;
  /** undefined: keepalived's default (0 for scripts: FAULT on failure). */
  readonly weight?: number;
  /** `weight N reverse`: the contribution is negated; with weight 0, FAULT while the tracker is OK. */
  readonly reverse?: boolean;
  readonly where: Location;
}

/** `notify_* COMMAND [USER [GROUP]]` (keepalived core/notify.c notify_script_init). */
export interface NotifyScript {
  /** The command line (quoted in the file when it has arguments); split without a shell. */
  readonly command: string;
  readonly user?: string;
  readonly group?: string;
  readonly where: Location;
}

export interface NotifyScripts {
  readonly master?: NotifyScript;
  readonly backup?: NotifyScript;
  readonly fault?: NotifyScript;
  readonly stop?: NotifyScript;
  /** notify_deleted [SCRIPT]: run when a reload deletes the instance (keepalived vrrp_notify_deleted_handler). */
  readonly deleted?: NotifyScript;
  /** notify_master_rx_lower_pri: run each time a master hears a lower-priority advert. */
  readonly masterRxLowerPri?: NotifyScript;
  /** Generic `notify`: called with TYPE NAME STATE PRIORITY. */
  readonly generic?: NotifyScript;
}

export interface InstanceSpec {
  readonly name: string;
  readonly where: Location;
  readonly interface: string;
  readonly vrid: number;
  readonly family: Family;
  readonly version: Version;
  /** After keepalived's defaulting: state MASTER without priority = 255, else 100. */
  readonly priority: number;
  readonly initialState: "MASTER" | "BACKUP";
  readonly advertIntervalCs: number;
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  readonly authPass?: string;
  /** auth_type AH: keepalived's IPsec-AH (HMAC-MD5-96 keyed with authPass) instead of PASS. */
  readonly authAh?: boolean;
  readonly vips: readonly VipSpec[];
  readonly excludedVips: readonly VipSpec[];
  readonly unicastSrcIp?: string;
  readonly unicastPeers: readonly string[];
  /** Per peer (same order): accepted TTL / hop limit range when the source is checked. */
  readonly unicastPeerTtl: readonly { readonly min: number; readonly max: number }[];
  /** keepalived `check_unicast_src` / global `vrrp_check_unicast_src`: drop unicast adverts from non-peers. */
  readonly checkUnicastSrc: boolean;
  /** keepalived `dont_track_primary`: the instance's own interface going down is not a FAULT. */
  readonly dontTrackPrimary: boolean;
  /**
   * keepalived `track_src_ip`: the instance is in FAULT while its configured source address
   * (unicast_src_ip / mcast_src_ip) is not on the interface. Without a configured source it is off.
   */
  readonly trackSrcIp?: boolean;
  /** keepalived `unicast_ttl`: IPv4 TTL / IPv6 hop limit of unicast adverts (default 255). */
  readonly unicastTtl?: number;
  /**
   * Why the instance runs in FAULT for good (keepalived vrrp.c vrrp_complete_instance,
   * num_config_faults): `unicast_fault_no_peer` with no unicast_peer.
   */
  readonly configFault?: string;
  /**
   * keepalived `notify_deleted`: an instance a reload deletes is notified as DELETED; without it
   * as FAULT (unless it was already in FAULT), keepalived's old way (vrrp.c clear_diff_vrrp).
   */
  readonly notifyDeleted?: boolean;
  readonly mcastSrcIp?: string;
  /**
   * The multicast destination when it is not the standard group (224.0.0.18 / ff02::12):
   * mcast_dst_ip, else global_defs vrrp_mcast_group4 / 6. Unset for unicast instances.
   */
  readonly mcastGroup?: string;
  /** Accept mode after keepalived's defaulting: off, a master that is not the owner drops VIP traffic (src/netfilter). */
  readonly accept: boolean;
  /** strict_mode / global vrrp_strict (keepalived's RFC-compliance checks, instance-strict.ts). */
  readonly strictMode?: boolean;
  readonly notify: NotifyScripts;
  readonly trackScripts: readonly TrackRef[];
  readonly trackInterfaces: readonly TrackRef[];
  /** track_file entries: weight/reverse from the entry, else the track_file's own. */
  readonly trackFiles: readonly TrackRef[];
  /** track_process entries: weight/reverse from the entry, else the vrrp_track_process's own. */
  readonly trackProcesses: readonly TrackRef[];
  /** virtual_routes / virtual_rules: installed while MASTER, after the VIPs; removed before them. */
  readonly virtualRoutes: readonly RouteSpec[];
  readonly virtualRules: readonly RuleSpec[];
  readonly garp: GarpSettings;
  readonly lowerPrioNoAdvert: boolean;
  readonly downTimerAdverts: number;
  /** higher_prio_send_advert; tsvrrpd's default is on (keepalived's off): a documented difference. */
  readonly higherPrioSendAdvert: boolean;
  /**
   * notify_priority_changes: a MASTER_PRIORITY / BACKUP_PRIORITY line goes to the notify FIFOs at
   * each effective priority change. Set in the instance, else its sync group's, else the global
   * vrrp_notify_priority_changes (resolved by keepalived-conf.ts).
   */
  readonly notifyPriorityChanges?: boolean;
  /**
   * garp_extra_if / vrrp_garp_extra_if: while MASTER, every intervalMs, a gratuitous ARP / NA on
   * each other interface holding a VIP (non-VMAC ones only with `all`).
   */
  readonly garpExtraIf?: { readonly intervalMs: number; readonly all: boolean };
  /** garp_lower_prio_repeat / garp_lower_prio_delay (keepalived: the global vrrp_garp_master_repeat / _delay). */
  readonly garpLowerPrio: { readonly repeat: number; readonly delayMs: number };
  readonly v3ChecksumAsV2: boolean;
  /** VRRPv3 IPv4 unicast pseudo-header destination (keepalived `old_unicast_checksum`). */
  readonly unicastChecksum: UnicastChecksum;
  /** use_vmac: a macvlan with the VRRP MAC holds the VIPs (src/daemon/vmacs.ts). */
  readonly vmac?: VmacSpec;
  /**
   * use_vmac_addr: the VIPs on other interfaces than `interface` (or of the other family) go on a
   * macvlan with the VRRP MAC made on their interface, one per interface and family
   * (src/config/vmac-placement.ts).
   */
  readonly addrVmacs?: readonly AddrVmacSpec[];
  /** use_vmac_addr was given (addrVmacs is resolved from it across instances, keepalived-conf.ts). */
  readonly useVmacAddr?: boolean;
}

/** A use_vmac_addr macvlan (keepalived vrrp.c vrrp_complete_instance's "dummy vrrp_instance"). */
export interface AddrVmacSpec {
  /** global vmac_addr_prefix, else vmac_prefix, else "vrrp", then .VRID (vrrp.c create_vmac_name). */
  readonly name: string;
  /** The VIPs' interface the macvlan is made on. */
  readonly base: string;
  readonly family: Family;
  /** 00:00:5e:00:01:VRID (IPv6 :02:), or the MAC given to use_vmac. */
  readonly mac: Uint8Array;
}

/** keepalived vrrp_parser.c vrrp_vmac_handler / vrrp_vmac_xmit_base_handler. */
export interface VmacSpec {
  /** The macvlan's name: configured, else `vmac_prefix`.VRID (keepalived vrrp.c create_vmac_name). */
  readonly name: string;
  /** A configured MAC; else 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID). */
  readonly mac?: Uint8Array;
  /** vmac_xmit_base: adverts go out of the base interface; the VIPs stay on the macvlan. */
  readonly xmitBase: boolean;
  /** The configured interface, once the daemon has moved `interface` onto the macvlan. */
  readonly base?: string;
}

export interface ScriptSpec {
  readonly name: string;
  readonly where: Location;
  /** The command line as written; split into argv by the script runner, never given to a shell. */
  readonly script: string;
  /** A native TCP connect instead of a script (OpenShift's default check; port 0 = always OK). */
  readonly tcp?: { readonly host: string; readonly port: number };
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly weight: number;
  /** `weight N reverse` in the vrrp_script (the default for its track_script entries). */
  readonly weightReverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly user?: string;
  readonly group?: string;
  readonly initFail: boolean;
}

/** `track_file NAME { file PATH; weight N [reverse]; init_file [N] [overwrite] }` (keepalived track_file.c). */
export interface TrackFileSpec {
  readonly name: string;
  readonly where: Location;
  /** Absolute path; the directory is watched (inotify), the file read when written, moved or deleted. */
  readonly path: string;
  /** keepalived's default is 1: the file's number is added to the priority. */
  readonly weight: number;
  readonly weightReverse: boolean;
  /** init_file: write VALUE at start if the file is missing (or always, with overwrite; not on reload). */
  readonly init?: { readonly value: number; readonly overwrite: boolean };
}

/** `vrrp_track_process NAME { process PATH [ARGS]; ... }` (keepalived vrrp_parser.c vrrp_tprocess_*). */
export interface TrackProcessSpec {
  readonly name: string;
  readonly where: Location;
  /** comm (15 characters at most), or with fullCommand the command line's first word. */
  readonly process: string;
  readonly params: readonly string[];
  /** none: the name only; exact / initial / partial: parameters too (param_match). */
  readonly paramMatch: "none" | "exact" | "initial" | "partial";
  readonly fullCommand: boolean;
  readonly weight: number;
  readonly weightReverse: boolean;
  /** Up while quorum <= matching processes <= quorumMax (defaults 1 and unlimited). */
  readonly quorum: number;
  readonly quorumMax: number;
  /** A loss of quorum is reported this long after it happens, unless it comes back (terminate_delay / delay). */
  readonly terminateDelayMs: number;
  /** A gain of quorum is reported this long after it happens (fork_delay / delay). */
  readonly forkDelayMs: number;
}

export interface SyncGroupSpec {
  readonly name: string;
  readonly where: Location;
  readonly members: readonly string[];
  readonly notify: NotifyScripts;
  /** sync_group_tracking_weight (or global_tracking): members keep their weighted trackers. */
  readonly trackingWeight: boolean;
  /** notify_priority_changes in the group: its members' default. */
  readonly notifyPriorityChanges?: boolean;
  /** track_* in the group: every member tracks them, weights kept (keepalived sync_group_tracking_init). */
  readonly tracks?: {
    readonly scripts: readonly TrackRef[];
    readonly interfaces: readonly TrackRef[];
    readonly files: readonly TrackRef[];
    readonly processes: readonly TrackRef[];
  };
}

/** `notify_fifo` / `vrrp_notify_fifo PATH [USER [GROUP]]` with its `*_script` (keepalived lib/notify.c fifo_open). */
export interface NotifyFifoSpec {
  readonly keyword: "notify_fifo" | "vrrp_notify_fifo";
  readonly path: string;
  /** Owner of a FIFO the daemon creates: this user, else the default script user (keepalived). */
  readonly user?: string;
  readonly group?: string;
  /** Started once the FIFO is open, with the FIFO's path as its last argument; stopped with the daemon. */
  readonly script?: NotifyScript;
  readonly where: Location;
}

/**
 * global_defs `startup_script` / `shutdown_script COMMAND [USER [GROUP]]` with its `*_timeout`
 * (keepalived 2.2.7 core/global_parser.c startup_shutdown_script): run by the launcher before VRRP
 * starts and after it has stopped (src/daemon/start-stop-scripts.ts).
 */
export interface StartStopScript extends NotifyScript {
  /** startup_script_timeout / shutdown_script_timeout: 1..1000 s, default 10. */
  readonly timeoutSec: number;
}

export interface GlobalSpec {
  readonly routerId?: string;
  /** net_namespace: the daemon enters /run/netns/NAME at start (src/daemon/netns.ts). */
  readonly netNamespace?: string;
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly enableScriptSecurity: boolean;
  /** keepalived `vrrp_check_unicast_src` (global default for check_unicast_src). */
  readonly checkUnicastSrc?: boolean;
  /** vrrp_garp_interval / vrrp_gna_interval (ms between gratuitous ARP / NA rounds; 0 = back to back). */
  readonly garpIntervalMs?: number;
  readonly gnaIntervalMs?: number;
  /** vrrp_startup_delay: instances start this long after the daemon. */
  readonly startupDelayMs?: number;
  /** vrrp_priority: the event loop thread's nice value, -20..19 (keepalived lib/process.c set_process_priority). */
  readonly vrrpPriority?: number;
  /** vrrp_no_swap: the process's memory locked (keepalived lib/process.c set_process_dont_swap). */
  readonly vrrpNoSwap?: boolean;
  /** vrrp_rt_priority: SCHED_RR at this priority, 1..99, for the event loop's thread (keepalived set_process_priorities). */
  readonly vrrpRtPriority?: number;
  /** vrrp_rlimit_rttime (µs, keepalived's default 10000): half of it is RLIMIT_RTTIME's soft limit when vrrp_rt_priority is set. */
  readonly vrrpRlimitRtUs?: number;
  /** HTTP listener for /metrics, /healthz, /status (tsvrrpd extension `http_listen ADDR:PORT`). */
  readonly httpListen?: string;
  /** notify_fifo and vrrp_notify_fifo: each gets every `INSTANCE "VI_1" MASTER 100` line. */
  readonly notifyFifos?: readonly NotifyFifoSpec[];
  /** startup_script: once, before any instance starts (never on reload). */
  readonly startupScript?: StartStopScript;
  /** shutdown_script: once, after every instance has stopped and its VIPs are gone (the latest reload's). */
  readonly shutdownScript?: StartStopScript;
  /** fifo_write_vrrp_states_on_reload: after a SIGHUP every instance's and group's state is written again. */
  readonly fifoWriteStatesOnReload?: boolean;
  /** enable_snmp_vrrp (KEEPALIVED-MIB), enable_snmp_rfcv3 (VRRPv3-MIB), enable_traps, snmp_socket. */
  readonly snmp?: { readonly vrrp: boolean; readonly rfcv3: boolean; readonly traps: boolean; readonly socket?: string };
  /** nftables, nftables_priority, nftables_counters, nftables_ifindex (vrrp_iptables reads as nftables). */
  readonly firewall?: FirewallSettings;
}

/**
 * garp_group (keepalived 2.2.7 vrrp_parser.c garp_group_*_handler, vrrp_if.c set_garp_delay): the
 * GARP / NA spacing of the interfaces named, instead of global_defs vrrp_garp_interval /
 * vrrp_gna_interval. A group with neither interval is removed at parse time.
 */
export interface GarpGroupSpec {
  readonly garpIntervalMs?: number;
  readonly gnaIntervalMs?: number;
  readonly interfaces: readonly string[];
  readonly where: Location;
}

/** interface_up_down_delays: one interface's delays (microseconds, keepalived's unit). */
export interface LinkDelaySpec {
  readonly ifname: string;
  readonly downUs: number;
  readonly upUs: number;
  readonly where: Location;
}

export interface DaemonConfig {
  readonly global: GlobalSpec;
  readonly instances: readonly InstanceSpec[];
  readonly scripts: readonly ScriptSpec[];
  readonly syncGroups: readonly SyncGroupSpec[];
  readonly trackFiles: readonly TrackFileSpec[];
  readonly trackProcesses: readonly TrackProcessSpec[];
  /** static_routes / static_rules: installed at start whatever the VRRP state, removed at stop. */
  readonly staticRoutes: readonly RouteSpec[];
  readonly staticRules: readonly RuleSpec[];
  /** garp_group: per-interface GARP / NA spacing (absent or empty: the global intervals everywhere). */
  readonly garpGroups?: readonly GarpGroupSpec[];
  /** interface_up_down_delays, already limited by each instance's down timer. */
  readonly linkDelays?: readonly LinkDelaySpec[];
  /** Files read, main file first (includes after). */
  readonly files: readonly string[];
}
