// The vrrp_instance keywords, one small handler each (keepalived vrrp/vrrp_parser.c installs them
// with install_keyword). Which keywords exist at all, and their status, is keywords.ts; a handler
// only reads its statement into the draft. Defaults and cross-checks come after, in
// instance-complete.ts (keepalived's vrrp_complete_instance).
import { familyOf } from "../vrrp/address.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { parseTracks, parseVip } from "./conf-sections.js";
import type { InstanceDraft } from "./instance-draft.js";
import { interfaceNameProblem, readGarpExtraIf } from "./values.js";
import { parseRoute } from "./route-rule.js";
import { parseRule } from "./rule-line.js";

export type InstanceKeywordHandler = (ctx: Ctx, st: Statement, d: InstanceDraft) => void;

function garpExtraIf(ctx: Ctx, st: Statement, d: InstanceDraft): void {
  const k = st.keyword;
  const n = d.name ?? "";
  if (k === "vmac_garp_intvl")
    ctx.warn(st.where, "DEPRECATED", `Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if" (as keepalived)`);
  const r = readGarpExtraIf(st.args, 0);
  if (r.all) d.garpExtraIfAll = true;
  if (r.problem === "invalid") ctx.warn(st.where, "BAD_VALUE", `(${n}): ${k} '${r.bad}' invalid - ignoring (as keepalived)`);
  else if (r.problem === "no-time") ctx.warn(st.where, "BAD_VALUE", `(${n}): ${k} specified without time - ignoring (as keepalived)`);
  else d.garpExtraIfSec = r.sec;
}

export const INSTANCE_KEYWORDS: Readonly<Record<string, InstanceKeywordHandler>> = {
  // keepalived vrrp_parser.c vrrp_higher_prio_send_advert_handler: bare = true.
  higher_prio_send_advert: (ctx, st, d) => {
    const v = ctx.bool(st);
    if (v !== undefined) d.higherPrioSendAdvert = v;
  },
  // keepalived 2.2.7 vrrp_parser.c vrrp_notify_priority_changes_handler: bare = true; unset, the
  // sync group's, else the global vrrp_notify_priority_changes (vrrp.c vrrp_complete_instance).
  notify_priority_changes: (ctx, st, d) => {
    const v = ctx.bool(st);
    if (v !== undefined) d.notifyPriorityChanges = v;
  },
  // keepalived 2.2.7 vrrp_parser.c vrrp_garp_extra_if_handler (vmac_garp_intvl: deprecated alias).
  garp_extra_if: garpExtraIf,
  vmac_garp_intvl: garpExtraIf,
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
  // keepalived 2.2.7 vrrp_parser.c vrrp_prio_handler: an invalid priority is warned about and the
  // default (100) is used; the instance still runs.
  priority: (ctx, st, d) => {
    const v = st.args[0];
    if (v !== undefined && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 255) d.priority = Number(v);
    else {
      ctx.warn(
        st.where,
        "BAD_VALUE",
        `(${d.name}) Priority not valid! must be between 1 & 255. Using default 100 (as keepalived; got ${v === undefined ? "nothing" : JSON.stringify(v)})`,
      );
      d.priority = 100;
    }
  },
  // keepalived 2.2.7 vrrp_parser.c vrrp_state_handler: any word but MASTER/BACKUP (SLAVE, EQUAL, a
  // template's leftover) is warned about and read as BACKUP; BACKUP after MASTER is ignored.
  state: (ctx, st, d) => {
    const v = st.args[0];
    if (v === "MASTER") d.state = v;
    else if (v === "BACKUP") {
      if (d.state === "MASTER")
        ctx.warn(st.where, "BAD_VALUE", `(${d.name}) state previously set as MASTER - ignoring BACKUP (as keepalived)`);
      else d.state = v;
    } else {
      ctx.warn(st.where, "BAD_VALUE", `(${d.name}) unknown state '${v ?? ""}', defaulting to BACKUP (as keepalived)`);
      d.state = "BACKUP";
    }
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
        // vrrp_parser.c vrrp_auth_type_handler: an unknown type is warned about and leaves the
        // type unset, so the instance runs without authentication (vrrp_complete_instance).
        if (a.args[0] !== "PASS" && a.args[0] !== "AH")
          ctx.warn(a.where, "BAD_VALUE", `(${d.name}) unknown authentication type '${a.args[0] ?? ""}' (as keepalived: no authentication)`);
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
  // keepalived 2.2.7 vrrp_parser.c vrrp_track_srcip_handler (VRRP_FLAG_TRACK_SADDR); cleared by
  // vrrp.c vrrp_complete_instance when no source address is configured.
  // keepalived 2.2.7 vrrp_parser.c vrrp_ttl_handler: 0..255, else warned about and ignored.
  unicast_ttl: (ctx, st, d) => {
    const v = st.args[0];
    if (v !== undefined && /^\d+$/.test(v) && Number(v) <= 255) d.unicastTtl = Number(v);
    else ctx.warn(st.where, "BAD_VALUE", `(${d.name}): TTL '${v ?? ""}' not valid - must be between 0 & 255 (as keepalived)`);
  },
  // vrrp_parser.c vrrp_unicast_fault_no_peer: with no unicast_peer the instance is in FAULT
  // instead of falling back to multicast (vrrp.c vrrp_complete_instance).
  unicast_fault_no_peer: (ctx, st, d) => {
    d.unicastConfigured = true;
    d.unicastFaultNoPeer = true;
  },
  // keepalived 2.2.7 vrrp_parser.c vrrp_notify_deleted_handler: `notify_deleted [SCRIPT]`; twice is
  // warned about and ignored.
  notify_deleted: (ctx, st, d) => {
    if (d.notifyDeleted) {
      ctx.warn(st.where, "BAD_VALUE", `(${d.name}) notify_deleted already specified - ignoring ${st.args[0] ?? ""} (as keepalived)`);
      return;
    }
    d.notifyDeleted = true;
    const [command, user, group] = st.args;
    if (command) d.notify.deleted = { command, where: st.where, ...(user ? { user } : {}), ...(group ? { group } : {}) };
  },
  track_src_ip: (ctx, st, d) => {
    d.trackSrcIp = true;
  },
  // keepalived 2.2.7 vrrp_parser.c vrrp_mcast_dstip_handler: a malformed address is warned about
  // and skipped; the family and multicast checks come with the instance's family (instance-complete.ts).
  mcast_dst_ip: (ctx, st, d) => {
    const v = st.args[0] ?? "";
    if (!familyOf(v)) ctx.warn(st.where, "BAD_ADDRESS", `(${d.name}) malformed mcast dest address ${v}. Skipping... (as keepalived)`);
    else d.mcastDst = { address: v, where: st.where };
  },
  unicast_peer: (ctx, st, d) => {
    d.unicastConfigured = true;
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
  // vrrp_parser.c vrrp_vmac_handler: up to two arguments, a name and/or a MAC (it has a ':').
  // A bare `use_vmac false` names the interface "false" there too.
  use_vmac: (ctx, st, d) => {
    const v: NonNullable<InstanceDraft["vmac"]> = d.vmac ?? { where: st.where };
    d.vmac = v;
    for (const a of st.args.slice(0, 2)) {
      if (a.includes(":")) {
        const bytes = a.split(":").map((x) => (/^[0-9a-fA-F]{1,2}$/.test(x) ? parseInt(x, 16) : NaN));
        if (v.mac) ctx.warn(st.where, "BAD_VALUE", "VMAC interface address already specified; ignored (as keepalived)");
        else if (bytes.length !== 6 || bytes.some(Number.isNaN))
          ctx.warn(st.where, "BAD_VALUE", `VMAC invalid MAC address ${a} - ignored (as keepalived)`);
        else if (bytes[0]! & 1) ctx.warn(st.where, "BAD_VALUE", `VMAC MAC address is multicast ${a} - ignoring (as keepalived)`);
        else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x5e && bytes[3] === 0 && (bytes[4] === 1 || bytes[4] === 2))
          ctx.warn(st.where, "BAD_VALUE", `VMAC MAC address not allowed to be RFC5798 address (${a}) - ignoring (as keepalived)`);
        else v.mac = Uint8Array.from(bytes);
      } else {
        const problem = interfaceNameProblem(a);
        if (v.name) ctx.warn(st.where, "BAD_VALUE", "VMAC interface name already specified; ignored (as keepalived)");
        else if (problem)
          ctx.warn(st.where, "BAD_VALUE", `VMAC interface name '${a}' too long or invalid characters - ignoring (${problem})`);
        else v.name = a;
      }
    }
  },
  vmac_xmit_base: (ctx, st, d) => {
    d.vmacXmitBase = true;
  },
  // vrrp_parser.c vrrp_vmac_addr_handler: a flag; vrrp.c vrrp_complete_instance makes the macvlans.
  use_vmac_addr: (ctx, st, d) => {
    d.vmacAddr = true;
  },
  native_ipv6: (ctx, st, d) => {
    // vrrp_parser.c vrrp_native_ipv6_handler: IPv6 and VRRPv3 whatever the addresses say.
    d.nativeIpv6 = st.where;
  },
};
