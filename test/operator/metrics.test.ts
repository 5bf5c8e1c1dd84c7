// The registry /metrics serves follows Prometheus's conventions, and docs/metrics.md is generated
// from it and current.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { metricsRegistry, type MetricsSource } from "../../src/operator/metrics.js";
import { describeMetrics, metricsMarkdown } from "../../src/operator/metrics-doc.js";
import type { InstanceStatus } from "../../src/operator/status-view.js";

function instance(name: string, vrid: number, state: InstanceStatus["state"]): InstanceStatus {
  return {
    name,
    vrid,
    interface: "eth0",
    family: 4,
    version: 3,
    state,
    sinceMs: 0,
    priority: 100,
    effectivePriority: 90,
    master: undefined,
    masterPriority: 0,
    advertIntervalCs: 100,
    vips: ["192.0.2.1/32"],
    excludedVips: [],
    holdsVips: state === "MASTER",
    faults: [],
    stats: { transitions: 3, advertsSent: 7, advertsReceived: 2, becameMaster: 1, drops: { ttl: 1 }, sendErrors: 0 },
  } as unknown as InstanceStatus;
}

const source = (): MetricsSource & { latenessListeners: ((i: string, ms: number) => void)[] } => ({
  status: () => [instance("VI_1", 10, "MASTER"), instance("VI_2", 11, "FAULT")],
  counters: () => ({ unknownVrid: 1, malformedPackets: 0, announcementsSent: 5, notify: { runs: 2, failures: 1, coalesced: 0 } }),
  trackers: {
    status: () => [
      { name: "chk_ok", state: "OK", runs: 4, skipped: 0 },
      { name: "chk_bad", state: "FAILED", runs: 4, skipped: 0 },
      { name: "chk_off", state: "DISABLED", runs: 0, skipped: 0 },
    ],
  },
  latenessListeners: [],
});

async function scrape(): Promise<string> {
  const src = source();
  const r = metricsRegistry(src, { version: "9.9.9" });
  for (const l of src.latenessListeners) l("VI_1", 1.5);
  return r.metrics();
}

const samples = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("metrics", () => {
  it("no series has a label named instance; VRRP instances are vrrp_instance", async () => {
    const text = await scrape();
    expect(text).not.toMatch(/[{,]instance="/);
    expect(samples(text, "vrrp_instance_state")).toContain(
      'vrrp_instance_state{vrrp_instance="VI_1",vrid="10",interface="eth0",family="4"} 2',
    );
    expect(samples(text, "vrrp_advert_send_lateness_seconds_count")).toEqual([
      'vrrp_advert_send_lateness_seconds_count{vrrp_instance="VI_1"} 1',
    ]);
  });

  it("state: one 0-3 gauge per instance, the encoding in its HELP", async () => {
    const text = await scrape();
    expect(samples(text, "vrrp_instance_state").sort()).toEqual([
      'vrrp_instance_state{vrrp_instance="VI_1",vrid="10",interface="eth0",family="4"} 2',
      'vrrp_instance_state{vrrp_instance="VI_2",vrid="11",interface="eth0",family="4"} 3',
    ]);
    expect(text).toMatch(/# HELP vrrp_instance_state .*0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT/);
  });

  it("vrrp_check_up is 0 or 1 only; a disabled check is its own series", async () => {
    const text = await scrape();
    expect(samples(text, "vrrp_check_up").sort()).toEqual(['vrrp_check_up{check="chk_bad"} 0', 'vrrp_check_up{check="chk_ok"} 1']);
    expect(samples(text, "vrrp_check_disabled")).toEqual(['vrrp_check_disabled{check="chk_off"} 1']);
  });

  it("build info, process and Node.js default metrics are exported", async () => {
    const text = await scrape();
    expect(text).toContain(`tsvrrpd_build_info{version="9.9.9",nodejs_version="${process.version}"} 1`);
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "nodejs_eventloop_lag_seconds"])
      expect(samples(text, name).length, name).toBeGreaterThan(0);
  });

  it("counters end in _total, other names carry no _total, every HELP says something", async () => {
    for (const m of await describeMetrics()) {
      if (m.type === "counter") expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      expect(m.help.length, m.name).toBeGreaterThan(20);
      expect(m.labels).not.toContain("instance");
      if (/seconds|duration|lateness|interval/.test(m.help) && m.type !== "counter") expect(m.name).toMatch(/_seconds$/);
    }
  });

  it("docs/metrics.md is generated from the registry and current", async () => {
    expect(readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8")).toBe(await metricsMarkdown());
  });
});
