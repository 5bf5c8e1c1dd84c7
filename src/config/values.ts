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
