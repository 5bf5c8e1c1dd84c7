// The .deb as a user installs it: `npm run deb`, then `apt-get install ./tsvrrpd_*.deb` into a
// scratch Debian 12 root made by mmdebstrap from Debian's mirror (never into this host, which
// keeps its own keepalived for the peer). From that root: the unit through systemd-analyze verify,
// the man page against --help, `tsvrrpd -t`, and the installed binary in a namespace pair with
// keepalived (run in the root with podman --rootfs, which joins the lab namespace).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { USAGE } from "../../src/cli-args.js";
import { collect, masterNextToKeepalived, pairConf, type Pair } from "./keepalived-pair.js";
import { podman, podmanSpawn, inLabNamespace } from "./podman.js";
import { REPO, scratch, version } from "./scratch.js";

const { work, cleanups } = scratch("deb");
const root = join(work, "root");
const PAIR: Pair = { prefix: "deb", vrid: 52, vip: "203.0.113.21" };
let deb = "";

function mirror(): string {
  const m = /^URIs: *(http\S*debian)$/m.exec(
    existsSync("/etc/apt/sources.list.d/debian.sources") ? readFileSync("/etc/apt/sources.list.d/debian.sources", "utf8") : "",
  );
  return m?.[1] ?? "http://deb.debian.org/debian";
}

beforeAll(() => {
  let t0 = Date.now();
  // gzip instead of xz: the same package in a sixth of the time (scripts/deb.sh).
  const env = { ...process.env, TSVRRPD_DEB_COMPRESS: "gzip" };
  const b = spawnSync("npm", ["run", "--silent", "deb", "--", work], { cwd: REPO, env, encoding: "utf8", timeout: 900_000 });
  expect(b.status, b.stderr.slice(-4000)).toBe(0);
  deb = b.stdout.trim().split("\n").pop() ?? "";
  expect(deb).toBe(join(work, `tsvrrpd_${version}_amd64.deb`));
  console.log(`npm run deb: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${(statSync(deb).size / 1e6).toFixed(1)} MB`);
  t0 = Date.now();
  // apt resolves the package's Depends from Debian's mirror, as `apt install ./tsvrrpd_*.deb` does.
  const m = mirror();
  // (mmdebstrap's own --include=FILE.deb fails here: its dpkg in the chroot cannot see the file.)
  const name = deb.split("/").pop() as string;
  const r = spawnSync(
    "mmdebstrap",
    [
      "--quiet",
      "--variant=minbase",
      "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
      "--include=systemd",
      `--customize-hook=copy-in ${deb} /tmp`,
      `--customize-hook=chroot "$1" apt-get install -y -q --no-install-recommends /tmp/${name}`,
      `--customize-hook=rm -f "$1"/tmp/${name}`,
      "bookworm",
      root,
      `deb ${m} bookworm main`,
      `deb ${m} bookworm-updates main`,
    ],
    { encoding: "utf8", timeout: 900_000 },
  );
  expect(r.status, r.stderr.slice(-4000)).toBe(0);
  console.log(`scratch root with the .deb installed: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}, 1_800_000);

/** A command run in the scratch root (podman --rootfs: its own /proc, /dev, no host files). */
function inRoot(args: string[], network = "none"): ReturnType<typeof podman> {
  return podman(["run", "--rm", "--network", network, "--rootfs", root, ...args]);
}

describe("the .deb", () => {
  it("installs the app, its Node, /usr/sbin/tsvrrpd, a notify unit that verifies, /etc/default/tsvrrpd and tsvrrpd(8)", () => {
    const q = spawnSync("chroot", [root, "dpkg-query", "-W", "-f", "${Status} ${Version}", "tsvrrpd"], { encoding: "utf8" });
    expect(q.stdout).toBe(`install ok installed ${version}`);
    for (const f of ["usr/lib/tsvrrpd/node", "usr/lib/tsvrrpd/dist/cli.js", "usr/sbin/tsvrrpd", "etc/default/tsvrrpd"])
      expect(existsSync(join(root, f)), f).toBe(true);
    // Production modules only.
    for (const dev of ["vitest", "typescript", "patch-package"])
      expect(existsSync(join(root, "usr/lib/tsvrrpd/node_modules", dev)), dev).toBe(false);
    const unit = join(root, "lib/systemd/system/tsvrrpd.service");
    expect(readFileSync(unit, "utf8")).toMatch(/^Type=notify$/m);
    expect(readFileSync(unit, "utf8")).toMatch(/^EnvironmentFile=-\/etc\/default\/tsvrrpd$/m);
    const verify = spawnSync("systemd-analyze", ["verify", `--root=${root}`, "--man=no", "/lib/systemd/system/tsvrrpd.service"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe("");
    // The man page renders, and names every option --help names.
    const man = spawnSync("man", ["-l", "-P", "cat", join(root, "usr/share/man/man8/tsvrrpd.8.gz")], {
      encoding: "utf8",
      env: { ...process.env, MANWIDTH: "200" },
    });
    expect(man.status, man.stderr).toBe(0);
    const options = [...USAGE.matchAll(/^ {2,6}(-\S+(?:, --\S+)?)\s/gm)].map((m) => m[1] as string);
    expect(options.length).toBeGreaterThan(15);
    const text = man.stdout.replace(/‐/g, "-");
    for (const o of options) expect(text, o).toContain(o);
    const v = inRoot(["/usr/sbin/tsvrrpd", "-v"]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(`tsvrrpd v${version} `);
    expect(v.stdout).toContain(`Running on Node v${readFileSync(join(REPO, ".node-version"), "utf8").trim()} `);
    expect(v.stdout).toMatch(/^Distro: Debian GNU\/Linux 12/m);
    // The wrapper runs Node with bin/tsvrrpd's shebang flags (one worker thread among them).
    const flags = readFileSync(join(REPO, "bin/tsvrrpd"), "utf8")
      .split("\n")[0]!
      .replace(/^#!.* node /, "");
    expect(flags).toContain("--v8-pool-size=1");
    expect(readFileSync(join(root, "usr/sbin/tsvrrpd"), "utf8")).toContain(
      `exec /usr/lib/tsvrrpd/node ${flags} /usr/lib/tsvrrpd/bin/tsvrrpd "$@"`,
    );
  });

  it("tsvrrpd -t checks a configuration: 0 when fine, 4 with errors", () => {
    writeFileSync(
      join(root, "etc/good.conf"),
      "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    203.0.113.20\n  }\n}\n",
    );
    writeFileSync(
      join(root, "etc/bad.conf"),
      "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    203.0.113.20\n  }\n}\nvrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 300\n}\n",
    );
    const good = inRoot(["/usr/sbin/tsvrrpd", "-t", "-f", "/etc/good.conf"]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stderr).toContain("/etc/good.conf: configuration OK (1 instance(s))");
    const bad = inRoot(["/usr/sbin/tsvrrpd", "-t", "-f", "/etc/bad.conf"]);
    expect(bad.status, bad.stderr).toBe(4);
    expect(bad.stderr).toMatch(/bad\.conf:\d+/);
  });

  it("the installed binary is master next to a keepalived backup, and keepalived takes over when it stops", async () => {
    writeFileSync(join(root, "etc/pair.conf"), pairConf(PAIR, 200));
    await masterNextToKeepalived(PAIR, cleanups, (lab) => {
      const name = `tsvrrpd-deb-${process.pid}`;
      const ts = podmanSpawn([
        "run",
        "--rm",
        "--name",
        name,
        ...inLabNamespace(lab.ns("b")),
        "--rootfs",
        root,
        "/usr/sbin/tsvrrpd",
        "-n",
        "-l",
        "-G",
        "-f",
        "/etc/pair.conf",
        "-p",
        "/run/tsvrrpd.pid",
      ]);
      cleanups.push(() => {
        podman(["rm", "-f", "-t", "0", name]);
      });
      const output = collect(ts);
      return {
        output,
        stop: async () => {
          await waitFor("its MASTER line", () => output().includes("Entering MASTER STATE"), 5000);
          expect(podman(["stop", "-t", "10", name]).status).toBe(0);
        },
        afterTakeover: () => expect(lab.addresses("b").filter((x) => x.startsWith("203.0.113."))).toEqual([]),
      };
    });
  });
});
