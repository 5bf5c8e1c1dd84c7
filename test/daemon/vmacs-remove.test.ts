// Vmacs.remove deletes only the macvlan it made: the ifindex it remembers may name another
// interface by then (ours deleted by hand or with its base, and an interface moved in from another
// namespace keeps its index, or `ip link add ... index N`). keepalived deletes its own
// interface_t, which it drops when the kernel reports the link gone (keepalived_netlink.c).
// IPv6 instances: Vmacs writes no sysctl for them, so nothing on the host is touched.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import type { Rtnl } from "../../src/netlink/rtnl.js";
import { Vmacs } from "../../src/daemon/vmacs.js";

const CONF = `vrrp_instance V6 {
  interface tsvt-base0
  virtual_router_id 51
  use_vmac
  vmac_xmit_base
  virtual_ipaddress {
    2001:db8::51
  }
}
`;

interface FakeLink {
  index: number;
  name: string;
  kind?: string;
}

/** The few rtnl calls Vmacs makes, over a table of links. */
function fakeRtnl(links: FakeLink[]) {
  const deleted: number[] = [];
  let next = 40;
  const rtnl = {
    linkKind: async (name: string) => {
      const l = links.find((x) => x.name === name);
      return l ? { index: l.index, ...(l.kind ? { kind: l.kind } : {}) } : undefined;
    },
    addMacvlan: async (name: string) => {
      const index = next++;
      links.push({ index, name, kind: "macvlan" });
      return index;
    },
    linkUp: async () => {},
    addresses: async () => [],
    delLink: async (index: number) => {
      deleted.push(index);
      const k = links.findIndex((x) => x.index === index);
      if (k < 0) return false;
      links.splice(k, 1);
      return true;
    },
  };
  return { rtnl: rtnl as unknown as Rtnl, deleted };
}

function setUp() {
  const { config, diagnostics } = parseKeepalivedConf(CONF);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const links: FakeLink[] = [{ index: 2, name: "tsvt-base0", kind: "veth" }];
  const f = fakeRtnl(links);
  const lines: string[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push((JSON.parse(s) as { msg: string }).msg) });
  return { config, links, vmacs: new Vmacs(f.rtnl, log), deleted: f.deleted, lines };
}

describe("Vmacs.remove", () => {
  it("deletes the macvlan it made", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const made = t.links.find((l) => l.name === "vrrp.51")!;
    await t.vmacs.remove();
    expect(t.deleted).toEqual([made.index]);
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0"]);
  });

  it("leaves alone another interface that has the macvlan's old ifindex by now", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const made = t.links.find((l) => l.name === "vrrp.51")!;
    // Ours is deleted by someone else; an interface moved in from another namespace keeps its index.
    t.links.splice(t.links.indexOf(made), 1);
    t.links.push({ index: made.index, name: "eth7", kind: "veth" });
    await t.vmacs.remove();
    expect(t.deleted).toEqual([]);
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0", "eth7"]);
    expect(t.lines.some((m) => /vrrp\.51.*(gone|no longer)/.test(m))).toBe(true);
  });

  it("leaves alone a macvlan of that name made since with another ifindex", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const made = t.links.find((l) => l.name === "vrrp.51")!;
    t.links.splice(t.links.indexOf(made), 1);
    t.links.push({ index: 77, name: "vrrp.51", kind: "macvlan" });
    await t.vmacs.remove();
    expect(t.deleted).toEqual([]);
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0", "vrrp.51"]);
  });
});
