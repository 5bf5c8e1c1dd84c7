// garp_extra_if / vrrp_garp_extra_if (keepalived 2.2.7 vrrp.c vrrp_send_vmac_update, and
// vrrp_complete_instance for when it is off): while MASTER, every interval, one gratuitous ARP /
// unsolicited NA on each interface other than the instance's own that holds a VIP, for the first
// VIP found there, so switches keep learning the MAC on those interfaces. Pure: the daemon sends.

export interface ExtraGarpVip {
  readonly ifname: string;
  readonly bytes: Uint8Array;
}

/**
 * The VIPs to announce, one per interface, in VIP order. `own` is the instance's interface (its
 * VMAC with use_vmac); `isVmac` says whether an interface is a VMAC tsvrrpd created.
 * - keepalived turns the feature off (vrrp_complete_instance) when no VIP is on another interface
 *   than `own`, or when the only other ones are not VMACs and `all` was not given;
 * - an interface that is not a VMAC is used only with `all`;
 * - `own` only with vmac_xmit_base (the adverts then leave from the base, so the VMAC's MAC needs
 *   refreshing on the switch).
 */
export function extraGarpTargets<V extends ExtraGarpVip>(
  vips: readonly V[],
  own: string,
  o: { readonly all: boolean; readonly xmitBase: boolean; readonly isVmac: (ifname: string) => boolean },
): V[] {
  const others = vips.filter((v) => v.ifname !== own);
  const extraVmac = others.some((v) => o.isVmac(v.ifname));
  if (others.length === 0 || (!extraVmac && !o.all)) return [];
  const done = new Set<string>();
  const out: V[] = [];
  for (const v of vips) {
    if (!o.isVmac(v.ifname) && !o.all) continue;
    if (v.ifname === own && !o.xmitBase) continue;
    if (done.has(v.ifname)) continue;
    done.add(v.ifname);
    out.push(v);
  }
  return out;
}
