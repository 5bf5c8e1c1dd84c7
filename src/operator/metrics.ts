// The Prometheus series the daemon exports, defined once: /metrics serves this registry, and
// docs/metrics.md is generated from it (src/operator/metrics-doc.ts, checked by a test).
// Conventions (prometheus.io/docs/practices/naming): counters end in _total, units are in names
// (seconds), and no label is called `instance`, which Prometheus itself sets on every target (with
// the default honor_labels: false a series' own `instance` becomes `exported_instance` and breaks
// every query); a VRRP instance's name is `vrrp_instance` (keepalived-exporter calls it `iname`).
import { performance } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DaemonCounters } from "../daemon/runtime.js";
import type { InstanceStatus } from "./status-view.js";
import type { CheckStatus } from "../daemon/tracking.js";

export const STATE_CODE = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

/** What the registry reads at scrape time: the Runtime, or a fixture in tests and the doc generator. */
export interface MetricsSource {
  status(): InstanceStatus[];
  counters(): DaemonCounters;
  readonly trackers: { status(): CheckStatus[] };
  readonly latenessListeners: ((instance: string, ms: number) => void)[];
}

export interface BuildInfo {
  readonly version: string;
}

/** Buckets of the advert lateness histogram, seconds: sub-millisecond jitter up to 100 ms (VRRPAdvertsLate's threshold). */
export const LATENESS_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

const SNAPSHOT_MS = 100;

/** Labels of every per-instance series. `family` is 4 or 6: VRIDs repeat per address family. */
export const INSTANCE_LABELS = ["vrrp_instance", "vrid", "interface", "family"] as const;

const instanceLabels = (s: InstanceStatus) => ({
  vrrp_instance: s.name,
  vrid: String(s.vrid),
  interface: s.interface,
  family: String(s.family),
});

/**
 * The daemon's registry. `defaults` adds prom-client's process_* and nodejs_* series (memory,
 * CPU, file descriptors, event-loop lag); the doc generator leaves them out, as they vary by
 * platform and prom-client version.
 */
export function metricsRegistry(source: MetricsSource, build: BuildInfo, defaults = true): Registry {
  const r = new Registry();
  // One status snapshot per scrape, not one per series family: with 255 instances each
  // status() builds 255 records, and a scrape's collect() calls follow each other without a
  // turn of the event loop between them, so the snapshot is fresh.
  let snapshot: { at: number; list: InstanceStatus[] } | undefined;
  const rt = {
    status: (): InstanceStatus[] => {
      const now = performance.now();
      if (!snapshot || now - snapshot.at > SNAPSHOT_MS) snapshot = { at: now, list: source.status() };
      return snapshot.list;
    },
    counters: () => source.counters(),
    trackers: source.trackers,
  };
  if (defaults) collectDefaultMetrics({ register: r });
  const labels = INSTANCE_LABELS;
  new Gauge({
    name: "tsvrrpd_build_info",
    help: "Always 1; the labels say which tsvrrpd and which Node.js runtime this is",
    labelNames: ["version", "nodejs_version"],
    registers: [r],
  }).set({ version: build.version, nodejs_version: process.version }, 1);
  new Gauge({
    name: "vrrp_instance_state",
    // The encoding is in the HELP text rather than a vrrp_instance_state_info{state} family: four
    // series per instance made a scrape of 255 instances twice as long (measured), on the thread
    // that sends the adverts. `vrrp_instance_state == 2` selects the MASTERs.
    help: "VRRP state of the instance: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (select MASTERs with vrrp_instance_state == 2)",
    labelNames: labels,
    registers: [r],
    collect() {
      this.reset();
      for (const s of rt.status()) this.set(instanceLabels(s), STATE_CODE[s.state]);
    },
  });
  new Gauge({
    name: "vrrp_instance_priority",
    help: "Priority of the instance: kind=configured as in the configuration, kind=effective after weighted trackers",
    labelNames: [...labels, "kind"],
    registers: [r],
    collect() {
      this.reset();
      for (const s of rt.status()) {
        this.set({ ...instanceLabels(s), kind: "configured" }, s.priority);
        this.set({ ...instanceLabels(s), kind: "effective" }, s.effectivePriority);
      }
    },
  });
  new Gauge({
    name: "vrrp_instance_advert_interval_seconds",
    help: "Advertisement interval the instance uses now (the master's, as a VRRPv3 backup learns it)",
    labelNames: labels,
    registers: [r],
    collect() {
      this.reset();
      for (const s of rt.status()) this.set(instanceLabels(s), s.advertIntervalCs / 100);
    },
  });
  new Gauge({
    name: "vrrp_instance_holds_vips",
    help: "1 while the instance has its virtual addresses on this node, else 0",
    labelNames: labels,
    registers: [r],
    collect() {
      this.reset();
      for (const s of rt.status()) this.set(instanceLabels(s), s.holdsVips ? 1 : 0);
    },
  });
  const counter = (name: string, help: string, pick: (s: InstanceStatus) => number) =>
    new Counter({
      name,
      help,
      labelNames: labels,
      registers: [r],
      collect() {
        this.reset();
        for (const s of rt.status()) this.inc(instanceLabels(s), pick(s));
      },
    });
  counter("vrrp_transitions_total", "VRRP state transitions of the instance, any state to any other", (s) => s.stats.transitions);
  counter("vrrp_adverts_sent_total", "VRRP advertisements the instance sent", (s) => s.stats.advertsSent);
  counter("vrrp_adverts_received_total", "VRRP advertisements the instance accepted (valid, for its VRID)", (s) => s.stats.advertsReceived);
  counter("vrrp_became_master_total", "Transitions of the instance to MASTER", (s) => s.stats.becameMaster);
  counter(
    "vrrp_advert_send_errors_total",
    "VRRP advertisements of the instance the kernel did not take (send error)",
    (s) => s.stats.sendErrors,
  );
  new Counter({
    name: "vrrp_adverts_dropped_total",
    help: "VRRP advertisements for the instance dropped, by reason (checksum, ttl, auth, interval, version, length, ...)",
    labelNames: [...labels, "reason"],
    registers: [r],
    collect() {
      this.reset();
      for (const s of rt.status())
        for (const [reason, n] of Object.entries(s.stats.drops)) this.inc({ ...instanceLabels(s), reason }, n ?? 0);
    },
  });
  const daemonCounter = (name: string, help: string, pick: (c: DaemonCounters) => number) =>
    new Counter({
      name,
      help,
      registers: [r],
      collect() {
        this.reset();
        this.inc(pick(rt.counters()));
      },
    });
  daemonCounter(
    "vrrp_adverts_unknown_vrid_total",
    "VRRP advertisements for a VRID no instance runs on that interface",
    (c) => c.unknownVrid,
  );
  daemonCounter("vrrp_packets_malformed_total", "Packets too short or malformed to read an IP header from", (c) => c.malformedPackets);
  daemonCounter(
    "vrrp_announcements_sent_total",
    "Gratuitous ARP and unsolicited neighbour advertisement packets sent",
    (c) => c.announcementsSent,
  );
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
  // A disabled check (keepalived removes it: script security, missing user) is not "down": it gets
  // vrrp_check_disabled, and vrrp_check_up stays 0/1 so sums and ratios over it mean something.
  new Gauge({
    name: "vrrp_check_up",
    help: "Tracked check (vrrp_script) state: 1 OK, 0 FAILED; disabled checks are absent here (see vrrp_check_disabled)",
    labelNames: ["check"],
    registers: [r],
    collect() {
      this.reset();
      for (const c of rt.trackers.status()) if (c.state !== "DISABLED") this.set({ check: c.name }, c.state === "OK" ? 1 : 0);
    },
  });
  new Gauge({
    name: "vrrp_check_disabled",
    help: "1 for a configured check (vrrp_script) that is not run (removed as keepalived removes it, e.g. no script user)",
    labelNames: ["check"],
    registers: [r],
    collect() {
      this.reset();
      for (const c of rt.trackers.status()) if (c.state === "DISABLED") this.set({ check: c.name }, 1);
    },
  });
  new Counter({
    name: "vrrp_check_runs_total",
    help: "Runs of each tracked check (vrrp_script)",
    labelNames: ["check"],
    registers: [r],
    collect() {
      this.reset();
      for (const c of rt.trackers.status()) if (c.state !== "DISABLED") this.inc({ check: c.name }, c.runs);
    },
  });
  new Gauge({
    name: "vrrp_check_duration_seconds",
    help: "Duration of the last run of each tracked check (vrrp_script)",
    labelNames: ["check"],
    registers: [r],
    collect() {
      this.reset();
      for (const c of rt.trackers.status())
        if (c.last && typeof c.last.detail.ms === "number") this.set({ check: c.name }, c.last.detail.ms / 1000);
    },
  });
  const lateness = new Histogram({
    name: "vrrp_advert_send_lateness_seconds",
    help: "How late the instance's advertisement timer fired, as MASTER, after its scheduled time",
    labelNames: ["vrrp_instance"],
    buckets: LATENESS_BUCKETS,
    registers: [r],
  });
  source.latenessListeners.push((vrrp_instance, ms) => lateness.observe({ vrrp_instance }, ms / 1000));
  return r;
}
