// `tsvrrpd simulate`: the hosts' configurations run by the real router and state machine on the
// simulator's virtual LAN (src/sim), with scripted events, deterministic for a seed. Scripts are
// not run: a check failing or recovering is an event. Interfaces with the same name on different
// hosts share one segment.
import { routerConfig } from "../daemon/router-config.js";
import { SimLan, type Transition } from "../sim/lan.js";
import { addressBytes } from "../vrrp/address.js";
import type { RouterConfig } from "../vrrp/router-types.js";
import { masterDownMs, skewMs } from "../vrrp/timing.js";
import type { HostConfig } from "./check.js";

export type SimEvent =
  | { readonly at: number; readonly kind: "kill" | "stop" | "start"; readonly host: string }
  | { readonly at: number; readonly kind: "partition"; readonly hosts: readonly string[] }
  | { readonly at: number; readonly kind: "heal" }
  | { readonly at: number; readonly kind: "loss"; readonly percent: number }
  | { readonly at: number; readonly kind: "check"; readonly check: string; readonly host: string; readonly ok: boolean }
  | { readonly at: number; readonly kind: "link"; readonly ifname: string; readonly host: string; readonly up: boolean };

export class EventSyntaxError extends Error {
  readonly code = "BAD_EVENT";
}

/**
 * "kill host1 @5s; heal @9s; check chk_http fails on host2 @12s": events separated by `;`, each
 * ending in `@TIME` (s or ms). kill/stop/start HOST, partition HOST[,HOST...] (those hosts cut off
 * from the rest), heal, loss N%, check NAME fails|recovers on HOST, link IF down|up on HOST.
 */
export function parseEvents(text: string): SimEvent[] {
  const out: SimEvent[] = [];
  for (const raw of text
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(.*?)\s*@\s*(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw);
    if (!m) throw new EventSyntaxError(`event ${JSON.stringify(raw)}: expected WHAT @TIME (e.g. "kill host1 @5s")`);
    const at = Number(m[2]) * (m[3] === "ms" ? 1 : 1000);
    const w = m[1]!.split(/\s+/);
    let e: SimEvent | undefined;
    if ((w[0] === "kill" || w[0] === "stop" || w[0] === "start") && w.length === 2) e = { at, kind: w[0], host: w[1]! };
    else if (w[0] === "partition" && w.length === 2) e = { at, kind: "partition", hosts: w[1]!.split(",") };
    else if (w[0] === "heal" && w.length === 1) e = { at, kind: "heal" };
    else if (w[0] === "loss" && w.length === 2 && /^\d+(\.\d+)?%$/.test(w[1]!))
      e = { at, kind: "loss", percent: Number(w[1]!.slice(0, -1)) };
    else if (w[0] === "check" && w.length === 5 && (w[2] === "fails" || w[2] === "recovers") && w[3] === "on")
      e = { at, kind: "check", check: w[1]!, ok: w[2] === "recovers", host: w[4]! };
    else if (w[0] === "link" && w.length === 5 && (w[2] === "down" || w[2] === "up") && w[3] === "on")
      e = { at, kind: "link", ifname: w[1]!, up: w[2] === "up", host: w[4]! };
    if (!e) throw new EventSyntaxError(`event ${JSON.stringify(raw)}: unknown`);
    out.push(e);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The name events use for a host: the file name without .conf, or the node address of ENV@NODE. */
export function shortName(host: string): string {
  const env = /@([^@]+)$/.exec(host);
  if (env) return env[1]!;
  return (host.split("/").at(-1) ?? host).replace(/\.conf$/, "");
}

export interface MasterChange {
  readonly at: number;
  readonly instance: string;
  readonly vrid: number;
  readonly vips: readonly string[];
  /** undefined: nobody is master. */
  readonly master: string | undefined;
  /** The previous master's last advert to this master's first, and the protocol floor for it. */
  readonly gapMs?: number;
  readonly floorMs?: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly untilMs: number;
  readonly hosts: readonly { readonly name: string; readonly address: string; readonly addressAssumed: boolean }[];
  readonly transitions: readonly Transition[];
  readonly masters: readonly MasterChange[];
  /** Per instance key, the master at the end (undefined: none). */
  readonly final: Readonly<Record<string, string | undefined>>;
}

/** Runs the hosts through the events on the virtual LAN until `untilMs`. */
export function simulate(hosts: readonly HostConfig[], events: readonly SimEvent[], seed: number, untilMs: number): SimulationResult {
  const names = hosts.map((h) => shortName(h.host));
  // An assumed address is never one of the VIPs: a host whose address is a VIP would look like
  // its owner in the output (and in the tie-break).
  const vips = new Set(hosts.flatMap((h) => h.config.instances.flatMap((i) => [...i.vips, ...i.excludedVips].map((v) => v.address))));
  const assumed = new Set<string>();
  const assume = (family4: boolean, k: number): string => {
    for (let n = 101 + k; ; n++) {
      const a = family4 ? `192.0.2.${n}` : `fe80::${n}`;
      if (vips.has(a) || assumed.has(a)) continue;
      assumed.add(a);
      return a;
    }
  };
  const sims = hosts.map((h, k) => {
    // The tie-break needs each host's primary address: the node's, the configured source, or an
    // assumed one (documentation range, in file order) when the files do not say.
    const family4 = h.config.instances[0]?.family !== 6;
    const first = h.config.instances.find((i) => i.unicastSrcIp ?? i.mcastSrcIp);
    const known = h.address ?? first?.unicastSrcIp ?? first?.mcastSrcIp;
    const address = known ?? assume(family4, k);
    const rc = routerConfig(h.config);
    const withSource: RouterConfig = {
      ...rc,
      instances: rc.instances.map((i) =>
        i.config.primaryAddress.some((b) => b !== 0) ? i : { ...i, config: { ...i.config, primaryAddress: addressBytes(address) } },
      ),
    };
    return { name: names[k]!, router: withSource, address, addressAssumed: known === undefined };
  });
  const lan = new SimLan(
    seed,
    sims.map((s) => ({ name: s.name, router: s.router })),
  );
  lan.startAll();
  const hostOf = (n: string) => {
    if (!names.includes(n)) throw new EventSyntaxError(`event names host ${JSON.stringify(n)}; hosts are ${names.join(", ")}`);
    return n;
  };
  for (const e of events) {
    lan.run(e.at);
    switch (e.kind) {
      case "kill":
        lan.crash(hostOf(e.host));
        break;
      case "stop":
        lan.stop(hostOf(e.host));
        break;
      case "start":
        lan.restart(hostOf(e.host));
        break;
      case "partition":
        lan.partition([e.hosts.map(hostOf), names.filter((n) => !e.hosts.includes(n))]);
        break;
      case "heal":
        lan.heal();
        break;
      case "loss":
        lan.conditions = { ...lan.conditions, loss: e.percent / 100 };
        break;
      case "check":
        lan.setCheck(hostOf(e.host), e.check, e.ok);
        break;
      case "link":
        lan.setLink(hostOf(e.host), e.ifname, e.up);
        break;
    }
  }
  lan.run(untilMs);
  return {
    seed,
    untilMs,
    hosts: sims.map(({ name, address, addressAssumed }) => ({ name, address, addressAssumed })),
    transitions: lan.transitions,
    ...masterTimeline(lan, hosts),
  };
}

function masterTimeline(lan: SimLan, hosts: readonly HostConfig[]): { masters: MasterChange[]; final: Record<string, string | undefined> } {
  const byInstance = new Map<string, { vrid: number; vips: string[]; interval: number; version: 2 | 3 }>();
  for (const h of hosts)
    for (const i of h.config.instances)
      if (!byInstance.has(i.name))
        byInstance.set(i.name, { vrid: i.vrid, vips: i.vips.map((v) => v.address), interval: i.advertIntervalCs, version: i.version });
  const masters: MasterChange[] = [];
  const final: Record<string, string | undefined> = {};
  for (const [instance, info] of byInstance) {
    const current = new Set<string>();
    let lastMaster: string | undefined;
    for (const t of lan.transitions.filter((x) => x.instance === instance)) {
      const before = [...current].sort().join(",") || undefined;
      if (t.to === "MASTER") current.add(t.router);
      else current.delete(t.router);
      const now = [...current].sort().join(",") || undefined;
      if (now === before) continue;
      const change: { -readonly [K in keyof MasterChange]: MasterChange[K] } = {
        at: t.at,
        instance,
        vrid: info.vrid,
        vips: info.vips,
        master: now,
      };
      if (t.to === "MASTER" && lastMaster && lastMaster !== t.router) {
        const last = lan.lastAdvert(lastMaster, instance, t.at);
        if (last !== undefined) {
          change.gapMs = t.at - last.at;
          const p = lan.router(t.router).router.instance(instance)?.vi.effectivePriority ?? 100;
          // After a priority-0 advert (a graceful stop) a backup waits its skew only.
          change.floorMs = last.priority === 0 ? skewMs(info.version, p, info.interval) : masterDownMs(info.version, p, info.interval);
        }
      }
      if (now && !now.includes(",")) lastMaster = now;
      masters.push(change);
    }
    final[instance] =
      [...current]
        .filter((n) => lan.router(n).alive)
        .sort()
        .join(",") || undefined;
  }
  masters.sort((a, b) => a.at - b.at);
  return { masters, final };
}

export function formatSimulation(r: SimulationResult): string {
  const lines = [`seed ${r.seed}, ${(r.untilMs / 1000).toFixed(1)} s simulated`];
  for (const h of r.hosts)
    lines.push(`host ${h.name}: ${h.address}${h.addressAssumed ? " (assumed: the files do not give this host's address)" : ""}`);
  lines.push("", "transitions:");
  for (const t of r.transitions)
    lines.push(`  ${(t.at / 1000).toFixed(3)} s  ${t.router} ${t.instance}: ${t.from} -> ${t.to} (${t.reason})`);
  lines.push("", "masters:");
  for (const m of r.masters) {
    const gap =
      m.gapMs !== undefined
        ? `; gap ${m.gapMs.toFixed(1)} ms after the last advert of the previous master (floor ${m.floorMs!.toFixed(1)} ms)`
        : "";
    lines.push(
      `  ${(m.at / 1000).toFixed(3)} s  ${m.instance} (VRID ${m.vrid}, ${m.vips.join(" ")}): ${m.master ? `master ${m.master}` : "no master"}${gap}`,
    );
  }
  lines.push("", "at the end:");
  for (const [i, m] of Object.entries(r.final)) lines.push(`  ${i}: ${m ? `master ${m}` : "no master"}`);
  return lines.join("\n") + "\n";
}
