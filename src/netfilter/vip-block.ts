// Which virtual addresses the host must refuse traffic for, and the nftables ruleset that does it:
// pure decisions, no I/O (src/netfilter/nft-runner.ts hands the script to nft).
//
// keepalived 2.2.7 (vrrp/vrrp.c vrrp_handle_accept_mode, vrrp/vrrp_nftables.c): a master that is
// not the address owner (priority < 255) and has accept mode off (`no_accept`, or strict mode's
// default) drops packets addressed to its VIPs and eVIPs and packets sent from them, as RFC 5798
// 6.4.3 asks. The addresses are blocked before they are added on becoming MASTER and unblocked
// after they are removed on leaving it. IPv6 neighbour discovery still passes so the VIP answers
// NS/NA; a link-local VIP is blocked on its own interface only.

/** global_defs `nftables [TABLE]`, `nftables_priority`, `nftables_counters`, `nftables_ifindex`. */
export interface FirewallSettings {
  /** Table name in both the ip and ip6 families (keepalived: DEFAULT_NFTABLES_TABLE "keepalived"). */
  readonly table: string;
  /** Base chain priority (keepalived: -1, listed as `filter - 1`). */
  readonly priority: number;
  /** `nftables_counters`: a counter on every rule. */
  readonly counters: boolean;
  /** `nftables_ifindex`: link-local VIPs always matched by interface index, never by name. */
  readonly ifindex: boolean;
}

export const DEFAULT_FIREWALL: FirewallSettings = { table: "keepalived", priority: -1, counters: false, ifindex: false };

/** The only table names written into an nft script: nft identifiers, and at most 31 bytes (NFT_TABLE_MAXNAMELEN 32). */
export function tableNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(name))
    return `nftables table name ${JSON.stringify(name)} must be 1..31 characters: a letter, then letters, digits, '_', '.' or '-'`;
  return undefined;
}

/** vrrp.c vrrp_handle_accept_mode: the address owner and accept-mode instances never block. */
export function blocksAddresses(i: { readonly priority: number; readonly accept: boolean }): boolean {
  return i.priority !== 255 && !i.accept;
}

export interface BlockedAddress {
  readonly address: string;
  readonly family: 4 | 6;
  /** Interface the address lives on (for link-local IPv6 only). */
  readonly ifname: string;
  /** The instance has dont_track_primary (keepalived then matches link-local VIPs by name). */
  readonly byName: boolean;
}

const ADDRESS = /^[0-9A-Fa-f:.]+$/;
const IFNAME = /^[^\s"/:\\]{1,15}$/;

function isLinkLocal6(a: string): boolean {
  return /^fe[89ab][0-9a-f]?:/i.test(a);
}

/**
 * The ruleset for `nft -f -` as one transaction: each family's table is replaced whole (declared,
 * deleted, written again), so no packet ever sees half a change. `families` are the tables to
 * write; keepalived keeps a table from its first block until it stops, even when its sets are empty.
 * Chains, sets and rules are keepalived's (vrrp_nftables.c nft_setup_ipv4_vips, nft_setup_ipv6_vips,
 * setup_link_local_checks), in its order, so `nft list ruleset` reads the same.
 */
export function nftScript(s: FirewallSettings, families: ReadonlySet<4 | 6>, blocked: readonly BlockedAddress[]): string {
  const problem = tableNameProblem(s.table);
  if (problem) throw new Error(problem);
  const safe = blocked.filter((b) => ADDRESS.test(b.address) && IFNAME.test(b.ifname));
  const counter = s.counters ? "counter " : "";
  const hook = (h: "input" | "output") => `type filter hook ${h} priority ${s.priority}; policy accept;`;
  const elements = (xs: string[]) => (xs.length > 0 ? ` elements = { ${[...new Set(xs)].join(", ")} }` : "");
  const out: string[] = [];
  for (const f of [4, 6] as const) {
    if (!families.has(f)) continue;
    const fam = f === 4 ? "ip" : "ip6";
    out.push(`table ${fam} ${s.table} {}`, `delete table ${fam} ${s.table}`, `table ${fam} ${s.table} {`);
    const mine = safe.filter((b) => b.family === f);
    if (f === 4) {
      out.push(
        `  set vips { type ipv4_addr;${elements(mine.map((b) => b.address))} }`,
        `  chain out { ${hook("output")} ip saddr @vips ${counter}drop; }`,
        `  chain in { ${hook("input")} ip daddr @vips ${counter}drop; }`,
      );
    } else {
      const global = mine.filter((b) => !isLinkLocal6(b.address));
      const ll = mine.filter((b) => isLinkLocal6(b.address));
      // vrrp_nftables.c nft_update_ipv6_address: by name only with dont_track_primary and no nftables_ifindex.
      const llIndex = ll.filter((b) => s.ifindex || !b.byName);
      const llName = ll.filter((b) => !s.ifindex && b.byName);
      out.push(
        `  set vips { type ipv6_addr;${elements(global.map((b) => b.address))} }`,
        "  set neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert } }",
      );
      if (llIndex.length > 0)
        out.push(`  set vips_link_local { type ipv6_addr . iface_index;${elements(llIndex.map((b) => `${b.address} . "${b.ifname}"`))} }`);
      if (llName.length > 0)
        out.push(`  set vips_link_local_name { type ipv6_addr . ifname;${elements(llName.map((b) => `${b.address} . "${b.ifname}"`))} }`);
      out.push(
        `  chain out { ${hook("output")} icmpv6 type @neighbor-discovery ${counter}accept; ip6 saddr fe80::/10 ${counter}goto out_link_local; ip6 saddr @vips ${counter}drop; }`,
        `  chain in { ${hook("input")} icmpv6 type @neighbor-discovery ${counter}accept; ip6 daddr fe80::/10 ${counter}goto in_link_local; ip6 daddr @vips ${counter}drop; }`,
      );
      const inLl = [
        ...(llIndex.length > 0 ? [`ip6 daddr . iif @vips_link_local ${counter}drop;`] : []),
        ...(llName.length > 0 ? [`ip6 daddr . iifname @vips_link_local_name ${counter}drop;`] : []),
      ];
      const outLl = [
        ...(llIndex.length > 0 ? [`ip6 saddr . oif @vips_link_local ${counter}drop;`] : []),
        ...(llName.length > 0 ? [`ip6 saddr . oifname @vips_link_local_name ${counter}drop;`] : []),
      ];
      out.push(`  chain in_link_local { ${inLl.join(" ")} }`, `  chain out_link_local { ${outLl.join(" ")} }`);
    }
    out.push("}");
  }
  return out.join("\n") + "\n";
}

/** Removes the tables (stop, and a crashed run's leftovers at start); a missing table is no error. */
export function nftRemoveScript(s: FirewallSettings, families: ReadonlySet<4 | 6>): string {
  const problem = tableNameProblem(s.table);
  if (problem) throw new Error(problem);
  const out: string[] = [];
  for (const f of [4, 6] as const) {
    if (!families.has(f)) continue;
    const fam = f === 4 ? "ip" : "ip6";
    out.push(`table ${fam} ${s.table} {}`, `delete table ${fam} ${s.table}`);
  }
  return out.join("\n") + "\n";
}
