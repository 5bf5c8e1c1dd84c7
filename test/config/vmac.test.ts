// use_vmac / vmac_xmit_base / vmac_prefix as keepalived 2.2.7 reads them (vrrp_parser.c
// vrrp_vmac_handler, global_parser.c vrrp_vmac_prefix_handler, vrrp.c create_vmac_name).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

function parse(body: string, global = "") {
  const text = `global_defs {\n${global}\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.100\n }\n${body}\n}\n`;
  const { config, diagnostics } = parseKeepalivedConf(text, "x.conf");
  return { vmac: config.instances[0]?.vmac, diagnostics: diagnostics.map((d) => `${d.severity} ${d.message}`) };
}

describe("use_vmac", () => {
  it("bare: vrrp.VRID with the VRRP MAC, adverts from the macvlan", () => {
    const r = parse("use_vmac");
    expect(r.vmac).toEqual({ name: "vrrp.51", xmitBase: false });
    expect(r.diagnostics.filter((d) => d.startsWith("error"))).toEqual([]);
  });
  it("a name, a MAC, vmac_xmit_base", () => {
    expect(parse("use_vmac vm51 02:11:22:33:44:55\nvmac_xmit_base").vmac).toEqual({
      name: "vm51",
      mac: Uint8Array.from([2, 0x11, 0x22, 0x33, 0x44, 0x55]),
      xmitBase: true,
    });
  });
  it("`use_vmac false` names the interface false, as keepalived 2.2.7 does", () => {
    expect(parse("use_vmac false").vmac?.name).toBe("false");
  });
  it("vmac_prefix gives the default name, cut to 15 characters", () => {
    expect(parse("use_vmac", "vmac_prefix vm").vmac?.name).toBe("vm.51");
    expect(parse("use_vmac", "vmac_prefix averyveryverylongprefix").vmac?.name).toBe("averyveryver.51");
  });
  it("a multicast or RFC 5798 MAC is warned and ignored, as keepalived", () => {
    const m = parse("use_vmac 01:00:5e:00:00:01");
    expect(m.vmac).toEqual({ name: "vrrp.51", xmitBase: false });
    expect(m.diagnostics.some((d) => /multicast/.test(d))).toBe(true);
    const r = parse("use_vmac 00:00:5e:00:01:33");
    expect(r.vmac?.mac).toBeUndefined();
    expect(r.diagnostics.some((d) => /RFC5798/.test(d))).toBe(true);
  });
  it("use_ipvlan stays refused, saying why", () => {
    expect(parse("use_ipvlan").diagnostics.some((d) => d.startsWith("error") && /ipvlan, which this kernel lacks/.test(d))).toBe(true);
  });
});

describe("use_vmac names among instances (vrrp.c create_vmac_name)", () => {
  const two = (a: string, b: string, global = "") =>
    parseKeepalivedConf(
      `global_defs {\n${global}\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 51\n ${a}\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n` +
        `vrrp_instance B {\n interface eth0\n virtual_router_id 51\n ${b}\n virtual_ipaddress {\n  2001:db8::100\n }\n}\n` +
        `vrrp_instance C {\n interface eth0\n virtual_router_id 51\n ${b}\n virtual_ipaddress {\n  192.0.2.101\n }\n unicast_peer {\n  192.0.2.12\n }\n}\n`,
      "x.conf",
    );
  it("IPv4 and IPv6 on one VRID: vrrp.51, then vrrp6.51 for IPv6, vrrp1.51 next", () => {
    const { config } = two("use_vmac", "use_vmac");
    expect(config.instances.map((i) => i.vmac?.name)).toEqual(["vrrp.51", "vrrp6.51", "vrrp1.51"]);
  });
  it("an explicit name another instance uses is ignored with keepalived's message", () => {
    const { config, diagnostics } = two("use_vmac vm", "use_vmac vm", "vmac_prefix v");
    expect(config.instances.map((i) => i.vmac?.name)).toEqual(["vm", "v.51", "v1.51"]);
    expect(diagnostics.some((d) => /VRRP instance A is already using vm - ignoring name/.test(d.message))).toBe(true);
  });
});
