// Vmacs.remove deletes only the macvlan it made: the ifindex it remembers may name another
// interface by then (ours deleted by hand or with its base, and an interface moved in from another
// namespace keeps its index, or `ip link add ... index N`). keepalived deletes its own
// interface_t, which it drops when the kernel reports the link gone (keepalived_netlink.c).
// IPv6 instances: Vmacs writes no sysctl for them, so nothing on the host is touched.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { NetlinkError, type AddressEvent, type LinkEvent, type Rtnl } from "../../src/netlink/rtnl.js";
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
  lower?: number;
}

/** The few rtnl calls Vmacs makes, over a table of links. */
function fakeRtnl(links: FakeLink[], opts: { addrGenModeFails?: boolean } = {}) {
  const deleted: number[] = [];
  const listeners: ((e: LinkEvent | AddressEvent) => void)[] = [];
  let next = 40;
  const rtnl = {
    watch: (l: (e: LinkEvent | AddressEvent) => void) => void listeners.push(l),
    linkKind: async (name: string) => {
      const l = links.find((x) => x.name === name);
      return l ? { index: l.index, ...(l.kind ? { kind: l.kind } : {}) } : undefined;
    },
    addMacvlan: async (name: string, lower: number) => {
      if (links.some((x) => x.name === name)) throw new Error(`EEXIST: ${name}`);
      const index = next++;
      links.push({ index, name, kind: "macvlan", lower });
      // Rtnl.addMacvlan's second message, after the link exists.
      if (opts.addrGenModeFails) throw new NetlinkError("EOPNOTSUPP", "addrgenmode", `setting addrgenmode none on ${name}: EOPNOTSUPP`);
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
  /** The kernel's RTM_DELLINK / RTM_NEWLINK to every watcher. */
  const emit = (removed: boolean, l: FakeLink) => {
    for (const f of listeners) f({ kind: "link", removed, link: { index: l.index, name: l.name, mac: Buffer.alloc(6), up: true } });
  };
  return { rtnl: rtnl as unknown as Rtnl, deleted, emit };
}

function setUp(
  conf = CONF,
  links: FakeLink[] = [{ index: 2, name: "tsvt-base0", kind: "veth" }],
  opts: { addrGenModeFails?: boolean } = {},
) {
  const { config, diagnostics } = parseKeepalivedConf(conf);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const f = fakeRtnl(links, opts);
  const lines: string[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push((JSON.parse(s) as { msg: string }).msg) });
  return { config, links, vmacs: new Vmacs(f.rtnl, log), deleted: f.deleted, lines, emit: f.emit };
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

// keepalived vrrp_vmac.c netlink_link_add_vmac: a VMAC of that name on another base interface is
// removed and made again on the right one. use_vmac_addr names follow the instances' order
// (vrrp.c create_vmac_name), so a reload that reorders them gives a name to another base.
describe("Vmacs.setUp on reload", () => {
  const instance = (name: string, base: string, dev: string, vip: string) =>
    `vrrp_instance ${name} {\n  interface ${base}\n  virtual_router_id 51\n  use_vmac_addr\n  virtual_ipaddress {\n    ${vip} dev ${dev}\n  }\n}\n`;
  const A = instance("A", "tsvt-base0", "tsvt-eth1", "2001:db8:1::1");
  const B = instance("B", "tsvt-base9", "tsvt-eth2", "2001:db8:2::1");
  const LINKS = (): FakeLink[] => [
    { index: 2, name: "tsvt-base0", kind: "veth" },
    { index: 3, name: "tsvt-base9", kind: "veth" },
    { index: 4, name: "tsvt-eth1", kind: "veth" },
    { index: 5, name: "tsvt-eth2", kind: "veth" },
  ];
  const where = (links: FakeLink[]) =>
    Object.fromEntries(links.filter((l) => l.kind === "macvlan").map((l) => [l.name, links.find((b) => b.index === l.lower)?.name]));

  it("a name that moves to another base interface is made again there", async () => {
    const t = setUp(A + B, LINKS());
    const first = await t.vmacs.setUp(t.config);
    expect(first.instances.map((i) => i.addrVmacs?.map((m) => `${m.name}@${m.base}`))).toEqual([
      ["vrrp.51@tsvt-eth1"],
      ["vrrp6.51@tsvt-eth2"],
    ]);
    expect(where(t.links)).toEqual({ "vrrp.51": "tsvt-eth1", "vrrp6.51": "tsvt-eth2" });
    const { config: swapped } = parseKeepalivedConf(B + A);
    const next = await t.vmacs.setUp(swapped);
    expect(next.instances.map((i) => i.addrVmacs?.map((m) => `${m.name}@${m.base}`))).toEqual([
      ["vrrp.51@tsvt-eth2"],
      ["vrrp6.51@tsvt-eth1"],
    ]);
    await t.vmacs.remove(next);
    // Each VIP's macvlan sits on the interface its `dev` names, not on the other LAN.
    expect(where(t.links)).toEqual({ "vrrp.51": "tsvt-eth2", "vrrp6.51": "tsvt-eth1" });
  });
});

// Rtnl.addMacvlan creates the link, then sets addrgenmode none in a second message; when that
// fails the macvlan exists and must still be removed at stop (and by a reload that drops it).
describe("Vmacs when addrgenmode none fails after the macvlan exists", () => {
  it("remembers the macvlan and removes it at stop", async () => {
    const t = setUp(CONF, undefined, { addrGenModeFails: true });
    await t.vmacs.setUp(t.config);
    const made = t.links.find((l) => l.name === "vrrp.51");
    expect(made?.kind).toBe("macvlan");
    expect(t.lines.some((m) => /cannot create VMAC interface vrrp\.51/.test(m))).toBe(true);
    await t.vmacs.remove();
    expect(t.deleted).toEqual([made!.index]);
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0"]);
  });
});

// keepalived_netlink.c netlink_if_link_filter: RTM_DELLINK of a VMAC it made (is_ours) queues
// vrrp_if.c recreate_vmac_thread, which makes it again if the configured interface exists, and
// again when that interface comes back. Only an instance's own (use_vmac) interface.
describe("Vmacs when someone else deletes a macvlan", () => {
  const settle = () => new Promise((r) => setTimeout(r, 20));
  it("a use_vmac one is made again at once", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const first = t.links.find((l) => l.name === "vrrp.51")!;
    t.links.splice(t.links.indexOf(first), 1);
    t.emit(true, first);
    await settle();
    const again = t.links.find((l) => l.name === "vrrp.51");
    expect(again?.kind).toBe("macvlan");
    expect(again?.index).not.toBe(first.index);
    // The one made again is ours: removed at stop.
    await t.vmacs.remove();
    expect(t.deleted).toEqual([again!.index]);
  });

  it("with its base interface gone, it is made again when the base comes back", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const base = t.links[0]!;
    const vmac = t.links.find((l) => l.name === "vrrp.51")!;
    t.links.length = 0; // the kernel deletes the macvlan with its base
    t.emit(true, vmac);
    t.emit(true, base);
    await settle();
    expect(t.links).toEqual([]);
    t.links.push(base);
    t.emit(false, base);
    await settle();
    expect(t.links.find((l) => l.name === "vrrp.51")?.kind).toBe("macvlan");
  });

  it("after stop nothing is made again", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    await t.vmacs.remove();
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0"]);
    const gone = { index: 40, name: "vrrp.51", kind: "macvlan" };
    t.emit(true, gone);
    await settle();
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0"]);
  });

  // Measured: keepalived 2.2.7 makes it again neither at once nor on SIGHUP (test/netns/vmac-recreate.test.ts).
  it("a use_vmac_addr one is not made again, not even by a reload (as keepalived 2.2.7)", async () => {
    const conf = `vrrp_instance A {\n  interface tsvt-base0\n  virtual_router_id 51\n  use_vmac_addr\n  virtual_ipaddress {\n    2001:db8:1::1 dev tsvt-eth1\n  }\n}\n`;
    const t = setUp(conf, [
      { index: 2, name: "tsvt-base0", kind: "veth" },
      { index: 4, name: "tsvt-eth1", kind: "veth" },
    ]);
    await t.vmacs.setUp(t.config);
    const first = t.links.find((l) => l.kind === "macvlan")!;
    t.links.splice(t.links.indexOf(first), 1);
    t.emit(true, first);
    await settle();
    // keepalived 2.2.7 recreate_vmac_thread skips it (not the instance's own interface).
    expect(t.links.some((l) => l.kind === "macvlan")).toBe(false);
    await t.vmacs.setUp(t.config);
    expect(t.links.some((l) => l.kind === "macvlan")).toBe(false);
    expect(t.lines.some((m) => new RegExp(`${first.name.replace(".", "\\.")}.*not made again until restart`).test(m))).toBe(true);
  });

  it("a reload at the moment of the deletion: made again once, without errors", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const first = t.links.find((l) => l.name === "vrrp.51")!;
    t.links.splice(t.links.indexOf(first), 1);
    t.emit(true, first);
    await t.vmacs.setUp(t.config);
    await settle();
    expect(t.links.filter((l) => l.name === "vrrp.51")).toHaveLength(1);
    expect(t.lines.filter((m) => /cannot|failed/.test(m))).toEqual([]);
    await t.vmacs.remove();
    expect(t.links.map((l) => l.name)).toEqual(["tsvt-base0"]);
  });

  it("a reload makes again one deleted while no event came", async () => {
    const t = setUp();
    await t.vmacs.setUp(t.config);
    const first = t.links.find((l) => l.name === "vrrp.51")!;
    t.links.splice(t.links.indexOf(first), 1);
    await t.vmacs.setUp(t.config);
    expect(t.links.find((l) => l.name === "vrrp.51")?.kind).toBe("macvlan");
  });
});
