// /metrics (prom-client), /healthz and /status over HTTP: loaded only when HTTP is asked for
// (--http, http_listen, TSVRRPD_HTTP), so a daemon without it does not carry prom-client and the
// HTTP server in memory.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "./log.js";
import type { Runtime } from "../daemon/runtime.js";
import { statusDocument, type StatusDocument } from "./status-document.js";
import { metricsRegistry } from "./metrics.js";
import { packageVersion } from "../version.js";

/** /metrics, /healthz, /status over HTTP. */
export class MetricsHttpServer {
  private server?: HttpServer;
  private readonly registry: Registry;

  constructor(
    private readonly listen: string,
    private readonly runtime: Runtime,
    private readonly startedAt: Date,
    private readonly log: Logger,
  ) {
    this.registry = metricsRegistry(runtime, { version: packageVersion() });
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
