// `npm run demo`: three tsvrrpd routers on a namespace LAN, the master killed, the failover shown
// from a packet capture of the LAN. Everything it creates is removed at the end (also on Ctrl-C).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { masterDownMs } from "../src/vrrp/timing.js";
import { Lab, waitFor } from "./netns.js";
import { readPcap, type WireRecord } from "./pcap-file.js";
import { errorFields } from "../src/error-fields.js";

// Run compiled, from dist-lab/lab/demo.js (scripts/demo.sh).
const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const VIP = "198.51.100.10";
const VIP6 = "2001:db8:1::10";
const ROUTERS = [
  { name: "r1", v4: "192.0.2.11/24", v6: "2001:db8::11/64", priority: 200 },
  { name: "r2", v4: "192.0.2.12/24", v6: "2001:db8::12/64", priority: 150 },
  { name: "r3", v4: "192.0.2.13/24", v6: "2001:db8::13/64", priority: 100 },
];
const INTERVAL_S = 0.1;

function conf(name: string, priority: number): string {
  return `global_defs {
  router_id ${name}
  vrrp_garp_master_delay 0
}
vrrp_instance DEMO_V4 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  version 3
  priority ${priority}
  advert_int ${INTERVAL_S}
  virtual_ipaddress {
    ${VIP}/24
  }
}
vrrp_instance DEMO_V6 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  version 3
  priority ${priority}
  advert_int ${INTERVAL_S}
  virtual_ipaddress {
    ${VIP6}
  }
}
`;
}

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the demo builds network namespaces: run it as root");
  const lab = new Lab("demo");
  const stop = () => void lab.destroy().then(() => process.exit(130));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    say("== tsvrrpd demo: three routers on a bridge LAN (network namespaces), VRRPv3 every 100 ms ==");
    lab.create(ROUTERS);
    const pcap = join(lab.dir, "lan.pcap");
    await lab.capture(pcap);
    const macs = new Map<string, string>();
    for (const r of ROUTERS) {
      macs.set((JSON.parse(lab.exec(r.name, "ip", ["-j", "link", "show", "eth0"])) as { address: string }[])[0]!.address, r.name);
    }
    const start = (r: (typeof ROUTERS)[number], tag = "") => {
      const file = join(lab.dir, `${r.name}.conf`);
      writeFileSync(file, conf(r.name, r.priority));
      return lab.spawn(r.name, BIN, [
        "-n",
        "-G",
        "-f",
        file,
        "-p",
        join(lab.dir, `${r.name}${tag}.pid`),
        "--control",
        join(lab.dir, `${r.name}${tag}.sock`),
      ]);
    };
    for (const r of ROUTERS) {
      start(r);
      say(`  started tsvrrpd on ${r.name} (${r.v4.split("/")[0]}), priority ${r.priority}`);
    }
    await waitFor("r1 to become master", () => lab.holdersOf([VIP, VIP6]).every((h) => h === "r1"), 15_000);
    say(`\n[election] r1 holds ${VIP} and ${VIP6}; r2 and r3 are BACKUP`);
    await new Promise((r) => setTimeout(r, 1000));

    const killedAt = Date.now() / 1000;
    lab.killAll("r1", "SIGKILL");
    say(`[fault]    SIGKILL to tsvrrpd on r1 (the master); its link stays up, it just goes silent`);
    await waitFor("r2 to take over", () => lab.holdersOf([VIP, VIP6]).every((h) => h.split(",").includes("r2")), 10_000);
    say(`[failover] r2 (priority 150) now holds both VIPs; r3 stays BACKUP`);
    await new Promise((r) => setTimeout(r, 1000));

    const restartAt = Date.now() / 1000;
    start(ROUTERS[0]!, "-2");
    say(`[restart]  tsvrrpd on r1 again: it removes the VIPs it left behind, joins as BACKUP, preempts`);
    await waitFor("r1 to take back", () => lab.holdersOf([VIP, VIP6]).every((h) => h === "r1"), 10_000);
    say(`[preempt]  r1 holds both VIPs again; r2 released them\n`);
    await new Promise((r) => setTimeout(r, 300));

    const wire = readPcap(pcap);
    const who = (w: WireRecord) => macs.get(w.srcMac) ?? w.srcMac;
    const t0 = killedAt;
    say("Timeline from the capture on the LAN bridge (t = 0 at the SIGKILL):");
    const lastR1 = wire.filter((w) => w.kind === "vrrp" && w.vrid === 51 && who(w) === "r1" && w.t <= killedAt + 0.05).at(-1);
    const firstR2 = wire.find((w) => w.kind === "vrrp" && w.vrid === 51 && who(w) === "r2" && w.t > killedAt);
    const interesting = wire.filter((w) => w.t >= (lastR1?.t ?? t0) - 0.25 && w.t <= (firstR2?.t ?? t0) + 0.25);
    for (const w of interesting) {
      const dt = ((w.t - t0) * 1000).toFixed(1).padStart(8);
      if (w.kind === "vrrp") say(`  ${dt} ms  ${who(w)} advert vrid ${w.vrid} priority ${w.priority} (IPv${w.src?.includes(":") ? 6 : 4})`);
      else if (w.kind === "arp") say(`  ${dt} ms  ${who(w)} gratuitous ARP for ${w.target}`);
      else if (w.kind === "na") say(`  ${dt} ms  ${who(w)} unsolicited NA for ${w.target}`);
    }
    if (lastR1 && firstR2) {
      const floor = masterDownMs(3, 150, INTERVAL_S * 100);
      const gap = (firstR2.t - lastR1.t) * 1000;
      const garp = wire.find((w) => w.kind === "arp" && who(w) === "r2" && w.target === VIP && w.t >= firstR2.t);
      say(
        `\nFailover gap (r1's last advert -> r2's first): ${gap.toFixed(1)} ms; protocol floor 3 x 100 ms + skew = ${floor.toFixed(1)} ms; over the floor: ${(gap - floor).toFixed(1)} ms`,
      );
      if (garp) say(`Gratuitous ARP ${((garp.t - firstR2.t) * 1000).toFixed(2)} ms after r2's first advert`);
    }
    const back = wire.find((w) => w.kind === "vrrp" && w.vrid === 51 && who(w) === "r1" && w.t > restartAt && w.priority === 200);
    if (back)
      say(`r1 advertised again ${((back.t - restartAt) * 1000).toFixed(0)} ms after its restart (one down interval as BACKUP first)`);
    say("\nDemo finished; removing the namespaces.");
  } finally {
    await lab.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${errorFields(e).err}\n`);
  process.exit(1);
});
