// keepalived's defaulting and cross-checks of a vrrp_instance once its block is read
// (vrrp.c vrrp_complete_instance): family, version, interval, authentication, priority and state,
// preemption, tracked scripts. Returns undefined when the instance has errors.
import type { Family } from "../vrrp/address.js";
import { addressBytes, familyOf, formatAddress, sameAddressBytes, vrrpGroup } from "../vrrp/address.js";
import { advertCapacity, interfaceMtu } from "./advert-capacity.js";
import { isMulticast } from "./global-defs.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { InstanceDraft } from "./instance-draft.js";
import { acceptMode, strictChecks } from "./instance-strict.js";
import type { InstanceSpec, ScriptSpec, TrackFileSpec, TrackProcessSpec } from "./model.js";
import { vmacName } from "./vmac-placement.js";

export function completeInstance(
  ctx: Ctx,
  s: Statement,
  name: string,
  d: InstanceDraft,
  scripts: readonly ScriptSpec[],
  errorsBefore: number,
  trackFiles: readonly TrackFileSpec[] = [],
  trackProcesses: readonly TrackProcessSpec[] = [],
): InstanceSpec | undefined {
  if (!d.iface) ctx.error(s.where, "MISSING_INTERFACE", `vrrp_instance ${name} has no 'interface'`);
  if (d.vrid === undefined && !(s.block ?? []).some((st) => st.keyword === "virtual_router_id")) {
    ctx.error(s.where, "MISSING_VRID", `vrrp_instance ${name} has no 'virtual_router_id' (1..255)`);
  }

  // Family: from unicast/mcast source or the first VIP; VIPs of the other family are d.excluded, as keepalived does.
  const addressFamily = (d.unicastSrcIp && familyOf(d.unicastSrcIp)) || (d.unicastPeers[0] && familyOf(d.unicastPeers[0])) || undefined;
  if (d.nativeIpv6 && addressFamily === 4) ctx.error(d.nativeIpv6, "BAD_VALUE", `${name}: native_ipv6 with IPv4 source or peer addresses`);
  const family: Family = d.nativeIpv6 ? 6 : addressFamily || d.vips[0]?.family || 4;
  // keepalived vrrp_data.c alloc_vrrp_vip: a VIP of the other family is reported and ignored
  // (virtual_ipaddress_excluded takes either family).
  for (const v of d.vips.filter((x) => x.family !== family))
    ctx.warn(
      v.where,
      "VIP_FAMILY",
      `${name}: address family must match the instance (IPv${family}): ${v.address} ignored, as keepalived does; list it under virtual_ipaddress_excluded to have it added`,
    );
  d.vips = d.vips.filter((v) => v.family === family);

  if (family === 6 && d.version === 2) {
    if (d.versionSet) ctx.warn(s.where, "V2_IPV6", `${name}: VRRPv2 cannot carry IPv6; using version 3`);
    d.version = 3;
  }
  let advertIntervalCs = Math.round(d.advertSec * 100);
  if (d.version === 2 && advertIntervalCs % 100 !== 0) {
    const rounded = Math.max(100, Math.round(d.advertSec) * 100);
    ctx.warn(
      d.advertWhere ?? s.where,
      "V2_INTERVAL",
      `${name}: VRRPv2 carries whole seconds; advert_int ${d.advertSec} becomes ${rounded / 100}`,
    );
    advertIntervalCs = rounded;
  }
  if (d.version === 3 && advertIntervalCs > 4095) {
    ctx.warn(d.advertWhere ?? s.where, "V3_INTERVAL", `${name}: VRRPv3 intervals stop at 40.95 s; using 40.95`);
    advertIntervalCs = 4095;
  }
  // vrrp.c vrrp_complete_instance: the addresses an advert on the interface cannot carry are
  // "moved to eVIPs" (added on the master, not advertised), so both kinds put the same list on the
  // wire (keepalived 2.2.7 drops adverts whose count differs from its own). Difference: keepalived
  // reports a configuration error (-t exits non-zero); we warn, so a SIGHUP with the file works.
  if (d.iface) {
    const mtu = interfaceMtu(d.iface);
    const max = advertCapacity(family, d.version, mtu);
    if (d.vips.length > max) {
      const moved = d.vips.splice(max);
      d.excluded.push(...moved);
      ctx.warn(
        s.where,
        "TOO_MANY_VIPS",
        `${name}: ${max + moved.length} virtual addresses, an advert on ${d.iface} (MTU ${mtu}) carries at most ${max}; the last ${moved.length} (${moved[0]!.address}${moved.length > 1 ? " ..." : ""}) are added but not advertised, as virtual_ipaddress_excluded (as keepalived)`,
      );
    }
  }
  strictChecks(ctx, s, name, d);
  // keepalived 2.2.7 vrrp.c vrrp_complete_instance: VRRPv3 needs a VIP (without one keepalived's
  // VRRP process stops at start); VRRPv2 runs with a warning. Strict mode says so itself (instance-strict.ts).
  if (d.vips.length === 0 && !d.strictMode) {
    if (d.version === 3) ctx.error(s.where, "BAD_VALUE", `(${name}) No VIP specified; at least one is required (as keepalived)`);
    else ctx.warn(s.where, "BAD_VALUE", `(${name}) No VIP specified; at least one is sensible (as keepalived)`);
  }
  // vrrp.c vrrp_complete_instance: no type = no authentication; PASS without a password = none.
  if (d.authType && d.version === 3) {
    ctx.warn(d.authType.where, "V3_AUTH", `${name}: VRRPv3 does not support authentication; ignored (as keepalived)`);
    d.authPass = undefined;
  } else if (d.authType && !d.authPass) {
    ctx.warn(
      d.authType.where,
      "AUTH_NO_PASSWORD",
      `${name}: authentication specified but no password given; no authentication is used (as keepalived)`,
    );
    d.authPass = undefined;
  } else if (!d.authType && d.authPass !== undefined) {
    ctx.warn(
      d.authPassWhere ?? s.where,
      "AUTH_NO_TYPE",
      `${name}: auth_pass without auth_type PASS; no authentication is used (as keepalived)`,
    );
    d.authPass = undefined;
  }

  // keepalived's defaulting (vrrp.c vrrp_complete_instance).
  const effPriority = d.priority ?? (d.state === "MASTER" ? 255 : 100);
  let initialState = d.state ?? (effPriority === 255 ? "MASTER" : "BACKUP");
  // vrrp.c vrrp_complete_instance: an AH instance must hear an advert (its sequence number)
  // before it takes over, so only the address owner starts as MASTER.
  if (d.authType?.ah && d.authPass !== undefined && initialState === "MASTER" && effPriority !== 255) {
    ctx.warn(
      s.where,
      "AH_MASTER",
      `${name}: initial state master is incompatible with AH authentication; starting as BACKUP (as keepalived)`,
    );
    initialState = "BACKUP";
  }
  if (effPriority === 255 && d.nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_OWNER", `${name}: nopreempt is incompatible with priority 255; cleared`);
    d.nopreempt = false;
  }
  if (initialState === "MASTER" && d.nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_MASTER", `${name}: nopreempt does not work with initial state MASTER; cleared (as keepalived)`);
    d.nopreempt = false;
  }
  if (initialState === "MASTER" && d.preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_MASTER", `${name}: preempt_delay does not work with initial state MASTER; cleared (as keepalived)`);
    d.preemptDelayMs = 0;
  }
  if (d.nopreempt && d.preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_NOPREEMPT", `${name}: preempt_delay is incompatible with nopreempt; cleared`);
    d.preemptDelayMs = 0;
  }
  for (const t of d.trackScripts) {
    if (!scripts.some((x) => x.name === t.name))
      ctx.warn(t.where, "UNKNOWN_SCRIPT", `${name}: track_script ${t.name} has no vrrp_script; ignored`);
  }
  d.trackScripts = d.trackScripts.filter((t) => scripts.some((x) => x.name === t.name));
  // vrrp_track.c vrrp_alloc_track_file: an unknown track_file is reported and ignored.
  for (const t of d.trackFiles) {
    if (!trackFiles.some((x) => x.name === t.name))
      ctx.warn(t.where, "UNKNOWN_TRACK_FILE", `${name}: track_file ${t.name} has no track_file definition; ignored`);
  }
  d.trackFiles = d.trackFiles.filter((t) => trackFiles.some((x) => x.name === t.name));
  for (const t of d.trackProcesses) {
    if (!trackProcesses.some((x) => x.name === t.name))
      ctx.warn(t.where, "UNKNOWN_TRACK_FILE", `${name}: track_process ${t.name} has no vrrp_track_process; ignored`);
  }
  d.trackProcesses = d.trackProcesses.filter((t) => trackProcesses.some((x) => x.name === t.name));

  const mcastGroup = multicastGroup(ctx, name, d, family);
  // keepalived 2.2.7 vrrp.c vrrp_complete_instance: unicast written but no peer.
  let configFault: string | undefined;
  if (d.unicastConfigured && d.unicastPeers.length === 0) {
    if (d.unicastFaultNoPeer) configFault = `(${name}) Cannot use unicast without any peers - going to fault state`;
    else
      ctx.warn(
        s.where,
        "DEPRECATED",
        `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration. (as keepalived)`,
      );
  }
  // vrrp_parser.c (end of vrrp_instance): unicast_ttl needs peers.
  if (d.unicastTtl !== undefined && d.unicastPeers.length === 0)
    ctx.warn(s.where, "BAD_VALUE", `(${name}): Cannot use unicast_ttl without unicast peers - resetting (as keepalived)`);

  if (ctx.diags.filter((x) => x.severity === "error").length > errorsBefore || !d.iface || d.vrid === undefined) return undefined;
  return {
    name,
    where: s.where,
    interface: d.iface,
    vrid: d.vrid,
    family,
    version: d.version,
    priority: effPriority,
    initialState,
    advertIntervalCs,
    nopreempt: d.nopreempt,
    preemptDelayMs: d.preemptDelayMs,
    ...(d.authPass !== undefined ? { authPass: d.authPass } : {}),
    ...(d.authPass !== undefined && d.authType?.ah ? { authAh: true } : {}),
    vips: d.vips,
    excludedVips: d.excluded,
    ...(d.unicastSrcIp ? { unicastSrcIp: d.unicastSrcIp } : {}),
    unicastPeers: d.unicastPeers,
    unicastPeerTtl: d.unicastPeerTtl,
    checkUnicastSrc: d.checkUnicastSrc,
    dontTrackPrimary: d.dontTrackPrimary,
    ...(d.trackSrcIp && (d.unicastSrcIp || d.mcastSrcIp) ? { trackSrcIp: true } : {}),
    ...(d.unicastTtl !== undefined && d.unicastPeers.length > 0 ? { unicastTtl: d.unicastTtl } : {}),
    ...(configFault ? { configFault } : {}),
    ...(d.notifyDeleted ? { notifyDeleted: true } : {}),
    ...(d.mcastSrcIp ? { mcastSrcIp: d.mcastSrcIp } : {}),
    ...(mcastGroup ? { mcastGroup } : {}),
    accept: acceptMode(d, effPriority),
    ...(d.strictMode ? { strictMode: true } : {}),
    notify: d.notify,
    trackScripts: d.trackScripts,
    trackInterfaces: d.trackInterfaces,
    trackFiles: d.trackFiles,
    trackProcesses: d.trackProcesses,
    virtualRoutes: d.virtualRoutes,
    virtualRules: d.virtualRules,
    garp: d.garp,
    lowerPrioNoAdvert: d.lowerPrioNoAdvert,
    downTimerAdverts: d.downTimerAdverts,
    higherPrioSendAdvert: d.higherPrioSendAdvert,
    ...(d.notifyPriorityChanges !== undefined ? { notifyPriorityChanges: d.notifyPriorityChanges } : {}),
    ...garpExtraIf(d),
    garpLowerPrio: { repeat: d.garpLowerPrioRepeat, delayMs: d.garpLowerPrioDelayMs },
    v3ChecksumAsV2: d.v3ChecksumAsV2,
    unicastChecksum: d.unicastChecksum,
    ...(d.vmac
      ? {
          vmac: {
            // keepalived vrrp.c create_vmac_name: PREFIX.VRID, cut to IFNAMSIZ - 1.
            name: d.vmac.name ?? vmacName(d.vmacPrefix, d.vrid),
            ...(d.vmac.mac ? { mac: d.vmac.mac } : {}),
            xmitBase: d.vmacXmitBase,
          },
        }
      : {}),
    ...(d.vmacAddr ? { useVmacAddr: true } : {}),
  };
}

/**
 * keepalived 2.2.7: mcast_dst_ip (vrrp_parser.c vrrp_mcast_dstip_handler) must be of the instance's
 * family and multicast (link-local scope for IPv6), else it is warned about and skipped; with
 * unicast peers it is ignored (vrrp.c vrrp_complete_instance); otherwise the global
 * vrrp_mcast_group4 / 6 applies. Returns the group when it is not the standard one.
 */
function multicastGroup(ctx: Ctx, name: string, d: InstanceDraft, family: Family): string | undefined {
  let group = family === 4 ? d.mcastGroup4 : d.mcastGroup6;
  if (d.mcastDst) {
    const { address, where } = d.mcastDst;
    const b = addressBytes(address);
    if (familyOf(address) !== family)
      ctx.warn(
        where,
        "BAD_ADDRESS",
        `(${name}) mcast dest address ${address} MUST match VRRP instance family. Skipping... (as keepalived)`,
      );
    else if (family === 4 ? !isMulticast(b) : !(b[0] === 0xff && (b[1]! & 0x0f) === 2))
      ctx.warn(
        where,
        "BAD_ADDRESS",
        `(${name}) mcast_dst_ip ${address} not${family === 6 ? " link-local" : ""} multicast. Skipping... (as keepalived)`,
      );
    else if (d.unicastPeers.length > 0) {
      ctx.warn(where, "BAD_VALUE", `(${name}) multicast destination specified with unicast - ignoring (as keepalived)`);
    } else group = formatAddress(b);
  }
  if (d.unicastPeers.length > 0 || group === undefined) return undefined;
  return sameAddressBytes(addressBytes(group), vrrpGroup(family)) ? undefined : group;
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_instance: without its own garp_extra_if the instance takes
 * global_defs' seconds, and its `all` too; 0 seconds is off. Whether any interface qualifies is
 * decided where the VIPs' interfaces are known (vrrp/garp-extra.ts).
 */
function garpExtraIf(d: InstanceDraft): { garpExtraIf?: { intervalMs: number; all: boolean } } {
  const own = d.garpExtraIfSec !== undefined;
  const sec = own ? d.garpExtraIfSec! : (d.garpExtraIfGlobal.sec ?? 0);
  const all = d.garpExtraIfAll || (!own && d.garpExtraIfGlobal.all);
  return sec > 0 ? { garpExtraIf: { intervalMs: sec * 1000, all } } : {};
}

/**
 * An instance's use_vmac name, unique among the instances before it (keepalived: an explicit name
 * another instance uses is ignored with an error in vrrp_parser.c vrrp_vmac_handler; vrrp.c
 * create_vmac_name then tries PREFIX.VRID, for IPv6 PREFIX6.VRID, then PREFIX1.VRID, 2, ...).
 */
export function uniqueVmacName(ctx: Ctx, inst: InstanceSpec, before: readonly InstanceSpec[], prefix = "vrrp"): InstanceSpec {
  const used = new Set(before.flatMap((i) => (i.vmac ? [i.vmac.name] : [])));
  if (!inst.vmac || !used.has(inst.vmac.name)) return inst;
  const other = before.find((i) => i.vmac?.name === inst.vmac!.name)!;
  if (inst.vmac.name !== vmacName(prefix, inst.vrid))
    ctx.warn(
      inst.where,
      "BAD_VALUE",
      `(${inst.name}) VRRP instance ${other.name} is already using ${inst.vmac.name} - ignoring name (as keepalived)`,
    );
  const order = inst.family === 6 ? [0, 6, 1, 2, 3, 4, 5, 7, 8, 9] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let num = order.find((n) => !used.has(vmacName(prefix, inst.vrid, n)));
  for (let n = 10; num === undefined; n++) if (!used.has(vmacName(prefix, inst.vrid, n))) num = n;
  return { ...inst, vmac: { ...inst.vmac, name: vmacName(prefix, inst.vrid, num) } };
}
