// Table-driven cases for VrrpRouter: events in, actions out. Each step names its events by
// instance name and lists the actions it must produce, rendered as short lines (logs and deadline
// re-arms left out), in order.
import { expect } from "vitest";
import { addressBytes, type Family } from "../../src/vrrp/address.js";
import { defaultInstanceConfig, type InstanceConfig } from "../../src/vrrp/instance-types.js";
import { encodeAdvert, type ReceivedPacket, type ReceivePolicy, type Version } from "../../src/vrrp/packet.js";
import type { TrackerState } from "../../src/vrrp/priority.js";
import { VrrpRouter } from "../../src/vrrp/router.js";
import type { RouterAction, RouterConfig, RouterEvent, RouterInstanceSpec } from "../../src/vrrp/router-types.js";

export const POLICY: ReceivePolicy = {
  version: 3,
  unicastPeers: [],
  peerTtl: [],
  checkUnicastSrc: false,
  unicastChecksum: "auto",
  v3ChecksumAsV2: false,
};

/** An instance on eth0, VRRPv3 at 0.1 s, VRID 1, priority 100, source 192.0.2.11, VIP 198.51.100.1. */
export function spec(
  name: string,
  o: Partial<Omit<RouterInstanceSpec, "config">> & { config?: Partial<InstanceConfig> } = {},
): RouterInstanceSpec {
  const config = defaultInstanceConfig({
    name,
    vrid: 1,
    version: 3,
    advertIntervalCs: 10,
    priority: 100,
    primaryAddress: addressBytes("192.0.2.11"),
    vips: [addressBytes("198.51.100.1")],
    garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    ...o.config,
  });
  return {
    name,
    key: `${config.vrid}/${config.family}/${o.interface ?? "eth0"}`,
    interface: "eth0",
    receive: { ...POLICY, version: config.version },
    trackChecks: [],
    trackLinks: [],
    trackFiles: [],
    trackProcesses: [],
    dontTrackPrimary: false,
    ...o,
    config,
  };
}

export const conf = (instances: RouterInstanceSpec[], syncGroups: RouterConfig["syncGroups"] = []): RouterConfig => ({
  instances,
  syncGroups,
});

/** An advert as a socket would deliver it (the real encoder; TTL 255, multicast, on eth0). */
export function packet(o: {
  vrid?: number;
  priority: number;
  src?: string;
  version?: Version;
  family?: Family;
  intervalCs?: number;
  vips?: string[];
  ttl?: number;
  dst?: string;
  ifname?: string;
  /** The checksum's pseudo-header destination, when it differs from dst (old unicast form). */
  checksumDst?: string;
}): ReceivedPacket {
  const family = o.family ?? 4;
  const src = o.src ?? (family === 4 ? "192.0.2.12" : "fe80::12");
  const dst = o.dst ?? (family === 4 ? "224.0.0.18" : "ff02::12");
  const payload = encodeAdvert({
    version: o.version ?? 3,
    family,
    vrid: o.vrid ?? 1,
    priority: o.priority,
    intervalCs: o.intervalCs ?? 10,
    addresses: o.vips ?? (family === 4 ? ["198.51.100.1"] : ["2001:db8::1"]),
    src,
    dst: o.checksumDst ?? dst,
  });
  const multicast = dst === "224.0.0.18" || dst === "ff02::12";
  return {
    ifname: o.ifname ?? "eth0",
    family,
    src: addressBytes(src),
    dst: addressBytes(dst),
    ttl: o.ttl ?? 255,
    multicast,
    payload,
  };
}

/** An event, naming instances by name (resolved against the router when the step runs). */
export type Ev =
  | { start: string }
  | { timer: string }
  | "stop"
  | { packet: ReceivedPacket }
  | { check: string; state: TrackerState }
  | { checks: Record<string, TrackerState> }
  | { file: string; value: number }
  | { process: string; state: TrackerState }
  | { link: string; up: boolean; present?: boolean }
  | "linkTimer"
  | { source: string; address?: string }
  | { socketFailed: string }
  | { addressDeleted: string; ifname?: string }
  | "routeDeleted"
  | { reload: RouterConfig };

export interface Step {
  /** ms; defaults to the previous step's time. `"due:NAME"`: that instance's next deadline. */
  at?: number | `due:${string}`;
  ev: Ev;
  /** The rendered actions, in order (see render()). */
  out: string[];
  /** Checked after the step: state the actions do not show (deadlines, priorities, counters). */
  then?: (r: VrrpRouter) => void;
}

/** A table case: a router started with `config`, then the steps in order. */
export interface TableCase {
  name: string;
  /** The configuration the router starts with. */
  config: RouterConfig;
  steps: Step[];
}

/** One action as a line: `VI_1 BACKUP>MASTER`, `VI_1 send 100`, `VI_1 +vips`, `VI_1 drop BAD_TTL`, `G MASTER`. */
export function render(a: RouterAction): string | undefined {
  switch (a.type) {
    case "instance": {
      const n = a.instance.name;
      const x = a.action;
      switch (x.type) {
        case "state":
          return `${n} ${x.from}>${x.to}`;
        case "send-advert":
          return `${n} send ${x.priority}`;
        case "add-vips":
          return `${n} +vips`;
        case "remove-vips":
          return `${n} -vips`;
        case "announce":
          return `${n} announce ${x.repeat}${x.ifname ? ` ${x.ifname}` : ""}${x.lowerPriority ? " lower" : ""}`;
        case "event":
          return `${n} event ${x.event}`;
        case "announce-extra":
          return `${n} announce-extra`;
        case "log":
          return undefined;
      }
      return undefined;
    }
    case "drop":
      return `${a.instance.name} drop ${a.code}`;
    case "old-checksum":
      return `${a.instance.name} old-checksum`;
    case "restore-vips":
    case "restore-routes":
      return `${a.instance.name} ${a.type}`;
    case "restore-static-routes":
      return a.type;
    case "group-state":
      return `${a.group} ${a.state}`;
    case "link-deadline":
      return `link-deadline ${a.at ?? "none"}`;
    case "deadline":
    case "log":
      return undefined;
  }
}

function event(r: VrrpRouter, e: Ev): RouterEvent {
  const inst = (name: string) => {
    const i = r.instance(name);
    if (!i) throw new Error(`no instance ${name}`);
    return i;
  };
  if (e === "stop") return { type: "stop" };
  if (e === "linkTimer") return { type: "link-timer" };
  if (e === "routeDeleted") return { type: "route-deleted" };
  if ("addressDeleted" in e) return { type: "address-deleted", ifname: e.ifname ?? "eth0", address: addressBytes(e.addressDeleted) };
  if ("start" in e) return { type: "start", instance: inst(e.start) };
  if ("timer" in e) return { type: "timer", instance: inst(e.timer) };
  if ("packet" in e) return { type: "packet", packet: e.packet };
  if ("checks" in e) return { type: "checks", states: new Map(Object.entries(e.checks)) };
  if ("check" in e) return { type: "check", name: e.check, state: e.state };
  if ("file" in e) return { type: "file", name: e.file, value: e.value };
  if ("process" in e) return { type: "process", name: e.process, state: e.state };
  if ("link" in e) return { type: "link", ifname: e.link, present: e.present ?? true, up: e.up };
  if ("source" in e) return { type: "source", instance: inst(e.source), address: e.address ? addressBytes(e.address) : undefined };
  if ("socketFailed" in e) return { type: "socket-failed", instance: inst(e.socketFailed) };
  throw new Error("reload is not an event");
}

function label(e: Ev): string {
  if (typeof e === "object" && "reload" in e) return `reload of ${e.reload.instances.map((i) => i.name).join(", ")}`;
  if (typeof e === "object" && "packet" in e) return `packet from ${e.packet.src.join(".")}`;
  return JSON.stringify(e);
}

/** Runs the steps against a fresh router; returns it for checks of state the table does not show. */
export function runTable(config: RouterConfig, steps: readonly Step[]): VrrpRouter {
  const r = new VrrpRouter(config);
  let now = 0;
  steps.forEach((s, k) => {
    if (typeof s.at === "number") now = s.at;
    else if (s.at) {
      const due = r.instance(s.at.slice(4))?.vi.nextDeadline();
      if (due === undefined) throw new Error(`step ${k}: ${s.at} has no deadline armed`);
      now = due;
    }
    let actions: RouterAction[];
    if (typeof s.ev === "object" && "reload" in s.ev) {
      const { plan, actions: a } = r.reload(s.ev.reload, now);
      actions = a;
      // As the runtime does: new instances start once bound.
      for (const i of plan.added) actions.push(...r.handle({ type: "start", instance: i }, now));
    } else actions = r.handle(event(r, s.ev), now);
    const lines = actions.map(render).filter((l): l is string => l !== undefined);
    expect(lines, `step ${k} (${label(s.ev)} at ${now})`).toEqual(s.out);
    s.then?.(r);
  });
  return r;
}

/** Links eth0 (and any others named) up: what the runtime reports before it starts instances. */
export const linksUp = (...names: string[]): Step[] => ["eth0", ...names].map((link) => ({ ev: { link, up: true }, out: [] }));
