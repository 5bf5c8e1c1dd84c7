// Where keepalived 2.2.7 warns and carries on, tsvrrpd does too (issue 31): the same words, a
// warning with file:line, and the instance still runs. Each case cites the keepalived function.
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/config/errors.js";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { formatAddress } from "../../src/vrrp/address.js";

const inst = (name: string, vrid: number, body = "", priority = 100) =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n${body}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

function parse(text: string) {
  const { config, diagnostics } = parseKeepalivedConf(text, "k.conf");
  return { config, lines: diagnostics.map(formatDiagnostic), errors: diagnostics.filter((d) => d.severity === "error") };
}

describe("keepalived's leniencies", () => {
  it("state SLAVE (any word but MASTER/BACKUP) is warned about and read as BACKUP (vrrp_parser.c vrrp_state_handler)", () => {
    const { config, lines, errors } = parse(inst("A", 1, "  state SLAVE\n", 255));
    expect(errors).toEqual([]);
    expect(lines).toContain("k.conf:5: warning: (A) unknown state 'SLAVE', defaulting to BACKUP (as keepalived)");
    expect(config.instances[0]).toMatchObject({ name: "A", initialState: "BACKUP" });
  });

  it("BACKUP after MASTER is ignored with keepalived's warning", () => {
    const { config, lines } = parse(inst("A", 1, "  state MASTER\n  state BACKUP\n"));
    expect(lines).toContain("k.conf:6: warning: (A) state previously set as MASTER - ignoring BACKUP (as keepalived)");
    expect(config.instances[0]!.initialState).toBe("MASTER");
  });

  it("an invalid priority falls back to 100 with a warning (vrrp_parser.c vrrp_prio_handler)", () => {
    const { config, lines, errors } = parse(inst("A", 1, "  priority 100,main\n", 50));
    expect(errors).toEqual([]);
    expect(lines.some((l) => l.startsWith("k.conf:5: warning: (A) Priority not valid! must be between 1 & 255. Using default 100"))).toBe(
      true,
    );
    expect(config.instances[0]!.priority).toBe(100);
  });

  it("an unknown auth_type leaves the instance without authentication (vrrp_parser.c vrrp_auth_type_handler)", () => {
    const { config, lines, errors } = parse(inst("A", 1, "  authentication {\n    auth_type PASS;\n    auth_pass secret\n  }\n"));
    expect(errors).toEqual([]);
    expect(lines).toContain("k.conf:6: warning: (A) unknown authentication type 'PASS;' (as keepalived: no authentication)");
    expect(config.instances[0]!.authPass).toBeUndefined();
  });

  it("vrrp_sync_group without a name is skipped (vrrp_parser.c vrrp_sync_group_handler)", () => {
    const { config, lines, errors } = parse(inst("A", 1) + inst("B", 2) + "vrrp_sync_group {\n  group {\n    A\n    B\n  }\n}\n");
    expect(errors).toEqual([]);
    expect(lines).toContain("k.conf:17: warning: vrrp_sync_group must have a name - skipping (as keepalived)");
    expect(config.syncGroups).toEqual([]);
    expect(config.instances).toHaveLength(2);
  });

  it("an empty group is removed, an unknown member ignored, a group of one warned about (vrrp.c vrrp_complete_init, vrrp_sync.c vrrp_sync_set_group)", () => {
    const { config, lines, errors } = parse(
      inst("A", 1) + "vrrp_sync_group E {\n}\nvrrp_sync_group ONE {\n  group {\n    A\n    NOPE\n  }\n}\n",
    );
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      "k.conf:9: warning: Sync group E has no virtual router(s). removing (as keepalived)",
      "k.conf:11: warning: Virtual router NOPE specified in sync group ONE doesn't exist - ignoring (as keepalived)",
      "k.conf:11: warning: Sync group ONE has only 1 virtual router(s) - this probably isn't what you want (as keepalived)",
    ]);
    expect(config.syncGroups.map((g) => [g.name, g.members])).toEqual([["ONE", ["A"]]]);
  });

  it("a sync group starts in BACKUP unless every member is MASTER at priority 255 (vrrp.c vrrp_complete_init)", () => {
    const group = "vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\n";
    const mixed = parse(inst("A", 1, "  state MASTER\n", 200) + inst("B", 2, "  state MASTER\n", 200) + group);
    expect(mixed.config.instances.map((i) => i.initialState)).toEqual(["BACKUP", "BACKUP"]);
    const owners = parse(inst("A", 1, "  state MASTER\n", 255) + inst("B", 2, "  state MASTER\n", 255) + group);
    expect(owners.config.instances.map((i) => i.initialState)).toEqual(["MASTER", "MASTER"]);
    // outside a group, state MASTER stays
    expect(parse(inst("A", 1, "  state MASTER\n", 200)).config.instances[0]!.initialState).toBe("MASTER");
  });

  it("a vrrp_script without script is removed and its trackers go on without it (vrrp_parser.c vrrp_vscript_end_handler)", () => {
    const { config, lines, errors } = parse("vrrp_script chk {\n  interval 2\n}\n" + inst("A", 1, "  track_script {\n    chk\n  }\n"));
    expect(errors).toEqual([]);
    expect(lines[0]).toBe("k.conf:1: warning: No script set for vrrp_script chk - removing (as keepalived)");
    expect(config.scripts).toEqual([]);
    expect(config.instances[0]!.trackScripts).toEqual([]);
  });

  it("an invalid virtual_routes / virtual_rules entry is skipped, the rest installed (vrrp_iproute.c alloc_route, vrrp_iprule.c alloc_rule)", () => {
    const { config, lines, errors } = parse(
      inst(
        "A",
        1,
        "  virtual_routes {\n    198.51.100.0/24 via 192.0.2.254\n    198.51.100./24 via 192.0.2.254\n  }\n  virtual_rules {\n    from 192.0.2.1 table 1\n    to 192.168.100./24 table 1\n    from 192.0.2.2 table 2\n  }\n",
      ),
    );
    expect(errors).toEqual([]);
    expect(config.instances[0]!.virtualRoutes).toHaveLength(1);
    // keepalived 2.2.7 RULE_START_PRIORITY: 16384, then counting down per family
    expect(config.instances[0]!.virtualRules.map((r) => r.priority)).toEqual([16384, 16383]);
    expect(lines.filter((l) => l.includes("skipped (as keepalived)"))).toHaveLength(2);
    expect(lines).toContain(
      "k.conf:10: warning: Rule has no preference specified - setting to 16384. This is probably not what you want. (as keepalived)",
    );
  });

  it("-t says what keepalived says: no VIP (an error in VRRPv3), a scope on an IPv6 VIP (vrrp.c vrrp_complete_instance, vrrp_ipaddress.c parse_ipaddress)", () => {
    const bare = (name: string, vrid: number, body: string) =>
      `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${body}}\n`;
    const { config, lines } = parse(
      bare("V2", 1, "") +
        bare("V3", 2, "  version 3\n") +
        bare("S6", 3, "  virtual_ipaddress {\n    2001:db8::1/64 scope link\n    2001:db8::2 scope nowhere-near\n  }\n"),
    );
    expect(lines).toEqual([
      "k.conf:1: warning: (V2) No VIP specified; at least one is sensible (as keepalived)",
      "k.conf:5: error: (V3) No VIP specified; at least one is required (as keepalived)",
      "k.conf:14: warning: Cannot specify scope for IPv6 addresses (2001:db8::1/64) - ignoring scope (as keepalived)",
      "k.conf:15: warning: Invalid scope 'nowhere-near' specified for 2001:db8::2 - ignoring (as keepalived)",
    ]);
    expect(config.instances.map((i) => i.name)).toEqual(["V2", "S6"]);
    expect(config.instances[1]!.vips.map((v) => v.scope)).toEqual([undefined, undefined]);
  });

  it("an empty garp_group is removed with keepalived's warning; one with intervals gives its interfaces their spacing (vrrp_parser.c garp_group_*_handler)", () => {
    const empty = parse("garp_group {\n}\ngarp_group {\n  interface eth0\n}\n" + inst("A", 1));
    expect(empty.errors).toEqual([]);
    expect(empty.lines).toEqual([
      "k.conf:1: warning: garp group 1 does not have any delay set - removing (as keepalived)",
      "k.conf:3: warning: garp group 2 does not have any delay set - removing (as keepalived)",
    ]);
    expect(empty.config.instances).toHaveLength(1);
    expect(empty.config.garpGroups).toEqual([]);
    const timed = parse(
      "garp_group {\n  garp_interval 0.010000\n  interface eth0\n}\ngarp_group {\n  gna_interval 1.5\n  interfaces {\n    eth0 eth1\n  }\n  interfaces {\n  }\n}\n" +
        inst("A", 1),
    );
    expect(timed.errors).toEqual([]);
    expect(timed.lines).toEqual([
      "k.conf:7: warning: garp_group already specified for eth0 - ignoring (as keepalived)",
      "k.conf:10: warning: Warning - empty garp_group interfaces block (as keepalived)",
    ]);
    expect(timed.config.garpGroups!.map(({ where: _w, ...g }) => g)).toEqual([
      { garpIntervalMs: 10, interfaces: ["eth0"] },
      { gnaIntervalMs: 1500, interfaces: ["eth1"] },
    ]);
    // read_decimal_unsigned_strvec with TIMER_HZ_DIGITS: a seventh decimal is invalid.
    const bad = parse("garp_group {\n  garp_interval soon\n  gna_interval 0.0100009\n}\n" + inst("A", 1));
    expect(bad.lines).toEqual([
      "k.conf:1: warning: garp group 1 does not have any delay set - removing (as keepalived)",
      "k.conf:2: warning: garp_group garp_interval 'soon' invalid (as keepalived)",
      "k.conf:3: warning: garp_group gna_interval '0.0100009' invalid (as keepalived)",
    ]);
  });

  it("unicast written without peers: multicast with keepalived's deprecation warning, or FAULT for good with unicast_fault_no_peer (vrrp.c vrrp_complete_instance)", () => {
    const { config, lines, errors } = parse(
      inst("M", 1, "  unicast_peer {\n  }\n  unicast_ttl 10\n") + inst("F", 2, "  unicast_peer {\n  }\n  unicast_fault_no_peer\n"),
    );
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      "k.conf:1: warning: (M) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration. (as keepalived)",
      "k.conf:1: warning: (M): Cannot use unicast_ttl without unicast peers - resetting (as keepalived)",
    ]);
    expect(config.instances.map((i) => [i.name, i.configFault, i.unicastTtl])).toEqual([
      ["M", undefined, undefined],
      ["F", "(F) Cannot use unicast without any peers - going to fault state", undefined],
    ]);
  });

  it("net_namespace names the namespace the daemon enters; a second one is warned and ignored, a name that is no namespace name runs nothing (global_parser.c net_namespace_handler)", () => {
    const { config, lines, errors } = parse("net_namespace blue\nnet_namespace red\n" + inst("A", 1));
    expect(errors).toEqual([]);
    expect(config.global.netNamespace).toBe("blue");
    expect(config.instances.map((i) => i.name)).toEqual(["A"]);
    expect(lines).toEqual(["k.conf:2: warning: Duplicate net_namespace definition red - ignoring (as keepalived)"]);
    const bad = parse("net_namespace ../etc\n" + inst("A", 1));
    expect(bad.config.global.netNamespace).toBeUndefined();
    expect(bad.config.instances).toEqual([]);
    expect(bad.lines[0]).toMatch(/^k\.conf:1: error: net_namespace '\.\.\/etc' is not a namespace name/);
    // keepalived's other root keywords are known: no "unknown keyword" warnings
    const other = parse("instance one\nuse_pid_dir\nchild_wait_time 3\n" + inst("A", 1));
    expect(other.lines.filter((l) => l.includes("unknown keyword"))).toEqual([]);
  });

  it("vrrp_mcast_group4/6 set every multicast instance's group; mcast_dst_ip one instance's; bad ones are warned about and skipped", () => {
    const { config, lines, errors } = parse(
      "global_defs {\n  vrrp_mcast_group4 224.0.88.88\n  vrrp_mcast_group6 2001:db8::1\n}\n" +
        inst("A", 1) +
        inst("B", 2, "  mcast_dst_ip 224.0.0.99\n") +
        inst("C", 3, "  mcast_dst_ip 192.0.2.1\n") +
        inst("D", 4, "  mcast_dst_ip 224.0.0.18\n") +
        inst("U", 5, "  unicast_peer {\n    192.0.2.200\n  }\n"),
    );
    expect(errors).toEqual([]);
    expect(lines).toContain("k.conf:3: warning: vrrp_mcast_group6 [2001:db8::1] is not multicast. Skipping (as keepalived)");
    expect(lines).toContain("k.conf:26: warning: (C) mcast_dst_ip 192.0.2.1 not multicast. Skipping... (as keepalived)");
    const group = Object.fromEntries(config.instances.map((i) => [i.name, i.mcastGroup]));
    // D names the standard group: nothing to record; U is unicast: no group at all
    expect(group).toEqual({ A: "224.0.88.88", B: "224.0.0.99", C: "224.0.88.88", D: undefined, U: undefined });
    expect(formatAddress(Uint8Array.of(224, 0, 88, 88))).toBe("224.0.88.88");
  });
});
