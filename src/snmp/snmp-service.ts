// SNMP as keepalived offers it (global_defs enable_snmp_vrrp / enable_snmp_keepalived,
// enable_snmp_rfcv3 / enable_snmp_rfc, enable_traps, snmp_socket; -x and -A on the command line):
// an AgentX subagent serving the KEEPALIVED-MIB VRRP part and the VRRPv3-MIB from the daemon's
// live state, and keepalived's notifications on every state change.
import { hostname } from "node:os";
import type { DaemonConfig, NotifyScripts } from "../config/model.js";
import type { InstanceDriver } from "../daemon/instance-driver.js";
import type { LinkCache } from "../daemon/link-cache.js";
import type { Logger } from "../operator/log.js";
import { addressBytes, vrrpGroup } from "../vrrp/address.js";
import type { State } from "../vrrp/instance-types.js";
import type { VrrpSubagent } from "./agentx.js";
import {
  groupStateTrap,
  instanceStateTrap,
  KEEPALIVED_OID,
  mibVarbinds,
  newMasterNotification,
  VRRPV3_OID,
  VRRP_OID,
  type SnmpGroup,
  type SnmpInstance,
  type SnmpSnapshot,
} from "./vrrp-mib.js";

export interface SnmpSources {
  readonly config: () => DaemonConfig;
  readonly instances: () => Iterable<InstanceDriver>;
  readonly links: LinkCache;
  readonly groupStates: () => ReadonlyMap<string, State>;
  readonly unknownVrid: () => number;
}

/** The notify_* command lines, as the MIB shows them. */
function notifyCommands(n: NotifyScripts): SnmpInstance["notify"] {
  return {
    ...(n.master ? { master: n.master.command } : {}),
    ...(n.backup ? { backup: n.backup.command } : {}),
    ...(n.fault ? { fault: n.fault.command } : {}),
    ...(n.stop ? { stop: n.stop.command } : {}),
    ...(n.generic ? { generic: n.generic.command } : {}),
  };
}

/** RFC 6527 vrrpv3StatisticsNewMasterReason from the router's reason for taking over. */
function masterReason(reason: string): number {
  if (/owner|255/.test(reason)) return 1; // priority
  if (/preempt|lower priority/.test(reason)) return 2; // preempted
  return 3; // masterNoResponse
}

export class SnmpService {
  private agent?: VrrpSubagent;
  private readonly reasons = new Map<string, number>();
  private readonly since = new Map<string, number>();

  constructor(
    private readonly sources: SnmpSources,
    private readonly log: Logger,
    private readonly version: string,
  ) {}

  /** Starts the subagent when the configuration (or -x) asks for it (waiting up to 1 s for its registration). */
  async configure(): Promise<void> {
    const g = this.sources.config().global;
    const wanted = g.snmp?.vrrp || g.snmp?.rfcv3;
    if (!wanted) {
      this.agent?.stop();
      this.agent = undefined;
      return;
    }
    if (this.agent) return;
    // Loaded only when asked for: net-snmp is a large module a daemon without SNMP does not need.
    const { agentxTarget, DEFAULT_AGENTX_SOCKET, VrrpSubagent } = await import("./agentx.js");
    if (this.agent) return;
    const spec = g.snmp?.socket ?? DEFAULT_AGENTX_SOCKET;
    const target = agentxTarget(spec);
    if (typeof target === "string") {
      this.log.error({ snmpSocket: spec }, `${target}; SNMP is not served`);
      return;
    }
    const regions = [...(g.snmp?.vrrp ? [[...KEEPALIVED_OID, 1], VRRP_OID] : []), ...(g.snmp?.rfcv3 ? [VRRPV3_OID] : [])];
    this.agent = new VrrpSubagent(target, regions, () => mibVarbinds(this.snapshot()), this.log.child({ snmp: true }));
    this.agent.start();
    await this.agent.whenReady(1000);
  }

  stop(): void {
    this.agent?.stop();
    this.agent = undefined;
  }

  /** keepalived vrrp_notify.c send_instance_notifies: its trap, and vrrpv3NotifyNewMaster on MASTER. */
  instanceState(name: string, to: State, reason: string): void {
    this.since.set(name, performance.now());
    if (to === "MASTER") this.reasons.set(name, masterReason(reason));
    const g = this.sources.config().global.snmp;
    if (!this.agent || !g?.traps) return;
    // Only this instance's view: a state change of every instance must not build every view each time.
    const io = [...this.sources.instances()].find((x) => x.spec.name === name);
    if (!io) return;
    const inst = this.instanceView(io, this.sources.config(), performance.now());
    if (g.vrrp) {
      const t = instanceStateTrap(inst, to === "INIT", this.routerId());
      this.agent.notify(t.oid, t.varbinds);
    }
    if (g.rfcv3 && to === "MASTER") {
      const n = newMasterNotification(inst);
      if (n) this.agent.notify(n.oid, n.varbinds);
    }
  }

  groupState(group: string, state: State): void {
    const g = this.sources.config().global.snmp;
    if (!this.agent || !g?.traps || !g.vrrp) return;
    const grp = this.groupViews().find((x) => x.name === group);
    if (!grp) return;
    const t = groupStateTrap({ ...grp, state }, state === "INIT", this.routerId());
    this.agent.notify(t.oid, t.varbinds);
  }

  private routerId(): string {
    // keepalived's default router_id is the host name.
    return this.sources.config().global.routerId ?? hostname();
  }

  private instanceView(io: InstanceDriver, config: DaemonConfig, now: number): SnmpInstance {
    const spec = io.spec.model;
    const vi = io.ri.vi;
    const link = this.sources.links.link(spec.interface);
    const drops = vi.stats.drops;
    const group = config.syncGroups.find((g) => g.members.includes(spec.name));
    return {
      name: spec.name,
      vrid: spec.vrid,
      version: spec.version,
      family: spec.family,
      state: vi.state,
      initialState: spec.initialState,
      basePriority: spec.priority,
      effectivePriority: vi.effectivePriority,
      vipsSet: io.holdsVips,
      ifname: spec.interface,
      ifindex: link?.index ?? 0,
      mac: link?.mac ?? new Uint8Array(6),
      trackedInterfaces: spec.trackInterfaces.length,
      advertIntervalCs: spec.advertIntervalCs,
      preempt: !spec.nopreempt,
      preemptDelayMs: spec.preemptDelayMs,
      authPass: spec.authPass !== undefined,
      ...(spec.authAh ? { authAh: true } : {}),
      ...(group ? { syncGroup: group.name } : {}),
      garpDelayMs: spec.garp.masterDelayMs,
      notify: notifyCommands(spec.notify),
      accept: spec.accept,
      ...(spec.unicastPeers.length === 0 ? { multicast: spec.mcastGroup ? addressBytes(spec.mcastGroup) : vrrpGroup(spec.family) } : {}),
      primaryAddress: io.spec.config.primaryAddress,
      ...(vi.masterAddress ? { masterAddress: vi.masterAddress } : {}),
      addresses: io.vips.map((v) => ({
        family: v.spec.family,
        bytes: v.bytes,
        prefix: v.spec.prefix,
        ...(v.broadcast ? { broadcast: v.broadcast } : {}),
        ...(v.peer ? { peer: v.peer } : {}),
        ...(v.spec.scope ? { scope: v.spec.scope } : {}),
        ifindex: this.sources.links.link(v.ifname)?.index ?? 0,
        ifname: v.ifname,
        ...(v.spec.label ? { label: v.spec.label } : {}),
        advertised: !v.excluded,
      })),
      upTimeCs: Math.floor((now - (this.since.get(spec.name) ?? vi.since)) / 10),
      stats: {
        becameMaster: vi.stats.becameMaster,
        masterReason: vi.state === "MASTER" ? (this.reasons.get(spec.name) ?? 3) : 0,
        advertsReceived: vi.stats.advertsReceived,
        intervalErrors: drops.BAD_INTERVAL ?? 0,
        ttlErrors: drops.BAD_TTL ?? 0,
        priorityZeroReceived: vi.stats.priorityZeroReceived,
        priorityZeroSent: vi.stats.priorityZeroSent,
        invalidType: drops.BAD_TYPE ?? 0,
        addressListErrors: vi.stats.addressListMismatch,
        lengthErrors: drops.TRUNCATED ?? 0,
        checksumErrors: drops.BAD_CHECKSUM ?? 0,
        versionErrors: drops.BAD_VERSION ?? 0,
        vridErrors: this.sources.unknownVrid(),
      },
    };
  }

  private groupViews(): SnmpGroup[] {
    const config = this.sources.config();
    const states = this.sources.groupStates();
    return config.syncGroups.map((g) => ({
      name: g.name,
      state: states.get(g.name) ?? "INIT",
      members: g.members,
      trackingWeight: g.trackingWeight,
      notify: notifyCommands(g.notify),
    }));
  }

  snapshot(): SnmpSnapshot {
    const config = this.sources.config();
    const now = performance.now();
    const instances = [...this.sources.instances()].map((io) => this.instanceView(io, config, now));
    const groups = this.groupViews();
    const snmp = config.global.snmp;
    return {
      version: this.version,
      routerId: this.routerId(),
      instances,
      groups,
      keepalivedMib: Boolean(snmp?.vrrp),
      rfcv3Mib: Boolean(snmp?.rfcv3),
      traps: Boolean(snmp?.traps),
    };
  }
}
