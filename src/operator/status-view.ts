// The operator's view of the instances (status --json, /status, the DATA dump, /metrics).
import type { Family } from "../vrrp/address.js";
import type { State } from "../vrrp/instance-types.js";
import type { VrrpInstance } from "../vrrp/instance.js";
import type { DropCode } from "../vrrp/packet.js";
import type { InstanceIo } from "../daemon/instance-io.js";
import { formatAddress } from "../vrrp/address.js";

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
  stats: VrrpInstance["stats"] & { sendErrors: number };
}

export function instanceStatus(io: InstanceIo, sendErrors: number): InstanceStatus {
  const vi = io.ri.vi;
  return {
    name: io.spec.name,
    vrid: io.spec.vrid,
    interface: io.spec.interface,
    family: io.spec.family,
    version: io.spec.version,
    state: vi.state,
    sinceMs: vi.since,
    priority: io.spec.priority,
    effectivePriority: vi.effectivePriority,
    master: vi.masterAddress ? formatAddress(vi.masterAddress) : undefined,
    masterPriority: vi.masterPriority,
    advertIntervalCs: vi.masterAdverIntervalCs,
    vips: io.vips.filter((v) => !v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
    excludedVips: io.vips.filter((v) => v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
    holdsVips: io.holdsVips,
    faults: vi.faultReasons,
    stats: { ...vi.stats, drops: sumDrops(vi.stats.drops, io.ri.receiveDrops), sendErrors },
  };
}

/** The core's and the receive policy's drops, added per reason (both may count one code, e.g. BAD_TTL). */
export function sumDrops(...parts: Partial<Record<DropCode, number>>[]): Partial<Record<DropCode, number>> {
  const out: Partial<Record<DropCode, number>> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p) as [DropCode, number][]) out[k] = (out[k] ?? 0) + v;
  return out;
}
