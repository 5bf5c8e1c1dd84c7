// Faults and hostile input injected for real on a namespace LAN.
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Lab, waitFor } from "../../lab/netns.js";
import { BIN, holdsFor, statusOf, statusOr as statusOrAny, watchStalls } from "./daemons.js";

const INJECT = new URL("../../dist-lab/lab/inject.js", import.meta.url).pathname;
const VIP = "198.51.100.10";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Inst {
  name: string;
  state: string;
  holdsVips: boolean;
  stats: { transitions: number; advertsSent: number; advertsReceived: number; drops: Record<string, number> };
}
interface Doc {
  instances: Inst[];
  jitterMs: { samples: number; p50: number; p99: number; max: number };
}

function lab3(routers: { name: string; v4: string }[]): Lab {
  const lab = new Lab("rel");
  cleanups.push(() => lab.destroy());
  lab.create(routers);
  return lab;
}

function daemon(lab: Lab, router: string, conf: string): { sock: string; out: () => string } {
  const file = join(lab.dir, `${router}.conf`);
  writeFileSync(file, conf);
  const sock = join(lab.dir, `${router}.sock`);
  const child = lab.spawn(router, BIN, ["-n", "--log-json", "-G", "-f", file, "-p", join(lab.dir, `${router}.pid`), "--control", sock]);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  child.on("exit", (code, signal) => (out += `[daemon exited: code ${code} signal ${signal}]\n`));
  return { sock, out: () => out };
}

const statusOr = (sock: string) => statusOrAny<Doc>(sock);
const status = (sock: string) => statusOf<Doc>(sock);

const inst = (name: string, vrid: number, prio: number, vip: string, extra = "", version = 3) =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${prio}\n  version ${version}\n  advert_int ${version === 3 ? 0.1 : 1}\n${version === 2 ? "  authentication {\n    auth_type PASS\n    auth_pass s3cr3tpw\n  }\n" : ""}  virtual_ipaddress {\n    ${vip}\n  }\n${extra}}\n`;
const GLOBAL = "global_defs {\n  vrrp_garp_master_delay 0\n}\n";

describe("hostile input", () => {
  it("every kind of bad advert is dropped and counted by reason, a 50k-packet flood changes no state", async () => {
    const lab = lab3([
      { name: "a", v4: "192.0.2.11/24" },
      { name: "b", v4: "192.0.2.12/24" },
      { name: "x", v4: "192.0.2.99/24" },
    ]);
    const uni = (me: string, peer: string) => `  unicast_src_ip ${me}\n  unicast_peer {\n    ${peer}\n  }\n  check_unicast_src\n`;
    const conf = (p: number, me: string, peer: string) =>
      GLOBAL + inst("V3", 42, p, VIP) + inst("V2", 43, p, "198.51.100.11", "", 2) + inst("UNI", 44, p, "198.51.100.12", uni(me, peer));
    const a = daemon(lab, "a", conf(200, "192.0.2.11", "192.0.2.12"));
    await waitFor(
      "a master of everything",
      () => lab.holdersOf(["198.51.100.10", "198.51.100.11", "198.51.100.12"]).every((h) => h === "a"),
      10_000,
    );
    const b = daemon(lab, "b", conf(100, "192.0.2.12", "192.0.2.11"));
    await waitFor(
      "b backup of all three",
      async () => (await statusOr(b.sock))?.instances.every((i) => i.state === "BACKUP") === true,
      10_000,
    );
    const send = (kind: string, n: number, pps: number, vrid = 42, version = 3, dst = "224.0.0.18") =>
      lab.exec("x", process.execPath, [INJECT, kind, String(n), String(pps), "192.0.2.99", dst, String(vrid), String(version)]);
    for (const kind of ["bad-ttl", "bad-checksum", "bad-version", "truncated", "lying-count"]) send(kind, 20, 500);
    send("wrong-auth", 20, 500, 43, 2);
    send("good", 20, 500, 44, 3, "192.0.2.12"); // unicast from a host that is not a peer
    await waitFor(
      "every hostile advert counted",
      async () => {
        const doc = await statusOr(b.sock);
        return (
          doc?.instances.find((i) => i.name === "UNI")?.stats.drops.NOT_PEER === 20 &&
          doc.instances.find((i) => i.name === "V3")?.stats.drops.TRUNCATED === 40
        );
      },
      5000,
    );
    const before = (await status(b.sock)).instances;
    const v3 = before.find((i) => i.name === "V3")!;
    expect(v3.stats.drops).toMatchObject({ BAD_TTL: 20, BAD_CHECKSUM: 20, BAD_VERSION: 20, TRUNCATED: 40 });
    expect(before.find((i) => i.name === "V2")!.stats.drops.BAD_AUTH).toBe(20);
    expect(before.find((i) => i.name === "UNI")!.stats.drops.NOT_PEER).toBe(20);
    expect(before.map((i) => i.state)).toEqual(["BACKUP", "BACKUP", "BACKUP"]);

    // Flood: 50k adverts with a winning priority and a broken checksum, at 20k per second (200
    // times the master's own rate). Both daemons hear it (multicast). Under a flood the kernel
    // drops what a daemon cannot read in time (counted per socket in /proc/net/raw); everything
    // that reached the daemon must be counted, not acted upon. At 50k per second the injector and
    // the two daemons (~11 µs per packet each) needed more than this machine's 2 cores: the
    // backup's socket stayed full, the kernel dropped the master's adverts with the flood, and
    // the backup took over in a slow CI run: the kernel's doing, not a packet acted upon.
    const kernelDropsB = () =>
      lab
        .exec("b", "cat", ["/proc/net/raw"])
        .split("\n")
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(":0070"))
        .reduce((sum, f) => sum + Number(f.at(-1)), 0);
    const kernelBefore = kernelDropsB();
    const aBefore = (await status(a.sock)).instances;
    const stalls = await watchStalls();
    const sent = Number(send("bad-checksum", 50_000, 20_000).trim());
    const counted = async () => (await status(b.sock)).instances.find((i) => i.name === "V3")!.stats.drops.BAD_CHECKSUM! - 20;
    await waitFor(
      "every flood packet counted by the daemon or dropped by the kernel",
      async () => (await counted()) + (kernelDropsB() - kernelBefore) >= sent,
      10_000,
      100,
    );
    const [afterB, afterA] = [await status(b.sock), await status(a.sock)];
    const machineStallMs = await stalls.stop();
    const dropped = await counted();
    const kernelDropped = kernelDropsB() - kernelBefore;
    console.log(
      `flood: ${sent} sent, ${dropped} counted as BAD_CHECKSUM on the backup, ${kernelDropped} dropped by the kernel (socket buffer full); master advert lateness p50 ${afterA.jitterMs.p50.toFixed(2)} ms p99 ${afterA.jitterMs.p99.toFixed(2)} ms max ${afterA.jitterMs.max.toFixed(2)} ms; an idle process stalled up to ${machineStallMs.toFixed(0)} ms meanwhile`,
    );
    expect(sent).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(sent / 4); // most reach the daemon even on 2 busy cores
    expect(dropped).toBeLessThanOrEqual(sent); // nothing counted twice
    // No flood packet is acted upon: a backup takes over only when 3 of the master's adverts in a
    // row never reached it (the kernel drops from a full socket the master's adverts with the
    // flood). So an instance that lost fewer than 3 of a's adverts (sent by a, not received by
    // b) must not have moved at all.
    // Nor when the machine's measured stalls (a's send lateness, plus what an idle process was
    // stalled meanwhile, which b's reads suffered too) add up to a down interval: then an advert
    // waited in b's queue past b's timer, as it would for keepalived.
    const stallsCoverDownInterval = (intervalMs: number, priority: number) =>
      intervalMs + afterA.jitterMs.max + machineStallMs >= 3 * intervalMs + ((256 - priority) * intervalMs) / 256;
    for (const [k, i] of afterB.instances.entries()) {
      const sentByA = afterA.instances[k]!.stats.advertsSent - aBefore[k]!.stats.advertsSent;
      const heardByB = i.stats.advertsReceived - before[k]!.stats.advertsReceived;
      const intervalMs = i.name === "V2" ? 1000 : 100;
      if (sentByA - heardByB < 3 && !stallsCoverDownInterval(intervalMs, 100))
        expect([i.name, i.stats.transitions]).toEqual([i.name, before[k]!.stats.transitions]);
      else
        console.log(
          `${i.name}: ${sentByA - heardByB} of a's ${sentByA} adverts lost in the flood (machine stalls ${machineStallMs.toFixed(0)} ms, a late by up to ${afterA.jitterMs.max.toFixed(0)} ms); b's transitions ${before[k]!.stats.transitions} -> ${i.stats.transitions}`,
        );
    }
    await waitFor(
      "b backup of all three after the flood",
      async () => (await status(b.sock)).instances.every((i) => i.state === "BACKUP"),
      5000,
    );
    expect(afterA.instances.map((i) => i.state)).toEqual(["MASTER", "MASTER", "MASTER"]);
    // Late by less than an advert interval even while flooded on 2 busy cores (figures: bench/),
    // beyond what the machine did to an idle process meanwhile.
    expect(afterA.jitterMs.p99).toBeLessThan(100 + machineStallMs);
    await waitFor(
      "a log line per drop reason",
      () => ["BAD_TTL", "BAD_CHECKSUM", "BAD_VERSION", "TRUNCATED"].every((code) => b.out().includes(`"code":"${code}"`)),
      5000,
    );
  }, 90_000);
});

describe("faults", () => {
  it("partition and heal: two masters while split, exactly one within a down interval of healing", async () => {
    const lab = lab3([
      { name: "a", v4: "192.0.2.11/24" },
      { name: "b", v4: "192.0.2.12/24" },
      { name: "c", v4: "192.0.2.13/24" },
    ]);
    daemon(lab, "a", GLOBAL + inst("VI", 1, 200, VIP));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const b = daemon(lab, "b", GLOBAL + inst("VI", 1, 150, VIP));
    const c = daemon(lab, "c", GLOBAL + inst("VI", 1, 100, VIP));
    await waitFor(
      "b and c backups of a",
      async () => (await Promise.all([b, c].map((d) => statusOr(d.sock)))).every((doc) => doc?.instances[0]?.state === "BACKUP"),
      10_000,
    );
    // Split: c's port leaves the bridge; its link stays up, it just hears nobody.
    lab.exec(null, "ip", ["link", "set", "dev", lab.port("c"), "nomaster"]);
    await waitFor("c master on its side too", () => lab.holders(VIP).sort().join() === "a,c", 5000);
    lab.exec(null, "ip", ["link", "set", "dev", lab.port("c"), "master", "br0"]);
    const healed = Date.now();
    await waitFor("one master again", () => lab.holders(VIP).join() === "a", 2000, 10);
    const took = Date.now() - healed;
    console.log(`partition healed: single master after ${took} ms`);
    // c yields at a's first advert and a answers c's at once: well inside c's down interval
    // (360 ms); the bound only has to tell that from "never" on a busy machine.
    expect(took).toBeLessThan(1500);
    await holdsFor(500, () => expect(lab.holders(VIP)).toEqual(["a"]));
  });

  it("a VIP deleted by hand from the master is restored; a removed interface is named and the others keep serving", async () => {
    const lab = lab3([{ name: "a", v4: "192.0.2.11/24" }]);
    lab.exec("a", "ip", ["link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"]);
    lab.exec("a", "ip", ["addr", "add", "192.0.2.111/24", "dev", "eth1"]);
    lab.exec("a", "ip", ["link", "set", "eth1", "up"]);
    lab.exec("a", "ip", ["link", "set", "eth1p", "up"]);
    const a = daemon(
      lab,
      "a",
      GLOBAL + inst("ETH0", 1, 200, VIP) + inst("ETH1", 2, 200, "198.51.100.20").replace("interface eth0", "interface eth1"),
    );
    // The daemon's log is what explains a failure here (it once died on the interface's removal in CI).
    cleanups.push(() => {
      if (failed) console.log(a.out());
    });
    let failed = true;
    await waitFor("both masters", () => lab.holders(VIP).join() === "a" && lab.addresses("a", "eth1").includes("198.51.100.20/32"), 10_000);
    lab.exec("a", "ip", ["addr", "del", `${VIP}/32`, "dev", "eth0"]);
    await waitFor("VIP restored", () => lab.holders(VIP).join() === "a", 2000, 10);
    await waitFor(
      "the restore logged",
      () => a.out().includes("VIP removed from the interface by someone else while MASTER; restoring it"),
      2000,
    );
    lab.exec("a", "ip", ["link", "del", "eth1"]);
    await waitFor(
      "ETH1 in FAULT",
      async () => (await status(join(lab.dir, "a.sock"))).instances.find((i) => i.name === "ETH1")!.state === "FAULT",
      3000,
    );
    await waitFor("the link loss logged", () => /"instance":"ETH1".*interface eth1 is down or gone/.test(a.out()), 2000);
    await holdsFor(500, () => expect(lab.holders(VIP)).toEqual(["a"]));
    expect((await status(join(lab.dir, "a.sock"))).instances.find((i) => i.name === "ETH0")!.state).toBe("MASTER");
    failed = false;
  });

  it("check scripts that hang, crash, flood output or fork: adverts stay on schedule, no process is left", async () => {
    const lab = lab3([{ name: "a", v4: "192.0.2.11/24" }]);
    const mk = (name: string, body: string) => {
      const p = join(lab.dir, `${name}.sh`);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    };
    chmodSync(lab.dir, 0o755);
    const scripts = {
      hang: mk("hang", "sleep 100"),
      crash: mk("crash", "kill -SEGV $$"),
      noisy: mk("noisy", "head -c 3000000 /dev/zero | tr '\\\\0' x; exit 0"),
      forks: mk("forks", "sleep 300 & sleep 300 & exit 0"),
    };
    const defs = Object.entries(scripts)
      .map(([n, p]) => `vrrp_script ${n} {\n  script ${p}\n  interval 0.2\n  timeout 0.5\n  weight 1\n}\n`)
      .join("");
    const track = `  track_script {\n${Object.keys(scripts)
      .map((n) => `    ${n}`)
      .join("\n")}\n  }\n`;
    const a = daemon(lab, "a", GLOBAL + defs + inst("VI", 1, 200, VIP, track));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 15_000);
    const stalls = await watchStalls();
    await new Promise((r) => setTimeout(r, 4000));
    const doc = await status(join(lab.dir, "a.sock"));
    const machineStallMs = await stalls.stop();
    console.log(
      `misbehaving scripts: advert lateness p50 ${doc.jitterMs.p50.toFixed(2)} ms p99 ${doc.jitterMs.p99.toFixed(2)} ms max ${doc.jitterMs.max.toFixed(2)} ms over ${doc.jitterMs.samples} adverts; this process stalled up to ${machineStallMs.toFixed(0)} ms meanwhile`,
    );
    expect(doc.instances[0]!.state).toBe("MASTER");
    // ~40 samples: their maximum, so only a generous bound (figures belong in bench/): 50 ms
    // beyond what the machine did to an idle process (watchStalls measures that), so the
    // scripts' cost to the daemon is what is bounded, not the host's load.
    expect(doc.jitterMs.p99).toBeLessThan(50 + machineStallMs);
    // Only the daemon and at most one round of scripts may be alive: hang (sh, sleep), crash (sh),
    // noisy (sh, head, tr), forks (sh, 2 x sleep). A leak grows past that run after run.
    const procs = () =>
      lab
        .exec(null, "ip", ["netns", "pids", lab.ns("a")])
        .split(/\s+/)
        .filter(Boolean).length;
    for (let i = 0; i < 10; i++) {
      expect(procs()).toBeLessThanOrEqual(1 + 2 + 1 + 3 + 3);
      await new Promise((r) => setTimeout(r, 100));
    }
    // SIGTERM to the daemon alone: ending the scripts it still runs (the hanging one, the forked
    // sleeps) is its job, not the test's.
    process.kill(Number(readFileSync(join(lab.dir, "a.pid"), "utf8")), "SIGTERM");
    await waitFor("no process left in the namespace", () => procs() === 0, 5000);
    expect(a.out()).toContain("check timed out after 500 ms");
  });
});

describe("packet loss (nftables random drop: this kernel has no netem)", () => {
  it("lossy master link: takeovers track the probability of a whole down interval lost; one master once the loss stops", async () => {
    const lab = lab3([
      { name: "a", v4: "192.0.2.11/24" },
      { name: "b", v4: "192.0.2.12/24" },
    ]);
    const a = daemon(lab, "a", GLOBAL + inst("VI", 1, 200, VIP));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const b = daemon(lab, "b", GLOBAL + inst("VI", 1, 100, VIP));
    await waitFor("b backup", async () => (await statusOr(b.sock))?.instances[0]?.state === "BACKUP", 10_000);
    const rows: string[] = [];
    for (const loss of [60]) {
      const rules = `table inet lossy {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    meta l4proto 112 numgen random mod 100 < ${loss} drop\n  }\n}\n`;
      const add = spawnSync("ip", ["netns", "exec", lab.ns("a"), "nft", "-f", "-"], { input: rules, encoding: "utf8", timeout: 10_000 });
      expect(add.status, `nft -f: ${add.stderr}`).toBe(0);
      const t0 = (await status(b.sock)).instances[0]!.stats.transitions;
      const takeoversNow = async () => ((await status(b.sock)).instances[0]!.stats.transitions - t0) / 2; // BACKUP->MASTER->BACKUP
      // At least 8 s of loss, and on until the first takeover: the lower bound is "loss causes
      // takeovers" (an event to wait for), not a count that a fixed window misses 0.1 % of the time.
      const started = Date.now();
      let takeovers = 0;
      while (Date.now() - started < 8000 || (takeovers === 0 && Date.now() - started < 60_000)) {
        await new Promise((r) => setTimeout(r, 200));
        takeovers = await takeoversNow();
      }
      const del = spawnSync("ip", ["netns", "exec", lab.ns("a"), "nft", "delete", "table", "inet", "lossy"], {
        encoding: "utf8",
        timeout: 10_000,
      });
      expect(del.status, `nft delete: ${del.stderr}`).toBe(0);
      const seconds = (Date.now() - started) / 1000;
      takeovers = await takeoversNow();
      // b takes over when 3 adverts in a row are lost (the 4th would arrive after the skew):
      // about (adverts per second) x p^3 x (1 - p) times per second.
      const p = loss / 100;
      const expected = 10 * seconds * p ** 3 * (1 - p);
      rows.push(
        `${loss}% loss: ${takeovers} takeovers by the backup in ${seconds.toFixed(1)} s, protocol predicts ~${expected.toFixed(1)}`,
      );
      // Poisson-like counts: bounds loose enough to fail only on a real regression
      expect(takeovers).toBeLessThanOrEqual(expected * 4 + 3);
      // ~0.86 a second expected at 60 %: none in a minute has a chance of e^-52
      expect(takeovers, "takeovers under 60 % loss").toBeGreaterThan(0);
      // The loss stopped: one master, the right one, within a down interval and then for good.
      await waitFor("a the one master once the loss stopped", () => lab.holders(VIP).join() === "a", 2000);
      await holdsFor(500, () => expect(lab.holders(VIP)).toEqual(["a"]));
    }
    console.log(rows.join("\n"));
    expect(a.out()).not.toMatch(/-> FAULT/);
  }, 120_000);
});
