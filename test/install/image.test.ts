// The container image as users run it (npm run image; podman with --network ns: joining a lab
// namespace): OpenShift env mode next to real keepalived running the configuration today's image
// generates, keepalived.conf mode with the file mounted read-only, and the removal Job. Built on
// the Debian-built stand-in for the official Node image (no registry here), offline.
import { spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Lab, waitFor } from "../../lab/netns.js";
import { MIX_VIPS as VIPS, failoverBothWays, mixLayout, startMix } from "../netns/openshift-mix.js";
import { compressedSize, podman, podmanEnv, podmanSpawn, inLabNamespace } from "./podman.js";

const REPO = new URL("../..", import.meta.url).pathname;
const MB = 1e6;
let image = "";
const containers: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const c of containers) podman(["rm", "-f", "-t", "0", c]);
});

beforeAll(() => {
  const t0 = Date.now();
  const r = spawnSync("npm", ["run", "--silent", "image"], {
    cwd: REPO,
    env: { ...podmanEnv, TSVRRPD_IMAGE_BASE: "local" },
    encoding: "utf8",
    timeout: 900_000,
  });
  expect(r.status, r.stderr.slice(-4000)).toBe(0);
  image = r.stdout.trim().split("\n").pop() ?? "";
  const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
  expect(image).toBe(`localhost/tsvrrpd:${version}`);
  console.log(`npm run image: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}, 900_000);

function collect(child: ChildProcess): () => string {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return () => out;
}

function newLab(): Lab {
  const lab = new Lab("img");
  cleanups.push(() => lab.destroy());
  lab.create([
    { name: "a", v4: "192.0.2.11/24" },
    { name: "b", v4: "192.0.2.12/24" },
  ]);
  return lab;
}

/** `podman run` of the image in a router's namespace with what the manifests grant. */
function runContainer(lab: Lab, router: string, args: string[]): { name: string; child: ChildProcess; out: () => string } {
  const name = `tsvrrpd-test-${process.pid}-${containers.length}`;
  containers.push(name);
  const child = podmanSpawn([
    "run",
    "--rm",
    "--name",
    name,
    ...inLabNamespace(lab.ns(router)),
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/run/tsvrrpd",
    ...args,
  ]);
  cleanups.push(() => {
    podman(["rm", "-f", "-t", "0", name]);
  });
  return { name, child, out: collect(child) };
}

describe("the image", () => {
  it("is under 90 MB compressed, runs as the pinned Node, has no compiler and no npm", () => {
    const { total, layers } = compressedSize(image);
    const shown = podman(["images", "--format", "{{.Size}}", image]).stdout.trim();
    console.log(
      `image ${image}: ${(total / MB).toFixed(1)} MB compressed (podman images: ${shown}); ` +
        `biggest layers ${layers
          .slice(0, 3)
          .map((l) => (l / MB).toFixed(1))
          .join(", ")} MB`,
    );
    expect(total).toBeLessThan(90 * MB);
    // The README's figure stays within 3 MB of what this build measures.
    const stated = /: ([\d.]+) MB compressed \(what a registry transfers/.exec(readFileSync(join(REPO, "README.md"), "utf8"))?.[1];
    expect(Math.abs(Number(stated) - total / MB), `README.md states ${stated} MB compressed`).toBeLessThanOrEqual(3);
    const r = podman([
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "/bin/sh",
      image,
      "-c",
      "node -v; for c in npm npx gcc cc g++ make python3; do command -v $c; done; ls /opt/tsvrrpd/node_modules",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [nodeVersion, ...rest] = r.stdout.trim().split("\n");
    expect(nodeVersion).toBe(`v${readFileSync(join(REPO, ".node-version"), "utf8").trim()}`);
    // No tool path printed: only node_modules entries follow, and none of them dev-only.
    expect(rest.filter((l) => l.startsWith("/"))).toEqual([]);
    for (const dev of ["vitest", "typescript", "eslint", "patch-package", "prettier"]) expect(rest).not.toContain(dev);
    const v = podman(["run", "--rm", "--network", "none", "--entrypoint", "node", image, "/opt/tsvrrpd/bin/tsvrrpd", "-v"]);
    expect(v.stdout).toMatch(/^Git commit: [0-9a-f]{12}$/m);
    // The OpenShift wrappers run Node with bin/tsvrrpd's shebang flags.
    const flags = readFileSync(join(REPO, "bin/tsvrrpd"), "utf8")
      .split("\n")[0]!
      .replace(/^#!.* node /, "");
    const monitor = podman([
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "/bin/cat",
      image,
      "/var/lib/ipfailover/keepalived/monitor.sh",
    ]);
    expect(monitor.stdout).toContain(`exec node ${flags} "$here/`);
  });

  it("OpenShift env mode next to keepalived: election, takeover both ways, check and notify from /etc/keepalive, pgrep keepalived, VIPs released on stop", async () => {
    const lab = newLab();
    chmodSync(lab.dir, 0o755);
    const mix = await startMix(lab, join(lab.dir, "ha"));
    const dir = mix.dir;

    // The Deployment: scripts from a ConfigMap at /etc/keepalive (read-only), emptyDirs for
    // /etc/keepalived, /run/tsvrrpd and /tmp, a read-only root.
    const env = { ...mix.env };
    env.OPENSHIFT_HA_CHECK_SCRIPT = "/etc/keepalive/check.sh";
    env.OPENSHIFT_HA_NOTIFY_SCRIPT = "/etc/keepalive/notify.sh";
    const c = runContainer(lab, "b", [
      "--tmpfs",
      "/etc/keepalived",
      "-v",
      `${dir}/keepalive:/etc/keepalive:ro`,
      "-v",
      `${dir}:${dir}`,
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      image,
    ]);
    let passed = false;
    cleanups.push(() => {
      if (!passed) console.log(`--- keepalived a:\n${mix.keepalivedOut().slice(-3000)}\n--- image b:\n${c.out().slice(-4000)}`);
    });
    const layout = () => mixLayout(lab);
    await waitFor("one master per group, as the priorities say", layout, 20_000);
    const pgrep = podman(["exec", c.name, "pgrep", "keepalived"]);
    expect(pgrep.status, pgrep.stderr).toBe(0);
    await failoverBothWays(lab, mix, "the image");

    // Healthy again, and the container holds its master-type groups back; then stopped, it releases them.
    writeFileSync(join(dir, "healthy-192.0.2.12"), "");
    await waitFor("the image masters VIP_1 and VIP_3 again", layout, 20_000);
    const exited = new Promise<number | null>((r) => c.child.on("exit", (code) => r(code)));
    expect(podman(["stop", "-t", "10", c.name]).status).toBe(0);
    expect(await exited).toBe(0);
    expect(c.out()).toContain("  - Releasing VIPs 203.0.113.10 203.0.113.11 203.0.113.12 (interface eth0) ... ");
    expect(lab.addresses("b").filter((x) => x.startsWith("203.0.113."))).toEqual([]);
    await waitFor("keepalived takes over from the stopped container", () => VIPS.every((v) => lab.holders(v).join() === "a"), 10_000);
    passed = true;
  });

  it("keepalived.conf mode with the file mounted read-only: master next to a keepalived backup, which takes over when it stops", async () => {
    const lab = newLab();
    const vrrp = (prio: number) =>
      `vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority ${prio}\n  advert_int 1\n` +
      `  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    203.0.113.20/32\n  }\n}\n`;
    const confB = join(lab.dir, "b.conf");
    writeFileSync(confB, vrrp(200));
    chmodSync(lab.dir, 0o755);
    chmodSync(confB, 0o644);
    const confA = join(lab.dir, "a.conf");
    writeFileSync(confA, vrrp(100));
    const ka = lab.spawn("a", "keepalived", ["-n", "-l", "-f", confA, "-p", join(lab.dir, "ka.pid"), "-r", join(lab.dir, "ka.vrrp.pid")]);
    const kaOut = collect(ka);
    await waitFor("keepalived alone is master", () => lab.holders("203.0.113.20").join() === "a", 10_000);
    const t = runContainer(lab, "b", [
      "-v",
      `${confB}:/etc/keepalived/keepalived.conf:ro`,
      "--entrypoint",
      "/opt/tsvrrpd/bin/keepalived",
      image,
      "-n",
      "-l",
      "-G",
      "-f",
      "/etc/keepalived/keepalived.conf",
      "-p",
      "/run/tsvrrpd/tsvrrpd.pid",
    ]);
    let passed = false;
    cleanups.push(() => {
      if (!passed) console.log(`--- keepalived a:\n${kaOut().slice(-3000)}\n--- image b:\n${t.out().slice(-4000)}`);
    });
    await waitFor("the image (priority 200) preempts keepalived", () => lab.holders("203.0.113.20").join() === "b", 15_000);
    await waitFor("its MASTER line", () => t.out().includes("Entering MASTER STATE"), 5000);
    const w = podman(["exec", t.name, "sh", "-c", "echo x >> /etc/keepalived/keepalived.conf"]);
    expect(w.status).not.toBe(0); // mounted read-only
    expect(podman(["stop", "-t", "10", t.name]).status).toBe(0);
    await waitFor("keepalived takes over", () => lab.holders("203.0.113.20").join() === "a", 10_000);
    expect(lab.addresses("b").filter((x) => x.startsWith("203.0.113."))).toEqual([]);
    passed = true;
  });

  it("the removal Job releases the VIPs and the nftables rule without touching host modules, twice", () => {
    const lab = newLab();
    lab.exec("b", "ip", ["addr", "add", "203.0.113.10/32", "dev", "eth0"]);
    lab.exec("b", "ip", ["addr", "add", "203.0.113.11/32", "dev", "eth0"]);
    lab.exec("b", "nft", ["add", "table", "inet", "keepalived"]);
    // A kernel built without loadable modules has no /proc/modules: nothing to unload there.
    const loaded = () =>
      new Set(
        existsSync("/proc/modules")
          ? readFileSync("/proc/modules", "utf8")
              .split("\n")
              .map((l) => l.split(" ")[0])
          : [],
      );
    const before = loaded();
    const env = ["OPENSHIFT_HA_VIRTUAL_IPS=203.0.113.10-12", "OPENSHIFT_HA_NETWORK_INTERFACE=eth0", "OPENSHIFT_HA_NFTABLES_RULE=true"];
    for (let run = 1; run <= 2; run++) {
      // No SYS_MODULE and no /lib/modules: it cannot unload a module even without the skip switch.
      const r = podman([
        "run",
        "--rm",
        ...inLabNamespace(lab.ns("b")),
        "-e",
        "TSVRRPD_SKIP_MODPROBE=1",
        ...env.flatMap((e) => ["-e", e]),
        "--entrypoint",
        "/var/lib/ipfailover/keepalived/remove-failover.sh",
        image,
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("remove-failover.sh: OpenShift IP Failover service terminating.");
      expect(r.stdout).toContain("  - Releasing VIP 203.0.113.10 ... ");
      if (run === 1) expect(r.stdout).toContain("  - Removing keepalived multicast nftables rules ...");
      expect(lab.addresses("b").filter((x) => x.startsWith("203.0.113."))).toEqual([]);
      expect(lab.exec("b", "nft", ["list", "tables"], true)).not.toContain("keepalived");
    }
    const after = loaded();
    expect([...before].filter((m) => !after.has(m))).toEqual([]); // nothing unloaded
  });
});
