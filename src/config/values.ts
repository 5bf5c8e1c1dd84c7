// Values start-up would reject, checked when the file is read so `-t` reports them too.
import { familyOf } from "../vrrp/address.js";

/** Linux interface names: 1..15 bytes, no '/', ':' or blanks, not "." or ".." (dev_valid_name). */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0 || Buffer.byteLength(name) > 15) return `interface name ${JSON.stringify(name)} must be 1..15 bytes`;
  if (name === "." || name === "..") return `interface name ${JSON.stringify(name)} is not allowed`;
  if (/[/:\s]/.test(name)) return `interface name ${JSON.stringify(name)} must not contain '/', ':' or blanks`;
  return undefined;
}

/** ADDR:PORT or [IPv6]:PORT for a listener; ADDR may be empty (all addresses). */
export function listenProblem(text: string): string | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not ADDR:PORT (use [ADDR]:PORT for IPv6)`;
  const addr = m[1] ?? m[2] ?? "";
  if (addr !== "" && !familyOf(addr)) return `${JSON.stringify(addr)} in ${JSON.stringify(text)} is not an IP address`;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `port ${m[3]} in ${JSON.stringify(text)} is not 1..65535`;
  return undefined;
}

/**
 * `garp_extra_if` / `vrrp_garp_extra_if` and their deprecated `vmac_garp_intvl` spellings
 * (keepalived 2.2.7 vrrp_parser.c vrrp_garp_extra_if_handler, global_parser.c
 * vrrp_vmac_garp_extra_if_handler): words in any order, `all` and a number of seconds (the instance
 * takes 0..86400, global_defs 1..86400). `all` counts even when the line is then ignored, as there.
 */
export function readGarpExtraIf(
  words: readonly string[],
  min: 0 | 1,
): { readonly all: boolean; readonly sec?: number; readonly problem?: "invalid" | "no-time"; readonly bad?: string } {
  let all = false;
  let sec: number | undefined;
  for (const w of words) {
    if (w === "all") all = true;
    else if (/^\d+$/.test(w) && Number(w) >= min && Number(w) <= 86400) sec = Number(w);
    else return { all, problem: "invalid", bad: w };
  }
  return sec === undefined ? { all, problem: "no-time" } : { all, sec };
}
