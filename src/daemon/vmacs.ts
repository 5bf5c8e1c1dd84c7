// use_vmac: each such instance gets a macvlan carrying the VRRP MAC (00:00:5e:00:01:VRID, IPv6
// 00:00:5e:00:02:VRID) that holds its VIPs and sends its adverts (vmac_xmit_base: adverts from the
// base interface). use_vmac_addr: one more such macvlan on each other interface holding its VIPs. Follows keepalived 2.2.7 vrrp/vrrp_vmac.c netlink_link_add_vmac /
// netlink_link_del_vmac and vrrp_if_config.c set_interface_parameters / reset_interface_parameters.
// The instance then runs on the macvlan as on any interface: the rest of the daemon only sees
// `interface` (and every VIP without `dev`) moved onto it, with `vmac.base` naming the old one.
import { readFileSync, writeFileSync } from "node:fs";
import type { DaemonConfig, InstanceSpec } from "../config/model.js";
import { NetlinkError, type LinkEvent, type AddressEvent, type Rtnl } from "../netlink/rtnl.js";
import { MACVLAN_MODE_PRIVATE } from "../netlink/link-attrs.js";
import { placeOnVmacs, vrrpMac } from "../config/vmac-placement.js";
import type { Family } from "../vrrp/address.js";
import { errorFields } from "../error-fields.js";
import type { Logger } from "../operator/log.js";

/** The VRRP virtual MAC (RFC 5798 section 7.3), or the configured one. */
export function vmacAddress(spec: InstanceSpec): Uint8Array {
  return vrrpMac(spec.family, spec.vrid, spec.vmac?.mac);
}

/** One macvlan to make: an instance's use_vmac one or a use_vmac_addr one. */
interface MacvlanPlan {
  readonly name: string;
  readonly base: string;
  readonly family: Family;
  readonly mac: Uint8Array;
  /** IPv6 on an IPv4 macvlan stays on (vrrp_vmac.c: VRRP_FLAG_EVIP_OTHER_FAMILY). */
  readonly keepIpv6: boolean;
  /** vmac_xmit_base: no link-local address is copied (adverts leave from the base). */
  readonly xmitBase: boolean;
  /** An instance's use_vmac one: made again when someone else deletes it (see onEvent). */
  readonly recreate: boolean;
}

interface Made {
  readonly index: number;
  readonly base: string;
  readonly mac: Uint8Array;
  readonly plan: MacvlanPlan;
  readonly log: Logger;
  /** Deleted by someone else: setUp (a reload) makes it again; a use_vmac one is also made again at once. */
  gone?: boolean;
}

function sysctlPath(family: 4 | 6, ifname: string, key: string): string {
  return `/proc/sys/net/ipv${family}/conf/${ifname}/${key}`;
}

function readSysctl(ifname: string, key: string): string | undefined {
  try {
    return readFileSync(sysctlPath(4, ifname, key), "utf8").trim();
  } catch {
    return undefined;
  }
}

export class Vmacs {
  /** Macvlans this daemon made: name -> ifindex and base interface. */
  private readonly made = new Map<string, Made>();
  /** Base interfaces whose arp_ignore/arp_filter were changed: their earlier values and users. */
  private readonly bases = new Map<string, { arpIgnore?: string; arpFilter?: string; users: Set<string> }>();

  private watching = false;
  /** Set by remove() at stop: nothing is made again after it. */
  private closed = false;
  /** Recreations, one at a time, and setUp/remove after them. */
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly rtnl: Rtnl,
    private readonly log: Logger,
  ) {}

  /**
   * Makes the macvlans of every use_vmac / use_vmac_addr instance and returns the configuration
   * moved onto them (src/config/vmac-placement.ts placeOnVmacs).
   */
  setUp(config: DaemonConfig): Promise<DaemonConfig> {
    if (!this.watching) {
      this.watching = true;
      this.rtnl.watch((e) => this.onEvent(e));
    }
    this.closed = false;
    return this.serial(() => this.setUpNow(config));
  }

  private async setUpNow(config: DaemonConfig): Promise<DaemonConfig> {
    const instances: InstanceSpec[] = [];
    for (const spec of config.instances)
      instances.push(spec.vmac?.base === undefined && (spec.vmac || spec.addrVmacs?.length) ? await this.one(spec) : spec);
    return { ...config, instances };
  }

  private async one(spec: InstanceSpec): Promise<InstanceSpec> {
    const plans: MacvlanPlan[] = [
      ...(spec.vmac
        ? [
            {
              name: spec.vmac.name,
              base: spec.interface,
              family: spec.family,
              mac: vmacAddress(spec),
              keepIpv6: spec.excludedVips.some((v) => v.family === 6 && !v.dev),
              xmitBase: spec.vmac.xmitBase,
              recreate: true,
            },
          ]
        : []),
      // vrrp.c vrrp_complete_instance: the "dummy vrrp_instance" given to netlink_link_add_vmac.
      ...(spec.addrVmacs ?? []).map((m) => ({ ...m, keepIpv6: false, xmitBase: false, recreate: false })),
    ];
    for (const plan of plans) {
      const log = this.log.child({ instance: spec.name, vmac: plan.name, interface: plan.base });
      const have = this.made.get(plan.name);
      // Deleted by someone else and not made again since (an event missed, or the base still
      // absent): a use_vmac one is made again by a reload, as keepalived's (vrrp_if.c
      // setup_interface -> netlink_link_add_vmac for an interface_t without ifindex).
      if (have && !have.gone && (await this.rtnl.linkKind(plan.name))?.index !== have.index) have.gone = true;
      // One shared with an earlier instance (vrrp_if.c if_get_by_vmac), or kept by a reload.
      const same = have !== undefined && have.base === plan.base && sameBytes(have.mac, plan.mac);
      if (same && !have.gone) continue;
      if (same && !plan.recreate) {
        // use_vmac_addr: keepalived 2.2.7's reload finds the interface_t it remembers (vrrp.c
        // vrrp_complete_instance -> if_get_by_vmac) and does not call netlink_link_add_vmac:
        // measured, the macvlan stays absent until restart (test/netns/vmac-recreate.test.ts).
        log.warn(`VMAC interface ${plan.name} was deleted by someone else; not made again until restart (as keepalived)`);
        continue;
      }
      if (have?.gone) {
        log.info(`VMAC interface ${plan.name} was deleted by someone else: made again`);
        await this.drop(plan.name);
      } else if (have) {
        // vrrp_vmac.c netlink_link_add_vmac: one of that name on another base (or with another MAC)
        // is removed and made again; use_vmac_addr names follow the instances' order, so a reload
        // that reorders them moves a name to another interface.
        log.info(`VMAC interface ${plan.name} is on ${have.base}, wanted on ${plan.base}: made again`);
        await this.drop(plan.name);
      }
      try {
        await this.create(plan, log);
      } catch (e) {
        // The instance still moves onto the (absent) macvlan: it stays in FAULT rather than holding
        // its VIPs on the base interface with the wrong MAC.
        log.error(errorFields(e), `cannot create VMAC interface ${plan.name}; the instance stays in FAULT`);
      }
    }
    return placeOnVmacs(spec);
  }

  private async create(plan: MacvlanPlan, log: Logger): Promise<void> {
    const { name } = plan;
    const base = await this.rtnl.linkKind(plan.base);
    if (!base) throw new Error(`base interface ${plan.base} not found`);
    const old = await this.rtnl.linkKind(name);
    if (old) {
      // vrrp_vmac.c netlink_link_add_vmac: an old macvlan of that name (a crashed run's) is removed;
      // anything else is never touched.
      if (old.kind !== "macvlan") throw new Error(`VMAC ${name} conflicts with existing interface (kind ${old.kind ?? "none"})`);
      log.info({ ifindex: old.index }, `Removing old VMAC interface ${name} (left by an earlier run)`);
      await this.rtnl.delLink(old.index);
    }
    // vrrp_vmac.c: private mode, so the macvlan only receives frames for its own MAC (and multicast).
    let index: number;
    try {
      index = await this.rtnl.addMacvlan(name, base.index, plan.mac, MACVLAN_MODE_PRIVATE);
    } catch (e) {
      // The macvlan exists but a later step of addMacvlan (addrgenmode none) failed: remember it
      // so that stop and reload remove it, then report the failure.
      if (e instanceof NetlinkError && e.op === "addrgenmode") {
        const made = await this.rtnl.linkKind(name);
        if (made?.kind === "macvlan") this.made.set(name, { index: made.index, base: plan.base, mac: plan.mac, plan, log });
      }
      throw e;
    }
    this.made.set(name, { index, base: plan.base, mac: plan.mac, plan, log });
    if (plan.family === 4) {
      // vrrp_if_config.c set_interface_parameters_sysctl.
      this.setSysctl(4, name, "arp_ignore", "1", log);
      this.setSysctl(4, name, "accept_local", "1", log);
      this.setSysctl(4, name, "rp_filter", "0", log);
      this.setSysctl(4, name, "promote_secondaries", "1", log);
      let b = this.bases.get(plan.base);
      if (!b) {
        const arpIgnore = readSysctl(plan.base, "arp_ignore");
        const arpFilter = readSysctl(plan.base, "arp_filter");
        b = { ...(arpIgnore !== undefined ? { arpIgnore } : {}), ...(arpFilter !== undefined ? { arpFilter } : {}), users: new Set() };
        this.bases.set(plan.base, b);
        if (arpIgnore !== "1") this.setSysctl(4, plan.base, "arp_ignore", "1", log);
        if (arpFilter !== "1") this.setSysctl(4, plan.base, "arp_filter", "1", log);
      }
      b.users.add(name);
      // vrrp_vmac.c link_set_ipv6(ifp, false): no IPv6 on an IPv4 VMAC without IPv6 eVIPs.
      if (!plan.keepIpv6) this.setSysctl(6, name, "disable_ipv6", "1", log);
    }
    await this.rtnl.linkUp(index);
    if (plan.family === 6 && !plan.xmitBase) {
      // vrrp_vmac.c set_link_local_address: the base interface's link-local address, so adverts
      // come from a non-VIP address with the VRRP MAC.
      const ll = (await this.rtnl.addresses(base.index)).find(
        (a) => a.family === 6 && a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80,
      );
      if (!ll) log.warn(`no link-local address on ${plan.base} to copy to ${name}; the instance stays in FAULT until one is added`);
      else await this.rtnl.addAddress({ index, family: 6, address: ll.address, prefix: 64, preferredLft: "forever" });
    }
    log.info({ ifindex: index }, `VMAC interface ${name} created on ${plan.base}`);
  }

  private setSysctl(family: 4 | 6, ifname: string, key: string, value: string, log: Logger): void {
    try {
      writeFileSync(sysctlPath(family, ifname, key), value);
    } catch (e) {
      log.warn({ ...errorFields(e), sysctl: sysctlPath(family, ifname, key) }, "cannot set sysctl; continuing");
    }
  }

  /**
   * A use_vmac macvlan deleted by someone else is made again at once, or when its base interface
   * comes back (keepalived_netlink.c netlink_if_link_filter: RTM_DELLINK of an interface_t that
   * is_ours and not being deleted -> vrrp_if.c recreate_vmac_thread -> setup_interface ->
   * netlink_link_add_vmac, skipped while the configured interface has no ifindex; vrrp_if.c
   * update_added_interface queues it again when that interface appears). recreate_vmac_thread only
   * looks at instances whose own interface it is, so keepalived 2.2.7 does not make a
   * use_vmac_addr one again, at once or on reload (setUp): here neither.
   */
  private onEvent(e: LinkEvent | AddressEvent): void {
    if (e.kind !== "link" || this.closed) return;
    const { link } = e;
    if (e.removed) {
      const m = this.made.get(link.name);
      if (!m || m.gone || m.index !== link.index) return;
      m.gone = true;
      if (!m.plan.recreate) {
        m.log.warn(`VMAC interface ${link.name} deleted by someone else; not made again until restart (as keepalived)`);
        return;
      }
      m.log.info(`VMAC interface ${link.name} deleted by someone else; making it again`);
      this.enqueue(() => this.recreate(link.name, m));
    } else {
      for (const [name, m] of this.made) if (m.gone && m.plan.recreate && m.base === link.name) this.enqueue(() => this.recreate(name, m));
    }
  }

  private enqueue(job: () => Promise<void>): void {
    void this.serial(job).catch((e: unknown) => this.log.error(errorFields(e), "VMAC recreation failed; continuing"));
  }

  /** Runs `job` after every earlier setUp, remove and recreation: never two at once on one name. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const done = this.work.then(job);
    this.work = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  private async recreate(name: string, m: Made): Promise<void> {
    // Since queued: stopped, made again already, or replaced by a reload.
    if (this.closed || this.made.get(name) !== m || !m.gone) return;
    if (!(await this.rtnl.linkKind(m.base))) {
      m.log.info(`base interface ${m.base} of VMAC ${name} is absent; ${name} is made again when it comes back`);
      return;
    }
    try {
      await this.create(m.plan, m.log);
    } catch (e) {
      m.log.error(errorFields(e), `cannot create VMAC interface ${name} again; the instance stays in FAULT`);
    }
  }

  /** Removes the macvlans no instance of `config` uses (all of them when undefined), restoring base sysctls. */
  remove(config?: DaemonConfig): Promise<void> {
    if (!config) this.closed = true;
    return this.serial(() => this.removeNow(config));
  }

  private async removeNow(config?: DaemonConfig): Promise<void> {
    const keep = new Set(
      (config?.instances ?? []).flatMap((s) => [...(s.vmac ? [s.vmac.name] : []), ...(s.addrVmacs ?? []).map((m) => m.name)]),
    );
    for (const name of [...this.made.keys()]) if (!keep.has(name)) await this.drop(name);
  }

  /** Deletes macvlan `name` made here, and gives its base its own sysctls back when no other one uses it. */
  private async drop(name: string): Promise<void> {
    const m = this.made.get(name);
    if (!m) return;
    this.made.delete(name);
    const b = this.bases.get(m.base);
    if (b?.users.delete(name) && b.users.size === 0) {
      // vrrp_if_config.c reset_interface_parameters: the base gets its own values back.
      this.bases.delete(m.base);
      if (b.arpIgnore !== undefined) this.setSysctl(4, m.base, "arp_ignore", b.arpIgnore, this.log);
      if (b.arpFilter !== undefined) this.setSysctl(4, m.base, "arp_filter", b.arpFilter, this.log);
    }
    try {
      // Only the macvlan made here: the index remembered may name another interface by now (ours
      // deleted by someone else, then an interface moved in from another namespace keeps its index).
      const now = await this.rtnl.linkKind(name);
      if (now?.index !== m.index || now.kind !== "macvlan") {
        this.log.info(
          { vmac: name, ifindex: m.index },
          `VMAC interface ${name} is already gone (removed by someone else); nothing to remove`,
        );
        return;
      }
      await this.rtnl.delLink(m.index);
      this.log.info({ vmac: name }, `VMAC interface ${name} removed`);
    } catch (e) {
      this.log.error({ ...errorFields(e), vmac: name }, `cannot remove VMAC interface ${name}; continuing`);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
