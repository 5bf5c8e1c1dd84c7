// How many virtual addresses one advert carries on an interface (keepalived vrrp.c
// vrrp_complete_instance): what fits in the interface's MTU after the Ethernet, IP and VRRP
// headers (and VRRPv2's 8 authentication bytes), at most 255 (the count is one byte).
import { readFileSync } from "node:fs";
import { nativeHelper } from "../native/helper.js";
import type { Family } from "../vrrp/address.js";
import type { Version } from "../vrrp/packet.js";

/** keepalived's DEFAULT_MTU, used when the interface's MTU cannot be read. */
export const DEFAULT_MTU = 1500;

/**
 * The interface's MTU in this process's network namespace, or DEFAULT_MTU: SIOCGIFMTU through the
 * native helper, else sysfs. sysfs shows the namespace it was mounted in, which is not the one
 * net_namespace / -s entered (setns leaves the mounts alone).
 */
export function interfaceMtu(ifname: string): number {
  // An interface name never holds '/' and is at most 15 bytes: nothing else is looked up.
  if (!/^[^/\0\s]{1,15}$/.test(ifname) || ifname === "." || ifname === "..") return DEFAULT_MTU;
  let native: number | undefined;
  try {
    native = nativeHelper().ifMtu(ifname);
  } catch {
    // no native helper: sysfs
  }
  if (native !== undefined) return native > 0 ? native : DEFAULT_MTU;
  try {
    const mtu = Number(readFileSync(`/sys/class/net/${ifname}/mtu`, "utf8").trim());
    return Number.isInteger(mtu) && mtu > 0 ? mtu : DEFAULT_MTU;
  } catch {
    return DEFAULT_MTU;
  }
}

export function advertCapacity(family: Family, version: Version, mtu: number): number {
  const ether = 14;
  const header = family === 4 ? ether + 20 + 8 + (version === 2 ? 8 : 0) : ether + 40 + 8;
  return Math.max(0, Math.min(255, Math.floor((mtu - header) / (family === 4 ? 4 : 16))));
}
