// The instance view both sides are compared by (real-configs.test.ts, vmac-addr.test.ts): name,
// VRID, interface, priority, state and VIPs from keepalived 2.2.7's -d dump and from tsvrrpd's parse.
import { loadKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { placeOnVmacs } from "../../src/config/vmac-placement.js";

interface Vip {
  readonly address: string;
  readonly prefix: number;
  readonly dev: string;
}

export interface InstanceView {
  readonly name: string;
  readonly vrid: number;
  readonly interface: string;
  readonly priority: number;
  readonly state: string;
  readonly vips: readonly string[];
  readonly excluded: readonly string[];
}

const vipText = (v: Vip) => `${v.address}/${v.prefix} dev ${v.dev}`;

/** The instances of keepalived's -d dump (vrrp/vrrp_data.c dump_vrrp): name, VRID, interface, priority, VIPs. */
export function parseKeepalivedDump(out: string): InstanceView[] {
  const lines = out.split("\n").map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ""));
  const start = lines.findIndex((l) => l.includes("< VRRP Topology >"));
  if (start < 0) return [];
  const list: { -readonly [K in keyof InstanceView]: InstanceView[K] extends readonly string[] ? string[] : InstanceView[K] }[] = [];
  let cur: (typeof list)[number] | undefined;
  let into: string[] | undefined;
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith("------<")) break;
    let m: RegExpMatchArray | null;
    if ((m = /^ VRRP Instance = (.*)$/.exec(l))) {
      cur = { name: m[1]!.trim(), vrid: 0, interface: "", priority: 0, state: "", vips: [], excluded: [] };
      list.push(cur);
      into = undefined;
      continue;
    }
    if (!cur) continue;
    // A log line of keepalived's other processes may land between the dump's lines (they share
    // the console): the dump's own lines are indented, anything else is not part of it.
    if (!l.startsWith(" ")) continue;
    const addr = /^ {5}(\S+) dev (\S+)/.exec(l);
    if (into && addr) {
      const [a, p] = addr[1]!.split("/");
      into.push(vipText({ address: a!, prefix: p ? Number(p) : a!.includes(":") ? 128 : 32, dev: addr[2]! }));
      continue;
    }
    into = undefined;
    if ((m = /^ {3}Virtual IP \(\d+\):/.exec(l))) into = cur.vips;
    else if (/^ {3}Virtual IP Excluded/.test(l)) into = cur.excluded;
    // "Interface = vrrp.51, vmac on eth0[, xmit base i/f]" for a use_vmac instance: the macvlan @ its base.
    else if ((m = /^ {3}Interface = ([^\s,]+)(?:, vmac on (\S+?)(?:,|$))?/.exec(l))) cur.interface = m[2] ? `${m[1]!}@${m[2]}` : m[1]!;
    else if ((m = /^ {3}Virtual Router ID = (\d+)/.exec(l))) cur.vrid = Number(m[1]);
    else if ((m = /^ {3}Priority = (\d+)/.exec(l))) cur.priority = Number(m[1]);
    else if ((m = /^ {3}Wantstate = (\S+)/.exec(l))) cur.state = m[1]!;
  }
  return list.map((i) => ({ ...i, vips: [...i.vips].sort(), excluded: [...i.excluded].sort() }));
}

/**
 * tsvrrpd's parse as the daemon runs it: on its use_vmac / use_vmac_addr macvlans (placeOnVmacs),
 * each named NAME@BASE as keepalived's dump does (vrrp_ipaddress.c format_ipaddress). keepalived's
 * instance interface is the macvlan also with vmac_xmit_base.
 */
export function tsvrrpdInstances(file: string): InstanceView[] {
  const { config } = loadKeepalivedConf(file);
  return config.instances.map((configured) => {
    const i = placeOnVmacs(configured);
    const bases = new Map([
      ...(i.vmac ? [[i.vmac.name, configured.interface] as const] : []),
      ...(i.addrVmacs ?? []).map((m) => [m.name, m.base] as const),
    ]);
    const at = (ifname: string) => (bases.has(ifname) ? `${ifname}@${bases.get(ifname)!}` : ifname);
    const v = (x: { address: string; prefix: number; dev?: string }) =>
      vipText({ address: x.address, prefix: x.prefix, dev: at(x.dev ?? i.interface) });
    return {
      name: i.name,
      vrid: i.vrid,
      interface: at(i.vmac?.name ?? i.interface),
      priority: i.priority,
      state: i.initialState,
      vips: i.vips.map(v).sort(),
      excluded: i.excludedVips.map(v).sort(),
    };
  });
}
