// How the .deb lives next to Debian's keepalived package (README, scripts/deb.sh): apt installs
// both in one root (no file in common, no package conflict), each keeps its own binary and unit,
// tsvrrpd.service conflicts with keepalived.service so one VRRP daemon runs, installing tsvrrpd
// enables nothing (keepalived's package enables its unit), and removing tsvrrpd leaves keepalived
// whole. The root is a container of the Debian-built stand-in base (scripts/image-base.sh), never
// this host, whose keepalived stays as it is.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podman, podmanEnv } from "./podman.js";

const REPO = new URL("../..", import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), "tsvrrpd-debka-"));
let out = "";

afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const b = spawnSync("bash", [join(REPO, "scripts/image-base.sh")], { env: podmanEnv, encoding: "utf8", timeout: 900_000 });
  expect(b.status, b.stderr.slice(-4000)).toBe(0);
  const base = b.stdout.trim();
  const t0 = Date.now();
  const d = spawnSync("npm", ["run", "--silent", "deb", "--", work], {
    cwd: REPO,
    env: { ...process.env, TSVRRPD_DEB_COMPRESS: "gzip" },
    encoding: "utf8",
    timeout: 900_000,
  });
  expect(d.status, d.stderr.slice(-4000)).toBe(0);
  const deb = `tsvrrpd_${version}_amd64.deb`;
  expect(d.stdout.trim().split("\n").pop()).toBe(join(work, deb));
  console.log(`npm run deb: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // Each step prints a marker line, so a failed step shows where. No service starts (policy-rc.d).
  const script = [
    "set -e",
    "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d",
    "export DEBIAN_FRONTEND=noninteractive",
    "apt-get update -qq",
    `apt-get install -y -qq --no-install-recommends keepalived /debs/${deb} >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }`,
    "echo '== installed'; dpkg-query -W -f '${Package} ${Status}\\n' keepalived tsvrrpd",
    "echo '== owners'; dpkg -S /usr/sbin/keepalived /usr/sbin/tsvrrpd /lib/systemd/system/tsvrrpd.service",
    "echo '== units'; ls /lib/systemd/system/ | grep -E '^(keepalived|tsvrrpd)\\.service$'",
    "echo '== enabled'; ls /etc/systemd/system/multi-user.target.wants/ | grep -E '^(keepalived|tsvrrpd)' || true",
    "echo '== conflicts'; grep '^Conflicts=' /lib/systemd/system/tsvrrpd.service",
    "echo '== versions'; /usr/sbin/keepalived -v 2>&1 | head -1 | cut -d' ' -f1; /usr/sbin/tsvrrpd -v | head -1 | cut -d' ' -f1",
    "apt-get remove -y -qq tsvrrpd >/dev/null",
    "echo '== after removing tsvrrpd'; dpkg-query -W -f '${Package} ${Status}\\n' keepalived; [ -e /usr/sbin/tsvrrpd ] && echo 'tsvrrpd left' || echo 'tsvrrpd gone'; /usr/sbin/keepalived -v 2>&1 | head -1 | cut -d' ' -f1",
  ].join("\n");
  const r = podman(["run", "--rm", "-v", `${work}:/debs:ro`, "--entrypoint", "/bin/sh", base, "-c", script], 600_000);
  out = r.stdout;
  expect(r.status, r.stdout + r.stderr.slice(-4000)).toBe(0);
}, 1_800_000);

const section = (name: string) => out.split(`== ${name}\n`)[1]?.split("\n== ")[0]?.trim().split("\n") ?? [];

describe("the .deb next to Debian's keepalived", () => {
  it("apt installs both: no file in common, each its own binary and unit", () => {
    expect(section("installed")).toEqual(["keepalived install ok installed", "tsvrrpd install ok installed"]);
    expect(section("owners")).toEqual([
      "keepalived: /usr/sbin/keepalived",
      "tsvrrpd: /usr/sbin/tsvrrpd",
      "tsvrrpd: /lib/systemd/system/tsvrrpd.service",
    ]);
    expect(section("units")).toEqual(["keepalived.service", "tsvrrpd.service"]);
    expect(section("versions")).toEqual(["Keepalived", "tsvrrpd"]);
  });

  it("the units conflict, and installing tsvrrpd enables nothing (keepalived's package enables its own)", () => {
    expect(section("conflicts")).toEqual(["Conflicts=keepalived.service"]);
    expect(section("enabled")).toEqual(["keepalived.service"]);
  });

  it("removing tsvrrpd leaves keepalived installed and working", () => {
    expect(section("after removing tsvrrpd")).toEqual(["keepalived install ok installed", "tsvrrpd gone", "Keepalived"]);
  });
});
