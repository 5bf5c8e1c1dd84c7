// The multicast accept rule today's image manages when OPENSHIFT_HA_NFTABLES_RULE (or the older
// OPENSHIFT_HA_IPTABLES_CHAIN) is set: an nftables table `inet keepalived` of its own, or, where
// nft is missing, an iptables rule in the named chain. Commands get argv, never a shell.
import { spawnSync } from "node:child_process";

const NFT_TABLE = `table inet keepalived {
  chain filter {
    type filter hook input priority 0; policy accept;
    ip daddr 224.0.0.18 accept
  }
}
`;

export interface RuleResult {
  readonly tool: "nft" | "iptables" | "none";
  readonly changed: boolean;
  readonly error?: string;
}

function run(cmd: string, args: string[], input?: string): { ok: boolean; out: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  const missing = r.error !== undefined && "code" in r.error && r.error.code === "ENOENT";
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, missing };
}

export function ensureMulticastRule(chain: string): RuleResult {
  const list = run("nft", ["list", "chain", "inet", "keepalived", "filter"]);
  if (!list.missing) {
    if (list.ok && list.out.includes("ip daddr 224.0.0.18 accept")) return { tool: "nft", changed: false };
    const add = run("nft", ["-f", "-"], NFT_TABLE);
    return add.ok ? { tool: "nft", changed: true } : { tool: "nft", changed: false, error: add.out.trim() };
  }
  const rule = ["-d", "224.0.0.18/32", "-j", "ACCEPT"];
  const check = run("iptables", ["-C", chain, ...rule]);
  if (check.missing) return { tool: "none", changed: false, error: "neither nft nor iptables is installed" };
  if (check.ok) return { tool: "iptables", changed: false };
  const ins = run("iptables", ["-I", chain, "1", ...rule]);
  return ins.ok ? { tool: "iptables", changed: true } : { tool: "iptables", changed: false, error: ins.out.trim() };
}

export function removeMulticastRule(chain: string): RuleResult {
  const list = run("nft", ["list", "table", "inet", "keepalived"]);
  if (!list.missing) {
    if (!list.ok) return { tool: "nft", changed: false };
    const del = run("nft", ["delete", "table", "inet", "keepalived"]);
    return del.ok ? { tool: "nft", changed: true } : { tool: "nft", changed: false, error: del.out.trim() };
  }
  const rule = ["-d", "224.0.0.18/32", "-j", "ACCEPT"];
  let changed = false;
  while (run("iptables", ["-C", chain, ...rule]).ok) {
    if (!run("iptables", ["-D", chain, ...rule]).ok) break;
    changed = true;
  }
  return { tool: "iptables", changed };
}
