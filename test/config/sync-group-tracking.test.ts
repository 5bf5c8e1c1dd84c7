// track_* in a vrrp_sync_group (keepalived vrrp.c sync_group_tracking_init), read without root.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const inst = (name: string, vrid: number, priority: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n${extra}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

describe("sync group trackers", () => {
  it("every member tracks the group's objects with their weights; an address owner's weights are cleared", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      `vrrp_script chk {\n  script /bin/true\n}\ntrack_file f {\n  file /run/f\n}\n` +
        inst("A", 1, 100, "  track_script {\n    chk weight 0\n  }\n") +
        inst("B", 2, 255) +
        `vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n  track_script {\n    chk weight 10\n  }\n  track_file {\n    f weight -5\n  }\n  track_interface {\n    eth1\n  }\n}\n`,
    );
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const [a, b] = config.instances;
    // A's own unweighted entry stays unweighted (track_file.c add_obj_to_track_file).
    expect(a!.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk", 0]]);
    expect(a!.trackFiles.map((t) => [t.name, t.weight])).toEqual([["f", -5]]);
    expect(a!.trackInterfaces.map((t) => t.name)).toEqual(["eth1"]);
    expect(b!.trackScripts.map((t) => [t.name, t.weight])).toEqual([["chk", 0]]);
    expect(b!.trackFiles.map((t) => [t.name, t.weight])).toEqual([["f", 0]]);
  });
  it("an unknown object in the group is warned about with file:line and ignored", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      inst("A", 1, 100) + `vrrp_sync_group G {\n  group {\n    A\n  }\n  track_file {\n    nope\n  }\n}\n`,
      "k.conf",
    );
    expect(diagnostics.map((d) => [d.code, d.where.line])).toEqual([
      ["SYNC_GROUP", 9], // a group of one (keepalived vrrp_sync.c vrrp_sync_set_group)
      ["UNKNOWN_TRACK_FILE", 14],
    ]);
    expect(config.instances[0]!.trackFiles).toEqual([]);
  });
});
