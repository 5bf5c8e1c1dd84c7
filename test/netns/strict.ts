// What the strict-mode files (strict-mode-*.test.ts) share: one router's strict configuration,
// its nftables ruleset as text, and a client on the LAN asking whether an address answers.
import { execFile, spawnSync } from "node:child_process";
import { expect } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { startDaemon, type Kind, type Running } from "./daemons.js";
import { mixedPair, type PairCase } from "./mixed-pair.js";

export const VIP = "198.51.100.10";
export const EVIP = "198.51.100.20";
export const VIP6 = "2001:db8:1::10";
export const LL6 = "fe80::42";
const CLIENT = "192.0.2.50";

/** One router, strict mode: an IPv4 instance (a VIP /24 and an excluded one) and an IPv6 one. */
export function soloConf(extraGlobal: string[], extraV4: string[]): string {
  return [
    "global_defs {",
    "  router_id a",
    "  vrrp_strict",
    "  vrrp_garp_master_delay 0",
    ...extraGlobal.map((l) => `  ${l}`),
    "}",
    "vrrp_instance V4 {",
    "  state BACKUP",
    "  interface eth0",
    "  virtual_router_id 42",
    "  priority 100",
    "  version 3",
    "  advert_int 0.1",
    ...extraV4.map((l) => `  ${l}`),
    "  virtual_ipaddress {",
    `    ${VIP}/24`,
    "  }",
    "  virtual_ipaddress_excluded {",
    `    ${EVIP}`,
    "  }",
    "}",
    "vrrp_instance V6 {",
    "  state BACKUP",
    "  interface eth0",
    "  virtual_router_id 43",
    "  priority 100",
    "  advert_int 0.1",
    "  virtual_ipaddress {",
    `    ${LL6}`,
    `    ${VIP6}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** `nft list ruleset` with counter values and set element order left out. */
export function ruleset(lab: Lab, router: string): string {
  return lab
    .exec(router, "nft", ["list", "ruleset"])
    .replace(/counter packets \d+ bytes \d+/g, "counter")
    .replace(
      /elements = \{([^}]*)\}/g,
      (_, list: string) =>
        `elements = { ${list
          .split(/,\s*/)
          .map((e) => e.trim())
          .sort()
          .join(", ")} }`,
    );
}

/** Exit status of a command in the client's namespace (null when killed). */
function inClient(lab: Lab, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = execFile("ip", ["netns", "exec", lab.ns("c"), ...args], () => resolve(child.exitCode));
  });
}

/**
 * Does the client get any answer from ADDR: ping, and a TCP connect to a closed port (a RST is an
 * answer)? Both asked at once (a dropped address costs its timeouts once, not twice); callers ask
 * about several addresses at once for the same reason.
 */
export async function answers(lab: Lab, addr: string): Promise<{ ping: boolean; tcp: boolean }> {
  const [ping, tcp] = await Promise.all([
    inClient(lab, ["ping", "-c", "2", "-i", "0.2", "-W", "1", "-n", addr]),
    // bash's /dev/tcp: "connection refused" (exit 1, at once) answers; a dropped SYN times out (124).
    inClient(lab, ["timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${addr}/9`]),
  ]);
  return { ping: ping === 0, tcp: tcp !== 124 };
}

/** A client on the LAN (192.0.2.50) with the VIPs' subnet on its link. */
export function addClient(lab: Lab): void {
  lab.addRouter({ name: "c", v4: `${CLIENT}/24` });
  lab.exec("c", "ip", ["route", "add", "198.51.100.0/24", "dev", "eth0"]); // the VIPs' subnet is on the LAN
}

/** SIGTERM to every process in the router's namespace, and wait until none is left. */
export async function stopAndWait(lab: Lab, router: string): Promise<void> {
  lab.killAll(router, "SIGTERM");
  await waitFor(
    `every process in ${router} to exit`,
    () => spawnSync("ip", ["netns", "pids", lab.ns(router)], { encoding: "utf8" }).stdout.trim() === "",
    10_000,
  );
}

/** Runs `body` for keepalived and for tsvrrpd at once (each in labs of its own); fails with the first failure after both ended. */
export async function forBothKinds(body: (kind: Kind) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled((["keepalived", "tsvrrpd"] as const).map(body));
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

/** A strict-mode pair's keepalived.conf (VRRPv2 at its 1 s, the shortest its advert carries; v3 at 0.1 s). */
function strictCase(version: 2 | 3): PairCase {
  return {
    intervalSec: version === 2 ? 1 : 0.1,
    addresses: [VIP],
    conf: (router, priority) =>
      [
        "global_defs {",
        `  router_id ${router}`,
        "  vrrp_strict",
        "  vrrp_garp_master_delay 0",
        "}",
        "vrrp_instance VI_1 {",
        // BACKUP for both: strict mode resets MASTER below priority 255 ("State MASTER must match being address owner")
        "  state BACKUP",
        "  interface eth0",
        "  virtual_router_id 51",
        `  priority ${priority}`,
        `  version ${version}`,
        `  advert_int ${version === 2 ? 1 : 0.1}`,
        "  virtual_ipaddress {",
        `    ${VIP}/24`,
        "  }",
        "}",
        "",
      ].join("\n"),
  };
}

/**
 * The strict mixed pair: `high` on a, `low` on b, takeover both ways (mixedPair, then a comes
 * back and preempts); each master drops its VIP's traffic (no_accept by strict mode); keepalived
 * complains of nothing.
 */
export async function strictPair(lab: Lab, running: Running[], version: 2 | 3, high: Kind, low: Kind): Promise<void> {
  addClient(lab);
  const c = strictCase(version);
  await mixedPair(lab, running, c, high, low);
  await waitFor(`${low} on b to block its VIP`, () => ruleset(lab, "b").includes(VIP), 5000);
  expect(await answers(lab, VIP), `client to the VIP held by ${low} (no_accept by strict mode)`).toEqual({ ping: false, tcp: false });
  // a comes back (after a crash: its old tables are removed at start) and preempts b
  running.push(startDaemon(lab, "a", high, c.conf("a", 200), "-again"));
  await waitFor(`${high} on a to take the VIP back`, () => lab.holders(VIP).join() === "a", 10_000);
  await waitFor(`${high} on a to block its VIP`, () => ruleset(lab, "a").includes(VIP), 5000);
  expect(await answers(lab, VIP), `client to the VIP held by ${high} (no_accept by strict mode)`).toEqual({ ping: false, tcp: false });
  await waitFor(`${low} on b to unblock (it holds no VIP)`, () => !ruleset(lab, "b").includes(VIP), 5000);
  for (const k of running.filter((r) => r.kind === "keepalived"))
    // (a restarted keepalived backup at 200 discarding b's priority-100 adverts until its down timer fires is the protocol)
    expect(k.output().replace(/.*received lower priority \(\d+\) advert from .* - discarding\n/g, "")).not.toMatch(
      /invalid|bogus|wrong|mismatch|discard/i,
    );
}
