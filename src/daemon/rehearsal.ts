// The takeover warm-up: takeovers rehearsed on copies, nothing sent and nothing changed on the
// host, so the real one runs code that is compiled and in the CPU's caches (bench/notes.md, "Takeover
// rehearsal"). Each rehearsal runs a throwaway router and driver holding a copy of one instance
// through start, master-down and its first advert as MASTER; adverts and announcements are built
// (AdvertSocket.build, Announcer.build) on the instance's real socket, never sent; netlink,
// scripts, the FIFO and SNMP are left out. The daemon's own router, drivers and counters are not touched.
import type { Announcer } from "../net/announce.js";
import type { AdvertSocket } from "../net/advert-socket.js";
import { VrrpRouter } from "../vrrp/router.js";
import type { RouterAction } from "../vrrp/router-types.js";
import { errorFields } from "../error-fields.js";
import { InstanceDriver, type DeadlineTiming, type TakeoverWarmer } from "./instance-driver.js";
import type { LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import type { ResolvedInstance } from "./router-config.js";

export interface RehearsalPorts {
  readonly links: LinkCache;
  readonly announcer: Pick<Announcer, "build">;
  /** The real instance's open advert socket (advert-sockets.ts AdvertSockets.existing). */
  readonly sockets: { existing(spec: ResolvedInstance): Pick<AdvertSocket, "build"> | undefined };
  readonly timing: DeadlineTiming;
  readonly log: Logger;
  readonly host: { ipv6Forwarding(ifname: string): boolean; now(): number };
}

/** Timer events a rehearsal feeds at most: a takeover takes two (INIT is done by `start`). */
const MAX_STEPS = 8;
/** Before a deadline, one rehearsal serves every instance due within this window (255 backups
 * whose master died all wake together; one warms the path they share). */
const BEFORE_TAKEOVER_EVERY_MS = 50;

const nothing = (): Promise<boolean> => Promise.resolve(false);
const NO_NETLINK = { addAddress: nothing, delAddress: nothing, addRoute: nothing, delRoute: nothing, addRule: nothing, delRule: nothing };
const NO_NOTIFICATIONS = { state: () => undefined, event: () => undefined };

export class TakeoverRehearsal implements TakeoverWarmer {
  private readonly quiet: Logger;
  private lastBeforeTakeover = -Infinity;
  /** Rehearsals run, and how many of them reached MASTER and built an advert. */
  runs = 0;
  mastered = 0;

  constructor(private readonly ports: RehearsalPorts) {
    this.quiet = ports.log.child({}, { level: "silent" });
  }

  /**
   * At start and after a reload: one full rehearsal (through a graceful stop) per kind of bound
   * instance. A failure is logged and costs only the warm-up.
   */
  atStart(drivers: Iterable<InstanceDriver>): string[] {
    const t0 = this.ports.host.now();
    try {
      const kinds = new Set<string>();
      const rehearsed: string[] = [];
      for (const d of drivers) {
        if (kinds.has(d.kind) || !this.rehearse(d, true)) continue;
        kinds.add(d.kind);
        rehearsed.push(d.spec.name);
      }
      this.ports.log.debug({ rehearsed, ms: +(this.ports.host.now() - t0).toFixed(2) }, "takeover rehearsed (nothing sent)");
      return rehearsed;
    } catch (e) {
      this.ports.log.warn(errorFields(e), "takeover rehearsal failed; the first takeover compiles its path instead");
      return [];
    }
  }

  /** Just before a master-down deadline: the instance's takeover, at most once per window for all. */
  beforeTakeover(d: InstanceDriver): void {
    const now = this.ports.host.now();
    if (now - this.lastBeforeTakeover < BEFORE_TAKEOVER_EVERY_MS) return;
    this.lastBeforeTakeover = now;
    try {
      this.rehearse(d, false);
    } catch {
      // Only the cache warming is lost; the takeover itself does not depend on it. The start-up
      // rehearsal runs the same code and logs what fails.
    }
  }

  /** false: the instance is not bound (no socket or source), nothing was run. */
  private rehearse(real: InstanceDriver, throughStop: boolean): boolean {
    const src = real.src;
    const socket = this.ports.sockets.existing(real.spec);
    const link = this.ports.links.link(real.spec.interface);
    if (!real.bound || !src || !socket || !link) return false;
    const { ports } = this;
    const router = new VrrpRouter({ instances: [real.spec], syncGroups: [] });
    const ri = router.instances[0]!;
    const driver = new InstanceDriver(ri, this.quiet, {
      netlink: NO_NETLINK,
      links: ports.links,
      sockets: { socketFor: () => ({ send: (vrrp, from, to, ttl, ah) => (socket.build(vrrp, from, to, ttl, ah), true) }) },
      announcer: { announce: (target, vips, repeat) => ports.announcer.build(target, vips, repeat) },
      notifications: NO_NOTIFICATIONS,
      timing: ports.timing,
      host: {
        handle: () => undefined,
        // Read once at start; just before a takeover the /proc read is not worth its time.
        ipv6Forwarding: throughStop ? (ifname) => ports.host.ipv6Forwarding(ifname) : () => false,
      },
    });
    driver.attach(link, src);
    // The instance's own actions only: the throwaway driver never arms a deadline.
    const run = (actions: readonly RouterAction[]): void => {
      for (const a of actions) if (a.type === "instance") driver.act(a.action);
    };
    this.runs++;
    let now = ports.host.now();
    for (const ifname of new Set([real.spec.interface, ...real.spec.trackLinks.map((t) => t.name)]))
      run(router.handle({ type: "link", ifname, present: true, up: true }, now));
    run(router.handle({ type: "source", instance: ri, address: src }, now));
    run(router.handle({ type: "start", instance: ri }, now));
    // At start, two adverts as MASTER after the takeover's own; before a takeover, the takeover alone.
    const advertsAfter = throughStop ? 2 : 0;
    let advertsAsMaster = 0;
    for (let step = 0; step < MAX_STEPS; step++) {
      if (ri.vi.state === "MASTER" && advertsAsMaster >= advertsAfter) break;
      const due = ri.vi.nextDeadline();
      if (due === undefined) break;
      now = Math.max(now, due);
      const wasMaster = ri.vi.state === "MASTER";
      run(router.handle(ri.timerEvent, now));
      if (ri.vi.state === "MASTER" && !wasMaster) this.mastered++;
      if (ri.vi.state === "MASTER" && wasMaster) advertsAsMaster++;
    }
    if (throughStop) run(router.handle({ type: "stop" }, now));
    return true;
  }
}
