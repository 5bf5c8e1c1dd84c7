// /metrics (prom-client), /healthz and /status over HTTP: loaded only when HTTP is asked for
// (--http, http_listen, TSVRRPD_HTTP), so a daemon without it does not carry prom-client and the
// HTTP server in memory.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Logger } from "./log.js";
import type { Runtime } from "./runtime.js";
import { statusDocument, type StatusDocument } from "./control.js";

const STATE_CODE = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

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
