// The takeover rehearsal (src/daemon/rehearsal.ts) and the master-down wake-ups that run it
// (the driver's InstanceDeadline), with fake ports: a rehearsal builds adverts and announcements on the
// instance's own socket and announcer (their build methods; nothing is sent), and leaves the
// daemon's instance, counters and host alone; a master-down deadline wakes once to warm up, again
// just before it.
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { DeadlineQueue, type WakeTimer } from "../../src/daemon/deadline-queue.js";
import { DeadlineTiming, InstanceDeadline, InstanceDriver } from "../../src/daemon/instance-driver.js";
import { LinkCache } from "../../src/daemon/link-cache.js";
import { TakeoverRehearsal } from "../../src/daemon/rehearsal.js";
import { routerConfig, type ResolvedInstance } from "../../src/daemon/router-config.js";
import { decodeAdvert, encodeAdvert } from "../../src/vrrp/packet.js";
import { VRRP_GROUP_V4 } from "../../src/vrrp/address.js";
import { VrrpRouter } from "../../src/vrrp/router.js";
import { waitFor } from "../../lab/netns.js";
import { ACCEPTING_NETLINK } from "../../lab/fake-daemon.js";

const instance = (name: string, vrid: number, version: 2 | 3, extra = "") => `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  version ${version}
  advert_int 1
${extra}  virtual_ipaddress {
    198.51.100.${vrid}
  }
}
`;

function daemonSide(conf: string) {
  const { config, diagnostics } = parseKeepalivedConf(conf);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const router = new VrrpRouter(routerConfig(config));
  const log = pino({ level: "silent" });
  /** Adverts the real sockets sent (none may be), and packets built on them. */
  const sent: Uint8Array[] = [];
  const built: Uint8Array[] = [];
  const announcedForReal: number[] = [];
  const announced: { vips: number }[] = [];
  const links = new LinkCache();
  links.reset([{ index: 2, name: "eth0", up: true, mac: Buffer.of(2, 0, 0, 0, 0, 1) }], []);
  const timing = new DeadlineTiming(
    { now: () => 0, stopping: () => false },
    new DeadlineQueue(
      () => 0,
      () => ({ arm: () => undefined, disarm: () => undefined, close: () => undefined }),
    ),
  );
  const ios = router.instances.map((ri) => {
    const io = new InstanceDriver(ri, log, {
      netlink: ACCEPTING_NETLINK,
      announcer: { announce: (_t, vips) => (announcedForReal.push(vips.length), { arp: vips.length, na: 0, skipped: 0 }) },
      links,
      sockets: { socketFor: () => ({ send: (vrrp) => sent.push(Uint8Array.from(vrrp)) > 0 }) },
      notifications: { state: () => undefined, event: () => undefined },
      timing,
      host: { handle: () => undefined, ipv6Forwarding: () => false },
    });
    // Bound as the daemon binds: the driver attached, the router told the address (which keeps it).
    const src = Uint8Array.of(192, 0, 2, 11);
    io.attach(links.link("eth0")!, src);
    router.handle({ type: "source", instance: ri, address: src }, 0);
    return io;
  });
  let now = 1000;
  const rehearsal = new TakeoverRehearsal({
    links,
    announcer: { build: (_t, vips, repeat) => (announced.push({ vips: vips.length }), { arp: vips.length * repeat, na: 0, skipped: 0 }) },
    sockets: { existing: (_spec: ResolvedInstance) => ({ build: (vrrp) => built.push(Uint8Array.from(vrrp)) }) },
    timing,
    log,
    host: { ipv6Forwarding: () => false, now: () => now },
  });
  return { router, links, ios, sent, built, announced, announcedForReal, rehearsal, advance: (ms: number) => (now += ms) };
}

describe("takeover rehearsal", () => {
  it("at start, runs one takeover per kind of instance with nothing transmitted and the daemon's instances untouched", () => {
    const d = daemonSide(
      instance("A", 1, 3) + instance("B", 2, 3) + instance("C", 3, 2, "  authentication {\n    auth_type PASS\n    auth_pass pw\n  }\n"),
    );
    const rehearsed = d.rehearsal.atStart(d.ios);
    expect(rehearsed).toEqual(["A", "C"]); // B is A's kind (IPv4, v3, multicast, no auth)
    expect(d.rehearsal.mastered).toBe(2);
    expect(d.built.length).toBeGreaterThanOrEqual(2 * 4); // takeover, two adverts as MASTER, priority 0 at stop
    expect(d.sent).toEqual([]);
    expect(d.announced.length).toBeGreaterThan(0);
    expect(d.announcedForReal).toEqual([]);
    // The adverts are the instance's real ones, built by its encoder's code.
    const v3 = decodeAdvert(d.built[0]!, 4, Uint8Array.of(192, 0, 2, 11), Uint8Array.of(224, 0, 0, 18));
    expect(v3.ok && v3.advert.vrid).toBe(1);
    const priorities = d.built.map((b) => b[2]);
    expect(priorities).toContain(0); // the graceful stop was rehearsed too
    for (const io of d.ios) {
      expect(io.ri.vi.state).toBe("INIT"); // never started
      expect(io.holdsVips).toBe(false);
    }
  });

  it("skips instances that are not bound, and before a takeover runs at most once per 50 ms for all", () => {
    const d = daemonSide(instance("A", 1, 3) + instance("B", 2, 3));
    d.ios[0]!.unbind(d.links.link("eth0")!); // interface gone: nothing to rehearse with
    expect(d.rehearsal.atStart(d.ios)).toEqual(["B"]);
    const runs = d.rehearsal.runs;
    d.rehearsal.beforeTakeover(d.ios[1]!);
    d.rehearsal.beforeTakeover(d.ios[1]!); // 255 backups whose master died wake together
    expect(d.rehearsal.runs).toBe(runs + 1);
    d.advance(60);
    d.rehearsal.beforeTakeover(d.ios[1]!);
    expect(d.rehearsal.runs).toBe(runs + 2);
    d.rehearsal.beforeTakeover(d.ios[0]!); // unbound: nothing run, nothing thrown
    expect(d.sent).toEqual([]);
  });
});

/** A started BACKUP whose timers sit on a DeadlineQueue with a fake timerfd and a clock the test moves. */
function backupOnFakeQueue() {
  const d = daemonSide(instance("A", 1, 3));
  const io = d.ios[0]!;
  const t = { clock: 0, armed: [] as number[], rehearsed: [] as number[], decided: [] as number[], wake: (): void => undefined };
  const queue = new DeadlineQueue(
    () => t.clock,
    (onWake): WakeTimer => {
      t.wake = onWake;
      return { arm: (ms) => t.armed.push(t.clock + ms), disarm: () => undefined, close: () => undefined };
    },
  );
  const at = vi.spyOn(queue, "at");
  const deadline = new InstanceDeadline(
    new DeadlineTiming({ now: () => t.clock, stopping: () => false }, queue),
    "A",
    () => io.ri.vi,
    (now) => t.decided.push(now),
    () => t.rehearsed.push(t.clock),
  );
  // A BACKUP with its master-down deadline set: start the instance as the daemon does.
  d.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0);
  d.router.handle({ type: "source", instance: io.ri, address: io.src }, 0);
  d.router.handle({ type: "start", instance: io.ri }, 0);
  expect(io.ri.vi.state).toBe("BACKUP");
  const due = io.ri.vi.nextDeadline()!;
  deadline.schedule();
  /** The master (192.0.2.12, priority 200) is heard at the test's clock; the router moves the deadline. */
  const hearMaster = (): void => {
    const payload = encodeAdvert({
      version: 3,
      family: 4,
      vrid: 1,
      addresses: ["198.51.100.1"],
      src: "192.0.2.12",
      dst: VRRP_GROUP_V4,
      priority: 200,
      intervalCs: 100,
    });
    const rx = {
      ifname: "eth0",
      family: 4 as const,
      src: Uint8Array.of(192, 0, 2, 12),
      dst: Uint8Array.from(VRRP_GROUP_V4),
      ttl: 255,
      multicast: true,
      payload,
    };
    const actions = d.router.handle({ type: "packet", packet: rx }, t.clock);
    if (actions.some((a) => a.type === "deadline")) deadline.schedule();
  };
  return { io, due, t, hearMaster, deadline, at };
}

describe("master-down wake-ups on the deadline queue", () => {
  it("wakes 8 ms early to rehearse, again 1.5 ms early, and decides at the deadline, not before", async () => {
    const { deadline, due, t } = backupOnFakeQueue();
    expect(t.armed.at(-1)).toBe(due - 8);
    t.clock = due - 8 + 0.3; // the timerfd wakes a little late
    t.wake();
    expect(t.rehearsed).toEqual([t.clock]);
    expect(t.armed.at(-1)).toBe(due - 1.5);
    expect(t.decided).toEqual([]);
    t.clock = due - 0.2;
    t.wake();
    // The rest is waited out on the event loop (setImmediate turns), the decision after it.
    await new Promise((r) => setImmediate(r));
    expect(t.decided).toEqual([]);
    t.clock = due + 0.01;
    await waitFor("the decision", () => t.decided.length > 0, 2000, 1);
    expect(t.decided).toHaveLength(1);
    expect(t.decided[0]).toBeGreaterThanOrEqual(due);
    expect(t.rehearsed).toHaveLength(1);
    deadline.stop();
  });

  it("a master heard every interval leaves one pre-wake in place, which sleeps again until silence, then decides", async () => {
    const { io, deadline, t, hearMaster, at } = backupOnFakeQueue();
    expect(at).toHaveBeenCalledTimes(1);
    const first = at.mock.results[0]!.value as { due: number };
    const dues: number[] = [];
    for (let k = 1; k <= 5; k++) {
      t.clock = k * 1000;
      hearMaster();
      dues.push(io.ri.vi.nextDeadline()!);
      expect(at).toHaveBeenCalledTimes(1); // no entry per advert
    }
    expect(dues[4]).toBeGreaterThan(dues[0]!);
    const due = dues[4]!;
    // The old pre-wake comes: the deadline has moved, so it only sleeps again (no rehearsal).
    t.clock = first.due + 0.1;
    t.wake();
    expect(t.rehearsed).toEqual([]);
    expect(t.decided).toEqual([]);
    expect(at.mock.calls.at(-1)![0]).toBe(due - 8);
    // Silence: the real pre-wake rehearses, and the decision comes at the deadline.
    t.clock = due - 8 + 0.2;
    t.wake();
    expect(t.rehearsed).toEqual([t.clock]);
    t.clock = due - 1;
    t.wake();
    t.clock = due + 0.01;
    await waitFor("the decision", () => t.decided.length > 0, 2000, 1);
    expect(t.decided[0]).toBeGreaterThanOrEqual(due);
    deadline.stop();
  });

  it("does not rehearse when the first wake-up came too late for it, and still decides", async () => {
    const { due, t } = backupOnFakeQueue();
    t.clock = due + 1; // a stalled host: the first wake-up is already past the deadline
    t.wake();
    await waitFor("the decision", () => t.decided.length > 0, 2000, 1);
    expect(t.rehearsed).toEqual([]);
    expect(t.decided).toEqual([due + 1]);
  });
});

describe("advert lateness on the deadline queue", () => {
  // GARP rounds spaced by vrrp_garp_interval are the instance's deadlines (VrrpInstance announce):
  // a MASTER wakes for them between adverts, and only an advert's wake-up is a lateness sample.
  it("counts adverts only: a GARP round due before the advert records no sample", () => {
    const d = daemonSide("global_defs {\n  vrrp_garp_interval 0.05\n}\n" + instance("A", 1, 3, "  garp_master_repeat 3\n"));
    const io = d.ios[0]!;
    const t = { clock: 0, wake: (): void => undefined };
    const queue = new DeadlineQueue(
      () => t.clock,
      (onWake): WakeTimer => {
        t.wake = onWake;
        return { arm: () => undefined, disarm: () => undefined, close: () => undefined };
      },
    );
    const announced: string[] = [];
    const timing = new DeadlineTiming({ now: () => t.clock, stopping: () => false }, queue);
    const deadline: InstanceDeadline = new InstanceDeadline(
      timing,
      "A",
      () => io.ri.vi,
      (now) => {
        for (const a of d.router.handle(io.ri.timerEvent, now)) {
          if (a.type === "deadline") deadline.schedule();
          if (a.type === "instance" && a.action.type === "announce") announced.push(`${now} ${a.action.ifname}`);
        }
      },
      () => undefined,
    );
    const samples: number[] = [];
    timing.latenessListeners.push((_name, ms) => samples.push(ms));
    d.router.handle({ type: "link", ifname: "eth0", present: true, up: true }, 0);
    d.router.handle({ type: "source", instance: io.ri, address: io.src }, 0);
    d.router.handle({ type: "start", instance: io.ri }, 0);
    const takeover = io.ri.vi.nextDeadline()!;
    d.router.handle(io.ri.timerEvent, takeover);
    expect(io.ri.vi.state).toBe("MASTER");
    const advertDue = io.ri.vi.advertDeadline!;
    deadline.schedule();
    // Each round 50 ms after the one before (vrrp_arp.c: garp_next_time from the send).
    for (const round of [takeover + 50, takeover + 100.5]) {
      expect(io.ri.vi.nextDeadline()).toBeCloseTo(round, 6);
      t.clock = round + 0.5;
      t.wake();
    }
    expect(announced).toEqual([`${takeover + 50.5} eth0`, `${takeover + 101} eth0`]);
    expect(samples).toEqual([]);
    expect(io.ri.vi.nextDeadline()).toBe(advertDue);
    t.clock = advertDue + 0.5;
    t.wake();
    expect(samples).toEqual([0.5]);
    deadline.stop();
  });
});
