import { describe, expect, it } from "vitest";
import { AUTH_PASS, passwordBytes } from "../../src/vrrp/packet.js";
import { ADVERT_GRID_MS, VrrpInstance } from "../../src/vrrp/instance.js";
import { masterDownMs, skewMs } from "../../src/vrrp/timing.js";
import { advert, config, ip, stateOf, types } from "./helpers.js";

function started(p: Parameters<typeof config>[0] = {}, at = 0) {
  const vi = new VrrpInstance(config(p));
  vi.handle({ type: "startup" }, at);
  return vi;
}

function toMaster(vi: VrrpInstance): number {
  const t = vi.nextDeadline()!;
  const acts = vi.handle({ type: "timer" }, t);
  expect(stateOf(acts)?.to).toBe("MASTER");
  return t;
}

describe("timer arithmetic", () => {
  it("v2 skew is (256 - p)/256 s and the down interval 3 x interval + skew", () => {
    expect(skewMs(2, 100, 100)).toBeCloseTo(609.375, 6);
    expect(masterDownMs(2, 100, 100)).toBeCloseTo(3609.375, 6);
    expect(skewMs(2, 254, 300)).toBeCloseTo(7.812, 6); // ignores the interval; keepalived floors to whole µs
  });
  it("v3 skew is (256 - p) x Master_Adver_Interval / 256", () => {
    expect(skewMs(3, 200, 100)).toBeCloseTo(218.75, 6);
    expect(masterDownMs(3, 200, 10)).toBeCloseTo(300 + 21.875, 6);
    expect(masterDownMs(3, 1, 4095)).toBeCloseTo(3 * 40950 + (255 * 40950) / 256, 0);
  });
});

describe("startup", () => {
  it("a backup becomes master after Master_Down_Interval with advert first, then VIPs, then GARP", () => {
    const vi = started({ priority: 100 });
    expect(vi.state).toBe("BACKUP");
    expect(vi.nextDeadline()).toBeCloseTo(3609.375, 6);
    expect(vi.handle({ type: "timer" }, 3609)).toEqual([]);
    const acts = vi.handle({ type: "timer" }, 3609.375);
    expect(types(acts)).toEqual(["send-advert", "add-vips", "announce", "state"]);
    expect(acts.find((a) => a.type !== "log")).toMatchObject({ type: "send-advert", priority: 100 });
    expect(vi.state).toBe("MASTER");
  });
  it("state MASTER waits one interval and the smallest skew (keepalived), not the full down interval", () => {
    const vi = started({ priority: 150, initialState: "MASTER", version: 3, advertIntervalCs: 10 });
    expect(vi.nextDeadline()).toBeCloseTo(100 + skewMs(3, 255, 10), 6);
  });
  it("the address owner (255) is master at once", () => {
    const vi = new VrrpInstance(config({ priority: 255 }));
    const acts = vi.handle({ type: "startup" }, 5);
    expect(types(acts)).toEqual(["send-advert", "add-vips", "announce", "state"]);
    expect(vi.state).toBe("MASTER");
  });
  it("starts in FAULT when a tracker is already down, sending nothing", () => {
    const vi = new VrrpInstance(config());
    vi.handle({ type: "fault", source: { kind: "check", name: "chk" }, active: true }, 0);
    const acts = vi.handle({ type: "startup" }, 0);
    expect(types(acts)).toEqual(["state"]);
    expect(vi.state).toBe("FAULT");
    expect(vi.nextDeadline()).toBeUndefined();
  });
});

describe("backup", () => {
  it("a higher-priority advert resets the down timer", () => {
    const vi = started({ priority: 100 });
    vi.handle({ type: "advert", advert: advert({ priority: 150 }), source: ip("192.0.2.20") }, 3000);
    expect(vi.nextDeadline()).toBeCloseTo(6609.375, 6);
    expect(vi.masterPriority).toBe(150);
  });
  it("a priority 0 advert sets the timer to Skew_Time", () => {
    const vi = started({ priority: 100 });
    vi.handle({ type: "advert", advert: advert({ priority: 0 }), source: ip("192.0.2.20") }, 1000);
    expect(vi.nextDeadline()).toBeCloseTo(1609.375, 6);
  });
  it("with preempt, a lower-priority advert is ignored and the backup takes over", () => {
    const vi = started({ priority: 200 });
    vi.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.20") }, 1000);
    const mdi = masterDownMs(2, 200, 100);
    expect(vi.nextDeadline()).toBeCloseTo(mdi, 6); // unchanged from startup
  });
  it("nopreempt never takes over from a live lower-priority master", () => {
    const vi = started({ priority: 200, nopreempt: true });
    for (let t = 500; t < 60_000; t += 1000) {
      vi.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.20") }, t);
      vi.handle({ type: "timer" }, t + 1);
      expect(vi.state).toBe("BACKUP");
    }
  });
  it("preempt_delay: the first lower advert starts the delay; after it, takeover one down timer later", () => {
    const vi = started({ priority: 200, preemptDelayMs: 10_000 });
    let t = 500;
    for (; t < 10_500; t += 1000) {
      vi.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.20") }, t);
      expect(vi.handle({ type: "timer" }, t + 1)).toEqual([]);
    }
    // t = 10500: the delay (until 10500) has ended; adverts are now ignored
    for (; vi.state === "BACKUP"; t += 1000) {
      vi.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.20") }, t);
      const due = vi.nextDeadline()!;
      if (due < t + 1000) vi.handle({ type: "timer" }, due);
    }
    expect(vi.state).toBe("MASTER");
    // last accepted advert at 9500 -> master at 9500 + MDI
    expect(vi.since).toBeCloseTo(9500 + masterDownMs(2, 200, 100), 6);
  });
  it("v2 drops an advert with another interval; v3 adopts the master's interval", () => {
    const v2 = started({ priority: 100 });
    v2.handle({ type: "advert", advert: advert({ priority: 150, intervalCs: 200 }), source: ip("192.0.2.20") }, 1000);
    expect(v2.stats.drops.BAD_INTERVAL).toBe(1);
    expect(v2.nextDeadline()).toBeCloseTo(3609.375, 6);

    const v3 = started({ version: 3, priority: 100, advertIntervalCs: 100 });
    v3.handle({ type: "advert", advert: advert({ version: 3, priority: 150, intervalCs: 20 }), source: ip("192.0.2.20") }, 1000);
    expect(v3.masterAdverIntervalCs).toBe(20);
    expect(v3.nextDeadline()).toBeCloseTo(1000 + masterDownMs(3, 100, 20), 6);
  });
  it("accepts an advert whose address list differs, counts it and logs it once per minute", () => {
    const vi = started({ priority: 100 });
    const a = advert({ priority: 150, vips: ["192.0.2.100", "192.0.2.101"] });
    const logs1 = vi.handle({ type: "advert", advert: a, source: ip("192.0.2.20") }, 1000).filter((x) => x.type === "log");
    const logs2 = vi.handle({ type: "advert", advert: a, source: ip("192.0.2.20") }, 2000).filter((x) => x.type === "log");
    expect(vi.stats.addressListMismatch).toBe(2);
    expect(logs1).toHaveLength(1);
    expect(logs2).toHaveLength(0);
    expect(vi.nextDeadline()).toBeCloseTo(2000 + 3609.375, 6);
  });
  it("drops wrong auth, wrong version and its own adverts, counting each", () => {
    const vi = started({ priority: 100, authType: AUTH_PASS, authKey: passwordBytes("s3cret") });
    vi.handle({ type: "advert", advert: advert({ priority: 150, authType: AUTH_PASS, authKey: "wrong" }), source: ip("192.0.2.20") }, 10);
    vi.handle({ type: "advert", advert: advert({ priority: 150 }), source: ip("192.0.2.20") }, 20);
    vi.handle({ type: "advert", advert: advert({ priority: 150, version: 3, authType: 0 }), source: ip("192.0.2.20") }, 30);
    vi.handle({ type: "advert", advert: advert({ priority: 150, authType: AUTH_PASS, authKey: "s3cret" }), source: ip("192.0.2.10") }, 40);
    expect(vi.stats.drops).toEqual({ BAD_AUTH: 1, BAD_AUTH_TYPE: 1, BAD_VERSION: 1, OWN_ADVERT: 1 });
    expect(vi.stats.advertsReceived).toBe(0);
    vi.handle({ type: "advert", advert: advert({ priority: 150, authType: AUTH_PASS, authKey: "s3cret" }), source: ip("192.0.2.20") }, 50);
    expect(vi.stats.advertsReceived).toBe(1);
  });
});

describe("master", () => {
  it("sends adverts every interval on schedule", () => {
    const vi = started({ priority: 100, version: 3, advertIntervalCs: 10 });
    const t0 = toMaster(vi);
    const sends: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = vi.nextDeadline()!;
      if (types(vi.handle({ type: "timer" }, t)).includes("send-advert")) sends.push(t - t0);
    }
    // The first lands on the shared advert grid (up to ADVERT_GRID_MS later); then exactly every interval.
    expect(sends[0]).toBeGreaterThanOrEqual(100);
    expect(sends[0]).toBeLessThan(100 + ADVERT_GRID_MS);
    expect(sends.slice(1).map((x, i) => x - sends[i]!)).toEqual([100, 100, 100, 100]);
    expect((t0 + sends[0]!) % ADVERT_GRID_MS).toBe(0);
  });
  it("yields to a higher priority: VIPs removed, BACKUP", () => {
    const vi = started({ priority: 100 });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "advert", advert: advert({ priority: 101 }), source: ip("192.0.2.5") }, t + 10);
    expect(types(acts)).toEqual(["remove-vips", "state"]);
    expect(vi.state).toBe("BACKUP");
  });
  it("equal priority: the higher primary address wins", () => {
    const a = started({ priority: 100 });
    const ta = toMaster(a);
    a.handle({ type: "advert", advert: advert({ priority: 100, src: "192.0.2.9" }), source: ip("192.0.2.9") }, ta + 1);
    expect(a.state).toBe("MASTER");
    a.handle({ type: "advert", advert: advert({ priority: 100, src: "192.0.2.11" }), source: ip("192.0.2.11") }, ta + 2);
    expect(a.state).toBe("BACKUP");
  });
  it("answers a lower-priority advert at once (forcing a new election)", () => {
    const vi = started({ priority: 100 });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "advert", advert: advert({ priority: 50 }), source: ip("192.0.2.20") }, t + 1);
    expect(types(acts)).toEqual(["send-advert", "event"]); // MASTER_RX_LOWER_PRI (keepalived send_event_notify);
    const quiet = new VrrpInstance(config({ priority: 100, lowerPrioNoAdvert: true }));
    quiet.handle({ type: "startup" }, 0);
    const tq = toMaster(quiet);
    expect(types(quiet.handle({ type: "advert", advert: advert({ priority: 50 }), source: ip("192.0.2.20") }, tq + 1))).toEqual(["event"]);
  });
  it("answers a priority 0 advert at once and restarts its advert timer", () => {
    const vi = started({ priority: 100 });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "advert", advert: advert({ priority: 0 }), source: ip("192.0.2.20") }, t + 300);
    expect(types(acts)).toEqual(["send-advert"]);
    expect(vi.nextDeadline()! - (t + 300 + 1000)).toBeGreaterThanOrEqual(0);
    expect(vi.nextDeadline()! - (t + 300 + 1000)).toBeLessThan(ADVERT_GRID_MS);
  });
  it("on a failing check: priority 0 advert, VIPs removed, FAULT, deaf; recovery enters BACKUP", () => {
    const vi = started({ priority: 100 });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "fault", source: { kind: "check", name: "chk_web" }, active: true }, t + 1);
    expect(acts.filter((a) => a.type !== "log")).toEqual([
      { type: "send-advert", priority: 0, intervalCs: 100 },
      { type: "remove-vips" },
      { type: "state", from: "MASTER", to: "FAULT", reason: "check:chk_web down" },
    ]);
    expect(vi.nextDeadline()).toBeUndefined();
    expect(vi.handle({ type: "advert", advert: advert({ priority: 0 }), source: ip("192.0.2.20") }, t + 2)).toEqual([]);
    const back = vi.handle({ type: "fault", source: { kind: "check", name: "chk_web" }, active: false }, t + 3);
    expect(stateOf(back)?.to).toBe("BACKUP");
    expect(vi.nextDeadline()).toBeCloseTo(t + 3 + 3609.375, 6);
  });
  it("stays in FAULT until every failing tracker and link has recovered", () => {
    const vi = started({ priority: 100 });
    vi.handle({ type: "fault", source: { kind: "link", ifname: "eth0" }, active: true }, 1);
    vi.handle({ type: "fault", source: { kind: "check", name: "chk" }, active: true }, 2);
    vi.handle({ type: "fault", source: { kind: "link", ifname: "eth0" }, active: false }, 3);
    expect(vi.state).toBe("FAULT");
    vi.handle({ type: "fault", source: { kind: "check", name: "chk" }, active: false }, 4);
    expect(vi.state).toBe("BACKUP");
  });
  it("shutdown from MASTER sends priority 0 and removes VIPs", () => {
    const vi = started({ priority: 100 });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "shutdown" }, t + 5);
    expect(types(acts)).toEqual(["send-advert", "remove-vips", "state"]);
    expect(acts[0]).toMatchObject({ priority: 0 });
    expect(vi.state).toBe("INIT");
    expect(vi.nextDeadline()).toBeUndefined();
  });
  it("sends the second GARP burst after garp_master_delay and refreshes when configured", () => {
    const vi = started({ priority: 100, garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 20_000, masterRefreshRepeat: 2 } });
    const t = toMaster(vi);
    const announces: [number, number][] = [];
    while (vi.nextDeadline()! < t + 41_000) {
      const at = vi.nextDeadline()!;
      for (const a of vi.handle({ type: "timer" }, at)) if (a.type === "announce") announces.push([Math.round(at - t), a.repeat]);
    }
    expect(announces).toEqual([
      [5000, 5],
      [20_000, 2],
      [40_000, 2],
    ]);
  });
  it("a priority change in BACKUP moves the running down timer by the change in skew (keepalived vrrp_set_effective_priority)", () => {
    const vi = started({ priority: 100 });
    vi.handle({ type: "advert", advert: advert({ priority: 200 }), source: ip("192.0.2.20") }, 1000);
    expect(vi.nextDeadline()).toBeCloseTo(1000 + masterDownMs(2, 100, 100), 6);
    vi.handle({ type: "priority", effective: 50 }, 1500);
    expect(vi.nextDeadline()).toBeCloseTo(1000 + masterDownMs(2, 50, 100), 6);
    vi.handle({ type: "priority", effective: 250 }, 1600);
    expect(vi.nextDeadline()).toBeCloseTo(1000 + masterDownMs(2, 250, 100), 6);
  });
  it("weighted trackers change the advertised priority, clamped to 1..254", () => {
    const vi = started({ priority: 100 });
    toMaster(vi);
    vi.handle({ type: "priority", effective: 300 }, 4000);
    const acts = vi.handle({ type: "timer" }, vi.nextDeadline()!);
    expect(acts[0]).toMatchObject({ type: "send-advert", priority: 254 });
  });
});

describe("healing a split brain for clients (higher_prio_send_advert, garp_lower_prio_*)", () => {
  it("a master hearing a higher priority sends one advert at its own priority before yielding (only when asked)", () => {
    const vi = started({ priority: 100, higherPrioSendAdvert: true });
    const t = toMaster(vi);
    const acts = vi.handle({ type: "advert", advert: advert({ priority: 200 }), source: ip("192.0.2.20") }, t + 1);
    expect(types(acts)).toEqual(["send-advert", "remove-vips", "state"]);
    expect(acts[0]).toMatchObject({ priority: 100 });
    const plain = started({ priority: 100 });
    const tp = toMaster(plain);
    expect(types(plain.handle({ type: "advert", advert: advert({ priority: 200 }), source: ip("192.0.2.20") }, tp + 1))).toEqual([
      "remove-vips",
      "state",
    ]);
    // Equal priority from a higher address is a higher advert too (keepalived's addr_cmp > 0).
    const eq = started({ priority: 100, higherPrioSendAdvert: true });
    const te = toMaster(eq);
    expect(
      types(eq.handle({ type: "advert", advert: advert({ priority: 100, src: "192.0.2.20" }), source: ip("192.0.2.20") }, te + 1))[0],
    ).toBe("send-advert");
  });

  it("a master hearing a lower priority re-announces its VIPs, again after the delay, at most one burst a second", () => {
    const vi = started({ priority: 100, garpLowerPrio: { repeat: 3, delayMs: 2000 } });
    const t = toMaster(vi);
    const lower = () => vi.handle({ type: "advert", advert: advert({ priority: 50 }), source: ip("192.0.2.20") }, now);
    let now = t + 10;
    const first = lower();
    expect(first.filter((a) => a.type !== "log" && a.type !== "event")).toEqual([
      expect.objectContaining({ type: "send-advert", priority: 100 }),
      { type: "announce", repeat: 3, lowerPriority: true },
    ]);
    now = t + 500;
    expect(types(lower())).toEqual(["send-advert", "event"]); // within the second: no second burst
    now = t + 1010;
    expect(types(lower())).toEqual(["send-advert", "event", "announce"]);
    // The delayed burst (garp_lower_prio_delay) comes on the timer, 2 s after the last one.
    const due = vi.armed().garpLowerPrio!;
    expect(due).toBeCloseTo(t + 1010 + 2000, 6);
    const timerActs = vi.handle({ type: "timer" }, due);
    expect(timerActs.filter((a) => a.type === "announce")).toEqual([{ type: "announce", repeat: 3 }]);
    // Off (repeat 0): only the advert (and the MASTER_RX_LOWER_PRI event).
    const off = started({ priority: 100 });
    const to = toMaster(off);
    expect(types(off.handle({ type: "advert", advert: advert({ priority: 50 }), source: ip("192.0.2.20") }, to + 1))).toEqual([
      "send-advert",
      "event",
    ]);
  });
});

// keepalived 2.2.7 vrrp.c vrrp_state_master_rx and vrrp_scheduler.c vrrp_dispatcher_read_timeout:
// the lines that say why a transition happened, in its words (measured in its log: "(VI_1) Master
// received advert from 192.0.2.1 with higher priority 150, ours 100"); the timeout line only with
// -D (LOG_DETAIL_BIT), so at debug level here.
describe("keepalived's lines for why a state changes", () => {
  const logs = (acts: ReturnType<VrrpInstance["handle"]>) =>
    acts.flatMap((a) => (a.type === "log" ? [{ level: a.level, msg: a.msg, kl: a.fields?.kl }] : []));
  it("backup timeout, higher and equal priority at a master, lower priority at a master", () => {
    const vi = started({ priority: 100 });
    const t = vi.nextDeadline()!;
    expect(logs(vi.handle({ type: "timer" }, t))).toContainEqual({ level: "debug", msg: "(VI_7) Receive advertisement timeout", kl: true });
    expect(logs(vi.handle({ type: "advert", advert: advert({ priority: 90 }), source: ip("192.0.2.20") }, t + 10))).toContainEqual({
      level: "info",
      msg: "(VI_7) Received advert from 192.0.2.20 with lower priority 90, ours 100, forcing new election",
      kl: true,
    });
    expect(logs(vi.handle({ type: "advert", advert: advert({ priority: 150 }), source: ip("192.0.2.20") }, t + 20))).toContainEqual({
      level: "info",
      msg: "(VI_7) Master received advert from 192.0.2.20 with higher priority 150, ours 100",
      kl: true,
    });
    const tie = started({ priority: 100 });
    toMaster(tie);
    expect(logs(tie.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.20") }, 5000))).toContainEqual({
      level: "info",
      msg: "(VI_7) Master received advert from 192.0.2.20 with same priority 100 but higher IP address than ours",
      kl: true,
    });
  });
});
