// A reload's change to an instance it keeps (matched by key): new VIPs, routes, rules and encoder
// in place, without leaving its state (keepalived's reload keeps a matched instance's state too).
import type { InstanceSpec } from "../config/model.js";
import { sameAddressBytes } from "../vrrp/address.js";
import type { ActionExecutor } from "./executor.js";
import type { InstanceIo } from "./instance-io.js";
import type { InstanceTimers } from "./instance-timers.js";
import type { LinkCache } from "./link-cache.js";
import { resolveVips, type ResolvedVip } from "./router-config.js";
import type { SocketBinder } from "./socket-binder.js";
import { changedRoutes } from "./static-routes.js";

export interface ReconfigurePorts {
  readonly links: LinkCache;
  readonly binder: SocketBinder;
  readonly executor: ActionExecutor;
  readonly timers: InstanceTimers;
}

/** A master applies the VIP, route and rule differences at once; every instance gets a new encoder and timer. */
export function reconfigure(io: InstanceIo, spec: InstanceSpec, p: ReconfigurePorts): void {
  const oldVips = io.vips;
  const newVips = resolveVips(spec);
  const same = (a: ResolvedVip, b: ResolvedVip) => a.ifname === b.ifname && sameAddressBytes(a.bytes, b.bytes);
  const gone = oldVips.filter((o) => !newVips.some((n) => same(n, o)));
  const added = newVips.filter((n) => !oldVips.some((o) => same(n, o)));
  const before = io.spec;
  io.spec = spec;
  io.vips = newVips;
  const link = p.links.link(spec.interface);
  if (link && io.src) p.binder.attach(io, link, io.src); // new encoder (VIPs, auth, interval)
  if (io.holdsVips) {
    const routes = changedRoutes(before.virtualRoutes, spec.virtualRoutes);
    const rules = changedRoutes(before.virtualRules, spec.virtualRules);
    p.executor.routeOps(io, "remove", routes.gone, rules.gone);
    p.executor.firewallSync(io); // the new VIPs and accept mode
    if (gone.length) p.executor.vipOps(io, "remove", gone);
    if (added.length) p.executor.vipOps(io, "add", added);
    p.executor.routeOps(io, "add", routes.added, rules.added);
  }
  io.log.info({ vipsAdded: added.length, vipsRemoved: gone.length, state: io.ri.vi.state }, "instance reconfigured by reload; state kept");
  p.timers.schedule(io);
}
