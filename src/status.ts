// `tsvrrpd status [--json|--check|--alive] [--socket PATH]`: asks the running daemon over its control socket.
import { connect } from "node:net";
import { DEFAULT_CONTROL_SOCKET, type StatusDocument } from "./daemon/control.js";
import { probeOutcome } from "./status-check.js";

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
        reject(new Error(`bad answer from ${path}: ${(e as Error).message}`));
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
      `check ${c.name}: ${c.state}, ${c.runs} runs, ${c.skipped} skipped${c.last ? `, last ${c.last.ok ? "ok" : "failed"} ${JSON.stringify(c.last.detail)}` : ""}`,
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

export async function statusCommand(args: string[]): Promise<number> {
  const i = args.indexOf("--socket");
  const path = i >= 0 ? (args[i + 1] ?? DEFAULT_CONTROL_SOCKET) : DEFAULT_CONTROL_SOCKET;
  const probe = args.includes("--check") ? "check" : args.includes("--alive") ? "alive" : undefined;
  try {
    const doc = await fetchStatus(path);
    if (probe) {
      const r = probeOutcome(probe, doc);
      (r.code === 0 ? process.stdout : process.stderr).write(r.line + "\n");
      return r.code;
    }
    process.stdout.write(args.includes("--json") ? JSON.stringify(doc, null, 2) + "\n" : formatStatus(doc));
    return 0;
  } catch (e) {
    process.stderr.write(`tsvrrpd status: ${(e as Error).message}\n`);
    return 3;
  }
}
