// Takeovers rehearsed on copies, with nothing sent and nothing changed on the host, so the real one
// runs code that is compiled and in the CPU's caches: its first advert leaves about 1 ms sooner
// (bench/notes.md). Each rehearsal runs a throwaway router holding a copy of one instance through
// start, master-down and its first advert as MASTER; sends go through the instance's real socket
// and announcer with `transmit` false; netlink, scripts, the FIFO and SNMP are left out. The
// daemon's own routers, sockets and counters are not touched.
import type { Announcer } from "../net/announce.js";
import { VrrpRouter } from "../vrrp/router.js";
import type { RouterInstance } from "../vrrp/router-types.js";
import { ActionExecutor } from "./executor.js";
import { InstanceIo } from "./instance-io.js";
import type { LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import { advertEncoder } from "./socket-binder.js";
import { errorFields } from "../error-fields.js";

export interface RehearsalPorts {
  readonly links: LinkCache;
  readonly announcer: Pick<Announcer, "announce">;
  readonly log: Logger;
  ipv6Forwarding(ifname: string): boolean;
  now(): number;
}

/** Timer events a rehearsal feeds at most: a takeover takes two (INIT is done by `start`). */
const MAX_STEPS = 8;
/** Before a deadline, one rehearsal serves every instance due within this window (255 backups
 * whose master died all wake together; one warms the path they share). */
const BEFORE_TAKEOVER_EVERY_MS = 50;

function kindOf(io: InstanceIo): string {
  const s = io.spec;
  return `${s.family}/${s.version}/${io.ri.spec.receive.unicastPeers.length > 0}/${s.authPass !== undefined}`;
}

export class TakeoverRehearsal {
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
  atStart(bound: Iterable<InstanceIo>): string[] {
    const t0 = this.ports.now();
    try {
      const rehearsed = this.eachKind(bound);
      this.ports.log.debug({ rehearsed, ms: +(this.ports.now() - t0).toFixed(2) }, "takeover rehearsed (nothing sent)");
      return rehearsed;
    } catch (e) {
      this.ports.log.warn(errorFields(e), "takeover rehearsal failed; the first takeover compiles its path instead");
      return [];
    }
  }

  private eachKind(bound: Iterable<InstanceIo>): string[] {
    const kinds = new Set<string>();
    const rehearsed: string[] = [];
    for (const io of bound) {
      const kind = kindOf(io);
      if (kinds.has(kind) || !this.rehearse(io, true)) continue;
      kinds.add(kind);
      rehearsed.push(io.spec.name);
    }
    return rehearsed;
  }

  /** Just before a master-down deadline: the instance's takeover, at most once per window for all. */
  beforeTakeover(io: InstanceIo): void {
    const now = this.ports.now();
    if (now - this.lastBeforeTakeover < BEFORE_TAKEOVER_EVERY_MS) return;
    this.lastBeforeTakeover = now;
    try {
      this.rehearse(io, false);
    } catch {
      // Only the cache warming is lost; the takeover itself does not depend on it. The start-up
      // rehearsal runs the same code and logs what fails.
    }
  }

  /** false: the instance is not bound (no socket, encoder or source), nothing was run. */
  private rehearse(real: InstanceIo, throughStop: boolean): boolean {
    const { socket, src } = real;
    if (!socket || !src || !real.encoder) return false;
    const router = new VrrpRouter({ instances: [real.ri.spec], syncGroups: [] });
    const ri = router.instances[0]!;
    const io = new InstanceIo(real.spec, ri, this.quiet);
    io.src = src;
    io.encoder = advertEncoder(io, src);
    io.socket = { send: (vrrp, from, to) => socket.send(vrrp, from, to, false) };
    const { ports } = this;
    const nothing = (): Promise<boolean> => Promise.resolve(false);
    const executor = new ActionExecutor({
      netlink: { addAddress: nothing, delAddress: nothing, addRoute: nothing, delRoute: nothing, addRule: nothing, delRule: nothing },
      announcer: { announce: (target, vips, repeat) => ports.announcer.announce(target, vips, repeat, false) },
      links: ports.links,
      notify: { enqueue: () => undefined },
      fifo: { write: () => undefined },
      log: this.quiet,
      ioOf: (x: RouterInstance) => (x === ri ? io : undefined),
      groupNotify: () => undefined,
      // Read once at start; just before a takeover the /proc read is not worth its time.
      ipv6Forwarding: throughStop ? (ifname) => ports.ipv6Forwarding(ifname) : () => false,
      schedule: () => undefined,
    });
    this.runs++;
    let now = ports.now();
    for (const ifname of new Set([real.spec.interface, ...real.ri.spec.trackLinks.map((t) => t.name)]))
      executor.run(router.handle({ type: "link", ifname, present: true, up: true }, now));
    executor.run(router.handle({ type: "source", instance: ri, address: src }, now));
    executor.run(router.handle({ type: "start", instance: ri }, now));
    // At start, two adverts as MASTER after the takeover's own; before a takeover, the takeover alone.
    const advertsAfter = throughStop ? 2 : 0;
    let advertsAsMaster = 0;
    for (let step = 0; step < MAX_STEPS; step++) {
      if (ri.vi.state === "MASTER" && advertsAsMaster >= advertsAfter) break;
      const due = ri.vi.nextDeadline();
      if (due === undefined) break;
      now = Math.max(now, due);
      const wasMaster = ri.vi.state === "MASTER";
      executor.run(router.handle(ri.timerEvent, now));
      if (ri.vi.state === "MASTER" && !wasMaster) this.mastered++;
      if (ri.vi.state === "MASTER" && wasMaster) advertsAsMaster++;
    }
    if (throughStop) executor.run(router.handle({ type: "stop" }, now));
    return true;
  }
}
