// Several daemons on one host, each reachable by `tsvrrpd status` (issue 26 item 1): the control
// socket is derived from the pid file and the network namespace (src/operator/control-path.ts), as
// keepalived keeps its pid files apart, so daemons that keepalived runs side by side never collide.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { CONTROL_DIR, defaultControlSocket } from "../../src/operator/control-path.js";
import { BIN, CLI_TIMEOUT_MS, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("ctl");

const dirExisted = existsSync(CONTROL_DIR);
const made: string[] = [];
let before = new Set<string>();
const entries = () => (existsSync(CONTROL_DIR) ? readdirSync(CONTROL_DIR) : []);
beforeEach(() => {
  before = new Set(entries());
});
afterEach(() => {
  // Daemons killed by the lab's clean-up leave their sockets: remove the ones this test derived,
  // and any other the test's daemons made (the old code's /run/tsvrrpd/control.sock).
  for (const s of made.splice(0)) rmSync(s, { force: true });
  for (const e of entries()) if (!before.has(e)) rmSync(join(CONTROL_DIR, e), { force: true });
  if (!dirExisted && existsSync(CONTROL_DIR) && readdirSync(CONTROL_DIR).length === 0) rmdirSync(CONTROL_DIR);
});

function conf(name: string, vrid: number, vip: string): string {
  return `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${vip}
  }
}
`;
}

function netns(lab: Lab, router: string): string {
  return /\[(\d+)\]/.exec(lab.exec(router, "readlink", ["/proc/self/ns/net"]))![1]!;
}

/** Starts `tsvrrpd -n -G -f FILE -p PIDFILE` in the router's namespace: no --control. */
function start(lab: Lab, router: string, tag: string, body: string): { pid: string; sock: string; out: () => string } {
  const file = join(lab.dir, `${tag}.conf`);
  writeFileSync(file, body);
  const pid = join(lab.dir, `${tag}.pid`);
  const sock = defaultControlSocket(pid, netns(lab, router));
  made.push(sock);
  const child = lab.spawn(router, BIN, ["-n", "-G", "-f", file, "-p", pid]);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return { pid, sock, out: () => out };
}

function status(lab: Lab, router: string, args: string[] = []): { code: number | null; names: string[]; pid?: number; err: string } {
  const r = spawnSync("ip", ["netns", "exec", lab.ns(router), BIN, "status", "--json", ...args], {
    encoding: "utf8",
    timeout: CLI_TIMEOUT_MS,
  });
  if (r.status !== 0) return { code: r.status, names: [], err: r.stderr };
  const doc = JSON.parse(r.stdout) as { pid: number; instances: { name: string }[] };
  return { code: 0, names: doc.instances.map((i) => i.name), pid: doc.pid, err: r.stderr };
}

describe("control socket per daemon", () => {
  it("two daemons in two namespaces with only -f and -p both run, and `status` in each namespace reaches its own", async () => {
    const { lab } = newLab();
    const a = start(lab, "a", "a", conf("VI_A", 1, "198.51.100.1"));
    const b = start(lab, "b", "b", conf("VI_B", 2, "198.51.100.2"));
    await waitFor("both sockets", () => existsSync(a.sock) && existsSync(b.sock), 10_000);
    expect(a.sock).not.toBe(b.sock);
    // Root-only: the socket 0600 in a 0700 directory owned by root.
    expect(statSync(a.sock).mode & 0o777).toBe(0o600);
    expect(statSync(CONTROL_DIR).mode & 0o777).toBe(0o700);
    expect(statSync(CONTROL_DIR).uid).toBe(0);
    // No option: the only daemon of the namespace. -p: the one started with that pid file.
    expect(status(lab, "a").names).toEqual(["VI_A"]);
    expect(status(lab, "b").names).toEqual(["VI_B"]);
    expect(status(lab, "a", ["-p", a.pid]).names).toEqual(["VI_A"]);
    expect(status(lab, "b", ["-p", b.pid]).names).toEqual(["VI_B"]);
    // B's pid file asked in A's namespace names no daemon there.
    const wrong = status(lab, "a", ["-p", b.pid]);
    expect(wrong.code).toBe(3);
    expect(wrong.err).toMatch(/no tsvrrpd daemon is running/);
    expect(a.out()).not.toMatch(/another daemon/);
    expect(b.out()).not.toMatch(/another daemon/);
  });

  it("two daemons in one namespace with distinct -p both run; -p or --control picks one, no option says there are two", async () => {
    const { lab } = newLab();
    const one = start(lab, "a", "one", conf("VI_ONE", 1, "198.51.100.1"));
    const two = start(lab, "a", "two", conf("VI_TWO", 2, "198.51.100.2"));
    await waitFor("both sockets", () => existsSync(one.sock) && existsSync(two.sock), 10_000);
    expect(status(lab, "a", ["-p", one.pid]).names).toEqual(["VI_ONE"]);
    expect(status(lab, "a", ["-p", two.pid]).names).toEqual(["VI_TWO"]);
    expect(status(lab, "a", ["--control", two.sock]).names).toEqual(["VI_TWO"]);
    const ambiguous = status(lab, "a");
    expect(ambiguous.code).toBe(3);
    expect(ambiguous.err).toMatch(/2 daemons run in this network namespace.*pick one with -p PIDFILE/);
    // Namespace b has none of them.
    const none = status(lab, "b");
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/no tsvrrpd daemon is running/);
  });

  // A hostNetwork pod shares the host's network namespace but has a /run of its own: a daemon on
  // the host and one in the pod, both with keepalived's defaults (no -p, no --control), derive the
  // same name in two different /run directories. Each "side" here is a mount namespace with a
  // private tmpfs on /run, so the host's /run is never touched.
  it("a host daemon and a hostNetwork pod's daemon (one network namespace, each its own /run) both run with no -p, each reachable", async () => {
    const { lab } = newLab();
    const side = (tag: string, body: string) => {
      const file = join(lab.dir, `${tag}.conf`);
      writeFileSync(file, body);
      const child = lab.spawn("a", "unshare", [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        `mount -t tmpfs tsvrrpd-${tag} /run && exec "$0" -n -G -f "$1"`,
        BIN,
        file,
      ]);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      // `tsvrrpd status` as a probe in that side runs it: its mount and network namespace.
      const status = () => {
        const r = spawnSync("nsenter", ["-t", String(child.pid), "-m", "-n", BIN, "status", "--json"], {
          encoding: "utf8",
          timeout: CLI_TIMEOUT_MS,
        });
        return r.status === 0 ? (JSON.parse(r.stdout) as { pid: number; instances: { name: string }[] }) : undefined;
      };
      return { child, status, out: () => out };
    };
    const host = side("host", conf("VI_HOST", 1, "198.51.100.1"));
    const pod = side("pod", conf("VI_POD", 2, "198.51.100.2"));
    await waitFor("both answer", () => host.status() !== undefined && pod.status() !== undefined, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n--- host:\n${host.out().slice(-1500)}\n--- pod:\n${pod.out().slice(-1500)}`);
    });
    expect(host.status()!.instances.map((i) => i.name)).toEqual(["VI_HOST"]);
    expect(pod.status()!.instances.map((i) => i.name)).toEqual(["VI_POD"]);
    expect(host.status()!.pid).toBe(host.child.pid);
    expect(pod.status()!.pid).toBe(pod.child.pid);
    expect(host.out()).not.toMatch(/another daemon|already running/);
    expect(pod.out()).not.toMatch(/another daemon|already running/);
    expect(host.child.exitCode).toBeNull();
    expect(pod.child.exitCode).toBeNull();
  });
});
