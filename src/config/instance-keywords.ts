// The vrrp_instance keywords, one small handler each (keepalived vrrp/vrrp_parser.c installs them
// with install_keyword). Which keywords exist at all, and their status, is keywords.ts; a handler
// only reads its statement into the draft. Defaults and cross-checks come after, in
// instance-complete.ts (keepalived's vrrp_complete_instance).
import { familyOf } from "../vrrp/address.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { parseTracks, parseVip } from "./conf-sections.js";
import type { InstanceDraft } from "./instance-draft.js";
import { interfaceNameProblem } from "./values.js";
import { parseRoute } from "./route-rule.js";
import { parseRule } from "./rule-line.js";

export type InstanceKeywordHandler = (ctx: Ctx, st: Statement, d: InstanceDraft) => void;

export const INSTANCE_KEYWORDS: Readonly<Record<string, InstanceKeywordHandler>> = {
  // keepalived vrrp_parser.c vrrp_higher_prio_send_advert_handler: bare = true.
  higher_prio_send_advert: (ctx, st, d) => {
    const v = ctx.bool(st);
    if (v !== undefined) d.higherPrioSendAdvert = v;
  },
  // vrrp_parser.c vrrp_garp_lower_prio_rep_handler / _delay_handler (whole seconds).
  garp_lower_prio_repeat: (ctx, st, d) => {
    const v = ctx.int(st, 0, 2 ** 31 - 1);
    if (v !== undefined) d.garpLowerPrioRepeat = v;
  },
  garp_lower_prio_delay: (ctx, st, d) => {
    const v = ctx.int(st, 0, 3600);
    if (v !== undefined) d.garpLowerPrioDelayMs = v * 1000;
  },
  interface: (ctx, st, d) => {
    d.iface = ctx.arg(st, "an interface name");
    const problem = d.iface === undefined ? undefined : interfaceNameProblem(d.iface);
    if (problem) ctx.error(st.where, "BAD_VALUE", problem);
  },
  virtual_router_id: (ctx, st, d) => {
    d.vrid = ctx.int(st, 1, 255);
  },
  priority: (ctx, st, d) => {
    d.priority = ctx.int(st, 1, 255);
  },
  state: (ctx, st, d) => {
    const v = st.args[0];
    if (v === "MASTER" || v === "BACKUP") d.state = v;
    else ctx.error(st.where, "BAD_VALUE", `'state' expects MASTER or BACKUP, got ${JSON.stringify(v)}`);
  },
  version: (ctx, st, d) => {
    const v = ctx.int(st, 2, 3);
    if (v === 2 || v === 3) {
      d.version = v;
      d.versionSet = true;
    }
  },
  advert_int: (ctx, st, d) => {
    const v = ctx.num(st, 0.01, 255);
    if (v !== undefined) {
      d.advertSec = v;
      d.advertWhere = st.where;
    }
  },
  nopreempt: (ctx, st, d) => {
    d.nopreempt = true;
  },
  preempt: (ctx, st, d) => {
    d.nopreempt = false;
  },
  preempt_delay: (ctx, st, d) => {
    const v = ctx.num(st, 0, 1000);
    if (v !== undefined) d.preemptDelayMs = Math.round(v * 1000);
  },
  authentication: (ctx, st, d) => {
    // keepalived vrrp_parser.c vrrp_auth_type_handler / vrrp_auth_pass_handler: auth_type sets
    // the type, auth_pass takes only its first word; vrrp.c vrrp_complete_instance then turns
    // authentication off when the type is missing (NONE) or the password is empty.
    for (const a of st.block ?? []) {
      if (ctx.gate(a, "vrrp_instance > authentication", "authentication")) continue;
      if (a.keyword === "auth_type") {
        if (a.args[0] !== "PASS" && a.args[0] !== "AH")
          ctx.error(a.where, "BAD_VALUE", `auth_type expects PASS or AH, got ${JSON.stringify(a.args[0])}`);
        else d.authType = { where: a.where, ah: a.args[0] === "AH" };
      } else if (a.keyword === "auth_pass") {
        d.authPass = a.args[0] ?? "";
        d.authPassWhere = a.where;
        if (a.args.length > 1)
          ctx.warn(
            a.where,
            "AUTH_PASS_WORDS",
            `auth_pass takes one word; only ${JSON.stringify(d.authPass)} is the password, ${JSON.stringify(a.args.slice(1).join(" "))} is ignored (as keepalived); quote it to keep the blank`,
          );
        if (Buffer.byteLength(d.authPass) > 8)
          ctx.warn(a.where, "AUTH_PASS_TRUNCATED", "auth_pass is longer than 8 bytes; only the first 8 are used (as keepalived does)");
      } else ctx.unhandled(a, "vrrp_instance > authentication");
    }
  },
  virtual_ipaddress: (ctx, st, d) => {
    for (const v of st.block ?? []) {
      const vip = parseVip(ctx, v);
      if (vip) d.vips.push(vip);
    }
  },
  virtual_ipaddress_excluded: (ctx, st, d) => {
    for (const v of st.block ?? []) {
      const vip = parseVip(ctx, v);
      if (vip) d.excluded.push(vip);
    }
  },
  unicast_src_ip: (ctx, st, d) => {
    // keepalived (vrrp_parser.c vrrp_srcip_handler, inet_stosockaddr) accepts ADDR/PREFIX and
    // ignores the prefix.
    const v = ctx.arg(st, "an address");
    const addr = v?.split("/")[0];
    if (v && (!addr || !familyOf(addr) || !/^(\/\d{1,3})?$/.test(v.slice(addr.length))))
      ctx.error(st.where, "BAD_ADDRESS", `${st.keyword} expects an IP address, got ${JSON.stringify(v)}`);
    else if (st.keyword === "unicast_src_ip") d.unicastSrcIp = addr;
    else d.mcastSrcIp = addr;
  },
  mcast_src_ip: (ctx, st, d) => INSTANCE_KEYWORDS.unicast_src_ip!(ctx, st, d),
  unicast_peer: (ctx, st, d) => {
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
      d.unicastPeers.push(addr);
      d.unicastPeerTtl.push(ttl);
    }
  },
  check_unicast_src: (ctx, st, d) => {
    d.checkUnicastSrc = true;
  },
  dont_track_primary: (ctx, st, d) => {
    d.dontTrackPrimary = true;
  },
  accept: (ctx, st, d) => {
    d.accept = true;
  },
  no_accept: (ctx, st, d) => {
    d.accept = false;
  },
  // vrrp_parser.c vrrp_strict_mode_handler: bare = true.
  strict_mode: (ctx, st, d) => {
    const v = ctx.bool(st);
    if (v !== undefined) d.strictMode = v;
  },
  track_script: (ctx, st, d) => {
    d.trackScripts = parseTracks(ctx, st);
  },
  track_interface: (ctx, st, d) => {
    d.trackInterfaces = parseTracks(ctx, st);
  },
  // vrrp_parser.c vrrp_vroutes_handler / vrrp_vrules_handler: one `ip route` / `ip rule` line each.
  virtual_routes: (ctx, st, d) => {
    for (const l of st.block ?? []) {
      const r = parseRoute(ctx, l);
      if (r) d.virtualRoutes.push(r);
    }
  },
  virtual_rules: (ctx, st, d) => {
    for (const l of st.block ?? []) {
      const r = parseRule(ctx, l, ctx.rulePriorities);
      if (r) d.virtualRules.push(r);
    }
  },
  // vrrp_parser.c vrrp_track_process_handler: NAME [weight -254..254 [reverse|noreverse]].
  track_process: (ctx, st, d) => {
    d.trackProcesses = parseTracks(ctx, st, 254);
  },
  // vrrp_parser.c vrrp_track_file_handler -> vrrp_alloc_track_file: NAME [weight -254..254 [reverse|noreverse]].
  track_file: (ctx, st, d) => {
    d.trackFiles = parseTracks(ctx, st, 254);
  },
  lower_prio_no_advert: (ctx, st, d) => {
    d.lowerPrioNoAdvert = st.args[0] !== "false";
  },
  down_timer_adverts: (ctx, st, d) => {
    const v = ctx.int(st, 1, 100);
    if (v !== undefined) d.downTimerAdverts = v;
  },
  v3_checksum_as_v2: (ctx, st, d) => {
    d.v3ChecksumAsV2 = true;
  },
  old_unicast_checksum: (ctx, st, d) => {
    // vrrp_parser.c vrrp_unicast_chksum_handler: bare = always the old form (224.0.0.18 in the
    // pseudo-header), `never` = never switch to it; default: switch when a peer uses it.
    if (st.args[0] === undefined) d.unicastChecksum = "old";
    else if (st.args[0] === "never") d.unicastChecksum = "never";
    else ctx.warn(st.where, "BAD_VALUE", `unknown old_unicast_checksum mode ${JSON.stringify(st.args[0])}; ignored (as keepalived)`);
  },
  native_ipv6: (ctx, st, d) => {
    // vrrp_parser.c vrrp_native_ipv6_handler: IPv6 and VRRPv3 whatever the addresses say.
    d.nativeIpv6 = st.where;
  },
};
