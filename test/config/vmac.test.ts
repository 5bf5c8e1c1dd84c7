// use_vmac / vmac_xmit_base / vmac_prefix as keepalived 2.2.7 reads them (vrrp_parser.c
// vrrp_vmac_handler, global_parser.c vrrp_vmac_prefix_handler, vrrp.c create_vmac_name).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import type { InstanceSpec } from "../../src/config/model.js";
import { placeOnVmacs } from "../../src/config/vmac-placement.js";

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

describe("use_vmac_addr / vmac_addr_prefix (vrrp.c vrrp_complete_instance, create_vmac_name; vrrp_if.c if_get_by_vmac)", () => {
  const file = (global: string, a: string, b = "") =>
    `global_defs {\n${global}\n}\n` +
    `vrrp_instance A {\n interface eth0\n virtual_router_id 51\n ${a}\n virtual_ipaddress {\n  192.0.2.100\n  198.51.100.7/24 dev eth1\n }\n` +
    ` virtual_ipaddress_excluded {\n  2001:db8::7\n  203.0.113.7/24 dev eth1\n  203.0.113.8/24 dev eth2\n }\n}\n` +
    (b ? `vrrp_instance B {\n interface eth3\n virtual_router_id 51\n ${b}\n virtual_ipaddress {\n  192.0.2.101 dev eth1\n }\n}\n` : "");
  const devs = (i: InstanceSpec) => [...i.vips, ...i.excludedVips].map((v) => `${v.address} ${v.dev ?? "-"}`);

  it("one private macvlan per other interface and family, named PREFIX.VRID, with the VRRP MAC of the VIP's family", () => {
    const { config, diagnostics } = parseKeepalivedConf(file("", "use_vmac_addr"), "x.conf");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const a = config.instances[0]!;
    expect(a.addrVmacs?.map((m) => [m.name, m.base, m.family, Buffer.from(m.mac).toString("hex")])).toEqual([
      ["vrrp.51", "eth1", 4, "00005e000133"],
      // The IPv6 eVIP on the instance's own interface: the other family, so use_vmac_addr applies.
      ["vrrp6.51", "eth0", 6, "00005e000233"],
      ["vrrp1.51", "eth2", 4, "00005e000133"],
    ]);
    // As the daemon runs it: the instance's own family on eth0 stays there (no use_vmac).
    expect(devs(placeOnVmacs(a))).toEqual([
      "192.0.2.100 eth0",
      "198.51.100.7 vrrp.51",
      "2001:db8::7 vrrp6.51",
      "203.0.113.7 vrrp.51",
      "203.0.113.8 vrrp1.51",
    ]);
    expect(placeOnVmacs(a).interface).toBe("eth0");
  });

  it("vmac_addr_prefix names them (the first one wins, as keepalived); vmac_prefix when it is not given", () => {
    const r = parseKeepalivedConf(file("vmac_addr_prefix va\nvmac_addr_prefix vb\nvmac_prefix vp", "use_vmac_addr"), "x.conf");
    expect(r.config.instances[0]!.addrVmacs?.map((m) => m.name)).toEqual(["va.51", "va6.51", "va1.51"]);
    expect(r.diagnostics.some((d) => /vmac_addr prefix has already been specified - ignoring vb/.test(d.message))).toBe(true);
    const p = parseKeepalivedConf(file("vmac_prefix vp", "use_vmac_addr"), "x.conf");
    expect(p.config.instances[0]!.addrVmacs?.map((m) => m.name)).toEqual(["vp.51", "vp6.51", "vp1.51"]);
  });

  it("with use_vmac: the instance's family on eth0 (with or without dev eth0) goes on its macvlan, the rest on use_vmac_addr's", () => {
    const { config } = parseKeepalivedConf(file("", "use_vmac\n use_vmac_addr"), "x.conf");
    const a = placeOnVmacs(config.instances[0]!);
    expect(a.interface).toBe("vrrp.51");
    // vrrp.51 is the instance's: the address macvlans take the next free names.
    expect(a.addrVmacs?.map((m) => m.name)).toEqual(["vrrp1.51", "vrrp6.51", "vrrp2.51"]);
    expect(devs(a)).toEqual([
      "192.0.2.100 vrrp.51",
      "198.51.100.7 vrrp1.51",
      "2001:db8::7 vrrp6.51",
      "203.0.113.7 vrrp1.51",
      "203.0.113.8 vrrp2.51",
    ]);
  });

  it("an instance with the same VRID shares the macvlan an earlier one made on the same interface with the same MAC", () => {
    const { config } = parseKeepalivedConf(file("", "use_vmac_addr", "use_vmac_addr"), "x.conf");
    expect(config.instances[1]!.addrVmacs?.map((m) => [m.name, m.base])).toEqual([["vrrp.51", "eth1"]]);
  });

  it("without use_vmac_addr, VIPs on other interfaces stay there", () => {
    const { config } = parseKeepalivedConf(file("", "use_vmac"), "x.conf");
    const a = placeOnVmacs(config.instances[0]!);
    expect(a.addrVmacs).toBeUndefined();
    expect(devs(a)).toEqual(["192.0.2.100 vrrp.51", "198.51.100.7 eth1", "2001:db8::7 eth0", "203.0.113.7 eth1", "203.0.113.8 eth2"]);
  });
});

describe("an address's own use_vmac (vrrp_ipaddress.c parse_ipaddress; vrrp.c vrrp_complete_instance)", () => {
  const one = (body: string) =>
    parseKeepalivedConf(
      `vrrp_instance A {\n interface eth0\n virtual_router_id 51\n ${body}\n virtual_ipaddress {\n  192.0.2.100 use_vmac\n  198.51.100.7/24 dev eth1 use_vmac\n  198.51.100.8/24 dev eth1\n }\n}\n`,
      "x.conf",
    );
  it("puts that address (only) on a macvlan of its interface", () => {
    const { config, diagnostics } = one("");
    expect(diagnostics.map((d) => d.message)).toEqual([]);
    const a = placeOnVmacs(config.instances[0]!);
    expect(a.addrVmacs?.map((m) => [m.name, m.base])).toEqual([
      ["vrrp.51", "eth0"],
      ["vrrp1.51", "eth1"],
    ]);
    expect(a.vips.map((v) => v.dev)).toEqual(["vrrp.51", "vrrp1.51", "eth1"]);
  });
  it("beside the instance's use_vmac or use_vmac_addr it is dropped with keepalived's words", () => {
    const withVmac = one("use_vmac");
    expect(withVmac.diagnostics.map((d) => d.message)).toEqual([
      "(A) use_vmac specified for VIP/eVIP 192.0.2.100 and vrrp instance (as keepalived: the instance's VMAC holds it)",
    ]);
    const withAddr = one("use_vmac_addr");
    expect(withAddr.diagnostics.map((d) => d.message)).toEqual([
      "(A) use_vmac_addr specified and use_vmac specified for VIP/eVIP 198.51.100.7 (as keepalived: use_vmac_addr applies)",
    ]);
    // use_vmac_addr then also takes the plain address on eth1.
    expect(placeOnVmacs(withAddr.config.instances[0]!).vips.map((v) => v.dev)).toEqual(["vrrp.51", "vrrp1.51", "vrrp1.51"]);
  });
});
