// The operator's view of a running daemon: a root-only control socket for `tsvrrpd status`, and an
// optional HTTP listener with /metrics (Prometheus, prom-client), /healthz and /status
// (metrics-http.ts, loaded only when asked for).
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname } from "node:path";
import { CONTROL_DIR, ensureControlDir } from "./control-path.js";
import { dataText, dumpPath, jsonText, statsText, writeFileSafely, type DumpKind } from "./dump-files.js";
import type { Logger } from "./log.js";
import { socketAnswers } from "./single-instance.js";
import type { Runtime } from "../daemon/runtime.js";
import { statusDocument } from "./status-document.js";
import { errorFields } from "../error-fields.js";

export class ControlServer {
  private server?: Server;
  constructor(
    private readonly path: string,
    private readonly runtime: Runtime,
    private readonly startedAt: Date,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const dir = dirname(this.path);
    try {
      if (dir === CONTROL_DIR) ensureControlDir(dir);
      else mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      this.log.error({ path: this.path, ...errorFields(e) }, "cannot use the control socket's directory; `tsvrrpd status` will not work");
      return;
    }
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
    // Root only (the status names every address and script): created 0600 (bind(2) applies the
    // umask, and listen() binds before it returns), so there is no moment when others may connect.
    const umask = process.umask(0o177);
    try {
      this.server.listen(this.path, () => {
        this.log.debug({ path: this.path }, "control socket listening");
        try {
          chmodSync(this.path, 0o600);
        } catch (e) {
          this.log.warn({ path: this.path, ...errorFields(e) }, "cannot restrict the control socket's permissions");
        }
      });
    } finally {
      process.umask(umask);
    }
  }

  close(): void {
    if (!this.server) return; // never ours (another daemon's socket): leave it
    this.server.close();
    rmSync(this.path, { force: true });
  }
}

/**
 * What both entry points (keepalived flags, OpenShift mode) give operators: the control socket,
 * the optional HTTP listener, and keepalived's signal dumps.
 */
export class OperatorViews {
  private readonly control: ControlServer;
  private http?: { start(): void; close(): void };
  private readonly httpListen: string | undefined;
  private readonly startedAt = new Date();

  constructor(
    private readonly runtime: Runtime,
    private readonly log: Logger,
    controlPath: string,
    httpListen: string | undefined,
  ) {
    this.control = new ControlServer(controlPath, runtime, this.startedAt, log);
    this.httpListen = httpListen;
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
        (e: unknown) => this.log.error({ path, ...errorFields(e) }, `cannot write the ${kind} dump; continuing`),
      ),
    );
  }

  async start(): Promise<void> {
    void this.control.start();
    if (!this.httpListen) return;
    // prom-client and the HTTP server are loaded only now, when HTTP is configured.
    const { MetricsHttpServer } = await import("./metrics-http.js");
    this.http = new MetricsHttpServer(this.httpListen, this.runtime, this.startedAt, this.log);
    this.http.start();
  }

  close(): void {
    this.control.close();
    this.http?.close();
  }
}
