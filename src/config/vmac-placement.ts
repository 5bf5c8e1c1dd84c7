// use_vmac / use_vmac_addr: which macvlans an instance needs and which interface each VIP lives on.
// Follows keepalived 2.2.7 vrrp/vrrp.c vrrp_complete_instance (the VIP/eVIP loop after "Check
// sanity regarding use_vmac") and create_vmac_name; vrrp_if.c if_get_by_vmac for reuse.
// Pure: src/daemon/vmacs.ts makes the macvlans, then runs the instance on what placeOnVmacs returns.
import type { Family } from "../vrrp/address.js";
import type { AddrVmacSpec, InstanceSpec, VipSpec } from "./model.js";

/** The VRRP virtual MAC (RFC 5798 section 7.3) of a family, or the one given to use_vmac. */
export function vrrpMac(family: Family, vrid: number, configured?: Uint8Array): Uint8Array {
  return configured ?? Uint8Array.from([0, 0, 0x5e, 0, family === 6 ? 2 : 1, vrid]);
}

/** vrrp.c create_vmac_name: PREFIX.VRID, else PREFIX<num>.VRID, cut to IFNAMSIZ - 1. */
export function vmacName(prefix: string, vrid: number, num = 0): string {
  const suffix = `${num || ""}.${vrid}`;
  return prefix.slice(0, 15 - suffix.length) + suffix;
}

/** A VIP stays on the instance's interface (its VMAC with use_vmac) when it has no `dev` or that one. */
const onConfigured = (spec: InstanceSpec, v: VipSpec) => v.dev === undefined || v.dev === spec.interface;

/**
 * Whether a VIP goes on an address macvlan of its interface (vrrp.c "if_sorted" false): one on
 * another interface with use_vmac_addr or its own `use_vmac`; one on the instance's interface
 * only when use_vmac does not take it (the other family, or no use_vmac) and it has `use_vmac`,
 * or is of the other family with use_vmac_addr.
 */
function onAddrVmac(spec: InstanceSpec, v: VipSpec): boolean {
  if (!onConfigured(spec, v)) return v.useVmac === true || spec.useVmacAddr === true;
  if (spec.vmac && v.family === spec.family) return false;
  return v.useVmac === true || (spec.useVmacAddr === true && v.family !== spec.family);
}

/**
 * An address's `use_vmac` where keepalived drops it, with its words (vrrp.c
 * vrrp_complete_instance, "Check sanity regarding use_vmac"): on an address the instance's
 * use_vmac macvlan takes anyway, and beside use_vmac_addr where that applies.
 */
export function vipUseVmacSanity(spec: InstanceSpec, warn: (message: string) => void): InstanceSpec {
  const check = (v: VipSpec): VipSpec => {
    if (!v.useVmac) return v;
    const on = onConfigured(spec, v);
    if (on && spec.vmac && v.family === spec.family)
      warn(`(${spec.name}) use_vmac specified for VIP/eVIP ${v.address} and vrrp instance (as keepalived: the instance's VMAC holds it)`);
    else if ((!on || v.family !== spec.family) && spec.useVmacAddr)
      warn(
        `(${spec.name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP ${v.address} (as keepalived: use_vmac_addr applies)`,
      );
    else return v;
    const { useVmac: _, ...rest } = v;
    return rest;
  };
  return { ...spec, vips: spec.vips.map(check), excludedVips: spec.excludedVips.map(check) };
}

/** The (interface, family) pairs the instance needs an address macvlan for (see onAddrVmac). */
function addrVmacNeeds(spec: InstanceSpec): { base: string; family: Family }[] {
  const out: { base: string; family: Family }[] = [];
  for (const v of [...spec.vips, ...spec.excludedVips]) {
    if (!onAddrVmac(spec, v)) continue;
    const base = v.dev ?? spec.interface;
    if (!out.some((o) => o.base === base && o.family === v.family)) out.push({ base, family: v.family });
  }
  return out;
}

/**
 * use_vmac_addr's (and addresses' use_vmac) macvlans of `inst`, named as keepalived does: a macvlan with the same base and
 * MAC made for an earlier instance is shared (vrrp_if.c if_get_by_vmac); otherwise the first name
 * PREFIX.VRID, PREFIX1.VRID, ... (IPv6: PREFIX.VRID, PREFIX6.VRID, PREFIX1.VRID, ...) that no
 * instance's use_vmac and no earlier macvlan uses (vrrp.c create_vmac_name).
 */
export function resolveAddrVmacs(
  inst: InstanceSpec,
  all: readonly InstanceSpec[],
  before: readonly InstanceSpec[],
  prefix: string,
): InstanceSpec {
  const made: AddrVmacSpec[] = [];
  const known: AddrVmacSpec[] = before.flatMap((i) => [
    ...(i.vmac ? [{ name: i.vmac.name, base: i.interface, family: i.family, mac: vrrpMac(i.family, i.vrid, i.vmac.mac) }] : []),
    ...(i.addrVmacs ?? []),
  ]);
  const used = new Set([...all.flatMap((i) => (i.vmac ? [i.vmac.name] : [])), ...known.map((k) => k.name)]);
  for (const need of addrVmacNeeds(inst)) {
    const mac = vrrpMac(need.family, inst.vrid, inst.vmac?.mac);
    const same = known.find((k) => k.base === need.base && sameBytes(k.mac, mac));
    if (same) {
      made.push({ ...need, name: same.name, mac });
      continue;
    }
    const order = need.family === 6 ? [0, 6, 1, 2, 3, 4, 5, 7, 8, 9] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    let num = order.find((n) => !used.has(vmacName(prefix, inst.vrid, n)));
    for (let n = 10; num === undefined; n++) if (!used.has(vmacName(prefix, inst.vrid, n))) num = n;
    const name = vmacName(prefix, inst.vrid, num);
    used.add(name);
    const m: AddrVmacSpec = { ...need, name, mac };
    made.push(m);
    known.push(m);
  }
  return { ...inst, addrVmacs: made };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The instance as it runs on its macvlans: `interface` is the use_vmac macvlan (unless
 * vmac_xmit_base, whose adverts leave from the base), `vmac.base` the configured interface, and
 * each VIP's `dev` where keepalived puts it: the instance's macvlan for one of its family on the
 * configured interface (with or without `dev`), a use_vmac_addr macvlan for one it made, else the
 * interface it was given.
 */
export function placeOnVmacs(spec: InstanceSpec): InstanceSpec {
  if (spec.vmac?.base !== undefined || (!spec.vmac && !spec.addrVmacs?.length)) return spec;
  const place = (v: VipSpec): VipSpec => {
    if (spec.vmac && onConfigured(spec, v) && v.family === spec.family) return { ...v, dev: spec.vmac.name };
    const base = v.dev ?? spec.interface;
    const addr = onAddrVmac(spec, v) ? spec.addrVmacs?.find((m) => m.base === base && m.family === v.family) : undefined;
    return { ...v, dev: addr?.name ?? base };
  };
  return {
    ...spec,
    interface: spec.vmac && !spec.vmac.xmitBase ? spec.vmac.name : spec.interface,
    ...(spec.vmac ? { vmac: { ...spec.vmac, base: spec.interface } } : {}),
    vips: spec.vips.map(place),
    excludedVips: spec.excludedVips.map(place),
  };
}
