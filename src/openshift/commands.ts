// `tsvrrpd openshift` (the monitor.sh entry point) and `tsvrrpd remove-failover` (the removal
// Job), with today's image's messages, signals and clean-up.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { EnvError, planFromEnv, readSettings, type OpenShiftSettings } from "../config/openshift-env.js";
import { createLogger } from "../operator/log.js";
import { Runtime } from "../daemon/runtime.js";
import { OperatorViews } from "../operator/control.js";
import { DEFAULT_PID_FILE, defaultControlSocket } from "../operator/control-path.js";
import { installSignals } from "../operator/signals.js";
import { Rtnl } from "../netlink/rtnl.js";
import { addressBytes, familyOf } from "../vrrp/address.js";
import { readHostFacts } from "./host-facts.js";
import { ensureMulticastRule, removeMulticastRule } from "./multicast-rule.js";
import { asksHelp, CommandUsageError, usageLine } from "../cli-usage.js";
import { errorFields } from "../error-fields.js";

const say = (s: string) => process.stdout.write(`${s}\n`);

export const OPENSHIFT_USAGE = `usage: tsvrrpd openshift [--print-config]
Runs IP failover from the OPENSHIFT_HA_* variables, as the keepalived-ipfailover image's
monitor.sh: generates the configuration, installs the multicast accept rule if asked, runs VRRP
and releases the VIPs on SIGTERM/SIGINT/SIGHUP. Exit 1 on a usage error or bad variables.
  --print-config  print the keepalived.conf the variables give and exit (nothing else is done)
  -h, --help      this text
`;

export const REMOVE_FAILOVER_USAGE = `usage: tsvrrpd remove-failover
What the IP-failover removal Job does (remove-failover.sh): unloads ip_vs, removes the multicast
accept rule, stops the daemon in this network namespace and releases the VIPs named by the
OPENSHIFT_HA_* variables. Takes no arguments. Exit 1 on a usage error or bad variables.
  -h, --help  this text
`;

/** Parses `openshift`'s arguments: "help", or whether only the configuration is printed. */
export function parseOpenshiftArgs(args: readonly string[]): { printOnly: boolean } | "help" {
  if (asksHelp(args)) return "help";
  let printOnly = false;
  for (const a of args) {
    if (a === "--print-config") printOnly = true;
    else if (a.startsWith("-")) throw new CommandUsageError(`Unknown option ${a}`);
    else throw new CommandUsageError(`Unexpected argument ${a}`);
  }
  return { printOnly };
}

/** `remove-failover` takes no arguments: "help", or nothing. */
export function parseRemoveFailoverArgs(args: readonly string[]): "run" | "help" {
  if (asksHelp(args)) return "help";
  const a = args[0];
  if (a === undefined) return "run";
  throw new CommandUsageError(a.startsWith("-") ? `Unknown option ${a}` : `Unexpected argument ${a}`);
}

/** The parsed arguments, or undefined after printing the usage or the one-line error (exit code set). */
function parsedOrDone<T>(command: string, usage: string, parse: () => T | "help"): T | undefined {
  let r: T | "help";
  try {
    r = parse();
  } catch (e) {
    process.stderr.write(usageLine(command, errorFields(e).err));
    process.exitCode = 1;
    return undefined;
  }
  if (r !== "help") return r;
  process.stdout.write(usage);
  return undefined;
}

function fail(e: unknown): never {
  if (e instanceof EnvError) {
    process.stderr.write(`tsvrrpd openshift: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

/** Releases every configured VIP on the interface, as the image's cleanup() does (absent ones are fine). */
async function releaseVips(rtnl: Rtnl, s: OpenShiftSettings): Promise<void> {
  say("  - Cleaning up ... ");
  say(`  - Releasing VIPs ${s.vips.join(" ")} (interface ${s.interface}) ... `);
  const link = await rtnl.link(s.interface);
  for (const vip of s.vips) {
    say(`  - Releasing VIP ${vip} ... `);
    if (!link) continue;
    const [addr, prefix] = vip.split("/");
    const family = familyOf(addr!);
    if (!family) continue;
    // The image deletes /32 for every entry; IPv6 VIPs were added as /128, so that is what goes.
    await rtnl
      .delAddress({ index: link.index, family, address: addressBytes(addr!), prefix: prefix ? Number(prefix) : family === 4 ? 32 : 128 })
      .catch(() => false);
  }
}

export async function openshiftCommand(args: string[]): Promise<void> {
  const parsed = parsedOrDone("openshift", OPENSHIFT_USAGE, () => parseOpenshiftArgs(args));
  if (!parsed) return;
  const { printOnly } = parsed;
  process.title = "keepalived"; // the Deployment's liveness probe is `pgrep keepalived`
  const rtnl = new Rtnl();
  let plan;
  try {
    plan = planFromEnv(process.env, await readHostFacts(rtnl));
  } catch (e) {
    rtnl.close();
    fail(e);
  }
  if (printOnly) {
    process.stdout.write(plan.conf);
    rtnl.close();
    return;
  }
  // Containers log JSON lines on stdout (the cluster's log pipeline); TSVRRPD_LOG_FORMAT=keepalived
  // gives keepalived's console lines instead. No syslog: a pod has no /dev/log.
  const keepalivedText = process.env.TSVRRPD_LOG_FORMAT === "keepalived";
  const log = createLogger({ json: !keepalivedText, console: keepalivedText, detail: process.env.TSVRRPD_LOG_DETAIL === "1" });
  for (const w of plan.settings.warnings) log.warn({ code: "OPENSHIFT_ENV" }, w);
  if (plan.settings.multicastAccept) {
    say("  - Ensuring nftables rule for keepalived multicast (224.0.0.18) ...");
    const r = ensureMulticastRule(plan.settings.iptablesChain);
    if (r.error)
      log.error({ tool: r.tool, err: r.error }, "cannot install the multicast accept rule; continuing (adverts may be filtered)");
    else if (r.changed) say(`  - Added ${r.tool} rule to accept multicast 224.0.0.18.`);
  }
  const confPath = process.env.KEEPALIVED_CONFIG ?? "/etc/keepalived/keepalived.conf";
  say(`  - Generating and writing config to ${confPath}`);
  try {
    mkdirSync(dirname(confPath), { recursive: true });
    writeFileSync(confPath, plan.conf);
  } catch (e) {
    log.warn({ path: confPath, ...errorFields(e) }, "cannot write the generated configuration (kept in memory)");
  }
  say("  - Starting failover services ...");
  const runtime = new Runtime(plan.config, { log });
  // Off unless asked for (TSVRRPD_HTTP=ADDR:PORT): the pod runs on the host network.
  const listen = process.env.TSVRRPD_HTTP ?? "off";
  const views = new OperatorViews(
    runtime,
    log,
    // No pid file: the socket is the one `tsvrrpd status` without options derives in the pod.
    process.env.TSVRRPD_CONTROL_SOCKET ?? defaultControlSocket(DEFAULT_PID_FILE),
    listen !== "off" ? listen : undefined,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    views.close();
    await runtime.stop(signal);
    const r2 = new Rtnl();
    await releaseVips(r2, plan.settings);
    r2.close();
    process.exit(0);
  };
  // monitor.sh traps SIGHUP, SIGINT and SIGTERM alike: stop and release. The dumps as keepalived.
  installSignals({ stop: (sig) => void stop(sig), reload: () => undefined, dump: (kind, clear) => views.dump(kind, clear) }, log, {
    reload: false,
  });
  rtnl.close();
  try {
    await runtime.start();
    await views.start();
  } catch (e) {
    log.fatal(errorFields(e), "cannot start; releasing VIPs and exiting");
    await stop("start-failure");
  }
}

/** Other tsvrrpd/keepalived processes in our network namespace (the daemon the removal Job stops). */
function daemonPids(): number[] {
  const out: number[] = [];
  const ownNet = readlinkSync("/proc/self/ns/net");
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, "utf8").trim();
      if ((comm === "keepalived" || comm === "tsvrrpd") && readlinkSync(`/proc/${d}/ns/net`) === ownNet) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

export async function removeFailoverCommand(args: readonly string[]): Promise<void> {
  if (!parsedOrDone("remove-failover", REMOVE_FAILOVER_USAGE, () => parseRemoveFailoverArgs(args))) return;
  say("remove-failover.sh: OpenShift IP Failover service terminating.");
  const rtnl = new Rtnl();
  let settings: OpenShiftSettings;
  try {
    settings = readSettings(process.env, await readHostFacts(rtnl));
  } catch (e) {
    rtnl.close();
    fail(e);
  }
  say("  - Removing ip_vs module ...");
  // Tests set TSVRRPD_SKIP_MODPROBE=1: a module is host state, shared by every namespace.
  if (process.env.TSVRRPD_SKIP_MODPROBE !== "1") spawnSync("modprobe", ["-r", "ip_vs"], { stdio: "ignore", timeout: 30_000 });
  if (settings.multicastAccept) {
    const r = removeMulticastRule(settings.iptablesChain);
    if (r.changed) say("  - Removing keepalived multicast nftables rules ...");
    if (r.error) process.stderr.write(`remove-failover: ${r.error}\n`);
  }
  const pids = daemonPids();
  for (const p of pids) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && daemonPids().some((p) => pids.includes(p))) await new Promise((r) => setTimeout(r, 50));
  await releaseVips(rtnl, settings);
  rtnl.close();
}
