// global_defs keywords for strict mode and the VIP firewall, as Debian's keepalived 2.2.7 reads them
// (built with nftables, without iptables or libipset): core/global_parser.c vrrp_strict_handler,
// vrrp_nftables_handler, vrrp_nftables_priority_handler, vrrp_nftables_ifindex_handler,
// nftables_counters_handler, and the nftables form of vrrp_iptables_handler.
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { DEFAULT_FIREWALL, tableNameProblem, type FirewallSettings } from "../netfilter/vip-block.js";

export interface FirewallDraft {
  strict: boolean;
  /** Set by `nftables` or `vrrp_iptables`; unset, the firewall still starts on the first no_accept instance. */
  table?: string;
  priority: number;
  counters: boolean;
  ifindex: boolean;
}

export function newFirewallDraft(): FirewallDraft {
  return { strict: false, priority: DEFAULT_FIREWALL.priority, counters: false, ifindex: false };
}

/** Handles a global_defs statement if it is one of these keywords; false otherwise. */
export function parseFirewallGlobal(ctx: Ctx, st: Statement, fw: FirewallDraft): boolean {
  switch (st.keyword) {
    case "vrrp_strict":
      fw.strict = true;
      return true;
    case "vrrp_iptables":
      // Without iptables support keepalived reads this as `nftables` with its default table (and
      // overwrites an earlier `nftables`): its message, with file:line.
      ctx.warn(
        st.where,
        "FIREWALL",
        // keepalived's text, quotes and all
        "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
      );
      fw.table = DEFAULT_FIREWALL.table;
      fw.priority = DEFAULT_FIREWALL.priority;
      return true;
    case "nftables": {
      if (fw.table !== undefined) {
        ctx.warn(st.where, "FIREWALL", "nftables already specified - ignoring (as keepalived)");
        return true;
      }
      const name = st.args[0] ?? DEFAULT_FIREWALL.table;
      const problem = tableNameProblem(name);
      if (problem) {
        // keepalived takes any name under 32 bytes; tsvrrpd writes it into an nft script, so only identifiers.
        ctx.error(st.where, "BAD_VALUE", problem);
        return true;
      }
      fw.table = name;
      fw.priority = DEFAULT_FIREWALL.priority;
      return true;
    }
    case "nftables_priority": {
      const v = ctx.int(st, -(2 ** 31), 2 ** 31 - 1);
      if (v !== undefined) fw.priority = v;
      return true;
    }
    case "nftables_ifindex":
      fw.ifindex = true;
      return true;
    case "nftables_counters":
      fw.counters = true;
      return true;
  }
  return false;
}

export function firewallSettings(fw: FirewallDraft): FirewallSettings {
  return { table: fw.table ?? DEFAULT_FIREWALL.table, priority: fw.priority, counters: fw.counters, ifindex: fw.ifindex };
}
