// `npm run image` on a base without the runtime packages, as the default BASE (the official Node
// slim image: Debian slim, Node and npm, no ip, nft, iptables, modprobe or pgrep) is: the build
// still runs with --network none, the packages fetched beforehand by the base's own apt and
// installed from the build context. No registry here, so the base is the Debian-built stand-in
// with those packages purged and an npm planted where the official image has one.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podman, podmanEnv } from "./podman.js";

const REPO = new URL("../..", import.meta.url).pathname;
const TOOLS = ["ip", "nft", "iptables", "modprobe", "pgrep"];
const bare = `localhost/tsvrrpd-test-bare-base:${process.pid}`;
const tag = `localhost/tsvrrpd-test-bare-image:${process.pid}`;
const work = mkdtempSync(join(tmpdir(), "tsvrrpd-bare-"));
let build: SpawnSyncReturns<string> | undefined;

afterAll(() => {
  podman(["rmi", "-f", tag, bare]);
  rmSync(work, { recursive: true, force: true });
});

beforeAll(() => {
  const b = spawnSync("bash", [join(REPO, "scripts/image-base.sh")], { env: podmanEnv, encoding: "utf8", timeout: 900_000 });
  expect(b.status, b.stderr.slice(-4000)).toBe(0);
  const standIn = b.stdout.trim();
  writeFileSync(
    join(work, "Dockerfile"),
    `FROM ${standIn}\n` +
      // What the official image has and the stand-in has not: no runtime packages, an npm.
      `RUN dpkg --purge --force-depends iproute2 nftables iptables kmod procps >/dev/null \\\n` +
      ` && mkdir -p /usr/local/lib/node_modules/npm/bin && printf '#!/bin/sh\\n' > /usr/local/lib/node_modules/npm/bin/npm-cli.js \\\n` +
      ` && chmod 755 /usr/local/lib/node_modules/npm/bin/npm-cli.js && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm\n`,
  );
  const r = podman(["build", "--network", "none", "--pull=never", "-q", "-t", bare, work], 300_000);
  expect(r.status, r.stderr).toBe(0);
  const t0 = Date.now();
  build = spawnSync("npm", ["run", "--silent", "image"], {
    cwd: REPO,
    env: { ...podmanEnv, TSVRRPD_IMAGE_BASE: bare, TSVRRPD_IMAGE_TAG: tag },
    encoding: "utf8",
    timeout: 900_000,
  });
  console.log(`npm run image on the bare base: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}, 1_800_000);

function inImage(image: string, script: string): ReturnType<typeof podman> {
  return podman(["run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", image, "-c", script]);
}

describe("npm run image on a base without the runtime packages (as the official Node image)", () => {
  it("the base lacks them and has an npm", () => {
    const r = inImage(bare, `for c in ${TOOLS.join(" ")}; do command -v $c; done; command -v npm`);
    expect(r.stdout.trim()).toBe("/usr/local/bin/npm");
  });

  it("builds offline, and the image has ip, nft, iptables, modprobe and pgrep, no npm and no .deb left", () => {
    expect(build?.status, build?.stderr.slice(-4000)).toBe(0);
    expect(build?.stdout.trim().split("\n").pop()).toBe(tag);
    const r = inImage(
      tag,
      `for c in ${TOOLS.join(" ")}; do command -v $c >/dev/null || echo "missing $c"; done; ` +
        "command -v npm && echo 'has npm'; find / -xdev -name '*.deb' | sed 's/^/left: /'; " +
        "ip -V >/dev/null && nft -v >/dev/null && pgrep -V >/dev/null && echo tools-run; node /opt/tsvrrpd/bin/tsvrrpd -v | head -1",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["tools-run", expect.stringMatching(/^tsvrrpd v\S+ \(keepalived-compatible VRRP\)$/)]);
  });
});
