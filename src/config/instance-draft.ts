// A vrrp_instance while its block is read: every keyword handler fills a field, then
// completeInstance (instance-complete.ts) applies keepalived's defaults and checks.
import type { GarpSettings } from "../vrrp/instance.js";
import type { Version } from "../vrrp/packet.js";
import type { Location } from "./errors.js";
import type { InstanceDefaults } from "./global-defs.js";
import type { NotifyScripts, RouteSpec, RuleSpec, TrackRef, UnicastChecksum, VipSpec } from "./model.js";

export interface InstanceDraft {
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
  mcastSrcIp?: string;
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
  garpLowerPrioRepeat: number;
  garpLowerPrioDelayMs: number;
  nativeIpv6?: Location;
  v3ChecksumAsV2: boolean;
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
  };
}
