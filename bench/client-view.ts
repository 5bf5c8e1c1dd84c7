// 5. What a client of the VIP sees, tsvrrpd and keepalived side by side on one namespace LAN: two
// routers (200 and 100, VRRPv3 at 0.1 s, the same kind on both) and a client pinging the VIP
// every 10 ms. For each event, the longest time the client went without a reply.
//   host death:   the master's daemon killed and its port cut;
//   daemon crash: the master's daemon killed (its host stays up and keeps the VIP address);
//   heal:         the master cut off the LAN for 1.5 s, then back (the figure is after the heal);
//   reload:       five SIGHUPs to the master, then one adding a VIP;
//   stop:         SIGTERM to the master (priority 0 advert).
// keepalived runs with its defaults; "keepalived tuned" adds higher_prio_send_advert and
// garp_lower_prio_repeat 5 (the heal only: the keywords change nothing else here).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientProbe } from "../lab/client-probe.js";
import { Lab, waitFor } from "../lab/netns.js";
import { masterDownMs } from "../src/vrrp/timing.js";
import { summary, table, writeResult } from "./common.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const VIP = "198.51.100.10";
const VIP2 = "198.51.100.11";
const FLOOR = masterDownMs(3, 100, 10);
type Kind = "tsvrrpd" | "keepalived" | "keepalived tuned";
type Event = "host death" | "daemon crash" | "heal" | "reload" | "stop";
const EVENTS = (["host death", "daemon crash", "heal", "reload", "stop"] as Event[]).filter(
  (e) => !process.env.BENCH_EVENTS || process.env.BENCH_EVENTS.split(",").includes(e),
);

function conf(prio: number, kind: Kind, extraVip = false): string {
  const tuned = kind === "keepalived tuned" ? "  higher_prio_send_advert\n  garp_lower_prio_repeat 5\n" : "";
  return `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 51\n  priority ${prio}\n  version 3\n  advert_int 0.1\n${tuned}  virtual_ipaddress {\n    ${VIP}/24\n${extraVip ? `    ${VIP2}/24\n` : ""}  }\n}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const lab = new Lab("bcv");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  try {
    lab.create([
      { name: "a", v4: "192.0.2.11/24" },
      { name: "b", v4: "192.0.2.12/24" },
      { name: "c", v4: "192.0.2.50/24" },
    ]);
    lab.exec("c", "ip", ["route", "add", "198.51.100.0/24", "dev", "eth0"]); // the VIP's subnet is on the LAN
    let run = 0;
    const start = (router: string, kind: Kind, text: string): string => {
      const file = join(lab.dir, `${router}${run}.conf`);
      writeFileSync(file, text);
      const pid = join(lab.dir, `${router}${run}.pid`);
      if (kind === "tsvrrpd") lab.spawn(router, BIN, ["-n", "-f", file, "-p", pid, "--control", `${pid}.sock`], { stdio: "ignore" });
      else lab.spawn(router, "keepalived", ["-n", "-l", "-f", file, "-p", pid, "-r", `${pid}.vrrp`], { stdio: "ignore" });
      return file;
    };
    // The pid file (tsvrrpd renames its process like keepalived's, so its command line is no help).
    const daemonPid = (router: string): number => Number(readFileSync(join(lab.dir, `${router}${run}.pid`), "utf8").trim());
    const results: Record<string, unknown> = {};
    const rows: (string | number)[][] = [["event", "daemon", "runs", "longest silence median ms", "min ms", "max ms"]];
    for (const event of EVENTS) {
      const kinds: Kind[] = event === "heal" ? ["tsvrrpd", "keepalived", "keepalived tuned"] : ["tsvrrpd", "keepalived"];
      for (const kind of kinds) {
        const gaps: number[] = [];
        for (let i = 0; i < RUNS; i++, run++) {
          const aFile = start("a", kind, conf(200, kind));
          await waitFor("a master", () => lab.holders(VIP).join() === "a", 15_000, 10);
          start("b", kind, conf(100, kind));
          await sleep(800);
          const probe = new ClientProbe(lab, "c", VIP);
          await waitFor("client replies", () => probe.replies.length >= 10, 5000, 10);
          let from = Date.now();
          if (event === "host death") {
            lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "nomaster"]);
            lab.killAll("a", "SIGKILL");
          } else if (event === "daemon crash") {
            lab.killAll("a", "SIGKILL");
          } else if (event === "heal") {
            lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "nomaster"]);
            await sleep(1500);
            from = Date.now();
            lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "master", "br0"]);
          } else if (event === "reload") {
            const pid = daemonPid("a");
            for (let k = 0; k < 5; k++) {
              process.kill(pid, "SIGHUP");
              await sleep(200);
            }
            writeFileSync(aFile, conf(200, kind, true));
            process.kill(pid, "SIGHUP");
          } else {
            process.kill(daemonPid("a"), "SIGTERM");
          }
          await sleep(3000);
          const gap = probe.longestGap(from, Date.now());
          gaps.push(gap);
          probe.stop();
          console.error(`${event} ${kind} run ${i + 1}: ${gap.toFixed(1)} ms`);
          lab.killAll("a", "SIGKILL");
          lab.killAll("b", "SIGKILL");
          lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "master", "br0"], true);
          for (const r of ["a", "b"]) for (const v of [VIP, VIP2]) lab.exec(r, "ip", ["addr", "del", `${v}/24`, "dev", "eth0"], true);
          lab.exec("c", "ip", ["neigh", "flush", "all"], true);
          await sleep(300);
        }
        const s = summary(gaps);
        rows.push([event, kind, s.n, s.median, s.min, s.max]);
        results[`${event} / ${kind}`] = { silenceMs: gaps, summary: s };
      }
    }
    console.log(`protocol floor (down interval of the priority-100 backup): ${FLOOR.toFixed(1)} ms`);
    console.log(table(rows));
    console.log(`\nwritten ${writeResult("client-view", { runsPerCase: RUNS, floorMs: FLOOR, pingIntervalMs: 10, results })}`);
  } finally {
    await lab.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
