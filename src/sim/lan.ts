// A virtual LAN of VRRP hosts on a virtual clock. Each host runs the real router (src/vrrp/router.ts)
// over its instances; adverts go through the real codec, with seeded loss, delay, partitions,
// crashes, link and check failures, and reloads. Interfaces with the same name on different hosts
// share one segment. Used by the scenario tests and the benches.
import { formatAddress, vrrpGroup } from "../vrrp/address.js";
import type { InstanceConfig, State } from "../vrrp/instance-types.js";
import { AdvertEncoder } from "../vrrp/packet.js";
import { ahPacket } from "../vrrp/ipsec-ah.js";
import { VrrpRouter } from "../vrrp/router.js";
import type { RouterAction, RouterConfig, RouterEvent, RouterInstance, RouterInstanceSpec } from "../vrrp/router-types.js";
import { VirtualClock, prng } from "./clock.js";

/** A host with one instance on eth0 (the simple case). */
export interface SimRouterSpec {
  readonly name: string;
  readonly config: InstanceConfig;
}

/** A host with any instances, sync groups and trackers. */
export interface SimHostSpec {
  readonly name: string;
  readonly router: RouterConfig;
}

export interface LinkConditions {
  /** Probability 0..1 that one delivery of an advert is lost. */
  loss: number;
  /** Fixed one-way delay, ms. */
  delayMs: number;
  /** Extra uniform random delay 0..jitterMs. */
  jitterMs: number;
}

export interface Transition {
  readonly at: number;
  readonly router: string;
  readonly instance: string;
  readonly from: State;
  readonly to: State;
  readonly reason: string;
}

/** The check every simple host tracks with weight 0: `setHealth` fails it. */
export const SIM_CHECK = "sim-check";

/** A simple host's one instance, multicast on eth0, tracking SIM_CHECK. */
export function simpleInstance(config: InstanceConfig): RouterInstanceSpec {
  return {
    name: config.name,
    key: `${config.vrid}/${config.family}/eth0`,
    interface: "eth0",
    config,
    receive: {
      version: config.version,
      unicastPeers: [],
      peerTtl: [],
      checkUnicastSrc: false,
      unicastChecksum: "auto",
      v3ChecksumAsV2: false,
    },
    trackChecks: [{ name: SIM_CHECK, weight: 0, reverse: false }],
    trackLinks: [],
    trackFiles: [],
    trackProcesses: [],
    dontTrackPrimary: false,
  };
}

export class SimRouter {
  router: VrrpRouter;
  alive = true;
  /** Partition group; hosts hear each other only within one group. */
  group = 0;
  private readonly holding = new Set<RouterInstance>();
  private readonly encoders = new Map<RouterInstance, AdvertEncoder>();
  private readonly tokens = new Map<RouterInstance, number>();
  readonly linksUp = new Map<string, boolean>();
  readonly checks = new Map<string, boolean>();

  constructor(
    readonly lan: SimLan,
    public spec: SimHostSpec,
  ) {
    this.router = new VrrpRouter(spec.router);
    for (const i of spec.router.instances) {
      this.linksUp.set(i.interface, true);
      for (const t of i.trackLinks) this.linksUp.set(t.name, true);
      for (const t of i.trackChecks) this.checks.set(t.name, true);
    }
  }

  get name(): string {
    return this.spec.name;
  }

  /** The first instance (simple hosts have one). */
  get instance(): RouterInstance["vi"] {
    return this.router.instances[0]!.vi;
  }

  get holdsVips(): boolean {
    return this.holding.size > 0;
  }

  holds(instance: string): boolean {
    return [...this.holding].some((i) => i.name === instance);
  }

  state(instance: string): State | undefined {
    return this.router.instance(instance)?.vi.state;
  }

  /** Boot: links and checks as they are now, then every instance starts. */
  boot(): void {
    this.holding.clear();
    this.encoders.clear();
    this.router = new VrrpRouter(this.spec.router);
    for (const [ifname, up] of this.linksUp) this.handle({ type: "link", ifname, present: true, up });
    this.handle({ type: "checks", states: new Map([...this.checks].map(([n, ok]) => [n, ok ? "OK" : "FAILED"])) });
    for (const i of this.router.instances) this.handle({ type: "start", instance: i });
  }

  handle(e: RouterEvent): void {
    if (!this.alive) return;
    this.apply(this.router.handle(e, this.lan.clock.now));
  }

  reload(next: RouterConfig): void {
    this.spec = { ...this.spec, router: next };
    if (!this.alive) return;
    const { plan, actions } = this.router.reload(next, this.lan.clock.now);
    for (const i of plan.kept) this.encoders.delete(i.instance); // VIPs, interval or auth may have changed
    this.apply(actions);
    for (const i of plan.removed) this.holding.delete(i);
    for (const i of plan.added) this.handle({ type: "start", instance: i });
  }

  apply(actions: readonly RouterAction[]): void {
    for (const a of actions) {
      if (a.type === "deadline") this.rearm(a.instance);
      if (a.type !== "instance") continue;
      const act = a.action;
      switch (act.type) {
        case "send-advert":
          this.lan.broadcast(this, a.instance, this.encoder(a.instance).encode(act.priority, act.intervalCs));
          break;
        case "add-vips":
          this.holding.add(a.instance);
          break;
        case "remove-vips":
          this.holding.delete(a.instance);
          break;
        case "state":
          this.lan.transitions.push({
            at: this.lan.clock.now,
            router: this.name,
            instance: a.instance.name,
            from: act.from,
            to: act.to,
            reason: act.reason,
          });
          break;
        case "announce":
        case "log":
        case "event": // notify scripts and FIFO lines are not simulated
        case "announce-extra": // nor garp_extra_if's frames on other interfaces
          break;
      }
    }
  }

  /** SIGKILL: the host is gone, its VIPs with it, nothing is sent (the timeline shows it as a stop). */
  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.holding.clear();
    for (const i of this.router.instances)
      if (i.vi.state !== "INIT")
        this.lan.transitions.push({
          at: this.lan.clock.now,
          router: this.name,
          instance: i.name,
          from: i.vi.state,
          to: "INIT",
          reason: "host died",
        });
  }

  private encoder(i: RouterInstance): AdvertEncoder {
    let e = this.encoders.get(i);
    if (!e) {
      const c = i.spec.config;
      e = new AdvertEncoder({
        version: c.version,
        family: c.family,
        vrid: c.vrid,
        addresses: c.vips,
        authType: c.authType,
        authKey: c.authKey,
        src: c.primaryAddress,
        dst: i.spec.receive.multicastGroup ?? vrrpGroup(c.family),
      });
      this.encoders.set(i, e);
    }
    return e;
  }

  /** One virtual timer per instance at its next deadline; older ones are made stale by the token. */
  private rearm(i: RouterInstance): void {
    const token = (this.tokens.get(i) ?? 0) + 1;
    this.tokens.set(i, token);
    const at = i.vi.nextDeadline();
    if (at === undefined || !this.alive) return;
    this.lan.clock.schedule(at, () => {
      if (this.tokens.get(i) !== token || !this.alive || !this.router.instances.includes(i)) return;
      this.handle({ type: "timer", instance: i });
    });
  }
}

export class SimLan {
  readonly clock = new VirtualClock();
  readonly routers: SimRouter[] = [];
  readonly transitions: Transition[] = [];
  readonly random: () => number;
  conditions: LinkConditions = { loss: 0, delayMs: 0.1, jitterMs: 0.2 };
  delivered = 0;
  lost = 0;
  /** Every advert each host sent for each instance (that left its interface), in time order. */
  private readonly adverts = new Map<string, { at: number; priority: number }[]>();

  constructor(
    readonly seed: number,
    specs: readonly (SimRouterSpec | SimHostSpec)[],
  ) {
    this.random = prng(seed);
    for (const s of specs) {
      const host: SimHostSpec = "router" in s ? s : { name: s.name, router: { instances: [simpleInstance(s.config)], syncGroups: [] } };
      this.routers.push(new SimRouter(this, host));
    }
  }

  router(name: string): SimRouter {
    const r = this.routers.find((x) => x.name === name);
    if (!r) throw new Error(`sim: no router ${name}`);
    return r;
  }

  startAll(): void {
    for (const r of this.routers) r.boot();
  }

  broadcast(from: SimRouter, instance: RouterInstance, bytes: Uint8Array): void {
    const ifname = instance.spec.interface;
    if (!from.linksUp.get(ifname)) return;
    const key = `${from.name}/${instance.name}`;
    const sent = this.adverts.get(key) ?? [];
    sent.push({ at: this.clock.now, priority: bytes[2] ?? 0 });
    this.adverts.set(key, sent);
    const c = instance.spec.config;
    const dst = instance.spec.receive.multicastGroup ?? vrrpGroup(c.family);
    const payload = Uint8Array.from(bytes);
    // auth_type AH: the advert inside keepalived's AH header, numbered by the instance's counter.
    const ahKey = instance.spec.receive.ahKey;
    const ah = ahKey && c.family === 4 ? ahPacket(payload, c.primaryAddress, vrrpGroup(4), ahKey, instance.ahCounter.next()) : undefined;
    for (const to of this.routers) {
      if (to === from || !to.alive || to.group !== from.group || !to.linksUp.has(ifname)) continue;
      if (this.random() < this.conditions.loss) {
        this.lost++;
        continue;
      }
      const at = this.clock.now + this.conditions.delayMs + this.random() * this.conditions.jitterMs;
      this.clock.schedule(at, () => {
        if (to.group !== from.group || !to.linksUp.get(ifname) || !from.linksUp.get(ifname)) return; // cut while in flight
        this.delivered++;
        to.handle({
          type: "packet",
          packet: { ifname, family: c.family, src: c.primaryAddress, dst, ttl: 255, multicast: true, payload, ...(ah ? { ah } : {}) },
        });
      });
    }
  }

  /** When `host` last sent an advert for `instance` before `at` (default: ever), and at which priority. */
  lastAdvert(host: string, instance: string, at = Infinity): { at: number; priority: number } | undefined {
    const sent = this.adverts.get(`${host}/${instance}`) ?? [];
    let lo = 0;
    let hi = sent.length; // first index with .at > at
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sent[mid]!.at <= at) lo = mid + 1;
      else hi = mid;
    }
    return sent[lo - 1];
  }

  crash(name: string): void {
    this.router(name).crash();
  }

  /** Graceful stop (SIGTERM): priority 0 adverts, VIPs released. */
  stop(name: string): void {
    const r = this.router(name);
    if (!r.alive) return;
    r.handle({ type: "stop" });
    r.alive = false;
  }

  restart(name: string): void {
    const r = this.router(name);
    r.alive = true;
    r.boot();
  }

  /** The simple hosts' weight-0 check. */
  setHealth(name: string, ok: boolean): void {
    this.setCheck(name, SIM_CHECK, ok);
  }

  setCheck(name: string, check: string, ok: boolean): void {
    const r = this.router(name);
    r.checks.set(check, ok);
    r.handle({ type: "check", name: check, state: ok ? "OK" : "FAILED" });
  }

  /** An interface's carrier: down cuts it from its segment both ways. */
  setLink(name: string, ifname: string, up: boolean): void {
    const r = this.router(name);
    r.linksUp.set(ifname, up);
    r.handle({ type: "link", ifname, present: true, up });
  }

  partition(groups: readonly (readonly string[])[]): void {
    groups.forEach((g, i) => g.forEach((n) => (this.router(n).group = i + 1)));
  }

  heal(): void {
    for (const r of this.routers) r.group = 0;
  }

  run(untilMs: number): void {
    this.clock.runUntil(untilMs);
  }

  /** Hosts whose instance (default: the first) is MASTER. */
  masters(instance?: string): SimRouter[] {
    return this.routers.filter((r) => r.alive && (instance ? r.state(instance) : r.instance.state) === "MASTER");
  }

  vipHolders(instance?: string): SimRouter[] {
    return this.routers.filter((r) => r.alive && (instance ? r.holds(instance) : r.holdsVips));
  }

  describe(): string {
    return this.routers
      .map((r) => {
        const inst = r.router.instances
          .map((i) => `${i.name} p${i.vi.effectivePriority} ${i.vi.state}${r.holds(i.name) ? "+vips" : ""}`)
          .join(", ");
        return `${r.name}(${formatAddress(r.router.instances[0]?.spec.config.primaryAddress ?? new Uint8Array(4))}${r.alive ? "" : " dead"}): ${inst}`;
      })
      .join("; ");
  }
}
