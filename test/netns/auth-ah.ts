// auth_type AH (keepalived's IPsec-AH form of VRRPv2) in a mixed pair with keepalived 2.2.7, for
// auth-ah-multicast and auth-ah-unicast: one master, takeover on death, then the dead router comes
// back and takes over again, which needs keepalived's sequence-number handling on both sides (the
// returning router hears the other's numbers and carries on above them; a fresh counter would be
// dropped as a replay). VRRPv2 runs at 1 s: its advert carries whole seconds.
import { join } from "node:path";
import { expect } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { readPcap } from "../../lab/pcap-file.js";
import { VIP4, holdsWhileAdvertising, macOf, startDaemon, type Kind, type Running } from "./daemons.js";
import { instance, peerOf, vips } from "./fidelity.js";
import { ROUTER_ADDR, mixedPair } from "./mixed-pair.js";

const auth = ["authentication {", "  auth_type AH", "  auth_pass secret-password", "}"];

export async function ahPair(lab: Lab, running: Running[], unicast: boolean, high: Kind, low: Kind): Promise<void> {
  const uni = (r: "a" | "b") => (unicast ? [`unicast_src_ip ${ROUTER_ADDR[r]}`, "unicast_peer {", `  ${peerOf(r)}`, "}"] : []);
  const conf = (r: "a" | "b", p: number) => instance(r, p, [...uni(r), ...auth, ...vips], 2);
  await mixedPair(lab, running, { conf, addresses: [VIP4], intervalSec: 1 }, high, low);
  // a comes back (the same daemon kind): it starts as BACKUP (AH forbids an initial MASTER
  // below 255), hears b's sequence numbers, preempts, and b must accept a's adverts.
  const pcap = join(lab.dir, "back.pcap");
  await lab.capture(pcap, "ip proto 51 or ip proto 112", lab.port("b"));
  const again = startDaemon(lab, "a", high, conf("a", 200), "-again");
  running.push(again);
  await waitFor(
    `${high} on a to take ${VIP4} back from ${low} on b`,
    () => {
      const snap = lab.snapshot();
      return lab.holders(VIP4, snap).join() === "a";
    },
    20_000,
  );
  await new Promise((r) => setTimeout(r, 300)); // tcpdump -U: the last frames reach the file
  const seen = readPcap(pcap).filter((w) => w.kind === "vrrp");
  const aMac = macOf(lab, "a");
  // Everything on the wire was VRRPv2 with auth type AH behind an AH header, from both sides.
  expect(seen.length).toBeGreaterThan(0);
  for (const w of seen) expect([w.version, w.payload![4]]).toEqual([2, 2]);
  expect(seen.some((w) => w.srcMac === aMac && w.priority === 200)).toBe(true);
  expect(seen.some((w) => w.srcMac !== aMac && w.priority === 100)).toBe(true);
  // keepalived's sequence rule: a, back, heard b's numbers and carries on above them (a
  // counter of its own, from 1, is a replay to b). Allow b's adverts still in flight.
  const firstA = seen.find((w) => w.srcMac === aMac && w.priority === 200)!;
  const heard = seen.filter((w) => w.srcMac !== aMac && w.t < firstA.t - 0.005).map((w) => w.ahSeq!);
  expect(heard.length).toBeGreaterThan(0);
  expect(firstA.ahSeq).toBeGreaterThan(Math.max(...heard));
  // b accepted a's numbers: a stays the only master for more than b's down interval (3609 ms at
  // priority 100; if a itself fell silent that long, b is right and the window repeats).
  await holdsWhileAdvertising(lab, "a", 3609, 4500, () => expect(lab.holders(VIP4, lab.snapshot()).join()).toBe("a"));
}
