// Starting tsvrrpd and real keepalived inside lab namespaces with one shared configuration.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach } from "vitest";
import { Lab, waitFor } from "../../lab/netns.js";
import { readPcap } from "../../lab/pcap-file.js";
import type { StatusDocument } from "../../src/operator/status-document.js";
import { fetchStatus } from "../../src/status.js";

export type Kind = "tsvrrpd" | "keepalived";
export type Mode = "v2-pass" | "v3-ipv4" | "v3-ipv6" | "v3-unicast" | "v2-unicast";

export const BIN = new URL("../../bin/tsvrrpd", import.meta.url).pathname;

/**
 * How long a test lets one short CLI run (`tsvrrpd status`, `-t`, `--signum`) take before it is
 * killed: a Node start that takes 0.8 s on a quiet machine took over 10 s in a full run on 2
 * loaded cores. What it prints is the test's subject, not how fast it starts.
 */
export const CLI_TIMEOUT_MS = 30_000;

export interface ConfOptions {
  router: string;
  priority: number;
  mode: Mode;
  preempt?: "preempt" | "nopreempt" | { delaySec: number };
  /** Router addresses (for unicast peers): name -> IPv4. */
  peers?: Record<string, string>;
  vrid?: number;
  extra?: string;
  garpDelaySec?: number;
}

export const VIP4 = "198.51.100.10";
export const VIP6 = "2001:db8:1::10";

export function vipOf(mode: Mode): string {
  return mode === "v3-ipv6" ? VIP6 : VIP4;
}

export function intervalOf(mode: Mode): number {
  return mode.startsWith("v2") ? 1 : 0.1;
}

export function keepalivedConf(o: ConfOptions): string {
  const v3 = o.mode.startsWith("v3");
  const unicast = o.mode.endsWith("unicast");
  const preempt = o.preempt ?? "preempt";
  const lines = [
    "global_defs {",
    `  router_id ${o.router}`,
    `  vrrp_garp_master_delay ${o.garpDelaySec ?? 0}`,
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    `  virtual_router_id ${o.vrid ?? 42}`,
    `  priority ${o.priority}`,
    `  advert_int ${intervalOf(o.mode)}`,
    v3 ? "  version 3" : "  version 2",
  ];
  if (preempt === "nopreempt") lines.push("  nopreempt");
  else if (typeof preempt === "object") lines.push(`  preempt_delay ${preempt.delaySec}`);
  if (!v3) lines.push("  authentication {", "    auth_type PASS", "    auth_pass s3cr3tpw", "  }");
  if (unicast) {
    const me = o.peers?.[o.router];
    lines.push(
      `  unicast_src_ip ${me}`,
      "  unicast_peer {",
      ...Object.entries(o.peers ?? {})
        .filter(([n]) => n !== o.router)
        .map(([, a]) => `    ${a}`),
      "  }",
    );
  }
  lines.push("  virtual_ipaddress {", `    ${vipOf(o.mode)}`, "  }");
  if (o.extra) lines.push(o.extra);
  lines.push("}");
  return lines.join("\n") + "\n";
}

export interface Running {
  readonly kind: Kind;
  readonly router: string;
  readonly child: ChildProcess;
  output(): string;
}

export function startDaemon(
  lab: Lab,
  router: string,
  kind: Kind,
  conf: string,
  tag = "",
  env: NodeJS.ProcessEnv = {},
  extraArgs: readonly string[] = [],
): Running {
  const file = join(lab.dir, `${router}${tag}.conf`);
  writeFileSync(file, conf);
  const pid = join(lab.dir, `${router}${tag}.pid`);
  const child =
    kind === "tsvrrpd"
      ? lab.spawn(router, BIN, ["-n", "--log-json", "-G", "-D", "-f", file, "-p", pid, "--control", `${pid}.sock`, ...extraArgs], {
          env: { ...process.env, ...env },
        })
      : lab.spawn(router, "keepalived", ["-n", "-l", "-D", "-f", file, "-p", pid, "-r", `${pid}.vrrp`, ...extraArgs], {
          env: { ...process.env, ...env },
        });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return { kind, router, child, output: () => out };
}

/**
 * startDaemon() on a router, kept in `running` (a twoRouterLabs() entry's, so its output is shown
 * if the test fails), and once the router holds `vip`: the daemon that starts first, alone.
 */
export async function startMaster(lab: Lab, running: Running[], router: string, kind: Kind, conf: string, vip: string): Promise<Running> {
  const d = startDaemon(lab, router, kind, conf);
  running.push(d);
  await waitFor(`${kind} on ${router} master`, () => lab.holders(vip).join() === router, 10_000);
  return d;
}

/** startDaemon() on a router, kept in `running`, once it says it entered BACKUP (keepalived's line or tsvrrpd's). */
export async function startBackup(lab: Lab, running: Running[], router: string, kind: Kind, conf: string): Promise<Running> {
  const d = startDaemon(lab, router, kind, conf);
  running.push(d);
  await waitFor(`${kind} on ${router} in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(d.output()), 10_000);
  return d;
}

/**
 * Runs `assert` every `stepMs` for `ms`: a stability window (nothing may change), not a wait for
 * an event (use waitFor for that).
 */
export async function holdsFor(ms: number, assert: () => void | Promise<void>, stepMs = 50): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, stepMs))) await assert();
}

/**
 * How long the machine stopped an idle process (other work on a shared host): a Node process of
 * its own with a 10 ms heartbeat, so the test's own synchronous calls (spawnSync) do not count.
 * A daemon's timer lateness beyond that is its own; up to that, the machine's.
 */
export async function watchStalls(): Promise<{ stop(): Promise<number> }> {
  const script =
    "let max = 0, last = performance.now();" +
    "setInterval(() => { const n = performance.now(); max = Math.max(max, n - last - 10); last = n; }, 10);" +
    "process.stdin.on('end', () => process.stdout.write(String(Math.max(max, performance.now() - last - 10)), () => process.exit(0)));" +
    "process.stdin.resume(); process.stdout.write('ready\\n');";
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "ignore"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor("the stall watcher", () => out.startsWith("ready\n"), 10_000, 10);
  return {
    stop: async () => {
      child.stdin.end();
      await new Promise<void>((r) => (child.exitCode !== null ? r() : child.on("exit", () => r())));
      return Number(out.slice("ready\n".length));
    },
  };
}

/**
 * A daemon's status document over its control socket, read in-process (what `tsvrrpd status
 * --json` prints, without starting a Node CLI per poll). `T` narrows it to the fields a test reads.
 */
export async function statusOf<T = StatusDocument>(sock: string): Promise<T> {
  return (await fetchStatus(sock, 10_000)) as unknown as T;
}

/** statusOf(), or undefined while the daemon is not (yet) answering. */
export async function statusOr<T = StatusDocument>(sock: string): Promise<T | undefined> {
  try {
    return await statusOf<T>(sock);
  } catch {
    return undefined;
  }
}

/** The longest time (ms) in [from, to] (epoch seconds) with no advert from `mac` in the capture. */
export function longestSilenceMs(pcap: string, mac: string, from: number, to: number): number {
  const times = readPcap(pcap)
    .filter((w) => w.kind === "vrrp" && w.srcMac === mac && (w.priority ?? 0) > 0 && w.t >= from && w.t <= to)
    .map((w) => w.t);
  let longest = 0;
  let last = from;
  for (const t of [...times, to]) {
    longest = Math.max(longest, t - last);
    last = t;
  }
  return longest * 1000;
}

let windowSeq = 0;

/**
 * A stability window on a master that a backup watches: `assert` holds for `ms`, as holdsFor. If
 * it fails, the failure stands unless the master sent no advert for a whole down interval
 * (`downMs`, the backup's) on the wire meanwhile (a capture on its port): then the backup was
 * right to take over, the machine had stopped the master; the master's return is awaited and the
 * window runs again, once. Returns whether it did.
 */
export async function holdsWhileAdvertising(
  lab: Lab,
  master: string,
  downMs: number,
  ms: number,
  assert: () => void,
  /** port: the master's bridge port, when not lab.port(master) (a replaced interface); stepMs: as holdsFor's. */
  opts: { port?: string; stepMs?: number } = {},
): Promise<boolean> {
  const pcap = join(lab.dir, `window-${master}-${windowSeq++}.pcap`);
  const capture = await lab.capture(pcap, "ip proto 112 or ip proto 51 or ip6 proto 112", opts.port ?? lab.port(master));
  const mac = macOf(lab, master);
  try {
    const from = Date.now() / 1000;
    try {
      await holdsFor(ms, assert, opts.stepMs);
      return false;
    } catch (e) {
      await new Promise((r) => setTimeout(r, 100)); // tcpdump -U: the last frames reach the file
      const silence = longestSilenceMs(pcap, mac, from, Date.now() / 1000);
      if (silence < downMs - 5) throw e;
      console.log(
        `${master} sent no advert for ${silence.toFixed(0)} ms (down interval ${downMs.toFixed(0)} ms): its backup rightly took over; window repeated`,
      );
    }
    const holds = () => {
      try {
        assert();
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(`${master} the master again`, holds, downMs + 5000);
    await holdsFor(ms, assert, opts.stepMs);
    return true;
  } finally {
    capture.kill();
  }
}

/** SIGKILL every process in the router's namespace: the daemon dies without a word (keepalived's children too). */
export function crash(lab: Lab, router: string): void {
  lab.killAll(router, "SIGKILL");
}

export function macOf(lab: Lab, router: string): string {
  const j = JSON.parse(lab.exec(router, "ip", ["-j", "link", "show", "eth0"])) as { address: string }[];
  return j[0]!.address;
}

/**
 * A fresh two-router LAN (a: 192.0.2.11, b: 192.0.2.12) per test, removed after the test also
 * when it fails (then the daemons' output is printed). Call once at a test file's top level.
 */
export function twoRouterLabs(prefix: string): () => { lab: Lab; running: Running[] } {
  const labs: { lab: Lab; running: Running[] }[] = [];
  afterEach(async (t) => {
    for (const { lab, running } of labs.splice(0)) {
      if (t.task.result?.state === "fail")
        for (const r of running) console.log(`--- ${r.kind} on ${r.router}:\n${r.output().slice(-3000)}`);
      await lab.destroy();
    }
  });
  return () => {
    const lab = new Lab(prefix);
    const entry = { lab, running: [] as Running[] };
    labs.push(entry); // registered before create(): cleanup also removes a half-built LAN
    lab.create([
      { name: "a", v4: "192.0.2.11/24" },
      { name: "b", v4: "192.0.2.12/24" },
    ]);
    return entry;
  };
}
