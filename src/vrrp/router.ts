// Every instance of one host, and every decision that spans more than one (quinn-proto's Endpoint
// over its Connections): advert dispatch and receive policy, priority and FAULT from trackers,
// sync groups, reload. Pure: events in, actions out, time injected. The daemon carries the actions
// out on real sockets and netlink; the simulator on a virtual LAN.
import { compareAddressBytes, formatAddress, sameAddressBytes, type Family } from "./address.js";
import { faultLabel, type Action, type FaultSource, type InstanceEvent, type State } from "./instance-types.js";
import { effectivePriority, trackFileEffect, type TrackerState, type WeightedTracker } from "./priority.js";
import { ReceiveScratch, receive, sameDelivery, type Advert, type DropCode, type ReceivedPacket } from "./packet.js";
import {
  DROP_LOG_EVERY_MS,
  RouterInstance,
  type ReloadPlan,
  type RouterAction,
  type RouterConfig,
  type RouterEvent,
  type RouterInstanceSpec,
  type RouterSyncGroup,
} from "./router-types.js";
import { LinkDebounce, type LinkState } from "./link-debounce.js";
import { groupState, syncMayGoMaster } from "./sync-group.js";

/** The one timer event an instance is fed (immutable: no object per advert). */
const TIMER: InstanceEvent = { type: "timer" };

const NONE: readonly RouterInstance[] = [];

/**
 * Which of the router's instances an advert is for. Indexed by interface, family and VRID: a backup
 * of 1,020 instances hears 10,200 adverts a second, each matched against the instances of its own
 * interface, family and VRID (usually one), and no other instance's state is read for it.
 */
class VridIndex {
  /** Per interface name, by slot (`vrid` for IPv4, `256 + vrid` for IPv6): only the slots in use. */
  private byInterface = new Map<string, Map<number, RouterInstance[]>>();

  constructor(list: readonly RouterInstance[]) {
    this.rebuild(list);
  }

  /** After a reload: the instance list changed. */
  rebuild(list: readonly RouterInstance[]): void {
    this.byInterface = new Map();
    for (const i of list) {
      const s = i.spec;
      let slots = this.byInterface.get(s.interface);
      if (!slots) this.byInterface.set(s.interface, (slots = new Map()));
      const k = slot(s.config.family, s.config.vrid);
      const same = slots.get(k);
      if (same) same.push(i);
      else slots.set(k, [i]);
    }
  }

  of(ifname: string, family: Family, vrid: number): readonly RouterInstance[] {
    return this.byInterface.get(ifname)?.get(slot(family, vrid)) ?? NONE;
  }
}

function slot(family: Family, vrid: number): number {
  return family === 4 ? vrid : 256 + vrid;
}

/** Whether instance `i`, one of the advert's interface, family and VRID (VridIndex.of), takes it: same delivery (multicast or unicast). */
function takes(i: RouterInstance, rx: ReceivedPacket): boolean {
  return sameDelivery(i.spec.receive, rx);
}

/**
 * Empties a list that is reused, keeping its storage: V8 drops an array's backing store on
 * `length = 0` (a new one, ~150 bytes, on the next push), not on pop().
 */
function empty(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

function sameList(a: readonly RouterAction[], b: readonly RouterAction[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

export class VrrpRouter<S extends RouterInstanceSpec = RouterInstanceSpec> {
  private list: RouterInstance<S>[] = [];
  private groups: readonly RouterSyncGroup[] = [];
  /** Link states as the instances see them (after interface_up_down_delays). */
  private readonly links = new Map<string, LinkState>();
  private readonly debounce: LinkDebounce;
  private readonly checks = new Map<string, TrackerState>();
  /** track_file numbers by name; absent = 0 (keepalived's value for a missing file). */
  private readonly files = new Map<string, number>();
  /** vrrp_track_process states; absent = not reported yet (not tracked until it is). */
  private readonly processes = new Map<string, TrackerState>();
  private readonly groupStates = new Map<string, State>();
  /** Re-entrancy guard: a group's propagation does not propagate again. */
  private syncing = false;
  private out: RouterAction[] = [];
  /** Instances an event reached, each once (RouterInstance.touched): an array, as Set.clear() allocates. */
  private readonly touched: RouterInstance[] = [];
  private readonly vrids: VridIndex;
  private now = 0;
  /** After `stop`: what the daemon removes on its way out is not put back. */
  private stopped = false;
  // Per advert, nothing new (issue 33: a backup of 1,020 instances hears 10,200 a second): the
  // verdict and decoded advert, the instance's event and its action list are reused, each
  // filled and consumed within one call (the instance copies the one address it keeps).
  private readonly received = new ReceiveScratch();
  private readonly advertEvent: { type: "advert"; advert: Advert; source: Uint8Array } = {
    type: "advert",
    advert: this.received.advert,
    source: new Uint8Array(0),
  };
  private readonly actions: Action[] = [];
  private feeding = false;
  /** Adverts for VRIDs no instance runs. */
  unknownVrid = 0;

  constructor(config: RouterConfig<S>) {
    this.list = config.instances.map((s) => new RouterInstance(s));
    this.groups = config.syncGroups;
    this.vrids = new VridIndex(this.list);
    this.debounce = new LinkDebounce(config.linkDelays);
  }

  private touch(i: RouterInstance): void {
    if (i.touched) return;
    i.touched = true;
    this.touched.push(i);
  }

  get instances(): readonly RouterInstance<S>[] {
    return this.list;
  }

  /** Sync groups' last announced states (fifo_write_vrrp_states_on_reload writes them again). */
  groupStatesNow(): ReadonlyMap<string, State> {
    return this.groupStates;
  }

  instance(name: string): RouterInstance<S> | undefined {
    return this.list.find((i) => i.name === name);
  }

  /** Handles one event at `now` (ms, monotonic); returns what to carry out, in order. */
  handle(event: RouterEvent, now: number): RouterAction[] {
    this.now = now;
    switch (event.type) {
      case "start":
        this.start(event.instance);
        break;
      case "stop":
        this.stopped = true;
        for (const i of this.list) this.feed(i, { type: "shutdown" });
        break;
      case "timer":
        this.timer(event.instance);
        break;
      case "packet":
        this.packet(event.packet);
        break;
      case "checks":
        this.checks.clear();
        for (const [name, state] of event.states) this.checks.set(name, state);
        for (const i of this.list) if (i.started) this.refreshTracking(i);
        break;
      case "check": {
        this.checks.set(event.name, event.state);
        for (const i of this.list) if (i.started && i.spec.trackChecks.some((t) => t.name === event.name)) this.refreshTracking(i);
        break;
      }
      case "file":
        if ((this.files.get(event.name) ?? 0) === event.value) break;
        this.files.set(event.name, event.value);
        for (const i of this.list) if (i.started && i.spec.trackFiles.some((t) => t.name === event.name)) this.refreshTracking(i);
        break;
      case "process":
        this.processes.set(event.name, event.state);
        for (const i of this.list) if (i.started && i.spec.trackProcesses.some((t) => t.name === event.name)) this.refreshTracking(i);
        break;
      case "link":
        this.link(event.ifname, { present: event.present, up: event.up });
        break;
      case "link-timer":
        for (const d of this.debounce.due(now)) {
          this.out.push({
            type: "log",
            level: "info",
            msg: `interface ${d.ifname} ${d.state.up ? "up" : "down"}: delay over, instances follow it`,
            fields: { link: d.ifname, up: d.state.up },
          });
          this.applyLink(d.ifname, d.state);
        }
        this.out.push({ type: "link-deadline", at: this.debounce.nextDeadline() });
        break;
      case "source":
        this.source(event.instance, event.address);
        break;
      case "socket-failed":
        this.fault(event.instance, { kind: "socket" }, true);
        break;
      case "address-deleted":
        if (!this.stopped) this.addressDeleted(event.ifname, event.address);
        break;
      case "route-deleted":
        if (!this.stopped) this.routeDeleted();
        break;
    }
    return this.flush();
  }

  /**
   * SIGHUP: instances are matched by key (keepalived's rule). Matched ones keep their state and
   * take the new settings; removed ones stop (priority 0, VIPs released); new ones wait for
   * `start`. Returns the plan and the removed instances' shutdown actions.
   */
  reload(next: RouterConfig<S>, now: number): { plan: ReloadPlan<S>; actions: RouterAction[] } {
    this.now = now;
    const old = new Map(this.list.map((i) => [i.spec.key, i]));
    const kept: { instance: RouterInstance<S>; previous: S }[] = [];
    const added: RouterInstance<S>[] = [];
    const list: RouterInstance<S>[] = [];
    for (const spec of next.instances) {
      const i = old.get(spec.key);
      if (!i) {
        const fresh = new RouterInstance(spec);
        added.push(fresh);
        list.push(fresh);
        continue;
      }
      old.delete(spec.key);
      kept.push({ instance: i, previous: i.spec });
      // The source address stays: a configured one is part of the key, a learnt one is still valid.
      i.spec = { ...spec, config: { ...spec.config, primaryAddress: i.spec.config.primaryAddress } };
      i.vi.reconfigure(i.spec.config);
      this.touch(i);
      list.push(i);
    }
    const removed = [...old.values()];
    for (const i of removed) this.feed(i, { type: "shutdown" });
    this.list = list;
    this.vrids.rebuild(list);
    this.groups = next.syncGroups;
    this.debounce.setDelays(next.linkDelays ?? new Map());
    this.retrack(kept.map((k) => k.instance));
    return { plan: { kept, added, removed }, actions: this.flush() };
  }

  /**
   * After a reload, a kept instance's faults are worked out again from the trackers it has now,
   * not carried over: keepalived builds new instances on SIGHUP and sets their FAULT from scratch
   * (vrrp.c vrrp_complete_init -> vrrp_track.c initialise_tracking_priorities; "We work out for
   * ourselves if the vrrp instance should be in fault state, so it doesn't matter if it was
   * before"). A fault whose tracker was removed ends; a weight-0 tracker added on a down link, a
   * failed check or a file starts one. Every new fault is set before any old one is cleared, so
   * an instance that stays in FAULT for another reason does not flap through BACKUP.
   */
  private retrack(kept: readonly RouterInstance[]): void {
    const retracked = new Set(kept.filter((i) => i.started));
    const own = new Map<RouterInstance, FaultSource[]>();
    for (const i of this.list) {
      const current = i.vi.faultSources.filter((f) => f.kind !== "sync-group");
      // The socket and the source address are the runtime's to report, not the file's.
      const runtime = current.filter((f) => f.kind === "no-source-address" || f.kind === "socket");
      own.set(i, retracked.has(i) ? [...runtime, ...this.trackerFaults(i)] : current);
    }
    // A sync group holds every member in FAULT while another member has a fault of its own.
    const want = new Map<RouterInstance, Map<string, FaultSource>>();
    for (const i of this.list) {
      const w = new Map(own.get(i)!.map((f) => [faultLabel(f), f]));
      const g = this.groupOf(i);
      if (g?.members.some((m) => m !== i && own.get(m)!.length > 0)) {
        const f: FaultSource = { kind: "sync-group", group: g.name };
        w.set(faultLabel(f), f);
      }
      want.set(i, w);
    }
    for (const [i, w] of want) for (const f of w.values()) if (!i.vi.hasFault(f)) this.feed(i, { type: "fault", source: f, active: true });
    for (const [i, w] of want)
      for (const f of i.vi.faultSources)
        if (!w.has(faultLabel(f))) {
          if (f.kind !== "sync-group")
            this.log(i, "info", `reload: ${faultLabel(f)} is no longer a fault source (as keepalived, from the new configuration)`);
          this.feed(i, { type: "fault", source: f, active: false });
        }
    for (const i of retracked) this.refreshTracking(i);
  }

  /**
   * The FAULT sources `i`'s own interface and trackers give now (keepalived vrrp_track.c
   * initialise_interface_tracking_priorities, initialise_vrrp_file_tracking_priorities,
   * initialise_process_tracking_priorities, initialise_track_script_state): as start() and the
   * tracker events set them one by one.
   */
  private trackerFaults(i: RouterInstance): FaultSource[] {
    const s = i.spec;
    const out: FaultSource[] = [];
    const ownLink = this.links.get(s.interface);
    const linkDown = (ifname: string) => out.some((f) => f.kind === "link" && f.ifname === ifname);
    if (!ownLink?.present || (!ownLink.up && !s.dontTrackPrimary)) out.push({ kind: "link", ifname: s.interface });
    for (const t of s.trackLinks)
      if (!t.weight && Boolean(this.links.get(t.name)?.up) === t.reverse && !linkDown(t.name)) out.push({ kind: "link", ifname: t.name });
    for (const t of s.trackChecks) {
      const state = this.checks.get(t.name);
      if (state && t.weight === 0 && (state === "OK") === t.reverse) out.push({ kind: "check", name: t.name });
    }
    for (const t of s.trackProcesses) {
      const state = this.processes.get(t.name);
      if (state && t.weight === 0 && (state === "OK") === t.reverse) out.push({ kind: "process", name: t.name });
    }
    for (const t of s.trackFiles)
      if (trackFileEffect(this.files.get(t.name) ?? 0, t.weight, t.reverse).fault) out.push({ kind: "file", name: t.name });
    return out;
  }

  /** keepalived's SIGSTATS_CLEAR: counters start again from zero (vrrp_print.c vrrp_print_stats). */
  clearStats(): void {
    for (const i of this.list) i.clearStats();
    this.unknownVrid = 0;
  }

  // --- events ------------------------------------------------------------------------------------

  private start(i: RouterInstance): void {
    const own = this.links.get(i.spec.interface);
    if (!own?.present)
      this.log(i, "error", `interface ${i.spec.interface} not found; instance stays in FAULT until it appears`, { code: "NO_INTERFACE" });
    if (!own?.present || (!own.up && !i.spec.dontTrackPrimary)) this.fault(i, { kind: "link", ifname: i.spec.interface }, true);
    for (const t of i.spec.trackLinks) {
      const l = this.links.get(t.name);
      if (!l?.present) this.log(i, "warn", `tracked interface ${t.name} not found; counts as down`, { track: t.name });
      // weight 0: FAULT while down, or while up with `reverse` (keepalived_netlink.c).
      if (!t.weight && Boolean(l?.up) === t.reverse) this.fault(i, { kind: "link", ifname: t.name }, true);
    }
    if (i.spec.configFault) {
      this.log(i, "error", `${i.spec.configFault}; instance stays in FAULT`, { code: "CONFIG_FAULT" });
      this.fault(i, { kind: "config" }, true);
    }
    i.started = true;
    this.refreshTracking(i);
    this.feed(i, { type: "startup" });
  }

  private timer(i: RouterInstance): void {
    if (i.vi.masterDownDue(this.now) && !this.syncCanGoMaster(i)) return;
    this.feed(i, TIMER);
  }

  private packet(rx: ReceivedPacket): void {
    if (rx.payload.length < 2) return;
    const vrid = rx.payload[1]!;
    let matched = false;
    for (const i of this.vrids.of(rx.ifname, rx.family, vrid)) {
      const s = i.spec;
      if (!takes(i, rx)) continue;
      matched = true;
      const v = receive(s.receive, i.oldChecksum, rx, this.received);
      if (!v.ok) {
        this.drop(i, v.code, v.detail);
        continue;
      }
      if (v.ahSeq !== undefined && !this.ahSequence(i, v.ahSeq, v.advert.priority, rx.src)) continue;
      if (v.oldChecksum && !i.oldChecksum && s.receive.unicastChecksum !== "never") {
        i.oldChecksum = true;
        this.out.push({ type: "old-checksum", instance: i, peer: Uint8Array.from(rx.src) });
        this.log(
          i,
          "info",
          "Setting unicast VRRPv3 checksum to old version (the peer uses 224.0.0.18 in the pseudo-header); sending that form from now on",
          { peer: formatAddress(rx.src) },
        );
      }
      // A master it would not preempt: this member no longer wants MASTER (keepalived wantstate).
      if (v.advert.priority >= i.vi.effectivePriority || (i.spec.config.nopreempt && v.advert.priority > 0)) i.wantsMaster = false;
      const e = this.advertEvent;
      e.advert = v.advert;
      e.source = rx.src;
      this.feed(i, e);
    }
    if (!matched) this.unknownVrid++;
  }

  /** Every drop is counted; each reason is logged at most every DROP_LOG_EVERY_MS (a flood is one line per reason). */
  private drop(i: RouterInstance, code: DropCode, detail: string): void {
    i.vi.stats.drops[code] = (i.vi.stats.drops[code] ?? 0) + 1;
    const last = i.dropLoggedAt.get(code);
    if (last !== undefined && this.now - last < DROP_LOG_EVERY_MS) return;
    i.dropLoggedAt.set(code, this.now);
    this.out.push({ type: "drop", instance: i, code, detail });
  }

  /**
   * A deleted address that is a MASTER's VIP or excluded VIP on that interface is put back, unless
   * it is no_track. Which instance owns it follows keepalived 2.2.7 keepalived_netlink.c
   * address_is_ours (called from netlink_if_address_filter on RTM_DELADDR): MASTER instances only,
   * VIPs then excluded VIPs, the first match decides, a no_track one means nobody. keepalived then
   * sends that instance to BACKUP (set_vrrp_backup); tsvrrpd keeps MASTER and adds the VIPs again
   * (a documented difference, README "routes and rules").
   */
  private addressDeleted(ifname: string, address: Uint8Array): void {
    for (const i of this.list) {
      if (!i.started || i.vi.state !== "MASTER") continue;
      const v = i.spec.vips?.find((x) => x.ifname === ifname && sameAddressBytes(x.bytes, address));
      if (!v) continue;
      const fields = { vip: formatAddress(v.bytes), dev: v.ifname };
      if (v.noTrack) {
        this.log(i, "warn", "VIP removed by someone else; not restored (no_track)", fields);
        return;
      }
      this.log(i, "warn", "VIP removed from the interface by someone else while MASTER; restoring it", fields);
      this.out.push({ type: "restore-vips", instance: i });
      return;
    }
  }

  /**
   * keepalived 2.2.7 keepalived_netlink.c netlink_route_filter / netlink_rule_filter: a deleted
   * static route or rule that is not no_track is reinstated (reinstate_static_route / _rule).
   * For a virtual one keepalived sends its instance to BACKUP; tsvrrpd's masters add their
   * tracked ones again (a documented difference). Re-adding what is there changes nothing.
   */
  private routeDeleted(): void {
    this.out.push({ type: "restore-static-routes" });
    for (const i of this.list)
      if (i.started && i.spec.tracksRoutes && i.vi.state === "MASTER") this.out.push({ type: "restore-routes", instance: i });
  }

  /**
   * keepalived vrrp.c vrrp_in_chk_ipsecah: only a sequence number above the last one heard or
   * sent passes (else an auth failure); vrrp_state_master_rx: a master hearing a lower priority
   * takes that number + 1, so the other side accepts its next advert.
   */
  private ahSequence(i: RouterInstance, seq: number, priority: number, src: Uint8Array): boolean {
    const r = i.ahCounter.accept(seq);
    if (!r.ok) {
      this.drop(i, "BAD_AUTH", `${r.detail} (from ${formatAddress(src)})`);
      return false;
    }
    const vi = i.vi;
    if (
      vi.state === "MASTER" &&
      priority > 0 &&
      (priority < vi.effectivePriority || (priority === vi.effectivePriority && compareAddressBytes(src, vi.config.primaryAddress) < 0))
    )
      i.ahCounter.syncFromLower(seq);
    return true;
  }

  /**
   * keepalived 2.2.7 keepalived_netlink.c update_interface_flags: with interface_up_down_delays a
   * change waits for its delay (a link-deadline action) and is dropped if the link flips back first.
   */
  private link(ifname: string, state: LinkState): void {
    const d = this.debounce.report(ifname, state, this.links.get(ifname), this.now);
    const fields = { link: ifname, up: state.up };
    switch (d.kind) {
      case "apply":
        this.applyLink(ifname, state);
        return;
      case "pending":
        return;
      case "delayed":
        // keepalived: "%s: Adding flags change from 0x%x to 0x%x delay by %u".
        this.out.push({
          type: "log",
          level: "info",
          msg: `interface ${ifname} ${state.up ? "up" : "down"}: instances follow in ${d.delayMs} ms unless it flips back (interface_up_down_delays)`,
          fields: { ...fields, delayMs: d.delayMs },
        });
        break;
      case "cancelled":
        this.out.push({
          type: "log",
          level: "info",
          msg: `interface ${ifname} back ${state.up ? "up" : "down"} within its delay: no change (interface_up_down_delays)`,
          fields,
        });
        break;
    }
    this.out.push({ type: "link-deadline", at: this.debounce.nextDeadline() });
  }

  private applyLink(ifname: string, state: LinkState): void {
    this.links.set(ifname, state);
    for (const i of this.list) {
      if (!i.started) continue;
      const own = i.spec.interface === ifname;
      const tracked = i.spec.trackLinks.find((t) => t.name === ifname);
      if (tracked?.weight) {
        this.refreshTracking(i);
        continue;
      }
      if (!own && !tracked) continue;
      const source: FaultSource = { kind: "link", ifname };
      // dont_track_primary (keepalived vrrp_if.c): the own link going down or up is not a FAULT
      // source, though the interface disappearing still is (nothing to send on).
      if (own && i.spec.dontTrackPrimary && !tracked && state.present) {
        this.fault(i, source, false); // present again after being gone; its carrier is not tracked
        continue;
      }
      const ok = own || !tracked?.reverse ? state.up : !state.up;
      if (i.vi.hasFault(source) === ok) {
        const reverse = ok !== state.up ? { reverse: true } : {};
        this.log(i, "warn", state.up ? `interface ${ifname} is up` : `interface ${ifname} is down or gone`, {
          link: ifname,
          up: state.up,
          present: state.present,
          ...reverse,
        });
        this.fault(i, source, !ok);
      }
    }
  }

  private source(i: RouterInstance, address: Uint8Array | undefined): void {
    if (address) {
      // The same instance, told its address: its trackers' faults and priority stay (a node whose
      // weight-0 check fails must not take over because its address came late).
      i.spec = { ...i.spec, config: { ...i.spec.config, primaryAddress: address } };
      i.vi.reconfigure(i.spec.config);
    }
    this.fault(i, { kind: "no-source-address" }, !address);
  }

  // --- tracking ----------------------------------------------------------------------------------

  /** Tracker states into the instance: weight 0 = FAULT while failed, others move the priority. */
  private refreshTracking(i: RouterInstance): void {
    const weighted: WeightedTracker[] = [];
    for (const t of i.spec.trackChecks) {
      const state = this.checks.get(t.name);
      if (!state) {
        // Disabled (security, missing): not tracked, as keepalived; a fault it held ends.
        if (t.weight === 0) this.fault(i, { kind: "check", name: t.name }, false);
        continue;
      }
      if (t.weight === 0) this.fault(i, { kind: "check", name: t.name }, (state === "OK") === t.reverse);
      else weighted.push({ weight: t.weight, state, reverse: t.reverse });
    }
    // keepalived vrrp_track.c process_update_track_process_status: as a script's OK/FAILED.
    for (const t of i.spec.trackProcesses) {
      const state = this.processes.get(t.name);
      if (!state) continue;
      if (t.weight === 0) this.fault(i, { kind: "process", name: t.name }, (state === "OK") === t.reverse);
      else weighted.push({ weight: t.weight, state, reverse: t.reverse });
    }
    for (const t of i.spec.trackLinks) {
      if (t.weight) weighted.push({ weight: t.weight, state: this.links.get(t.name)?.up ? "OK" : "FAILED", reverse: t.reverse });
    }
    let extra = 0;
    for (const t of i.spec.trackFiles) {
      const e = trackFileEffect(this.files.get(t.name) ?? 0, t.weight, t.reverse);
      this.fault(i, { kind: "file", name: t.name }, e.fault);
      extra += e.add;
    }
    const p = effectivePriority(i.spec.config.priority, weighted, extra);
    if (p !== i.vi.effectivePriority) this.feed(i, { type: "priority", effective: p });
  }

  /** An own fault source of `i` came or went; its sync group follows. */
  private fault(i: RouterInstance, source: FaultSource, active: boolean): void {
    if (i.vi.hasFault(source) === active) return;
    this.feed(i, { type: "fault", source, active });
    this.syncGroupFaults(i);
  }

  // --- sync groups -------------------------------------------------------------------------------

  private groupOf(i: RouterInstance): { name: string; members: RouterInstance[] } | undefined {
    const g = this.groups.find((x) => x.members.includes(i.name));
    if (!g) return undefined;
    return { name: g.name, members: this.list.filter((m) => g.members.includes(m.name)) };
  }

  /**
   * keepalived vrrp_sync.c vrrp_sync_can_goto_master: a member goes MASTER only when every other
   * member is MASTER or wants MASTER too; otherwise it waits in BACKUP with a fresh down timer.
   */
  private syncCanGoMaster(i: RouterInstance): boolean {
    const g = this.groupOf(i);
    if (!g || syncMayGoMaster(i, g.members, this.now)) return true;
    if (!i.wantsMaster)
      this.log(i, "info", `sync group ${g.name}: wants MASTER, waiting until every member does (as keepalived)`, { group: g.name });
    i.wantsMaster = true;
    this.feed(i, { type: "sync-wait", group: g.name });
    return false;
  }

  /**
   * keepalived sync groups: while any member has a fault of its own, every other member is in
   * FAULT too; the group leaves FAULT when no member has one. Set from the members' own faults
   * each time one changes, so a member failing while already pulled into FAULT still holds the
   * group (the simulator found the event-driven form leaving one member behind). keepalived
   * counts the same thing: vrrp_track.c down_instance / vrrp_scheduler.c try_up_instance keep
   * sync->num_member_fault, and the group stays in FAULT until it is 0.
   */
  private syncGroupFaults(i: RouterInstance): void {
    const g = this.groupOf(i);
    if (!g) return;
    const source: FaultSource = { kind: "sync-group", group: g.name };
    const ownFaults = (m: RouterInstance) => m.vi.faultSources.some((f) => !(f.kind === "sync-group" && f.group === g.name));
    const faulty = g.members.filter(ownFaults);
    for (const m of g.members) {
      const pulled = faulty.some((o) => o !== m);
      if (m.vi.hasFault(source) !== pulled) this.feed(m, { type: "fault", source, active: pulled });
    }
  }

  /** keepalived sync groups: a member yielding MASTER takes the others along; one going MASTER takes those that want it. */
  private afterTransition(i: RouterInstance, from: State, to: State): void {
    if (to !== "BACKUP") i.wantsMaster = false;
    const g = this.groupOf(i);
    if (!g || this.syncing) return;
    this.syncing = true;
    try {
      if (from === "MASTER" && to === "BACKUP") {
        for (const m of g.members) if (m !== i) this.feed(m, { type: "sync-backup", group: g.name });
      }
      // vrrp_sync.c vrrp_sync_master: one member went MASTER with the whole group wanting it.
      if (to === "MASTER") {
        for (const m of g.members) if (m !== i && m.wantsMaster) this.feed(m, { type: "sync-master", group: g.name });
      }
    } finally {
      this.syncing = false;
    }
  }

  /**
   * keepalived vrrp.c vrrp_state_master_rx: a member answering a lower-priority advert with
   * gratuitous ARP / NA makes the group's other masters (with garp_lower_prio_repeat) do it too.
   */
  private groupLowerPrioAnnounce(i: RouterInstance): void {
    const g = this.groupOf(i);
    if (!g) return;
    for (const m of g.members) {
      const repeat = m.spec.config.garpLowerPrio.repeat;
      // Through the member, so its GARP spacing applies (its later rounds are its deadlines).
      if (m !== i && m.vi.state === "MASTER" && repeat > 0) this.feed(m, { type: "announce", repeat });
    }
  }

  // --- plumbing ----------------------------------------------------------------------------------

  /** One event into one instance; its actions go out in order, then the group reacts to transitions. */
  private feed(i: RouterInstance, e: InstanceEvent): void {
    // The reused list, unless a feed is already reading it (none does today: the loop below only
    // pushes to out, and a sync group's cascade feeds after it).
    const answeredLowerPrio = i.vi.lowerPrioGarpAnswers;
    const reuse = !this.feeding;
    const actions: Action[] = reuse ? this.actions : [];
    empty(actions);
    this.feeding = true;
    let transitions: [State, State][] | undefined;
    try {
      i.vi.handleInto(e, this.now, actions);
      this.touch(i);
      // Index loops on the per-advert path: a for-of's iterator and results were ~130 bytes an advert
      // where the optimiser did not remove them.
      for (let k = 0; k < actions.length; k++) {
        const a = actions[k]!;
        this.out.push(i.wrap(a));
        if (a.type === "state") (transitions ??= []).push([a.from, a.to]);
        if (a.type === "state" && a.to === "MASTER") i.ahCounter.onBecomeMaster(); // vrrp_state_goto_master
      }
    } finally {
      if (reuse) {
        this.feeding = false;
        empty(actions);
      }
    }
    // Not from its announce actions: with GARP spacing the answer may only raise rounds still pending.
    if (i.vi.lowerPrioGarpAnswers !== answeredLowerPrio) this.groupLowerPrioAnnounce(i);
    if (transitions) for (const [from, to] of transitions) this.afterTransition(i, from, to);
  }

  private log(i: RouterInstance, level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void {
    this.out.push({ type: "log", instance: i, level, msg, ...(fields ? { fields } : {}) });
  }

  private flush(): RouterAction[] {
    // Group states last, once the whole cascade of member transitions is out (keepalived notifies
    // the group after its members).
    for (let k = 0; k < this.groups.length; k++) {
      const g = this.groups[k]!;
      // Only groups a touched instance belongs to (a few), before any scan of every instance.
      if (!this.touched.some((i) => g.members.includes(i.name))) continue;
      const members = this.list.filter((m) => g.members.includes(m.name));
      const state = groupState(members.map((m) => m.vi.state));
      const previous = this.groupStates.get(g.name);
      if (previous === state) continue;
      this.groupStates.set(g.name, state);
      // keepalived vrrp_scheduler.c vrrp_init_state: at start a group in BACKUP or FAULT is
      // notified before its members.
      if (previous === undefined && (state === "BACKUP" || state === "FAULT"))
        this.out.unshift({ type: "group-state", group: g.name, state });
      else this.out.push({ type: "group-state", group: g.name, state });
    }
    const out = this.out;
    for (let k = 0; k < this.touched.length; k++) {
      const i = this.touched[k]!;
      out.push(i.deadlineAction);
      i.touched = false;
    }
    // One instance touched with the same actions as its last flush (a master's advert, a backup
    // hearing one): its last list again, and out is kept for the next event. The actions are
    // immutable and the same objects (RouterInstance.wrap), so the list is too.
    const only = this.touched.length === 1 ? this.touched[0]! : undefined;
    empty(this.touched); // reused: a flush per advert sent or heard
    if (only) {
      const last = only.lastFlush;
      if (last !== undefined && sameList(last, out)) {
        empty(out);
        return last;
      }
      only.lastFlush = out;
    }
    this.out = [];
    return out;
  }
}
