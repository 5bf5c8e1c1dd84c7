// simulate: the hosts' files on the virtual LAN through scripted events; deterministic for a seed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadHosts } from "../../src/cluster/command.js";
import { parseEvents, simulate } from "../../src/cluster/simulate.js";
import { masterDownMs, skewMs } from "../../src/vrrp/timing.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conf = (p: number, src: string, extra = "") =>
  `vrrp_script chk_http {\n  script "/bin/true"\n  interval 1\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority ${p}\n  version 3\n  advert_int 0.1\n  mcast_src_ip ${src}\n${extra}  track_script {\n    chk_http\n  }\n  virtual_ipaddress {\n    192.0.2.100\n  }\n}\n`;

function hosts() {
  writeFileSync(join(dir, "host1.conf"), conf(200, "192.0.2.11"));
  writeFileSync(join(dir, "host2.conf"), conf(100, "192.0.2.12"));
  const { hosts: h, problems } = loadHosts([join(dir, "host1.conf"), join(dir, "host2.conf")]);
  expect(problems).toEqual([]);
  return h;
}

describe("simulate", () => {
  it("parses the event language and refuses what it does not know", () => {
    expect(parseEvents("kill host1 @5s; heal @9s; check chk_http fails on host2 @12s; loss 30% @1500ms")).toEqual([
      { at: 1500, kind: "loss", percent: 30 },
      { at: 5000, kind: "kill", host: "host1" },
      { at: 9000, kind: "heal" },
      { at: 12_000, kind: "check", check: "chk_http", ok: false, host: "host2" },
    ]);
    expect(() => parseEvents("explode host1 @1s")).toThrow(/unknown/);
    expect(() => parseEvents("kill host1")).toThrow(/@TIME/);
  });

  it("host death: the backup takes over at the protocol floor after the master's last advert", () => {
    const r = simulate(hosts(), parseEvents("kill host1 @3s"), 1, 6000);
    expect(r.final).toEqual({ VI_1: "host2" });
    const takeover = r.masters.find((m) => m.master === "host2")!;
    const floor = masterDownMs(3, 100, 10);
    expect(takeover.floorMs).toBeCloseTo(floor, 6);
    // The simulated LAN delays adverts by 0.1-0.3 ms; nothing else separates the gap from the floor.
    expect(takeover.gapMs! - floor).toBeGreaterThanOrEqual(-0.5);
    expect(takeover.gapMs! - floor).toBeLessThan(1);
  });

  it("graceful stop, a failing check, a partition and its heal: the masters a real pair would have", () => {
    const stop = simulate(hosts(), parseEvents("stop host1 @3s"), 1, 6000);
    const t = stop.masters.find((m) => m.master === "host2")!;
    expect(t.floorMs).toBeCloseTo(skewMs(3, 100, 10), 6); // priority 0: the backup waits its skew only
    const check = simulate(hosts(), parseEvents("check chk_http fails on host1 @3s; check chk_http recovers on host1 @6s"), 1, 9000);
    expect(check.transitions.filter((x) => x.router === "host1").map((x) => x.to)).toEqual([
      "BACKUP",
      "MASTER",
      "FAULT",
      "BACKUP",
      "MASTER",
    ]);
    expect(check.final).toEqual({ VI_1: "host1" });
    const split = simulate(hosts(), parseEvents("partition host1 @3s; heal @5s"), 1, 8000);
    expect(split.masters.some((m) => m.master === "host1,host2")).toBe(true); // two masters while split
    expect(split.final).toEqual({ VI_1: "host1" });
  });

  it("is deterministic for a seed, and says when it had to assume an address", () => {
    writeFileSync(join(dir, "n1.conf"), conf(100, "192.0.2.11").replace("  mcast_src_ip 192.0.2.11\n", ""));
    writeFileSync(join(dir, "n2.conf"), conf(100, "192.0.2.12").replace("  mcast_src_ip 192.0.2.12\n", ""));
    const h = loadHosts([join(dir, "n1.conf"), join(dir, "n2.conf")]).hosts;
    const ev = parseEvents("loss 50% @1s; kill n2 @4s; start n2 @6s");
    const a = simulate(h, ev, 42, 10_000);
    expect(simulate(h, ev, 42, 10_000)).toEqual(a);
    expect(a.hosts.every((x) => x.addressAssumed)).toBe(true);
  });

  it("never assumes a host address that is one of the files' VIPs", () => {
    const vips = "  virtual_ipaddress {\n    192.0.2.100\n  }\n";
    const taken = "  virtual_ipaddress {\n    192.0.2.100\n    192.0.2.101\n    192.0.2.103\n  }\n";
    writeFileSync(join(dir, "v1.conf"), conf(150, "").replace("  mcast_src_ip \n", "").replace(vips, taken));
    writeFileSync(join(dir, "v2.conf"), conf(100, "").replace("  mcast_src_ip \n", "").replace(vips, taken));
    const h = loadHosts([join(dir, "v1.conf"), join(dir, "v2.conf")]).hosts;
    const r = simulate(h, [], 1, 5_000);
    expect(r.hosts.map((x) => [x.address, x.addressAssumed])).toEqual([
      ["192.0.2.102", true],
      ["192.0.2.104", true],
    ]);
  });

  it("OpenShift env sets: each node's generated configuration, events naming nodes by address", () => {
    const env = new URL("../fixtures/openshift/basic.env", import.meta.url).pathname;
    const { hosts: h, problems } = loadHosts([`${env}@192.0.2.11,192.0.2.12`]);
    expect(problems).toEqual([]);
    const r = simulate(h, parseEvents("kill 192.0.2.12 @3s"), 1, 8000);
    // Every VIP group has one master at the end, and it is the node left alive.
    expect(Object.keys(r.final).length).toBeGreaterThan(0);
    for (const master of Object.values(r.final)) expect(master).toBe("192.0.2.11");
  });

  it("the command: timeline text, --json, exit 2 on a bad event", () => {
    hosts();
    const bin = new URL("../../bin/tsvrrpd", import.meta.url).pathname;
    const files = [join(dir, "host1.conf"), join(dir, "host2.conf")];
    const text = spawnSync(bin, ["simulate", ...files, "--events", "kill host1 @2s"], { encoding: "utf8", timeout: 30_000 });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/host2 VI_1: BACKUP -> MASTER \(master down timer expired\)/);
    expect(text.stdout).toMatch(
      /VI_1 \(VRID 51, 192\.0\.2\.100\): master host2; gap 36\d\.\d ms after the last advert of the previous master \(floor 360\.9 ms\)/,
    );
    expect(text.stdout).toContain("at the end:\n  VI_1: master host2");
    const json = JSON.parse(
      spawnSync(bin, ["simulate", ...files, "--json", "--seed", "3"], { encoding: "utf8", timeout: 30_000 }).stdout,
    ) as {
      final: Record<string, string>;
    };
    expect(json.final).toEqual({ VI_1: "host1" });
    const bad = spawnSync(bin, ["simulate", ...files, "--events", "kill nobody @1s"], { encoding: "utf8", timeout: 30_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('event names host "nobody"; hosts are host1, host2');
  });
});
