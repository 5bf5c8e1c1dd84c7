// keepalived.conf from a ConfigMap, reloaded without a restart (--reload-on-change): the file laid
// out as kubelet lays out a ConfigMap volume and swapped as kubelet swaps it (AtomicWriter: a new
// timestamped directory, ..data_tmp pointed at it, renamed over ..data). A VIP added and a
// priority changed apply with zero transitions anywhere; a broken version is refused and the old
// one keeps running. The daemon runs the generated DaemonSet's own command line and probes (paths
// moved into the lab): `status --check` (ready), `status --alive` (the loop answers), /metrics.
// An instance in FAULT (a failing check on the node) keeps the pod ready and shows in /metrics.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { kubeletWrite } from "../../lab/kubelet-volume.js";
import { parseAllDocuments } from "yaml";
import { manifestText } from "../../src/kube/manifest-command.js";
import { packageVersion } from "../../src/version.js";
import { BIN, CLI_TIMEOUT_MS, longestSilenceMs, macOf, startDaemon, twoRouterLabs, type Running } from "./daemons.js";

const newLab = twoRouterLabs("cmr");

interface Inst {
  name: string;
  state: string;
  effectivePriority: number;
  vips: string[];
  stats: { transitions: number };
}
interface Spec {
  name: string;
  vrid: number;
  priority: number;
  vips: string[];
}

const conf = (instances: Spec[]) =>
  "global_defs {\n  vrrp_garp_master_delay 0\n}\n" +
  instances
    .map(
      (i) =>
        `vrrp_instance ${i.name} {\n  interface eth0\n  virtual_router_id ${i.vrid}\n  priority ${i.priority}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${i.vips.join("\n    ")}\n  }\n}\n`,
    )
    .join("");

interface Container {
  command: string[];
  args: string[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
}

/** The DaemonSet's container as `tsvrrpd manifest --metrics=pod-ip` generates it, its paths moved into `dir`. */
function generatedContainer(dir: string, podIp: string): Container {
  const ds = parseAllDocuments(manifestText(["--metrics=pod-ip"]))
    .map((d) => d.toJSON() as { kind: string; spec: { template: { spec: { containers: Container[] } } } })
    .find((d) => d.kind === "DaemonSet")!;
  const move = (a: string) =>
    a
      .replace("/opt/tsvrrpd/bin/tsvrrpd", BIN)
      .replace("/etc/keepalived", join(dir, "configmap"))
      .replace("/run/tsvrrpd", dir)
      .replace("$(POD_IP)", podIp);
  const c = ds.spec.template.spec.containers[0]!;
  return {
    command: c.command.map(move),
    args: c.args.map(move),
    readinessProbe: { exec: { command: c.readinessProbe.exec.command.map(move) } },
    livenessProbe: { exec: { command: c.livenessProbe.exec.command.map(move) } },
  };
}

describe("--reload-on-change with a kubelet-style ConfigMap volume", () => {
  it("a VIP added and a priority changed apply with no transition; a broken version is refused; the probes answer", async () => {
    const { lab, running } = newLab();
    const A = { name: "VA", vrid: 11, vips: ["198.51.100.11"] };
    const C = { name: "VC", vrid: 13, vips: ["198.51.100.13"] };
    running.push(startDaemon(lab, "a", "tsvrrpd", conf([{ ...A, priority: 200 }])));
    await waitFor("a master of VA", () => lab.holders(A.vips[0]!).join() === "a", 10_000);

    const cm = join(lab.dir, "configmap");
    kubeletWrite(cm, {
      "keepalived.conf": conf([
        { ...A, priority: 100 },
        { ...C, priority: 100 },
      ]),
    });
    // b runs exactly what the generated DaemonSet runs (paths moved into the lab).
    const gen = generatedContainer(lab.dir, "192.0.2.12");
    expect(gen.args).toContain("--reload-on-change");
    const sock = join(lab.dir, "control.sock");
    expect(gen.args).toContain(sock);
    const child = lab.spawn("b", gen.command[0]!, [...gen.command.slice(1), ...gen.args, "-D"]);
    let out = "";
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const b: Running = { kind: "tsvrrpd", router: "b", child, output: () => out };
    running.push(b);
    const status = (s: string): Inst[] => {
      const r = spawnSync(BIN, ["status", "--json", "--socket", s], { encoding: "utf8", timeout: CLI_TIMEOUT_MS });
      return r.status === 0 ? (JSON.parse(r.stdout) as { instances: Inst[] }).instances : [];
    };
    // The probes as the manifest declares them.
    const probe = (flag: "--check" | "--alive") => {
      const cmd = (flag === "--check" ? gen.readinessProbe : gen.livenessProbe).exec.command;
      expect(cmd).toEqual([BIN, "status", flag, "--socket", sock]);
      return spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 15_000 });
    };
    const byName = (n: string) => status(sock).find((i) => i.name === n);
    await waitFor("b backup of VA, master of VC", () => byName("VA")?.state === "BACKUP" && byName("VC")?.state === "MASTER", 10_000);
    await waitFor("the watch started", () => out.includes("watching the configuration"), 5000);

    const ready = probe("--check");
    expect(ready.status, ready.stderr).toBe(0);
    expect(ready.stdout).toBe("ready: 2 instance(s) past INIT: 1 MASTER, 1 BACKUP, 0 FAULT\n");
    expect(probe("--alive").status).toBe(0);
    // The metrics port the manifest declares answers on the pod IP, in Prometheus's conventions.
    const metrics = lab.exec("b", process.execPath, [
      "-e",
      `fetch("http://192.0.2.12:9650/metrics").then(async (r) => process.stdout.write(await r.text()))`,
    ]);
    expect(metrics).toContain('vrrp_instance_state{vrrp_instance="VC",vrid="13",interface="eth0",family="4"} 2');
    // The daemon's registry, not a fixture: no label named instance (Prometheus's own), build info,
    // and prom-client's process and Node.js series.
    expect(metrics).not.toMatch(/[{,]instance="/);
    expect(metrics).toContain(`tsvrrpd_build_info{version="${packageVersion()}",nodejs_version="`);
    for (const name of ["process_resident_memory_bytes", "process_open_fds", "nodejs_eventloop_lag_seconds"])
      expect(metrics, name).toMatch(new RegExp(`^${name} \\d`, "m"));
    // --log-json (the generated args): one JSON object per line, string levels, ISO times, no
    // internal kl field; keepalived's words stay the message.
    // The status above came over the control socket; the log line may still be in the pipe.
    await waitFor("VC's MASTER line on stdout", () => stdout.includes('"msg":"(VC) Entering MASTER STATE"'), 5000);
    const records = stdout
      .slice(0, stdout.lastIndexOf("\n")) // whole lines only: the pipe may hold half of the next
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(3);
    for (const r of records) {
      expect(["debug", "info", "warn", "error", "fatal"], JSON.stringify(r)).toContain(r.level);
      expect(r.time, JSON.stringify(r)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(r, JSON.stringify(r)).not.toHaveProperty("kl");
    }
    expect(records).toContainEqual(expect.objectContaining({ level: "info", msg: "(VC) Entering MASTER STATE", instance: "VC" }));

    const aSock = join(lab.dir, "a.pid.sock");
    const transitions = () =>
      [...status(aSock).map((i) => ["a", i] as const), ...status(sock).map((i) => ["b", i] as const)]
        .map(([r, i]) => `${r}:${i.name}:${i.stats.transitions}`)
        .sort();
    const before = transitions();
    expect(before).toHaveLength(3);
    // Zero transitions, unless a (VA's master) itself fell silent for b's VA's down interval (341 ms
    // at priority 150; seen in a loaded full run: b's VA took over and gave back, 2 transitions):
    // then b's VA was right to move, and only its count is left out. a's adverts on the wire tell.
    const pcap = join(lab.dir, "a-adverts.pcap");
    await lab.capture(pcap, "ip proto 112", lab.port("a"));
    const aMac = macOf(lab, "a");
    const from = Date.now() / 1000;
    const expectNoTransition = async (when: string) => {
      const now = transitions();
      await new Promise((r) => setTimeout(r, 100)); // tcpdump -U: the last frames reach the file
      const silence = longestSilenceMs(pcap, aMac, from, Date.now() / 1000);
      if (silence < 341 - 5) return expect(now, when).toEqual(before);
      console.log(`${when}: a sent no advert for ${silence.toFixed(0)} ms (b's VA down interval 341 ms): b's VA count left out`);
      const others = (l: string[]) => l.filter((x) => !x.startsWith("b:VA:"));
      expect(others(now), when).toEqual(others(before));
    };
    const reloads = () => out.split("configuration reloaded").length - 1;

    // kubelet swaps in a version with one more VIP on VC (b is MASTER) and VA at priority 150.
    kubeletWrite(cm, {
      "keepalived.conf": conf([
        { ...A, priority: 150 },
        { ...C, vips: [...C.vips, "198.51.100.14"], priority: 100 },
      ]),
    });
    await waitFor("b holds the new VIP", () => lab.holders("198.51.100.14").join() === "b", 5000);
    await waitFor("b's VA at priority 150", () => byName("VA")?.effectivePriority === 150, 5000);
    // The log arrives through a pipe: wait for it rather than race it.
    await waitFor(
      "the change and the reload logged",
      () => out.includes("configuration changed on disk; reloading as on SIGHUP") && reloads() === 1,
      5000,
    );
    await expectNoTransition("after the reload");
    await waitFor("a alone holding VA (at once unless b's VA had rightly taken over)", () => lab.holders(A.vips[0]!).join() === "a", 5000);
    expect(lab.holders(C.vips[0]!)).toEqual(["b"]);

    // A broken version: refused and logged, the running configuration stays.
    kubeletWrite(cm, {
      "keepalived.conf": conf([
        { ...A, vrid: 999, priority: 150 },
        { ...C, priority: 100 },
      ]),
    });
    await waitFor("the refusal logged", () => out.includes("reload refused"), 5000);
    expect(out).toMatch(/reload refused: 1 error\(s\) in the configuration, first [^ ]*keepalived\.conf:\d+/);
    expect(reloads()).toBe(1);
    expect(byName("VA")).toMatchObject({ state: "BACKUP", effectivePriority: 150 });
    expect(lab.holders("198.51.100.14")).toEqual(["b"]);
    await expectNoTransition("after the refused version");

    // The loop stopped (SIGSTOP): not alive; the daemon gone: neither alive nor ready.
    process.kill(child.pid!, "SIGSTOP");
    try {
      const stopped = probe("--alive");
      expect(stopped.status).toBe(3);
      expect(stopped.stderr).toMatch(/no answer from .* within 3000 ms/);
    } finally {
      process.kill(child.pid!, "SIGCONT");
    }
    lab.killAll("b", "SIGKILL");
    await waitFor("b gone", () => probe("--alive").status === 3, 5000);
    expect(probe("--check").status).toBe(3);
  });
});

describe("readiness with a failing check", () => {
  it("an instance in FAULT (its check fails on this node) leaves the pod ready and shows in /metrics", async () => {
    const { lab, running } = newLab();
    const cm = join(lab.dir, "configmap");
    kubeletWrite(cm, {
      "keepalived.conf":
        conf([{ name: "VA", vrid: 21, priority: 100, vips: ["198.51.100.21"] }]) +
        'vrrp_script chk_down {\n  script "/bin/false"\n  interval 1\n  fall 1\n}\n' +
        "vrrp_instance VF {\n  interface eth0\n  virtual_router_id 22\n  priority 100\n  version 3\n  advert_int 0.1\n" +
        "  virtual_ipaddress {\n    198.51.100.22\n  }\n  track_script {\n    chk_down\n  }\n}\n",
    });
    const gen = generatedContainer(lab.dir, "192.0.2.12");
    const child = lab.spawn("b", gen.command[0]!, [...gen.command.slice(1), ...gen.args]);
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    running.push({ kind: "tsvrrpd", router: "b", child, output: () => out });
    const sock = join(lab.dir, "control.sock");
    const states = () => {
      const r = spawnSync(BIN, ["status", "--json", "--socket", sock], { encoding: "utf8", timeout: CLI_TIMEOUT_MS });
      return r.status === 0 ? (JSON.parse(r.stdout) as { instances: Inst[] }).instances.map((i) => `${i.name}:${i.state}`).sort() : [];
    };
    await waitFor("VA MASTER, VF FAULT", () => states().join() === "VA:MASTER,VF:FAULT", 15_000);
    const cmd = gen.readinessProbe.exec.command;
    const ready = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 15_000 });
    expect(ready.status, ready.stderr).toBe(0);
    expect(ready.stdout).toBe("ready: 2 instance(s) past INIT: 1 MASTER, 0 BACKUP, 1 FAULT\n");
    const metrics = lab.exec("b", process.execPath, [
      "-e",
      `fetch("http://192.0.2.12:9650/metrics").then(async (r) => process.stdout.write(await r.text()))`,
    ]);
    expect(metrics).toContain('vrrp_instance_state{vrrp_instance="VF",vrid="22",interface="eth0",family="4"} 3');
    expect(metrics).toContain('vrrp_check_up{check="chk_down"} 0');
  });
});
