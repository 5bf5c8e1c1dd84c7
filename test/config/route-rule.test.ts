// virtual_routes / virtual_rules lines read as keepalived's alloc_route / alloc_rule read them.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { formatAddress } from "../../src/vrrp/address.js";

const conf = (routes: string, rules = "") =>
  `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n  virtual_routes {\n${routes}\n  }\n  virtual_rules {\n${rules}\n  }\n}\n`;

describe("virtual_routes", () => {
  it("reads keepalived's forms: type, to, src, via/gw, dev, table, metric, scope, default", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      conf(
        "    src 192.0.2.1 to 198.51.100.0/24 via 192.0.2.254 dev eth0 metric 7\n    blackhole 198.51.100.128/25\n    default via inet6 2001:db8::1 table 100\n    203.0.113.0/24 gw 192.0.2.254 scope link",
      ),
    );
    const [r1, r2, r3, r4] = config.instances[0]!.virtualRoutes;
    expect(r1).toMatchObject({ family: 4, type: 1, dev: "eth0", metric: 7, table: 254, protocol: 18, dst: { prefix: 24 } });
    expect(formatAddress(r1!.prefSrc!)).toBe("192.0.2.1");
    expect(r2).toMatchObject({ type: 6, dst: { prefix: 25 } });
    expect(r3).toMatchObject({ family: 6, table: 100, dst: { prefix: 0 } });
    expect(r3!.dst.bytes).toHaveLength(16);
    expect(r4).toMatchObject({ scope: 253 });
    expect(diagnostics.map((d) => d.code)).toEqual(["DEPRECATED"]); // gw
  });
  it("an option tsvrrpd does not implement, or mixed families, is an error naming the line", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      conf("    198.51.100.0/24 via 192.0.2.254 mtu 1400\n    2001:db8::/32 via 192.0.2.1"),
      "k.conf",
    );
    expect(config.instances).toHaveLength(0);
    expect(diagnostics.map((d) => `${d.where.line}: ${d.message}`)).toEqual([
      `8: route "198.51.100.0/24 via 192.0.2.254 mtu 1400": option 'mtu' is not supported by tsvrrpd; not installed`,
      `9: route "2001:db8::/32 via 192.0.2.1": cannot mix IPv4 and IPv6 addresses; skipped (as keepalived)`,
    ]);
  });
});

describe("multipath routes (keepalived 2.2.7 vrrp_iproute.c parse_nexthops, and `or`)", () => {
  it("reads nexthop groups and the deprecated `via A or B` as two next hops, with keepalived's warning", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      conf(
        "    198.51.100.0/24 via 192.0.2.253 or 192.0.2.252\n    203.0.113.0/24 nexthop via 192.0.2.251 dev eth1 weight 2 onlink nexthop via 192.0.2.250",
      ),
    );
    const [or, nh] = config.instances[0]!.virtualRoutes;
    expect(or!.via).toBeUndefined();
    expect(or!.nexthops!.map((h) => formatAddress(h.via!))).toEqual(["192.0.2.253", "192.0.2.252"]);
    expect(nh!.nexthops).toEqual([
      { via: expect.any(Uint8Array), dev: "eth1", weight: 2, onlink: true },
      { via: expect.any(Uint8Array), onlink: false },
    ]);
    expect(diagnostics.map((d) => d.message)).toEqual([
      '"or" for routes is deprecated. Please use "nexthop" (as keepalived says); read as nexthop',
    ]);
  });
});

describe("virtual_rules", () => {
  it("reads from/to/table/fwmark/not/actions; a rule without preference counts down from 16384 with a warning (keepalived 2.2.7 vrrp_iprule.c RULE_START_PRIORITY)", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      conf(
        "    192.0.2.0/24 dev eth0",
        "    from 198.51.100.0/24 table 100\n    not to 2001:db8::/32 prohibit priority 9\n    fwmark 0x10/0xff lookup main order 5",
      ),
    );
    const [a, b, c] = config.instances[0]!.virtualRules;
    expect(a).toMatchObject({ family: 4, action: 1, table: 100, priority: 16384, protocol: 18 });
    expect(b).toMatchObject({ family: 6, action: 8, invert: true, priority: 9 });
    expect(c).toMatchObject({ fwmark: 16, fwmask: 255, table: 254 });
    expect(diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(/no preference specified - setting to 16384/));
  });
  it("a rule needs an action, and goto needs a lower preference", () => {
    const { diagnostics } = parseKeepalivedConf(
      conf("    192.0.2.0/24 dev eth0", "    from 198.51.100.0/24\n    from 192.0.2.0/24 goto 10 priority 20"),
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/no action specified/),
      expect.stringMatching(/preference 20 >= goto target 10/),
    ]);
  });
});
