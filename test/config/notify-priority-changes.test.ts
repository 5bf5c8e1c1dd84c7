// notify_priority_changes: the instance's, else its sync group's, else global_defs'
// vrrp_notify_priority_changes (keepalived 2.2.7 vrrp.c vrrp_complete_instance); bare = true.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { instanceConfig } from "../../src/daemon/router-config.js";

const inst = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n${extra}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

function resolved(text: string): Record<string, boolean | undefined> {
  const { config, diagnostics } = parseKeepalivedConf(text, "k.conf");
  expect(diagnostics.map((d) => d.message)).toEqual([]);
  return Object.fromEntries(config.instances.map((i) => [i.name, i.notifyPriorityChanges ?? false]));
}

describe("notify_priority_changes", () => {
  it("instance, then sync group, then global, then off", () => {
    const group = `vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n  notify_priority_changes\n}\n`;
    expect(
      resolved(
        `global_defs {\n  vrrp_notify_priority_changes false\n}\n` +
          inst("A", 1) +
          inst("B", 2, "  notify_priority_changes off\n") +
          inst("C", 3) +
          inst("D", 4, "  notify_priority_changes\n") +
          group,
      ),
    ).toEqual({ A: true, B: false, C: false, D: true });
    expect(
      resolved(`global_defs {\n  vrrp_notify_priority_changes\n}\n` + inst("A", 1) + inst("B", 2, "  notify_priority_changes no\n")),
    ).toEqual({ A: true, B: false });
    expect(resolved(inst("A", 1))).toEqual({ A: false });
  });
  it("reaches the state machine's config", () => {
    const { config } = parseKeepalivedConf(inst("A", 1, "  notify_priority_changes yes\n"));
    expect(instanceConfig(config.instances[0]!, new Uint8Array(4)).notifyPriorityChanges).toBe(true);
  });
  it("a value that is not true/false is an error with file:line, as keepalived's check_true_false", () => {
    const { diagnostics } = parseKeepalivedConf(inst("A", 1, "  notify_priority_changes maybe\n"), "k.conf");
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.where.line])).toEqual([["BAD_VALUE", 5]]);
  });
});
