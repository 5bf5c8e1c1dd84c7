// The drivers (InstanceDrivers) and state notifications with fake ports: what the router decides
// becomes the right netlink requests, adverts, announcements, notify jobs and log lines, without root.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { DeadlineQueue } from "../../src/daemon/deadline-queue.js";
import { DeadlineTiming, InstanceDriver, InstanceDrivers, type AdvertSender } from "../../src/daemon/instance-driver.js";
import { LinkCache } from "../../src/daemon/link-cache.js";
import { keepalivedText } from "../../src/operator/log.js";
import type { NotifyJob } from "../../src/notify/notify.js";
import { StateNotifications } from "../../src/notify/state-notifications.js";
import { routerConfig } from "../../src/daemon/router-config.js";
import type { VipRequest } from "../../src/netlink/rtnl.js";
import { formatAddress } from "../../src/vrrp/address.js";
import { decodeAdvert } from "../../src/vrrp/packet.js";
import { VrrpRouter } from "../../src/vrrp/router.js";

const CONF = `vrrp_sync_group G {
  group {
    VI
  }
  notify "/bin/true"
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 7
  priority 150
  advert_int 1
  notify "/bin/true"
  notify_master /bin/true
  unicast_peer {
    192.0.2.12
    192.0.2.13
  }
  virtual_ipaddress {
    198.51.100.7/24 dev eth0 label eth0:vip
  }
}
`;

function setup(conf = CONF) {
  const { config, diagnostics } = parseKeepalivedConf(conf);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const router = new VrrpRouter(routerConfig(config));
  const ri = router.instances[0]!;
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const sent: { dst: string; bytes: Uint8Array }[] = [];
  /** What the instance's socket does with an advert (a test may replace it). */
  const sock: AdvertSender = { send: (vrrp, _src, dst) => sent.push({ dst: formatAddress(dst), bytes: Uint8Array.from(vrrp) }) > 0 };
  const added: VipRequest[] = [];
  const removed: VipRequest[] = [];
  const announced: { ifname: string; vips: string[]; repeat: number }[] = [];
  const jobs: NotifyJob[] = [];
  const fifoLines: string[] = [];
  const routeOps: string[] = [];
  /** Delays the deadline queue's timer was armed with. */
  const armed: number[] = [];
  const links = new LinkCache(
    [
      { index: 5, name: "eth0", mac: Buffer.alloc(6, 1), up: true },
      { index: 6, name: "eth1", mac: Buffer.alloc(6, 2), up: true },
    ],
    [],
  );
  const notifications = new StateNotifications({
    notify: { enqueue: (j) => void jobs.push(j) },
    fifo: { write: (l) => void fifoLines.push(l) },
    log,
    groups: { groupNotify: (g) => config.syncGroups.find((x) => x.name === g)?.notify },
  });
  const drivers = new InstanceDrivers(
    {
      groupState: (group, state) => notifications.groupState(group, state),
      armLinkTimer: () => undefined,
      reinstateStaticRoutes: () => void routeOps.push("reinstate static"),
    },
    log,
  );
  const queue = new DeadlineQueue(
    () => 0,
    () => ({ arm: (ms) => void armed.push(ms), disarm: () => undefined, close: () => undefined }),
  );
  const io = new InstanceDriver(ri, log, {
    netlink: {
      addAddress: async (v) => (added.push(v), true),
      delAddress: async (v) => (removed.push(v), true),
      addRoute: async (r) => (routeOps.push(`add route ${r.text}`), true),
      delRoute: async (r) => (routeOps.push(`del route ${r.text}`), true),
      addRule: async (r) => (routeOps.push(`add rule ${r.text}`), true),
      delRule: async (r) => (routeOps.push(`del rule ${r.text}`), true),
    },
    announcer: {
      announce: (t, vips, repeat) => (
        announced.push({ ifname: t.ifname, vips: vips.map((v) => formatAddress(v)), repeat }),
        { arp: vips.length * repeat, na: 0, skipped: 0 }
      ),
    },
    links,
    sockets: { socketFor: () => ({ send: (...a) => sock.send(...a) }) },
    notifications,
    timing: new DeadlineTiming({ now: () => 0, stopping: () => false }, queue),
    host: {
      handle: () => undefined,
      ipv6Forwarding: () => false,
    },
  });
  drivers.add(io);
  // Bound as the daemon binds: the driver attached, the router told the address (which keeps it).
  io.attach(links.link("eth0")!, Uint8Array.of(192, 0, 2, 11));
  router.handle({ type: "source", instance: ri, address: Uint8Array.of(192, 0, 2, 11) }, 0);
  return { router, ri, io, drivers, sock, sent, added, removed, announced, jobs, fifoLines, routeOps, armed, lines };
}

describe("the drivers carry out the router's actions", () => {
  it("takes over: adverts to every unicast peer first, then VIPs through netlink, then announcements and notify scripts", async () => {
    const t = setup();
    t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
    expect(t.ri.vi.state).toBe("BACKUP");
    t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
    expect(t.ri.vi.state).toBe("MASTER");
    expect(t.sent.map((s) => s.dst)).toEqual(["192.0.2.12", "192.0.2.13"]);
    // Each copy carries a checksum over its own destination (v2: no pseudo-header, so both decode).
    for (const s of t.sent) expect(decodeAdvert(s.bytes, 4, Uint8Array.of(192, 0, 2, 11), Uint8Array.of(192, 0, 2, 12)).ok).toBe(true);
    await t.io.settled();
    expect(t.added).toEqual([expect.objectContaining({ index: 5, family: 4, prefix: 24, label: "eth0:vip" })]);
    expect(formatAddress(t.added[0]!.address)).toBe("198.51.100.7");
    expect(t.announced).toEqual([{ ifname: "eth0", vips: ["198.51.100.7"], repeat: 5 }]);
    expect(t.io.stats.announcementsSent).toBe(5);
    expect(t.io.holdsVips).toBe(true);
    const args = t.jobs.map((j) => [j.key, j.script.command, ...j.extraArgs].join(" "));
    expect(args).toContain("VI /bin/true INSTANCE VI MASTER 150");
    expect(args).toContain("VI /bin/true"); // notify_master
    expect(args).toContain("group:G /bin/true GROUP G MASTER 0");
    // notify_fifo: keepalived's lines, instance before its group, in order.
    expect(t.fifoLines.slice(-2)).toEqual(['INSTANCE "VI" MASTER 150\n', 'GROUP "G" MASTER 0\n']);
    expect(t.armed.length).toBeGreaterThan(0); // the deadline action re-armed the instance's entry
  });

  // keepalived 2.2.7 vrrp_if.c set_default_garp_delay / vrrp_parser.c garp_group_interface_handler,
  // vrrp_arp.c send_gratuitous_arp: each interface is spaced by its own garp_group, else the global one.
  it("spaces GARP rounds per interface: a garp_group's interval on its interfaces, global_defs vrrp_garp_interval elsewhere", async () => {
    {
      const conf = CONF.replace(
        "vrrp_sync_group",
        "global_defs {\n  vrrp_garp_interval 0.1\n}\ngarp_group {\n  garp_interval 0.02\n  gna_interval 0.05\n  interfaces {\n    eth1\n  }\n}\nvrrp_sync_group",
      ).replace(
        "    198.51.100.7/24 dev eth0 label eth0:vip\n",
        "    198.51.100.7/24 dev eth0 label eth0:vip\n    203.0.113.7/24 dev eth1\n",
      );
      const t = setup(conf);
      t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
      t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
      t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
      await t.io.settled();
      const count = (ifname: string) => t.announced.filter((a) => a.ifname === ifname).length;
      expect(t.announced).toEqual([
        { ifname: "eth0", vips: ["198.51.100.7"], repeat: 1 },
        { ifname: "eth1", vips: ["203.0.113.7"], repeat: 1 },
      ]);
      // The later rounds are the instance's deadlines: the runtime feeds a timer event at each.
      const until = (end: number) => {
        for (let due = t.ri.vi.nextDeadline(); due !== undefined && due <= end; due = t.ri.vi.nextDeadline())
          t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, due));
      };
      until(10_050);
      expect([count("eth0"), count("eth1")]).toEqual([1, 2]);
      until(10_100);
      expect([count("eth0"), count("eth1")]).toEqual([2, 3]);
      until(10_200);
      expect([count("eth0"), count("eth1")]).toEqual([3, 5]);
      until(11_200);
      expect([count("eth0"), count("eth1")]).toEqual([5, 5]);
      expect(t.io.stats.announcementsSent).toBe(10);
    }
  });

  // keepalived 2.2.7 vrrp.c clear_diff_vrrp / vrrp_notify.c send_instance_notifies: a reload that
  // deletes an instance notifies FAULT (the old way), or DELETED and the notify_deleted script.
  for (const [keyword, word] of [
    ["", "FAULT"],
    ["  notify_deleted /bin/deleted\n", "DELETED"],
  ] as const) {
    it(`an instance a reload deletes is notified ${word}${keyword ? " with notify_deleted" : ""}, not STOP`, async () => {
      const t = setup(CONF.replace("  notify_master /bin/true\n", `  notify_master /bin/true\n  notify_fault /bin/fault\n${keyword}`));
      t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
      t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
      t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
      await t.io.settled();
      t.jobs.length = 0;
      t.fifoLines.length = 0;
      const empty = parseKeepalivedConf("").config;
      const { plan, actions } = t.router.reload(routerConfig(empty), 11_000);
      expect(plan.removed).toEqual([t.ri]);
      t.io.markDeleted();
      t.drivers.run(actions);
      // keepalived 2.2.7 writes no FIFO line for a deleted instance (measured: notify-fifo.test.ts)
      expect(t.fifoLines.filter((l) => l.startsWith("INSTANCE"))).toEqual([]);
      const args = t.jobs.map((j) => [j.script.command, ...j.extraArgs].join(" "));
      expect(args).toContain(`/bin/true INSTANCE VI ${word} 150`);
      expect(args).toContain(word === "DELETED" ? "/bin/deleted" : "/bin/fault");
    });
  }

  it("gives up: priority 0, VIPs removed; sends the kernel refused or that threw are counted per instance, not fatal", async () => {
    const t = setup();
    t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
    t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
    t.sent.length = 0;
    let calls = 0;
    t.sock.send = () => {
      if (++calls === 1) return false; // refused by the kernel (the socket logs it)
      throw Object.assign(new Error("boom"), { code: "SEND" });
    };
    t.drivers.run(t.router.handle({ type: "stop" }, 11_000));
    await t.io.settled();
    expect(t.removed).toHaveLength(1);
    expect(t.io.holdsVips).toBe(false);
    expect(t.io.stats.sendErrors).toBe(2);
    expect(t.lines.some((l) => l.msg === "advert not sent; the next one is tried on schedule" && l.code === "SEND")).toBe(true);
  });

  it("carries out the router's put-backs: a master's deleted VIP, its tracked virtual routes, the static routes", async () => {
    const t = setup(CONF.replace("  virtual_ipaddress {", "  virtual_routes {\n    203.0.113.0/24 dev eth0\n  }\n  virtual_ipaddress {"));
    t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
    t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
    await t.io.settled();
    expect(t.added).toHaveLength(1);
    t.routeOps.length = 0;
    t.drivers.run(t.router.handle({ type: "address-deleted", ifname: "eth0", address: Uint8Array.of(198, 51, 100, 7) }, 10_100));
    await t.io.settled();
    expect(t.added.map((v) => formatAddress(v.address))).toEqual(["198.51.100.7", "198.51.100.7"]);
    t.drivers.run(t.router.handle({ type: "route-deleted" }, 10_200));
    await t.io.settled();
    expect(t.routeOps).toEqual(["reinstate static", "add route 203.0.113.0/24 dev eth0"]);
  });

  it("logs a stop in keepalived's console form with the instance named once", async () => {
    const t = setup();
    t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
    t.drivers.run(t.router.handle({ type: "timer", instance: t.ri }, 10_000));
    t.drivers.run(t.router.handle({ type: "stop" }, 11_000));
    await t.io.settled();
    const stop = t.lines.find((l) => l.to === "INIT");
    expect(stop).toBeDefined();
    // The runtime's instance logger adds `instance` (runtime.ts), which the console form prefixes.
    expect(keepalivedText({ ...stop!, instance: "VI" })).toMatch(/^\(VI\) stopped, was MASTER /);
  });

  it("logs each drop reason at most every 10 s, while the router counts every one", () => {
    const t = setup();
    t.drivers.run(t.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0));
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0));
    const bad = {
      ifname: "eth0",
      family: 4 as const,
      src: Uint8Array.of(192, 0, 2, 12),
      dst: Uint8Array.of(192, 0, 2, 11),
      ttl: 64,
      multicast: false,
      payload: Uint8Array.of(0x21, 7, 1, 1),
    };
    for (let k = 0; k < 5; k++) t.drivers.run(t.router.handle({ type: "packet", packet: bad }, 100 + k));
    expect(t.ri.vi.stats.drops.TRUNCATED).toBe(5);
    expect(t.lines.filter((l) => l.msg === "advert dropped (each reason logged at most every 10 s)")).toHaveLength(1);
  });
});

describe("link cache", () => {
  it("follows renames and removals by index, and picks keepalived's source address", () => {
    const c = new LinkCache(
      [{ index: 2, name: "eth0", mac: Buffer.alloc(6), up: true }],
      [
        { index: 2, family: 4, address: Buffer.from([198, 51, 100, 7]), prefix: 32, scope: 0, tentative: false },
        { index: 2, family: 4, address: Buffer.from([192, 0, 2, 11]), prefix: 24, scope: 0, tentative: false },
      ],
    );
    const { config } = parseKeepalivedConf(CONF);
    // The VIP is on the interface (a leftover), yet the source is the real address.
    expect(formatAddress(c.sourceFor({ ...config.instances[0]!, unicastSrcIp: undefined })!)).toBe("192.0.2.11");
    const renamed = c.onLink({ kind: "link", removed: false, link: { index: 2, name: "lan0", mac: Buffer.alloc(6), up: true } });
    expect(renamed.nameGone).toBe("eth0");
    expect(c.link("eth0")).toBeUndefined();
    expect(c.link("lan0")?.index).toBe(2);
    expect(c.onLink({ kind: "link", removed: true, link: { index: 2, name: "lan0", mac: Buffer.alloc(6), up: false } }).nameGone).toBe(
      "lan0",
    );
    expect(c.links()).toEqual([]);
    expect(
      c.onAddress({
        kind: "address",
        removed: true,
        address: { index: 2, family: 4, address: Buffer.from([192, 0, 2, 11]), prefix: 24, scope: 0, tentative: false },
      }),
    ).toBe(true);
    expect(c.has(2, Uint8Array.of(192, 0, 2, 11))).toBe(false);
  });
});

describe("status view", () => {
  it("shows the instance's drops (one count per reason), send errors, faults by label, and the daemon counters", async () => {
    const { formatStatus } = await import("../../src/status.js");
    const { instanceStatus } = await import("../../src/operator/status-view.js");
    const t = setup();
    t.drivers.run(t.router.handle({ type: "start", instance: t.ri }, 0)); // eth0 unknown to the router: FAULT
    t.ri.vi.stats.drops.BAD_TTL = 3;
    t.io.stats.sendErrors = 3;
    const s = instanceStatus(t.io);
    expect(s).toMatchObject({
      name: "VI",
      vrid: 7,
      state: "FAULT",
      faults: ["link:eth0"],
      holdsVips: false,
      vips: ["198.51.100.7/24"],
      stats: { sendErrors: 3, drops: { BAD_TTL: 3 } },
    });
    const text = formatStatus({
      pid: 1,
      startedAt: "",
      uptimeS: 5,
      instances: [s],
      checks: [],
      trackFiles: [],
      trackProcesses: [],
      jitterMs: { samples: 0, p50: 0, p99: 0, max: 0 },
      counters: { unknownVrid: 4, malformedPackets: 1, announcementsSent: 10, notify: { runs: 2, failures: 1, coalesced: 0 } },
    });
    expect(text).toMatch(/^INSTANCE .* SENDERR/m);
    expect(text).toMatch(/^VI +7 +eth0 +FAULT .* 3 +BAD_TTL:3 +link:eth0$/m);
    expect(text).toContain("adverts for unknown VRIDs 4, malformed packets 1, GARP/NA sent 10, notify runs 2 (failed 1, coalesced 0)");
  });
});
