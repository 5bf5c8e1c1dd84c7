// `--help` never acts (issue 26 item 3): every subcommand run with --help inside a namespace set up
// as an IP-failover pod (OPENSHIFT_HA_* set, a VIP held, a daemon-named process running) prints its
// usage and changes nothing: addresses, the nft ruleset, loaded kernel modules, processes, and
// files under /run (a private tmpfs, so other runs on this host are not in the picture).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Lab } from "../../lab/netns.js";
import { BIN } from "./daemons.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const VIP = "203.0.113.10";

/** Runs argv in the namespace with its own /run, listing /run before and after inside. */
const RUNNER = `set -u
mount -t tmpfs tsvrrpd-help /run || exit 90
find /run | sort > "$D/run.before"
timeout 20 "$@" > "$D/out" 2> "$D/err"
echo $? > "$D/rc"
find /run | sort > "$D/run.after"
`;

/** Loaded kernel modules: /proc/modules, or /sys/module where the kernel has no module loading (then nothing can change). */
function loadedModules(): string {
  const names = existsSync("/proc/modules")
    ? readFileSync("/proc/modules", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[0]!)
        .filter(Boolean)
    : readdirSync("/sys/module");
  return names.sort().join(" ");
}

interface Snapshot {
  addresses: string;
  nft: string;
  modules: string;
  pids: string;
}

describe("--help never acts", () => {
  it("every subcommand prints its own usage and leaves addresses, nft, modules, processes and /run alone", async () => {
    const lab = new Lab("hlp");
    cleanups.push(() => lab.destroy());
    lab.create([{ name: "a", v4: "192.0.2.11/24" }]);
    // What remove-failover would tear down and openshift would take over: a held VIP, the multicast
    // rule's table, and a process named as the daemon (remove-failover SIGTERMs those).
    lab.exec("a", "ip", ["addr", "add", `${VIP}/32`, "dev", "eth0"]);
    // The multicast rule's table as `openshift` makes it (src/openshift/multicast-rule.ts):
    // `remove-failover` deletes it, so a teardown shows in the ruleset, not only in the addresses.
    lab.exec("a", "nft", [
      "add table inet keepalived; add chain inet keepalived filter { type filter hook input priority 0; policy accept; }; add rule inet keepalived filter ip daddr 224.0.0.18 accept",
    ]);
    const fake = join(lab.dir, "keepalived");
    copyFileSync("/bin/sleep", fake);
    lab.spawn("a", fake, ["600"]);
    const runner = join(lab.dir, "runner.sh");
    writeFileSync(runner, RUNNER);
    const conf = join(lab.dir, "keepalived.conf");
    const shim = join(lab.dir, "shim");
    mkdirSync(shim);
    writeFileSync(join(shim, "modprobe"), '#!/bin/sh\necho "modprobe $*" >> "$D/modprobe.calls"\n', { mode: 0o755 });
    const env = {
      ...process.env,
      OPENSHIFT_HA_VIRTUAL_IPS: VIP,
      OPENSHIFT_HA_NETWORK_INTERFACE: "eth0",
      OPENSHIFT_HA_MONITOR_PORT: "0",
      OPENSHIFT_HA_NFTABLES_RULE: "true",
      OPENSHIFT_HA_REPLICA_COUNT: "1",
      KEEPALIVED_CONFIG: conf,
      // Modules are the host's, shared by every namespace: `modprobe` here is a stand-in first on
      // PATH that records its call, so a regression that loads or unloads one (remove-failover's
      // `modprobe -r ip_vs`) fails the test without touching the host.
      PATH: `${shim}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    };
    const snapshot = (): Snapshot => ({
      addresses: lab.exec("a", "ip", ["-br", "addr"]),
      nft: lab.exec("a", "nft", ["list", "ruleset"]),
      modules: loadedModules(),
      // asked from outside: `ip netns exec` would count itself
      pids: spawnSync("ip", ["netns", "pids", lab.ns("a")], { encoding: "utf8" })
        .stdout.split(/\s+/)
        .filter(Boolean)
        .sort()
        .join(" "),
    });
    const cases: [string[], string][] = [
      [["--help"], "Usage: tsvrrpd [OPTION...]"],
      [["-h"], "Usage: tsvrrpd [OPTION...]"],
      [["-t", "--help"], "Usage: tsvrrpd [OPTION...]"],
      [["openshift", "--help"], "usage: tsvrrpd openshift"],
      [["openshift", "--print-config", "-h"], "usage: tsvrrpd openshift"],
      [["remove-failover", "--help"], "usage: tsvrrpd remove-failover"],
      [["status", "--help"], "usage: tsvrrpd status"],
      [["status", "--check", "--help"], "usage: tsvrrpd status"],
      [["manifest", "--help"], "usage: tsvrrpd manifest"],
      [["check-cluster", "--help"], "usage: tsvrrpd check-cluster"],
      [["simulate", "--help"], "usage: tsvrrpd simulate"],
    ];
    const before = snapshot();
    expect(before.addresses).toContain(VIP);
    expect(before.nft).toContain("ip daddr 224.0.0.18 accept");
    for (const [args, usage] of cases) {
      const what = `tsvrrpd ${args.join(" ")}`;
      const D = join(lab.dir, args.join("_").replace(/[^a-z-]/g, ""));
      mkdirSync(D, { recursive: true });
      const r = spawnSync(
        "ip",
        ["netns", "exec", lab.ns("a"), "unshare", "--mount", "--propagation", "private", "sh", runner, BIN, ...args],
        {
          env: { ...env, D },
          encoding: "utf8",
          timeout: 40_000,
        },
      );
      expect(r.status, `${what}: runner ${r.stderr}`).toBe(0);
      const out = readFileSync(join(D, "out"), "utf8");
      expect(readFileSync(join(D, "rc"), "utf8").trim(), `${what} exit code (124: still running after 20 s)`).toBe("0");
      expect(out.startsWith(usage), `${what} printed ${JSON.stringify(out.slice(0, 200))}`).toBe(true);
      expect(readFileSync(join(D, "err"), "utf8"), what).toBe("");
      expect(readFileSync(join(D, "run.after"), "utf8"), `${what}: files under /run`).toBe(readFileSync(join(D, "run.before"), "utf8"));
      expect(snapshot(), what).toEqual(before);
      expect(existsSync(conf), `${what} wrote KEEPALIVED_CONFIG`).toBe(false);
      expect(existsSync(join(D, "modprobe.calls")), `${what} ran modprobe`).toBe(false);
    }
  });
});
