// The daemon's advert path without a network: a keepalived.conf's router, each instance's driver
// (InstanceDrivers) and the state notifications, wired as runtime.ts wires them, over fake netlink, announcer and advert
// socket, with the deadline queue on a fake timerfd. For the allocation scenarios
// (lab/advert-scenarios.ts) and the per-advert cost bench (bench/backup-path.ts). Lab code: does
// not ship.
import { pino } from "pino";
import { parseKeepalivedConf } from "../src/config/keepalived-conf.js";
import { DeadlineQueue } from "../src/daemon/deadline-queue.js";
import { DeadlineTiming, InstanceDriver, InstanceDrivers, type AdvertSender } from "../src/daemon/instance-driver.js";
import { LinkCache } from "../src/daemon/link-cache.js";
import type { NetlinkPort } from "../src/daemon/instance-driver.js";
import { routerConfig } from "../src/daemon/router-config.js";
import { StateNotifications } from "../src/notify/state-notifications.js";
import type { RouterAction } from "../src/vrrp/router-types.js";
import { VrrpRouter } from "../src/vrrp/router.js";

/** A netlink port where every request succeeds and nothing reaches the kernel. */
export const ACCEPTING_NETLINK: NetlinkPort = {
  addAddress: async () => true,
  delAddress: async () => true,
  addRoute: async () => true,
  delRoute: async () => true,
  addRule: async () => true,
  delRule: async () => true,
};

/**
 * Every instance of `conf` started and bound with source address `source` on its interface (each
 * interface up, index 5, 6, ...), its adverts handed to `socket`. `now` is the clock of the router
 * events, the deadline queue and the timing; `wake()` is what the queue's timerfd would call.
 */
export function fakeDaemon(conf: string, now: () => number, socket: AdvertSender, source: Uint8Array) {
  const { config, diagnostics } = parseKeepalivedConf(conf);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`fake-daemon: ${JSON.stringify(errors)}`);
  const router = new VrrpRouter(routerConfig(config));
  const log = pino({ level: "silent" });
  const names = [...new Set(router.instances.map((ri) => ri.spec.interface))];
  const links = new LinkCache(
    names.map((name, k) => ({ index: 5 + k, name, mac: Buffer.alloc(6, 1 + k), up: true })),
    [],
  );
  const notifications = new StateNotifications({
    notify: { enqueue: () => undefined },
    fifo: { write: () => undefined },
    log,
    groups: { groupNotify: () => undefined },
  });
  const drivers = new InstanceDrivers(
    {
      groupState: (group, state) => notifications.groupState(group, state),
      armLinkTimer: () => undefined,
      reinstateStaticRoutes: () => undefined,
    },
    log,
  );
  const run = (actions: readonly RouterAction[]): void => drivers.run(actions);
  let wake = (): void => undefined;
  const queue = new DeadlineQueue(
    now,
    (onWake) => ((wake = onWake), { arm: () => undefined, disarm: () => undefined, close: () => undefined }),
  );
  const timing = new DeadlineTiming({ now, stopping: () => false }, queue);
  for (const ri of router.instances)
    drivers.add(
      new InstanceDriver(ri, log, {
        netlink: ACCEPTING_NETLINK,
        announcer: { announce: () => ({ arp: 0, na: 0, skipped: 0 }) },
        links,
        sockets: { socketFor: () => socket },
        notifications,
        timing,
        // As the runtime's handle(): the router's actions for the event go to the drivers.
        host: { handle: (e, at) => run(router.handle(e, at ?? now())), ipv6Forwarding: () => false },
      }),
    );
  for (const name of names) run(router.handle({ type: "link", ifname: name, present: true, up: true }, 0));
  for (const ri of router.instances) {
    // Bound as the daemon binds: the driver attached, the router told the address (which keeps it).
    drivers.get(ri)!.attach(links.link(ri.spec.interface)!, source);
    run(router.handle({ type: "source", instance: ri, address: source }, 0));
    run(router.handle({ type: "start", instance: ri }, 0));
  }
  return { router, run, queue, wake: () => wake() };
}
