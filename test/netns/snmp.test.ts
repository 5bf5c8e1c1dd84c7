// SNMP next to keepalived: Debian's snmpd as the AgentX master and snmptrapd as the trap sink, in
// the router's namespace. keepalived and then tsvrrpd run the same file on the same router
// (enable_snmp_vrrp, enable_snmp_rfcv3, enable_traps, snmp_socket): snmpwalk of the KEEPALIVED-MIB
// VRRP part and of the VRRPv3-MIB must give the same objects and values for the same state (bar
// the version string and uptimes), and the notifications of start, takeover and stop must be the
// same traps with the same values.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("snm");
const VIP = "198.51.100.91";

describe("SNMP (AgentX subagent of snmpd)", () => {
  it("serves the KEEPALIVED-MIB VRRP part and the VRRPv3-MIB as keepalived does, and sends its traps", async () => {
    const { lab, running } = newLab();
    const dir = lab.dir;
    lab.exec("a", "ip", ["link", "set", "lo", "up"]);
    const sock = join(dir, "agentx.sock");
    writeFileSync(
      join(dir, "snmpd.conf"),
      `master agentx\nagentXSocket unix:${sock}\nagentaddress udp:127.0.0.1:1161\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:1162 public\n`,
    );
    writeFileSync(join(dir, "trapd.conf"), "disableAuthorization yes\n");
    const traps = join(dir, "traps.log");
    const env = { ...process.env, MIBS: "", MIBDIRS: "/nonexistent" };
    const trapd = lab.spawn(
      "a",
      "snmptrapd",
      ["-f", "-C", "-c", join(dir, "trapd.conf"), "-Lf", traps, "-On", "-F", "TRAP %v\n", "udp:127.0.0.1:1162"],
      { env },
    );
    const snmpd = lab.spawn("a", "snmpd", ["-f", "-Lo", "-C", "-c", join(dir, "snmpd.conf"), "-p", join(dir, "snmpd.pid")], { env });
    try {
      await waitFor("snmpd's AgentX socket", () => existsSync(sock), 10_000);
      const conf =
        `global_defs {\n  router_id node-a\n  enable_snmp_vrrp\n  enable_snmp_rfcv3\n  enable_traps\n  snmp_socket unix:${sock}\n}\n` +
        `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 91\n  priority 150\n  version 3\n  advert_int 0.1\n` +
        `  virtual_ipaddress {\n    ${VIP}/24\n  }\n}\n`;
      const walk = (root: string) =>
        lab
          .exec("a", "snmpwalk", ["-m", "", "-v2c", "-c", "public", "-On", "127.0.0.1:1161", root], true)
          .split("\n")
          .filter((l) => l.startsWith("."));
      // The daemons' notifications only: snmpd's own coldStart arrives whenever snmpd gets to it,
      // which can fall inside either daemon's window.
      const trapLines = () =>
        (existsSync(traps) ? readFileSync(traps, "utf8") : "")
          .split("\n")
          .filter((l) => l.startsWith("TRAP ") && /4\.1\.0 = OID: \.1\.3\.6\.1\.(4\.1\.9586\.|2\.1\.207\.)/.test(l));
      const seen: Record<Kind, { mib: string[]; traps: string[] }> = {
        keepalived: { mib: [], traps: [] },
        tsvrrpd: { mib: [], traps: [] },
      };
      for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
        const before = trapLines().length;
        const d = startDaemon(lab, "a", kind, conf, `-${kind}`);
        running.push(d);
        const state = ".1.3.6.1.4.1.9586.100.5.2.3.1.4.1 = INTEGER: 2";
        await waitFor(
          `${kind}: master, as SNMP sees it`,
          () => lab.holders(VIP).join() === "a" && walk(".1.3.6.1.4.1.9586.100.5.2").includes(state),
          15_000,
        );
        seen[kind].mib = [...walk(".1.3.6.1.4.1.9586.100.5"), ...walk(".1.3.6.1.2.1.207")]
          .filter((l) => !/^\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.1\.(1|10)\.0 /.test(l)) // the version string; dynamic_interfaces (always on in tsvrrpd)
          .filter((l) => !/^\.1\.3\.6\.1\.2\.1\.207\.1\.1\.1\.1\.12\./.test(l)); // uptime
        d.child.kill("SIGTERM");
        await waitFor(`${kind} stopped`, () => d.child.exitCode !== null || d.child.signalCode !== null, 10_000);
        await waitFor(
          `${kind}: the STOP trap`,
          () =>
            trapLines()
              .slice(before)
              .some((l) => l.includes("9586.100.5.2.3.1.4 = INTEGER: 5")),
          5000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; traps:\n${trapLines().slice(before).join("\n")}`);
        });
        // Without sysUpTime (the first varbind).
        seen[kind].traps = trapLines()
          .slice(before)
          .map((l) => l.split("\t").slice(1).join("\t"));
      }
      expect(seen.tsvrrpd.mib.length).toBeGreaterThan(40);
      expect(seen.tsvrrpd.mib).toEqual(seen.keepalived.mib);
      expect(seen.tsvrrpd.traps).toEqual(seen.keepalived.traps);
      expect(seen.tsvrrpd.traps.map((t) => /4\.1\.0 = OID: (\S+)/.exec(t)?.[1])).toEqual([
        ".1.3.6.1.4.1.9586.100.5.2.10.0.2", // vrrpInstanceStateChange: BACKUP
        ".1.3.6.1.4.1.9586.100.5.2.10.0.2", // MASTER
        ".1.3.6.1.2.1.207.0.1", // vrrpv3NotifyNewMaster
        ".1.3.6.1.4.1.9586.100.5.2.10.0.2", // STOP
      ]);
    } finally {
      snmpd.kill("SIGKILL");
      trapd.kill("SIGKILL");
    }
  });
});
