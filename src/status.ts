// `tsvrrpd status [--json] [-p PIDFILE | --control PATH]`: asks the running daemon over its control
// socket, found as the daemon derived it (control-path.ts) unless --control names it.
import { connect } from "node:net";
import type { StatusDocument } from "./operator/status-document.js";
import { CONTROL_DIR, controlSocketsIn, DEFAULT_PID_FILE, defaultControlSocket, netnsId } from "./operator/control-path.js";
import { socketAnswers } from "./operator/single-instance.js";
import { asksHelp, CommandUsageError, usageLine } from "./cli-usage.js";
import { probeOutcome } from "./status-check.js";
import { errorFields, errorCode } from "./error-fields.js";

export const STATUS_USAGE = `usage: tsvrrpd status [--json | --check | --alive] [-p PIDFILE | --control PATH]
State of a running daemon, asked over its root-only control socket. Exit 0, 1 on a usage error,
3 when no daemon answers.
  -p, --pid=PIDFILE   the daemon started with this pid file (its socket is derived from the pid
                      file and the network namespace, as the daemon derived it)
      --control=PATH  the daemon listening on this control socket (also --socket PATH)
      --json          the status document as JSON
      --check         readiness probe: exit 0 once the configuration is loaded and every
                      instance is past INIT (FAULT counts as ready), else 1 with the reason
      --alive         liveness probe: exit 0 when the daemon's loop answers
  -h, --help          this text
With neither -p nor --control: the daemon of the default pid file, else the only daemon in this
network namespace (\`ip netns exec NAME tsvrrpd status\` asks NAME's).
`;

export function fetchStatus(path: string, timeoutMs = 3000): Promise<StatusDocument> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("data", (d) => (data += d.toString()));
    sock.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as StatusDocument);
      } catch (e) {
        reject(new Error(`bad answer from ${path}: ${errorFields(e).err}`));
      }
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        e.code === "ENOENT" || e.code === "ECONNREFUSED"
          ? `no tsvrrpd daemon is running (nothing listens on ${path})`
          : e.code === "EACCES"
            ? `permission denied on ${path}: the control socket is root-only`
            : `cannot reach ${path}: ${e.code ?? e.message}`;
      reject(Object.assign(new Error(why), { code: e.code }));
    });
  });
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** How a check's last run ended, in words: "exit 1, 9 ms", "timed out, killed by SIGKILL, 2001 ms". */
function lastRun(d: Record<string, unknown>): string {
  const parts: string[] = [];
  if (d.timedOut === true) parts.push("timed out");
  if (typeof d.signal === "string") parts.push(`killed by ${d.signal}`);
  else if (typeof d.exitCode === "number") parts.push(`exit ${d.exitCode}`);
  if (typeof d.error === "string") parts.push(d.error);
  if (typeof d.ms === "number") parts.push(`${Math.round(d.ms)} ms`);
  return parts.join(", ");
}

export function formatStatus(doc: StatusDocument): string {
  const rows = [
    ["INSTANCE", "VRID", "IF", "STATE", "SINCE", "PRIO", "MASTER", "INTERVAL", "VIPS", "SENT", "RECV", "SENDERR", "DROPS", "FAULTS"],
  ];
  for (const s of doc.instances) {
    const drops =
      Object.entries(s.stats.drops)
        .map(([k, v]) => `${k}:${v}`)
        .join(",") || "0";
    rows.push([
      s.name,
      String(s.vrid),
      s.interface,
      s.state,
      ago(s.sinceMs),
      `${s.effectivePriority}/${s.priority}`,
      s.master ? `${s.master} (${s.masterPriority})` : "-",
      `${s.advertIntervalCs * 10}ms`,
      s.holdsVips ? s.vips.join(",") : `(${s.vips.length} not held)`,
      String(s.stats.advertsSent),
      String(s.stats.advertsReceived),
      String(s.stats.sendErrors ?? 0),
      drops,
      s.faults.join(",") || "-",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
  for (const c of doc.checks)
    lines.push(
      `check ${c.name}: ${c.state}, ${c.runs} runs, ${c.skipped} skipped${c.last ? `, last ${c.last.ok ? "ok" : "failed"} (${lastRun(c.last.detail)})` : ""}`,
    );
  const c = doc.counters;
  if (c)
    lines.push(
      `adverts for unknown VRIDs ${c.unknownVrid}, malformed packets ${c.malformedPackets}, GARP/NA sent ${c.announcementsSent}, notify runs ${c.notify.runs} (failed ${c.notify.failures}, coalesced ${c.notify.coalesced})`,
    );
  lines.push(
    `pid ${doc.pid}, up ${doc.uptimeS}s, advert send lateness p50 ${doc.jitterMs.p50.toFixed(2)} ms, p99 ${doc.jitterMs.p99.toFixed(2)} ms, max ${doc.jitterMs.max.toFixed(2)} ms`,
  );
  return lines.join("\n") + "\n";
}

export interface StatusArgs {
  json: boolean;
  /** --check (readiness) or --alive (liveness): a probe's one line and exit code instead of the table. */
  probe?: "check" | "alive";
  /** --control/--socket PATH, or the socket a daemon with this pid file derives in this namespace. */
  control: string;
  /** Neither -p nor --control: the default pid file's socket, else the one daemon of this namespace. */
  discover: boolean;
}

/** "help" for --help anywhere; a CommandUsageError for anything else it does not know. */
export function parseStatusArgs(args: readonly string[]): StatusArgs | "help" {
  if (asksHelp(args)) return "help";
  let json = false;
  let probe: StatusArgs["probe"];
  let control: string | undefined;
  let pidFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) [a, value] = [a.slice(0, eq), a.slice(eq + 1)];
    else if (/^-p./.test(a)) [a, value] = ["-p", a.slice(2)];
    const need = (): string => {
      const v = value ?? args[++i];
      if (v === undefined || v === "") throw new CommandUsageError(`Missing parameter for option ${a}`);
      return v;
    };
    if (a === "--json") json = true;
    else if (a === "--check") probe = "check";
    else if (a === "--alive") probe = "alive";
    else if (a === "--control" || a === "--socket") control = need();
    else if (a === "-p" || a === "--pid") pidFile = need();
    else if (a.startsWith("-")) throw new CommandUsageError(`Unknown option ${a}`);
    else throw new CommandUsageError(`Unexpected argument ${a}`);
  }
  if (control !== undefined) return { json, probe, control, discover: false };
  return { json, probe, control: defaultControlSocket(pidFile ?? DEFAULT_PID_FILE), discover: pidFile === undefined };
}

/**
 * The socket to ask when no option says: the default pid file's, else the only daemon of this
 * network namespace that answers. Several: an error naming them (-p or --control picks one).
 */
async function discoverSocket(preferred: string): Promise<string> {
  if (await socketAnswers(preferred)) return preferred;
  let candidates: string[];
  try {
    candidates = controlSocketsIn();
  } catch (e) {
    const code = errorCode(e);
    if (code === "ENOENT") return preferred; // no daemon ever ran here: the ENOENT below says so
    if (code === "EACCES") throw new Error(`permission denied on ${CONTROL_DIR}: the control sockets are root-only`);
    throw e;
  }
  const answering: string[] = [];
  for (const c of candidates) if (await socketAnswers(c)) answering.push(c);
  if (answering.length === 1) return answering[0]!;
  if (answering.length > 1)
    throw new Error(
      `${answering.length} daemons run in this network namespace (${answering.join(", ")}); pick one with -p PIDFILE (as it was started with) or --control PATH`,
    );
  return preferred;
}

export async function statusCommand(args: string[]): Promise<number> {
  let opts: StatusArgs | "help";
  try {
    opts = parseStatusArgs(args);
  } catch (e) {
    process.stderr.write(usageLine("status", errorFields(e).err));
    return 1;
  }
  if (opts === "help") {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  try {
    const doc = await fetchStatus(opts.discover ? await discoverSocket(opts.control) : opts.control);
    if (opts.probe) {
      const r = probeOutcome(opts.probe, doc);
      (r.code === 0 ? process.stdout : process.stderr).write(r.line + "\n");
      return r.code;
    }
    process.stdout.write(opts.json ? JSON.stringify(doc, null, 2) + "\n" : formatStatus(doc));
    return 0;
  } catch (e) {
    const code = errorCode(e);
    const hint =
      code === "ENOENT" || code === "ECONNREFUSED"
        ? opts.discover
          ? ` (none in this network namespace, net:[${netnsId()}]; a daemon in another one: \`ip netns exec NAME tsvrrpd status\`)`
          : ""
        : "";
    process.stderr.write(`tsvrrpd status: ${errorFields(e).err}${hint}\n`);
    return 3;
  }
}
