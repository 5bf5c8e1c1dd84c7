// The operator's view of the instances (status --json, /status, the DATA dump, /metrics).
import type { Family } from "../vrrp/address.js";
import type { State } from "../vrrp/instance-types.js";
import type { VrrpInstance } from "../vrrp/instance.js";
import type { InstanceDriver } from "../daemon/instance-driver.js";
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

export function instanceStatus(io: InstanceDriver): InstanceStatus {
  const vi = io.ri.vi;
  const m = io.spec.model;
  return {
    name: m.name,
    vrid: m.vrid,
    interface: m.interface,
    family: m.family,
    version: m.version,
    state: vi.state,
    sinceMs: vi.since,
    priority: m.priority,
    effectivePriority: vi.effectivePriority,
    master: vi.masterAddress ? formatAddress(vi.masterAddress) : undefined,
    masterPriority: vi.masterPriority,
    advertIntervalCs: vi.masterAdverIntervalCs,
    vips: io.vips.filter((v) => !v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
    excludedVips: io.vips.filter((v) => v.excluded).map((v) => `${v.spec.address}/${v.spec.prefix}`),
    holdsVips: io.holdsVips,
    faults: vi.faultReasons,
    stats: { ...vi.stats, drops: { ...vi.stats.drops }, sendErrors: io.stats.sendErrors },
  };
}
