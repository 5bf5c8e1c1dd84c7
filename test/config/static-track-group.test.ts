// track_group (keepalived 2.2.7 vrrp_parser.c static_track_group_handler, vrrp_static_track.c
// static_track_group_init): the group's instances track, with weight 0, the interface of each
// static route (dev), static rule (iif) or static address (dev) that names the group.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const inst = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n${extra}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

const tracked = (text: string) => {
  const { config, diagnostics } = parseKeepalivedConf(text, "k.conf");
  return {
    tracks: Object.fromEntries(config.instances.map((i) => [i.name, i.trackInterfaces.map((t) => `${t.name}:${t.weight ?? "-"}`)])),
    diags: diagnostics.map((d) => `${d.where.line} ${d.severity} ${d.message}`),
    config,
  };
};

describe("track_group", () => {
  it("members track the static route's dev, the rule's iif and the address's dev with weight 0", () => {
    const { tracks, diags, config } = tracked(
      `track_group G {\n  group {\n    A\n    B\n  }\n}\n` +
        `static_routes {\n  198.51.100.0/24 via 192.0.2.1 dev eth1 track_group G\n  203.0.113.0/24 dev eth2\n}\n` +
        `static_rules {\n  from 198.51.100.0/24 iif eth3 table 100 priority 100 track_group G\n}\n` +
        `static_ipaddress {\n  203.0.113.9/24 dev eth4 track_group G\n}\n` +
        inst("A", 1, "  track_interface {\n    eth1 weight -10\n  }\n") +
        inst("B", 2) +
        inst("C", 3),
    );
    // A's weighted eth1 becomes unweighted (vrrp.c add_vrrp_to_interface); C is not in G.
    expect(tracks).toEqual({ A: ["eth1:0", "eth3:0", "eth4:0"], B: ["eth1:0", "eth3:0", "eth4:0"], C: [] });
    expect(config.staticRoutes.map((r) => r.trackGroup)).toEqual(["G", undefined]);
    expect(config.staticRules[0]!.trackGroup).toBe("G");
    expect(diags.filter((d) => / error /.test(d))).toEqual([]);
    expect(diags.filter((d) => !d.includes("'static_ipaddress' is not supported"))).toEqual([]);
  });
  it("keepalived's warnings: an undefined or later group, an unknown member, no_track, an empty group", () => {
    const { tracks, diags } = tracked(
      `static_routes {\n  198.51.100.0/24 dev eth1 track_group LATER\n}\n` + // line 2: not yet defined
        `track_group LATER {\n  group {\n    A\n  }\n}\n` +
        `track_group G {\n  group {\n    A\n    NOPE\n  }\n}\n` + // line 9
        `track_group E {\n}\n` + // line 15
        `static_routes {\n  198.51.100.0/24 dev eth1 track_group G no_track\n  192.0.2.0/28 dev eth5 track_group MISSING\n}\n` +
        inst("A", 1),
    );
    expect(tracks).toEqual({ A: [] });
    expect(diags.filter((d) => / warning /.test(d))).toEqual([
      "2 warning track_group LATER not found (as keepalived; not tracked)",
      "9 warning vrrp instance NOPE specified in track group G doesn't exist - ignoring (as keepalived)",
      "15 warning Static track group E has no virtual router(s) - removing (as keepalived)",
      "18 warning Static route has both track_group and no_track set - not tracking (as keepalived)",
      "19 warning track_group MISSING not found (as keepalived; not tracked)",
    ]);
  });
  it("a nameless or duplicate group is skipped with keepalived's words; a virtual route's track_group is refused", () => {
    const { diags } = tracked(
      `track_group {\n  group {\n    A\n  }\n}\ntrack_group G {\n  group {\n    A\n  }\n}\ntrack_group G {\n  group {\n    A\n  }\n}\n` +
        inst("A", 1) +
        inst("B", 2, "  virtual_routes {\n    198.51.100.0/24 dev eth1 track_group G\n  }\n"),
    );
    expect(diags).toEqual([
      "1 warning track_group must have a name - skipping (as keepalived)",
      "11 warning track_group G already defined - skipping (as keepalived)",
      '29 error route "198.51.100.0/24 dev eth1 track_group G": track_group is only allowed in static_routes (as keepalived); not installed',
    ]);
  });
});
