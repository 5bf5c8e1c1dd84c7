// Carries out the router's actions on the host: adverts on raw sockets, VIPs through netlink,
// gratuitous ARP / unsolicited NA, notify scripts and log lines. The only file where the
// protocol's decisions turn into I/O; every port is an interface so tests can pass fakes.
import type { NotifyScripts } from "../config/model.js";
import type { RouteSpec, RuleSpec } from "../config/route-rule.js";
import type { AnnounceCounts, AnnounceTarget } from "../net/announce.js";
import type { LinkInfo, VipRequest } from "../netlink/rtnl.js";
import type { DropCode } from "../vrrp/packet.js";
import type { Action, State } from "../vrrp/instance-types.js";
import type { RouterAction, RouterInstance } from "../vrrp/router-types.js";
import type { InstanceIo } from "./instance-io.js";
import type { LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import type { NotifyJob } from "../notify/notify.js";
import type { ResolvedVip } from "./router-config.js";
import { errorFields } from "../error-fields.js";
import { fifoLine } from "../notify/notify-fifo.js";
import { blocksAddresses, type BlockedAddress } from "../netfilter/vip-block.js";
import { extraGarpTargets } from "../vrrp/garp-extra.js";

export interface ExecutorPorts {
  readonly netlink: {
    addAddress(v: VipRequest): Promise<boolean>;
    delAddress(v: VipRequest): Promise<boolean>;
    addRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
    delRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
    addRule(r: RuleSpec): Promise<boolean>;
    delRule(r: RuleSpec): Promise<boolean>;
  };
  readonly announcer: {
    announce(target: AnnounceTarget, vips: readonly Uint8Array[], repeat: number, transmit?: boolean): AnnounceCounts;
  };
  readonly links: LinkCache;
  /** no_accept / strict mode: the nftables VIP block (src/netfilter/nft-runner.ts VipFirewall). */
  readonly firewall?: {
    block(owner: string, addresses: readonly BlockedAddress[]): Promise<void>;
    unblock(owner: string): Promise<void>;
  };
  readonly notify: { enqueue(job: NotifyJob): void };
  /** notify_fifo / vrrp_notify_fifo: one line per state change, in order. */
  readonly fifo: { write(line: string): void };
  /** SNMP notifications (vrrpInstanceStateChange, vrrpv3NotifyNewMaster, vrrpSyncGroupStateChange). */
  readonly snmp?: { instanceState(name: string, to: State, reason: string): void; groupState(group: string, state: State): void };
  readonly log: Logger;
  /** The daemon's I/O side of a router instance. */
  ioOf(ri: RouterInstance): InstanceIo | undefined;
  groupNotify(group: string): NotifyScripts | undefined;
  /** keepalived vrrp_ndisc.c: the NA router flag follows the interface's IPv6 forwarding. */
  ipv6Forwarding(ifname: string): boolean;
  /** Re-arm the instance's timer at its next deadline. */
  schedule(io: InstanceIo): void;
}

export class ActionExecutor {
  /** Adverts the kernel did not take (the socket logs each), per instance name. */
  readonly sendErrors = new Map<string, number>();
  announcements = 0;

  constructor(private readonly p: ExecutorPorts) {}

  run(actions: readonly RouterAction[]): void {
    // An index loop: run() is on every advert's path, and a for-of's iterator is garbage there.
    for (let k = 0; k < actions.length; k++) {
      const a = actions[k]!;
      switch (a.type) {
        case "instance": {
          const io = this.p.ioOf(a.instance);
          if (io) this.instanceAction(io, a.action);
          break;
        }
        case "deadline": {
          const io = this.p.ioOf(a.instance);
          if (io) this.p.schedule(io);
          break;
        }
        case "drop":
          this.dropped(a.instance, a.code, a.detail);
          break;
        case "old-checksum":
          break; // RouterInstance.sendTargets carries the checksum form
        case "restore-vips": {
          const io = this.p.ioOf(a.instance);
          if (io) this.vipOps(io, "add", io.vips);
          break;
        }
        case "restore-routes": {
          const io = this.p.ioOf(a.instance);
          const tracked = <T extends { noTrack: boolean }>(l: readonly T[]) => l.filter((r) => !r.noTrack);
          if (io) this.routeOps(io, "add", tracked(io.spec.virtualRoutes), tracked(io.spec.virtualRules));
          break;
        }
        case "restore-static-routes":
          break; // the runtime's StaticRoutes holds them (Runtime.run)
        case "group-state":
          this.groupState(a.group, a.state);
          break;
        case "link-deadline":
          break; // the runtime arms its link timer (Runtime.run)
        case "log": {
          const log = (a.instance && this.p.ioOf(a.instance)?.log) || this.p.log;
          log[a.level](a.fields ?? {}, a.msg);
          break;
        }
      }
    }
  }

  private instanceAction(io: InstanceIo, a: Action): void {
    switch (a.type) {
      case "send-advert":
        this.sendAdvert(io, a.priority, a.intervalCs);
        break;
      // keepalived vrrp.c vrrp_state_become_master: addresses, then routes, then rules; leaving
      // MASTER (vrrp_restore_interface) undoes them in the reverse order.
      case "add-vips":
        io.holdsVips = true;
        this.firewallSync(io);
        this.vipOps(io, "add", io.vips);
        this.routeOps(io, "add", io.spec.virtualRoutes, io.spec.virtualRules);
        break;
      case "remove-vips":
        io.holdsVips = false;
        this.routeOps(io, "remove", io.spec.virtualRoutes, io.spec.virtualRules);
        this.vipOps(io, "remove", io.vips);
        this.firewallSync(io);
        break;
      case "announce":
        // The advert before it in this batch has already left (sends are synchronous): the old
        // master drops its VIPs before our gratuitous ARPs arrive, as keepalived orders them.
        this.announce(io, a.repeat, a.ifname);
        break;
      case "announce-extra":
        this.announceExtra(io);
        break;
      case "state":
        this.onState(io, a.from, a.to, a.reason);
        break;
      case "log":
        io.log[a.level](a.fields ?? {}, a.msg);
        break;
      case "event": {
        // keepalived 2.2.7 vrrp_notify.c send_event_notify: the script (no arguments), then the FIFO
        // line; send_instance_priority_notifies: the FIFO line alone, with the new priority.
        const script = a.event === "MASTER_RX_LOWER_PRI" ? io.spec.notify.masterRxLowerPri : undefined;
        if (script) this.p.notify.enqueue({ key: io.spec.name, script, extraArgs: [], fields: { instance: io.spec.name, event: a.event } });
        this.p.fifo.write(fifoLine("INSTANCE", io.spec.name, a.event, io.ri.vi.effectivePriority));
        break;
      }
    }
  }

  private sendAdvert(io: InstanceIo, priority: number, intervalCs: number): void {
    const { encoder, socket, src } = io;
    if (!encoder || !socket) return;
    let failed = 0;
    // auth_type AH: one sequence number per advert, the same to every unicast peer (keepalived
    // vrrp_update_pkt numbers only the call without a peer address).
    const ah = io.ri.spec.receive.ahKey ? { key: io.ri.spec.receive.ahKey, seq: io.ri.ahCounter.next() } : undefined;
    try {
      const targets = io.ri.sendTargets;
      for (let k = 0; k < targets.length; k++) {
        const t = targets[k]!; // an index loop: no iterator per advert (test/alloc)
        if (t.unicast) encoder.setDestination(t.checksumDst);
        if (!socket.send(encoder.encode(priority, intervalCs), src, t.dst, true, t.unicast ? (io.spec.unicastTtl ?? 255) : 255, ah))
          failed++;
      }
    } catch (e) {
      failed++;
      io.log.error(errorFields(e), "advert not sent; the next one is tried on schedule");
    }
    if (failed > 0) this.sendErrors.set(io.spec.name, (this.sendErrors.get(io.spec.name) ?? 0) + failed);
  }

  /**
   * At an instance's start: VIPs a crashed run left on the interfaces, and its routes and rules,
   * are removed before it joins as BACKUP (deleting what is not there changes nothing).
   */
  async removeLeftovers(io: InstanceIo): Promise<void> {
    const left = io.vips.filter((v) => {
      const link = this.p.links.link(v.ifname);
      return link !== undefined && this.p.links.has(link.index, v.bytes);
    });
    for (const v of left)
      io.log.warn(
        { vip: v.spec.address, dev: v.ifname },
        "VIP left behind on the interface (earlier crash?); removing it before joining as BACKUP",
      );
    this.routeOps(io, "remove", io.spec.virtualRoutes, io.spec.virtualRules);
    if (left.length > 0) this.vipOps(io, "remove", left);
    await io.ops;
  }

  /**
   * keepalived vrrp.c vrrp_handle_accept_mode: while a non-owner without accept mode holds its
   * VIPs, traffic to and from them is dropped; the block goes on before the VIPs are added and
   * comes off after they are removed (on the instance's queue, so in that order).
   */
  firewallSync(io: InstanceIo): void {
    const fw = this.p.firewall;
    if (!fw) return;
    const block = io.holdsVips && blocksAddresses(io.spec);
    const addresses: BlockedAddress[] = io.vips.map((v) => ({
      address: v.spec.address,
      family: v.spec.family,
      ifname: v.ifname,
      byName: io.spec.dontTrackPrimary,
    }));
    io.ops = io.ops.then(() => (block ? fw.block(io.spec.name, addresses) : fw.unblock(io.spec.name)));
  }

  /** VIP additions / removals, serialised per instance. */
  vipOps(io: InstanceIo, op: "add" | "remove", vips: readonly ResolvedVip[]): void {
    io.ops = io.ops.then(async () => {
      for (const v of vips) {
        const link = this.p.links.link(v.ifname);
        if (!link) {
          io.log.error({ vip: v.spec.address, dev: v.ifname }, `cannot ${op} VIP: interface ${v.ifname} not found`);
          continue;
        }
        try {
          const req = vipRequest(v, link);
          const changed = op === "add" ? await this.p.netlink.addAddress(req) : await this.p.netlink.delAddress(req);
          io.log.info({ vip: `${v.spec.address}/${v.spec.prefix}`, dev: v.ifname, changed }, op === "add" ? "VIP added" : "VIP removed");
        } catch (e) {
          io.log.error({ vip: v.spec.address, dev: v.ifname, ...errorFields(e) }, `VIP ${op} failed; continuing`);
        }
      }
    });
  }

  /** Route and rule additions (routes first) or removals (rules first), on the instance's queue. */
  routeOps(io: Pick<InstanceIo, "ops" | "log">, op: "add" | "remove", routes: readonly RouteSpec[], rules: readonly RuleSpec[]): void {
    if (routes.length === 0 && rules.length === 0) return;
    io.ops = io.ops.then(async () => {
      const nl = this.p.netlink;
      const route = async (r: RouteSpec) => {
        const oif = r.dev === undefined ? undefined : this.p.links.link(r.dev)?.index;
        if (r.dev !== undefined && oif === undefined) {
          io.log.error({ route: r.text, dev: r.dev }, `cannot ${op} route: interface ${r.dev} not found; tried again at the next change`);
          return;
        }
        const hops = (r.nexthops ?? []).map((h) => (h.dev === undefined ? undefined : this.p.links.link(h.dev)?.index));
        const lost = (r.nexthops ?? []).find((h, k) => h.dev !== undefined && hops[k] === undefined);
        if (lost) {
          io.log.error(
            { route: r.text, dev: lost.dev },
            `cannot ${op} route: interface ${lost.dev} not found; tried again at the next change`,
          );
          return;
        }
        try {
          const changed = op === "add" ? await nl.addRoute(r, oif, hops) : await nl.delRoute(r, oif, hops);
          io.log[changed ? "info" : "debug"]({ route: r.text, changed }, op === "add" ? "route added" : "route removed");
        } catch (e) {
          io.log.error({ route: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `route ${op} failed; continuing`);
        }
      };
      const rule = async (r: RuleSpec) => {
        try {
          const changed = op === "add" ? await nl.addRule(r) : await nl.delRule(r);
          io.log[changed ? "info" : "debug"]({ rule: r.text, changed }, op === "add" ? "rule added" : "rule removed");
        } catch (e) {
          io.log.error({ rule: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `rule ${op} failed; continuing`);
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

  /** `repeat` rounds at once on every VIP interface, or on `only` (the instance spaces rounds: VrrpInstance announce). */
  private announce(io: InstanceIo, repeat: number, only?: string): void {
    for (const [ifname, vips] of this.vipsByInterface(io))
      if (only === undefined || ifname === only) this.announceOn(io, ifname, vips, repeat);
  }

  private vipsByInterface(io: InstanceIo, only: readonly ResolvedVip[] = io.vips): Map<string, Uint8Array[]> {
    const byIf = new Map<string, Uint8Array[]>();
    for (const v of only) byIf.set(v.ifname, [...(byIf.get(v.ifname) ?? []), v.bytes]);
    return byIf;
  }

  private announceOn(io: InstanceIo, ifname: string, vips: readonly Uint8Array[], repeat: number): void {
    const link = this.p.links.link(ifname);
    if (!link) return;
    const ll = this.p.links.linkLocal(link.index);
    try {
      const r = this.p.announcer.announce(
        { ifname, ifindex: link.index, mac: link.mac, ...(ll ? { linkLocal: ll, router: this.p.ipv6Forwarding(ifname) } : {}) },
        vips,
        repeat,
      );
      this.announcements += r.arp + r.na;
      io.log.debug({ dev: ifname, ...r }, "gratuitous ARP / unsolicited NA sent");
      if (r.skipped > 0) io.log.warn({ dev: ifname }, "no link-local address: unsolicited NA not sent");
      if (r.failed)
        io.log.warn({ dev: ifname, failed: r.failed, err: r.error }, "the kernel refused gratuitous ARP / NA frames; continuing");
    } catch (e) {
      io.log.error({ dev: ifname, ...errorFields(e) }, "cannot send gratuitous ARP / NA; continuing");
    }
  }

  /**
   * garp_extra_if (keepalived 2.2.7 vrrp.c vrrp_send_vmac_update): one gratuitous ARP / NA for the
   * first VIP on each other interface; vrrp/garp-extra.ts decides which.
   */
  private announceExtra(io: InstanceIo): void {
    const g = io.spec.garpExtraIf;
    if (!g) return;
    const vmac = io.spec.vmac?.name;
    const targets = extraGarpTargets(io.vips, vmac ?? io.spec.interface, {
      all: g.all,
      xmitBase: io.spec.vmac?.xmitBase ?? false,
      isVmac: (ifname) => ifname === vmac || (io.spec.addrVmacs ?? []).some((m) => m.name === ifname),
    });
    for (const [ifname, vips] of this.vipsByInterface(io, targets)) this.announceOn(io, ifname, vips, 1);
  }

  private onState(io: InstanceIo, from: State, to: State, reason: string): void {
    // keepalived's words (vrrp.c, vrrp_scheduler.c vrrp_init_state), so log greps and alerts written
    // for keepalived keep firing; `kl` makes the text the message alone.
    const name = io.spec.name;
    const msg =
      to === "INIT"
        ? `stopped, was ${from}` // not keepalived's words (kl false): the text streams prefix "(NAME) "
        : `(${name}) Entering ${to} STATE${from === "INIT" && to !== "MASTER" ? " (init)" : ""}`;
    io.log.info({ from, to, transition: `${from} -> ${to}`, reason, priority: io.ri.vi.effectivePriority, kl: to !== "INIT" }, msg);
    let word: NotifyWord = notifyWord(to);
    // keepalived 2.2.7 vrrp.c clear_diff_vrrp, vrrp_notify.c send_instance_notifies: an instance a
    // reload deletes is notified FAULT (nothing if it was in FAULT already), or DELETED with
    // notify_deleted (its script, if given, instead of notify_fault). Measured with 2.2.7: the
    // scripts run, but no notify FIFO line is written for it (the FIFO is reopened by the reload).
    const deleted = io.deleted && to === "INIT";
    if (deleted) {
      if (!io.spec.notifyDeleted && from === "FAULT") return;
      word = io.spec.notifyDeleted ? "DELETED" : "FAULT";
    }
    const priority = String(io.ri.vi.effectivePriority);
    this.notifyState(io.spec.name, io.spec.notify, word, ["INSTANCE", io.spec.name, word, priority], {
      instance: io.spec.name,
      state: word,
    });
    if (!deleted) this.p.fifo.write(fifoLine("INSTANCE", io.spec.name, word, io.ri.vi.effectivePriority));
    this.p.snmp?.instanceState(io.spec.name, to, reason);
  }

  private groupState(group: string, state: State): void {
    const word = notifyWord(state);
    // keepalived vrrp_sync.c: "VRRP_Group(%s) Syncing instances to %s state".
    if (word === "STOP") this.p.log.info({ group, state: word }, `VRRP_Group(${group}) stopped`);
    else this.p.log.info({ group, state: word, kl: true }, `VRRP_Group(${group}) Syncing instances to ${word} state`);
    const n = this.p.groupNotify(group);
    if (n) this.notifyState(`group:${group}`, n, word, ["GROUP", group, word, "0"], { group, state: word });
    this.p.fifo.write(fifoLine("GROUP", group, word, 0));
    this.p.snmp?.groupState(group, state);
  }

  /** keepalived notify.c: the state's own script (no arguments), then the generic `notify` with TYPE NAME STATE PRIORITY. */
  private notifyState(key: string, n: NotifyScripts, word: NotifyWord, genericArgs: string[], fields: Record<string, unknown>): void {
    const specific = { MASTER: n.master, BACKUP: n.backup, FAULT: n.fault, STOP: n.stop, DELETED: n.deleted }[word];
    if (specific) this.p.notify.enqueue({ key, script: specific, extraArgs: [], fields });
    if (n.generic) this.p.notify.enqueue({ key, script: n.generic, extraArgs: genericArgs, fields });
  }

  private dropped(ri: RouterInstance, code: DropCode, detail: string): void {
    this.p.ioOf(ri)?.log.warn({ code, detail, dropsSoFar: ri.receiveDrops }, "advert dropped (each reason logged at most every 10 s)");
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

type NotifyWord = "MASTER" | "BACKUP" | "FAULT" | "STOP" | "DELETED";

/** keepalived's word for a state in notifications: INIT is STOP. */
function notifyWord(state: State): NotifyWord {
  return state === "INIT" ? "STOP" : state;
}
