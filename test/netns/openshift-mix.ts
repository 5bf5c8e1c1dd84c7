// The OpenShift mixed cluster that openshift.test.ts (tsvrrpd openshift on router b) and
// test/install/image.test.ts (the image on b) share: real keepalived on a running the
// configuration today's image generates (test/fixtures/openshift/mixed.*), a check script that
// passes while its node's health file exists, and a notify script logging "NODE ARGS" lines.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseEnvFile } from "../../src/config/openshift-env.js";
import { waitFor, type Lab } from "../../lab/netns.js";

export const MIX_VIPS = ["203.0.113.10", "203.0.113.11", "203.0.113.12"];
const fixtures = new URL("../fixtures/openshift/", import.meta.url);
// The fixtures name their scripts under this directory; each run puts it in its own lab instead
// (a fixed path in /tmp is shared by every run on the host, and one run's clean-up broke another's).
const FIXTURE_DIR = "/tmp/tsvrrpd-ocmix";

export interface Mix {
  /** Where the scripts (keepalive/), the health files and notify.log are. */
  readonly dir: string;
  /** The OPENSHIFT_HA_* variables of node 192.0.2.12 (b), naming the scripts under dir. */
  readonly env: Record<string, string>;
  keepalivedOut(): string;
  notified(): string;
}

/** Scripts under DIR/keepalive, both nodes healthy, keepalived on a started and master of VIP_2 (its master-type group). */
export async function startMix(lab: Lab, dir: string): Promise<Mix> {
  const fixture = (name: string) => readFileSync(new URL(name, fixtures), "utf8").replaceAll(FIXTURE_DIR, dir);
  mkdirSync(join(dir, "keepalive"), { recursive: true, mode: 0o755 });
  // The node's address picks its health file: one script for both sides, as a ConfigMap would be.
  const node = `for ip in $(ip -4 -o addr show dev eth0 | awk '{print $4}'); do case $ip in 192.0.2.*) echo \${ip%/*};; esac; done`;
  writeFileSync(join(dir, "keepalive/check.sh"), `#!/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n[ -e "${dir}/healthy-$(${node})" ]\n`);
  writeFileSync(
    join(dir, "keepalive/notify.sh"),
    `#!/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\necho "$(${node}) $*" >> ${dir}/notify.log\n`,
  );
  chmodSync(join(dir, "keepalive/check.sh"), 0o755);
  chmodSync(join(dir, "keepalive/notify.sh"), 0o755);
  writeFileSync(join(dir, "notify.log"), "");
  writeFileSync(join(dir, "healthy-192.0.2.11"), "");
  writeFileSync(join(dir, "healthy-192.0.2.12"), "");

  const conf = join(lab.dir, "keepalived-a.conf");
  writeFileSync(conf, fixture("mixed.192.0.2.11.keepalived.conf"));
  const ka = lab.spawn("a", "keepalived", ["-n", "-l", "-f", conf, "-p", join(lab.dir, "ka.pid"), "-r", join(lab.dir, "ka.vrrp.pid")]);
  let out = "";
  ka.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  ka.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  // keepalived first: its master-type group (VIP_2, priority 244) must be up before b joins
  await waitFor("keepalived holds VIP_2", () => lab.holders("203.0.113.11").join() === "a", 10_000);
  return {
    dir,
    env: parseEnvFile(fixture("mixed.env")),
    keepalivedOut: () => out,
    notified: () => readFileSync(join(dir, "notify.log"), "utf8"),
  };
}

/** Node .11 (a) has VIP_2 as its master type (244); node .12 (b) has VIP_1 and VIP_3 (243). */
export const mixLayout = (lab: Lab): boolean => lab.holdersOf(MIX_VIPS).join(" ") === "b a b";

/**
 * From the layout, each side's check fails in turn: `b` (what runs on b) takes every VIP while
 * keepalived is in FAULT, keepalived's instances come back to BACKUP, then keepalived takes every
 * VIP while b is in FAULT; both notify scripts say so.
 */
export async function failoverBothWays(lab: Lab, mix: Mix, b: string): Promise<void> {
  rmSync(join(mix.dir, "healthy-192.0.2.11")); // keepalived's check fails: FAULT, b takes all
  await waitFor(`${b} holds everything`, () => lab.holdersOf(MIX_VIPS).every((h) => h === "b"), 10_000);
  const backups = () => mix.keepalivedOut().split("Entering BACKUP STATE").length - 1;
  const before = backups();
  writeFileSync(join(mix.dir, "healthy-192.0.2.11"), "");
  // keepalived's check rises again: its three instances leave FAULT for BACKUP.
  await waitFor("keepalived's instances out of FAULT", () => backups() >= before + 3, 10_000);
  rmSync(join(mix.dir, "healthy-192.0.2.12")); // b's check fails: FAULT, a takes all
  await waitFor("keepalived holds everything", () => lab.holdersOf(MIX_VIPS).every((h) => h === "a"), 10_000);
  const want = [
    "192.0.2.12 INSTANCE OpenShift_IPFailover_VIP_1 MASTER",
    "192.0.2.12 INSTANCE OpenShift_IPFailover_VIP_2 MASTER",
    "192.0.2.11 INSTANCE OpenShift_IPFailover_VIP_2 FAULT",
    "192.0.2.12 INSTANCE OpenShift_IPFailover_VIP_1 FAULT",
    "192.0.2.11 INSTANCE OpenShift_IPFailover_VIP_1 MASTER",
  ];
  await waitFor("both sides' notifications", () => want.every((l) => mix.notified().includes(l)), 5000).catch(() => undefined);
  for (const l of want) expect(mix.notified(), `${b} and keepalived notified`).toContain(l);
}
