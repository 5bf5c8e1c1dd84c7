// The driver's side of no_accept (keepalived vrrp.c vrrp_handle_accept_mode): the VIP block goes
// on before the VIPs are added and comes off after they are removed; accept-mode instances and the
// address owner never touch the firewall.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { DeadlineQueue } from "../../src/daemon/deadline-queue.js";
import { DeadlineTiming, InstanceDriver, InstanceDrivers } from "../../src/daemon/instance-driver.js";
import { LinkCache } from "../../src/daemon/link-cache.js";
import { routerConfig } from "../../src/daemon/router-config.js";
import { VrrpRouter } from "../../src/vrrp/router.js";

function run(body: string): string[] {
  const conf = `vrrp_instance VI {\n interface eth0\n virtual_router_id 7\n version 3\n${body}\n virtual_ipaddress {\n  198.51.100.7/24\n }\n virtual_ipaddress_excluded {\n  198.51.100.8\n  fe80::7\n }\n}\n`;
  const { config, diagnostics } = parseKeepalivedConf(conf);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const router = new VrrpRouter(routerConfig(config));
  const ri = router.instances[0]!;
  const log = pino({ level: "silent" });
  const events: string[] = [];
  const queue = new DeadlineQueue(
    () => 0,
    () => ({ arm: () => undefined, disarm: () => undefined, close: () => undefined }),
  );
  const driver = new InstanceDriver(ri, log, {
    netlink: {
      addAddress: async () => (events.push("add address"), true),
      delAddress: async () => (events.push("del address"), true),
      addRoute: async () => true,
      delRoute: async () => true,
      addRule: async () => true,
      delRule: async () => true,
    },
    firewall: {
      block: async (owner, a) => void events.push(`block ${owner} ${a.map((x) => `${x.address}@${x.ifname}`).join(" ")}`),
      unblock: async (owner) => void events.push(`unblock ${owner}`),
    },
    announcer: { announce: () => ({ arp: 0, na: 0, skipped: 0 }) },
    links: new LinkCache([{ index: 5, name: "eth0", mac: Buffer.alloc(6, 1), up: true }], []),
    sockets: { socketFor: () => ({ send: () => true }) },
    notifications: { state: () => undefined, event: () => undefined },
    timing: new DeadlineTiming({ now: () => 0, stopping: () => false }, queue),
    host: { handle: () => undefined, ipv6Forwarding: () => false },
  });
  const drivers = new InstanceDrivers(
    { groupState: () => undefined, armLinkTimer: () => undefined, reinstateStaticRoutes: () => undefined },
    log,
  );
  drivers.add(driver);
  drivers.run([{ type: "instance", instance: ri, action: { type: "add-vips" } }]);
  drivers.run([{ type: "instance", instance: ri, action: { type: "remove-vips" } }]);
  return events;
}

describe("no_accept and the driver", () => {
  it("blocks VIPs and eVIPs before adding them, unblocks after removing them", async () => {
    const events = run(" priority 100\n no_accept");
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([
      "block VI 198.51.100.7@eth0 198.51.100.8@eth0 fe80::7@eth0",
      "add address",
      "add address",
      "add address",
      "del address",
      "del address",
      "del address",
      "unblock VI",
    ]);
  });

  it("strict mode's default for a non-owner is no_accept; accept mode and the owner leave the firewall alone", async () => {
    const strict = run(" priority 100\n strict_mode");
    const accept = run(" priority 100\n strict_mode\n accept");
    const owner = run(" priority 255\n no_accept");
    await new Promise((r) => setTimeout(r, 10));
    expect(strict[0]).toMatch(/^block VI /);
    for (const e of [accept, owner]) expect(e.filter((x) => x.startsWith("block"))).toEqual([]);
  });
});
