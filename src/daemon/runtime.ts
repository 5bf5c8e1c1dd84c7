// The daemon's life: it opens the host's resources, turns netlink, socket, timer and check events
// into router events, and hands the router's actions to the executor. Protocol decisions live in
// the router (src/vrrp/router.ts); this file only binds instances to interfaces.
import { performance } from "node:perf_hooks";
import type { DaemonConfig, InstanceSpec } from "../config/model.js";
import { Announcer } from "../net/announce.js";
import { Rtnl, type AddressEvent, type LinkEvent, type LinkInfo } from "../netlink/rtnl.js";
import { formatAddress, sameAddressBytes } from "../vrrp/address.js";
import { VrrpRouter } from "../vrrp/router.js";
import type { RouterAction, RouterEvent, RouterInstance } from "../vrrp/router-types.js";
import type { ReceivedPacket } from "../vrrp/receive.js";
import { nativeHelper } from "../native/helper.js";
import { ActionExecutor } from "./executor.js";
import { InstanceIo } from "./instance-io.js";
import { InstanceTimers } from "./instance-timers.js";
import { nativeDeadlineQueue, type DeadlineQueue } from "./deadline-queue.js";
import { ipv6Forwarding, LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import { NotifyRunner } from "../notify/notify.js";
import { routerConfig, sameSpec } from "./router-config.js";
import { reconfigure } from "./reconfigure.js";
import { instanceStatus, type InstanceStatus } from "../operator/status-view.js";
import { SocketBinder } from "./socket-binder.js";
import { Tracking } from "./tracking.js";
import { NotifyFifos } from "../notify/notify-fifo.js";
import { StaticRoutes } from "./static-routes.js";
import { SnmpService } from "../snmp/snmp-service.js";
import { errorFields } from "../error-fields.js";
import { TakeoverRehearsal } from "./rehearsal.js";
import { VipFirewall } from "../netfilter/nft-runner.js";
import { blocksAddresses, DEFAULT_FIREWALL } from "../netfilter/vip-block.js";
import { Vmacs } from "./vmacs.js";

export interface DaemonCounters {
  /** Adverts for a VRID no instance runs on that interface. */
  readonly unknownVrid: number;
  /** Packets too short or malformed to read an IP header from. */
  readonly malformedPackets: number;
  /** Gratuitous ARP and unsolicited NA packets sent. */
  readonly announcementsSent: number;
  readonly notify: { readonly runs: number; readonly failures: number; readonly coalesced: number };
  /** notify_fifo lines written, and dropped because the pipe was full (nobody reading). */
  readonly fifo?: { readonly written: number; readonly dropped: number };
}

export interface RuntimeOptions {
  readonly log: Logger;
  /** The version string SNMP shows (KEEPALIVED-MIB version). */
  readonly version?: string;
}

export class Runtime {
  private readonly rtnl = new Rtnl();
  private readonly announcer = new Announcer();
  private readonly binder: SocketBinder;
  private readonly links = new LinkCache();
  private router: VrrpRouter;
  private readonly io = new Map<RouterInstance, InstanceIo>();
  private readonly notify: NotifyRunner;
  private readonly fifos: NotifyFifos;
  private readonly staticRoutes: StaticRoutes;
  private readonly firewall: VipFirewall;
  readonly snmp: SnmpService;
  private tracking: Tracking;
  private readonly log: Logger;
  private readonly executor: ActionExecutor;
  private readonly timers: InstanceTimers;
  private readonly deadlines?: DeadlineQueue;
  private readonly rehearsal: TakeoverRehearsal;
  private readonly vmacs: Vmacs;
  private stopping = false;
  private lastEventAt = -Infinity;
  private packetEvent: { type: "packet"; packet: ReceivedPacket } | undefined;
  /** interface_up_down_delays: the router's one pending link-change deadline (RouterAction link-deadline). */
  private linkTimer: NodeJS.Timeout | undefined;

  constructor(
    private config: DaemonConfig,
    options: RuntimeOptions,
  ) {
    this.log = options.log;
    this.vmacs = new Vmacs(this.rtnl, options.log.child({ component: "vmac" }));
    this.notify = new NotifyRunner(options.log, config.global);
    this.fifos = new NotifyFifos(options.log);
    this.snmp = new SnmpService(
      {
        config: () => this.config,
        instances: () => this.io.values(),
        links: this.links,
        groupStates: () => this.router.groupStatesNow(),
        unknownVrid: () => this.router.unknownVrid,
      },
      this.log,
      options.version ?? "tsvrrpd",
    );
    this.router = new VrrpRouter(routerConfig(config));
    this.binder = new SocketBinder(
      this.announcer,
      this.log,
      (rx) => {
        // One event object for every advert heard, refilled: the router reads it within handle().
        const e = (this.packetEvent ??= { type: "packet", packet: rx });
        e.packet = rx;
        this.handle(e, this.receivedAt(rx.ageMs));
      },
      () => this.io.values(),
    );
    this.tracking = this.newTracking(config);
    this.timers = new InstanceTimers(
      () => this.now(),
      () => this.stopping,
      (io, now) => this.handle(io.ri.timerEvent, now),
      (this.deadlines = nativeDeadlineQueue(() => this.now(), nativeHelper)),
      (io) => this.rehearsal.beforeTakeover(io),
    );
    this.firewall = new VipFirewall(config.global.firewall ?? DEFAULT_FIREWALL, this.log.child({ component: "nftables" }));
    this.executor = new ActionExecutor({
      netlink: this.rtnl,
      firewall: this.firewall,
      announcer: this.announcer,
      links: this.links,
      notify: this.notify,
      fifo: this.fifos,
      snmp: this.snmp,
      log: this.log,
      ioOf: (ri) => this.io.get(ri),
      groupNotify: (g) => this.config.syncGroups.find((x) => x.name === g)?.notify,
      ipv6Forwarding,
      schedule: (io) => this.timers.schedule(io),
    });
    this.staticRoutes = new StaticRoutes(this.executor, this.log);
    this.rehearsal = new TakeoverRehearsal({
      links: this.links,
      announcer: this.announcer,
      log: this.log,
      ipv6Forwarding,
      now: () => this.now(),
    });
  }

  now(): number {
    return performance.now();
  }

  get latenessListeners(): ((instance: string, ms: number) => void)[] {
    return this.timers.latenessListeners;
  }

  private handle(e: RouterEvent, now = this.now()): void {
    this.lastEventAt = now;
    this.run(this.router.handle(e, now));
  }

  /** When the kernel received a packet `ageMs` ago; never before the last event (the router's clock only moves forward). */
  private receivedAt(ageMs: number | undefined): number {
    const now = this.now();
    return ageMs === undefined ? now : Math.max(this.lastEventAt, now - ageMs);
  }

  private run(actions: readonly RouterAction[]): void {
    this.executor.run(actions);
    for (const a of actions) {
      if (a.type === "link-deadline") this.armLinkTimer(a.at);
      if (a.type === "restore-static-routes") this.staticRoutes.reinstate();
    }
  }

  private armLinkTimer(at: number | undefined): void {
    clearTimeout(this.linkTimer);
    this.linkTimer = undefined;
    if (at === undefined || this.stopping) return;
    this.linkTimer = setTimeout(
      () => {
        this.linkTimer = undefined;
        if (!this.stopping) this.handle({ type: "link-timer" });
      },
      Math.max(0, at - this.now()),
    );
    this.linkTimer.unref();
  }

  private newTracking(config: DaemonConfig): Tracking {
    return new Tracking(
      config,
      this.log,
      (name, state) => this.handle({ type: "check", name, state }),
      (name, value) => this.handle({ type: "file", name, value }),
      (name, state) => this.handle({ type: "process", name, state }),
    );
  }

  async start(): Promise<void> {
    if (this.config.instances.some((i) => i.vmac || i.addrVmacs?.length)) {
      // use_vmac / use_vmac_addr: the macvlans exist before anything looks at interfaces; the instances run on them.
      this.config = await this.vmacs.setUp(this.config);
      this.router = new VrrpRouter(routerConfig(this.config));
    }
    this.links.reset(await this.rtnl.links(), await this.rtnl.addresses());
    for (const l of this.links.links()) this.handle({ type: "link", ifname: l.name, present: true, up: l.up });
    this.rtnl.watch((e) => (e.kind === "link" ? this.onLink(e) : this.onAddress(e)));
    // Every tracked check runs once before the instances start, so none starts on a guess.
    await this.tracking.start();
    for (const e of this.tracking.startEvents()) this.handle(e);
    this.notify.prepareAll(this.config);
    this.fifos.open(this.config.global);
    this.staticRoutes.watch(this.config, this.rtnl, () => this.handle({ type: "route-deleted" }));
    await this.staticRoutes.install(this.config);
    const delay = this.config.global.startupDelayMs ?? 0;
    if (delay > 0) {
      this.log.info({ delayMs: delay }, "vrrp_startup_delay: instances start after the delay");
      await new Promise((r) => setTimeout(r, delay));
    }
    await this.snmp.configure(); // before the instances start: their first states are notified
    const blocking = this.config.instances.filter((i) => blocksAddresses(i)).map((i) => i.name);
    if (blocking.length > 0) {
      // keepalived vrrp.c vrrp_complete_instance: "use_vmac or no_accept/strict specified, but no
      // firewall configured - using nftables"; its tables of an earlier run go first.
      this.log.info(
        { instances: blocking, table: this.firewall.table },
        "no_accept/strict specified: VIP traffic of these instances is dropped while they are MASTER, using nftables",
      );
      await this.firewall.removeLeftovers();
    }
    for (const ri of this.router.instances) await this.startInstance(ri, this.specOf(ri));
    try {
      nativeHelper();
    } catch (e) {
      this.log.error(errorFields(e), "the native addon cannot be loaded: no VRRP or packet sockets, instances stay in FAULT");
    }
    this.rehearsal.atStart(this.io.values());
    this.log.info({ instances: this.io.size, kl: true }, "Startup complete");
  }

  private specOf(ri: RouterInstance): InstanceSpec {
    const spec = this.config.instances.find((s) => s.name === ri.name);
    if (!spec) throw new Error(`no configuration entry for instance ${ri.name}`);
    return spec;
  }

  private async startInstance(ri: RouterInstance, spec: InstanceSpec): Promise<void> {
    const io = new InstanceIo(spec, ri, this.log.child({ instance: spec.name, vrid: spec.vrid, interface: spec.interface }));
    this.io.set(ri, io);
    const link = this.links.link(spec.interface);
    if (link) this.bind(io, link);
    await this.executor.removeLeftovers(io);
    this.handle({ type: "start", instance: ri });
  }

  /** Binds the instance to its interface: source address, encoder, shared socket; reports either to the router. */
  private bind(io: InstanceIo, link: LinkInfo): void {
    const src = this.links.sourceFor(io.spec);
    if (!src)
      io.log.error(
        { code: "NO_SOURCE_ADDRESS" },
        `no IPv${io.spec.family} source address on ${io.spec.vmac?.base ?? io.spec.interface}; instance stays in FAULT until one is added`,
      );
    else {
      try {
        this.binder.attach(io, link, src);
      } catch (e) {
        io.log.error(errorFields(e), "cannot open the advert socket; instance stays in FAULT");
        this.handle({ type: "socket-failed", instance: io.ri });
      }
    }
    this.handle({ type: "source", instance: io.ri, address: src });
  }

  // --- netlink events ----------------------------------------------------------------------------

  private onLink(e: LinkEvent): void {
    const c = this.links.onLink(e);
    if (c.nameGone) {
      this.announcer.forget(c.nameGone);
      // The interface the sockets were bound to is gone or no longer carries their name: unbind,
      // so whatever interface carries the configured name next (this one renamed back, or another
      // index) gets fresh sockets (keepalived_netlink.c, netlink_if_link_filter: a renamed
      // interface is dropped with cleanup_lost_interface and a new interface_t is made).
      this.binder.unbind(c.before!);
      this.handle({ type: "link", ifname: c.nameGone, present: false, up: false });
    }
    if (e.removed) return;
    const { link } = c;
    // The interface appeared (or came back): bind its instances now.
    if (link.up) for (const io of this.io.values()) if (io.spec.interface === link.name && !io.socket) this.bind(io, link);
    this.handle({ type: "link", ifname: link.name, present: true, up: link.up });
  }

  private onAddress(e: AddressEvent): void {
    this.links.onAddress(e);
    if (this.stopping) return;
    const a = e.address;
    // The router decides whether it was a master's VIP to put back (VrrpRouter addressDeleted).
    const ifname = e.removed ? this.links.links().find((l) => l.index === a.index)?.name : undefined;
    if (ifname !== undefined) this.handle({ type: "address-deleted", ifname, address: a.address });
    for (const io of this.io.values()) {
      const link = this.links.link(io.spec.interface);
      // use_vmac: the source address comes from the base interface (LinkCache.sourceFor).
      const srcLink = io.spec.vmac?.base ? this.links.link(io.spec.vmac.base) : link;
      // track_src_ip: the configured source address removed from the interface is a FAULT until
      // it is back (keepalived_netlink.c netlink_if_address_filter, down_instance).
      if (e.removed && io.spec.trackSrcIp && io.src && srcLink?.index === a.index && sameAddressBytes(a.address, io.src)) {
        io.log.warn({ src: formatAddress(io.src) }, "configured source address removed (track_src_ip); FAULT until it is back");
        // FAULT first, so a master's priority 0 advert still leaves from the address (as keepalived's,
        // which clears saddr after down_instance); then no source until the address is back.
        this.handle({ type: "source", instance: io.ri, address: undefined });
        io.src = undefined;
        continue;
      }
      // A source address that appears lifts the no-source FAULT.
      if (!e.removed && !io.src && link && srcLink?.index === a.index && a.family === io.spec.family) {
        const src = this.links.sourceFor(io.spec);
        if (!src) continue;
        try {
          this.binder.attach(io, link, src);
        } catch (err) {
          io.log.error(errorFields(err), "cannot open the advert socket");
          continue;
        }
        io.log.info({ src: formatAddress(src) }, "source address available");
        this.handle({ type: "source", instance: io.ri, address: src });
      }
    }
  }

  // --- operations --------------------------------------------------------------------------------

  /** Graceful stop: priority 0 from masters, VIPs removed, scripts notified, sockets closed. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.log.info({ reason }, "Stopping");
    this.handle({ type: "stop" });
    this.stopping = true;
    this.armLinkTimer(undefined);
    this.tracking.stop();
    for (const io of this.io.values()) io.stopTimer();
    await Promise.all([...this.io.values()].map((io) => io.ops));
    // Let queued raw sends (the priority 0 adverts) leave before closing.
    await new Promise((r) => setTimeout(r, 20));
    await this.staticRoutes.remove();
    await this.vmacs.remove(); // keepalived netlink_link_del_vmac at shutdown
    await this.firewall.close(); // keepalived nft_cleanup: the tables go with the daemon
    await Promise.race([this.notify.idle(), new Promise((r) => setTimeout(r, 2000))]);
    this.close();
    this.log.info({ kl: true }, "Stopped");
  }

  close(): void {
    this.tracking.stop();
    for (const io of this.io.values()) io.stopTimer();
    this.deadlines?.close();
    this.binder.close();
    this.fifos.close();
    this.snmp.stop();
    this.announcer.close();
    this.rtnl.close();
  }

  /**
   * SIGHUP: the router matches instances by key (keepalived's rule). Matched ones keep their state
   * and take the new settings in place; a master applies VIP changes without leaving MASTER.
   * Removed ones stop (priority 0, VIPs released); new ones start.
   */
  async reload(next: DaemonConfig): Promise<void> {
    next = await this.vmacs.setUp(next);
    if (JSON.stringify(next.global.notifyFifos ?? []) !== JSON.stringify(this.config.global.notifyFifos ?? [])) {
      this.fifos.close();
      this.fifos.open(next.global);
    }
    if (JSON.stringify(next.global.firewall ?? DEFAULT_FIREWALL) !== JSON.stringify(this.config.global.firewall ?? DEFAULT_FIREWALL))
      // keepalived vrrp.c vrrp_complete_init: a reload that changes the firewall settings "will not work properly" there either.
      this.log.warn(
        { table: this.firewall.table },
        "nftables settings changed by reload are not applied (table, priority, counters, ifindex); restart to apply them",
      );
    this.config = next;
    const { plan, actions } = this.router.reload(routerConfig(next), this.now());
    for (const ri of plan.removed) {
      const io = this.io.get(ri);
      if (io) io.deleted = true;
    }
    this.run(actions);
    for (const ri of plan.removed) {
      const io = this.io.get(ri);
      io?.log.info("instance removed by reload; stopping it");
      io?.stopTimer();
    }
    await Promise.all(plan.removed.map((ri) => this.io.get(ri)?.ops ?? Promise.resolve()));
    for (const ri of plan.removed) this.io.delete(ri);
    await this.vmacs.remove(next);
    let changed = 0;
    for (const { instance } of plan.kept) {
      const io = this.io.get(instance)!;
      const spec = this.specOf(instance);
      if (sameSpec(io.spec, spec)) continue;
      changed++;
      reconfigure(io, spec, { links: this.links, binder: this.binder, executor: this.executor, timers: this.timers });
    }
    this.notify.prepareAll(next);
    // Scripts are re-read with the file; their rise/fall state starts afresh.
    this.tracking.stop();
    this.tracking = this.newTracking(next);
    await this.tracking.start(true);
    for (const e of this.tracking.startEvents()) this.handle(e);
    for (const ri of plan.added) await this.startInstance(ri, this.specOf(ri));
    if (plan.added.length > 0) this.rehearsal.atStart(this.io.values()); // a kind of instance may be new
    this.staticRoutes.watch(next, this.rtnl, () => this.handle({ type: "route-deleted" }));
    await this.staticRoutes.reload(next);
    await this.snmp.configure();
    if (next.global.fifoWriteStatesOnReload) this.fifos.writeStates(this.router);
    this.log.info(
      { kept: plan.kept.length - changed, changed, started: plan.added.length, stopped: plan.removed.length },
      "configuration reloaded",
    );
  }

  /** Checks, tracked files and processes (status, /metrics). */
  get trackers(): Tracking {
    return this.tracking;
  }

  status(): InstanceStatus[] {
    return this.router.instances.flatMap((ri) => {
      const io = this.io.get(ri);
      if (!io) return [];
      return [instanceStatus(io, this.executor.sendErrors.get(io.spec.name) ?? 0)];
    });
  }

  /** Daemon-wide counters (status `counters`, /metrics). */
  counters(): DaemonCounters {
    return {
      unknownVrid: this.router.unknownVrid,
      malformedPackets: this.binder.malformed,
      announcementsSent: this.executor.announcements,
      notify: { runs: this.notify.runs, failures: this.notify.failures, coalesced: this.notify.coalesced },
      fifo: { written: this.fifos.written, dropped: this.fifos.dropped },
    };
  }

  /** Advert send lateness over the recent window, all instances: p50, p99, max (ms). */
  jitter(): { samples: number; p50: number; p99: number; max: number } {
    return this.timers.lateness.summary();
  }

  /** keepalived's SIGSTATS_CLEAR: counters start again from zero (vrrp_print.c vrrp_print_stats). */
  clearStats(): void {
    this.router.clearStats();
    this.executor.sendErrors.clear();
    this.executor.announcements = 0;
    this.binder.clearCounters();
    this.notify.runs = this.notify.failures = this.notify.coalesced = 0;
  }
}
