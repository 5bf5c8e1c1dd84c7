// One instance on the host: the router's actions for it become these methods. It owns its socket
// binding and encoder, its deadline entry (InstanceDeadline, below: one entry in the deadline
// queue on the native helper's timerfd, the master-down timer woken early, warmed up and waited
// out precisely), its queue of netlink work (NetlinkQueue, below) and its counters; nothing else
// writes them. Every port is an interface, so unit tests and the takeover warm-up pass their own.
// InstanceDrivers (below) holds every instance's driver and hands each router action to its
// driver, or a daemon-wide one to the daemon's port.
import type { RouteSpec, RuleSpec } from "../config/route-rule.js";
import type { AnnounceCounts, AnnounceTarget } from "../net/announce.js";
import type { AddressEvent, LinkInfo, VipRequest } from "../netlink/rtnl.js";
import type { AhSeal } from "../net/advert-socket.js";
import { blocksAddresses, type BlockedAddress } from "../netfilter/vip-block.js";
import { errorFields } from "../error-fields.js";
import { formatAddress, sameAddressBytes } from "../vrrp/address.js";
import { extraGarpTargets } from "../vrrp/garp-extra.js";
import type { Action, InstanceEventName, State } from "../vrrp/instance-types.js";
import { AdvertEncoder, type DropCode } from "../vrrp/packet.js";
import type { RouterAction, RouterEvent, RouterInstance } from "../vrrp/router-types.js";
import type { VrrpInstance } from "../vrrp/instance.js";
import type { Deadline, DeadlineQueue } from "./deadline-queue.js";
import { LatenessWindow } from "./lateness.js";
import type { LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import { sameSpec, type DaemonInstance, type ResolvedInstance, type ResolvedVip } from "./router-config.js";

/** Where adverts leave (an AdvertSocket; a fake in unit tests, a build-only one in the warm-up). */
export interface AdvertSender {
  /** false: not sent (the socket logs why). */
  send(vrrp: Uint8Array, src: Uint8Array | undefined, dst: Uint8Array, ttl?: number, ah?: AhSeal): boolean;
}

/** Gratuitous ARP / unsolicited NA (src/net/announce.ts Announcer). */
export interface AnnouncePort {
  announce(target: AnnounceTarget, vips: readonly Uint8Array[], repeat: number): AnnounceCounts;
  /** Opens the interface's packet socket ahead of the first announcement (throws when it cannot). */
  prepare?(ifname: string, ifindex: number): void;
}

/** Notify scripts, FIFO lines and SNMP traps for the instance (notify/state-notifications.ts StateNotifications). */
export interface InstanceNotifications {
  state(d: InstanceDriver, from: State, to: State, reason: string): void;
  event(d: InstanceDriver, event: InstanceEventName): void;
}

/** Warms the takeover path just before a master-down deadline (rehearsal.ts TakeoverRehearsal). */
export interface TakeoverWarmer {
  beforeTakeover(d: InstanceDriver): void;
}

export interface DriverPorts {
  readonly netlink: NetlinkPort;
  readonly firewall?: FirewallPort;
  readonly links: LinkCache;
  /** The shared advert socket for an instance on a link (advert-sockets.ts AdvertSockets). */
  readonly sockets: { socketFor(spec: ResolvedInstance, link: LinkInfo): AdvertSender };
  readonly announcer: AnnouncePort;
  readonly notifications: InstanceNotifications;
  readonly timing: DeadlineTiming;
  readonly warmer?: TakeoverWarmer;
  readonly host: DriverHost;
}

/** What the driver asks the daemon (runtime.ts Runtime). */
export interface DriverHost {
  /** Router events the driver reports (its deadline, its source address, its socket). */
  handle(e: RouterEvent, now?: number): void;
  /** keepalived vrrp_ndisc.c: the NA router flag follows the interface's IPv6 forwarding. */
  ipv6Forwarding(ifname: string): boolean;
}

/** One instance's own counters (status, /metrics, SNMP). The router's are on `ri.vi.stats`. */
export interface DriverStats {
  /** Adverts the kernel did not take (the socket logs each). */
  sendErrors: number;
  /** Gratuitous ARP and unsolicited NA frames. */
  announcementsSent: number;
}

export class InstanceDriver {
  readonly stats: DriverStats = { sendErrors: 0, announcementsSent: 0 };
  private socket?: AdvertSender;
  /** The interface the socket is bound to. */
  private boundIndex?: number;
  private encoder?: AdvertEncoder;
  /** Bound with a source address: which one is the router's (ri.spec.config.primaryAddress), the one copy. */
  private sourced = false;
  private holding = false;
  /** A reload deleted this instance: its stop is notified as keepalived notifies a deletion. */
  private deleted = false;
  private readonly queue: NetlinkQueue;
  private readonly deadline: InstanceDeadline;

  constructor(
    readonly ri: DaemonInstance,
    readonly log: Logger,
    private readonly p: DriverPorts,
  ) {
    this.queue = new NetlinkQueue(p.netlink, p.links, log);
    this.deadline = new InstanceDeadline(
      p.timing,
      ri.name,
      () => this.ri.vi,
      (now) => p.host.handle(this.ri.timerEvent, now),
      () => p.warmer?.beforeTakeover(this),
    );
  }

  /** The resolved spec the router holds for the instance (a reload's new one once it is kept). */
  get spec(): ResolvedInstance {
    return this.ri.spec;
  }

  get vips(): readonly ResolvedVip[] {
    return this.ri.spec.vips;
  }

  /** The bound source address (undefined: none yet, or track_src_ip saw it go). */
  get src(): Uint8Array | undefined {
    return this.sourced ? this.ri.spec.config.primaryAddress : undefined;
  }

  get holdsVips(): boolean {
    return this.holding;
  }

  get bound(): boolean {
    return this.socket !== undefined && this.encoder !== undefined && this.sourced;
  }

  /** A kind of instance for the warm-up: instances of one kind run the same code. */
  get kind(): string {
    const s = this.spec;
    return `${s.config.family}/${s.config.version}/${s.receive.unicastPeers.length > 0}/${s.model.authPass !== undefined}`;
  }

  // --- binding -----------------------------------------------------------------------------------

  /** Binds to its interface (source address, encoder, shared socket); reports either to the router. */
  bind(link: LinkInfo): void {
    const m = this.spec.model;
    const src = this.p.links.sourceFor(m);
    if (!src)
      this.log.error(
        { code: "NO_SOURCE_ADDRESS" },
        `no IPv${m.family} source address on ${m.vmac?.base ?? m.interface}; instance stays in FAULT until one is added`,
      );
    else {
      try {
        this.attach(link, src);
      } catch (e) {
        this.log.error(errorFields(e), "cannot open the advert socket; instance stays in FAULT");
        this.p.host.handle({ type: "socket-failed", instance: this.ri });
      }
    }
    this.p.host.handle({ type: "source", instance: this.ri, address: src });
  }

  /** Binds again to the interface carrying its name, if it lost its socket (renamed or gone). */
  rebind(link: LinkInfo): void {
    if (link.up && link.name === this.spec.interface && !this.socket) this.bind(link);
  }

  /**
   * Binds with a known source address (bind() finds it; the warm-up copies the real instance's).
   * The caller tells the router the address, which keeps it (src).
   */
  attach(link: LinkInfo, src: Uint8Array): void {
    this.sourced = true;
    this.encoder = this.newEncoder(src);
    this.socket = this.p.sockets.socketFor(this.spec, link);
    this.boundIndex = link.index;
    // VIPs on other interfaces get their socket at the first announcement (an open costs
    // microseconds); the instance's own is opened now so a failure shows at start.
    if (this.vips.some((v) => v.ifname === this.spec.interface))
      try {
        this.p.announcer.prepare?.(this.spec.interface, link.index);
      } catch (e) {
        this.log.warn(
          { dev: this.spec.interface, ...errorFields(e) },
          "cannot open a packet socket for gratuitous ARP / NA; takeovers will try again",
        );
      }
  }

  /**
   * The instance's advert encoder: its VIPs (bar excluded ones), authentication and destination,
   * the first send target's checksum address (the router's; sendAdvert sets each unicast peer's).
   */
  private newEncoder(src: Uint8Array): AdvertEncoder {
    return new AdvertEncoder({ ...this.spec.advert, src, dst: this.ri.sendTargets[0]!.checksumDst });
  }

  /** Its interface was renamed or removed (the socket is closed): unbound until one with its name is up. */
  unbind(gone: LinkInfo): void {
    if (this.boundIndex !== gone.index || !this.socket) return;
    this.socket = undefined;
    this.encoder = undefined;
    this.boundIndex = undefined;
    this.log.warn(
      { interface: gone.name, ifindex: gone.index },
      `interface ${gone.name} was renamed or removed; the instance binds again when an interface named ${this.spec.interface} is up`,
    );
  }

  /**
   * An address added or removed anywhere: source address lost or found. (A master's VIP deleted
   * by someone else is the router's decision: VrrpRouter addressDeleted -> restore-vips.)
   */
  onAddress(e: AddressEvent): void {
    const a = e.address;
    const m = this.spec.model;
    const links = this.p.links;
    const link = links.link(m.interface);
    // use_vmac: the source address comes from the base interface (LinkCache.sourceFor).
    const srcLink = m.vmac?.base ? links.link(m.vmac.base) : link;
    // track_src_ip: the configured source address removed from the interface is a FAULT until
    // it is back (keepalived_netlink.c netlink_if_address_filter, down_instance).
    const bound = this.src;
    if (e.removed && m.trackSrcIp && bound && srcLink?.index === a.index && sameAddressBytes(a.address, bound)) {
      this.log.warn({ src: formatAddress(bound) }, "configured source address removed (track_src_ip); FAULT until it is back");
      // FAULT first, so a master's priority 0 advert still leaves from the address (as keepalived's,
      // which clears saddr after down_instance); then no source until the address is back.
      this.p.host.handle({ type: "source", instance: this.ri, address: undefined });
      this.sourced = false;
      return;
    }
    // A source address that appears lifts the no-source FAULT.
    if (!e.removed && !this.sourced && link && srcLink?.index === a.index && a.family === m.family) {
      const src = links.sourceFor(m);
      if (!src) return;
      try {
        this.attach(link, src);
      } catch (err) {
        this.log.error(errorFields(err), "cannot open the advert socket");
        return;
      }
      this.log.info({ src: formatAddress(src) }, "source address available");
      this.p.host.handle({ type: "source", instance: this.ri, address: src });
    }
  }

  // --- the router's actions ----------------------------------------------------------------------

  act(a: Action): void {
    switch (a.type) {
      case "send-advert":
        this.sendAdvert(a.priority, a.intervalCs);
        break;
      // keepalived vrrp.c vrrp_state_become_master: addresses, then routes, then rules; leaving
      // MASTER (vrrp_restore_interface) undoes them in the reverse order.
      case "add-vips":
        this.holding = true;
        this.firewallSync();
        this.queue.vips("add", this.vips);
        this.queue.routes("add", this.spec.model.virtualRoutes, this.spec.model.virtualRules);
        break;
      case "remove-vips":
        this.holding = false;
        this.queue.routes("remove", this.spec.model.virtualRoutes, this.spec.model.virtualRules);
        this.queue.vips("remove", this.vips);
        this.firewallSync();
        break;
      case "announce":
        // The advert before it in this batch has already left (sends are synchronous): the old
        // master drops its VIPs before our gratuitous ARPs arrive, as keepalived orders them.
        this.announce(a.repeat, a.ifname);
        break;
      case "announce-extra":
        this.announceExtra();
        break;
      case "state":
        this.p.notifications.state(this, a.from, a.to, a.reason);
        break;
      case "log":
        this.log[a.level](a.fields ?? {}, a.msg);
        break;
      case "event":
        this.p.notifications.event(this, a.event);
        break;
    }
  }

  /** Re-arms the deadline entry at the instance's next deadline. */
  schedule(): void {
    this.deadline.schedule();
  }

  /** The router counted the drop and paces its log (VrrpRouter drop: each reason at most every 10 s). */
  dropped(code: DropCode, detail: string): void {
    this.log.warn({ code, detail, dropsSoFar: this.ri.vi.stats.drops }, "advert dropped (each reason logged at most every 10 s)");
  }

  private sendAdvert(priority: number, intervalCs: number): void {
    const { encoder, socket, src: source } = this;
    if (!encoder || !socket) return;
    const s = this.spec;
    let failed = 0;
    // auth_type AH: one sequence number per advert, the same to every unicast peer (keepalived
    // vrrp_update_pkt numbers only the call without a peer address).
    const ah = s.receive.ahKey ? { key: s.receive.ahKey, seq: this.ri.ahCounter.next() } : undefined;
    try {
      // The router's targets: the group, or each unicast peer with its checksum address.
      const targets = this.ri.sendTargets;
      for (let k = 0; k < targets.length; k++) {
        const t = targets[k]!; // an index loop: no iterator per advert (test/alloc)
        if (t.unicast) encoder.setDestination(t.checksumDst);
        if (!socket.send(encoder.encode(priority, intervalCs), source, t.dst, t.unicast ? (s.model.unicastTtl ?? 255) : 255, ah)) failed++;
      }
    } catch (e) {
      failed++;
      this.log.error(errorFields(e), "advert not sent; the next one is tried on schedule");
    }
    this.stats.sendErrors += failed;
  }

  /**
   * keepalived vrrp.c vrrp_handle_accept_mode: while a non-owner without accept mode holds its
   * VIPs, traffic to and from them is dropped; the block goes on before the VIPs are added and
   * comes off after they are removed (on the instance's queue, so in that order).
   */
  private firewallSync(): void {
    const fw = this.p.firewall;
    if (!fw) return;
    const m = this.spec.model;
    const block = this.holding && blocksAddresses(m);
    const addresses: BlockedAddress[] = this.vips.map((v) => ({
      address: v.spec.address,
      family: v.spec.family,
      ifname: v.ifname,
      byName: m.dontTrackPrimary,
    }));
    this.queue.then(() => (block ? fw.block(m.name, addresses) : fw.unblock(m.name)));
  }

  /** `repeat` rounds at once on every VIP interface, or on `only` (the instance spaces rounds: VrrpInstance announce). */
  private announce(repeat: number, only?: string): void {
    for (const [ifname, vips] of this.vipsByInterface()) if (only === undefined || ifname === only) this.announceOn(ifname, vips, repeat);
  }

  private vipsByInterface(only: readonly ResolvedVip[] = this.vips): Map<string, Uint8Array[]> {
    const byIf = new Map<string, Uint8Array[]>();
    for (const v of only) byIf.set(v.ifname, [...(byIf.get(v.ifname) ?? []), v.bytes]);
    return byIf;
  }

  private announceOn(ifname: string, vips: readonly Uint8Array[], repeat: number): void {
    const link = this.p.links.link(ifname);
    if (!link) return;
    const ll = this.p.links.linkLocal(link.index);
    try {
      const r = this.p.announcer.announce(
        { ifname, ifindex: link.index, mac: link.mac, ...(ll ? { linkLocal: ll, router: this.p.host.ipv6Forwarding(ifname) } : {}) },
        vips,
        repeat,
      );
      this.stats.announcementsSent += r.arp + r.na;
      this.log.debug({ dev: ifname, ...r }, "gratuitous ARP / unsolicited NA sent");
      if (r.skipped > 0) this.log.warn({ dev: ifname }, "no link-local address: unsolicited NA not sent");
      if (r.failed)
        this.log.warn({ dev: ifname, failed: r.failed, err: r.error }, "the kernel refused gratuitous ARP / NA frames; continuing");
    } catch (e) {
      this.log.error({ dev: ifname, ...errorFields(e) }, "cannot send gratuitous ARP / NA; continuing");
    }
  }

  /**
   * garp_extra_if (keepalived 2.2.7 vrrp.c vrrp_send_vmac_update): one gratuitous ARP / NA for the
   * first VIP on each other interface; vrrp/garp-extra.ts decides which.
   */
  private announceExtra(): void {
    const m = this.spec.model;
    const g = m.garpExtraIf;
    if (!g) return;
    const vmac = m.vmac?.name;
    const targets = extraGarpTargets(this.vips, vmac ?? m.interface, {
      all: g.all,
      xmitBase: m.vmac?.xmitBase ?? false,
      isVmac: (ifname) => ifname === vmac || (m.addrVmacs ?? []).some((x) => x.name === ifname),
    });
    for (const [ifname, vips] of this.vipsByInterface(targets)) this.announceOn(ifname, vips, 1);
  }

  // --- life --------------------------------------------------------------------------------------

  /**
   * At the instance's start: VIPs a crashed run left on the interfaces, and its routes and rules,
   * are removed before it joins as BACKUP (deleting what is not there changes nothing).
   */
  async removeLeftovers(): Promise<void> {
    const links = this.p.links;
    const left = this.vips.filter((v) => {
      const link = links.link(v.ifname);
      return link !== undefined && links.has(link.index, v.bytes);
    });
    for (const v of left)
      this.log.warn(
        { vip: v.spec.address, dev: v.ifname },
        "VIP left behind on the interface (earlier crash?); removing it before joining as BACKUP",
      );
    this.queue.routes("remove", this.spec.model.virtualRoutes, this.spec.model.virtualRules);
    if (left.length > 0) this.queue.vips("remove", left);
    await this.queue.settled();
  }

  /**
   * A reload kept the instance (matched by key) and the router already holds its new spec: a
   * master applies the VIP, route and rule differences at once; the encoder and deadline are
   * made again. false: nothing changed.
   */
  reconfigure(previous: ResolvedInstance): boolean {
    const spec = this.spec;
    if (sameSpec(previous.model, spec.model)) return false;
    const same = (a: ResolvedVip, b: ResolvedVip) => a.ifname === b.ifname && sameAddressBytes(a.bytes, b.bytes);
    const gone = previous.vips.filter((o) => !spec.vips.some((n) => same(n, o)));
    const added = spec.vips.filter((n) => !previous.vips.some((o) => same(n, o)));
    const link = this.p.links.link(spec.interface);
    const src = this.src;
    if (link && src) this.attach(link, src); // new encoder (VIPs, auth, interval)
    if (this.holding) {
      const routes = changedRoutes(previous.model.virtualRoutes, spec.model.virtualRoutes);
      const rules = changedRoutes(previous.model.virtualRules, spec.model.virtualRules);
      this.queue.routes("remove", routes.gone, rules.gone);
      this.firewallSync(); // the new VIPs and accept mode
      if (gone.length) this.queue.vips("remove", gone);
      if (added.length) this.queue.vips("add", added);
      this.queue.routes("add", routes.added, rules.added);
    }
    this.log.info(
      { vipsAdded: added.length, vipsRemoved: gone.length, state: this.ri.vi.state },
      "instance reconfigured by reload; state kept",
    );
    this.schedule();
    return true;
  }

  /** A master's VIPs put back after someone deleted one (the router's restore-vips). */
  restoreVips(): void {
    this.queue.vips("add", this.vips);
  }

  /** Tracked virtual routes and rules put back after someone deleted them (the router's restore-routes). */
  reinstateRoutes(): void {
    const m = this.spec.model;
    this.queue.routes(
      "add",
      m.virtualRoutes.filter((r: RouteSpec) => !r.noTrack),
      m.virtualRules.filter((r: RuleSpec) => !r.noTrack),
    );
  }

  /** A reload removes the instance: its stop is notified as a deletion. */
  markDeleted(): void {
    this.deleted = true;
  }

  get isDeleted(): boolean {
    return this.deleted;
  }

  /** No more deadlines. */
  stop(): void {
    this.deadline.stop();
  }

  /** Resolves when its netlink work queued so far is done. */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** keepalived's SIGSTATS_CLEAR: the router's counters and the driver's. */
  clearStats(): void {
    this.ri.clearStats();
    this.stats.sendErrors = this.stats.announcementsSent = 0;
  }
}

// --- every instance's driver ---------------------------------------------------------------------

/** The router's daemon-wide actions (runtime.ts Runtime). */
export interface DaemonActions {
  /** A sync group's new state: its notifications (notify/state-notifications.ts). */
  groupState(group: string, state: State): void;
  /** interface_up_down_delays: the router's one pending link-change deadline (link-deadline). */
  armLinkTimer(at: number | undefined): void;
  /** static_routes / static_rules, put back when the router says so (restore-static-routes). */
  reinstateStaticRoutes(): void;
}

/** Every router instance's driver: the router's actions become their method calls. */
export class InstanceDrivers {
  private readonly drivers = new Map<RouterInstance, InstanceDriver>();

  constructor(
    private readonly daemon: DaemonActions,
    /** The daemon's log, for lines of no instance. */
    private readonly log: Logger,
  ) {}

  /** Carries out the router's actions for one event, in order. */
  run(actions: readonly RouterAction[]): void {
    // An index loop: run() is on every advert's path, and a for-of's iterator is garbage there.
    for (let k = 0; k < actions.length; k++) {
      const a = actions[k]!;
      switch (a.type) {
        case "instance":
          this.drivers.get(a.instance)?.act(a.action);
          break;
        case "deadline":
          this.drivers.get(a.instance)?.schedule();
          break;
        case "drop":
          this.drivers.get(a.instance)?.dropped(a.code, a.detail);
          break;
        case "old-checksum":
          break; // RouterInstance.sendTargets carries the checksum form
        case "restore-vips":
          this.drivers.get(a.instance)?.restoreVips();
          break;
        case "restore-routes":
          this.drivers.get(a.instance)?.reinstateRoutes();
          break;
        case "restore-static-routes":
          this.daemon.reinstateStaticRoutes();
          break;
        case "group-state":
          this.daemon.groupState(a.group, a.state);
          break;
        case "link-deadline":
          this.daemon.armLinkTimer(a.at);
          break;
        case "log": {
          const log = (a.instance && this.drivers.get(a.instance)?.log) || this.log;
          log[a.level](a.fields ?? {}, a.msg);
          break;
        }
      }
    }
  }

  add(d: InstanceDriver): void {
    this.drivers.set(d.ri, d);
  }

  get(ri: RouterInstance): InstanceDriver | undefined {
    return this.drivers.get(ri);
  }

  delete(ri: RouterInstance): void {
    this.drivers.delete(ri);
  }

  values(): IterableIterator<InstanceDriver> {
    return this.drivers.values();
  }

  get size(): number {
    return this.drivers.size;
  }
}

// --- the deadline entry -------------------------------------------------------------------------

/** How early a master-down deadline first wakes (ms; bench/notes.md): the takeover is warmed
 * then, while the master may still speak; the decision is always taken after a poll phase, so
 * adverts queued during a stall are heard first. */
const PREWAKE_MS = 8;
/** Longer than a cold rehearsal (bench/notes.md): warm-up is skipped when the pre-wake came later than this before the deadline. */
const REHEARSAL_MS = 4;
/** The last wake before a master-down deadline (ms before it): what is left is waited out on the
 * event loop. Past the timerfd's usual lateness, short of a spin long enough for a busy scheduler
 * to preempt (bench/notes.md). */
const SPIN_MS = 1.5;

/** What every instance's deadline shares: the clock, the queue, the lateness record. */
export class DeadlineTiming {
  /** How late advert timers fired as MASTER (ms), the last samples of every instance. */
  readonly lateness = new LatenessWindow();
  readonly latenessListeners: ((instance: string, ms: number) => void)[] = [];

  constructor(
    private readonly clock: { now(): number; stopping(): boolean },
    readonly queue: DeadlineQueue,
  ) {}

  now(): number {
    return this.clock.now();
  }

  stopping(): boolean {
    return this.clock.stopping();
  }

  record(instance: string, ms: number): void {
    this.lateness.add(ms);
    for (const l of this.latenessListeners) l(instance, ms);
  }
}

/** One instance's deadline entry. `due` hands the router the instance's timer event; `warm` runs just before a takeover. */
export class InstanceDeadline {
  private entry?: Deadline;
  /** The last entry set: the queue sets it again once it has run (no entry per advert). */
  private spare?: Deadline;
  private immediate?: NodeJS.Immediate;
  /** What the entry was set for: its deadline and, as MASTER, the advert's (for lateness). */
  private dueAt?: number;
  private advertDueAt?: number;
  /** The entry is a BACKUP's master-down pre-wake, which later adverts leave in place. */
  private prewakePending = false;
  /** The queue's callbacks, made once (a master sets a deadline per advert: no closure each time). */
  private readonly onDeadline = (): void => this.deadline();
  private readonly onPrewake = (): void => this.prewake();

  constructor(
    private readonly t: DeadlineTiming,
    private readonly name: string,
    private readonly vi: () => VrrpInstance,
    private readonly due: (now: number) => void,
    private readonly warm: () => void,
  ) {}

  /** Re-arms at the instance's next deadline (after any event that may have moved it). */
  schedule(): void {
    const vi = this.vi();
    const due = vi.nextDeadline();
    const precise = vi.state === "BACKUP";
    if (precise && due !== undefined && this.prewakePending && this.entry && this.entry.due <= due - PREWAKE_MS) {
      // A backup hears an advert every interval, and each moves its master-down deadline later:
      // the pending pre-wake stays (no entry or closure per advert) and, when it comes early,
      // sleeps again until the new deadline's pre-wake (prewake()).
      this.dueAt = due;
      return;
    }
    this.stop();
    if (due === undefined || this.t.stopping()) return;
    this.dueAt = due;
    this.advertDueAt = vi.state === "MASTER" ? vi.advertDeadline : undefined;
    if (precise) {
      this.prewakePending = true;
      this.arm(due - PREWAKE_MS, this.onPrewake);
    } else this.arm(due, this.onDeadline);
  }

  private arm(at: number, run: () => void): void {
    this.entry = this.spare = this.t.queue.at(at, run, this.spare);
  }

  stop(): void {
    this.entry?.cancel();
    this.entry = undefined;
    this.prewakePending = false;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  /** Advert and GARP deadlines. An advert timer firing within a millisecond early is taken as due. */
  private deadline(): void {
    this.entry = undefined;
    const due = this.dueAt;
    if (due === undefined || this.t.stopping() || this.vi().nextDeadline() !== due) return;
    const now = this.t.now();
    // A GARP round due before the advert is not an advert's lateness.
    if (this.advertDueAt !== undefined && this.advertDueAt <= now) this.t.record(this.name, now - this.advertDueAt);
    this.due(now);
  }

  /**
   * A master-down deadline's pre-wake, PREWAKE_MS before it (a first wake after a long sleep is
   * late: bench/notes.md). The takeover is warmed then, the queue wakes again SPIN_MS before the
   * deadline and the rest is waited out on the event loop (adverts are still read between turns).
   * Reached for real only when the master has been silent for the master-down interval less
   * PREWAKE_MS; before that, adverts have moved the deadline and it sleeps again.
   */
  private prewake(): void {
    this.entry = undefined;
    this.prewakePending = false;
    const due = this.dueAt;
    if (due === undefined || this.t.stopping() || this.vi().nextDeadline() !== due) return;
    if (this.t.now() < due - PREWAKE_MS - 1) {
      this.prewakePending = true;
      this.arm(due - PREWAKE_MS, this.onPrewake);
      return;
    }
    const fire = (): void => {
      this.immediate = undefined;
      if (this.t.stopping() || this.vi().nextDeadline() !== due) return;
      const now = this.t.now();
      // Spun out on the event loop; the decision is taken after a poll phase (setImmediate runs
      // after it), so a master that kept advertising through a stall is heard first.
      if (now < due) this.immediate = setImmediate(fire);
      else this.due(now);
    };
    const last = (): void => {
      this.entry = undefined;
      // First after this poll phase, so adverts that came in with the wake-up are heard.
      this.immediate = setImmediate(fire);
    };
    if (due - this.t.now() > REHEARSAL_MS) this.warm();
    if (this.t.now() < due - SPIN_MS) this.arm(due - SPIN_MS, last);
    else last();
  }
}

/** The host's netlink side (src/netlink/rtnl.ts Rtnl; a fake in unit tests). */
export interface NetlinkPort {
  addAddress(v: VipRequest): Promise<boolean>;
  delAddress(v: VipRequest): Promise<boolean>;
  addRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
  delRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
  addRule(r: RuleSpec): Promise<boolean>;
  delRule(r: RuleSpec): Promise<boolean>;
}

/** no_accept / strict mode: the nftables VIP block (src/netfilter/nft-runner.ts VipFirewall). */
export interface FirewallPort {
  block(owner: string, addresses: readonly BlockedAddress[]): Promise<void>;
  unblock(owner: string): Promise<void>;
}

// --- the netlink queue ------------------------------------------------------------------------
// One queue of netlink work (VIPs, routes, rules, the nftables block) carried out in order, one
// request at a time: each driver owns one, the static routes (static-routes.ts) own one. A failure
// is logged and the queue goes on.

export class NetlinkQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly netlink: NetlinkPort,
    private readonly links: LinkCache,
    private readonly log: Logger,
  ) {}

  /** Resolves when everything queued so far is done. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Any other step, in its place in the queue (the firewall block). */
  then(step: () => Promise<void>): void {
    this.tail = this.tail.then(step);
  }

  /** VIP additions / removals. */
  vips(op: "add" | "remove", vips: readonly ResolvedVip[]): void {
    this.then(async () => {
      for (const v of vips) {
        const link = this.links.link(v.ifname);
        if (!link) {
          this.log.error({ vip: v.spec.address, dev: v.ifname }, `cannot ${op} VIP: interface ${v.ifname} not found`);
          continue;
        }
        try {
          const req = vipRequest(v, link);
          const changed = op === "add" ? await this.netlink.addAddress(req) : await this.netlink.delAddress(req);
          this.log.info({ vip: `${v.spec.address}/${v.spec.prefix}`, dev: v.ifname, changed }, op === "add" ? "VIP added" : "VIP removed");
        } catch (e) {
          this.log.error({ vip: v.spec.address, dev: v.ifname, ...errorFields(e) }, `VIP ${op} failed; continuing`);
        }
      }
    });
  }

  /** Route and rule additions (routes first) or removals (rules first). */
  routes(op: "add" | "remove", routes: readonly RouteSpec[], rules: readonly RuleSpec[]): void {
    if (routes.length === 0 && rules.length === 0) return;
    this.then(async () => {
      const nl = this.netlink;
      const route = async (r: RouteSpec) => {
        const oif = r.dev === undefined ? undefined : this.links.link(r.dev)?.index;
        if (r.dev !== undefined && oif === undefined) {
          this.log.error({ route: r.text, dev: r.dev }, `cannot ${op} route: interface ${r.dev} not found; tried again at the next change`);
          return;
        }
        const hops = (r.nexthops ?? []).map((h) => (h.dev === undefined ? undefined : this.links.link(h.dev)?.index));
        const lost = (r.nexthops ?? []).find((h, k) => h.dev !== undefined && hops[k] === undefined);
        if (lost) {
          this.log.error(
            { route: r.text, dev: lost.dev },
            `cannot ${op} route: interface ${lost.dev} not found; tried again at the next change`,
          );
          return;
        }
        try {
          const changed = op === "add" ? await nl.addRoute(r, oif, hops) : await nl.delRoute(r, oif, hops);
          this.log[changed ? "info" : "debug"]({ route: r.text, changed }, op === "add" ? "route added" : "route removed");
        } catch (e) {
          this.log.error({ route: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `route ${op} failed; continuing`);
        }
      };
      const rule = async (r: RuleSpec) => {
        try {
          const changed = op === "add" ? await nl.addRule(r) : await nl.delRule(r);
          this.log[changed ? "info" : "debug"]({ rule: r.text, changed }, op === "add" ? "rule added" : "rule removed");
        } catch (e) {
          this.log.error({ rule: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `rule ${op} failed; continuing`);
        }
      };
      if (op === "add") {
        for (const r of routes) await route(r);
        for (const r of rules) await rule(r);
      } else {
        for (const r of rules) await rule(r);
        for (const r of routes) await route(r);
      }
    });
  }
}

export function vipRequest(v: ResolvedVip, link: LinkInfo): VipRequest {
  const s = v.spec;
  return {
    index: link.index,
    family: s.family,
    address: v.bytes,
    prefix: s.prefix,
    ...(s.label ? { label: s.label } : {}),
    ...(s.scope ? { scope: s.scope } : {}),
    ...(v.broadcast ? { broadcast: v.broadcast } : {}),
    ...(v.peer ? { peer: v.peer } : {}),
    ...(s.flags ? { flags: s.flags } : {}),
    ...(s.preferredLft !== undefined ? { preferredLft: s.preferredLft } : {}),
  };
}

/** Routes and rules compared without where they were written. */
const key = (r: RouteSpec | RuleSpec): string => JSON.stringify({ ...r, where: undefined, text: undefined });

export function changedRoutes<T extends RouteSpec | RuleSpec>(before: readonly T[], after: readonly T[]): { gone: T[]; added: T[] } {
  const a = new Set(after.map(key));
  const b = new Set(before.map(key));
  return { gone: before.filter((r) => !a.has(key(r))), added: after.filter((r) => !b.has(key(r))) };
}
