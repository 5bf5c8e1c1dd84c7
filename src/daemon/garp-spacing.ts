import type { DaemonConfig } from "../config/model.js";

/**
 * The spacing (ms) between gratuitous ARP / unsolicited NA rounds on an interface. keepalived 2.2.7
 * vrrp_if.c: an interface in a garp_group has that group's delay (vrrp_parser.c
 * garp_group_interface_handler); every other interface gets global_defs vrrp_garp_interval /
 * vrrp_gna_interval (set_default_garp_delay); a macvlan uses its base interface's (IF_BASE_IFP).
 * One spacing, the larger of the ARP and NA intervals (docs/keywords.md).
 */
export function announceGapMs(config: DaemonConfig, ifname: string): number {
  const base = config.instances.find((i) => i.vmac?.base && i.interface === ifname)?.vmac?.base ?? ifname;
  const g = config.garpGroups?.find((x) => x.interfaces.includes(base));
  const d = g ?? config.global;
  return Math.max(d.garpIntervalMs ?? 0, d.gnaIntervalMs ?? 0);
}
