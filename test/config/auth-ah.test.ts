// auth_type AH as keepalived 2.2.7 reads it (vrrp_parser.c vrrp_auth_type_handler, vrrp.c
// vrrp_complete_instance).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const conf = (body: string, vip = "192.0.2.100") =>
  `vrrp_instance VI {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  ${vip}\n }\n${body}\n}\n`;
const parse = (text: string) => {
  const r = parseKeepalivedConf(text, "k.conf");
  return { inst: r.config.instances[0], codes: r.diagnostics.map((d) => `${d.severity}:${d.code}@${d.where.line}`) };
};
const ah = " authentication {\n  auth_type AH\n  auth_pass s3cret\n }";

describe("auth_type AH", () => {
  it("is taken with its password (no error)", () => {
    const r = parse(conf(` state BACKUP\n${ah}`));
    expect(r.codes.filter((c) => c.startsWith("error"))).toEqual([]);
    expect(r.inst).toMatchObject({ authPass: "s3cret", authAh: true });
  });
  it("PASS stays PASS", () => {
    const r = parse(conf(" authentication {\n  auth_type PASS\n  auth_pass s3cret\n }"));
    expect(r.inst?.authPass).toBe("s3cret");
    expect(r.inst?.authAh).toBeUndefined();
  });
  it("state MASTER below priority 255 starts as BACKUP, with keepalived's warning; the owner stays MASTER", () => {
    const r = parse(conf(` state MASTER\n priority 200\n${ah}`));
    expect(r.inst?.initialState).toBe("BACKUP");
    expect(r.codes).toContain("warning:AH_MASTER@1");
    const owner = parse(conf(` state MASTER\n priority 255\n${ah}`));
    expect(owner.inst?.initialState).toBe("MASTER");
    expect(owner.codes.join()).not.toContain("AH_MASTER");
  });
  it("IPv6 (VRRPv3) means no authentication, with keepalived's v3 warning (its check comes first)", () => {
    const r = parse(conf(ah, "2001:db8::100"));
    expect(r.inst?.authPass).toBeUndefined();
    expect(r.inst?.authAh).toBeUndefined();
    expect(r.codes).toContain("warning:V3_AUTH@8");
  });
  it("an unknown type is warned about and means no authentication (keepalived vrrp_auth_type_handler)", () => {
    expect(parse(conf(" authentication {\n  auth_type XX\n  auth_pass s\n }")).codes).toContain("warning:BAD_VALUE@8");
  });
});
