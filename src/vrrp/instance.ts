// One virtual router's RFC 5798 section 6.4 state machine, with keepalived's choices where the
// RFC leaves room (preempt_delay, initial state MASTER, lower-priority adverts answered at once).
// Pure: events in, actions out, time injected as milliseconds on a monotonic clock.
import { compareAddressBytes, formatAddress } from "./address.js";
import { checkAuth, sameAddressList, type Advert, type DropCode } from "./packet.js";
import { masterDownMs, skewMs } from "./timing.js";
import {
  faultLabel,
  type Action,
  type FaultSource,
  type InstanceConfig,
  type InstanceEvent,
  type InstanceStats,
  type State,
} from "./instance-types.js";

/** Named deadlines (ms); undefined = not armed. */
interface Deadlines {
  advert?: number;
  masterDown?: number;
  garpDelay?: number;
  garpRefresh?: number;
  /** The second burst after a lower-priority advert (garp_lower_prio_delay). */
  garpLowerPrio?: number;
}

/** A burst still going out one round at a time on one interface (its GARP spacing). */
interface GarpRounds {
  readonly ifname: string;
  readonly gapMs: number;
  /** The next round's time (ms). */
  at: number;
  /** Rounds still to send. */
  left: number;
}

const MISMATCH_LOG_EVERY_MS = 60_000;
/** Lower-priority adverts trigger at most one gratuitous ARP / NA burst per this many ms. */
export const LOWER_PRIO_GARP_GAP_MS = 1000;

/**
 * A master's advert schedule starts on this grid (ms), and stays on it: intervals are whole
 * centiseconds. Masters then share wake-ups (255 instances at 0.1 s: 500 a second, not 2,550,
 * each costing ~50 µs of loop turn on a small VM) while each one's adverts stay exactly an
 * interval apart. Difference from keepalived (vrrp_state_become_master: next advert at now +
 * interval): the second advert after a takeover leaves up to 2 ms later.
 */
export const ADVERT_GRID_MS = 2;
const onAdvertGrid = (t: number): number => Math.ceil(t / ADVERT_GRID_MS) * ADVERT_GRID_MS;
const earlier = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined || a <= b ? a : b;

export class VrrpInstance {
  private _config: InstanceConfig;
  private _state: State = "INIT";
  private _now = 0;
  private effective: number;
  private masterIntervalCs: number;
  private readonly faults = new Map<string, FaultSource>();
  private readonly deadlines: Deadlines = {};
  /** keepalived preempt_time: set by the first lower-priority advert in BACKUP. */
  private preemptUntil: number | undefined;
  private lastMismatchLog = -Infinity;
  private lastLowerPrioGarp = -Infinity;
  /** How many lower-priority adverts this master answered with GARP / NA (a small integer: read per advert without boxing). */
  private lowerPrioAnswers = 0;
  /** garp_extra_if's next time (keepalived vmac_garp_timer): checked when an advert is sent. */
  private garpExtraAt: number | undefined;
  /** Bursts spaced by an interface's GARP interval: their later rounds (cleared when MASTER ends). */
  private readonly garpRounds: GarpRounds[] = [];
  private _masterAddress: Uint8Array | undefined;
  /** The last send-advert action (sendAdvert). */
  private lastSend: Extract<Action, { type: "send-advert" }> | undefined;
  private _masterPriority = 0;
  private _since = 0;
  readonly stats: InstanceStats = {
    advertsSent: 0,
    advertsReceived: 0,
    becameMaster: 0,
    releasedMaster: 0,
    priorityZeroSent: 0,
    priorityZeroReceived: 0,
    addressListMismatch: 0,
    transitions: 0,
    drops: {},
  };

  constructor(config: InstanceConfig) {
    this._config = config;
    this.effective = config.priority;
    this.masterIntervalCs = config.advertIntervalCs;
  }

  get config(): InstanceConfig {
    return this._config;
  }

  /**
   * SIGHUP with the same instance: keep state, timers and counters, take the new settings
   * (keepalived keeps a reloaded instance's state; a master stays master).
   */
  reconfigure(config: InstanceConfig): void {
    const basePriorityChanged = config.priority !== this._config.priority;
    this._config = config;
    if (basePriorityChanged) this.effective = config.priority;
    if (this._state !== "BACKUP") this.masterIntervalCs = config.advertIntervalCs;
  }

  get state(): State {
    return this._state;
  }
  get effectivePriority(): number {
    return this.effective;
  }
  get masterAdverIntervalCs(): number {
    return this.masterIntervalCs;
  }
  /** Address and priority of the master we last accepted an advert from (BACKUP), or ours (MASTER). */
  get masterAddress(): Uint8Array | undefined {
    return this._state === "MASTER" ? this.config.primaryAddress : this._masterAddress;
  }
  get masterPriority(): number {
    return this._state === "MASTER" ? this.effective : this._masterPriority;
  }
  get since(): number {
    return this._since;
  }
  /** Labels of the active fault sources (status, logs). */
  get faultReasons(): readonly string[] {
    return [...this.faults.keys()];
  }
  get faultSources(): readonly FaultSource[] {
    return [...this.faults.values()];
  }
  hasFault(source: FaultSource): boolean {
    return this.faults.has(faultLabel(source));
  }
  /**
   * How many lower-priority adverts this master answered with GARP / NA (garp_lower_prio_repeat);
   * the router has the sync group's other masters join in when it changes (VrrpRouter feed), also
   * when the answer only raised rounds still pending and sent no frame at once.
   */
  get lowerPrioGarpAnswers(): number {
    return this.lowerPrioAnswers;
  }

  get isOwner(): boolean {
    return this.config.priority === 255;
  }

  /** Earliest armed deadline, or undefined when nothing is armed (INIT, FAULT). */
  nextDeadline(): number | undefined {
    // Called for every advert sent or heard: no array per call.
    const d = this.deadlines;
    let min = earlier(d.advert, d.masterDown);
    min = earlier(min, d.garpDelay);
    min = earlier(min, d.garpRefresh);
    for (let k = 0; k < this.garpRounds.length; k++) min = earlier(min, this.garpRounds[k]!.at); // no iterator per advert
    return earlier(min, d.garpLowerPrio);
  }

  /** In BACKUP with the master-down timer due at `now`: the next timer event makes it MASTER. */
  masterDownDue(now: number): boolean {
    return this._state === "BACKUP" && this.deadlines.masterDown !== undefined && this.deadlines.masterDown <= now;
  }

  /** The next advert's deadline as MASTER (no copy of the deadlines, unlike armed()). */
  get advertDeadline(): number | undefined {
    return this.deadlines.advert;
  }

  /** Which deadlines are armed (for invariants and status). */
  armed(): Readonly<Deadlines> {
    return { ...this.deadlines };
  }

  masterDownIntervalMs(): number {
    return masterDownMs(this.config.version, this.skewPriority(), this.masterIntervalCs, this.config.downTimerAdverts);
  }

  skewTimeMs(): number {
    return skewMs(this.config.version, this.skewPriority(), this.masterIntervalCs);
  }

  /** Handles one event at time `now` (ms, monotonic, never decreasing). */
  handle(event: InstanceEvent, now: number): Action[] {
    const out: Action[] = [];
    this.handleInto(event, now, out);
    return out;
  }

  /** handle(), its actions appended to `out` (the router passes one array it reuses: no array per advert). */
  handleInto(event: InstanceEvent, now: number, out: Action[]): void {
    if (now < this._now) now = this._now; // a clock must not run backwards; clamp rather than misfire
    this._now = now;
    switch (event.type) {
      case "startup":
        this.onStartup(out);
        break;
      case "shutdown":
        this.onShutdown(out);
        break;
      case "timer":
        this.onTimer(out);
        break;
      case "advert":
        this.onAdvert(event.advert, event.source, out);
        break;
      case "fault":
        this.onFaultSource(event.source, event.active, out);
        break;
      case "priority":
        this.onPriority(event.effective, out);
        break;
      case "sync-backup":
        if (this._state === "MASTER") this.leaveMaster("BACKUP", `sync group ${event.group} member went BACKUP`, out);
        break;
      case "sync-wait":
        if (this._state === "BACKUP") this.deadlines.masterDown = this._now + this.masterDownIntervalMs();
        break;
      case "sync-master":
        if (this._state === "BACKUP") this.becomeMaster(`sync group ${event.group}: every member wants MASTER`, out);
        break;
      case "announce":
        if (this._state === "MASTER" && event.repeat > 0) this.announce(event.repeat, out);
        break;
    }
  }

  // --- events ---------------------------------------------------------------------------------

  private onStartup(out: Action[]): void {
    if (this._state !== "INIT") return;
    if (this.faults.size > 0) {
      this.transition("FAULT", `startup with ${[...this.faults.keys()].join(", ")} down`, out);
      return;
    }
    this.enterFromIdle("startup", out);
  }

  private onShutdown(out: Action[]): void {
    if (this._state === "INIT") return;
    if (this._state === "MASTER") {
      this.sendAdvert(0, out);
      out.push({ type: "remove-vips" });
      this.stats.releasedMaster++;
    }
    this.clearDeadlines();
    this.transition("INIT", "shutdown", out);
  }

  private onTimer(out: Action[]): void {
    const now = this._now;
    const d = this.deadlines;
    if (this._state === "BACKUP" && d.masterDown !== undefined && d.masterDown <= now) {
      // keepalived vrrp_scheduler.c vrrp_dispatcher_read_timeout: logged with -D only (debug here).
      out.push({ type: "log", level: "debug", msg: `(${this._config.name}) Receive advertisement timeout`, fields: { kl: true } });
      this.becomeMaster("master down timer expired", out);
      return;
    }
    if (this._state !== "MASTER") return;
    if (d.advert !== undefined && d.advert <= now) {
      this.sendAdvert(this.effective, out);
      // Keep the cadence anchored to the schedule; if we fell behind by a whole interval, re-anchor.
      const next = d.advert + this.intervalMs();
      d.advert = next > now ? next : onAdvertGrid(now + this.intervalMs());
      // keepalived 2.2.7 vrrp.c vrrp_state_master_tx: after the advert, once the timer has passed.
      const extraMs = this.config.garpExtraIfMs;
      if (extraMs !== undefined && this.garpExtraAt !== undefined && now > this.garpExtraAt) {
        out.push({ type: "announce-extra" });
        this.garpExtraAt = now + extraMs;
      }
    }
    this.garpRoundsDue(out);
    // keepalived vrrp_scheduler.c vrrp_gratuitous_arp_thread (garp_master_delay),
    // vrrp_gratuitous_arp_refresh_thread (garp_master_refresh), vrrp_lower_prio_gratuitous_arp_thread.
    if (d.garpDelay !== undefined && d.garpDelay <= now) {
      d.garpDelay = undefined;
      this.announce(this.config.garp.masterRepeat, out);
    }
    if (d.garpRefresh !== undefined && d.garpRefresh <= now) {
      d.garpRefresh = now + this.config.garp.masterRefreshMs;
      this.announce(this.config.garp.masterRefreshRepeat, out);
    }
    if (d.garpLowerPrio !== undefined && d.garpLowerPrio <= now) {
      d.garpLowerPrio = undefined;
      this.announce(this.config.garpLowerPrio.repeat, out);
    }
  }

  private onAdvert(advert: Advert, source: Uint8Array, out: Action[]): void {
    const c = this.config;
    if (advert.vrid !== c.vrid) return this.drop("UNKNOWN_VRID", `VRID ${advert.vrid}, ours ${c.vrid}`, out);
    if (advert.version !== c.version) return this.drop("BAD_VERSION", `VRRPv${advert.version}, configured v${c.version}`, out);
    if (advert.family !== c.family) return this.drop("BAD_FAMILY", `IPv${advert.family}, configured IPv${c.family}`, out);
    if (compareAddressBytes(source, c.primaryAddress) === 0) return this.drop("OWN_ADVERT", "source is our own address", out);
    const authErr = checkAuth(advert, c.authType, c.authKey);
    if (authErr) return this.drop(authErr.code, authErr.detail, out);
    if (c.version === 2 && advert.intervalCs !== c.advertIntervalCs) {
      return this.drop("BAD_INTERVAL", `interval ${advert.intervalCs / 100} s, configured ${c.advertIntervalCs / 100} s`, out);
    }
    if (this._state === "INIT" || this._state === "FAULT") return; // RFC 5798 6.4: not listening
    this.stats.advertsReceived++;
    if (!sameAddressList(advert, c.vips)) {
      this.stats.addressListMismatch++;
      if (this._now - this.lastMismatchLog >= MISMATCH_LOG_EVERY_MS) {
        this.lastMismatchLog = this._now;
        out.push({
          type: "log",
          level: "warn",
          msg: "advert address list differs from configured VIPs; accepting it (as keepalived >= 2.3.3 does)",
          fields: { from: formatAddress(source), count: advert.count, configured: c.vips.length },
        });
      }
    }
    if (advert.priority === 0) this.stats.priorityZeroReceived++;
    if (this._state === "BACKUP") this.backupReceives(advert, source, out);
    else this.masterReceives(advert, source, out);
  }

  private backupReceives(advert: Advert, source: Uint8Array, out: Action[]): void {
    const now = this._now;
    if (advert.priority === 0) {
      // The master is leaving: take over after Skew_Time only.
      this.deadlines.masterDown = now + this.skewTimeMs();
      return;
    }
    const delayRunning = this.config.preemptDelayMs > 0 && (this.preemptUntil === undefined || this.preemptUntil > now);
    if (this.config.nopreempt || advert.priority >= this.effective || delayRunning) {
      if (this.config.version === 3 && advert.intervalCs !== this.masterIntervalCs) {
        out.push({
          type: "log",
          level: "info",
          msg: "advert interval differs; adopting the master's",
          fields: { from: formatAddress(source), masterIntervalCs: advert.intervalCs, configuredCs: this.config.advertIntervalCs },
        });
        this.masterIntervalCs = advert.intervalCs;
      }
      this.deadlines.masterDown = now + this.masterDownIntervalMs();
      this.keepMasterAddress(source);
      this._masterPriority = advert.priority;
      if (this.config.preemptDelayMs > 0) {
        if (advert.priority >= this.effective) this.preemptUntil = undefined;
        else if (this.preemptUntil === undefined) {
          this.preemptUntil = now + this.config.preemptDelayMs;
          out.push({
            type: "log",
            level: "info",
            msg: "lower-priority master seen; preempt delay started",
            fields: { until: this.preemptUntil, masterPriority: advert.priority },
          });
        }
      }
      return;
    }
    // Preempting: a lower-priority master's adverts are ignored, so its down timer runs out.
    this.keepMasterAddress(source);
    this._masterPriority = advert.priority;
  }

  private masterReceives(advert: Advert, source: Uint8Array, out: Action[]): void {
    const cmp = compareAddressBytes(source, this.config.primaryAddress);
    if (advert.priority === 0) {
      // Another router is leaving: re-assert at once so backups do not take over after Skew_Time.
      this.sendAdvert(this.effective, out);
      this.deadlines.advert = onAdvertGrid(this._now + this.intervalMs());
      return;
    }
    if (advert.priority > this.effective || (advert.priority === this.effective && cmp > 0)) {
      // keepalived vrrp.c vrrp_state_master_rx: one more advert at our priority before yielding,
      // so the winner hears a lower priority and re-announces the VIPs to clients.
      if (this.config.higherPrioSendAdvert) this.sendAdvert(this.effective, out);
      if (this.config.version === 3) this.masterIntervalCs = advert.intervalCs;
      this._masterAddress = source;
      this._masterPriority = advert.priority;
      // keepalived vrrp.c vrrp_state_master_rx's words.
      out.push({
        type: "log",
        level: "info",
        msg:
          advert.priority > this.effective
            ? `(${this._config.name}) Master received advert from ${formatAddress(source)} with higher priority ${advert.priority}, ours ${this.effective}`
            : `(${this._config.name}) Master received advert from ${formatAddress(source)} with same priority ${advert.priority} but higher IP address than ours`,
        fields: { kl: true },
      });
      this.leaveMaster(
        "BACKUP",
        advert.priority > this.effective
          ? `higher priority ${advert.priority} from ${formatAddress(source)} (ours ${this.effective})`
          : `equal priority ${advert.priority} from higher address ${formatAddress(source)}`,
        out,
      );
      return;
    }
    // Lower priority (or equal from a lower address): a second master exists; force a new election.
    // keepalived vrrp.c vrrp_state_master_rx's words.
    out.push({
      type: "log",
      level: "info",
      msg: `(${this._config.name}) Received advert from ${formatAddress(source)} with lower priority ${advert.priority}, ours ${this.effective}${this.config.lowerPrioNoAdvert ? "" : ", forcing new election"}`,
      fields: { from: formatAddress(source), priority: advert.priority, ours: this.effective, kl: true },
    });
    if (!this.config.lowerPrioNoAdvert) this.sendAdvert(this.effective, out);
    // keepalived 2.2.7 vrrp.c vrrp_state_master_rx: notify_master_rx_lower_pri and the FIFO's
    // MASTER_RX_LOWER_PRI line, at every such advert.
    out.push({ type: "event", event: "MASTER_RX_LOWER_PRI" });
    // keepalived vrrp.c vrrp_state_master_rx: clients of the other master learn our MAC again.
    // Difference: at most one burst per LOWER_PRIO_GARP_GAP_MS (keepalived sends one per advert).
    const g = this.config.garpLowerPrio;
    if (g.repeat > 0 && this._now - this.lastLowerPrioGarp >= LOWER_PRIO_GARP_GAP_MS) {
      this.lastLowerPrioGarp = this._now;
      this.lowerPrioAnswers++;
      this.announce(g.repeat, out, true);
      if (g.delayMs > 0) this.deadlines.garpLowerPrio = this._now + g.delayMs;
    }
  }

  private onFaultSource(f: FaultSource, down: boolean, out: Action[]): void {
    const source = faultLabel(f);
    const had = this.faults.size > 0;
    if (down) this.faults.set(source, f);
    else this.faults.delete(source);
    const has = this.faults.size > 0;
    if (this._state === "INIT" || had === has) return;
    if (has) {
      const reason = `${source} down`;
      if (this._state === "MASTER") this.leaveMaster("FAULT", reason, out);
      else {
        this.clearDeadlines();
        this.transition("FAULT", reason, out);
      }
    } else if (this._state === "FAULT") {
      this.enterFromIdle(`${source} recovered`, out);
    }
  }

  private onPriority(effective: number, out: Action[]): void {
    const p = this.isOwner ? 255 : Math.min(254, Math.max(1, Math.round(effective)));
    if (p === this.effective) return;
    // keepalived vrrp_track.c vrrp_set_effective_priority's words (kl: the text is the message alone).
    out.push({
      type: "log",
      level: "info",
      msg: `(${this._config.name}) Changing effective priority from ${this.effective} to ${p}`,
      fields: { from: this.effective, to: p, kl: true },
    });
    const before = this.masterDownIntervalMs();
    this.effective = p;
    // keepalived vrrp_track.c vrrp_set_effective_priority: a BACKUP's running down timer moves by
    // the change in Master_Down_Interval (the skew), so a lowered priority waits longer at once.
    if (this._state === "BACKUP" && this.deadlines.masterDown !== undefined)
      this.deadlines.masterDown += this.masterDownIntervalMs() - before;
    // keepalived 2.2.7 vrrp_track.c vrrp_set_effective_priority -> vrrp_notify.c
    // send_instance_priority_notifies: MASTER_PRIORITY in MASTER, BACKUP_PRIORITY in any other
    // state (FAULT and INIT included), FIFO lines only (no script is run).
    if (this._config.notifyPriorityChanges)
      out.push({ type: "event", event: this._state === "MASTER" ? "MASTER_PRIORITY" : "BACKUP_PRIORITY" });
  }

  // --- transitions ----------------------------------------------------------------------------

  /** From INIT or FAULT with nothing failing: owner goes MASTER at once, others BACKUP. */
  private enterFromIdle(reason: string, out: Action[]): void {
    if (this.isOwner) {
      this.becomeMaster(`${reason}: address owner (priority 255)`, out);
      return;
    }
    this.masterIntervalCs = this.config.advertIntervalCs;
    this._masterAddress = undefined;
    this._masterPriority = 0;
    this.preemptUntil = undefined;
    // keepalived: `state MASTER` waits one interval (plus the smallest skew) to hear a master.
    const wait =
      this.config.initialState === "MASTER" && reason === "startup"
        ? this.intervalMs() + skewMs(this.config.version, 255, this.masterIntervalCs)
        : this.masterDownIntervalMs();
    this.deadlines.masterDown = this._now + wait;
    this.transition("BACKUP", reason, out);
  }

  private becomeMaster(reason: string, out: Action[]): void {
    const now = this._now;
    this.clearDeadlines();
    // Advert first so the old master drops its VIPs before our gratuitous ARPs (keepalived order).
    this.sendAdvert(this.effective, out);
    out.push({ type: "add-vips" });
    this.announce(this.config.garp.masterRepeat, out);
    this.deadlines.advert = onAdvertGrid(now + this.intervalMs());
    if (this.config.garp.masterDelayMs > 0) this.deadlines.garpDelay = now + this.config.garp.masterDelayMs;
    if (this.config.garp.masterRefreshMs > 0) this.deadlines.garpRefresh = now + this.config.garp.masterRefreshMs;
    // vrrp.c vrrp_state_become_master: vmac_garp_timer = now + vmac_garp_intvl.
    if (this.config.garpExtraIfMs !== undefined) this.garpExtraAt = now + this.config.garpExtraIfMs;
    this.masterIntervalCs = this.config.advertIntervalCs;
    this.stats.becameMaster++;
    this.transition("MASTER", reason, out);
  }

  private leaveMaster(to: "BACKUP" | "FAULT", reason: string, out: Action[]): void {
    if (to === "FAULT") this.sendAdvert(0, out);
    out.push({ type: "remove-vips" });
    this.clearDeadlines();
    this.stats.releasedMaster++;
    if (to === "BACKUP") {
      this.preemptUntil = undefined;
      this.deadlines.masterDown = this._now + this.masterDownIntervalMs();
    } else {
      this.masterIntervalCs = this.config.advertIntervalCs;
    }
    this.transition(to, reason, out);
  }

  private transition(to: State, reason: string, out: Action[]): void {
    const from = this._state;
    this._state = to;
    this._since = this._now;
    this.stats.transitions++;
    out.push({ type: "state", from, to, reason });
  }

  // --- helpers --------------------------------------------------------------------------------

  /**
   * The source of the adverts heard is a view the socket refills (ReceivedPacket): a copy is kept,
   * made only when the master's address changes, not per advert.
   */
  private keepMasterAddress(source: Uint8Array): void {
    const m = this._masterAddress;
    if (m === undefined || compareAddressBytes(m, source) !== 0) this._masterAddress = Uint8Array.from(source);
  }

  private sendAdvert(priority: number, out: Action[]): void {
    this.stats.advertsSent++;
    if (priority === 0) this.stats.priorityZeroSent++;
    // Actions are immutable: the same one goes out while priority and interval stay (a master
    // sends one every interval; an object each was garbage).
    const intervalCs = this.config.advertIntervalCs;
    let a = this.lastSend;
    if (a === undefined || a.priority !== priority || a.intervalCs !== intervalCs)
      a = this.lastSend = { type: "send-advert", priority, intervalCs };
    out.push(a);
  }

  /**
   * `repeat` rounds of gratuitous ARP / NA. keepalived 2.2.7 vrrp_arp.c send_gratuitous_arp /
   * queue_garp (vrrp_ndisc.c alike): on an interface with a GARP interval each frame waits for
   * garp_next_time, and a burst asked for while frames are still queued raises what is pending to
   * at most its own count (garp_gna_pending). Here the spacing is between rounds of the
   * instance's VIPs on that interface; the later rounds are this instance's deadlines, so leaving
   * MASTER cancels them (clearDeadlines).
   */
  private announce(repeat: number, out: Action[], lowerPriority?: true): void {
    const spacing = this._config.garpSpacing;
    if (!spacing || repeat <= 1 || !spacing.some((s) => s.gapMs > 0)) {
      out.push(lowerPriority ? { type: "announce", repeat, lowerPriority } : { type: "announce", repeat });
      return;
    }
    let flag = lowerPriority ? { lowerPriority } : {}; // on the first action only (for the log and tests; the router watches lowerPrioGarpAnswers)
    for (const s of spacing) {
      const pending = this.garpRounds.find((r) => r.ifname === s.ifname);
      if (s.gapMs > 0 && pending) {
        pending.left = Math.max(pending.left, repeat);
        continue;
      }
      out.push({ type: "announce", repeat: s.gapMs > 0 ? 1 : repeat, ifname: s.ifname, ...flag });
      flag = {};
      if (s.gapMs > 0) this.garpRounds.push({ ifname: s.ifname, gapMs: s.gapMs, at: this._now + s.gapMs, left: repeat - 1 });
    }
  }

  /** The spaced rounds that are due: one round each, the next a gap later (vrrp_arp.c vrrp_arp_thread). */
  private garpRoundsDue(out: Action[]): void {
    const now = this._now;
    for (let k = 0; k < this.garpRounds.length;) {
      const r = this.garpRounds[k]!;
      if (r.at <= now) {
        out.push({ type: "announce", repeat: 1, ifname: r.ifname });
        r.at = now + r.gapMs;
        if (--r.left <= 0) {
          this.garpRounds.splice(k, 1);
          continue;
        }
      }
      k++;
    }
  }

  private drop(code: DropCode, detail: string, out: Action[]): void {
    this.stats.drops[code] = (this.stats.drops[code] ?? 0) + 1;
    out.push({ type: "log", level: "debug", msg: "advert dropped", fields: { code, detail } });
  }

  private clearDeadlines(): void {
    this.deadlines.advert = undefined;
    this.deadlines.masterDown = undefined;
    this.deadlines.garpDelay = undefined;
    this.deadlines.garpRefresh = undefined;
    this.deadlines.garpLowerPrio = undefined;
    this.garpExtraAt = undefined;
    this.garpRounds.length = 0;
  }

  private intervalMs(): number {
    return this.config.advertIntervalCs * 10;
  }

  /** keepalived skews with 255 for an owner whose effective priority was lowered. */
  private skewPriority(): number {
    return this.isOwner ? 255 : this.effective;
  }
}
