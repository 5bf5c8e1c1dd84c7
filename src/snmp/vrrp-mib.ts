// The SNMP view, pure: the VRRP part of keepalived's KEEPALIVED-MIB (vrrp/vrrp_snmp.c: global
// version and router id, vrrpSyncGroupTable, vrrpSyncGroupMemberTable, vrrpInstanceTable,
// vrrpAddressTable) and the VRRPv3-MIB of RFC 6527 (operations, associated addresses, statistics),
// as sorted varbinds built from a snapshot; and the notifications keepalived sends. Columns and
// encodings follow keepalived 2.2.7 (a test compares snmpwalk output with keepalived's).

export const KEEPALIVED_OID = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
export const VRRP_OID = [...KEEPALIVED_OID, 2];
export const VRRPV3_OID = [1, 3, 6, 1, 2, 1, 207];

export type SnmpType = "OctetString" | "Integer" | "Gauge" | "Counter" | "Counter64" | "TimeTicks" | "OID";

export interface Varbind {
  readonly oid: readonly number[];
  readonly type: SnmpType;
  readonly value: number | Buffer | string;
}

export type SnmpState = "INIT" | "BACKUP" | "MASTER" | "FAULT";

export interface SnmpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
  readonly broadcast?: Uint8Array;
  readonly peer?: Uint8Array;
  readonly scope?: string;
  readonly ifindex: number;
  readonly ifname: string;
  readonly label?: string;
  readonly advertised: boolean;
}

export interface SnmpInstance {
  readonly name: string;
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly state: SnmpState;
  readonly initialState: "MASTER" | "BACKUP";
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly vipsSet: boolean;
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  readonly trackedInterfaces: number;
  readonly advertIntervalCs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly authPass: boolean;
  /** auth_type AH (with authPass): vrrpInstanceAuthType 2. */
  readonly authAh?: boolean;
  readonly syncGroup?: string;
  readonly garpDelayMs: number;
  readonly notify: {
    readonly master?: string;
    readonly backup?: string;
    readonly fault?: string;
    readonly stop?: string;
    readonly generic?: string;
  };
  readonly accept: boolean;
  /** The multicast group, or undefined for unicast. */
  readonly multicast?: Uint8Array;
  readonly primaryAddress: Uint8Array;
  readonly masterAddress?: Uint8Array;
  readonly addresses: readonly SnmpAddress[];
  /** Centiseconds since the instance last changed state (vrrpv3OperationsUpTime). */
  readonly upTimeCs: number;
  readonly stats: {
    readonly becameMaster: number;
    readonly masterReason: number;
    readonly advertsReceived: number;
    readonly intervalErrors: number;
    readonly ttlErrors: number;
    readonly priorityZeroReceived: number;
    readonly priorityZeroSent: number;
    readonly invalidType: number;
    readonly addressListErrors: number;
    readonly lengthErrors: number;
    readonly checksumErrors: number;
    readonly versionErrors: number;
    readonly vridErrors: number;
  };
}

export interface SnmpGroup {
  readonly name: string;
  readonly state: SnmpState;
  readonly members: readonly string[];
  readonly trackingWeight: boolean;
  readonly notify: SnmpInstance["notify"];
}

export interface SnmpSnapshot {
  readonly version: string;
  readonly routerId: string;
  readonly instances: readonly SnmpInstance[];
  readonly groups: readonly SnmpGroup[];
  readonly keepalivedMib: boolean;
  readonly rfcv3Mib: boolean;
  readonly traps: boolean;
}

/** keepalived vrrp_snmp_state: init 0, backup 1, master 2, fault 3. */
const kaState = (s: SnmpState): number => ({ INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 })[s];
/** SNMPv2-TC TruthValue. */
const truth = (b: boolean): number => (b ? 1 : 2);
/** keepalived snmp_scope (vrrp_snmp.c): the vrrpAddressScope enumeration. */
const SCOPE: Record<string, number> = { global: 14, site: 5, link: 2, host: 1, nowhere: 0 };
const str = (s: string): Buffer => Buffer.from(s, "utf8");

function instanceRows(s: SnmpSnapshot, out: Varbind[]): void {
  const col = (c: number, i: number, type: SnmpType, value: number | Buffer): void =>
    void out.push({ oid: [...VRRP_OID, 3, 1, c, i], type, value });
  s.instances.forEach((r, n) => {
    const i = n + 1;
    col(2, i, "OctetString", str(r.name));
    col(3, i, "Gauge", r.vrid);
    col(4, i, "Integer", kaState(r.state));
    col(5, i, "Integer", kaState(r.initialState));
    col(6, i, "Integer", kaState(r.state === "INIT" ? "BACKUP" : r.state));
    col(7, i, "Integer", r.basePriority);
    col(8, i, "Integer", r.effectivePriority);
    col(9, i, "Integer", truth(r.vipsSet));
    col(10, i, "OctetString", str(r.ifname));
    col(11, i, "Integer", truth(r.trackedInterfaces > 0));
    // v2: seconds, v3: centiseconds (vrrp_snmp.c VRRP_SNMP_INSTANCE_ADVERTISEMENTSINT).
    col(12, i, "Gauge", r.version === 2 ? Math.floor(r.advertIntervalCs / 100) : r.advertIntervalCs);
    col(13, i, "Integer", truth(r.preempt));
    col(14, i, "Gauge", Math.floor(r.preemptDelayMs / 1000));
    // vrrp_snmp.c VRRP_SNMP_INSTANCE_AUTHTYPE: the auth type for v2 (0 none, 1 PASS, 2 AH).
    col(15, i, "Integer", r.version === 2 && r.authPass ? (r.authAh ? 2 : 1) : 0);
    col(16, i, "Integer", truth(false));
    if (r.syncGroup) col(18, i, "OctetString", str(r.syncGroup));
    col(19, i, "Gauge", Math.floor(r.garpDelayMs / 1000));
    col(20, i, "Integer", truth(false));
    const n2 = r.notify;
    col(21, i, "Integer", truth(Boolean(n2.master || n2.backup || n2.fault || n2.stop || n2.generic)));
    if (n2.master) col(22, i, "OctetString", str(n2.master));
    if (n2.backup) col(23, i, "OctetString", str(n2.backup));
    if (n2.fault) col(24, i, "OctetString", str(n2.fault));
    if (n2.stop) col(25, i, "OctetString", str(n2.stop));
    if (n2.generic) col(26, i, "OctetString", str(n2.generic));
    col(27, i, "Integer", r.version === 3 ? truth(r.accept) : 0);
    col(28, i, "Integer", truth(false));
    col(29, i, "Integer", truth(false));
    col(30, i, "Integer", r.version);
    col(33, i, "Integer", truth(false));
    if (r.multicast) {
      col(34, i, "Integer", r.family === 4 ? 1 : 2);
      col(35, i, "OctetString", Buffer.from(r.multicast));
    }
  });
}

function addressRows(s: SnmpSnapshot, out: Varbind[]): void {
  s.instances.forEach((r, n) => {
    r.addresses.forEach((a, k) => {
      const col = (c: number, type: SnmpType, value: number | Buffer): void =>
        void out.push({ oid: [...VRRP_OID, 6, 1, c, n + 1, k + 1], type, value });
      col(2, "Integer", a.family === 4 ? 1 : 2);
      col(3, "OctetString", Buffer.from(a.bytes));
      if (a.family === 4) col(4, "OctetString", Buffer.from(a.broadcast ?? new Uint8Array(4)));
      col(5, "Gauge", a.prefix);
      col(6, "Integer", SCOPE[a.scope ?? "global"] ?? 14);
      col(7, "Integer", a.ifindex);
      col(8, "OctetString", str(a.ifname));
      if (a.label) col(9, "OctetString", str(a.label));
      col(10, "Integer", truth(r.vipsSet));
      col(11, "Integer", truth(a.advertised));
      if (a.peer) col(12, "OctetString", Buffer.from(a.peer));
    });
  });
}

function groupRows(s: SnmpSnapshot, out: Varbind[]): void {
  s.groups.forEach((g, n) => {
    const i = n + 1;
    const col = (c: number, type: SnmpType, value: number | Buffer): void => void out.push({ oid: [...VRRP_OID, 1, 1, c, i], type, value });
    col(2, "OctetString", str(g.name));
    col(3, "Integer", kaState(g.state));
    col(4, "Integer", truth(false));
    col(5, "Integer", truth(Boolean(g.notify.master || g.notify.backup || g.notify.fault || g.notify.stop || g.notify.generic)));
    if (g.notify.master) col(6, "OctetString", str(g.notify.master));
    if (g.notify.backup) col(7, "OctetString", str(g.notify.backup));
    if (g.notify.fault) col(8, "OctetString", str(g.notify.fault));
    if (g.notify.generic) col(9, "OctetString", str(g.notify.generic));
    col(10, "Integer", truth(g.trackingWeight));
    if (g.notify.stop) col(11, "OctetString", str(g.notify.stop));
    g.members.forEach((m, k) => out.push({ oid: [...VRRP_OID, 2, 1, 2, i, k + 1], type: "OctetString", value: str(m) }));
  });
}

/** RFC 6527 vrrpv3OperationsStatus: initialize(1), backup(2), master(3). */
const v3Status = (s: SnmpState): number => (s === "MASTER" ? 3 : s === "BACKUP" ? 2 : 1);

function v3Rows(s: SnmpSnapshot, out: Varbind[]): void {
  // keepalived suitable_for_rfc6527: VRRPv3 instances only.
  const rows = s.instances.filter((r) => r.version === 3);
  for (const r of rows) {
    const idx = [r.ifindex, r.vrid, r.family === 4 ? 1 : 2];
    const op = (c: number, type: SnmpType, value: number | Buffer): void =>
      void out.push({ oid: [...VRRPV3_OID, 1, 1, 1, 1, c, ...idx], type, value });
    op(3, "OctetString", Buffer.from(r.masterAddress ?? new Uint8Array(r.family === 4 ? 4 : 16)));
    op(4, "OctetString", Buffer.from(r.primaryAddress));
    op(5, "OctetString", Buffer.from(r.mac));
    op(6, "Integer", v3Status(r.state));
    op(7, "Gauge", r.effectivePriority);
    op(8, "Integer", r.addresses.filter((a) => a.advertised).length);
    op(9, "Integer", r.advertIntervalCs);
    op(10, "Integer", truth(r.preempt));
    op(11, "Integer", truth(r.accept));
    op(12, "TimeTicks", r.upTimeCs);
    op(13, "Integer", 1); // RowStatus active
    for (const a of r.addresses.filter((x) => x.advertised))
      out.push({ oid: [...VRRPV3_OID, 1, 1, 2, 1, 2, ...idx, ...a.bytes], type: "Integer", value: 1 });
  }
  const sum = (k: keyof SnmpInstance["stats"]) => rows.reduce((t, r) => t + r.stats[k], 0);
  out.push({ oid: [...VRRPV3_OID, 1, 2, 1, 0], type: "Counter64", value: sum("checksumErrors") });
  out.push({ oid: [...VRRPV3_OID, 1, 2, 2, 0], type: "Counter64", value: sum("versionErrors") });
  out.push({ oid: [...VRRPV3_OID, 1, 2, 3, 0], type: "Counter64", value: sum("vridErrors") });
  out.push({ oid: [...VRRPV3_OID, 1, 2, 4, 0], type: "TimeTicks", value: 0 });
  for (const r of rows) {
    const idx = [r.ifindex, r.vrid, r.family === 4 ? 1 : 2];
    const st = (c: number, type: SnmpType, value: number): void =>
      void out.push({ oid: [...VRRPV3_OID, 1, 2, 5, 1, c, ...idx], type, value });
    st(1, "Counter", r.stats.becameMaster);
    st(2, "Integer", r.stats.masterReason);
    st(3, "Counter64", r.stats.advertsReceived);
    st(4, "Counter64", r.stats.intervalErrors);
    st(5, "Counter64", r.stats.ttlErrors);
    st(6, "Integer", 0);
    st(7, "Counter64", r.stats.priorityZeroReceived);
    st(8, "Counter64", r.stats.priorityZeroSent);
    st(9, "Counter64", r.stats.invalidType);
    st(10, "Counter64", r.stats.addressListErrors);
    st(11, "Counter64", r.stats.lengthErrors);
    st(12, "TimeTicks", 0);
    st(13, "Gauge", r.advertIntervalCs * 10);
  }
}

export function compareOids(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Every object the subagent serves, sorted by OID. */
export function mibVarbinds(s: SnmpSnapshot): Varbind[] {
  const out: Varbind[] = [];
  if (s.keepalivedMib) {
    out.push({ oid: [...KEEPALIVED_OID, 1, 1, 0], type: "OctetString", value: str(s.version) });
    out.push({ oid: [...KEEPALIVED_OID, 1, 2, 0], type: "OctetString", value: str(s.routerId) });
    // core/snmp.c snmp_scalar, as keepalived answers them with no mail, LVS or D-Bus configured
    // (tsvrrpd has none of those); dynamic interfaces are always on in tsvrrpd.
    const g = (sub: number[], type: SnmpType, value: number | Buffer) => out.push({ oid: [...KEEPALIVED_OID, 1, ...sub, 0], type, value });
    g([3, 1], "Integer", 2);
    g([3, 2], "OctetString", Buffer.alloc(4));
    g([3, 3], "Gauge", 0);
    g([3, 6], "Gauge", 0);
    g([3, 7], "Integer", 1);
    g([3, 8], "Integer", 3);
    g([3, 9], "Integer", 3);
    g([3, 10], "Integer", 3);
    g([4], "Integer", truth(s.traps));
    g([5], "Integer", 1);
    g([6], "Integer", truth(false));
    g([7], "Integer", 1);
    g([8], "OctetString", Buffer.alloc(0));
    g([9], "Integer", truth(false));
    g([10], "Integer", truth(true));
    g([11], "Integer", 2);
    groupRows(s, out);
    instanceRows(s, out);
    addressRows(s, out);
  }
  if (s.rfcv3Mib) v3Rows(s, out);
  return out.sort((a, b) => compareOids(a.oid, b.oid));
}

/** keepalived vrrp_snmp_instance_trap: vrrpInstanceStateChange (init 0 .. fault 3, stop 5). */
export function instanceStateTrap(i: SnmpInstance, stopped: boolean, routerId: string): { oid: number[]; varbinds: Varbind[] } {
  return {
    oid: [...VRRP_OID, 10, 0, 2],
    varbinds: [
      { oid: [...VRRP_OID, 3, 1, 2], type: "OctetString", value: str(i.name) },
      { oid: [...VRRP_OID, 3, 1, 4], type: "Integer", value: stopped ? 5 : kaState(i.state) },
      { oid: [...VRRP_OID, 3, 1, 5], type: "Integer", value: kaState(i.initialState) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], type: "OctetString", value: str(routerId) },
    ],
  };
}

/** keepalived vrrp_snmp_group_trap: vrrpSyncGroupStateChange. */
export function groupStateTrap(g: SnmpGroup, stopped: boolean, routerId: string): { oid: number[]; varbinds: Varbind[] } {
  return {
    oid: [...VRRP_OID, 10, 0, 1],
    varbinds: [
      { oid: [...VRRP_OID, 1, 1, 2], type: "OctetString", value: str(g.name) },
      { oid: [...VRRP_OID, 1, 1, 3], type: "Integer", value: stopped ? 5 : kaState(g.state) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], type: "OctetString", value: str(routerId) },
    ],
  };
}

/** keepalived vrrp_rfcv3_snmp_new_master_notify: vrrpv3NotifyNewMaster with the address and the reason. */
export function newMasterNotification(i: SnmpInstance): { oid: number[]; varbinds: Varbind[] } | undefined {
  if (i.version !== 3) return undefined;
  const idx = [i.ifindex, i.vrid, i.family === 4 ? 1 : 2];
  return {
    oid: [...VRRPV3_OID, 0, 1],
    varbinds: [
      { oid: [...VRRPV3_OID, 1, 1, 1, 1, 3, ...idx], type: "OctetString", value: Buffer.from(i.primaryAddress) },
      { oid: [...VRRPV3_OID, 1, 2, 5, 1, 2, ...idx], type: "Integer", value: i.stats.masterReason },
    ],
  };
}
