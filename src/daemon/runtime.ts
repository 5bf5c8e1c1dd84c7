// The one place where the protocol core's actions meet sockets, netlink and processes.
// Each configured instance gets a VrrpInstance (pure), a shared AdvertSocket for its interface and
// family, an encoder, a timer, and serialised netlink operations for its VIPs.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { DaemonConfig, InstanceSpec, VipSpec } from "../config/model.js";
import { AdvertSocket, VRRP_GROUP_V4, VRRP_GROUP_V6, type ReceivedAdvert } from "../net/advert-socket.js";
import { Announcer } from "../net/announce.js";
import { Rtnl, type AddressEvent, type AddressInfo, type LinkEvent, type LinkInfo, type VipRequest } from "../netlink/rtnl.js";
import { addressBytes, formatAddress, sameAddressBytes, type Family } from "../vrrp/address.js";
import { VrrpInstance, type Action, type InstanceConfig, type State } from "../vrrp/instance.js";
import { AUTH_NONE, AUTH_PASS, AdvertEncoder, decodeAdvert, passwordBytes, type DropCode } from "../vrrp/packet.js";
import type { Logger } from "./log.js";
import { NotifyRunner } from "./notify.js";
import { Tracking } from "./tracking.js";
import { nativeHelper, type NativeHelperError } from "../native/helper.js";
import { LatenessWindow } from "./lateness.js";
import { effectivePriority, type WeightedTracker } from "../health/tracker.js";

interface ResolvedVip {
  readonly spec: VipSpec;
  readonly ifname: string;
  readonly bytes: Uint8Array;
  /** virtual_ipaddress_excluded: added and removed with the VIPs, never in the advert. */
  readonly excluded: boolean;
}

class InstanceRuntime {
  vi: VrrpInstance;
  encoder?: AdvertEncoder;
  src?: Uint8Array;
  socket?: AdvertSocket;
  timer?: NodeJS.Timeout;
  holdsVips = false;
  readonly peers: Uint8Array[];
  vips: ResolvedVip[];
  readonly socketDrops: Partial<Record<DropCode, number>> = {};
  ops: Promise<void> = Promise.resolve();
  /** Last drop log per reason: each reason is logged at most every 10 s. */
  readonly lastDropLog = new Map<DropCode, number>();
  /** VRRPv3 IPv4 unicast: 224.0.0.18 in the checksum's pseudo-header (keepalived's old form). */
  oldUnicastChecksum: boolean;

  constructor(public spec: InstanceSpec, config: InstanceConfig, readonly log: Logger) {
    this.vi = new VrrpInstance(config);
    this.peers = spec.unicastPeers.map((p) => addressBytes(p));
    this.vips = resolveVips(spec);
    this.oldUnicastChecksum = spec.unicastChecksum === "old";
  }

  get key(): string {
    return instanceKey(this.spec);
  }
}

/** The instance timer is a timeout or, in its last millisecond, an immediate. */
function stopTimer(ir: InstanceRuntime): void {
  if (!ir.timer) return;
  clearTimeout(ir.timer);
  clearImmediate(ir.timer as unknown as NodeJS.Immediate);
  ir.timer = undefined;
}

function resolveVips(spec: InstanceSpec): ResolvedVip[] {
  const resolve = (v: VipSpec, excluded: boolean): ResolvedVip => ({ spec: v, ifname: v.dev ?? spec.interface, bytes: addressBytes(v.address), excluded });
  return [...spec.vips.map((v) => resolve(v, false)), ...spec.excludedVips.map((v) => resolve(v, true))];
}

/** keepalived matches instances across reloads by these, not by name. */
export function instanceKey(s: InstanceSpec): string {
  return [s.vrid, s.family, s.interface, s.unicastSrcIp ?? "", s.unicastPeers.length > 0 ? "unicast" : "multicast"].join("/");
}

export interface RuntimeOptions {
  readonly log: Logger;
}

export class Runtime {
  private readonly rtnl = new Rtnl();
  private readonly announcer = new Announcer();
  private readonly sockets = new Map<string, AdvertSocket>();
  private readonly links = new Map<string, LinkInfo>();
  private addresses: AddressInfo[] = [];
  private instances: InstanceRuntime[] = [];
  private readonly notify: NotifyRunner;
  private tracking: Tracking;
  private readonly log: Logger;
  private readonly groupStates = new Map<string, State>();
  private syncing = false;
  /** Adverts for VRIDs no instance runs, per interface/family. */
  unknownVrid = 0;
  private stopping = false;

  constructor(private config: DaemonConfig, private readonly options: RuntimeOptions) {
    this.log = options.log;
    this.notify = new NotifyRunner(options.log, config.global);
    this.tracking = new Tracking(config, options.log, (name) => this.onCheckChange(name));
  }

  now(): number {
    return performance.now();
  }

  async start(): Promise<void> {
    for (const l of await this.rtnl.links()) this.links.set(l.name, l);
    this.addresses = await this.rtnl.addresses();
    this.rtnl.watch((e) => this.onNetlink(e));
    // Every tracked check runs once before the instances start, so none starts on a guess.
    await this.tracking.start();
    this.notify.prepareAll(this.config);
    const delay = this.config.global.startupDelayMs ?? 0;
    if (delay > 0) {
      this.log.info({ delayMs: delay }, "vrrp_startup_delay: instances start after the delay");
      await new Promise((r) => setTimeout(r, delay));
    }
    for (const spec of this.config.instances) await this.startInstance(spec);
    try {
      nativeHelper();
    } catch (e) {
      this.log.error({ code: (e as NativeHelperError).code, err: (e as Error).message }, "sockets are not close-on-exec and scripts may inherit them");
    }
    this.log.info({ instances: this.instances.length }, "tsvrrpd started");
  }

  private toInstanceConfig(spec: InstanceSpec, primary: Uint8Array): InstanceConfig {
    return {
      name: spec.name,
      vrid: spec.vrid,
      version: spec.version,
      family: spec.family,
      priority: spec.priority,
      advertIntervalCs: spec.advertIntervalCs,
      vips: spec.vips.map((v) => addressBytes(v.address)),
      primaryAddress: primary,
      initialState: spec.initialState,
      nopreempt: spec.nopreempt,
      preemptDelayMs: spec.preemptDelayMs,
      authType: spec.authPass !== undefined ? AUTH_PASS : AUTH_NONE,
      authKey: passwordBytes(spec.authPass ?? ""),
      garp: spec.garp,
      lowerPrioNoAdvert: spec.lowerPrioNoAdvert,
      downTimerAdverts: spec.downTimerAdverts,
    };
  }

  /** Source address keepalived would use: configured, else the interface's first IPv4 / link-local IPv6. */
  private sourceFor(spec: InstanceSpec, link: LinkInfo | undefined): Uint8Array | undefined {
    const configured = spec.unicastSrcIp ?? spec.mcastSrcIp;
    if (configured) return addressBytes(configured);
    if (!link) return undefined;
    const vipSet = [...spec.vips, ...spec.excludedVips].map((v) => addressBytes(v.address));
    const mine = this.addresses.filter((a) => a.index === link.index && a.family === spec.family && !vipSet.some((v) => sameAddressBytes(v, a.address)));
    const pick = spec.family === 4 ? mine.find((a) => a.scope === 0) ?? mine[0] : mine.find((a) => a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80);
    return pick ? Uint8Array.from(pick.address) : undefined;
  }

  private async startInstance(spec: InstanceSpec): Promise<InstanceRuntime> {
    const log = this.log.child({ instance: spec.name, vrid: spec.vrid, interface: spec.interface });
    const link = this.links.get(spec.interface);
    const src = this.sourceFor(spec, link);
    const placeholder = spec.family === 4 ? new Uint8Array(4) : new Uint8Array(16);
    const ir = new InstanceRuntime(spec, this.toInstanceConfig(spec, src ?? placeholder), log);
    this.instances.push(ir);
    const now = this.now();
    if (!link) {
      log.error({ code: "NO_INTERFACE" }, `interface ${spec.interface} not found; instance stays in FAULT until it appears`);
      this.apply(ir, ir.vi.handle({ type: "link", up: false, ifname: spec.interface }, now));
    } else {
      if (!link.up && !spec.dontTrackPrimary) this.apply(ir, ir.vi.handle({ type: "link", up: false, ifname: spec.interface }, now));
      try {
        this.attach(ir, link, src);
      } catch (e) {
        log.error({ code: (e as { code?: string }).code, err: (e as Error).message }, "cannot open the advert socket; instance stays in FAULT");
        this.apply(ir, ir.vi.handle({ type: "health", ok: false, source: "socket" }, now));
      }
    }
    for (const t of spec.trackInterfaces) {
      const l = this.links.get(t.name);
      if (!l) log.warn({ track: t.name }, `tracked interface ${t.name} not found; counts as down`);
      // weight 0: FAULT while down, or while up with `reverse` (keepalived_netlink.c).
      if (!t.weight && Boolean(l?.up) === Boolean(t.reverse)) this.apply(ir, ir.vi.handle({ type: "link", up: false, ifname: t.name }, now));
    }
    await this.removeLeftoverVips(ir);
    this.refreshTracking(ir);
    this.apply(ir, ir.vi.handle({ type: "startup" }, this.now()));
    return ir;
  }

  /** Binds the instance to its interface: source address, encoder, shared socket. */
  private attach(ir: InstanceRuntime, link: LinkInfo, src: Uint8Array | undefined): void {
    const { spec } = ir;
    if (!src) {
      ir.log.error({ code: "NO_SOURCE_ADDRESS" }, `no IPv${spec.family} source address on ${spec.interface}; instance stays in FAULT until one is added`);
      this.apply(ir, ir.vi.handle({ type: "health", ok: false, source: "source-address" }, this.now()));
      return;
    }
    ir.src = src;
    const group = spec.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6;
    ir.encoder = new AdvertEncoder({
      version: spec.version,
      family: spec.family,
      vrid: spec.vrid,
      addresses: ir.vips.filter((v) => !v.excluded).map((v) => v.bytes),
      authType: spec.authPass !== undefined ? AUTH_PASS : AUTH_NONE,
      authKey: passwordBytes(spec.authPass ?? ""),
      src,
      dst: ir.oldUnicastChecksum ? VRRP_GROUP_V4 : ir.peers[0] ?? group,
      v3ChecksumAsV2: spec.v3ChecksumAsV2,
    });
    const key = `${spec.interface}/${spec.family}`;
    let sock = this.sockets.get(key);
    if (!sock) {
      sock = new AdvertSocket(
        { ifname: spec.interface, ifindex: link.index, family: spec.family, mac: link.mac },
        (rx) => this.onAdvert(rx),
        (err) => this.log.warn({ interface: spec.interface, code: (err as { code?: string }).code, err: err.message }, "advert socket error; continuing"),
      );
      this.sockets.set(key, sock);
    }
    ir.socket = sock;
    for (const v of ir.vips) {
      try {
        this.announcer.prepare(v.ifname);
      } catch (e) {
        ir.log.warn({ dev: v.ifname, err: (e as Error).message }, "cannot open packet injection for gratuitous ARP / NA; takeovers will not announce");
      }
    }
  }

  private async removeLeftoverVips(ir: InstanceRuntime): Promise<void> {
    for (const v of ir.vips) {
      const link = this.links.get(v.ifname);
      if (!link) continue;
      const present = this.addresses.some((a) => a.index === link.index && sameAddressBytes(a.address, v.bytes));
      if (!present) continue;
      ir.log.warn({ vip: v.spec.address, dev: v.ifname }, "VIP left behind on the interface (earlier crash?); removing it before joining as BACKUP");
      try {
        await this.rtnl.delAddress(this.vipRequest(v, link));
      } catch (e) {
        ir.log.error({ vip: v.spec.address, err: (e as Error).message }, "could not remove leftover VIP");
      }
    }
  }

  private vipRequest(v: ResolvedVip, link: LinkInfo): VipRequest {
    const s = v.spec;
    return {
      index: link.index,
      family: s.family,
      address: v.bytes,
      prefix: s.prefix,
      ...(s.label ? { label: s.label } : {}),
      ...(s.scope ? { scope: s.scope } : {}),
      ...(s.broadcast ? { broadcast: addressBytes(s.broadcast) } : {}),
      ...(s.peer ? { peer: addressBytes(s.peer) } : {}),
      ...(s.flags ? { flags: s.flags } : {}),
      ...(s.preferredLft !== undefined ? { preferredLft: s.preferredLft } : {}),
    };
  }

  // --- receive path ------------------------------------------------------------------------------

  private onAdvert(rx: ReceivedAdvert): void {
    if (rx.payload.length < 2) return;
    const vrid = rx.payload[1]!;
    let matched = false;
    for (const ir of this.instances) {
      const s = ir.spec;
      if (s.vrid !== vrid || s.family !== rx.family || s.interface !== rx.ifname) continue;
      const unicast = ir.peers.length > 0;
      if (unicast === rx.multicast) continue; // a multicast instance does not take unicast adverts and vice versa
      matched = true;
      // RFC 5798 7.1 / keepalived: multicast adverts must arrive with TTL / hop limit 255;
      // unicast ones may cross routers (keepalived checks them only with min_ttl/max_ttl).
      if (rx.multicast && rx.ttl !== 255) {
        this.dropped(ir, "BAD_TTL", `TTL/hop limit ${rx.ttl} from ${formatAddress(rx.src)}, expect 255`);
        continue;
      }
      // keepalived vrrp.c vrrp_check_packet: the unicast source (and its min_ttl/max_ttl) is
      // checked only with check_unicast_src / vrrp_check_unicast_src; otherwise any source counts.
      if (unicast && s.checkUnicastSrc) {
        const k = ir.peers.findIndex((p) => sameAddressBytes(p, rx.src));
        if (k < 0) {
          this.dropped(ir, "NOT_PEER", `unicast advert from ${formatAddress(rx.src)}, not a unicast_peer (check_unicast_src)`);
          continue;
        }
        const ttl = s.unicastPeerTtl[k] ?? { min: 0, max: 255 };
        if (rx.ttl < ttl.min || rx.ttl > ttl.max) {
          this.dropped(ir, "BAD_TTL", `TTL/HL ${rx.ttl} from ${formatAddress(rx.src)} not in range [${ttl.min}, ${ttl.max}]`);
          continue;
        }
      }
      const r = this.decode(ir, rx);
      if (!r.ok) {
        this.dropped(ir, r.code, `${r.detail} (from ${formatAddress(rx.src)})`);
        continue;
      }
      // A master it would not preempt: this member no longer wants MASTER (keepalived wantstate).
      if (r.advert.priority >= ir.vi.effectivePriority || (ir.spec.nopreempt && r.advert.priority > 0)) this.wantsMaster.delete(ir);
      this.apply(ir, ir.vi.handle({ type: "advert", advert: r.advert, source: rx.src }, this.now()));
    }
    if (!matched) this.unknownVrid++;
  }

  /**
   * VRRPv3 IPv4 unicast checksums (keepalived vrrp.c vrrp_in_chk): the old form puts 224.0.0.18 in
   * the pseudo-header instead of the real destination. Unless told `never`, an instance that hears
   * a peer using it switches to it for sending too, as keepalived >= 1.3.7 does.
   * Difference: with `old_unicast_checksum` keepalived rejects the new form; we accept it (a peer
   * we can verify is not a reason for two masters) and keep sending the old form.
   */
  private decode(ir: InstanceRuntime, rx: ReceivedAdvert): ReturnType<typeof decodeAdvert> {
    const opts = { v3ChecksumAsV2: ir.spec.v3ChecksumAsV2 };
    const compat = rx.family === 4 && !rx.multicast && ir.spec.version === 3;
    const first = compat && ir.oldUnicastChecksum ? VRRP_GROUP_V4 : rx.dst;
    const r = decodeAdvert(rx.payload, rx.family, rx.src, first, opts);
    if (r.ok || r.code !== "BAD_CHECKSUM" || !compat || ir.spec.unicastChecksum === "never") return r;
    const other = decodeAdvert(rx.payload, rx.family, rx.src, first === rx.dst ? VRRP_GROUP_V4 : rx.dst, opts);
    if (!other.ok) return r;
    if (!ir.oldUnicastChecksum) {
      ir.oldUnicastChecksum = true;
      ir.encoder?.setDestination(VRRP_GROUP_V4);
      ir.log.info({ peer: formatAddress(rx.src) }, "Setting unicast VRRPv3 checksum to old version (the peer uses 224.0.0.18 in the pseudo-header); sending that form from now on");
    }
    return other;
  }

  private dropped(ir: InstanceRuntime, code: DropCode, detail: string): void {
    ir.socketDrops[code] = (ir.socketDrops[code] ?? 0) + 1;
    const now = this.now();
    if (now - (ir.lastDropLog.get(code) ?? -Infinity) >= 10_000) {
      ir.lastDropLog.set(code, now);
      ir.log.warn({ code, detail, dropsSoFar: ir.socketDrops }, "advert dropped (each reason logged at most every 10 s)");
    }
  }

  // --- actions -----------------------------------------------------------------------------------

  private apply(ir: InstanceRuntime, actions: Action[]): void {
    const transitions: [State, State][] = [];
    for (const a of actions) {
      switch (a.type) {
        case "send-advert":
          this.sendAdvert(ir, a.priority, a.intervalCs);
          break;
        case "add-vips":
          ir.holdsVips = true;
          this.vipOps(ir, "add");
          break;
        case "remove-vips":
          ir.holdsVips = false;
          this.vipOps(ir, "remove");
          break;
        case "announce":
          // The advert before it in this batch has already left (sends are synchronous):
          // the old master drops its VIPs before our gratuitous ARPs arrive, as keepalived orders them.
          this.announce(ir, a.repeat);
          break;
        case "state":
          this.onState(ir, a.from, a.to, a.reason);
          transitions.push([a.from, a.to]);
          break;
        case "log":
          ir.log[a.level](a.fields ?? {}, a.msg);
          break;
      }
    }
    this.schedule(ir);
    for (const [from, to] of transitions) this.afterTransition(ir, from, to);
  }

  private sendAdvert(ir: InstanceRuntime, priority: number, intervalCs: number): void {
    const { encoder, socket, src } = ir;
    if (!encoder || !socket) return;
    if (ir.peers.length === 0) {
      socket.send(encoder.encode(priority, intervalCs), src, ir.spec.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6);
      return;
    }
    for (const peer of ir.peers) {
      if (!ir.oldUnicastChecksum) encoder.setDestination(peer);
      socket.send(encoder.encode(priority, intervalCs), src, peer);
    }
  }

  private vipOps(ir: InstanceRuntime, op: "add" | "remove"): void {
    this.vipOpsFor(ir, op, ir.vips);
  }

  private vipOpsFor(ir: InstanceRuntime, op: "add" | "remove", vips: readonly ResolvedVip[]): void {
    ir.ops = ir.ops.then(async () => {
      for (const v of vips) {
        const link = this.links.get(v.ifname);
        if (!link) {
          ir.log.error({ vip: v.spec.address, dev: v.ifname }, `cannot ${op} VIP: interface ${v.ifname} not found`);
          continue;
        }
        try {
          const changed = op === "add" ? await this.rtnl.addAddress(this.vipRequest(v, link)) : await this.rtnl.delAddress(this.vipRequest(v, link));
          ir.log.info({ vip: `${v.spec.address}/${v.spec.prefix}`, dev: v.ifname, changed }, op === "add" ? "VIP added" : "VIP removed");
        } catch (e) {
          ir.log.error({ vip: v.spec.address, dev: v.ifname, code: (e as { code?: string }).code, err: (e as Error).message }, `VIP ${op} failed; continuing`);
        }
      }
    });
  }

  /**
   * vrrp_garp_interval / vrrp_gna_interval: rounds spaced by the larger of the two (keepalived
   * spaces ARP and NA separately, per interface); 0 sends the whole burst at once.
   */
  private announce(ir: InstanceRuntime, repeat: number): void {
    const gap = Math.max(this.config.global.garpIntervalMs ?? 0, this.config.global.gnaIntervalMs ?? 0);
    if (gap <= 0 || repeat <= 1) {
      this.announceNow(ir, repeat);
      return;
    }
    this.announceNow(ir, 1);
    let left = repeat - 1;
    const next = (): void => {
      if (this.stopping || ir.vi.state !== "MASTER") return;
      this.announceNow(ir, 1);
      if (--left > 0) setTimeout(next, gap).unref();
    };
    setTimeout(next, gap).unref();
  }

  private announceNow(ir: InstanceRuntime, repeat: number): void {
    const byIf = new Map<string, Uint8Array[]>();
    for (const v of ir.vips) byIf.set(v.ifname, [...(byIf.get(v.ifname) ?? []), v.bytes]);
    for (const [ifname, vips] of byIf) {
      const link = this.links.get(ifname);
      if (!link) continue;
      const ll = this.addresses.find((a) => a.index === link.index && a.family === 6 && a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80);
      try {
        const r = this.announcer.announce({ ifname, mac: link.mac, ...(ll ? { linkLocal: ll.address, router: ipv6Forwarding(ifname) } : {}) }, vips, repeat);
        ir.log.debug({ dev: ifname, ...r }, "gratuitous ARP / unsolicited NA sent");
        if (r.skipped > 0) ir.log.warn({ dev: ifname }, "no link-local address: unsolicited NA not sent");
      } catch (e) {
        ir.log.error({ dev: ifname, err: (e as Error).message }, "cannot send gratuitous ARP / NA; continuing");
      }
    }
  }

  private onState(ir: InstanceRuntime, from: State, to: State, reason: string): void {
    ir.log.info({ from, to, reason, priority: ir.vi.effectivePriority }, `state ${from} -> ${to}`);
    const state = to === "INIT" ? "STOP" : to;
    const n = ir.spec.notify;
    const specific = { MASTER: n.master, BACKUP: n.backup, FAULT: n.fault, STOP: n.stop }[state];
    const fields = { instance: ir.spec.name, state };
    if (specific) this.notify.enqueue({ key: ir.spec.name, script: specific, extraArgs: [], fields });
    if (n.generic) this.notify.enqueue({ key: ir.spec.name, script: n.generic, extraArgs: ["INSTANCE", ir.spec.name, state, String(ir.vi.effectivePriority)], fields });
  }

  /**
   * One timer per instance at its next deadline. Node's timers have millisecond granularity and
   * fire late rather than early; the master-down timer decides the failover gap, so when it is
   * the one due, the last two milliseconds are waited out on the event loop (setImmediate) instead.
   * An advert timer firing within a millisecond early is taken as due: a slightly early advert is
   * harmless, and its schedule stays anchored to the deadline, not to the clock.
   */
  private schedule(ir: InstanceRuntime): void {
    stopTimer(ir);
    const due = ir.vi.nextDeadline();
    if (due === undefined || this.stopping) return;
    const precise = ir.vi.state === "BACKUP";
    const advertDue = ir.vi.state === "MASTER" ? ir.vi.armed().advert : undefined;
    const fire = (): void => {
      ir.timer = undefined;
      if (this.stopping || ir.vi.nextDeadline() !== due) return;
      let now = this.now();
      if (now < due) {
        if (precise && due - now < 3) {
          ir.timer = setImmediate(fire) as unknown as NodeJS.Timeout;
          return;
        }
        if (!precise && due - now <= 1) now = due;
        else {
          ir.timer = setTimeout(fire, Math.max(0, Math.floor(due - now - (precise ? 2 : 0))));
          return;
        }
      }
      if (advertDue !== undefined && advertDue <= now) this.recordLateness(ir, now - advertDue);
      if (ir.vi.masterDownDue(now) && !this.syncCanGoMaster(ir, now)) return;
      this.apply(ir, ir.vi.handle({ type: "timer" }, now));
    };
    ir.timer = setTimeout(fire, Math.max(0, Math.floor(due - this.now() - (precise ? 2 : 0))));
  }

  /** How late advert timers fired as MASTER (ms), the last samples of every instance. */
  private readonly lateness = new LatenessWindow();

  private recordLateness(ir: InstanceRuntime, ms: number): void {
    this.lateness.add(ms);
    for (const l of this.latenessListeners) l(ir.spec.name, ms);
  }

  readonly latenessListeners: ((instance: string, ms: number) => void)[] = [];

  /** Advert send lateness over the recent window, all instances: p50, p99, max (ms). */
  jitter(): { samples: number; p50: number; p99: number; max: number } {
    return this.lateness.summary();
  }

  // --- tracking and sync groups -------------------------------------------------------------------

  /** Feeds tracker states to the instance: weight 0 = FAULT while failed, others move the priority. */
  private refreshTracking(ir: InstanceRuntime): void {
    const now = this.now();
    const weighted: WeightedTracker[] = [];
    for (const t of ir.spec.trackScripts) {
      const state = this.tracking.state(t.name);
      if (!state) continue; // disabled (security, missing): not tracked, as keepalived
      const script = this.config.scripts.find((x) => x.name === t.name);
      const weight = t.weight ?? script?.weight ?? 0;
      // vrrp_track.c: the entry's reverse/noreverse, else the vrrp_script's own.
      const reverse = t.reverse ?? script?.weightReverse ?? false;
      if (weight === 0) this.apply(ir, ir.vi.handle({ type: "health", ok: (state === "OK") !== reverse, source: t.name }, now));
      else weighted.push({ weight, state, reverse });
    }
    for (const t of ir.spec.trackInterfaces) {
      if (!t.weight) continue;
      weighted.push({ weight: t.weight, state: this.links.get(t.name)?.up ? "OK" : "FAILED", reverse: t.reverse ?? false });
    }
    const p = effectivePriority(ir.spec.priority, weighted);
    if (p !== ir.vi.effectivePriority) this.apply(ir, ir.vi.handle({ type: "priority", effective: p }, now));
  }

  private onCheckChange(name: string): void {
    for (const ir of this.instances) if (ir.spec.trackScripts.some((t) => t.name === name)) this.refreshTracking(ir);
  }

  /** Sync group members whose down timer expired while another member did not want MASTER. */
  private readonly wantsMaster = new Set<InstanceRuntime>();

  /**
   * keepalived vrrp_sync.c vrrp_sync_can_goto_master: a member goes MASTER only when every other
   * member is MASTER or wants MASTER too; otherwise it waits in BACKUP with a fresh down timer.
   */
  private syncCanGoMaster(ir: InstanceRuntime, now: number): boolean {
    const g = this.groupOf(ir);
    if (!g) return true;
    const others = g.members.filter((m) => m !== ir);
    if (others.every((m) => m.vi.state === "MASTER" || this.wantsMaster.has(m) || m.vi.masterDownDue(now))) return true;
    if (!this.wantsMaster.has(ir)) ir.log.info({ group: g.name }, `sync group ${g.name}: wants MASTER, waiting until every member does (as keepalived)`);
    this.wantsMaster.add(ir);
    this.apply(ir, ir.vi.handle({ type: "sync-wait", group: g.name }, now));
    return false;
  }

  private groupOf(ir: InstanceRuntime): { name: string; members: InstanceRuntime[] } | undefined {
    const g = this.config.syncGroups.find((x) => x.members.includes(ir.spec.name));
    if (!g) return undefined;
    return { name: g.name, members: this.instances.filter((i) => g.members.includes(i.spec.name)) };
  }

  /** keepalived sync groups: a member's FAULT pulls the group to FAULT; a member yielding MASTER takes the others along. */
  private afterTransition(ir: InstanceRuntime, from: State, to: State): void {
    if (to !== "BACKUP") this.wantsMaster.delete(ir);
    const g = this.groupOf(ir);
    if (!g || this.syncing) return;
    this.syncing = true;
    try {
      const now = this.now();
      const source = `sync:${g.name}`;
      const ownFaults = (i: InstanceRuntime) => i.vi.faultReasons.filter((r) => r !== `check:${source}`).length > 0;
      if (to === "FAULT" && ownFaults(ir)) {
        for (const m of g.members) if (m !== ir) this.apply(m, m.vi.handle({ type: "health", ok: false, source }, now));
      } else if (from === "FAULT" && !g.members.some(ownFaults)) {
        for (const m of g.members) this.apply(m, m.vi.handle({ type: "health", ok: true, source }, now));
      }
      if (from === "MASTER" && to === "BACKUP") {
        for (const m of g.members) if (m !== ir) this.apply(m, m.vi.handle({ type: "sync-backup", group: g.name }, now));
      }
      // vrrp_sync.c vrrp_sync_master: one member went MASTER with the whole group wanting it.
      if (to === "MASTER") {
        for (const m of g.members) if (m !== ir && this.wantsMaster.has(m)) this.apply(m, m.vi.handle({ type: "sync-master", group: g.name }, now));
      }
    } finally {
      this.syncing = false;
    }
    this.notifyGroup(g);
  }

  private notifyGroup(g: { name: string; members: InstanceRuntime[] }): void {
    const states = g.members.map((m) => m.vi.state);
    const state: State = states.includes("FAULT") ? "FAULT" : states.every((s) => s === "MASTER") ? "MASTER" : states.every((s) => s === "INIT") ? "INIT" : "BACKUP";
    if (this.groupStates.get(g.name) === state) return;
    this.groupStates.set(g.name, state);
    const spec = this.config.syncGroups.find((x) => x.name === g.name);
    if (!spec) return;
    const word = state === "INIT" ? "STOP" : state;
    this.log.info({ group: g.name, state: word }, `sync group ${g.name} is ${word}`);
    const n = spec.notify;
    const specific = { MASTER: n.master, BACKUP: n.backup, FAULT: n.fault, STOP: n.stop }[word];
    const fields = { group: g.name, state: word };
    if (specific) this.notify.enqueue({ key: `group:${g.name}`, script: specific, extraArgs: [], fields });
    if (n.generic) this.notify.enqueue({ key: `group:${g.name}`, script: n.generic, extraArgs: ["GROUP", g.name, word, "0"], fields });
  }

  // --- netlink events ----------------------------------------------------------------------------

  private onNetlink(e: LinkEvent | AddressEvent): void {
    if (e.kind === "link") this.onLink(e);
    else this.onAddress(e);
  }

  private onLink(e: LinkEvent): void {
    const { link } = e;
    const before = [...this.links.values()].find((l) => l.index === link.index);
    if (e.removed) {
      if (before) this.links.delete(before.name);
    } else {
      if (before && before.name !== link.name) {
        this.links.delete(before.name); // renamed: the old name is gone
        this.announcer.forget(before.name);
      }
      this.links.set(link.name, link);
    }
    // The interface the sockets were bound to is gone or no longer carries their name: unbind, so
    // whatever interface carries the configured name next (this one renamed back, or another
    // index) gets fresh sockets (keepalived_netlink.c, netlink_if_link_filter: a renamed
    // interface is dropped with cleanup_lost_interface and a new interface_t is made).
    if (before && (e.removed || before.name !== link.name)) this.unbindSockets(before);
    const now = this.now();
    if (!e.removed && link.up && before && !before.up) this.reopenPcap(link.name);
    const names = new Set([link.name, ...(before ? [before.name] : [])]);
    for (const ir of this.instances) {
      for (const name of names) {
        const present = this.links.get(name);
        const up = Boolean(present && present.up);
        // dont_track_primary (keepalived vrrp_if.c): the own link going down or up is not a
        // FAULT source, though the interface disappearing still is (nothing to send on).
        const own = ir.spec.interface === name;
        const tracked = ir.spec.trackInterfaces.find((t) => t.name === name);
        if (tracked?.weight) {
          this.refreshTracking(ir);
          continue;
        }
        if (!own && !tracked) continue;
        if (own && present && !ir.socket && up) {
          // The interface appeared (or came back): bind now.
          try {
            this.attach(ir, present, this.sourceFor(ir.spec, present));
          } catch (err) {
            ir.log.error({ err: (err as Error).message }, "cannot open the advert socket");
          }
        }
        if (own && ir.spec.dontTrackPrimary && present && !tracked) {
          // Present again after being gone: lift that fault; its carrier is not tracked.
          if (ir.vi.faultReasons.includes(`link:${name}`)) this.apply(ir, ir.vi.handle({ type: "link", up: true, ifname: name }, now));
          continue;
        }
        const ok = own || !tracked?.reverse ? up : !up;
        const wasOk = ir.vi.faultReasons.includes(`link:${name}`) === false;
        if (wasOk !== ok) {
          ir.log.warn({ link: name, up, removed: e.removed, ...(ok !== up ? { reverse: true } : {}) }, up ? `interface ${name} is up` : `interface ${name} is down or gone`);
          this.apply(ir, ir.vi.handle({ type: "link", up: ok, ifname: name }, now));
        }
      }
    }
  }

  private unbindSockets(gone: LinkInfo): void {
    for (const [key, sock] of this.sockets) {
      if (sock.options.ifindex !== gone.index) continue;
      sock.close();
      this.sockets.delete(key);
      for (const ir of this.instances) {
        if (ir.socket !== sock) continue;
        ir.socket = undefined;
        ir.encoder = undefined;
        ir.log.warn({ interface: gone.name, ifindex: gone.index }, `interface ${gone.name} was renamed or removed; the instance binds again when an interface named ${ir.spec.interface} is up`);
      }
    }
  }

  /** libpcap handles go deaf after their link went down: renew them when it is back up. */
  private reopenPcap(ifname: string): void {
    for (const sock of this.sockets.values()) {
      if (sock.options.ifname !== ifname) continue;
      try {
        sock.reopenCapture();
      } catch (err) {
        this.log.error({ interface: ifname, err: (err as Error).message }, "cannot reopen the IPv6 advert capture; IPv6 adverts on this link go unheard");
      }
    }
    this.announcer.forget(ifname);
    try {
      this.announcer.prepare(ifname);
    } catch (err) {
      this.log.error({ interface: ifname, err: (err as Error).message }, "cannot reopen packet injection; takeovers will not announce");
    }
  }

  private onAddress(e: AddressEvent): void {
    const a = e.address;
    if (e.removed) this.addresses = this.addresses.filter((x) => !(x.index === a.index && sameAddressBytes(x.address, a.address)));
    else if (!this.addresses.some((x) => x.index === a.index && sameAddressBytes(x.address, a.address))) this.addresses.push(a);
    if (this.stopping) return;
    const now = this.now();
    for (const ir of this.instances) {
      // A VIP deleted by hand while we are master is put back, as keepalived does.
      if (e.removed && ir.holdsVips && ir.vi.state === "MASTER") {
        const v = ir.vips.find((x) => sameAddressBytes(x.bytes, a.address) && this.links.get(x.ifname)?.index === a.index);
        if (v?.spec.noTrack) ir.log.warn({ vip: v.spec.address, dev: v.ifname }, "VIP removed by someone else; not restored (no_track)");
        else if (v) {
          ir.log.warn({ vip: v.spec.address, dev: v.ifname }, "VIP removed from the interface by someone else while MASTER; restoring it");
          this.vipOps(ir, "add");
        }
      }
      // A source address that appears lifts the no-source FAULT.
      if (!e.removed && !ir.src && ir.spec.interface && this.links.get(ir.spec.interface)?.index === a.index && a.family === ir.spec.family) {
        const link = this.links.get(ir.spec.interface)!;
        const src = this.sourceFor(ir.spec, link);
        if (src) {
          // The same instance, told its address: its trackers' faults and priority stay (a node
          // whose weight-0 check fails must not take over because its address came late).
          ir.vi.reconfigure({ ...ir.vi.config, primaryAddress: src });
          this.attach(ir, link, src);
          ir.log.info({ src: formatAddress(src) }, "source address available");
          this.apply(ir, ir.vi.handle({ type: "health", ok: true, source: "source-address" }, now));
        }
      }
    }
  }

  // --- operations --------------------------------------------------------------------------------

  /** Graceful stop: priority 0 from masters, VIPs removed, scripts notified, sockets closed. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.log.info({ reason }, "stopping");
    const now = this.now();
    for (const ir of this.instances) this.apply(ir, ir.vi.handle({ type: "shutdown" }, now));
    this.stopping = true;
    this.tracking.stop();
    for (const ir of this.instances) stopTimer(ir);
    await Promise.all(this.instances.map((ir) => ir.ops));
    // Let queued raw sends (the priority 0 adverts) leave before closing.
    await new Promise((r) => setTimeout(r, 20));
    await Promise.race([this.notify.idle(), new Promise((r) => setTimeout(r, 2000))]);
    this.close();
    this.log.info("stopped");
  }

  close(): void {
    this.tracking.stop();
    for (const ir of this.instances) stopTimer(ir);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.announcer.close();
    this.rtnl.close();
  }

  /**
   * SIGHUP: instances are matched by key (keepalived's rule). Matched ones keep their state and
   * take the new settings in place; a master applies VIP changes without leaving MASTER. Removed
   * ones stop (priority 0, VIPs released); new ones start.
   */
  async reload(next: DaemonConfig): Promise<void> {
    const now = this.now();
    const oldByKey = new Map(this.instances.map((ir) => [ir.key, ir]));
    const keep: InstanceRuntime[] = [];
    const toStart: InstanceSpec[] = [];
    let changed = 0;
    for (const spec of next.instances) {
      const old = oldByKey.get(instanceKey(spec));
      if (!old) {
        toStart.push(spec);
        continue;
      }
      oldByKey.delete(old.key);
      keep.push(old);
      if (!sameSpec(old.spec, spec)) {
        changed++;
        this.reconfigure(old, spec);
      }
    }
    for (const ir of oldByKey.values()) {
      ir.log.info("instance removed by reload; stopping it");
      this.apply(ir, ir.vi.handle({ type: "shutdown" }, now));
      stopTimer(ir);
    }
    await Promise.all([...oldByKey.values()].map((ir) => ir.ops));
    this.instances = keep;
    this.config = next;
    this.notify.prepareAll(next);
    // Scripts are re-read with the file; their rise/fall state starts afresh.
    this.tracking.stop();
    this.tracking = new Tracking(next, this.log, (name) => this.onCheckChange(name));
    await this.tracking.start();
    for (const ir of keep) this.refreshTracking(ir);
    for (const spec of toStart) await this.startInstance(spec);
    this.log.info({ kept: keep.length - changed, changed, started: toStart.length, stopped: oldByKey.size }, "configuration reloaded");
  }

  private reconfigure(ir: InstanceRuntime, spec: InstanceSpec): void {
    const oldVips = ir.vips;
    const newVips = resolveVips(spec);
    const gone = oldVips.filter((o) => !newVips.some((n) => n.ifname === o.ifname && sameAddressBytes(n.bytes, o.bytes)));
    const added = newVips.filter((n) => !oldVips.some((o) => o.ifname === n.ifname && sameAddressBytes(n.bytes, o.bytes)));
    ir.spec = spec;
    ir.vips = newVips;
    ir.vi.reconfigure(this.toInstanceConfig(spec, ir.src ?? ir.vi.config.primaryAddress));
    const link = this.links.get(spec.interface);
    if (link && ir.src) this.attach(ir, link, ir.src); // new encoder (VIPs, auth, interval)
    if (ir.holdsVips) {
      if (gone.length) this.vipOpsFor(ir, "remove", gone);
      if (added.length) this.vipOpsFor(ir, "add", added);
    }
    ir.log.info({ vipsAdded: added.length, vipsRemoved: gone.length, state: ir.vi.state }, "instance reconfigured by reload; state kept");
    this.schedule(ir);
  }

  checks(): ReturnType<Tracking["status"]> {
    return this.tracking.status();
  }

  status(): InstanceStatus[] {
    return this.instances.map((ir) => ({
      name: ir.spec.name,
      vrid: ir.spec.vrid,
      interface: ir.spec.interface,
      family: ir.spec.family,
      version: ir.spec.version,
      state: ir.vi.state,
      sinceMs: ir.vi.since,
      priority: ir.spec.priority,
      effectivePriority: ir.vi.effectivePriority,
      master: ir.vi.masterAddress ? formatAddress(ir.vi.masterAddress) : undefined,
      masterPriority: ir.vi.masterPriority,
      advertIntervalCs: ir.vi.masterAdverIntervalCs,
      vips: ir.vips.filter((v) => !v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
      excludedVips: ir.vips.filter((v) => v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
      holdsVips: ir.holdsVips,
      faults: ir.vi.faultReasons,
      stats: { ...ir.vi.stats, drops: sumDrops(ir.vi.stats.drops, ir.socketDrops) },
    }));
  }

  /** keepalived's SIGSTATS_CLEAR: counters start again from zero (vrrp_print.c vrrp_print_stats). */
  clearStats(): void {
    for (const ir of this.instances) {
      const st = ir.vi.stats;
      for (const k of Object.keys(st) as (keyof typeof st)[]) if (k !== "drops") st[k] = 0;
      for (const k of Object.keys(st.drops)) delete st.drops[k as DropCode];
      for (const k of Object.keys(ir.socketDrops)) delete ir.socketDrops[k as DropCode];
    }
  }
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  interface: string;
  family: Family;
  version: number;
  state: State;
  sinceMs: number;
  priority: number;
  effectivePriority: number;
  master: string | undefined;
  masterPriority: number;
  advertIntervalCs: number;
  vips: string[];
  excludedVips: string[];
  holdsVips: boolean;
  faults: readonly string[];
  stats: VrrpInstance["stats"];
}

/** keepalived vrrp_ndisc.c: the NA router flag follows the interface's IPv6 forwarding setting. */
function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/** The core's and the socket layer's drops, added per reason (both may count one code, e.g. BAD_TTL). */
export function sumDrops(...parts: Partial<Record<DropCode, number>>[]): Partial<Record<DropCode, number>> {
  const out: Partial<Record<DropCode, number>> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p) as [DropCode, number][]) out[k] = (out[k] ?? 0) + v;
  return out;
}

function sameSpec(a: InstanceSpec, b: InstanceSpec): boolean {
  const strip = (s: InstanceSpec) => JSON.stringify({ ...s, where: undefined, vips: s.vips.map((v) => ({ ...v, where: undefined })), excludedVips: s.excludedVips.map((v) => ({ ...v, where: undefined })), trackScripts: s.trackScripts.map((t) => ({ ...t, where: undefined })), trackInterfaces: s.trackInterfaces.map((t) => ({ ...t, where: undefined })) });
  return strip(a) === strip(b);
}
