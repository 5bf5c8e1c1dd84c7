// VrrpRouter as tables, events in and actions out (the simulator covers it only through whole
// LANs): advert dispatch and receive policy, trackers, links, sync groups (sync-group.ts), the
// owner, stop. Instances are VRRPv3 at 0.1 s, priority 100 unless a case says otherwise.
import { describe, expect, it } from "vitest";
import { addressBytes } from "../../src/vrrp/address.js";
import { decodeAdvertOrThrow } from "../../src/vrrp/packet.js";
import { groupState, syncMayGoMaster } from "../../src/vrrp/sync-group.js";
import { RouterInstance } from "../../src/vrrp/router-types.js";
import { masterDownMs, skewMs } from "../../src/vrrp/timing.js";
import { conf, linksUp, packet, POLICY, runTable, spec, type TableCase } from "./router-table.js";

const MDI = masterDownMs(3, 100, 10); // 360.9375 ms
const master = (n: string, p = 100) => [`${n} send ${p}`, `${n} +vips`, `${n} announce 1`, `${n} BACKUP>MASTER`];
const w = (name: string, weight: number, reverse = false) => [{ name, weight, reverse }];
const VI_2 = spec("VI_2", { config: { vrid: 2 } });
const G = { name: "G", members: ["VI_1", "VI_2"] };
const deadline = (name: string, at: number) => (r: ReturnType<typeof runTable>) =>
  expect(r.instance(name)!.vi.nextDeadline()).toBeCloseTo(at, 6);

type Case = TableCase;

const UNICAST = spec("VI_U", {
  receive: { ...POLICY, unicastPeers: [addressBytes("192.0.2.12")], peerTtl: [{ min: 0, max: 255 }] },
});

const dispatch: Case[] = [
  {
    name: "an advert for a VRID nobody runs is counted, not dropped per instance",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { packet: packet({ vrid: 9, priority: 200 }) }, out: [], then: (r) => expect(r.unknownVrid).toBe(1) },
      // Same VRID, another interface / family / delivery: not this instance's either.
      { ev: { packet: packet({ priority: 200, ifname: "eth1" }) }, out: [], then: (r) => expect(r.unknownVrid).toBe(2) },
      { ev: { packet: packet({ priority: 200, family: 6 }) }, out: [], then: (r) => expect(r.unknownVrid).toBe(3) },
      { ev: { packet: packet({ priority: 200, dst: "192.0.2.11" }) }, out: [], then: (r) => expect(r.unknownVrid).toBe(4) },
      // Under two bytes there is no VRID to dispatch on.
      {
        ev: { packet: { ...packet({ priority: 1 }), payload: Uint8Array.of(0x31) } },
        out: [],
        then: (r) => expect(r.unknownVrid).toBe(4),
      },
    ],
  },
  {
    name: "the same VRID on two interfaces: an advert reaches only its own interface's instance",
    config: conf([spec("VI_A"), spec("VI_B", { interface: "eth1" })]),
    steps: [
      ...linksUp("eth1"),
      { ev: { start: "VI_A" }, out: ["VI_A INIT>BACKUP"] },
      { ev: { start: "VI_B" }, out: ["VI_B INIT>BACKUP"] },
      {
        at: 100,
        ev: { packet: packet({ priority: 200, ifname: "eth1" }) },
        out: [],
        then: (r) => {
          expect(r.instance("VI_B")!.vi.stats.advertsReceived).toBe(1);
          expect(r.instance("VI_A")!.vi.stats.advertsReceived).toBe(0);
          expect(r.instance("VI_B")!.vi.nextDeadline()).toBeCloseTo(100 + MDI, 6);
          expect(r.instance("VI_A")!.vi.nextDeadline()).toBeCloseTo(MDI, 6);
          expect(r.unknownVrid).toBe(0);
        },
      },
    ],
  },
  {
    name: "receive policy: a multicast advert with TTL 254 is dropped and counted per instance, before the state machine",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      {
        ev: { packet: packet({ priority: 200, ttl: 254 }) },
        out: ["VI_1 drop BAD_TTL"],
        then: (r) => {
          expect(r.instance("VI_1")!.vi.stats.drops).toEqual({ BAD_TTL: 1 });
          expect(r.instance("VI_1")!.vi.stats.advertsReceived).toBe(0);
          expect(r.instance("VI_1")!.vi.nextDeadline()).toBeCloseTo(MDI, 6); // the down timer did not move
        },
      },
      { at: 100, ev: { packet: packet({ priority: 200 }) }, out: [], then: deadline("VI_1", 100 + MDI) },
    ],
  },
  {
    name: "two instances of one VRID on two interfaces: an advert reaches only its interface's",
    config: conf([spec("VI_1"), spec("VI_E", { interface: "eth1", key: "1/4/eth1" })]),
    steps: [
      ...linksUp("eth1"),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { start: "VI_E" }, out: ["VI_E INIT>BACKUP"] },
      { ev: { packet: packet({ priority: 200, ttl: 1, ifname: "eth1" }) }, out: ["VI_E drop BAD_TTL"] },
    ],
  },
  {
    name: "VRRPv3 unicast: a peer using the old checksum form switches the instance to it, once",
    config: conf([UNICAST]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_U" }, out: ["VI_U INIT>BACKUP"] },
      {
        at: 10,
        ev: { packet: packet({ priority: 200, dst: "192.0.2.11", checksumDst: "224.0.0.18" }) },
        out: ["VI_U old-checksum"],
        then: (r) => {
          expect(r.instance("VI_U")!.oldChecksum).toBe(true);
          expect(r.instance("VI_U")!.vi.masterPriority).toBe(200); // and the advert counted
        },
      },
      { at: 20, ev: { packet: packet({ priority: 200, dst: "192.0.2.11", checksumDst: "224.0.0.18" }) }, out: [] },
      // The new form is still accepted (a peer we can verify), without switching back.
      { at: 30, ev: { packet: packet({ priority: 200, dst: "192.0.2.11" }) }, out: [], then: deadline("VI_U", 30 + MDI) },
    ],
  },
  {
    name: "a master hearing a higher priority yields; one hearing a lower one answers at once",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: master("VI_1") },
      { at: 400, ev: { packet: packet({ priority: 50 }) }, out: ["VI_1 send 100", "VI_1 event MASTER_RX_LOWER_PRI"] },
      { at: 410, ev: { packet: packet({ priority: 150 }) }, out: ["VI_1 -vips", "VI_1 MASTER>BACKUP"] },
    ],
  },
  {
    name: "stop: a master sends priority 0 and releases its VIPs; a backup just stops",
    config: conf([spec("VI_1"), VI_2]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 50, ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: master("VI_1") },
      { ev: "stop", out: ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>INIT", "VI_2 BACKUP>INIT"] },
    ],
  },
];

const tracking: Case[] = [
  {
    name: "weighted checks move the priority (and a BACKUP's running down timer by the skew's change), no state change",
    config: conf([spec("VI_1", { trackChecks: [...w("up", 20), ...w("down", -50)] })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { up: "OK", down: "OK" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(120) },
      {
        at: 10,
        ev: { check: "down", state: "FAILED" },
        out: [],
        then: (r) => {
          expect(r.instance("VI_1")!.vi.effectivePriority).toBe(70);
          expect(r.instance("VI_1")!.vi.nextDeadline()).toBeCloseTo(masterDownMs(3, 70, 10), 6);
        },
      },
      { at: 20, ev: { check: "up", state: "FAILED" }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(50) },
    ],
  },
  {
    name: "weights clamp to 1..254",
    config: conf([spec("VI_1", { trackChecks: [...w("a", 200), ...w("b", -200, false)] })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { a: "OK", b: "OK" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(254) },
      { ev: { checks: { a: "FAILED", b: "FAILED" } }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(1) },
    ],
  },
  {
    name: "a weight-0 check: FAULT while failed (a master leaves with priority 0), BACKUP when it recovers",
    config: conf([spec("VI_1", { trackChecks: w("chk", 0) })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "OK" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: master("VI_1") },
      { at: 500, ev: { check: "chk", state: "FAILED" }, out: ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>FAULT"] },
      {
        at: 600,
        ev: { packet: packet({ priority: 50 }) },
        out: [],
        then: (r) => expect(r.instance("VI_1")!.vi.nextDeadline()).toBeUndefined(),
      },
      { at: 700, ev: { check: "chk", state: "OK" }, out: ["VI_1 FAULT>BACKUP"], then: deadline("VI_1", 700 + MDI) },
    ],
  },
  {
    name: "weight-0 `reverse` check and track_file and track_process",
    config: conf([spec("VI_1", { trackChecks: w("chk", 0, true), trackFiles: w("f", 0), trackProcesses: w("p", 0) })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { check: "chk", state: "OK" }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { check: "chk", state: "FAILED" }, out: ["VI_1 FAULT>BACKUP"] },
      { ev: { file: "f", value: 3 }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { file: "f", value: 3 }, out: [] },
      { ev: { file: "f", value: 0 }, out: ["VI_1 FAULT>BACKUP"] },
      { ev: { process: "p", state: "FAILED" }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { process: "p", state: "OK" }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "a weighted track_file whose contribution reaches -254 is a FAULT",
    config: conf([spec("VI_1", { trackFiles: w("f", -10) })]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { file: "f", value: 5 }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(50) },
      { ev: { file: "f", value: 26 }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
  {
    name: "own link down: FAULT; up again: BACKUP; a weighted tracked link moves the priority only",
    config: conf([spec("VI_1", { trackLinks: w("eth1", -30) })]),
    steps: [
      ...linksUp("eth1"),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { link: "eth1", up: false }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(70) },
      { ev: { link: "eth0", up: false }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { link: "eth0", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  // keepalived 2.2.7 keepalived_netlink.c update_interface_flags / delayed_if_flags_change_thread.
  {
    name: "interface_up_down_delays: a flap shorter than the down delay changes nothing; a longer down is FAULT at its deadline; up waits for the up delay",
    config: { ...conf([spec("VI_1")]), linkDelays: new Map([["eth0", { downMs: 150, upMs: 50 }]]) },
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 10, ev: { link: "eth0", up: false }, out: ["link-deadline 160"] },
      { at: 100, ev: { link: "eth0", up: true }, out: ["link-deadline none"] },
      { at: 160, ev: "linkTimer", out: ["link-deadline none"], then: (r) => expect(r.instance("VI_1")!.vi.state).toBe("BACKUP") },
      { at: 200, ev: { link: "eth0", up: false }, out: ["link-deadline 350"] },
      // A second down report keeps the first deadline.
      { at: 250, ev: { link: "eth0", up: false }, out: [] },
      { at: 349, ev: "linkTimer", out: ["link-deadline 350"] },
      { at: 350, ev: "linkTimer", out: ["VI_1 BACKUP>FAULT", "link-deadline none"] },
      { at: 400, ev: { link: "eth0", up: true }, out: ["link-deadline 450"] },
      { at: 450, ev: "linkTimer", out: ["VI_1 FAULT>BACKUP", "link-deadline none"] },
    ],
  },
  {
    name: "interface_up_down_delays: an interface that disappears is acted on at once, and its first up after that too (not seen up)",
    config: { ...conf([spec("VI_1")]), linkDelays: new Map([["eth0", { downMs: 150, upMs: 50 }]]) },
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 10, ev: { link: "eth0", up: false, present: false }, out: ["VI_1 BACKUP>FAULT"] },
      { at: 20, ev: { link: "eth0", up: false }, out: [] },
      { at: 30, ev: { link: "eth0", up: true }, out: ["VI_1 FAULT>BACKUP"] },
      { at: 40, ev: { link: "eth0", up: false }, out: ["link-deadline 190"] },
    ],
  },
  {
    name: "dont_track_primary: the own link's carrier is not a fault, its disappearance is",
    config: conf([spec("VI_1", { dontTrackPrimary: true })]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { link: "eth0", up: false }, out: [] },
      { ev: { link: "eth0", up: false, present: false }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { link: "eth0", up: false }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "an interface missing at start: FAULT until it appears",
    config: conf([spec("VI_1")]),
    steps: [
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 100, ev: { link: "eth0", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "no source address, then one; a socket that fails",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { source: "VI_1" }, out: ["VI_1 BACKUP>FAULT"] },
      { ev: { source: "VI_1", address: "192.0.2.99" }, out: ["VI_1 FAULT>BACKUP"] },
      { ev: { socketFailed: "VI_1" }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
];

const pins: Case[] = [
  {
    name: "an owner (255) keeps 255 under tracker weights and goes straight to MASTER out of FAULT",
    config: conf([spec("VI_1", { config: { priority: 255 }, trackChecks: [...w("down", -50), ...w("up", 50), ...w("gate", 0)] })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { down: "FAILED", up: "OK", gate: "OK" } }, out: [] },
      {
        ev: { start: "VI_1" },
        out: ["VI_1 send 255", "VI_1 +vips", "VI_1 announce 1", "VI_1 INIT>MASTER"],
        then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(255),
      },
      { at: 100, ev: { check: "gate", state: "FAILED" }, out: ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>FAULT"] },
      { at: 200, ev: { check: "up", state: "FAILED" }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.effectivePriority).toBe(255) },
      // No BACKUP wait: MASTER at once, advertising 255.
      { at: 300, ev: { check: "gate", state: "OK" }, out: ["VI_1 send 255", "VI_1 +vips", "VI_1 announce 1", "VI_1 FAULT>MASTER"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 send 255"] },
    ],
  },
  {
    name: "v3: a priority-0 advert after adopting the master's interval waits the skew of that interval, not of our own",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      // The master advertises every 1 s (100 cs): the backup adopts it (RFC 5798 6.4.2).
      {
        at: 100,
        ev: { packet: packet({ priority: 200, intervalCs: 100 }) },
        out: [],
        then: (r) => {
          expect(r.instance("VI_1")!.vi.masterAdverIntervalCs).toBe(100);
          expect(r.instance("VI_1")!.vi.nextDeadline()).toBeCloseTo(100 + masterDownMs(3, 100, 100), 6);
        },
      },
      // Priority 0: Skew_Time = (256 - 100) x 100 cs / 256 = 609.375 ms (not 60.9 for our 10 cs).
      { at: 200, ev: { packet: packet({ priority: 0, intervalCs: 100 }) }, out: [], then: deadline("VI_1", 200 + skewMs(3, 100, 100)) },
      { at: 200 + 609, ev: { timer: "VI_1" }, out: [] },
      { at: 200 + 609.375, ev: { timer: "VI_1" }, out: master("VI_1") },
      // As master it advertises its own interval again (the first advert on the 2 ms grid at 910).
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: ["VI_1 send 100"], then: deadline("VI_1", 910 + 100) },
    ],
  },
];

const groups: Case[] = [
  {
    name: "sync group: a member whose down timer ran out waits for the other (sync-wait), which takes it along (sync-master)",
    config: conf([spec("VI_1"), VI_2], [G]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["G BACKUP", "VI_1 INIT>BACKUP"] },
      { at: 100, ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
      {
        at: "due:VI_1",
        ev: { timer: "VI_1" },
        out: [],
        then: (r) => {
          expect(r.instance("VI_1")!.wantsMaster).toBe(true);
          expect(r.instance("VI_1")!.vi.nextDeadline()).toBeCloseTo(2 * MDI, 6); // a fresh down timer
        },
      },
      { at: "due:VI_2", ev: { timer: "VI_2" }, out: [...master("VI_2"), ...master("VI_1"), "G MASTER"] },
      // One member yields to a higher priority: the other leaves MASTER with it.
      {
        at: 600,
        ev: { packet: packet({ priority: 200 }) },
        out: ["VI_1 -vips", "VI_1 MASTER>BACKUP", "VI_2 -vips", "VI_2 MASTER>BACKUP", "G BACKUP"],
      },
    ],
  },
  {
    name: "sync group: two members due at once both go MASTER without waiting",
    config: conf([spec("VI_1"), VI_2], [G]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["G BACKUP", "VI_1 INIT>BACKUP"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
      { at: MDI, ev: { timer: "VI_1" }, out: master("VI_1") },
      { ev: { timer: "VI_2" }, out: [...master("VI_2"), "G MASTER"] },
    ],
  },
  {
    name: "sync group: one member's fault pulls the other into FAULT; the group leaves FAULT only when no member has one",
    config: conf([spec("VI_1", { trackLinks: w("eth1", 0) }), spec("VI_2", { config: { vrid: 2 }, trackLinks: w("eth2", 0) })], [G]),
    steps: [
      ...linksUp("eth1", "eth2"),
      { ev: { start: "VI_1" }, out: ["G BACKUP", "VI_1 INIT>BACKUP"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
      { at: 10, ev: { link: "eth1", up: false }, out: ["VI_1 BACKUP>FAULT", "VI_2 BACKUP>FAULT", "G FAULT"] },
      { at: 20, ev: { link: "eth2", up: false }, out: [] },
      { at: 30, ev: { link: "eth1", up: true }, out: [], then: (r) => expect(r.instance("VI_1")!.vi.faultReasons).toEqual(["sync:G"]) },
      { at: 40, ev: { link: "eth2", up: true }, out: ["VI_2 FAULT>BACKUP", "VI_1 FAULT>BACKUP", "G BACKUP"] },
    ],
  },
  {
    name: "sync group: a member starting in FAULT announces the group before itself (keepalived vrrp_init_state)",
    config: conf([spec("VI_1", { trackChecks: w("chk", 0) }), VI_2], [G]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["G FAULT", "VI_1 INIT>FAULT"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>FAULT"] },
    ],
  },
];

describe("router: dispatch and receive policy", () => {
  for (const c of dispatch) it(c.name, () => void runTable(c.config, c.steps));
});
describe("router: trackers and links", () => {
  for (const c of tracking) it(c.name, () => void runTable(c.config, c.steps));
});
describe("router: pins", () => {
  for (const c of pins) it(c.name, () => void runTable(c.config, c.steps));
});
describe("router: sync groups", () => {
  for (const c of groups) it(c.name, () => void runTable(c.config, c.steps));
});

describe("sync-group.ts", () => {
  const states: [string[], string][] = [
    [["MASTER", "MASTER"], "MASTER"],
    [["MASTER", "BACKUP"], "BACKUP"],
    [["MASTER", "FAULT"], "FAULT"],
    [["BACKUP", "FAULT", "MASTER"], "FAULT"],
    [["INIT", "INIT"], "INIT"],
    [["INIT", "BACKUP"], "BACKUP"],
    [["INIT", "MASTER"], "BACKUP"],
  ];
  for (const [members, want] of states)
    it(`groupState(${members.join(", ")}) = ${want}`, () => expect(groupState(members as never)).toBe(want));

  it("syncMayGoMaster: every other member MASTER, wanting MASTER, or due now", () => {
    const mk = (name: string, vrid: number) => new RouterInstance(spec(name, { config: { vrid } }));
    const [a, b, c] = [mk("A", 1), mk("B", 2), mk("C", 3)];
    for (const m of [a, b, c]) m.vi.handle({ type: "startup" }, 0); // BACKUP, due at MDI
    const all = [a, b, c];
    expect(syncMayGoMaster(a, all, MDI - 1)).toBe(false);
    expect(syncMayGoMaster(a, all, MDI)).toBe(true); // b and c due too
    b.wantsMaster = true;
    expect(syncMayGoMaster(a, all, MDI - 1)).toBe(false); // c is neither
    c.vi.handle({ type: "timer" }, MDI); // c MASTER
    expect(syncMayGoMaster(a, all, MDI)).toBe(true);
    b.wantsMaster = false;
    const rx = packet({ vrid: 2, priority: 200 });
    b.vi.handle({ type: "advert", advert: decodeAdvertOrThrow(rx.payload, 4, rx.src, rx.dst), source: rx.src }, MDI);
    expect(syncMayGoMaster(a, all, MDI + 1)).toBe(false); // b heard a master: its timer is fresh
    expect(syncMayGoMaster(a, [a], 0)).toBe(true); // alone
  });
});
