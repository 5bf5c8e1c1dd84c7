// global_defs (keepalived core/global_parser.c): daemon-wide settings and the defaults every
// instance starts from.
import { addressBytes, familyOf, formatAddress } from "../vrrp/address.js";
import { DEFAULT_GARP, type GarpSettings } from "../vrrp/instance-types.js";
import type { Version } from "../vrrp/packet.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { GlobalSpec, NotifyFifoSpec, NotifyScript } from "./model.js";
import { parseStartStopScript, startStopScripts, type StartStopDraft } from "./start-stop-scripts.js";
import { listenProblem, readGarpExtraIf } from "./values.js";
import { firewallSettings, newFirewallDraft, parseFirewallGlobal } from "./firewall-defs.js";

/** What global_defs sets for every instance that does not say otherwise. */
export interface InstanceDefaults {
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  /** vrrp_higher_prio_send_advert; tsvrrpd defaults to true (keepalived: false). */
  higherPrioSendAdvert: boolean;
  /** vrrp_garp_lower_prio_repeat / _delay; unset: the global garp_master repeat / delay, as keepalived (vrrp.c). */
  garpLowerPrioRepeat?: number;
  garpLowerPrioDelayMs?: number;
  /** vrrp_strict: every instance's strict_mode unless it says otherwise. */
  strict?: boolean;
  /** vrrp_mcast_group4 / vrrp_mcast_group6: the multicast destination of every multicast instance. */
  mcastGroup4?: string;
  mcastGroup6?: string;
  /** vmac_prefix: the default use_vmac name is PREFIX.VRID (keepalived: "vrrp"). */
  vmacPrefix?: string;
  /** vmac_addr_prefix: use_vmac_addr's macvlans are PREFIX.VRID (keepalived: vmac_prefix, else "vrrp"). */
  vmacAddrPrefix?: string;
  /** vrrp_notify_priority_changes: the default of instances and sync groups that do not say. */
  notifyPriorityChanges?: boolean;
  /** vrrp_garp_extra_if: the seconds and `all` of instances without garp_extra_if. */
  garpExtraIfSec?: number;
  garpExtraIfAll?: boolean;
}

/** What an instance inherits before global_defs says anything (tsvrrpd's defaults). */
export function instanceDefaults(): InstanceDefaults {
  return { downTimerAdverts: 3, lowerPrioNoAdvert: false, higherPrioSendAdvert: true };
}

export function parseGlobal(
  ctx: Ctx,
  s: Statement,
  garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] },
  defaults: InstanceDefaults,
): { global: GlobalSpec; version?: Version } {
  const g: { -readonly [K in keyof GlobalSpec]: GlobalSpec[K] } = { enableScriptSecurity: false };
  let version: Version | undefined;
  const fifos = new Map<NotifyFifoSpec["keyword"], { -readonly [K in keyof NotifyFifoSpec]: NotifyFifoSpec[K] }>();
  const fifoScripts = new Map<NotifyFifoSpec["keyword"], { script: NotifyScript; where: Statement["where"] }>();
  const fw = newFirewallDraft();
  const startStop: StartStopDraft = {};
  for (const st of s.block ?? []) {
    if (ctx.gate(st, "global_defs")) continue;
    switch (st.keyword) {
      // global_parser.c notify_fifo / notify_fifo_script: PATH|COMMAND [USER [GROUP]], first one wins.
      case "notify_fifo":
      case "vrrp_notify_fifo": {
        const path = ctx.arg(st, "a FIFO path");
        if (path === undefined) break;
        if (fifos.has(st.keyword)) {
          ctx.warn(st.where, "BAD_VALUE", `${st.keyword} already specified; ${JSON.stringify(path)} ignored (as keepalived)`);
          break;
        }
        if (!path.startsWith("/")) {
          ctx.error(st.where, "BAD_VALUE", `${st.keyword} expects an absolute path, got ${JSON.stringify(path)}`);
          break;
        }
        fifos.set(st.keyword, {
          keyword: st.keyword,
          path,
          where: st.where,
          ...(st.args[1] ? { user: st.args[1] } : {}),
          ...(st.args[2] ? { group: st.args[2] } : {}),
        });
        break;
      }
      case "notify_fifo_script":
      case "vrrp_notify_fifo_script": {
        const command = ctx.arg(st, "a command");
        if (command === undefined) break;
        const key = st.keyword === "notify_fifo_script" ? "notify_fifo" : "vrrp_notify_fifo";
        if (fifoScripts.has(key)) ctx.warn(st.where, "BAD_VALUE", `${st.keyword} already specified; ignored (as keepalived)`);
        else
          fifoScripts.set(key, {
            where: st.where,
            script: { command, where: st.where, ...(st.args[1] ? { user: st.args[1] } : {}), ...(st.args[2] ? { group: st.args[2] } : {}) },
          });
        break;
      }
      case "fifo_write_vrrp_states_on_reload":
        g.fifoWriteStatesOnReload = true;
        break;
      // global_parser.c: enable_snmp_vrrp (enable_snmp_keepalived is its old name), enable_snmp_rfc
      // (both RFC MIBs), enable_snmp_rfcv3, enable_traps, snmp_socket.
      case "enable_snmp_vrrp":
      case "enable_snmp_keepalived":
        if (st.keyword === "enable_snmp_keepalived")
          ctx.warn(
            st.where,
            "DEPRECATED",
            "enable_snmp_keepalived is deprecated, please use enable_snmp_vrrp (as keepalived says); read as enable_snmp_vrrp",
          );
        g.snmp = { ...snmpDefaults(g.snmp), vrrp: true };
        break;
      case "enable_snmp_rfc":
      case "enable_snmp_rfcv2":
        ctx.warn(
          st.where,
          "PARTIAL",
          `'${st.keyword}': the RFC 2787 VRRP-MIB is not served (VRRPv3-MIB is, with enable_snmp_rfcv3)${st.keyword === "enable_snmp_rfc" ? "; the VRRPv3-MIB part is enabled" : ""}`,
        );
        if (st.keyword === "enable_snmp_rfc") g.snmp = { ...snmpDefaults(g.snmp), rfcv3: true };
        break;
      case "enable_snmp_rfcv3":
        g.snmp = { ...snmpDefaults(g.snmp), rfcv3: true };
        break;
      case "enable_traps":
        g.snmp = { ...snmpDefaults(g.snmp), traps: true };
        break;
      case "snmp_socket": {
        const v = ctx.arg(st, "an AgentX socket (unix:PATH or tcp:HOST:PORT)");
        if (v !== undefined) g.snmp = { ...snmpDefaults(g.snmp), socket: v };
        break;
      }
      case "router_id":
        g.routerId = ctx.arg(st, "a name");
        break;
      case "script_user":
        g.scriptUser = ctx.arg(st, "a user name");
        if (st.args[1]) g.scriptGroup = st.args[1];
        break;
      case "enable_script_security":
        g.enableScriptSecurity = true;
        break;
      case "vrrp_check_unicast_src":
        g.checkUnicastSrc = true;
        break;
      case "vrrp_garp_interval":
      case "vrrp_gna_interval": {
        const v = ctx.num(st, 0, 1000);
        if (v !== undefined) g[st.keyword === "vrrp_garp_interval" ? "garpIntervalMs" : "gnaIntervalMs"] = v * 1000;
        break;
      }
      case "vrrp_min_garp":
        // global_parser.c vrrp_min_garp_handler: one ARP/NA, no refresh, no delayed second burst,
        // for whatever is still at its default.
        if (ctx.bool(st)) {
          if (garp.masterRepeat === DEFAULT_GARP.masterRepeat) garp.masterRepeat = 1;
          if (garp.masterDelayMs === DEFAULT_GARP.masterDelayMs) garp.masterDelayMs = 0;
        }
        break;
      case "vrrp_down_timer_adverts": {
        const v = ctx.int(st, 1, 100);
        if (v !== undefined) defaults.downTimerAdverts = v;
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_notify_priority_changes: bare = true.
      case "vrrp_notify_priority_changes": {
        const v = ctx.bool(st);
        if (v !== undefined) defaults.notifyPriorityChanges = v;
        break;
      }
      case "vrrp_lower_prio_no_advert": {
        const v = ctx.bool(st);
        if (v !== undefined) defaults.lowerPrioNoAdvert = v;
        break;
      }
      // keepalived global_parser.c vrrp_higher_prio_send_advert_handler, vrrp_garp_lower_prio_*_handler.
      case "vrrp_higher_prio_send_advert": {
        const v = ctx.bool(st);
        if (v !== undefined) defaults.higherPrioSendAdvert = v;
        break;
      }
      case "vrrp_garp_lower_prio_repeat": {
        const v = ctx.int(st, 0, 2 ** 31 - 1);
        if (v !== undefined) defaults.garpLowerPrioRepeat = v;
        break;
      }
      case "vrrp_garp_lower_prio_delay": {
        const v = ctx.int(st, 0, 3600);
        if (v !== undefined) defaults.garpLowerPrioDelayMs = v * 1000;
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_vmac_garp_extra_if_handler (reported and ignored).
      case "vrrp_garp_extra_if":
      case "vrrp_vmac_garp_intvl": {
        const k = st.keyword;
        if (k === "vrrp_vmac_garp_intvl")
          ctx.warn(
            st.where,
            "DEPRECATED",
            `Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if" (as keepalived)`,
          );
        const r = readGarpExtraIf(st.args, 1);
        if (r.all) defaults.garpExtraIfAll = true;
        if (r.problem === "invalid") ctx.warn(st.where, "BAD_VALUE", `${k} '${r.bad}' invalid - ignoring (as keepalived)`);
        else if (r.problem === "no-time") ctx.warn(st.where, "BAD_VALUE", `${k} specified without time - ignoring (as keepalived)`);
        else defaults.garpExtraIfSec = r.sec;
        break;
      }
      // global_parser.c vrrp_vmac_prefix_handler: the first one wins.
      case "vmac_prefix": {
        const v = ctx.arg(st, "an interface name prefix");
        if (v === undefined) break;
        if (defaults.vmacPrefix !== undefined)
          ctx.warn(st.where, "BAD_VALUE", `vmac prefix has already been specified - ignoring ${v} (as keepalived)`);
        else defaults.vmacPrefix = v;
        break;
      }
      // global_parser.c vrrp_vmac_addr_prefix_handler: the first one wins.
      case "vmac_addr_prefix": {
        const v = ctx.arg(st, "an interface name prefix");
        if (v === undefined) break;
        if (defaults.vmacAddrPrefix !== undefined)
          ctx.warn(st.where, "BAD_VALUE", `vmac_addr prefix has already been specified - ignoring ${v} (as keepalived)`);
        else defaults.vmacAddrPrefix = v;
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_prio_handler / get_priority: -20..19; a missing or
      // bad value is a config error that keepalived reports and carries on from, with no change.
      case "vrrp_priority": {
        const v = st.args[0];
        if (v === undefined) ctx.warn(st.where, "BAD_VALUE", "No vrrp process priority specified");
        else if (!/^-?\d+$/.test(v) || Number(v) < -20 || Number(v) > 19)
          ctx.warn(st.where, "BAD_VALUE", `Invalid vrrp process priority specified (${v}; -20..19)`);
        else g.vrrpPriority = Number(v);
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_rt_prio_handler / get_realtime_priority: a bad value
      // is reported and ignored, one outside SCHED_RR's 1..99 is reported and clamped.
      case "vrrp_rt_priority": {
        const v = st.args[0];
        if (v === undefined) ctx.warn(st.where, "BAD_VALUE", "No vrrp process real-time priority specified");
        else if (!/^-?\d+$/.test(v)) ctx.warn(st.where, "BAD_VALUE", `vrrp process real-time priority '${v}' invalid`);
        else if (Number(v) < 1) {
          ctx.warn(st.where, "BAD_VALUE", `vrrp process real-time priority ${v} less than minimum 1 - setting to minimum`);
          g.vrrpRtPriority = 1;
        } else if (Number(v) > 99) {
          ctx.warn(st.where, "BAD_VALUE", `vrrp process real-time priority ${v} greater than maximum 99 - setting to maximum`);
          g.vrrpRtPriority = 99;
        } else g.vrrpRtPriority = Number(v);
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_rt_rlimit_handler / get_rt_rlimit: 1..2^32-1 µs (1 is
      // taken as 2, since half of it is the soft limit); the old spelling is deprecated.
      case "vrrp_rlimit_rttime":
      case "vrrp_rlimit_rtime": {
        if (st.keyword === "vrrp_rlimit_rtime")
          ctx.warn(st.where, "DEPRECATED", "Keyword 'vrrp_rlimit_rtime' is deprecated - please use 'vrrp_rlimit_rttime'");
        const v = st.args[0];
        if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffffffff)
          ctx.warn(st.where, "BAD_VALUE", `Invalid vrrp real-time limit - ${v ?? ""}`);
        else g.vrrpRlimitRtUs = Math.max(2, Number(v));
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_no_swap_handler: a flag.
      case "vrrp_no_swap":
        g.vrrpNoSwap = true;
        break;
      case "vrrp_startup_delay": {
        const v = ctx.num(st, 0, 3600);
        if (v !== undefined) g.startupDelayMs = v * 1000;
        break;
      }
      case "http_listen": {
        const v = ctx.arg(st, "ADDR:PORT");
        const problem = v === undefined ? undefined : listenProblem(v);
        if (problem) ctx.error(st.where, "BAD_VALUE", `http_listen: ${problem}`);
        else g.httpListen = v;
        break;
      }
      // keepalived 2.2.7 global_parser.c vrrp_mcast_group4_handler / _group6_handler: an address
      // that does not parse, is of the other family or is not multicast is warned about and skipped.
      case "vrrp_mcast_group4":
      case "vrrp_mcast_group6": {
        const v = st.args[0] ?? "";
        const want = st.keyword === "vrrp_mcast_group4" ? 4 : 6;
        const f = familyOf(v);
        if (!f) ctx.warn(st.where, "BAD_ADDRESS", `Can't parse ${st.keyword} [${v}]. Skipping (as keepalived)`);
        else if (f !== want) ctx.warn(st.where, "BAD_ADDRESS", `${st.keyword} [${v}] is not IPv${want}. Skipping (as keepalived)`);
        else if (!isMulticast(addressBytes(v)))
          ctx.warn(st.where, "BAD_ADDRESS", `${st.keyword} [${v}] is not multicast. Skipping (as keepalived)`);
        else if (want === 4) defaults.mcastGroup4 = formatAddress(addressBytes(v));
        else defaults.mcastGroup6 = formatAddress(addressBytes(v));
        break;
      }
      case "vrrp_version": {
        const v = ctx.int(st, 2, 3);
        if (v === 2 || v === 3) version = v;
        break;
      }
      default:
        if (!parseGarp(ctx, st, garp, "vrrp_") && !parseFirewallGlobal(ctx, st, fw) && !parseStartStopScript(ctx, st, startStop))
          ctx.unhandled(st, "global_defs");
    }
  }
  Object.assign(g, startStopScripts(startStop));
  defaults.strict = fw.strict;
  g.firewall = firewallSettings(fw);
  for (const [key, s] of fifoScripts) {
    const f = fifos.get(key);
    if (f) f.script = s.script;
    else ctx.warn(s.where, "BAD_VALUE", `${key}_script without ${key}; the script is not run (as keepalived)`);
  }
  if (fifos.size > 0) {
    const list = [...fifos.values()];
    if (list.length === 2 && list[0]!.path === list[1]!.path)
      ctx.error(
        list[1]!.where,
        "BAD_VALUE",
        `notify_fifo and vrrp_notify_fifo must be different FIFOs (keepalived.conf(5)); ${list[1]!.path} used twice`,
      );
    else g.notifyFifos = list;
  }
  return version ? { global: g, version } : { global: g };
}

/** garp_master_* settings: `vrrp_`-prefixed in global_defs (defaults), bare in an instance. */
export function parseGarp(
  ctx: Ctx,
  st: Statement,
  garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] },
  prefix: string,
): boolean {
  const fields: Record<string, [keyof GarpSettings, number, number, number]> = {
    garp_master_delay: ["masterDelayMs", 0, 1000, 1000],
    garp_master_repeat: ["masterRepeat", 1, 255, 1],
    garp_master_refresh: ["masterRefreshMs", 0, 100_000, 1000],
    garp_master_refresh_repeat: ["masterRefreshRepeat", 1, 255, 1],
  };
  if (!st.keyword.startsWith(prefix)) return false;
  const f = fields[st.keyword.slice(prefix.length)];
  if (!f) return false;
  const [key, min, max, scale] = f;
  const v = ctx.int(st, min, max);
  if (v !== undefined) garp[key] = v * scale;
  return true;
}

/** IPv4 224.0.0.0/4 or IPv6 ff00::/8. */
export function isMulticast(b: Uint8Array): boolean {
  return b.length === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}

function snmpDefaults(s: GlobalSpec["snmp"]): NonNullable<GlobalSpec["snmp"]> {
  return s ?? { vrrp: false, rfcv3: false, traps: false };
}
