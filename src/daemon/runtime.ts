// The daemon's life: it opens the host's resources, turns netlink, socket, timer and check events
// into router events, and hands the router's actions to the drivers (instance-driver.ts
// InstanceDrivers): each instance's to its driver, the daemon-wide ones back to this file's
// DaemonActions. Protocol decisions live in the router (src/vrrp/router.ts); this file only wires
// ports and follows interfaces and reloads.
import { performance } from "node:perf_hooks";
import type { DaemonConfig, NotifyScripts } from "../config/model.js";
import { Announcer } from "../net/announce.js";
import { Rtnl, type AddressEvent, type LinkEvent } from "../netlink/rtnl.js";
import { VrrpRouter } from "../vrrp/router.js";
import type { RouterEvent } from "../vrrp/router-types.js";
import type { State } from "../vrrp/instance-types.js";
import type { ReceivedPacket } from "../vrrp/packet.js";
import { nativeHelper } from "../native/helper.js";
import { DeadlineTiming, InstanceDriver, InstanceDrivers, NetlinkQueue, type DaemonActions, type DriverPorts } from "./instance-driver.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { ipv6Forwarding, LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import { NotifyRunner } from "../notify/notify.js";
import { StateNotifications } from "../notify/state-notifications.js";
import { routerConfig, type DaemonInstance, type ResolvedInstance } from "./router-config.js";
import { instanceStatus, type InstanceStatus } from "../operator/status-view.js";
import { AdvertSockets } from "./advert-sockets.js";
import { Tracking } from "./tracking.js";
import { NotifyFifos } from "../notify/notify-fifo.js";
import { StaticRoutes } from "./static-routes.js";
import { SnmpService } from "../snmp/snmp-service.js";
import { TakeoverRehearsal } from "./rehearsal.js";
import { VipFirewall } from "../netfilter/nft-runner.js";
import { blocksAddresses, DEFAULT_FIREWALL } from "../netfilter/vip-block.js";
import { Vmacs } from "./vmacs.js";
import { LatenessWindow } from "./lateness.js";
import { ProcessTuning } from "./process-tuning.js";

const EMPTY_LATENESS = new LatenessWindow();

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

export class Runtime implements DaemonActions {
  private readonly rtnl = new Rtnl();
  private readonly announcer = new Announcer();
  private readonly sockets: AdvertSockets;
  private readonly links = new LinkCache();
  private router: VrrpRouter<ResolvedInstance>;
  private readonly drivers: InstanceDrivers;
  /** What every driver is built with (openTiming(), at start). */
  private ports?: DriverPorts;
  private readonly notify: NotifyRunner;
  private readonly fifos: NotifyFifos;
  private readonly staticRoutes: StaticRoutes;
  private readonly firewall: VipFirewall;
  readonly snmp: SnmpService;
  private tracking: Tracking;
  private readonly log: Logger;
  private readonly notifications: StateNotifications;
  /** The deadline queue on the native helper's timerfd: made at start (the helper is required). */
  private timing?: DeadlineTiming;
  private rehearsal?: TakeoverRehearsal;
  private readonly vmacs: Vmacs;
  private stopped = false;
  /** vrrp_rt_priority, vrrp_priority, vrrp_no_swap. */
  private readonly tuning: ProcessTuning;
  private lastEventAt = -Infinity;
  /** Counters of drivers a reload removed (daemon totals keep them). */
  private readonly retired = { announcementsSent: 0 };
  private packetEvent: { type: "packet"; packet: ReceivedPacket } | undefined;
  /** interface_up_down_delays: the router's one pending link-change deadline (RouterAction link-deadline). */
  private linkTimer: NodeJS.Timeout | undefined;
  /** Lateness listeners added before start (metrics), handed to the timing when it is made. */
  private readonly pendingLatenessListeners: ((instance: string, ms: number) => void)[] = [];

  constructor(
    private config: DaemonConfig,
    options: RuntimeOptions,
  ) {
    this.log = options.log;
    this.drivers = new InstanceDrivers(this, this.log);
    this.tuning = new ProcessTuning(this.log);
    this.vmacs = new Vmacs(this.rtnl, options.log.child({ component: "vmac" }));
    this.notify = new NotifyRunner(options.log, config.global);
    this.fifos = new NotifyFifos(options.log);
    this.snmp = new SnmpService(
      {
        config: () => this.config,
        instances: () => this.drivers.values(),
        links: this.links,
        groupStates: () => this.router.groupStatesNow(),
        unknownVrid: () => this.router.unknownVrid,
      },
      this.log,
      options.version ?? "tsvrrpd",
    );
    this.router = new VrrpRouter(routerConfig(config));
    this.sockets = new AdvertSockets(this.log, (rx) => {
      // One event object for every advert heard, refilled: the router reads it within handle().
      const e = (this.packetEvent ??= { type: "packet", packet: rx });
      e.packet = rx;
      this.handle(e, this.receivedAt(rx.ageMs));
    });
    this.tracking = this.newTracking(config);
    this.firewall = new VipFirewall(config.global.firewall ?? DEFAULT_FIREWALL, this.log.child({ component: "nftables" }));
    this.staticRoutes = new StaticRoutes(new NetlinkQueue(this.rtnl, this.links, this.log.child({ static: true })));
    this.notifications = new StateNotifications({
      notify: this.notify,
      fifo: this.fifos,
      snmp: this.snmp,
      log: this.log,
      groups: this,
    });
  }

  now(): number {
    return performance.now();
  }

  /** The driver host's questions (instance-driver.ts DriverHost) and the notifications' (NotificationPorts). */
  ipv6Forwarding(ifname: string): boolean {
    return ipv6Forwarding(ifname);
  }

  stopping(): boolean {
    return this.stopped;
  }

  groupNotify(group: string): NotifyScripts | undefined {
    return this.config.syncGroups.find((x) => x.name === group)?.notify;
  }

  get latenessListeners(): ((instance: string, ms: number) => void)[] {
    return this.timing?.latenessListeners ?? this.pendingLatenessListeners;
  }

  /** One router event, at `now`: its actions are carried out before this returns. */
  handle(e: RouterEvent, now = this.now()): void {
    this.lastEventAt = now;
    this.drivers.run(this.router.handle(e, now));
  }

  /** When the kernel received a packet `ageMs` ago; never before the last event (the router's clock only moves forward). */
  private receivedAt(ageMs: number | undefined): number {
    const now = this.now();
    return ageMs === undefined ? now : Math.max(this.lastEventAt, now - ageMs);
  }

  /** A sync group's new state (RouterAction group-state): its notify scripts, FIFO line, SNMP trap. */
  groupState(group: string, state: State): void {
    this.notifications.groupState(group, state);
  }

  /** static_routes / static_rules put back (RouterAction restore-static-routes). */
  reinstateStaticRoutes(): void {
    this.staticRoutes.reinstate();
  }

  /** interface_up_down_delays: the router's one pending link-change deadline (RouterAction link-deadline). */
  armLinkTimer(at: number | undefined): void {
    clearTimeout(this.linkTimer);
    this.linkTimer = undefined;
    if (at === undefined || this.stopped) return;
    this.linkTimer = setTimeout(
      () => {
        this.linkTimer = undefined;
        if (!this.stopped) this.handle({ type: "link-timer" });
      },
      Math.max(0, at - this.now()),
    );
    this.linkTimer.unref();
  }

  private newTracking(config: DaemonConfig): Tracking {
    return new Tracking(config, this.log, this);
  }

  async start(): Promise<void> {
    this.tuning.apply(this.config.global);
    this.ports = this.openTiming();
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
    for (const ri of this.router.instances) await this.startInstance(ri);
    this.rehearsal?.atStart(this.drivers.values());
    this.log.info({ instances: this.drivers.size, kl: true }, "Startup complete");
  }

  /**
   * The deadline queue on the native helper's timerfd, the drivers' ports and the takeover
   * warm-up. The helper is required: without it there are no VRRP sockets either, and the daemon
   * does not start (NativeHelperError says how to build it).
   */
  private openTiming(): DriverPorts {
    const helper = nativeHelper();
    const timing = new DeadlineTiming(
      this,
      new DeadlineQueue(
        () => this.now(),
        (wake) => helper.preciseTimer(wake),
      ),
    );
    timing.latenessListeners.push(...this.pendingLatenessListeners.splice(0));
    this.timing = timing;
    this.rehearsal = new TakeoverRehearsal({
      links: this.links,
      announcer: this.announcer,
      sockets: this.sockets,
      timing,
      log: this.log,
      host: this,
    });
    return {
      netlink: this.rtnl,
      firewall: this.firewall,
      links: this.links,
      sockets: this.sockets,
      announcer: this.announcer,
      notifications: this.notifications,
      timing,
      warmer: this.rehearsal,
      host: this,
    };
  }

  private async startInstance(ri: DaemonInstance): Promise<void> {
    const s = ri.spec;
    const d = new InstanceDriver(ri, this.log.child({ instance: s.name, vrid: s.config.vrid, interface: s.interface }), this.ports!);
    this.drivers.add(d);
    const link = this.links.link(s.interface);
    if (link) d.bind(link);
    await d.removeLeftovers();
    this.handle({ type: "start", instance: ri });
  }

  // --- netlink events ----------------------------------------------------------------------------

  private onLink(e: LinkEvent): void {
    const c = this.links.onLink(e);
    if (c.nameGone && c.before) {
      this.announcer.forget(c.nameGone);
      // The interface the sockets were bound to is gone or no longer carries their name: unbind,
      // so whatever interface carries the configured name next (this one renamed back, or another
      // index) gets fresh sockets (keepalived_netlink.c, netlink_if_link_filter: a renamed
      // interface is dropped with cleanup_lost_interface and a new interface_t is made).
      this.sockets.closeOn(c.before);
      for (const d of this.drivers.values()) d.unbind(c.before);
      this.handle({ type: "link", ifname: c.nameGone, present: false, up: false });
    }
    if (e.removed) return;
    const { link } = c;
    // The interface appeared (or came back): bind its instances now.
    for (const d of this.drivers.values()) d.rebind(link);
    this.handle({ type: "link", ifname: link.name, present: true, up: link.up });
  }

  private onAddress(e: AddressEvent): void {
    this.links.onAddress(e);
    if (this.stopped) return;
    const a = e.address;
    // The router decides whether it was a master's VIP to put back (VrrpRouter addressDeleted).
    const ifname = e.removed ? this.links.links().find((l) => l.index === a.index)?.name : undefined;
    if (ifname !== undefined) this.handle({ type: "address-deleted", ifname, address: a.address });
    for (const d of this.drivers.values()) d.onAddress(e);
  }

  // --- operations --------------------------------------------------------------------------------

  /** Graceful stop: priority 0 from masters, VIPs removed, scripts notified, sockets closed. */
  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.log.info({ reason }, "Stopping");
    this.handle({ type: "stop" });
    this.stopped = true;
    this.armLinkTimer(undefined);
    this.tracking.stop();
    for (const d of this.drivers.values()) d.stop();
    await Promise.all([...this.drivers.values()].map((d) => d.settled()));
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
    for (const d of this.drivers.values()) d.stop();
    this.timing?.queue.close();
    this.sockets.close();
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
    this.tuning.apply(next.global, this.config.global);
    this.config = next;
    const { plan, actions } = this.router.reload(routerConfig(next), this.now());
    const removed = plan.removed.flatMap((ri) => this.drivers.get(ri) ?? []);
    for (const d of removed) d.markDeleted();
    this.drivers.run(actions);
    for (const d of removed) {
      d.log.info("instance removed by reload; stopping it");
      d.stop();
    }
    await Promise.all(removed.map((d) => d.settled()));
    for (const d of removed) {
      this.retired.announcementsSent += d.stats.announcementsSent;
      this.drivers.delete(d.ri);
    }
    await this.vmacs.remove(next);
    let changed = 0;
    for (const { instance, previous } of plan.kept) if (this.drivers.get(instance)?.reconfigure(previous)) changed++;
    this.notify.prepareAll(next);
    // Scripts are re-read with the file; their rise/fall state starts afresh.
    this.tracking.stop();
    this.tracking = this.newTracking(next);
    await this.tracking.start(true);
    for (const e of this.tracking.startEvents()) this.handle(e);
    for (const ri of plan.added) await this.startInstance(ri);
    if (plan.added.length > 0) this.rehearsal?.atStart(this.drivers.values()); // a kind of instance may be new
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
      const d = this.drivers.get(ri);
      return d ? [instanceStatus(d)] : [];
    });
  }

  /** Daemon-wide counters (status `counters`, /metrics). */
  counters(): DaemonCounters {
    return {
      unknownVrid: this.router.unknownVrid,
      malformedPackets: this.sockets.malformed,
      announcementsSent: [...this.drivers.values()].reduce((n, d) => n + d.stats.announcementsSent, this.retired.announcementsSent),
      notify: { runs: this.notify.runs, failures: this.notify.failures, coalesced: this.notify.coalesced },
      fifo: { written: this.fifos.written, dropped: this.fifos.dropped },
    };
  }

  /** Advert send lateness over the recent window, all instances: p50, p99, max (ms). */
  jitter(): { samples: number; p50: number; p99: number; max: number } {
    return (this.timing?.lateness ?? EMPTY_LATENESS).summary();
  }

  /** keepalived's SIGSTATS_CLEAR: counters start again from zero (vrrp_print.c vrrp_print_stats). */
  clearStats(): void {
    for (const d of this.drivers.values()) d.clearStats();
    this.retired.announcementsSent = 0;
    this.sockets.clearStats();
    this.notify.runs = this.notify.failures = this.notify.coalesced = 0;
  }
}
