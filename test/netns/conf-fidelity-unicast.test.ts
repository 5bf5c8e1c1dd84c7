// keepalived.conf unicast forms in a mixed pair, both roles: the checksum's pseudo-header, the
// advert's source address and which sources a peer accepts.
import { describe, it } from "vitest";
import { VIP4, twoRouterLabs, type Kind } from "./daemons.js";
import { ROLES, instance, peerOf, vips } from "./fidelity.js";
import { ROUTER_ADDR, mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfuni");

describe("keepalived.conf fidelity in a mixed pair: unicast", () => {
  // v3 unicast: keepalived with `old_unicast_checksum` puts 224.0.0.18 in the pseudo-header; the
  // other side (without the keyword) must accept that form and switch to it (vrrp.c vrrp_in_chk).
  for (const oldOn of ["keepalived", "tsvrrpd"] as Kind[]) {
    const c: PairCase = {
      conf: () => "",
      addresses: [VIP4],
      intervalSec: 0.1,
    };
    for (const [high, low] of ROLES) {
      it(`v3 unicast, old_unicast_checksum on ${oldOn} only: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        const kindOf = { a: high, b: low };
        const conf = (r: "a" | "b", p: number) =>
          instance(
            r,
            p,
            [
              `unicast_src_ip ${ROUTER_ADDR[r]}`,
              "unicast_peer {",
              `  ${peerOf(r)}`,
              "}",
              ...(kindOf[r] === oldOn ? ["old_unicast_checksum"] : []),
              ...vips,
            ],
            3,
          );
        // keepalived with the keyword rejects the new form (vrrp.c vrrp_in_chk), so as the backup it
        // takes over once and yields at the master's answer, as it does next to another keepalived.
        const transientBackupMaster = low === "keepalived" && oldOn === "keepalived";
        await mixedPair(lab, running, { ...c, conf, transientBackupMaster }, high, low);
      });
    }
  }

  // keepalived checks a unicast advert's source only with check_unicast_src (vrrp.c
  // vrrp_check_packet). Here a sends from a second address, 192.0.2.21, that b's unicast_peer
  // does not list (b lists a's first address); a lists b's own address, where b receives.
  for (const [high, low] of ROLES) {
    it(`unicast advert from an address not in unicast_peer is accepted without check_unicast_src: ${high} master, ${low} backup`, async () => {
      const { lab, running } = newLab();
      lab.exec("a", "ip", ["addr", "add", "192.0.2.21/24", "dev", "eth0"]);
      const src = { a: "192.0.2.21", b: ROUTER_ADDR.b };
      const conf = (r: "a" | "b", p: number) =>
        instance(r, p, [`unicast_src_ip ${src[r]}`, "unicast_peer {", `  ${peerOf(r)}`, "}", ...vips], 3);
      await mixedPair(lab, running, { conf, addresses: [VIP4], intervalSec: 0.1 }, high, low);
    });
  }

  // IPv6 adverts leave from unicast_src_ip (keepalived sets IPV6_PKTINFO on every send), not
  // from the address the kernel would pick; with check_unicast_src a peer drops anything else.
  for (const [high, low] of ROLES) {
    it(`IPv6 unicast from unicast_src_ip, a second address, with check_unicast_src: ${high} master, ${low} backup`, async () => {
      const { lab, running } = newLab();
      const v6 = { a: "2001:db8::111", b: "2001:db8::112" };
      for (const r of ["a", "b"] as const) {
        lab.exec(r, "ip", ["-6", "addr", "add", `2001:db8::${r === "a" ? 11 : 12}/64`, "dev", "eth0", "nodad"]);
        lab.exec(r, "ip", ["-6", "addr", "add", `${v6[r]}/64`, "dev", "eth0", "nodad"]);
      }
      const vip6 = "2001:db8:1::10";
      const conf = (r: "a" | "b", p: number) =>
        instance(
          r,
          p,
          [
            `unicast_src_ip ${v6[r]}`,
            "unicast_peer {",
            `  ${v6[r === "a" ? "b" : "a"]}`,
            "}",
            "check_unicast_src",
            "virtual_ipaddress {",
            `  ${vip6}`,
            "}",
          ],
          3,
        );
      await mixedPair(lab, running, { conf, addresses: [vip6], intervalSec: 0.1 }, high, low);
    });
  }
});
