// The operator's view of a running daemon: a root-only control socket for `tsvrrpd status`, and an
// optional HTTP listener with /metrics (Prometheus, prom-client), /healthz and /status.
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { dirname } from "node:path";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { dataText, dumpPath, jsonText, statsText, writeFileSafely, type DumpKind } from "./dump-files.js";
import type { Logger } from "./log.js";
import { socketAnswers } from "./single-instance.js";
import type { Tracking } from "./tracking.js";
import type { Runtime } from "./runtime.js";

export const DEFAULT_CONTROL_SOCKET = "/run/tsvrrpd/control.sock";
const STATE_CODE = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

export interface StatusDocument {
  readonly pid: number;
  readonly startedAt: string;
  readonly uptimeS: number;
  readonly instances: ReturnType<Runtime["status"]>;
  readonly checks: ReturnType<Tracking["status"]>;
  readonly trackFiles: ReturnType<Tracking["fileStatus"]>;
  readonly trackProcesses: ReturnType<Tracking["processStatus"]>;
  readonly jitterMs: ReturnType<Runtime["jitter"]>;
  readonly counters: ReturnType<Runtime["counters"]>;
}

export function statusDocument(runtime: Runtime, startedAt: Date): StatusDocument {
  const nowMs = runtime.now();
  return {
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    uptimeS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    // since: converted from the monotonic clock to wall time for people
    instances: runtime.status().map((s) => ({ ...s, sinceMs: Date.now() - (nowMs - s.sinceMs) })),
    checks: runtime.trackers.status(),
    trackFiles: runtime.trackers.fileStatus(),
    trackProcesses: runtime.trackers.processStatus(),
    jitterMs: runtime.jitter(),
    counters: runtime.counters(),
  };
}

export class ControlServer {
  private server?: Server;
  constructor(
    private readonly path: string,
    private readonly runtime: Runtime,
    private readonly startedAt: Date,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    if (await socketAnswers(this.path)) {
      this.log.error(
        { path: this.path },
        "another daemon answers on this control socket; leaving it alone, `tsvrrpd status` reaches that one",
      );
      return;
    }
    rmSync(this.path, { force: true }); // a stale socket of a dead daemon
    this.server = createServer((sock) => {
      sock.on("error", () => undefined);
      sock.end(JSON.stringify(statusDocument(this.runtime, this.startedAt)) + "\n");
    });
    this.server.on("error", (e) =>
      this.log.error({ path: this.path, err: e.message }, "control socket failed; `tsvrrpd status` will not work"),
    );
    this.server.listen(this.path, () => {
      try {
        chmodSync(this.path, 0o600); // root only: the status names every address and script
      } catch (e) {
        this.log.warn({ path: this.path, err: (e as Error).message }, "cannot restrict the control socket's permissions");
      }
    });
  }

  close(): void {
    if (!this.server) return; // never ours (another daemon's socket): leave it
    this.server.close();
    rmSync(this.path, { force: true });
  }
}

/** /metrics, /healthz, /status over HTTP. */
export class MetricsHttpServer {
  private server?: HttpServer;
  private readonly registry = new Registry();

  constructor(
    private readonly listen: string,
    private readonly runtime: Runtime,
    private readonly startedAt: Date,
    private readonly log: Logger,
  ) {
    const r = this.registry;
    const rt = runtime;
    const labels = ["instance", "vrid", "interface"] as const;
    const lab = (s: { name: string; vrid: number; interface: string }) => ({
      instance: s.name,
      vrid: String(s.vrid),
      interface: s.interface,
    });
    new Gauge({
      name: "vrrp_instance_state",
      help: "VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT",
      labelNames: labels,
      registers: [r],
      collect() {
        this.reset();
        for (const s of rt.status()) this.set(lab(s), STATE_CODE[s.state]);
      },
    });
    new Gauge({
      name: "vrrp_instance_priority",
      help: "Priority: configured and effective (after weighted trackers)",
      labelNames: [...labels, "kind"],
      registers: [r],
      collect() {
        this.reset();
        for (const s of rt.status()) {
          this.set({ ...lab(s), kind: "configured" }, s.priority);
          this.set({ ...lab(s), kind: "effective" }, s.effectivePriority);
        }
      },
    });
    const counter = (name: string, help: string, pick: (s: ReturnType<Runtime["status"]>[number]) => number) =>
      new Counter({
        name,
        help,
        labelNames: labels,
        registers: [r],
        collect() {
          this.reset();
          for (const s of rt.status()) this.inc(lab(s), pick(s));
        },
      });
    counter("vrrp_transitions_total", "State transitions", (s) => s.stats.transitions);
    counter("vrrp_adverts_sent_total", "Adverts sent", (s) => s.stats.advertsSent);
    counter("vrrp_adverts_received_total", "Adverts accepted", (s) => s.stats.advertsReceived);
    counter("vrrp_became_master_total", "Transitions to MASTER", (s) => s.stats.becameMaster);
    counter("vrrp_advert_send_errors_total", "Adverts the kernel did not take", (s) => s.stats.sendErrors);
    const daemonCounter = (name: string, help: string, pick: (c: ReturnType<Runtime["counters"]>) => number) =>
      new Counter({
        name,
        help,
        registers: [r],
        collect() {
          this.reset();
          this.inc(pick(rt.counters()));
        },
      });
    daemonCounter("vrrp_adverts_unknown_vrid_total", "Adverts for a VRID no instance runs on that interface", (c) => c.unknownVrid);
    daemonCounter("vrrp_packets_malformed_total", "Packets too short or malformed to read an IP header from", (c) => c.malformedPackets);
    daemonCounter("vrrp_announcements_sent_total", "Gratuitous ARP and unsolicited NA packets sent", (c) => c.announcementsSent);
    daemonCounter("vrrp_notify_runs_total", "Notify scripts started", (c) => c.notify.runs);
    daemonCounter(
      "vrrp_notify_failures_total",
      "Notify scripts that failed (exit status, signal, timeout, spawn error)",
      (c) => c.notify.failures,
    );
    daemonCounter(
      "vrrp_notify_coalesced_total",
      "Notifications dropped from a full queue (the latest state is still delivered)",
      (c) => c.notify.coalesced,
    );
    daemonCounter("vrrp_notify_fifo_lines_total", "Lines written to notify FIFOs", (c) => c.fifo?.written ?? 0);
    daemonCounter(
      "vrrp_notify_fifo_dropped_total",
      "Notify FIFO lines dropped because the FIFO was full (nobody reading)",
      (c) => c.fifo?.dropped ?? 0,
    );
    new Counter({
      name: "vrrp_adverts_dropped_total",
      help: "Adverts dropped, by reason",
      labelNames: [...labels, "reason"],
      registers: [r],
      collect() {
        this.reset();
        for (const s of rt.status()) for (const [reason, n] of Object.entries(s.stats.drops)) this.inc({ ...lab(s), reason }, n ?? 0);
      },
    });
    new Gauge({
      name: "vrrp_check_up",
      help: "Tracked check state: 1 OK, 0 FAILED, -1 disabled",
      labelNames: ["check"],
      registers: [r],
      collect() {
        this.reset();
        for (const c of rt.trackers.status()) this.set({ check: c.name }, c.state === "OK" ? 1 : c.state === "FAILED" ? 0 : -1);
      },
    });
    new Gauge({
      name: "vrrp_check_duration_seconds",
      help: "Duration of the last run of each check",
      labelNames: ["check"],
      registers: [r],
      collect() {
        this.reset();
        for (const c of rt.trackers.status())
          if (c.last && typeof c.last.detail.ms === "number") this.set({ check: c.name }, c.last.detail.ms / 1000);
      },
    });
    const jitter = new Histogram({
      name: "vrrp_advert_send_lateness_seconds",
      help: "How late advert timers fired as MASTER",
      labelNames: ["instance"],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers: [r],
    });
    runtime.latenessListeners.push((instance, ms) => jitter.observe({ instance }, ms / 1000));
  }

  /** Healthy: the event loop answers and recent adverts left within one interval of schedule. */
  healthy(): { ok: boolean; reason: string } {
    const j = this.runtime.jitter();
    const minInterval = Math.min(...this.runtime.status().map((s) => s.advertIntervalCs * 10), Infinity);
    if (j.samples > 0 && j.p99 > minInterval)
      return { ok: false, reason: `adverts late: p99 ${j.p99.toFixed(1)} ms > interval ${minInterval} ms` };
    return { ok: true, reason: "ok" };
  }

  /**
   * Bodies are built at most once per CACHE_MS whatever the request rate, so a request costs the
   * advert thread a lookup and a write, not a pass over every instance (a /status flood stalled
   * adverts before).
   */
  private readonly cache = new Map<string, { at: number; status: number; type: string; body: Buffer | Promise<Buffer> }>();

  private body(url: string): { status: number; type: string; body: Buffer | Promise<Buffer> } | undefined {
    const now = Date.now();
    const hit = this.cache.get(url);
    if (hit && now - hit.at < CACHE_MS) return hit;
    let entry: { status: number; type: string; body: Buffer | Promise<Buffer> };
    if (url === "/metrics")
      entry = { status: 200, type: this.registry.contentType, body: this.registry.metrics().then((t) => Buffer.from(t)) };
    else if (url === "/healthz") {
      const h = this.healthy();
      entry = { status: h.ok ? 200 : 503, type: "text/plain", body: Buffer.from(h.reason + "\n") };
    } else if (url === "/status")
      entry = {
        status: 200,
        type: "application/json",
        body: Buffer.from(JSON.stringify(publicStatus(statusDocument(this.runtime, this.startedAt))) + "\n"),
      };
    else return undefined;
    this.cache.set(url, { at: now, ...entry });
    return entry;
  }

  start(): void {
    const m = /^(.*):(\d+)$/.exec(this.listen);
    if (!m) {
      this.log.error({ listen: this.listen }, "http listen address must be ADDR:PORT; HTTP disabled");
      return;
    }
    const host = m[1]!.replace(/^\[|\]$/g, "") || "0.0.0.0";
    this.server = createHttpServer(
      {
        requestTimeout: REQUEST_TIMEOUT_MS,
        headersTimeout: HEADERS_TIMEOUT_MS,
        keepAliveTimeout: KEEPALIVE_MS,
        maxHeaderSize: 8192,
        connectionsCheckingInterval: 1000,
      },
      (req, res) => {
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain", connection: "close" }).end("method not allowed\n");
          return;
        }
        const entry = this.body((req.url ?? "/").split("?")[0] ?? "/");
        if (!entry) {
          res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
          return;
        }
        Promise.resolve(entry.body).then(
          (b) => {
            res.writeHead(entry.status, { "content-type": entry.type, "content-length": b.length });
            res.end(req.method === "HEAD" ? undefined : b);
          },
          (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${e.message}\n`),
        );
      },
    );
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.maxRequestsPerSocket = 100;
    this.server.timeout = IDLE_TIMEOUT_MS; // a connection that sends nothing is closed
    this.server.on("error", (e) =>
      this.log.error({ listen: this.listen, err: e.message }, "HTTP listener failed; metrics unavailable, VRRP continues"),
    );
    this.server.listen(Number(m[2]), host, () => this.log.info({ listen: this.listen }, "HTTP /metrics /healthz /status listening"));
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}

const CACHE_MS = 1000;
const MAX_CONNECTIONS = 32;
const HEADERS_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;
const KEEPALIVE_MS = 5000;
const IDLE_TIMEOUT_MS = 5000;
const EXCERPT = 200;

/** /status over HTTP: no script output beyond a short excerpt without control characters. */
export function publicStatus(doc: StatusDocument): StatusDocument {
  return {
    ...doc,
    checks: doc.checks.map((c) => {
      if (!("last" in c) || !c.last) return c;
      const detail = { ...c.last.detail };
      if (typeof detail.output === "string") detail.output = excerpt(detail.output);
      if (typeof detail.error === "string") detail.error = excerpt(detail.error);
      return { ...c, last: { ...c.last, detail } };
    }),
  };
}

function excerpt(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return clean.length > EXCERPT ? `${clean.slice(0, EXCERPT)}...` : clean;
}

/**
 * What both entry points (keepalived flags, OpenShift mode) give operators: the control socket,
 * the optional HTTP listener, and keepalived's signal dumps.
 */
export class OperatorViews {
  private readonly control: ControlServer;
  private readonly http?: MetricsHttpServer;

  constructor(
    private readonly runtime: Runtime,
    private readonly log: Logger,
    controlPath: string,
    httpListen: string | undefined,
  ) {
    const startedAt = new Date();
    this.control = new ControlServer(controlPath, runtime, startedAt, log);
    if (httpListen) this.http = new MetricsHttpServer(httpListen, runtime, startedAt, log);
  }

  private dumping: Promise<void> = Promise.resolve();

  /**
   * keepalived's signal dumps. The signal handler only queues this: the file is written
   * asynchronously, one dump at a time, and a failure is logged, never fatal.
   */
  dump(kind: DumpKind, clear: boolean): void {
    const text = { data: dataText, stats: statsText, json: jsonText }[kind](this.runtime.status());
    if (clear) this.runtime.clearStats();
    const path = dumpPath(kind);
    this.dumping = this.dumping.then(() =>
      writeFileSafely(path, text).then(
        () => this.log.info({ path, kind }, `${kind} dump written`),
        (e: NodeJS.ErrnoException) => this.log.error({ path, code: e.code, err: e.message }, `cannot write the ${kind} dump; continuing`),
      ),
    );
  }

  start(): void {
    void this.control.start();
    this.http?.start();
  }

  close(): void {
    this.control.close();
    this.http?.close();
  }
}
