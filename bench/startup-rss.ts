// 6. Memory at rest: RSS of a daemon 3 s after it started, with 1 and 255 VRRPv3 instances (one
// VIP each), HTTP off and on, tsvrrpd and keepalived (the VRRP child and its parent, summed). A
// first look for issue 17: which parts of tsvrrpd cost memory before any traffic.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, waitFor } from "../lab/netns.js";
import { table, writeResult } from "./common.js";
import { scaleConf } from "../lab/scale-conf.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const lab = new Lab("brs");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  const rows: (string | number)[][] = [["instances", "HTTP", "daemon", "RSS MiB"]];
  const results: Record<string, number> = {};
  try {
    lab.create([{ name: "a", v4: "192.0.2.11/24" }]);
    let run = 0;
    for (const n of [1, 255]) {
      for (const http of [false, true]) {
        for (const kind of ["tsvrrpd", "keepalived"] as const) {
          if (kind === "keepalived" && http) continue; // keepalived has no HTTP listener
          run++;
          const file = join(lab.dir, `c${run}.conf`);
          writeFileSync(file, scaleConf({ instances: n, priority: 200, ...(http ? { httpListen: "127.0.0.1:9100" } : {}) }));
          const pidFile = join(lab.dir, `p${run}.pid`);
          if (kind === "tsvrrpd")
            lab.spawn("a", BIN, ["-n", "-f", file, "-p", pidFile, "--control", `${pidFile}.sock`], { stdio: "ignore" });
          else lab.spawn("a", "keepalived", ["-n", "-f", file, "-p", pidFile, "-r", `${pidFile}.vrrp`], { stdio: "ignore" });
          await waitFor(
            "the daemon's pid file",
            () => {
              try {
                return Number(readFileSync(pidFile, "utf8")) > 0;
              } catch {
                return false;
              }
            },
            15_000,
          );
          await waitFor("every VIP held", () => lab.addresses("a").length >= n + 1, 20_000);
          await sleep(3000);
          const pid = Number(readFileSync(pidFile, "utf8"));
          const kib = rssKiB(pid) + (kind === "keepalived" ? childrenOf(pid).reduce((s, c) => s + rssKiB(c), 0) : 0);
          const mib = kib / 1024;
          rows.push([n, http ? "on" : "off", kind, mib]);
          results[`${n} ${http ? "http" : "no-http"} ${kind}`] = mib;
          console.error(`${n} instances, HTTP ${http ? "on" : "off"}, ${kind}: ${mib.toFixed(1)} MiB`);
          lab.killAll("a", "SIGKILL");
          lab.exec("a", "ip", ["addr", "flush", "dev", "eth0", "scope", "global"], true);
          lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"], true);
          await sleep(300);
        }
      }
    }
    console.log(table(rows));
    console.log(`\nwritten ${writeResult("startup-rss", { results })}`);
  } finally {
    await lab.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
