// A vrrp_instance while its block is read: every keyword handler fills a field, then
// completeInstance (instance-complete.ts) applies keepalived's defaults and checks.
import type { GarpSettings } from "../vrrp/instance-types.js";
import type { UnicastChecksum, Version } from "../vrrp/packet.js";
import type { Location } from "./errors.js";
import type { InstanceDefaults } from "./global-defs.js";
import type { NotifyScripts, TrackRef, VipSpec } from "./model.js";
import type { RouteSpec, RuleSpec } from "./route-rule.js";

export interface InstanceDraft {
  /** The instance's name, for keepalived's "(NAME) ..." messages. */
  name?: string;
  iface?: string;
  vrid?: number;
  priority?: number;
  state?: "MASTER" | "BACKUP";
  version: Version;
  versionSet: boolean;
  advertSec: number;
  advertWhere?: Location;
  nopreempt: boolean;
  preemptDelayMs: number;
  authPass?: string;
  authPassWhere?: Location;
  authType?: { where: Location; ah?: boolean };
  unicastChecksum: UnicastChecksum;
  vips: VipSpec[];
  excluded: VipSpec[];
  unicastSrcIp?: string;
  unicastPeers: string[];
  unicastPeerTtl: { min: number; max: number }[];
  checkUnicastSrc: boolean;
  dontTrackPrimary: boolean;
  trackSrcIp?: boolean;
  unicastTtl?: number;
  /** unicast_peer or unicast_fault_no_peer was written (keepalived VRRP_FLAG_UNICAST_CONFIGURED). */
  unicastConfigured?: boolean;
  unicastFaultNoPeer?: boolean;
  notifyDeleted?: boolean;
  mcastSrcIp?: string;
  /** mcast_dst_ip, with where it was written. */
  mcastDst?: { address: string; where: Location };
  /** The global vrrp_mcast_group4 / 6 (instanceDefaults). */
  mcastGroup4?: string;
  mcastGroup6?: string;
  /** Unset: acceptMode() decides (instance-strict.ts). */
  accept?: boolean;
  strictMode: boolean;
  notify: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] };
  trackScripts: TrackRef[];
  trackInterfaces: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  virtualRoutes: RouteSpec[];
  virtualRules: RuleSpec[];
  garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] };
  lowerPrioNoAdvert: boolean;
  downTimerAdverts: number;
  higherPrioSendAdvert: boolean;
  /** notify_priority_changes; undefined: the sync group's, else the global one. */
  notifyPriorityChanges?: boolean;
  /** garp_extra_if seconds; undefined: global_defs' (keepalived TIME_T_PARAMETER_UNSET). */
  garpExtraIfSec?: number;
  garpExtraIfAll: boolean;
  /** global_defs' vrrp_garp_extra_if, for an instance without its own. */
  garpExtraIfGlobal: { sec?: number; all: boolean };
  garpLowerPrioRepeat: number;
  garpLowerPrioDelayMs: number;
  nativeIpv6?: Location;
  v3ChecksumAsV2: boolean;
  vmac?: { name?: string; mac?: Uint8Array; where: Location };
  vmacXmitBase: boolean;
  /** use_vmac_addr (vrrp_parser.c vrrp_vmac_addr_handler). */
  vmacAddr?: boolean;
  /** global vmac_prefix, for the default name. */
  vmacPrefix: string;
}

export function newDraft(version: Version, garp: GarpSettings, defaults: InstanceDefaults): InstanceDraft {
  return {
    version,
    versionSet: false,
    advertSec: 1,
    nopreempt: false,
    preemptDelayMs: 0,
    unicastChecksum: "auto",
    vips: [],
    excluded: [],
    unicastPeers: [],
    unicastPeerTtl: [],
    checkUnicastSrc: false,
    dontTrackPrimary: false,
    strictMode: defaults.strict ?? false,
    notify: {},
    trackScripts: [],
    trackInterfaces: [],
    trackFiles: [],
    trackProcesses: [],
    virtualRoutes: [],
    virtualRules: [],
    garp: { ...garp },
    lowerPrioNoAdvert: defaults.lowerPrioNoAdvert,
    downTimerAdverts: defaults.downTimerAdverts,
    higherPrioSendAdvert: defaults.higherPrioSendAdvert,
    // keepalived vrrp.c: unset = the global garp_master repeat and delay (not the instance's).
    garpLowerPrioRepeat: defaults.garpLowerPrioRepeat ?? garp.masterRepeat,
    garpLowerPrioDelayMs: defaults.garpLowerPrioDelayMs ?? garp.masterDelayMs,
    v3ChecksumAsV2: false,
    garpExtraIfAll: false,
    garpExtraIfGlobal: {
      ...(defaults.garpExtraIfSec !== undefined ? { sec: defaults.garpExtraIfSec } : {}),
      all: defaults.garpExtraIfAll ?? false,
    },
    ...(defaults.mcastGroup4 ? { mcastGroup4: defaults.mcastGroup4 } : {}),
    ...(defaults.mcastGroup6 ? { mcastGroup6: defaults.mcastGroup6 } : {}),
    vmacXmitBase: false,
    vmacPrefix: defaults.vmacPrefix ?? "vrrp",
  };
}
