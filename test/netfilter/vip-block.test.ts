// The pure half of the VIP firewall (which addresses, which ruleset) and the adapter's ordering
// with a recording runner. The real nft and keepalived's rules: test/netns/strict-mode-*.test.ts.
import { describe, expect, it } from "vitest";
import { blocksAddresses, DEFAULT_FIREWALL, nftRemoveScript, nftScript, type BlockedAddress } from "../../src/netfilter/vip-block.js";
import { VipFirewall } from "../../src/netfilter/nft-runner.js";

const v4 = (address: string): BlockedAddress => ({ address, family: 4, ifname: "eth0", byName: false });
const v6 = (address: string, byName = false): BlockedAddress => ({ address, family: 6, ifname: "eth0", byName });

describe("which instances block", () => {
  it("a non-owner without accept mode only (vrrp.c vrrp_handle_accept_mode)", () => {
    expect(blocksAddresses({ priority: 100, accept: false })).toBe(true);
    expect(blocksAddresses({ priority: 100, accept: true })).toBe(false);
    expect(blocksAddresses({ priority: 255, accept: false })).toBe(false);
  });
});

describe("nftScript", () => {
  it("replaces each family's table whole, in one transaction, with keepalived's chains and sets", () => {
    const s = nftScript(DEFAULT_FIREWALL, new Set([4]), [v4("198.51.100.10"), v4("198.51.100.11"), v6("2001:db8::1")]);
    expect(s.split("\n").slice(0, 3)).toEqual(["table ip keepalived {}", "delete table ip keepalived", "table ip keepalived {"]);
    expect(s).toContain("set vips { type ipv4_addr; elements = { 198.51.100.10, 198.51.100.11 } }");
    expect(s).toContain("chain in { type filter hook input priority -1; policy accept; ip daddr @vips drop; }");
    expect(s).toContain("chain out { type filter hook output priority -1; policy accept; ip saddr @vips drop; }");
    expect(s).not.toContain("ip6"); // only the families asked for
  });

  it("an empty set has no elements clause (the table stays, as keepalived keeps it)", () => {
    expect(nftScript(DEFAULT_FIREWALL, new Set([4]), [])).toContain("set vips { type ipv4_addr; }");
  });

  it("IPv6: neighbour discovery passes, link-local VIPs per interface, by name only with dont_track_primary", () => {
    const s = nftScript(DEFAULT_FIREWALL, new Set([6]), [v6("2001:db8::1"), v6("fe80::1"), v6("fe80::2", true)]);
    expect(s).toContain("icmpv6 type @neighbor-discovery accept;");
    expect(s).toContain('set vips_link_local { type ipv6_addr . iface_index; elements = { fe80::1 . "eth0" } }');
    expect(s).toContain('set vips_link_local_name { type ipv6_addr . ifname; elements = { fe80::2 . "eth0" } }');
    expect(s).toContain("chain in_link_local { ip6 daddr . iif @vips_link_local drop; ip6 daddr . iifname @vips_link_local_name drop; }");
    const idx = nftScript({ ...DEFAULT_FIREWALL, ifindex: true }, new Set([6]), [v6("fe80::2", true)]);
    expect(idx).toContain("set vips_link_local {");
    expect(idx).not.toContain("vips_link_local_name");
  });

  it("counters and priority", () => {
    const s = nftScript({ ...DEFAULT_FIREWALL, counters: true, priority: -150 }, new Set([4]), [v4("198.51.100.10")]);
    expect(s).toContain("priority -150;");
    expect(s).toContain("ip daddr @vips counter drop;");
  });

  it("nothing unchecked reaches the script", () => {
    expect(() => nftScript({ ...DEFAULT_FIREWALL, table: "a; flush ruleset" }, new Set([4]), [])).toThrow(/table name/);
    const s = nftScript(DEFAULT_FIREWALL, new Set([4, 6]), [v4("1.2.3.4 }; flush ruleset"), { ...v6("fe80::1"), ifname: 'x" }' }]);
    expect(s).not.toContain("flush");
    expect(s).not.toContain('x"');
  });

  it("nftRemoveScript deletes tables that may not exist without failing", () => {
    expect(nftRemoveScript(DEFAULT_FIREWALL, new Set([4, 6]))).toBe(
      "table ip keepalived {}\ndelete table ip keepalived\ntable ip6 keepalived {}\ndelete table ip6 keepalived\n",
    );
  });
});

describe("VipFirewall", () => {
  const make = (fail = false) => {
    const scripts: string[] = [];
    const logs: string[] = [];
    const log = { info: (_: object, m: string) => logs.push(`info ${m}`), error: (_: object, m: string) => logs.push(`error ${m}`) };
    const fw = new VipFirewall(DEFAULT_FIREWALL, log, async (s) => {
      scripts.push(s);
      if (fail) throw new Error("nft: boom");
    });
    return { fw, scripts, logs };
  };

  it("block, unblock and close write whole tables in call order; close removes only tables it wrote", async () => {
    const { fw, scripts } = make();
    void fw.block("A", [v4("198.51.100.10")]);
    void fw.block("B", [v4("198.51.100.11")]);
    void fw.unblock("A");
    await fw.close();
    expect(scripts).toHaveLength(4);
    expect(scripts[1]).toContain("elements = { 198.51.100.10, 198.51.100.11 }");
    expect(scripts[2]).toContain("elements = { 198.51.100.11 }");
    expect(scripts[3]).toBe("table ip keepalived {}\ndelete table ip keepalived\n");
  });

  it("unblocking what was never blocked runs nothing; a failing nft is logged and the daemon carries on", async () => {
    const quiet = make();
    await quiet.fw.unblock("A");
    await quiet.fw.close();
    expect(quiet.scripts).toEqual([]);
    const failing = make(true);
    await failing.fw.block("A", [v4("198.51.100.10")]);
    expect(failing.logs[0]).toMatch(/^error nftables update failed/);
  });
});
