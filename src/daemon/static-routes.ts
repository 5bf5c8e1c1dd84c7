// static_routes / static_rules: installed once the interfaces are known, whatever the VRRP state,
// and removed at stop (keepalived vrrp_daemon.c start_vrrp / stop_vrrp). A reload installs what is
// new and removes what is gone; what stayed is left alone. Also the put-back of deleted ones,
// when the router says so (VrrpRouter routeDeleted).
import type { DaemonConfig } from "../config/model.js";
import type { RouteSpec, RuleSpec } from "../config/route-rule.js";
import { changedRoutes, type NetlinkQueue } from "./instance-driver.js";
import type { Rtnl } from "../netlink/rtnl.js";

/** Any routes or rules at all (the route-deletion watch is opened only then). */
export function hasRoutes(config: DaemonConfig): boolean {
  return (
    config.staticRoutes.length + config.staticRules.length > 0 ||
    config.instances.some((i) => i.virtualRoutes.length + i.virtualRules.length > 0)
  );
}

export class StaticRoutes {
  private routes: readonly RouteSpec[] = [];
  private rules: readonly RuleSpec[] = [];

  constructor(private readonly queue: NetlinkQueue) {}

  async install(config: DaemonConfig): Promise<void> {
    this.routes = config.staticRoutes;
    this.rules = config.staticRules;
    this.queue.routes("add", this.routes, this.rules);
    await this.queue.settled();
  }

  async reload(next: DaemonConfig): Promise<void> {
    const routes = changedRoutes(this.routes, next.staticRoutes);
    const rules = changedRoutes(this.rules, next.staticRules);
    this.queue.routes("remove", routes.gone, rules.gone);
    this.queue.routes("add", routes.added, rules.added);
    this.routes = next.staticRoutes;
    this.rules = next.staticRules;
    await this.queue.settled();
  }

  /** Tracked ones are put back after someone deleted them (keepalived reinstate_static_route). */
  reinstate(): void {
    this.queue.routes(
      "add",
      this.routes.filter((r) => !r.noTrack),
      this.rules.filter((r) => !r.noTrack),
    );
  }

  /**
   * Route and rule deletions (ours or someone else's), a burst of them as one `onDeleted` 20 ms
   * later; what is put back is the router's decision (VrrpRouter routeDeleted). Re-adding what is
   * there changes nothing (EEXIST), so one pass after a burst does it all.
   */
  watch(config: DaemonConfig, rtnl: Rtnl, onDeleted: () => void): void {
    if (!hasRoutes(config)) return;
    let pending: NodeJS.Timeout | undefined;
    rtnl.watchRouteDeletions(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        onDeleted();
      }, 20);
    });
  }

  async remove(): Promise<void> {
    this.queue.routes("remove", this.routes, this.rules);
    await this.queue.settled();
  }
}
