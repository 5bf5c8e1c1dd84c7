// use_vmac against keepalived 2.2.7 (Debian's build has VRRP_VMAC): tsvrrpd removes its macvlan on
// stop and a crashed run's at start, waits for a source address on the base, and makes the same
// macvlans with the same MACs as keepalived from the same file. (The mixed pair: vmac-pair.test.ts.)
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { crash, startDaemon, twoRouterLabs } from "./daemons.js";
import { VIP, VMAC, conf, links, stopAll } from "./vmac.js";

const newLab = twoRouterLabs("vmac");

describe("use_vmac interface life", () => {
  it("a crashed run's macvlan is replaced at start; stop removes it and restores the base's sysctls", async () => {
    const { lab, running } = newLab();
    const sysctl = (k: string) => lab.exec("a", "cat", [`/proc/sys/net/ipv4/conf/eth0/${k}`]).trim();
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["0", "0"]);
    const first = startDaemon(lab, "a", "tsvrrpd", conf("a", 200));
    running.push(first);
    const holds = () => lab.addresses("a", "vrrp.42").some((x) => x.startsWith(`${VIP}/`));
    await waitFor("tsvrrpd to hold the VIP on vrrp.42", holds, 15_000);
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["1", "1"]);
    expect(lab.exec("a", "cat", ["/proc/sys/net/ipv4/conf/vrrp.42/arp_ignore"]).trim()).toBe("1");
    // SIGHUP with the same file: the macvlan and the master stay as they are.
    const index = (links(lab, "a").find((l) => l.ifname === "vrrp.42") as { ifindex?: number } | undefined)?.ifindex;
    first.child.kill("SIGHUP");
    await waitFor("the reload", () => /configuration reloaded/.test(first.output()), 10_000);
    expect(first.output()).toMatch(/"kept":1,"changed":0/);
    expect((links(lab, "a").find((l) => l.ifname === "vrrp.42") as { ifindex?: number } | undefined)?.ifindex).toBe(index);
    expect(holds()).toBe(true);
    await stopAll([first]);
    expect(
      links(lab, "a").some((l) => l.ifname === "vrrp.42"),
      "vrrp.42 removed on stop",
    ).toBe(false);
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["0", "0"]);
    const crashed = startDaemon(lab, "a", "tsvrrpd", conf("a", 200), "-2");
    running.push(crashed);
    await waitFor("the second run to hold the VIP", holds, 15_000);
    crash(lab, "a");
    expect(
      links(lab, "a").find((l) => l.ifname === "vrrp.42"),
      "the crashed run's macvlan is still there",
    ).toBeDefined();
    const third = startDaemon(lab, "a", "tsvrrpd", conf("a", 200), "-3");
    running.push(third);
    await waitFor("the third run to remove the old macvlan", () => /Removing old VMAC interface vrrp\.42/.test(third.output()), 15_000);
    await waitFor("the third run to hold the VIP", holds, 15_000);
    expect(links(lab, "a").filter((l) => l.ifname.startsWith("vrrp")).length).toBe(1);
    await stopAll([third]);
    expect(links(lab, "a").some((l) => l.ifname === "vrrp.42")).toBe(false);
  }, 60_000);
});

describe("use_vmac source address", () => {
  it("an instance whose base interface has no IPv4 address waits in FAULT and starts when one is added to the base", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "del", "192.0.2.11/24", "dev", "eth0"]);
    const d = startDaemon(lab, "a", "tsvrrpd", conf("a", 200));
    running.push(d);
    await waitFor("the no-source message naming eth0", () => /no IPv4 source address on eth0/.test(d.output()), 15_000);
    lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
    await waitFor(
      "the VIP on vrrp.42 once eth0 has an address",
      () => lab.addresses("a", "vrrp.42").some((x) => x.startsWith(`${VIP}/`)),
      10_000,
    );
    await stopAll([d]);
  }, 60_000);
});

describe("use_vmac names and addresses, same file as keepalived", () => {
  it("dual stack on one VRID: keepalived 2.2.7 and tsvrrpd make the same macvlans with the same MACs and link-local", async () => {
    const { lab, running } = newLab();
    const file = [
      "global_defs {",
      "  router_id a",
      "}",
      "vrrp_instance V4 {",
      "  state BACKUP",
      "  interface eth0",
      "  use_vmac",
      "  virtual_router_id 42",
      "  priority 200",
      "  advert_int 0.1",
      "  version 3",
      "  virtual_ipaddress {",
      `    ${VIP}/24`,
      "  }",
      "}",
      "vrrp_instance V6 {",
      "  state BACKUP",
      "  interface eth0",
      "  use_vmac",
      "  virtual_router_id 42",
      "  priority 200",
      "  advert_int 0.1",
      "  virtual_ipaddress {",
      "    2001:db8:1::10",
      "  }",
      "}",
      "",
    ].join("\n");
    const macvlans = () =>
      links(lab, "a")
        .filter((l) => l.linkinfo?.info_kind === "macvlan")
        .map((l) => {
          const ll = lab.addresses("a", l.ifname).filter((x) => x.startsWith("fe80:"));
          return `${l.ifname} ${l.address} ${ll.join(",")}`;
        })
        .sort();
    const seen: Record<string, string[]> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as const) {
      const d = startDaemon(lab, "a", kind, file, `-${kind}`);
      running.push(d);
      await waitFor(
        `${kind} to hold both VIPs`,
        () => {
          const all = lab.snapshot();
          void all;
          return (
            links(lab, "a").filter((l) => l.linkinfo?.info_kind === "macvlan").length === 2 &&
            macvlans().every((m) =>
              lab.addresses("a", m.split(" ")[0]).some((x) => x.startsWith("198.51.100.10/") || x.startsWith("2001:db8:1::10/")),
            )
          );
        },
        15_000,
      );
      seen[kind] = macvlans();
      await stopAll([d]);
      await waitFor(`${kind} to remove its macvlans`, () => macvlans().length === 0, 10_000);
    }
    expect(seen.keepalived!.map((m) => m.split(" ").slice(0, 2).join(" "))).toEqual([`vrrp.42 ${VMAC}`, "vrrp6.42 00:00:5e:00:02:2a"]);
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 60_000);
});
