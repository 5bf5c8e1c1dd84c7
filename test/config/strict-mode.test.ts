// Strict mode and accept mode as keepalived 2.2.7 completes an instance (vrrp.c
// vrrp_complete_instance), and the firewall keywords of global_defs as Debian's nftables build reads
// them. The same messages from keepalived itself: test/netns/strict-mode.test.ts.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const inst = (body: string, name = "A") => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id 42\n${body}\n}\n`;
const VIP = " virtual_ipaddress {\n  198.51.100.10\n }";

function parse(text: string) {
  const r = parseKeepalivedConf(text, "s.conf");
  return {
    ...r,
    warnings: r.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message),
    errors: r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
  };
}

describe("accept mode", () => {
  it("defaults to on outside strict mode, off in strict mode for a non-owner, on for the owner", () => {
    expect(parse(inst(VIP)).config.instances[0]!.accept).toBe(true);
    expect(parse(inst(` no_accept\n${VIP}`)).config.instances[0]!.accept).toBe(false);
    const strict = parse(
      `global_defs {\n vrrp_strict\n}\n${inst(` version 3\n${VIP}`)}${inst(` version 3\n priority 255\n virtual_router_id 43\n${VIP}`, "B")}`,
    );
    expect(strict.errors).toEqual([]);
    expect(strict.config.instances.map((i) => [i.name, i.accept, i.strictMode])).toEqual([
      ["A", false, true],
      ["B", true, true],
    ]);
    // VRRPv3 strict mode keeps an explicit accept
    expect(parse(inst(` strict_mode\n version 3\n accept\n${VIP}`)).config.instances[0]!.accept).toBe(true);
  });

  it("strict_mode off in an instance overrides vrrp_strict", () => {
    const r = parse(`global_defs {\n vrrp_strict\n}\n${inst(` strict_mode off\n${VIP}`)}`);
    expect(r.config.instances[0]!.strictMode).toBeUndefined();
    expect(r.config.instances[0]!.accept).toBe(true);
  });
});

describe("strict mode checks (keepalived's messages, each warned and reset)", () => {
  it("resets what RFC compliance forbids, in keepalived's order", () => {
    const r = parse(
      `global_defs {\n vrrp_strict\n}\n` +
        inst(
          ` state MASTER\n priority 100\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n preempt_delay 5\n accept\n higher_prio_send_advert\n lower_prio_no_advert false\n garp_lower_prio_repeat 3\n garp_lower_prio_delay 2\n down_timer_adverts 5\n${VIP}`,
        ),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      "(A) State MASTER must match being address owner (as keepalived)",
      "(A) Strict mode does not support authentication. Ignoring. (as keepalived)",
      "(A) preempt_delay is incompatible with strict mode - resetting (as keepalived)",
      "(A) down_timer_adverts is incompatible with strict mode - resetting (as keepalived)",
      "(A) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting (as keepalived)",
      "(A) Strict mode requires no repeat garps. resetting (as keepalived)",
      "(A) Strict mode requires no repeat garp delay. resetting (as keepalived)",
      "(A) Strict mode requires no lower priority advert. resetting (as keepalived)",
      "(A) strict mode requires higher_prio_send_advert to be clear. resetting (as keepalived)",
    ]);
    const i = r.config.instances[0]!;
    expect(i.initialState).toBe("BACKUP");
    expect(i.authPass).toBeUndefined();
    expect(i.preemptDelayMs).toBe(0);
    expect(i.downTimerAdverts).toBe(3);
    expect(i.accept).toBe(false);
    expect(i.lowerPrioNoAdvert).toBe(true);
    expect(i.higherPrioSendAdvert).toBe(false);
    expect(i.garpLowerPrio).toEqual({ repeat: 0, delayMs: 0 });
  });

  it("unset in the instance, strict mode's values win over global_defs' without a word", () => {
    const r = parse(
      `global_defs {\n vrrp_strict\n vrrp_higher_prio_send_advert true\n vrrp_garp_lower_prio_repeat 4\n}\n${inst(` version 3\n${VIP}`)}`,
    );
    expect(r.warnings).toEqual([]);
    const i = r.config.instances[0]!;
    expect([i.higherPrioSendAdvert, i.lowerPrioNoAdvert, i.garpLowerPrio.repeat]).toEqual([false, true, 0]);
  });

  it("an instance without a VIP is an error in strict mode; a first IPv6 VIP that is not link-local is warned", () => {
    expect(parse(inst(" strict_mode")).errors).toEqual(["(A) No VIP specified; at least one is required (strict mode, as keepalived)"]);
    expect(parse(inst(" strict_mode\n virtual_ipaddress {\n  2001:db8::1\n }")).warnings).toEqual([
      "(A) the first IPv6 VIP address must be link local (as keepalived)",
    ]);
    expect(parse(inst(" strict_mode\n virtual_ipaddress {\n  fe80::1\n  2001:db8::1\n }")).warnings).toEqual([]);
  });

  it("outside strict mode none of this is said or changed", () => {
    const r = parse(inst(` preempt_delay 5\n down_timer_adverts 5\n higher_prio_send_advert\n${VIP}`));
    expect(r.warnings).toEqual([]);
    expect(r.config.instances[0]!.preemptDelayMs).toBe(5000);
  });
});

describe("firewall keywords in global_defs", () => {
  const fw = (lines: string) => parse(`global_defs {\n${lines}\n}\n${inst(VIP)}`);

  it("nftables [TABLE], nftables_priority, nftables_counters, nftables_ifindex", () => {
    expect(fw(" nftables").config.global.firewall).toEqual({ table: "keepalived", priority: -1, counters: false, ifindex: false });
    expect(fw(" nftables vrrp_fw\n nftables_priority -150\n nftables_counters\n nftables_ifindex").config.global.firewall).toEqual({
      table: "vrrp_fw",
      priority: -150,
      counters: true,
      ifindex: true,
    });
    // keepalived: `nftables` resets the priority to -1, and a second `nftables` is ignored
    const r = fw(" nftables_priority -5\n nftables a\n nftables b");
    expect(r.config.global.firewall).toMatchObject({ table: "a", priority: -1 });
    expect(r.warnings).toEqual(["nftables already specified - ignoring (as keepalived)"]);
  });

  it("a table name that is no nft identifier is refused (it is written into an nft script)", () => {
    expect(fw(' nftables "x; flush ruleset"').errors[0]).toMatch(/nftables table name .* must be 1\.\.31 characters/);
  });

  it("vrrp_iptables is read as nftables with keepalived's warning; vrrp_ipsets is warned and ignored", () => {
    const r = fw(" vrrp_iptables VRRP_IN VRRP_OUT\n vrrp_ipsets a b");
    expect(r.config.global.firewall?.table).toBe("keepalived");
    expect(r.errors).toEqual([]);
    expect(r.diagnostics.map((d) => [d.where.line, d.code])).toEqual([
      [2, "FIREWALL"],
      [3, "UNSUPPORTED"],
    ]);
    expect(r.warnings[0]).toMatch(/^iptables not supported, using nftables instead/);
  });
});
