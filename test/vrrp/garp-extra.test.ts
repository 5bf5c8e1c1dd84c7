// garp_extra_if (keepalived 2.2.7 vrrp.c vrrp_send_vmac_update, vrrp_state_master_tx,
// vrrp_complete_instance): which VIPs are announced, and when.
import { describe, expect, it } from "vitest";
import { extraGarpTargets } from "../../src/vrrp/garp-extra.js";
import { VrrpInstance } from "../../src/vrrp/instance.js";
import { config, ip, stateOf } from "./helpers.js";

const vip = (ifname: string, a: string) => ({ ifname, bytes: ip(a), a });
const names = (vs: { a: string }[]) => vs.map((v) => v.a);

describe("extraGarpTargets", () => {
  const vips = [vip("vrrp.7", "192.0.2.100"), vip("eth1", "198.51.100.1"), vip("eth1", "198.51.100.2"), vip("eth2", "203.0.113.1")];
  const notVmac = () => false;
  const vmac = (n: string) => n === "vrrp.7";
  it("with all: the first VIP of each other interface, never the instance's own", () => {
    expect(names(extraGarpTargets(vips, "vrrp.7", { all: true, xmitBase: false, isVmac: vmac }))).toEqual(["198.51.100.1", "203.0.113.1"]);
  });
  it("with vmac_xmit_base the own VMAC is announced too", () => {
    expect(names(extraGarpTargets(vips, "vrrp.7", { all: true, xmitBase: true, isVmac: vmac }))).toEqual([
      "192.0.2.100",
      "198.51.100.1",
      "203.0.113.1",
    ]);
  });
  it("without all, interfaces that are not VMACs are skipped, so nothing is sent (keepalived sets the interval to 0)", () => {
    expect(extraGarpTargets(vips, "vrrp.7", { all: false, xmitBase: true, isVmac: vmac })).toEqual([]);
  });
  it("no VIP on another interface: off, even with all and xmit_base", () => {
    expect(extraGarpTargets([vips[0]!], "vrrp.7", { all: true, xmitBase: true, isVmac: vmac })).toEqual([]);
    expect(extraGarpTargets([vip("eth0", "192.0.2.100")], "eth0", { all: true, xmitBase: false, isVmac: notVmac })).toEqual([]);
  });
});

describe("garp_extra_if timing", () => {
  it("the first advert sent after the interval since becoming MASTER, then every interval; none in BACKUP", () => {
    const vi = new VrrpInstance(config({ priority: 255, garpExtraIfMs: 2500 }));
    vi.handle({ type: "startup" }, 0);
    const at: number[] = [];
    for (let t = vi.nextDeadline()!; t <= 6000; t = vi.nextDeadline()!) {
      const acts = vi.handle({ type: "timer" }, t);
      if (acts.some((a) => a.type === "announce-extra")) at.push(t);
    }
    // Adverts each 1000 ms from 0: the first one after 2500 is at 3000, then after 5500: 6000.
    expect(at).toEqual([3000, 6000]);
  });
  it("off without the setting; stopped when leaving MASTER", () => {
    const off = new VrrpInstance(config({ priority: 255 }));
    off.handle({ type: "startup" }, 0);
    for (let t = off.nextDeadline()!; t <= 5000; t = off.nextDeadline()!)
      expect(off.handle({ type: "timer" }, t).some((a) => a.type === "announce-extra")).toBe(false);
    const vi = new VrrpInstance(config({ priority: 200, garpExtraIfMs: 1500 }));
    vi.handle({ type: "startup" }, 0);
    const t0 = vi.nextDeadline()!;
    expect(stateOf(vi.handle({ type: "timer" }, t0))?.to).toBe("MASTER");
    vi.handle({ type: "fault", source: { kind: "check", name: "c" }, active: true }, t0 + 10);
    vi.handle({ type: "fault", source: { kind: "check", name: "c" }, active: false }, t0 + 20);
    expect(vi.state).toBe("BACKUP");
    for (let t = vi.nextDeadline()!; t <= t0 + 2500 && vi.state === "BACKUP"; t = vi.nextDeadline()!)
      expect(vi.handle({ type: "timer" }, t).some((a) => a.type === "announce-extra")).toBe(false);
  });
});
