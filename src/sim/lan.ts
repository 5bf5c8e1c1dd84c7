// A virtual LAN of VRRP routers on a virtual clock: adverts go through the real codec, with seeded
// loss, delay, partitions, crashes and health faults. Used by the scenario tests and the benches.
import { addressBytes, formatAddress } from "../vrrp/address.js";
import { VrrpInstance, type Action, type InstanceConfig, type State } from "../vrrp/instance.js";
import { AdvertEncoder, decodeAdvert } from "../vrrp/packet.js";
import { VirtualClock, prng } from "./clock.js";

export interface SimRouterSpec {
  readonly name: string;
  readonly config: InstanceConfig;
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
  readonly from: State;
  readonly to: State;
  readonly reason: string;
}

export class SimRouter {
  instance: VrrpInstance;
  alive = true;
  holdsVips = false;
  /** Partition group; routers hear each other only within one group. */
  group = 0;
  readonly encoder: AdvertEncoder;
  private timerToken = 0;

  constructor(readonly lan: SimLan, readonly spec: SimRouterSpec) {
    this.instance = new VrrpInstance(spec.config);
    const c = spec.config;
    this.encoder = new AdvertEncoder({
      version: c.version,
      family: c.family,
      vrid: c.vrid,
      addresses: c.vips,
      authType: c.authType,
      authKey: c.authKey,
      src: c.primaryAddress,
      dst: c.family === 4 ? "224.0.0.18" : "ff02::12",
    });
  }

  get name(): string {
    return this.spec.name;
  }

  apply(actions: Action[]): void {
    for (const a of actions) {
      switch (a.type) {
        case "send-advert":
          this.lan.broadcast(this, Buffer.from(this.encoder.encode(a.priority, a.intervalCs)));
          break;
        case "add-vips":
          this.holdsVips = true;
          break;
        case "remove-vips":
          this.holdsVips = false;
          break;
        case "state":
          this.lan.transitions.push({ at: this.lan.clock.now, router: this.name, from: a.from, to: a.to, reason: a.reason });
          break;
        case "announce":
        case "log":
          break;
      }
    }
    this.rearm();
  }

  /** Arms one virtual timer at the instance's next deadline; older ones are made stale by the token. */
  rearm(): void {
    const token = ++this.timerToken;
    const at = this.instance.nextDeadline();
    if (at === undefined || !this.alive) return;
    this.lan.clock.schedule(at, () => {
      if (token !== this.timerToken || !this.alive) return;
      this.apply(this.instance.handle({ type: "timer" }, this.lan.clock.now));
    });
  }

  deliverFrom(sender: SimRouter, bytes: Buffer): void {
    if (!this.alive) return;
    const c = this.spec.config;
    const r = decodeAdvert(bytes, c.family, sender.spec.config.primaryAddress, addressBytes(c.family === 4 ? "224.0.0.18" : "ff02::12"));
    if (!r.ok) throw new Error(`sim: our own codec rejected an advert from ${sender.name}: ${r.code} ${r.detail}`);
    this.apply(this.instance.handle({ type: "advert", advert: r.advert, source: sender.spec.config.primaryAddress }, this.lan.clock.now));
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

  constructor(readonly seed: number, specs: readonly SimRouterSpec[]) {
    this.random = prng(seed);
    for (const s of specs) this.routers.push(new SimRouter(this, s));
  }

  router(name: string): SimRouter {
    const r = this.routers.find((x) => x.name === name);
    if (!r) throw new Error(`sim: no router ${name}`);
    return r;
  }

  startAll(): void {
    for (const r of this.routers) r.apply(r.instance.handle({ type: "startup" }, this.clock.now));
  }

  broadcast(from: SimRouter, bytes: Buffer): void {
    for (const to of this.routers) {
      if (to === from || !to.alive || to.group !== from.group) continue;
      if (this.random() < this.conditions.loss) {
        this.lost++;
        continue;
      }
      const at = this.clock.now + this.conditions.delayMs + this.random() * this.conditions.jitterMs;
      this.clock.schedule(at, () => {
        if (to.group !== from.group) return; // partitioned while in flight
        this.delivered++;
        to.deliverFrom(from, bytes);
      });
    }
  }

  /** SIGKILL: the host is gone, its VIPs with it, nothing is sent. */
  crash(name: string): void {
    const r = this.router(name);
    r.alive = false;
    r.holdsVips = false;
  }

  /** Graceful stop (SIGTERM): priority 0 advert, VIPs released. */
  stop(name: string): void {
    const r = this.router(name);
    if (!r.alive) return;
    r.apply(r.instance.handle({ type: "shutdown" }, this.clock.now));
    r.alive = false;
  }

  restart(name: string): void {
    const r = this.router(name);
    r.alive = true;
    r.holdsVips = false;
    r.instance = new VrrpInstance(r.spec.config);
    r.apply(r.instance.handle({ type: "startup" }, this.clock.now));
  }

  setHealth(name: string, ok: boolean): void {
    const r = this.router(name);
    if (!r.alive) return;
    r.apply(r.instance.handle({ type: "health", ok, source: "sim-check" }, this.clock.now));
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

  masters(): SimRouter[] {
    return this.routers.filter((r) => r.alive && r.instance.state === "MASTER");
  }

  vipHolders(): SimRouter[] {
    return this.routers.filter((r) => r.alive && r.holdsVips);
  }

  describe(): string {
    return this.routers
      .map((r) => `${r.name}(${formatAddress(r.spec.config.primaryAddress)} p${r.instance.effectivePriority}${r.alive ? "" : " dead"}): ${r.instance.state}${r.holdsVips ? " +vips" : ""}`)
      .join("; ");
  }
}
