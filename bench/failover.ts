// 2. Failover gap on the wire, tsvrrpd and keepalived in the same run on the same namespace LAN:
// two routers (200 and 100), the master SIGKILLed, the gap between its last advert and the
// backup's first read from a capture on the bridge, minus the floor (3 x interval + skew), and
// the delay from that first advert to the first gratuitous ARP. The two daemons alternate run by
// run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, waitFor } from "../lab/netns.js";
import { readPcap } from "../lab/pcap-file.js";
import { masterDownMs } from "../src/vrrp/timing.js";
import { summary, table, writeResult } from "./common.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const VIP = "198.51.100.10";
/** How long the backup runs before the master is killed (at least 4 adverts): BENCH_BACKUP_UP_MS. */
const BACKUP_UP_MS = Number(process.env.BENCH_BACKUP_UP_MS ?? 600);
type Kind = "tsvrrpd" | "keepalived";
const CONFIGS = [
  { name: "VRRPv3 0.1 s", version: 3 as const, interval: 0.1 },
  { name: "VRRPv3 0.02 s", version: 3 as const, interval: 0.02 },
  { name: "VRRPv2 1 s", version: 2 as const, interval: 1 },
].filter((c) => !process.env.BENCH_CONFIGS || process.env.BENCH_CONFIGS.split(",").some((f) => c.name.includes(f)));

function conf(name: string, prio: number, version: 2 | 3, interval: number, master: boolean): string {
  return `global_defs {\n  router_id ${name}\n  vrrp_garp_master_delay 0\n}\nvrrp_instance B {\n  ${master ? "state MASTER" : "state BACKUP"}\n  interface eth0\n  virtual_router_id 77\n  priority ${prio}\n  version ${version}\n  advert_int ${interval}\n${version === 2 ? "  authentication {\n    auth_type PASS\n    auth_pass benchpw\n  }\n" : ""}  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;
}

async function main(): Promise<void> {
  const lab = new Lab("bfo");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  try {
    lab.create([
      { name: "m", v4: "192.0.2.11/24" },
      { name: "s", v4: "192.0.2.12/24" },
    ]);
    const macOf = (r: string) => (JSON.parse(lab.exec(r, "ip", ["-j", "link", "show", "eth0"])) as { address: string }[])[0]!.address;
    const mMac = macOf("m");
    const sMac = macOf("s");
    const pcap = join(lab.dir, "lan.pcap");
    await lab.capture(pcap, "ip proto 112 or arp");
    const start = (router: string, kind: Kind, file: string, run: number) =>
      kind === "tsvrrpd"
        ? lab.spawn(
            router,
            BIN,
            ["-n", "-f", file, "-p", join(lab.dir, `${router}${run}.pid`), "--control", join(lab.dir, `${router}${run}.sock`)],
            { stdio: "ignore" },
          )
        : lab.spawn(
            router,
            "keepalived",
            ["-n", "-l", "-f", file, "-p", join(lab.dir, `${router}${run}.pid`), "-r", join(lab.dir, `${router}${run}.vpid`)],
            { stdio: "ignore" },
          );
    const results: Record<string, unknown> = {};
    const rows: (string | number)[][] = [
      ["config", "daemon", "runs", "gap over floor median ms", "max ms", "GARP after advert median ms", "max ms"],
    ];
    let run = 0;
    for (const c of CONFIGS) {
      const floor = masterDownMs(c.version, 100, Math.round(c.interval * 100));
      const gaps: Record<Kind, number[]> = { tsvrrpd: [], keepalived: [] };
      const garps: Record<Kind, number[]> = { tsvrrpd: [], keepalived: [] };
      // The daemons take turns run by run (who goes first alternates): a drift in the host's
      // noise over the minutes a block takes falls on both alike, not on one block.
      for (let i = 0; i < RUNS; i++) {
        for (const kind of (i % 2 === 0 ? ["tsvrrpd", "keepalived"] : ["keepalived", "tsvrrpd"]) as Kind[]) {
          run++;
          const mFile = join(lab.dir, `m${run}.conf`);
          const sFile = join(lab.dir, `s${run}.conf`);
          writeFileSync(mFile, conf("m", 200, c.version, c.interval, true));
          writeFileSync(sFile, conf("s", 100, c.version, c.interval, false));
          start("m", kind, mFile, run);
          await waitFor("m master", () => lab.holders(VIP).join() === "m", 15_000, 10);
          start("s", kind, sFile, run);
          await new Promise((r) => setTimeout(r, Math.max(BACKUP_UP_MS, c.interval * 4000)));
          const killedAt = Date.now() / 1000;
          lab.killAll("m", "SIGKILL");
          await waitFor("s master", () => lab.holders(VIP).includes("s"), floor + 5000, 10);
          await new Promise((r) => setTimeout(r, 200));
          lab.killAll("s", "SIGKILL");
          lab.exec("m", "ip", ["addr", "flush", "dev", "eth0", "to", `${VIP}/32`], true);
          lab.exec("s", "ip", ["addr", "flush", "dev", "eth0", "to", `${VIP}/32`], true);
          const wire = readPcap(pcap);
          const last = wire.filter((w) => w.kind === "vrrp" && w.srcMac === mMac && w.vrid === 77 && w.t <= killedAt + 0.01).at(-1);
          const first = wire.find(
            (w) => w.kind === "vrrp" && w.srcMac === sMac && w.vrid === 77 && w.t > killedAt && (w.priority ?? 0) > 0,
          );
          const garp = first && wire.find((w) => w.kind === "arp" && w.srcMac === sMac && w.t >= first.t - 0.05 && w.t > killedAt);
          if (last && first) gaps[kind].push((first.t - last.t) * 1000 - floor);
          if (first && garp) garps[kind].push((garp.t - first.t) * 1000);
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      for (const kind of ["tsvrrpd", "keepalived"] as Kind[]) {
        const g = summary(gaps[kind]);
        const a = summary(garps[kind]);
        rows.push([c.name, kind, g.n, g.median, g.max, a.median, a.max]);
        results[`${c.name} ${kind}`] = { floorMs: floor, gapOverFloorMs: gaps[kind], garpAfterAdvertMs: garps[kind], gap: g, garp: a };
        console.error(
          `${c.name} ${kind}: gap over floor median ${g.median.toFixed(2)} ms max ${g.max.toFixed(2)} ms; GARP median ${a.median.toFixed(2)} ms`,
        );
      }
    }
    console.log(table(rows));
    console.log(`\nwritten ${writeResult("failover", { runsPerCase: RUNS, results })}`);
  } finally {
    await lab.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
