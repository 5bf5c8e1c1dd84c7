// The mixed-pair check every keepalived.conf fidelity case runs: real keepalived on one side,
// tsvrrpd on the other, in both roles. One master (the higher priority) holds the VIPs alone for a
// whole down interval, the lower one is a quiet backup, and it takes over when the master dies.
import { join } from "node:path";
import { expect } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { crash, holdsWhileAdvertising, longestSilenceMs, macOf, startDaemon, type Kind, type Running } from "./daemons.js";

export const ROUTER_ADDR = { a: "192.0.2.11", b: "192.0.2.12" } as const;

export interface PairCase {
  /** The whole keepalived.conf for a router at a priority (the same text both daemons read). */
  conf(router: "a" | "b", priority: number): string;
  /** Addresses the master must hold (VIPs and excluded ones); the first one decides "master". */
  addresses: readonly string[];
  intervalSec: number;
  /**
   * The backup may enter MASTER for one advert before it hears the master (a keepalived pair does
   * the same: e.g. keepalived with `old_unicast_checksum` rejects new-form checksums until the
   * master answers its first advert in the old form).
   */
  transientBackupMaster?: boolean;
  /** Extra daemon arguments per router (both kinds take keepalived's flags). */
  args?(router: "a" | "b"): string[];
}

/** Did this daemon enter BACKUP? (keepalived's and tsvrrpd's log lines) */
export function enteredBackup(r: Running): boolean {
  return r.kind === "keepalived" ? /Entering BACKUP STATE/.test(r.output()) : /-> BACKUP/.test(r.output());
}

/** Did this daemon enter MASTER? (keepalived's and tsvrrpd's log lines) */
export function enteredMaster(r: Running): boolean {
  return r.kind === "keepalived" ? /Entering MASTER STATE/.test(r.output()) : /-> MASTER/.test(r.output());
}

/** Down interval for priority 100 at `intervalSec` (v2 skew in seconds, v3 scaled; upper bound): for waits. */
function downIntervalMs(intervalSec: number): number {
  return 3 * intervalSec * 1000 + ((256 - 100) / 256) * Math.max(intervalSec, 1) * 1000;
}

/**
 * b's down interval at priority 100 (3 intervals and the skew; VRRPv2 here always runs at 1 s):
 * when a sent no advert for this long, b was right to take over.
 */
function backupDownMs(intervalSec: number): number {
  return (3 + (256 - 100) / 256) * intervalSec * 1000;
}

/** `high` gets priority 200 on router a, `low` 100 on b. The master starts first: no start-up race. */
export async function mixedPair(lab: Lab, running: Running[], c: PairCase, high: Kind, low: Kind): Promise<void> {
  const mdi = downIntervalMs(c.intervalSec);
  const [vip] = c.addresses;
  const holdsAll = (r: string) => {
    const snap = lab.snapshot();
    return c.addresses.every((a) => lab.holders(a, snap).join() === r);
  };
  running.push(startDaemon(lab, "a", high, c.conf("a", 200), "", {}, c.args?.("a") ?? []));
  await waitFor(`${high} on a to hold ${c.addresses.join(", ")}`, () => holdsAll("a"), mdi + 10_000);
  // a's adverts on the wire from b's start: a loaded machine can stop a for b's down interval right
  // after b starts, before the stability window below (seen: keepalived on b MASTER 1.3 s after
  // its start, next to tsvrrpd on a as the first file of a run).
  const pcap = join(lab.dir, "pair-a.pcap");
  const capture = await lab.capture(pcap, "ip proto 112 or ip proto 51 or ip6 proto 112", lab.port("a"));
  const bStart = Date.now() / 1000;
  const b = startDaemon(lab, "b", low, c.conf("b", 100), "", {}, c.args?.("b") ?? []);
  running.push(b);
  if (c.transientBackupMaster) {
    // Let b's one takeover happen (or its down interval pass), then a must be the only master again.
    await waitFor(`${low} on b to enter MASTER or its down interval to pass`, () => enteredMaster(b), mdi * 2 + 1000).catch(
      () => undefined,
    );
    await waitFor(`${high} on a to be the only master again`, () => holdsAll("a"), mdi + 5000);
  }
  // b must stay backup through more than its own down interval after it started listening.
  // b's own down interval runs from its entry into BACKUP: past it, b would have taken over.
  await waitFor(`${low} on b in BACKUP`, () => enteredBackup(b), 10_000);
  // Stable through it unless a itself fell silent for a down interval (holdsWhileAdvertising
  // reads a's adverts off the wire): b taking over then is the protocol, not a misread config.
  const downMs = backupDownMs(c.intervalSec);
  const repeated = await holdsWhileAdvertising(lab, "a", downMs, mdi + 300, () =>
    expect(holdsAll("a"), `only ${high} on a holds ${vip} while ${low} on b runs`).toBe(true),
  );
  if (!c.transientBackupMaster && !repeated && enteredMaster(b)) {
    await new Promise((r) => setTimeout(r, 100)); // tcpdump -U: the last frames reach the file
    const silence = longestSilenceMs(pcap, macOf(lab, "a"), bStart, Date.now() / 1000);
    if (silence < downMs - 5) expect(enteredMaster(b), `${low} on b entered MASTER while a was up`).toBe(false);
    console.log(
      `${high} on a sent no advert for ${silence.toFixed(0)} ms after ${low} on b started (its down interval ${downMs.toFixed(0)} ms): b's MASTER was right`,
    );
  }
  capture.kill();
  crash(lab, "a");
  await waitFor(
    `${low} on b to take over ${c.addresses.join(", ")} after a died`,
    () => {
      const snap = lab.snapshot();
      return c.addresses.every((a) => lab.holders(a, snap).includes("b"));
    },
    mdi + 5000,
  );
}
