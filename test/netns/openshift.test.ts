// The OpenShift drop-in on a namespace LAN: the image layout's entry points (installed the way the
// Dockerfile installs them), and a mixed cluster of real keepalived running the configuration
// today's image generates next to tsvrrpd running from the same OPENSHIFT_HA_* variables; and the
// container `tsvrrpd manifest --mode=openshift` generates, run with its own env and probes.
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Lab, waitFor } from "../../lab/netns.js";
import { holdsFor } from "./daemons.js";
import { failoverBothWays, mixLayout, startMix } from "./openshift-mix.js";
import { parseAllDocuments } from "yaml";
import { manifestText } from "../../src/kube/manifest-command.js";

interface GeneratedContainer {
  env: { name: string; value?: string; valueFrom?: object }[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
}

const REPO = new URL("../..", import.meta.url).pathname;
const VIPS = ["203.0.113.10", "203.0.113.11", "203.0.113.12"];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function newLab(): Lab {
  const lab = new Lab("ocp");
  cleanups.push(() => lab.destroy());
  lab.create([
    { name: "a", v4: "192.0.2.11/24" },
    { name: "b", v4: "192.0.2.12/24" },
  ]);
  return lab;
}

function collect(child: ChildProcess): () => string {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return () => out;
}

const oneHolderEach = (lab: Lab) => lab.holdersOf(VIPS).every((h) => h !== "" && !h.includes(","));

describe("image layout entry points", () => {
  // The layout, installed the way the Dockerfile installs it: set-up, not what the test measures,
  // so its copying (seconds to a minute on a busy machine) has a budget of its own, not the test's.
  let root = "";
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "tsvrrpd-image-root-"));
    const inst = spawnSync("bash", [join(REPO, "scripts/install-image-root.sh"), root], { encoding: "utf8", timeout: 170_000 });
    expect(inst.status, `${inst.stderr}${inst.error?.message ?? ""}`).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("monitor.sh runs the failover, answers pgrep keepalived, releases VIPs on SIGTERM; remove-failover.sh cleans up, twice", async () => {
    const lab = newLab();
    const monitor = join(root, "var/lib/ipfailover/keepalived/monitor.sh");
    const remove = join(root, "var/lib/ipfailover/keepalived/remove-failover.sh");
    const env = {
      ...process.env,
      OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.10-12",
      OPENSHIFT_HA_REPLICA_COUNT: "2",
      OPENSHIFT_HA_NETWORK_INTERFACE: "eth0",
      OPENSHIFT_HA_MONITOR_PORT: "8080",
      OPENSHIFT_HA_NFTABLES_RULE: "true",
      OPENSHIFT_HA_PREEMPTION: "nopreempt",
      KEEPALIVED_CONFIG: join(lab.dir, "keepalived.conf"),
      TSVRRPD_SKIP_MODPROBE: "1", // unloading ip_vs would change the host, not the namespace
    };
    for (const r of ["a", "b"])
      lab.spawn(r, "node", [
        "-e",
        `require("node:net").createServer((s) => s.end()).listen(8080, "${r === "a" ? "192.0.2.11" : "192.0.2.12"}")`,
      ]);
    const a = lab.spawn("a", monitor, [], { env: { ...env, TSVRRPD_CONTROL_SOCKET: join(lab.dir, "a.sock") } });
    const aOut = collect(a);
    const b = lab.spawn("b", monitor, [], { env: { ...env, TSVRRPD_CONTROL_SOCKET: join(lab.dir, "b.sock") } });
    const bOut = collect(b);
    let passed = false;
    cleanups.push(() => {
      if (!passed) console.log(`--- a (exit ${a.exitCode} ${a.signalCode}):\n${aOut().slice(-3000)}\n--- b:\n${bOut().slice(-3000)}`);
    });
    await waitFor("one holder per VIP", () => oneHolderEach(lab), 15_000);
    expect(lab.exec("a", "pgrep", ["-x", "keepalived"], true).split(/\s+/).filter(Boolean).map(Number)).toContain(a.pid);
    expect(lab.exec("a", "nft", ["list", "chain", "inet", "keepalived", "filter"])).toContain("ip daddr 224.0.0.18 accept");
    expect(readFileSync(env.KEEPALIVED_CONFIG, "utf8")).toContain("vrrp_instance OpenShift_IPFailover_VIP_3");

    const exited = new Promise<number | null>((r) => a.on("exit", (code) => r(code)));
    a.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(aOut()).toContain("  - Releasing VIPs 203.0.113.10 203.0.113.11 203.0.113.12 (interface eth0) ... ");
    expect(lab.addresses("a").filter((x) => x.startsWith("203.0.113."))).toEqual([]);
    await waitFor("b holds every VIP", () => lab.holdersOf(VIPS).every((h) => h === "b"), 5000);

    for (let run = 1; run <= 2; run++) {
      const r = spawnSync("ip", ["netns", "exec", lab.ns("b"), remove], { env, encoding: "utf8", timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("remove-failover.sh: OpenShift IP Failover service terminating.");
      expect(r.stdout).toContain("  - Releasing VIP 203.0.113.12 ... ");
      expect(r.stdout).toContain("  - Removing ip_vs module ..."); // said as the image does; skipped in tests
      if (run === 1) expect(r.stdout).toContain("  - Removing keepalived multicast nftables rules ...");
      expect(lab.addresses("b").filter((x) => x.startsWith("203.0.113."))).toEqual([]);
      expect(lab.exec("b", "nft", ["list", "tables"], true)).not.toContain("keepalived");
    }
    await waitFor("b's daemon stopped", () => b.exitCode !== null, 15_000);
    passed = true;
  });
});

describe("mixed cluster: keepalived with the image's config next to tsvrrpd openshift", () => {
  it("one master per group, failover both ways, check and notify scripts from /etc/keepalive-style paths", async () => {
    const lab = newLab();
    const mix = await startMix(lab, join(lab.dir, "ocmix"));
    const env = {
      ...process.env,
      ...mix.env,
      KEEPALIVED_CONFIG: join(lab.dir, "keepalived-b.conf"),
      TSVRRPD_CONTROL_SOCKET: join(lab.dir, "b.sock"),
    };
    const ts = lab.spawn("b", join(REPO, "bin/tsvrrpd"), ["openshift"], { env });
    const tsOut = collect(ts);
    let passed = false;
    cleanups.push(() => {
      if (!passed) console.log(`--- keepalived a:\n${mix.keepalivedOut().slice(-3000)}\n--- tsvrrpd b:\n${tsOut().slice(-4000)}`);
    });
    await waitFor("one master per group, as the priorities say", () => mixLayout(lab), 10_000);
    await holdsFor(1500, () => expect(mixLayout(lab)).toBe(true));
    await failoverBothWays(lab, mix, "tsvrrpd");
    passed = true;
  });
});

describe("tsvrrpd manifest --mode=openshift", () => {
  it("the generated container's env runs tsvrrpd openshift: its probes answer on TSVRRPD_CONTROL_SOCKET, /metrics on the pod IP, JSON logs", async () => {
    const lab = newLab();
    const work = parseAllDocuments(
      manifestText([
        "--mode=openshift",
        "--metrics=pod-ip",
        "--env=OPENSHIFT_HA_VIRTUAL_IPS=203.0.113.20",
        "--env=OPENSHIFT_HA_MONITOR_PORT=0",
      ]),
    )
      .map((d) => d.toJSON() as { kind: string; spec: { template: { spec: { containers: GeneratedContainer[] } } } })
      .find((d) => d.kind === "DaemonSet")!;
    const c = work.spec.template.spec.containers[0]!;
    const sock = join(lab.dir, "control.sock");
    // The pod's env with the downward API and the paths moved into the lab, as kubelet expands $(POD_IP).
    const env: NodeJS.ProcessEnv = { ...process.env, KEEPALIVED_CONFIG: join(lab.dir, "keepalived.conf"), TSVRRPD_SKIP_MODPROBE: "1" };
    for (const e of c.env)
      env[e.name] = e.valueFrom ? "192.0.2.12" : e.value!.replace("$(POD_IP)", "192.0.2.12").replace("/run/tsvrrpd/control.sock", sock);
    const probe = (p: GeneratedContainer["readinessProbe"]) => {
      const cmd = p.exec.command.map((a) =>
        a.replace("/opt/tsvrrpd/bin/tsvrrpd", join(REPO, "bin/tsvrrpd")).replace("/run/tsvrrpd/control.sock", sock),
      );
      return spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 15_000 });
    };
    const ts = lab.spawn("b", join(REPO, "bin/tsvrrpd"), ["openshift"], { env });
    let stdout = "";
    ts.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const errOut = collect(ts);
    let passed = false;
    cleanups.push(() => {
      if (!passed) console.log(`--- tsvrrpd openshift on b:\n${stdout.slice(-3000)}\n${errOut().slice(-3000)}`);
    });
    await waitFor("b holds the VIP", () => lab.holdersOf(["203.0.113.20"])[0] === "b", 15_000);
    await waitFor("ready", () => probe(c.readinessProbe).status === 0, 5000);
    expect(probe(c.readinessProbe).stdout).toMatch(/^ready: 1 instance\(s\) past INIT: 1 MASTER/);
    expect(probe(c.livenessProbe).status).toBe(0);
    const metrics = lab.exec("b", process.execPath, [
      "-e",
      `fetch("http://192.0.2.12:9650/metrics").then(async (r) => process.stdout.write(await r.text()))`,
    ]);
    expect(metrics).toMatch(/^vrrp_instance_state\{vrrp_instance="k8s_vips_VIP_1",[^}]*\} 2$/m);
    expect(metrics).toContain("tsvrrpd_build_info{");
    const records = stdout
      .slice(0, stdout.lastIndexOf("\n"))
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(2);
    for (const r of records) {
      expect(typeof r.level, JSON.stringify(r)).toBe("string");
      expect(r.time, JSON.stringify(r)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(r, JSON.stringify(r)).not.toHaveProperty("kl");
    }
    ts.kill("SIGTERM");
    await waitFor("stopped", () => ts.exitCode !== null, 15_000);
    passed = true;
  });
});
