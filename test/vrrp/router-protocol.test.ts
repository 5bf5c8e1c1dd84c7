// The protocol decisions that used to live in the daemon, as router tables (events in, actions
// out): a master's VIP deleted by someone else, routes deleted, GARP rounds spaced by an
// interface's interval (instance deadlines), the drop log's pace, and where each advert goes with
// which checksum form. Instances are VRRPv3 at 0.1 s, priority 100, on eth0 unless a case says so.
import { describe, expect, it } from "vitest";
import { addressBytes, formatAddress } from "../../src/vrrp/address.js";
import type { GarpSettings } from "../../src/vrrp/instance-types.js";
import { sendTargets, type RouterAction, type RouterInstanceSpec } from "../../src/vrrp/router-types.js";
import { VrrpRouter } from "../../src/vrrp/router.js";
import { masterDownMs } from "../../src/vrrp/timing.js";
import { conf, linksUp, packet, POLICY, runTable, spec, type Step } from "./router-table.js";

const MDI = masterDownMs(3, 100, 10); // 360.9375 ms: a lone backup's takeover time
const FIRST_ADVERT = Math.ceil((MDI + 100) / 2) * 2; // the master's next advert, on the 2 ms grid
const VIP = "198.51.100.1";
const vip = (address: string, ifname = "eth0", noTrack = false) => ({ bytes: addressBytes(address), ifname, noTrack });
const deadline = (name: string, at: number) => (r: VrrpRouter) => expect(r.instance(name)!.vi.nextDeadline()).toBeCloseTo(at, 6);
const takeover = (n: string, ...announces: string[]) => [
  `${n} send 100`,
  `${n} +vips`,
  ...announces.map((a) => `${n} ${a}`),
  `${n} BACKUP>MASTER`,
];
const garp = (o: Partial<GarpSettings>): GarpSettings => ({
  masterDelayMs: 0,
  masterRepeat: 1,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  ...o,
});

/** VI_1 started alone and MASTER at MDI. */
const MASTER_VI_1: Step[] = [
  ...linksUp("eth1"),
  { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
  { at: "due:VI_1", ev: { timer: "VI_1" }, out: takeover("VI_1", "announce 1") },
];

interface Case {
  name: string;
  specs: RouterInstanceSpec[];
  groups?: { name: string; members: string[] }[];
  steps: Step[];
}

const table = (cases: Case[]) => {
  for (const c of cases) it(c.name, () => void runTable(conf(c.specs, c.groups), c.steps));
};

describe("an address deleted from an interface (keepalived address_is_ours)", () => {
  const VI_1 = spec("VI_1", { vips: [vip(VIP), vip("203.0.113.9", "eth1")] });
  table([
    {
      name: "a MASTER's VIP on its interface is restored; the same address on another interface is not its",
      specs: [VI_1],
      steps: [
        ...MASTER_VI_1,
        { at: 500, ev: { addressDeleted: VIP }, out: ["VI_1 restore-vips"] },
        { ev: { addressDeleted: VIP, ifname: "eth1" }, out: [] },
        { ev: { addressDeleted: "198.51.100.2" }, out: [] },
      ],
    },
    {
      name: "a VIP with its own dev (or an excluded one) matches on that interface",
      specs: [VI_1],
      steps: [...MASTER_VI_1, { at: 500, ev: { addressDeleted: "203.0.113.9", ifname: "eth1" }, out: ["VI_1 restore-vips"] }],
    },
    {
      name: "a BACKUP holds no VIPs: a deletion of one is not restored until it is MASTER",
      specs: [VI_1],
      steps: [
        ...linksUp("eth1"),
        { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
        { at: 100, ev: { addressDeleted: VIP }, out: [] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: takeover("VI_1", "announce 1") },
        { ev: { addressDeleted: VIP }, out: ["VI_1 restore-vips"] },
      ],
    },
    {
      name: "a no_track VIP is not restored, and decides for every instance (keepalived returns NULL on the first match)",
      specs: [
        spec("VI_1", { vips: [vip(VIP, "eth0", true), vip("198.51.100.5")] }),
        spec("VI_2", { key: "2/4/eth0", vips: [vip(VIP)], config: { vrid: 2 } }),
      ],
      steps: [
        ...MASTER_VI_1,
        { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
        { at: "due:VI_2", ev: { timer: "VI_2" }, out: takeover("VI_2", "announce 1") },
        { ev: { addressDeleted: VIP }, out: [] },
        { ev: { addressDeleted: "198.51.100.5" }, out: ["VI_1 restore-vips"] },
      ],
    },
    {
      name: "of two masters, only the one whose VIP it was restores",
      specs: [VI_1, spec("VI_2", { key: "2/4/eth0", vips: [vip("198.51.100.2")], config: { vrid: 2 } })],
      steps: [
        ...MASTER_VI_1,
        { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
        { at: "due:VI_2", ev: { timer: "VI_2" }, out: takeover("VI_2", "announce 1") },
        { ev: { addressDeleted: "198.51.100.2" }, out: ["VI_2 restore-vips"] },
      ],
    },
    {
      name: "after stop, the VIPs the daemon removes on its way out are not put back",
      specs: [VI_1],
      steps: [
        ...MASTER_VI_1,
        { at: 500, ev: { addressDeleted: VIP }, out: ["VI_1 restore-vips"] },
        { ev: "stop", out: ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>INIT"] },
        { ev: { addressDeleted: VIP }, out: [] },
      ],
    },
  ]);

  it("logs what it does and why, naming the VIP and interface", () => {
    const r = new VrrpRouter(
      conf([
        spec("VI_1", { vips: [vip(VIP)] }),
        spec("VI_N", { key: "3/4/eth0", vips: [vip("198.51.100.3", "eth0", true)], config: { vrid: 3 } }),
      ]),
    );
    r.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0);
    for (const i of r.instances) {
      r.handle({ type: "start", instance: i }, 0);
      r.handle({ type: "timer", instance: i }, i.vi.nextDeadline()!);
    }
    const logs = (a: RouterAction[]) =>
      a.filter((x) => x.type === "log").map((x) => (x.type === "log" ? [x.instance?.name, x.level, x.msg, x.fields] : []));
    expect(logs(r.handle({ type: "address-deleted", ifname: "eth0", address: addressBytes(VIP) }, 500))).toEqual([
      ["VI_1", "warn", "VIP removed from the interface by someone else while MASTER; restoring it", { vip: VIP, dev: "eth0" }],
    ]);
    expect(logs(r.handle({ type: "address-deleted", ifname: "eth0", address: addressBytes("198.51.100.3") }, 500))).toEqual([
      ["VI_N", "warn", "VIP removed by someone else; not restored (no_track)", { vip: "198.51.100.3", dev: "eth0" }],
    ]);
  });
});

describe("routes or rules deleted (keepalived netlink_route_filter / netlink_rule_filter)", () => {
  table([
    {
      name: "static ones are always put back; a MASTER's tracked virtual ones too, a BACKUP's not",
      specs: [
        spec("VI_1", { tracksRoutes: true }),
        spec("VI_2", { key: "2/4/eth0", tracksRoutes: true, config: { vrid: 2, priority: 50 } }),
      ],
      steps: [
        ...MASTER_VI_1,
        { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
        { at: 500, ev: "routeDeleted", out: ["restore-static-routes", "VI_1 restore-routes"] },
      ],
    },
    {
      name: "a master whose virtual routes are all no_track puts nothing of its own back",
      specs: [spec("VI_1", { tracksRoutes: false })],
      steps: [...MASTER_VI_1, { at: 500, ev: "routeDeleted", out: ["restore-static-routes"] }],
    },
    {
      name: "after stop nothing is put back (the daemon removes its routes on its way out)",
      specs: [spec("VI_1", { tracksRoutes: true })],
      steps: [
        ...MASTER_VI_1,
        { at: 500, ev: "routeDeleted", out: ["restore-static-routes", "VI_1 restore-routes"] },
        { ev: "stop", out: ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>INIT"] },
        { ev: "routeDeleted", out: [] },
      ],
    },
  ]);
});

describe("GARP / NA rounds spaced by an interface's interval are the instance's deadlines (vrrp_arp.c queue_garp)", () => {
  const spaced = (o: { repeat: number; spacing: { ifname: string; gapMs: number }[]; lowerPrio?: number }) =>
    spec("VI_1", {
      config: {
        garp: garp({ masterRepeat: o.repeat }),
        garpSpacing: o.spacing,
        ...(o.lowerPrio ? { garpLowerPrio: { repeat: o.lowerPrio, delayMs: 0 } } : {}),
      },
    });
  const becomeMaster = (...announces: string[]): Step[] => [
    ...linksUp("eth1"),
    { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
    { at: "due:VI_1", ev: { timer: "VI_1" }, out: takeover("VI_1", ...announces) },
  ];
  table([
    {
      name: "garp_master_repeat 3 at 50 ms: one round now, one at each 50 ms deadline, then only adverts",
      specs: [spaced({ repeat: 3, spacing: [{ ifname: "eth0", gapMs: 50 }] })],
      steps: [
        ...becomeMaster("announce 1 eth0"),
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth0"], then: deadline("VI_1", MDI + 100) },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth0"], then: deadline("VI_1", FIRST_ADVERT) },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 send 100"], then: deadline("VI_1", FIRST_ADVERT + 100) },
      ],
    },
    {
      name: "an interface without an interval gets the whole burst at once, the spaced one a round",
      specs: [
        spaced({
          repeat: 3,
          spacing: [
            { ifname: "eth0", gapMs: 0 },
            { ifname: "eth1", gapMs: 50 },
          ],
        }),
      ],
      steps: [
        ...becomeMaster("announce 3 eth0", "announce 1 eth1"),
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth1"] },
      ],
    },
    {
      name: "leaving MASTER cancels the rounds still pending",
      specs: [spaced({ repeat: 3, spacing: [{ ifname: "eth0", gapMs: 50 }] })],
      steps: [
        ...becomeMaster("announce 1 eth0"),
        {
          at: MDI + 10,
          ev: { packet: packet({ priority: 150 }) },
          out: ["VI_1 -vips", "VI_1 MASTER>BACKUP"],
          then: deadline("VI_1", MDI + 10 + MDI),
        },
        { at: MDI + 50, ev: { timer: "VI_1" }, out: [] },
      ],
    },
    {
      name: "a burst asked for while rounds are pending raises them to its count, not on top (garp_gna_pending)",
      specs: [spaced({ repeat: 2, spacing: [{ ifname: "eth0", gapMs: 50 }], lowerPrio: 3 })],
      steps: [
        ...becomeMaster("announce 1 eth0"),
        // garp_lower_prio_repeat 3 while one round is pending: no round at once, three to come.
        { at: MDI + 10, ev: { packet: packet({ priority: 50 }) }, out: ["VI_1 send 100", "VI_1 event MASTER_RX_LOWER_PRI"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth0"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth0"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 send 100"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 announce 1 eth0"], then: deadline("VI_1", FIRST_ADVERT + 100) },
      ],
    },
    {
      name: "a lower-priority answer while the member's own rounds are pending still makes the group's other masters announce",
      groups: [{ name: "G", members: ["VI_1", "VI_2"] }],
      specs: [
        spec("VI_1", {
          config: {
            garp: garp({ masterRepeat: 2 }),
            garpLowerPrio: { repeat: 3, delayMs: 0 },
            garpSpacing: [{ ifname: "eth0", gapMs: 50 }],
          },
        }),
        spec("VI_2", { key: "2/4/eth0", config: { vrid: 2, garpLowerPrio: { repeat: 1, delayMs: 0 } } }),
      ],
      steps: [
        ...linksUp("eth1"),
        { ev: { start: "VI_1" }, out: ["G BACKUP", "VI_1 INIT>BACKUP"] },
        { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: takeover("VI_1", "announce 1 eth0") },
        { at: "due:VI_2", ev: { timer: "VI_2" }, out: [...takeover("VI_2", "announce 1"), "G MASTER"] },
        // VI_1's second round is still pending: its burst only raises it (no frame now), and VI_2
        // answers all the same (keepalived vrrp.c vrrp_state_master_rx: the sync members' GARP).
        {
          at: MDI + 10,
          ev: { packet: packet({ priority: 50 }) },
          out: ["VI_1 send 100", "VI_1 event MASTER_RX_LOWER_PRI", "VI_2 announce 1"],
        },
      ],
    },
    {
      name: "a sync-group member joining a lower-priority answer is spaced by its own interval",
      groups: [{ name: "G", members: ["VI_1", "VI_2"] }],
      specs: [
        spec("VI_1", { config: { garpLowerPrio: { repeat: 1, delayMs: 0 } } }),
        spec("VI_2", {
          key: "2/4/eth0",
          config: { vrid: 2, garpLowerPrio: { repeat: 2, delayMs: 0 }, garpSpacing: [{ ifname: "eth1", gapMs: 30 }] },
        }),
      ],
      steps: [
        ...linksUp("eth1"),
        { ev: { start: "VI_1" }, out: ["G BACKUP", "VI_1 INIT>BACKUP"] },
        { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
        { at: "due:VI_1", ev: { timer: "VI_1" }, out: takeover("VI_1", "announce 1") },
        { at: "due:VI_2", ev: { timer: "VI_2" }, out: [...takeover("VI_2", "announce 1"), "G MASTER"] },
        {
          at: 400,
          ev: { packet: packet({ priority: 50 }) },
          out: ["VI_1 send 100", "VI_1 event MASTER_RX_LOWER_PRI", "VI_1 announce 1 lower", "VI_2 announce 1 eth1"],
          then: deadline("VI_2", 430),
        },
        { at: 430, ev: { timer: "VI_2" }, out: ["VI_2 announce 1 eth1"] },
      ],
    },
  ]);
});

describe("the drop log's pace", () => {
  table([
    {
      name: "each reason at most every 10 s per instance; every drop counted",
      specs: [spec("VI_1")],
      steps: [
        ...linksUp(),
        { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
        { at: 10, ev: { packet: packet({ priority: 200, ttl: 254 }) }, out: ["VI_1 drop BAD_TTL"] },
        { at: 5000, ev: { packet: packet({ priority: 200, ttl: 254 }) }, out: [] },
        // Another reason has its own pace.
        { at: 5001, ev: { packet: packet({ priority: 200, version: 2, intervalCs: 100, ttl: 1 }) }, out: [] },
        { at: 10_009, ev: { packet: packet({ priority: 200, ttl: 254 }) }, out: [] },
        {
          at: 10_010,
          ev: { packet: packet({ priority: 200, ttl: 254 }) },
          out: ["VI_1 drop BAD_TTL"],
          then: (r) => expect(r.instance("VI_1")!.vi.stats.drops).toEqual({ BAD_TTL: 5 }),
        },
      ],
    },
    {
      name: "two reasons, each logged the first time",
      specs: [spec("VI_1", { receive: { ...POLICY, checkUnicastSrc: true } })],
      steps: [
        ...linksUp(),
        { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
        { at: 10, ev: { packet: packet({ priority: 200, ttl: 254 }) }, out: ["VI_1 drop BAD_TTL"] },
        { at: 20, ev: { packet: { ...packet({ priority: 200 }), payload: Uint8Array.of(0x31, 1, 1) } }, out: ["VI_1 drop TRUNCATED"] },
        { at: 30, ev: { packet: { ...packet({ priority: 200 }), payload: Uint8Array.of(0x31, 1, 1) } }, out: [] },
      ],
    },
  ]);
});

describe("where adverts go, and the checksum's pseudo-header destination (vrrp.c CHKSUM_COMPATIBILITY)", () => {
  const peers = (...p: string[]) => ({ unicastPeers: p.map((x) => addressBytes(x)), peerTtl: p.map(() => ({ min: 0, max: 255 })) });
  const cases: { name: string; spec: RouterInstanceSpec; old: boolean; want: [string, string, boolean][] }[] = [
    { name: "multicast IPv4: 224.0.0.18", spec: spec("M4"), old: false, want: [["224.0.0.18", "224.0.0.18", false]] },
    {
      name: "multicast IPv6: ff02::12",
      spec: spec("M6", { config: { family: 6, primaryAddress: addressBytes("fe80::11") } }),
      old: false,
      want: [["ff02::12", "ff02::12", false]],
    },
    {
      name: "mcast_dst_ip: the configured group",
      spec: spec("MG", { receive: { ...POLICY, multicastGroup: addressBytes("224.0.0.100") } }),
      old: false,
      want: [["224.0.0.100", "224.0.0.100", false]],
    },
    {
      name: "unicast: each peer, with itself in the pseudo-header",
      spec: spec("U", { receive: { ...POLICY, ...peers("192.0.2.12", "192.0.2.13") } }),
      old: false,
      want: [
        ["192.0.2.12", "192.0.2.12", true],
        ["192.0.2.13", "192.0.2.13", true],
      ],
    },
    {
      name: "unicast, old form: each peer, 224.0.0.18 in the pseudo-header",
      spec: spec("U", { receive: { ...POLICY, ...peers("192.0.2.12", "192.0.2.13") } }),
      old: true,
      want: [
        ["192.0.2.12", "224.0.0.18", true],
        ["192.0.2.13", "224.0.0.18", true],
      ],
    },
    {
      name: "unicast IPv6: no old form exists, the peer stays in the pseudo-header",
      spec: spec("U6", {
        config: { family: 6, primaryAddress: addressBytes("2001:db8::11") },
        receive: { ...POLICY, ...peers("2001:db8::12") },
      }),
      old: true,
      want: [["2001:db8::12", "2001:db8::12", true]],
    },
  ];
  for (const c of cases)
    it(c.name, () =>
      expect(sendTargets(c.spec, c.old).map((t) => [formatAddress(t.dst), formatAddress(t.checksumDst), t.unicast])).toEqual(c.want),
    );

  it("an instance switches its targets when a peer is heard using the old form", () => {
    const r = runTable(conf([spec("VI_U", { receive: { ...POLICY, ...peers("192.0.2.12") } })]), [
      ...linksUp(),
      { ev: { start: "VI_U" }, out: ["VI_U INIT>BACKUP"] },
    ]);
    const i = r.instance("VI_U")!;
    expect(formatAddress(i.sendTargets[0]!.checksumDst)).toBe("192.0.2.12");
    r.handle({ type: "packet", packet: packet({ priority: 200, dst: "192.0.2.11", checksumDst: "224.0.0.18" }) }, 10);
    expect(i.sendTargets.map((t) => [formatAddress(t.dst), formatAddress(t.checksumDst)])).toEqual([["192.0.2.12", "224.0.0.18"]]);
  });
});
