// How many VIPs an advert carries (keepalived vrrp.c vrrp_complete_instance), and what happens to
// the rest: added but not advertised, as virtual_ipaddress_excluded, with a TOO_MANY_VIPS warning.
import { describe, expect, it } from "vitest";
import { advertCapacity, DEFAULT_MTU, interfaceMtu } from "../../src/config/advert-capacity.js";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

describe("advert capacity", () => {
  const rows: [4 | 6, 2 | 3, number, number][] = [
    [4, 2, 1500, 255], // (1500 - 14 - 20 - 8 - 8) / 4 = 362, capped at 255
    [4, 3, 1500, 255],
    [6, 3, 1500, 89], // (1500 - 14 - 40 - 8) / 16 = 89.875
    [6, 3, 1280, 76],
    [6, 3, 9000, 255],
    [4, 2, 576, 131],
    [4, 3, 576, 133],
    [4, 3, 40, 0],
  ];
  for (const [family, version, mtu, max] of rows)
    it(`IPv${family} VRRPv${version} at MTU ${mtu}: ${max}`, () => expect(advertCapacity(family, version, mtu)).toBe(max));

  it("reads the MTU from sysfs, and falls back to 1500 for a missing or odd name", () => {
    expect(interfaceMtu("lo")).toBeGreaterThan(DEFAULT_MTU); // 65536 on Linux
    expect(interfaceMtu("no-such-if0")).toBe(DEFAULT_MTU);
    expect(interfaceMtu("../../kernel")).toBe(DEFAULT_MTU);
    expect(interfaceMtu("..")).toBe(DEFAULT_MTU);
  });
});

describe("more VIPs than an advert carries", () => {
  const conf = (vips: string[], iface = "no-such-if0") =>
    `vrrp_instance VI_1 {\n interface ${iface}\n virtual_router_id 1\n virtual_ipaddress {\n${vips.map((v) => `  ${v}`).join("\n")}\n }\n virtual_ipaddress_excluded {\n  192.0.2.250\n }\n}\n`;

  it("IPv4: 256 run with 255 advertised, the 256th added as excluded, and a warning (not a refusal)", () => {
    const vips = [...Array.from({ length: 255 }, (_, i) => `198.51.100.${i + 1}`), "203.0.113.1"];
    const r = parseKeepalivedConf(conf(vips), "x.conf");
    const [i] = r.config.instances;
    expect(i?.vips).toHaveLength(255);
    expect(i?.vips.at(-1)?.address).toBe("198.51.100.255");
    expect(i?.excludedVips.map((v) => v.address)).toEqual(["192.0.2.250", "203.0.113.1"]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const w = r.diagnostics.find((d) => d.code === "TOO_MANY_VIPS");
    expect(w).toMatchObject({ severity: "warning", where: { file: "x.conf", line: 1 } });
    expect(w?.message).toBe(
      "VI_1: 256 virtual addresses, an advert on no-such-if0 (MTU 1500) carries at most 255; the last 1 (203.0.113.1) are added but not advertised, as virtual_ipaddress_excluded (as keepalived)",
    );
  });

  it("IPv4: 255 fit, nothing moved, no warning", () => {
    const r = parseKeepalivedConf(conf(Array.from({ length: 255 }, (_, i) => `198.51.100.${i + 1}`)), "x.conf");
    expect(r.config.instances[0]?.vips).toHaveLength(255);
    expect(r.diagnostics.filter((d) => d.code === "TOO_MANY_VIPS")).toEqual([]);
  });

  it("IPv6 at MTU 1500: 100 run with 89 advertised and 11 excluded", () => {
    const r = parseKeepalivedConf(conf(Array.from({ length: 100 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`)), "x.conf");
    const [i] = r.config.instances;
    expect(i?.vips).toHaveLength(89);
    expect(i?.excludedVips).toHaveLength(12);
    expect(r.diagnostics.find((d) => d.code === "TOO_MANY_VIPS")?.message).toContain("carries at most 89; the last 11 (2001:db8::5a ...)");
  });
});
