// The configuration model turned, once per load, into the one resolved spec per instance that
// the router and everything downstream read: addresses as bytes, VIPs resolved, tracker weights,
// the reload key, the advert encoder's fields and auth bytes. Nothing downstream re-parses strings
// or goes back to the model by name.
import type { DaemonConfig, InstanceSpec, VipSpec } from "../config/model.js";
import { addressBytes } from "../vrrp/address.js";
import type { InstanceConfig } from "../vrrp/instance-types.js";
import { AUTH_AH, AUTH_NONE, AUTH_PASS, passwordBytes, type AdvertFields } from "../vrrp/packet.js";
import type { LinkDelay } from "../vrrp/link-debounce.js";
import { announceGapMs } from "./garp-spacing.js";
import type { RouterConfig, RouterInstance, RouterInstanceSpec, RouterVip } from "../vrrp/router-types.js";

/**
 * One instance, resolved: what the router runs (RouterInstanceSpec) plus what the daemon does for
 * it. The router keeps it as its instance's `spec` (a reload's kept instance gets the new one),
 * so the daemon reads `ri.spec` and never looks an instance up again by name.
 */
export interface ResolvedInstance extends RouterInstanceSpec {
  /** The parsed configuration entry (notify scripts, routes, rules, vmac, garp settings...). */
  readonly model: InstanceSpec;
  /** virtual_ipaddress then virtual_ipaddress_excluded, resolved. */
  readonly vips: readonly ResolvedVip[];
  /** The advert encoder's fields but its source and destination (which the binding decides). */
  readonly advert: Omit<AdvertFields, "src" | "dst">;
}

/** A router instance as the daemon holds it. */
export type DaemonInstance = RouterInstance<ResolvedInstance>;

/** A VIP resolved once; the router matches address deletions against it (RouterVip: bytes, ifname, noTrack). */
export interface ResolvedVip extends RouterVip {
  readonly spec: VipSpec;
  /** virtual_ipaddress_excluded: added and removed with the VIPs, never in the advert. */
  readonly excluded: boolean;
  /** `brd` and `peer`, parsed once here rather than at every add and remove. */
  readonly broadcast?: Uint8Array;
  readonly peer?: Uint8Array;
}

function resolveVips(spec: InstanceSpec): ResolvedVip[] {
  const resolve = (v: VipSpec, excluded: boolean): ResolvedVip => ({
    spec: v,
    ifname: v.dev ?? spec.interface,
    bytes: v.bytes,
    noTrack: v.noTrack === true,
    excluded,
    ...(v.broadcast ? { broadcast: addressBytes(v.broadcast) } : {}),
    ...(v.peer ? { peer: addressBytes(v.peer) } : {}),
  });
  return [...spec.vips.map((v) => resolve(v, false)), ...spec.excludedVips.map((v) => resolve(v, true))];
}

/** keepalived matches instances across reloads by these, not by name. */
export function instanceKey(s: InstanceSpec): string {
  return [s.vrid, s.family, s.interface, s.unicastSrcIp ?? "", s.unicastPeers.length > 0 ? "unicast" : (s.mcastGroup ?? "multicast")].join(
    "/",
  );
}

/** unicast_src_ip, else mcast_src_ip (keepalived's order), if the file names one. */
export function configuredAddress(spec: InstanceSpec): Uint8Array | undefined {
  const configured = spec.unicastSrcIp ?? spec.mcastSrcIp;
  return configured ? addressBytes(configured) : undefined;
}

/** The configured source address, else zeros until the interface has one (the router is told). */
function configuredSource(spec: InstanceSpec): Uint8Array {
  return configuredAddress(spec) ?? new Uint8Array(spec.family === 4 ? 4 : 16);
}

export function instanceConfig(spec: InstanceSpec, primaryAddress: Uint8Array): InstanceConfig {
  return {
    name: spec.name,
    vrid: spec.vrid,
    version: spec.version,
    family: spec.family,
    priority: spec.priority,
    advertIntervalCs: spec.advertIntervalCs,
    vips: spec.vips.map((v) => v.bytes),
    primaryAddress,
    initialState: spec.initialState,
    nopreempt: spec.nopreempt,
    preemptDelayMs: spec.preemptDelayMs,
    authType: spec.authPass === undefined ? AUTH_NONE : spec.authAh ? AUTH_AH : AUTH_PASS,
    authKey: passwordBytes(spec.authPass ?? ""),
    garp: spec.garp,
    lowerPrioNoAdvert: spec.lowerPrioNoAdvert,
    downTimerAdverts: spec.downTimerAdverts,
    higherPrioSendAdvert: spec.higherPrioSendAdvert,
    garpLowerPrio: spec.garpLowerPrio,
    ...(spec.notifyPriorityChanges ? { notifyPriorityChanges: true } : {}),
    ...(spec.garpExtraIf ? { garpExtraIfMs: spec.garpExtraIf.intervalMs } : {}),
  };
}

export function resolveInstance(config: DaemonConfig, spec: InstanceSpec): ResolvedInstance {
  const instance = instanceConfig(spec, configuredSource(spec));
  const vips = resolveVips(spec);
  // Each VIP interface's GARP / NA spacing (garp-spacing.ts), once per interface, in VIP order.
  const garpSpacing = [...new Set(vips.map((v) => v.ifname))].map((ifname) => ({ ifname, gapMs: announceGapMs(config, ifname) }));
  return {
    name: spec.name,
    key: instanceKey(spec),
    interface: spec.interface,
    model: spec,
    vips,
    advert: {
      version: spec.version,
      family: spec.family,
      vrid: spec.vrid,
      addresses: vips.filter((v) => !v.excluded).map((v) => v.bytes),
      authType: instance.authType,
      authKey: instance.authKey,
      v3ChecksumAsV2: spec.v3ChecksumAsV2,
    },
    config: { ...instance, ...(garpSpacing.some((g) => g.gapMs > 0) ? { garpSpacing } : {}) },
    tracksRoutes: spec.virtualRoutes.some((r) => !r.noTrack) || spec.virtualRules.some((r) => !r.noTrack),
    receive: {
      version: spec.version,
      unicastPeers: spec.unicastPeers.map((p) => addressBytes(p)),
      peerTtl: spec.unicastPeerTtl,
      checkUnicastSrc: spec.checkUnicastSrc,
      unicastChecksum: spec.unicastChecksum,
      v3ChecksumAsV2: spec.v3ChecksumAsV2,
      ...(spec.mcastGroup ? { multicastGroup: addressBytes(spec.mcastGroup) } : {}),
      ...(spec.authAh && spec.authPass !== undefined ? { ahKey: instance.authKey } : {}),
    },
    trackChecks: spec.trackScripts.map((t) => {
      const script = config.scripts.find((x) => x.name === t.name);
      // vrrp_track.c: the entry's weight and reverse/noreverse, else the vrrp_script's own.
      return { name: t.name, weight: t.weight ?? script?.weight ?? 0, reverse: t.reverse ?? script?.weightReverse ?? false };
    }),
    trackLinks: spec.trackInterfaces.map((t) => ({ name: t.name, weight: t.weight ?? 0, reverse: t.reverse ?? false })),
    trackProcesses: spec.trackProcesses.map((t) => {
      const p = config.trackProcesses.find((x) => x.name === t.name);
      return { name: t.name, weight: t.weight ?? p?.weight ?? 0, reverse: t.reverse ?? p?.weightReverse ?? false };
    }),
    trackFiles: spec.trackFiles.map((t) => {
      const file = config.trackFiles.find((x) => x.name === t.name);
      // track_file.c vrrp_alloc_track_file: the entry's weight and reverse, else the track_file's.
      return { name: t.name, weight: t.weight ?? file?.weight ?? 1, reverse: t.reverse ?? file?.weightReverse ?? false };
    }),
    dontTrackPrimary: spec.dontTrackPrimary,
    ...(spec.configFault ? { configFault: spec.configFault } : {}),
  };
}

export function routerConfig(config: DaemonConfig): RouterConfig<ResolvedInstance> {
  return {
    instances: config.instances.map((s) => resolveInstance(config, s)),
    syncGroups: config.syncGroups.map((g) => ({ name: g.name, members: g.members })),
    linkDelays: linkDelays(config),
  };
}

/**
 * interface_up_down_delays in ms by interface name; a use_vmac macvlan takes its base interface's
 * (keepalived 2.2.7 vrrp.c vrrp_complete_instance: "The VMAC uses the same up/down debounce delays
 * as its parent interface").
 */
function linkDelays(config: DaemonConfig): ReadonlyMap<string, LinkDelay> {
  const out = new Map<string, LinkDelay>();
  for (const d of config.linkDelays ?? [])
    if (d.downUs > 0 || d.upUs > 0) out.set(d.ifname, { downMs: d.downUs / 1000, upMs: d.upUs / 1000 });
  for (const i of config.instances) {
    const base = i.vmac?.base ? out.get(i.vmac.base) : undefined;
    if (base) out.set(i.interface, base);
  }
  return out;
}

/** The same instance settings, wherever in the files they were written (a reload's "changed?"). */
export function sameSpec(a: InstanceSpec, b: InstanceSpec): boolean {
  const strip = (s: InstanceSpec) =>
    JSON.stringify({
      ...s,
      where: undefined,
      vips: s.vips.map((v) => ({ ...v, where: undefined })),
      excludedVips: s.excludedVips.map((v) => ({ ...v, where: undefined })),
      trackScripts: s.trackScripts.map((t) => ({ ...t, where: undefined })),
      trackInterfaces: s.trackInterfaces.map((t) => ({ ...t, where: undefined })),
      trackFiles: s.trackFiles.map((t) => ({ ...t, where: undefined })),
      trackProcesses: s.trackProcesses.map((t) => ({ ...t, where: undefined })),
      virtualRoutes: s.virtualRoutes.map((r) => ({ ...r, where: undefined })),
      virtualRules: s.virtualRules.map((r) => ({ ...r, where: undefined })),
    });
  return strip(a) === strip(b);
}
