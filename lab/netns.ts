// A LAN of network namespaces for tests, the demo and the benches: one bridge namespace, one
// namespace per router joined to it by a veth pair (eth0 inside). Documentation addresses only,
// no route out. Everything it made is removed by destroy(), which tests call also on failure.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorCode } from "../src/error-fields.js";

export interface LabRouter {
  readonly name: string;
  /** IPv4 with prefix, e.g. 192.0.2.11/24. */
  readonly v4: string;
  /** Optional global IPv6 with prefix. */
  readonly v6?: string;
}

export class LabError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`lab: ${command} failed: ${output.trim()}`);
    this.name = "LabError";
  }
}

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0 && !allowFail) throw new LabError(`${cmd} ${args.join(" ")}`, `${r.stderr}${r.stdout}${r.error?.message ?? ""}`);
  return r.stdout;
}

export class Lab {
  readonly dir: string;
  readonly lanNs: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  readonly routers = new Map<string, LabRouter>();

  /** Namespace names start with this: `PREFIX-PID-SEQ`, unique among live processes on the host. */
  readonly tag: string;

  /** `prefix`: a short word naming the test or bench (namespace names are shared machine-wide). */
  constructor(prefix: string) {
    this.tag = `${prefix}-${process.pid}-${labSeq++}`;
    this.dir = mkdtempSync(join(tmpdir(), `tsvrrpd-${this.tag}-`));
    this.lanNs = `${this.tag}-lan`;
    // Who owns this tag: a run killed before destroy() leaves namespaces that sweepStaleLabs() removes.
    mkdirSync(REGISTRY, { recursive: true });
    const owner = labOwner(this.tag);
    if (owner !== undefined && owner !== process.pid && alive(owner))
      throw new LabError(`lab ${this.tag}`, `its namespaces belong to the live process ${owner}`);
    writeFileSync(join(REGISTRY, this.tag), JSON.stringify({ pid: process.pid, dir: this.dir }));
  }

  ns(router: string): string {
    return `${this.tag}-${router}`;
  }

  private addNs(name: string): void {
    // The tag holds our pid, so a namespace of that name is a leftover of a dead run that had our pid.
    if (existsSync(join("/run/netns", name))) sh("ip", ["netns", "del", name], true);
    sh("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    sh("ip", ["-n", name, "link", "set", "lo", "up"]);
    // one `ip netns exec` (a mount namespace and an exec each): both keys in one sysctl
    sh("ip", ["netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
  }

  /** The LAN port (in the bridge namespace) that a router's eth0 is plugged into. */
  port(router: string): string {
    return `p-${router}`;
  }

  create(routers: readonly LabRouter[]): this {
    this.addNs(this.lanNs);
    sh("ip", ["-n", this.lanNs, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
    sh("ip", ["-n", this.lanNs, "link", "set", "br0", "up"]);
    for (const r of routers) this.addRouter(r);
    return this;
  }

  addRouter(r: LabRouter): void {
    const ns = this.ns(r.name);
    this.addNs(ns);
    const port = `p-${r.name}`;
    sh("ip", ["link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", this.lanNs]);
    sh("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0"]);
    sh("ip", ["-n", this.lanNs, "link", "set", "dev", port, "master", "br0"]);
    sh("ip", ["-n", this.lanNs, "link", "set", "dev", port, "up"]);
    sh("ip", ["-n", ns, "addr", "add", r.v4, "dev", "eth0"]);
    if (r.v6) sh("ip", ["-n", ns, "addr", "add", r.v6, "dev", "eth0", "nodad"]);
    sh("ip", ["-n", ns, "link", "set", "eth0", "up"]);
    this.routers.set(r.name, r);
  }

  /** Runs a command in a router's namespace (or the LAN's) and returns stdout. */
  exec(router: string | null, cmd: string, args: string[], allowFail = false): string {
    return sh("ip", ["netns", "exec", router ? this.ns(router) : this.lanNs, cmd, ...args], allowFail);
  }

  /** Starts a long-running process in a namespace; destroy() kills it if still alive. */
  spawn(router: string | null, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn("ip", ["netns", "exec", router ? this.ns(router) : this.lanNs, cmd, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...opts,
    });
    this.children.add(child);
    child.on("exit", () => this.children.delete(child));
    return child;
  }

  /**
   * Addresses on a router's interface, e.g. ["192.0.2.11/24", "192.0.2.100/32"]. One `ip -n NS`
   * (setns in the ip process itself): no `ip netns exec`, whose mount namespace and exec cost more
   * than the query, and every test polls this.
   */
  addresses(router: string, ifname = "eth0"): string[] {
    const out = sh("ip", ["-n", this.ns(router), "-j", "addr", "show", "dev", ifname], true);
    try {
      const j = JSON.parse(out) as { addr_info: { local: string; prefixlen: number }[] }[];
      return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
    } catch {
      return [];
    }
  }

  /** Every router's eth0 addresses, one query per router: ask it many questions with holders(vip, snap). */
  snapshot(): Map<string, string[]> {
    return new Map([...this.routers.keys()].map((r) => [r, this.addresses(r)]));
  }

  /** The routers holding `vip`, from a snapshot() when given (several VIPs checked at one instant). */
  holders(vip: string, snap: Map<string, string[]> = this.snapshot()): string[] {
    return [...snap].filter(([, addrs]) => addrs.some((a) => a.split("/")[0] === vip)).map(([r]) => r);
  }

  /** Each VIP's holders joined with ",", all from one snapshot: e.g. ["a", "a", ""]. */
  holdersOf(vips: readonly string[]): string[] {
    const snap = this.snapshot();
    return vips.map((v) => this.holders(v, snap).join());
  }

  /**
   * tcpdump on the bridge: every frame any router sends (multicast and broadcast; unicast between
   * two ports once the bridge has learnt them, only on a port: pass `iface` = port(router)).
   * Resolves once tcpdump is listening.
   */
  async capture(file: string, filter = "ip proto 112 or ip6 proto 112 or arp or icmp6", iface = "br0"): Promise<ChildProcess> {
    const child = this.spawn(null, "tcpdump", ["-i", iface, "--immediate-mode", "-U", "-w", file, "-n", filter]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("tcpdump did not start within 5 s")), 5000);
      child.stderr?.on("data", (d: Buffer) => {
        if (d.toString().includes("listening on")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`tcpdump exited with ${code}`)));
    });
    return child;
  }

  /** Signals every process inside a router's namespace. */
  killAll(router: string, signal: NodeJS.Signals): number {
    const pids = sh("ip", ["netns", "pids", this.ns(router)], true)
      .split(/\s+/)
      .filter(Boolean);
    if (signal === "SIGKILL") {
      // Freeze them all first: keepalived's VRRP child has a parent-death signal (SIGTERM) and
      // would send priority 0 adverts between the parent's death and its own - not a crash.
      for (const p of pids) {
        try {
          process.kill(Number(p), "SIGSTOP");
        } catch {
          // gone
        }
      }
    }
    for (const p of pids) {
      try {
        process.kill(Number(p), signal);
      } catch {
        // gone
      }
    }
    return pids.length;
  }

  async destroy(): Promise<void> {
    for (const c of this.children) {
      try {
        c.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    for (const ns of this.namespaces.reverse()) {
      // processes still inside (a daemon a test started differently) die with their namespace's pids
      const pids = sh("ip", ["netns", "pids", ns], true).split(/\s+/).filter(Boolean);
      for (const p of pids) {
        try {
          process.kill(Number(p), "SIGKILL");
        } catch {
          // gone
        }
      }
      sh("ip", ["netns", "del", ns], true);
    }
    this.namespaces.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(join(REGISTRY, this.tag), { force: true });
  }
}

const REGISTRY = join(tmpdir(), "tsvrrpd-labs");
let labSeq = 1;

function labOwner(tag: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(REGISTRY, tag), "utf8")) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === "EPERM";
  }
}

/**
 * Removes what labs of dead processes left behind (a test run killed before its clean-up): their
 * namespaces, the processes still inside them, and their directories. Labs of live runs are kept.
 */
export function sweepStaleLabs(): string[] {
  let tags: string[];
  try {
    tags = readdirSync(REGISTRY);
  } catch {
    return [];
  }
  const swept: string[] = [];
  const namespaces = sh("ip", ["netns", "list"], true)
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
  for (const tag of tags) {
    let owner: { pid: number; dir: string };
    try {
      owner = JSON.parse(readFileSync(join(REGISTRY, tag), "utf8")) as { pid: number; dir: string };
    } catch {
      continue;
    }
    if (alive(owner.pid)) continue;
    for (const ns of namespaces.filter((n) => n.startsWith(`${tag}-`))) {
      for (const p of sh("ip", ["netns", "pids", ns], true).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(p), "SIGKILL");
        } catch {
          // gone
        }
      }
      sh("ip", ["netns", "del", ns], true);
      swept.push(ns);
    }
    if (owner.dir.startsWith(join(tmpdir(), "tsvrrpd-"))) rmSync(owner.dir, { recursive: true, force: true });
    rmSync(join(REGISTRY, tag), { force: true });
  }
  return swept;
}

/**
 * Waits until `check` returns (or resolves to) true, polling every `stepMs`; throws with `what`
 * after `timeoutMs`. An async check (a status query over the control socket) runs in-process.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return drainPipes();
    await new Promise((r) => setTimeout(r, stepMs));
  }
  if (!(await check())) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return drainPipes();
}

/**
 * One turn of the event loop through its poll phase: a check that came true on the kernel's state
 * (`ip addr`, run synchronously) has not let the loop read what the daemons wrote before that state
 * changed, and a test reading their output next would miss lines already in the pipe.
 */
function drainPipes(): Promise<void> {
  return new Promise((r) => setTimeout(r, 10));
}
