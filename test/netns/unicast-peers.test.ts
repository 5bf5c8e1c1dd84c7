// VRRPv3 unicast with two peers, keepalived on the other side (issue 27). A VRRPv3 IPv4 unicast
// advert's checksum covers a pseudo-header holding its destination (RFC 5798 5.2.8), so a master
// with two peers sends each one its own checksum (keepalived vrrp.c vrrp_build_pkt /
// vrrp_send_pkt per unicast peer). A wrong one for either peer makes that peer a second master.
// Three routers: a (200) master, b (150) and c (100) backups, each with the other two as peers;
// then a dies and b, now sending to a and c, must hold c in BACKUP.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { enteredBackup, enteredMaster } from "./mixed-pair.js";
import { crash, holdsWhileAdvertising, startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";

const newLab = twoRouterLabs("ucp");
const VIP = "198.51.100.71";
const ADDR = { a: "192.0.2.11", b: "192.0.2.12", c: "192.0.2.13" } as const;
type Name = keyof typeof ADDR;
const PRIORITY: Record<Name, number> = { a: 200, b: 150, c: 100 };
// v3 at 0.1 s: 3 x 100 ms + skew (at most 100 ms), with room for a loaded machine.
const DOWN_MS = 400;

function conf(me: Name): string {
  const peers = (Object.keys(ADDR) as Name[]).filter((n) => n !== me);
  return `global_defs {
  vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 71
  priority ${PRIORITY[me]}
  version 3
  advert_int 0.1
  unicast_src_ip ${ADDR[me]}
  unicast_peer {
${peers.map((p) => `    ${ADDR[p]}`).join("\n")}
  }
  virtual_ipaddress {
    ${VIP}
  }
}
`;
}

/** Checksum complaints in either kind's log: keepalived's (vrrp.c vrrp_in_chk) and ours. */
function checksumTrouble(r: Running): string[] {
  return r
    .output()
    .split("\n")
    .filter((l) => /Invalid VRRPv3 checksum|Setting unicast VRRPv3 checksum to old version|BAD_CHECKSUM/.test(l));
}

const ROLES: Record<Name, Kind>[] = [
  { a: "tsvrrpd", b: "keepalived", c: "keepalived" },
  { a: "keepalived", b: "tsvrrpd", c: "tsvrrpd" },
];

describe("VRRPv3 unicast with two peers (per-peer pseudo-header checksum)", () => {
  for (const kinds of ROLES) {
    it(`master ${kinds.a} with backups ${kinds.b} and ${kinds.c}; then ${kinds.b} master over ${kinds.c}`, async () => {
      const { lab, running } = newLab();
      lab.addRouter({ name: "c", v4: `${ADDR.c}/24` });
      const holds = (r: Name) => lab.holders(VIP).join() === r;
      const a = startDaemon(lab, "a", kinds.a, conf("a"));
      running.push(a);
      await waitFor(`${kinds.a} on a master`, () => holds("a"), 10_000);
      const b = startDaemon(lab, "b", kinds.b, conf("b"));
      const c = startDaemon(lab, "c", kinds.c, conf("c"));
      running.push(b, c);
      await waitFor("b and c in BACKUP", () => enteredBackup(b) && enteredBackup(c), 10_000);
      // Each backup hears a's adverts (its own checksum each) for several down intervals.
      // (unless a itself fell silent for a down interval: then a backup is right, and the window repeats)
      const aSilent = await holdsWhileAdvertising(lab, "a", DOWN_MS, DOWN_MS * 4, () =>
        expect(holds("a"), "only a holds the VIP").toBe(true),
      );
      if (!aSilent) {
        expect(enteredMaster(b), `${kinds.b} on b entered MASTER while a was up`).toBe(false);
        expect(enteredMaster(c), `${kinds.c} on c entered MASTER while a was up`).toBe(false);
      }

      crash(lab, "a"); // SIGKILL: a's VIP stays on its dead interface, so a is left out below
      const live = () =>
        lab
          .holders(VIP)
          .filter((r) => r !== "a")
          .join();
      await waitFor(`${kinds.b} on b to take over`, () => live() === "b", 5000);
      // c's master-down timer may run out in the same instant as b's (c then yields to b's higher
      // priority, which it could only do by verifying b's advert): MASTER counts from here on.
      const cBefore = c.output().length;
      const cSinceTakeover = { ...c, output: () => c.output().slice(cBefore) };
      const bSilent = await holdsWhileAdvertising(lab, "b", DOWN_MS, DOWN_MS * 4, () =>
        expect(live(), "only b holds the VIP among the live routers").toBe("b"),
      );
      if (!aSilent && !bSilent)
        expect(enteredMaster(cSinceTakeover), `${kinds.c} on c entered MASTER: it did not verify b's adverts`).toBe(false);
      for (const r of [a, b, c]) expect(checksumTrouble(r), `${r.kind} on ${r.router}`).toEqual([]);
    });
  }
});
