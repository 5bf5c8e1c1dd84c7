// The installed tsvrrpd next to real keepalived, as a user swapping one for the other would run
// them: keepalived (priority 100) is master alone on a, the installed tsvrrpd (priority 200, same
// file otherwise) starts on b and preempts it, and when it stops keepalived takes over. What each
// test checks beyond that (its log line, b's addresses) stays in the test, through Installed's hooks.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, waitFor } from "../../lab/netns.js";
import type { Cleanup } from "./scratch.js";

/** One test's pair: its lab's namespace prefix, and the VRID and VIP (in 203.0.113.0/24) it runs. */
export interface Pair {
  prefix: string;
  vrid: number;
  vip: string;
}

/** The pair's keepalived.conf at a priority (v2, PASS authentication, one /32 VIP). */
export const pairConf = ({ vrid, vip }: Pair, prio: number): string =>
  `vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${prio}\n  advert_int 1\n` +
  `  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    ${vip}/32\n  }\n}\n`;

/** The installed daemon as the test started it. */
export interface Installed {
  /** What it printed, shown with keepalived's output if the test fails. */
  output(): string;
  /** Stops it once it holds the VIP, after what the test checks while it does. */
  stop(): Promise<void> | void;
  /** What the test checks once keepalived has taken over. */
  afterTakeover?(): void;
}

/**
 * Runs the pair on a fresh LAN (a: 192.0.2.11, b: 192.0.2.12). `start` starts the installed
 * tsvrrpd in b's namespace with pairConf(pair, 200), which the test wrote where it reads it.
 */
export async function masterNextToKeepalived(pair: Pair, cleanups: Cleanup[], start: (lab: Lab) => Installed): Promise<void> {
  const lab = new Lab(pair.prefix);
  cleanups.push(() => lab.destroy());
  lab.create([
    { name: "a", v4: "192.0.2.11/24" },
    { name: "b", v4: "192.0.2.12/24" },
  ]);
  writeFileSync(join(lab.dir, "a.conf"), pairConf(pair, 100));
  const ka = lab.spawn("a", "keepalived", [
    "-n",
    "-l",
    "-f",
    join(lab.dir, "a.conf"),
    "-p",
    join(lab.dir, "ka.pid"),
    "-r",
    join(lab.dir, "ka.vrrp.pid"),
  ]);
  let kaOut = "";
  ka.stdout?.on("data", (d: Buffer) => (kaOut += d.toString()));
  await waitFor("keepalived alone is master", () => lab.holders(pair.vip).join() === "a", 10_000);
  const ts = start(lab);
  let passed = false;
  cleanups.push(() => {
    if (!passed) console.log(`--- keepalived a:\n${kaOut.slice(-3000)}\n--- installed tsvrrpd b:\n${ts.output().slice(-4000)}`);
  });
  await waitFor("the installed tsvrrpd (priority 200) preempts keepalived", () => lab.holders(pair.vip).join() === "b", 15_000);
  await ts.stop();
  await waitFor("keepalived takes over", () => lab.holders(pair.vip).join() === "a", 10_000);
  ts.afterTakeover?.();
  passed = true;
}

/** Collects a child's stdout and stderr, as output() reads them. */
export function collect(child: { stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null }): () => string {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return () => out;
}
