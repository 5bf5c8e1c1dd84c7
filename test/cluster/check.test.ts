// check-cluster: each kind of disagreement between hosts' files is found, with file:line on both
// sides and the right severity; agreeing files and the OpenShift generator's output are clean.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCluster } from "../../src/cluster/check.js";
import { exitCode, formatFindings, loadHosts } from "../../src/cluster/command.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

interface Opts {
  priority?: number;
  vrid?: number;
  name?: string;
  version?: 2 | 3;
  interval?: number;
  pass?: string;
  /** auth_type AH instead of PASS (with pass) */
  ah?: boolean;
  vips?: string[];
  extra?: string;
  src?: string;
  peers?: string[];
  tail?: string;
}

function conf(o: Opts): string {
  const lines = [
    `vrrp_instance ${o.name ?? "VI_1"} {`,
    "  interface eth0",
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority ?? 100}`,
    `  version ${o.version ?? 2}`,
    `  advert_int ${o.interval ?? 1}`,
  ];
  if (o.pass) lines.push("  authentication {", `    auth_type ${o.ah ? "AH" : "PASS"}`, `    auth_pass ${o.pass}`, "  }");
  if (o.src) lines.push(`  unicast_src_ip ${o.src}`);
  if (o.peers) lines.push("  unicast_peer {", ...o.peers.map((p) => `    ${p}`), "  }");
  if (o.extra) lines.push(`  ${o.extra}`);
  lines.push("  virtual_ipaddress {", ...(o.vips ?? ["192.0.2.100"]).map((v) => `    ${v}`), "  }", "}");
  return lines.join("\n") + "\n" + (o.tail ?? "");
}

function files(...confs: Opts[]): string[] {
  return confs.map((o) => {
    const f = join(dir, `h${n++}.conf`);
    writeFileSync(f, conf(o));
    return f;
  });
}

function check(...confs: Opts[]) {
  const { hosts, problems } = loadHosts(files(...confs));
  expect(problems).toEqual([]);
  return checkCluster(hosts);
}

const codes = (fs: ReturnType<typeof check>) => fs.map((f) => `${f.severity} ${f.code}`);

describe("check-cluster", () => {
  it("agreeing hosts are clean (exit 0)", () => {
    const f = check({ priority: 200, pass: "secret" }, { priority: 100, pass: "secret" });
    expect(f).toEqual([]);
    expect(exitCode(f)).toBe(0);
  });

  it("different auth_pass: error, with file:line of each instance", () => {
    const [a, b] = files({ priority: 200, pass: "one" }, { priority: 100, pass: "two" });
    const f = checkCluster(loadHosts([a!, b!]).hosts);
    expect(codes(f)).toEqual(["error AUTH_MISMATCH"]);
    expect(f[0]!.where).toEqual([
      { host: a, at: { file: a, line: 1 } },
      { host: b, at: { file: b, line: 1 } },
    ]);
    expect(f[0]!.message).not.toContain("one"); // passwords are not printed
    expect(exitCode(f)).toBe(2);
  });

  it("PASS on one side and AH on the other with the same password: error, types named", () => {
    const [a, b] = files({ priority: 200, pass: "one" }, { priority: 100, pass: "one", ah: true });
    const f = checkCluster(loadHosts([a!, b!]).hosts);
    expect(codes(f)).toEqual(["error AUTH_MISMATCH"]);
    expect(f[0]!.message).toContain("AH ****");
    expect(
      codes(checkCluster(loadHosts(files({ priority: 200, pass: "one", ah: true }, { priority: 100, pass: "one", ah: true })).hosts)),
    ).toEqual([]);
  });

  it("advert intervals: an error in VRRPv2, a warning in VRRPv3", () => {
    expect(codes(check({ priority: 200, interval: 1 }, { priority: 100, interval: 2 }))).toEqual(["error INTERVAL_MISMATCH"]);
    expect(codes(check({ priority: 200, version: 3, interval: 0.1 }, { priority: 100, version: 3, interval: 0.2 }))).toEqual([
      "warning INTERVAL_MISMATCH",
    ]);
  });

  it("versions, VIP sets, two address owners", () => {
    expect(codes(check({ priority: 200, version: 3 }, { priority: 100, version: 2 }))).toContain("error VERSION_MISMATCH");
    expect(codes(check({ priority: 200, vips: ["192.0.2.100", "192.0.2.101"] }, { priority: 100 }))).toEqual(["error VIP_MISMATCH"]);
    expect(codes(check({ priority: 255 }, { priority: 255 }))).toEqual(["error OWNER_TWICE"]);
  });

  it("tied priorities: a warning naming the tie-break when the addresses are known", () => {
    const f = check(
      { priority: 100, src: "192.0.2.11", peers: ["192.0.2.12"] },
      { priority: 100, src: "192.0.2.12", peers: ["192.0.2.11"] },
    );
    expect(codes(f)).toEqual(["warning PRIORITY_TIE"]);
    expect(f[0]!.message).toMatch(/VI_1 \(192\.0\.2\.12\) wins when both are master/);
  });

  it("nopreempt on one side only: a warning", () => {
    expect(codes(check({ priority: 200, extra: "nopreempt" }, { priority: 100 }))).toEqual(["warning PREEMPT_MISMATCH"]);
  });

  it("unicast peers that do not list each other: an error per direction missing", () => {
    const f = check(
      { priority: 200, src: "192.0.2.11", peers: ["192.0.2.12"] },
      { priority: 100, src: "192.0.2.12", peers: ["192.0.2.13"] },
    );
    expect(codes(f)).toEqual(["error UNICAST_PEERS"]);
    expect(f[0]!.message).toContain("does not list");
    expect(f[0]!.message).toContain("192.0.2.11");
  });

  it("one VRID used by two instance groups on one LAN: an error", () => {
    expect(codes(check({ name: "WEB", priority: 200 }, { name: "DB", priority: 100, vips: ["192.0.2.200"] }))).toEqual([
      "error VRID_REUSED",
    ]);
  });

  it("sync groups with different members: an error at both groups' lines", () => {
    const g = (members: string[]) => `vrrp_sync_group G {\n  group {\n${members.map((m) => `    ${m}`).join("\n")}\n  }\n}\n`;
    const second = (p: number) => conf({ name: "VI_2", vrid: 52, priority: p, vips: ["192.0.2.102"] });
    const f = check({ priority: 200, tail: second(200) + g(["VI_1", "VI_2"]) }, { priority: 100, tail: second(100) + g(["VI_1"]) });
    expect(codes(f)).toEqual(["error SYNC_GROUP_MISMATCH"]);
    expect(f[0]!.where.map((w) => w.at.line)).toEqual([21, 21]); // after two 10-line instances
  });

  it("OpenShift env files rendered per node: the image's own layout is clean", () => {
    const env = new URL("../fixtures/openshift/basic.env", import.meta.url).pathname;
    const { hosts, problems } = loadHosts([`${env}@192.0.2.11,192.0.2.12`]);
    expect(problems).toEqual([]);
    expect(hosts.map((h) => h.host)).toEqual([`${env}@192.0.2.11`, `${env}@192.0.2.12`]);
    const f = checkCluster(hosts);
    expect(f.filter((x) => x.severity === "error")).toEqual([]);
  });

  it("a file with errors: one finding per error, its file:line said once and no second severity word", () => {
    const [bad] = files({ vrid: 300 });
    const { problems } = loadHosts([bad!]);
    expect(problems).toHaveLength(1);
    expect(formatFindings(problems, 1)).toBe(
      `error CONFIG_ERROR: ${bad}:3: 'virtual_router_id' expects an integer 1..255, got "300"\n    ${bad}:3\n1 error(s), 0 warning(s) across 1 host(s)\n`,
    );
  });

  it("the command: human output with both locations, --json, exit codes 0 / 1 / 2", () => {
    const bin = new URL("../../bin/tsvrrpd", import.meta.url).pathname;
    const run = (...args: string[]) => spawnSync(bin, ["check-cluster", ...args], { encoding: "utf8", timeout: 30_000 });
    const clean = run(...files({ priority: 200 }, { priority: 100 }));
    expect(clean.stdout).toContain("0 error(s), 0 warning(s) across 2 host(s)");
    expect(clean.status).toBe(0);
    const warn = run(...files({ priority: 200, extra: "nopreempt" }, { priority: 100 }));
    expect(warn.status).toBe(1);
    const [a, b] = files({ priority: 200, pass: "x" }, { priority: 100 });
    const err = run(a!, b!);
    expect(err.status).toBe(2);
    expect(err.stdout).toContain(`error AUTH_MISMATCH: eth0/IPv4/VRID 51/multicast: authentication differs`);
    expect(err.stdout).toContain(`    ${a}:1\n    ${b}:1\n`);
    const json = JSON.parse(run(a!, b!, "--json").stdout) as { exitCode: number; findings: { code: string }[] };
    expect(json).toMatchObject({ exitCode: 2, findings: [{ code: "AUTH_MISMATCH" }] });
    expect(formatFindings([], 0)).toBe("0 error(s), 0 warning(s) across 0 host(s)\n");
  });
});
