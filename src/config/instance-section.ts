// vrrp_instance (keepalived vrrp/vrrp_parser.c, defaults from vrrp.c vrrp_complete_instance).
import { familyOf, type Family } from "../vrrp/address.js";
import type { GarpSettings } from "../vrrp/instance.js";
import type { Version } from "../vrrp/packet.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { parseNotify, parseTracks, parseVip } from "./conf-sections.js";
import type { Location } from "./errors.js";
import { parseGarp, type InstanceDefaults } from "./global-defs.js";
import { interfaceNameProblem } from "./values.js";
import type { InstanceSpec, NotifyScripts, ScriptSpec, TrackRef, UnicastChecksum, VipSpec } from "./model.js";

export function parseInstance(
  ctx: Ctx,
  s: Statement,
  defaultVersion: Version,
  garpDefaults: GarpSettings,
  scripts: ScriptSpec[],
  defaults: InstanceDefaults,
): InstanceSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_instance needs a name");
    return undefined;
  }
  const errorsBefore = ctx.diags.filter((d) => d.severity === "error").length;
  let iface: string | undefined;
  let vrid: number | undefined;
  let priority: number | undefined;
  let state: "MASTER" | "BACKUP" | undefined;
  let version: Version = defaultVersion;
  let versionSet = false;
  let advertSec = 1;
  let advertWhere: Location | undefined;
  let nopreempt = false;
  let preemptDelayMs = 0;
  let authPass: string | undefined;
  let authPassWhere: Location | undefined;
  let authType: { where: Location } | undefined;
  let unicastChecksum: UnicastChecksum = "auto";
  let vips: VipSpec[] = [];
  const excluded: VipSpec[] = [];
  let unicastSrcIp: string | undefined;
  const unicastPeers: string[] = [];
  const unicastPeerTtl: { min: number; max: number }[] = [];
  let checkUnicastSrc = false;
  let dontTrackPrimary = false;
  let mcastSrcIp: string | undefined;
  let accept = false;
  const notify: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] } = {};
  let trackScripts: TrackRef[] = [];
  let trackInterfaces: TrackRef[] = [];
  const garp = { ...garpDefaults };
  let lowerPrioNoAdvert = defaults.lowerPrioNoAdvert;
  let downTimerAdverts = defaults.downTimerAdverts;
  let nativeIpv6: Location | undefined;
  let v3ChecksumAsV2 = false;
  const where = (st: Statement) => st.where;

  for (const st of s.block ?? []) {
    if (ctx.gate(st, "vrrp_instance", `vrrp_instance ${name}`)) continue;
    if (parseNotify(ctx, st, notify)) continue;
    switch (st.keyword) {
      case "interface": {
        iface = ctx.arg(st, "an interface name");
        const problem = iface === undefined ? undefined : interfaceNameProblem(iface);
        if (problem) ctx.error(st.where, "BAD_VALUE", problem);
        break;
      }
      case "virtual_router_id":
        vrid = ctx.int(st, 1, 255);
        break;
      case "priority":
        priority = ctx.int(st, 1, 255);
        break;
      case "state": {
        const v = st.args[0];
        if (v === "MASTER" || v === "BACKUP") state = v;
        else ctx.error(where(st), "BAD_VALUE", `'state' expects MASTER or BACKUP, got ${JSON.stringify(v)}`);
        break;
      }
      case "version": {
        const v = ctx.int(st, 2, 3);
        if (v === 2 || v === 3) {
          version = v;
          versionSet = true;
        }
        break;
      }
      case "advert_int": {
        const v = ctx.num(st, 0.01, 255);
        if (v !== undefined) {
          advertSec = v;
          advertWhere = st.where;
        }
        break;
      }
      case "nopreempt":
        nopreempt = true;
        break;
      case "preempt":
        nopreempt = false;
        break;
      case "preempt_delay": {
        const v = ctx.num(st, 0, 1000);
        if (v !== undefined) preemptDelayMs = Math.round(v * 1000);
        break;
      }
      case "authentication":
        // keepalived vrrp_parser.c vrrp_auth_type_handler / vrrp_auth_pass_handler: auth_type sets
        // the type, auth_pass takes only its first word; vrrp.c vrrp_complete_instance then turns
        // authentication off when the type is missing (NONE) or the password is empty.
        for (const a of st.block ?? []) {
          if (ctx.gate(a, "vrrp_instance > authentication", "authentication")) continue;
          if (a.keyword === "auth_type") {
            if (a.args[0] === "AH") ctx.error(a.where, "UNSUPPORTED_AUTH", "auth_type AH (IPsec-AH) is not supported; use PASS or none");
            else if (a.args[0] !== "PASS")
              ctx.error(a.where, "BAD_VALUE", `auth_type expects PASS or AH, got ${JSON.stringify(a.args[0])}`);
            else authType = { where: a.where };
          } else if (a.keyword === "auth_pass") {
            authPass = a.args[0] ?? "";
            authPassWhere = a.where;
            if (a.args.length > 1)
              ctx.warn(
                a.where,
                "AUTH_PASS_WORDS",
                `auth_pass takes one word; only ${JSON.stringify(authPass)} is the password, ${JSON.stringify(a.args.slice(1).join(" "))} is ignored (as keepalived); quote it to keep the blank`,
              );
            if (Buffer.byteLength(authPass) > 8)
              ctx.warn(a.where, "AUTH_PASS_TRUNCATED", "auth_pass is longer than 8 bytes; only the first 8 are used (as keepalived does)");
          } else ctx.unhandled(a, "vrrp_instance > authentication");
        }
        break;
      case "virtual_ipaddress":
        for (const v of st.block ?? []) {
          const vip = parseVip(ctx, v);
          if (vip) vips.push(vip);
        }
        break;
      case "virtual_ipaddress_excluded":
        for (const v of st.block ?? []) {
          const vip = parseVip(ctx, v);
          if (vip) excluded.push(vip);
        }
        break;
      case "unicast_src_ip":
      case "mcast_src_ip": {
        // keepalived (vrrp_parser.c vrrp_srcip_handler, inet_stosockaddr) accepts ADDR/PREFIX and
        // ignores the prefix.
        const v = ctx.arg(st, "an address");
        const addr = v?.split("/")[0];
        if (v && (!addr || !familyOf(addr) || !/^(\/\d{1,3})?$/.test(v.slice(addr.length))))
          ctx.error(st.where, "BAD_ADDRESS", `${st.keyword} expects an IP address, got ${JSON.stringify(v)}`);
        else if (st.keyword === "unicast_src_ip") unicastSrcIp = addr;
        else mcastSrcIp = addr;
        break;
      }
      case "unicast_peer":
        // vrrp_data.c alloc_unicast_peer: ADDR [min_ttl N] [max_ttl N], checked only with check_unicast_src.
        for (const p of st.block ?? []) {
          const addr = p.keyword.split("/")[0] ?? "";
          if (!familyOf(addr) || !/^(\/\d{1,3})?$/.test(p.keyword.slice(addr.length))) {
            ctx.error(p.where, "BAD_ADDRESS", `unicast_peer expects IP addresses, got ${JSON.stringify(p.keyword)}`);
            continue;
          }
          const ttl = { min: 0, max: 255 };
          for (let i = 0; i < p.args.length; i += 2) {
            const opt = p.args[i];
            const v = p.args[i + 1];
            if ((opt === "min_ttl" || opt === "max_ttl") && v !== undefined && /^\d+$/.test(v) && Number(v) <= 255)
              ttl[opt === "min_ttl" ? "min" : "max"] = Number(v);
            else
              ctx.error(
                p.where,
                "BAD_VALUE",
                `unicast_peer ${addr}: expected 'min_ttl N' or 'max_ttl N' (0..255), got ${JSON.stringify(p.args.slice(i, i + 2).join(" "))}`,
              );
          }
          if (ttl.min > ttl.max)
            ctx.warn(
              p.where,
              "TTL_RANGE_EMPTY",
              `unicast_peer ${addr}: min_ttl ${ttl.min} > max_ttl ${ttl.max}; with check_unicast_src every advert from it is dropped (as keepalived)`,
            );
          unicastPeers.push(addr);
          unicastPeerTtl.push(ttl);
        }
        break;
      case "check_unicast_src":
        checkUnicastSrc = true;
        break;
      case "dont_track_primary":
        dontTrackPrimary = true;
        break;
      case "accept":
        accept = true;
        break;
      case "no_accept":
        accept = false;
        break;
      case "track_script":
        trackScripts = parseTracks(ctx, st);
        break;
      case "track_interface":
        trackInterfaces = parseTracks(ctx, st);
        break;
      case "lower_prio_no_advert":
        lowerPrioNoAdvert = st.args[0] !== "false";
        break;
      case "down_timer_adverts": {
        const v = ctx.int(st, 1, 100);
        if (v !== undefined) downTimerAdverts = v;
        break;
      }
      case "v3_checksum_as_v2":
        v3ChecksumAsV2 = true;
        break;
      case "old_unicast_checksum":
        // vrrp_parser.c vrrp_unicast_chksum_handler: bare = always the old form (224.0.0.18 in the
        // pseudo-header), `never` = never switch to it; default: switch when a peer uses it.
        if (st.args[0] === undefined) unicastChecksum = "old";
        else if (st.args[0] === "never") unicastChecksum = "never";
        else ctx.warn(st.where, "BAD_VALUE", `unknown old_unicast_checksum mode ${JSON.stringify(st.args[0])}; ignored (as keepalived)`);
        break;
      case "native_ipv6":
        // vrrp_parser.c vrrp_native_ipv6_handler: IPv6 and VRRPv3 whatever the addresses say.
        nativeIpv6 = st.where;
        break;
      default:
        if (!parseGarp(ctx, st, garp, "")) ctx.unhandled(st, "vrrp_instance");
    }
  }

  if (!iface) ctx.error(s.where, "MISSING_INTERFACE", `vrrp_instance ${name} has no 'interface'`);
  if (vrid === undefined && !(s.block ?? []).some((st) => st.keyword === "virtual_router_id")) {
    ctx.error(s.where, "MISSING_VRID", `vrrp_instance ${name} has no 'virtual_router_id' (1..255)`);
  }

  // Family: from unicast/mcast source or the first VIP; VIPs of the other family are excluded, as keepalived does.
  const addressFamily = (unicastSrcIp && familyOf(unicastSrcIp)) || (unicastPeers[0] && familyOf(unicastPeers[0])) || undefined;
  if (nativeIpv6 && addressFamily === 4) ctx.error(nativeIpv6, "BAD_VALUE", `${name}: native_ipv6 with IPv4 source or peer addresses`);
  const family: Family = nativeIpv6 ? 6 : addressFamily || vips[0]?.family || 4;
  // keepalived vrrp_data.c alloc_vrrp_vip: a VIP of the other family is reported and ignored
  // (virtual_ipaddress_excluded takes either family).
  for (const v of vips.filter((x) => x.family !== family))
    ctx.warn(
      v.where,
      "VIP_FAMILY",
      `${name}: address family must match the instance (IPv${family}): ${v.address} ignored, as keepalived does; list it under virtual_ipaddress_excluded to have it added`,
    );
  vips = vips.filter((v) => v.family === family);
  if (vips.length > 255) ctx.error(s.where, "TOO_MANY_VIPS", `${name}: ${vips.length} virtual addresses, at most 255 fit in an advert`);

  if (family === 6 && version === 2) {
    if (versionSet) ctx.warn(s.where, "V2_IPV6", `${name}: VRRPv2 cannot carry IPv6; using version 3`);
    version = 3;
  }
  let advertIntervalCs = Math.round(advertSec * 100);
  if (version === 2 && advertIntervalCs % 100 !== 0) {
    const rounded = Math.max(100, Math.round(advertSec) * 100);
    ctx.warn(
      advertWhere ?? s.where,
      "V2_INTERVAL",
      `${name}: VRRPv2 carries whole seconds; advert_int ${advertSec} becomes ${rounded / 100}`,
    );
    advertIntervalCs = rounded;
  }
  if (version === 3 && advertIntervalCs > 4095) {
    ctx.warn(advertWhere ?? s.where, "V3_INTERVAL", `${name}: VRRPv3 intervals stop at 40.95 s; using 40.95`);
    advertIntervalCs = 4095;
  }
  // vrrp.c vrrp_complete_instance: no type = no authentication; PASS without a password = none.
  if (authType && version === 3) {
    ctx.warn(authType.where, "V3_AUTH", `${name}: VRRPv3 does not support authentication; ignored (as keepalived)`);
    authPass = undefined;
  } else if (authType && !authPass) {
    ctx.warn(
      authType.where,
      "AUTH_NO_PASSWORD",
      `${name}: authentication specified but no password given; no authentication is used (as keepalived)`,
    );
    authPass = undefined;
  } else if (!authType && authPass !== undefined) {
    ctx.warn(
      authPassWhere ?? s.where,
      "AUTH_NO_TYPE",
      `${name}: auth_pass without auth_type PASS; no authentication is used (as keepalived)`,
    );
    authPass = undefined;
  }

  // keepalived's defaulting (vrrp.c vrrp_complete_instance).
  const effPriority = priority ?? (state === "MASTER" ? 255 : 100);
  const initialState = state ?? (effPriority === 255 ? "MASTER" : "BACKUP");
  if (effPriority === 255 && nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_OWNER", `${name}: nopreempt is incompatible with priority 255; cleared`);
    nopreempt = false;
  }
  if (initialState === "MASTER" && nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_MASTER", `${name}: nopreempt does not work with initial state MASTER; cleared (as keepalived)`);
    nopreempt = false;
  }
  if (initialState === "MASTER" && preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_MASTER", `${name}: preempt_delay does not work with initial state MASTER; cleared (as keepalived)`);
    preemptDelayMs = 0;
  }
  if (nopreempt && preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_NOPREEMPT", `${name}: preempt_delay is incompatible with nopreempt; cleared`);
    preemptDelayMs = 0;
  }
  for (const t of trackScripts) {
    if (!scripts.some((x) => x.name === t.name))
      ctx.warn(t.where, "UNKNOWN_SCRIPT", `${name}: track_script ${t.name} has no vrrp_script; ignored`);
  }
  trackScripts = trackScripts.filter((t) => scripts.some((x) => x.name === t.name));

  if (ctx.diags.filter((d) => d.severity === "error").length > errorsBefore || !iface || vrid === undefined) return undefined;
  return {
    name,
    where: s.where,
    interface: iface,
    vrid,
    family,
    version,
    priority: effPriority,
    initialState,
    advertIntervalCs,
    nopreempt,
    preemptDelayMs,
    ...(authPass !== undefined ? { authPass } : {}),
    vips,
    excludedVips: excluded,
    ...(unicastSrcIp ? { unicastSrcIp } : {}),
    unicastPeers,
    unicastPeerTtl,
    checkUnicastSrc,
    dontTrackPrimary,
    ...(mcastSrcIp ? { mcastSrcIp } : {}),
    accept,
    notify,
    trackScripts,
    trackInterfaces,
    garp,
    lowerPrioNoAdvert,
    downTimerAdverts,
    v3ChecksumAsV2,
    unicastChecksum,
  };
}
