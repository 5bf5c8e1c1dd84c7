// garp_extra_if / vmac_garp_intvl and global vrrp_garp_extra_if / vrrp_vmac_garp_intvl (keepalived
// 2.2.7 vrrp_parser.c vrrp_garp_extra_if_handler, global_parser.c vrrp_vmac_garp_extra_if_handler,
// vrrp.c vrrp_complete_instance).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { instanceConfig } from "../../src/daemon/router-config.js";

const inst = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  use_vmac\n${extra}  virtual_ipaddress {\n    192.0.2.${vrid}\n    198.51.100.${vrid} dev eth1\n  }\n}\n`;

function read(text: string) {
  const { config, diagnostics } = parseKeepalivedConf(text, "k.conf");
  return {
    extra: Object.fromEntries(config.instances.map((i) => [i.name, i.garpExtraIf ?? null])),
    diags: diagnostics.map((d) => `${d.where.line} ${d.severity} ${d.message}`),
    config,
  };
}

describe("garp_extra_if", () => {
  it("the instance's seconds and all, else global_defs' (whose all applies only then); 0 is off", () => {
    const { extra, diags, config } = read(
      `global_defs {\n  vrrp_garp_extra_if all 30\n}\n` +
        inst("A", 1, "  garp_extra_if 5 all\n") +
        inst("B", 2, "  garp_extra_if 7\n") +
        inst("C", 3) +
        inst("D", 4, "  garp_extra_if 0\n"),
    );
    expect(diags).toEqual([]);
    expect(extra).toEqual({
      A: { intervalMs: 5000, all: true },
      B: { intervalMs: 7000, all: false },
      C: { intervalMs: 30000, all: true },
      D: null,
    });
    expect(instanceConfig(config.instances[0]!, new Uint8Array(4)).garpExtraIfMs).toBe(5000);
    expect(instanceConfig(config.instances[3]!, new Uint8Array(4)).garpExtraIfMs).toBeUndefined();
  });
  it("the deprecated spellings warn and work; a bad or missing time is warned and ignored, `all` still counts", () => {
    const { extra, diags } = read(
      `global_defs {\n  vrrp_vmac_garp_intvl 9\n}\n` +
        inst("A", 1, "  vmac_garp_intvl 4 all\n") +
        inst("B", 2, "  garp_extra_if soon\n") +
        inst("C", 3, "  garp_extra_if all\n"),
    );
    expect(diags).toEqual([
      '2 warning Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if" (as keepalived)',
      '9 warning Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if" (as keepalived)',
      "20 warning (B): garp_extra_if 'soon' invalid - ignoring (as keepalived)",
      "31 warning (C): garp_extra_if specified without time - ignoring (as keepalived)",
    ]);
    expect(extra).toEqual({ A: { intervalMs: 4000, all: true }, B: { intervalMs: 9000, all: false }, C: { intervalMs: 9000, all: true } });
  });
  it("global_defs takes 1..86400", () => {
    const { diags } = read(`global_defs {\n  vrrp_garp_extra_if 0\n}\n` + inst("A", 1));
    expect(diags).toEqual(["2 warning vrrp_garp_extra_if '0' invalid - ignoring (as keepalived)"]);
  });
});
