// keepalived.conf forms that real files use, read the same way by keepalived and tsvrrpd: each
// runs as a mixed pair in both roles (one master, the right one, takeover when it dies).
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../src/lab/netns.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { VIP4, crash, startDaemon, twoRouterLabs, type Kind, holdsFor } from "./daemons.js";
import { ROUTER_ADDR, mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfid");
const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

function instance(router: "a" | "b", priority: number, body: string[], version: 2 | 3): string {
  return [
    "global_defs {",
    `  router_id ${router}`,
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    // The high-priority router starts as MASTER (one interval instead of a down interval): the
    // usual way such pairs are configured, and a shorter wait with 1 s VRRPv2 adverts.
    `  state ${priority === 200 ? "MASTER" : "BACKUP"}`,
    "  interface eth0",
    "  virtual_router_id 51",
    `  priority ${priority}`,
    `  version ${version}`,
    `  advert_int ${version === 2 ? 1 : 0.1}`,
    ...body.map((l) => `  ${l}`),
    "}",
    "",
  ].join("\n");
}

const vips = ["virtual_ipaddress {", `  ${VIP4}`, "}"];
const peerOf = (r: "a" | "b") => ROUTER_ADDR[r === "a" ? "b" : "a"];

// One file for both hosts, as keepalived's templating is meant for: `$NAME` definitions and
// `@ID` lines picked by -i (lib/parser.c). The priorities come from the @ lines, not the caller.
const TEMPLATED = (intervalSec: number) =>
  [
    "$IFACE=eth0",
    `$VIP=${VIP4}`,
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface $IFACE",
    "  virtual_router_id 51",
    "@a priority 200",
    "@b priority 100",
    "  version 3",
    `  advert_int ${intervalSec}`,
    "  virtual_ipaddress {",
    "    ${VIP}",
    "  }",
    "}",
    "",
  ].join("\n");

const CASES: Record<string, PairCase> = {
  "$NAME definitions and @id lines with -i": {
    conf: () => TEMPLATED(0.1),
    args: (r) => ["-i", r],
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // Both authentication forms at once, one instance each, so the 1 s VRRPv2 pair runs once:
  // VI_1: auth_pass without auth_type = no authentication (vrrp.c vrrp_complete_instance);
  // VI_2: only the first word of an unquoted auth_pass is the password (vrrp_parser.c).
  "auth_pass without auth_type, and auth_pass of two unquoted words": {
    conf: (r, p) =>
      instance(r, p, ["authentication {", "  auth_pass s3cret", "}", ...vips], 2) +
      instance(r, p, ["authentication {", "  auth_type PASS", "  auth_pass abc def", "}", "virtual_ipaddress {", "  198.51.100.20", "}"], 2)
        .replace(/^global_defs \{[^}]*\}\n/, "")
        .replace("VI_1", "VI_2")
        .replace("virtual_router_id 51", "virtual_router_id 52"),
    addresses: [VIP4, "198.51.100.20"],
    intervalSec: 1,
  },
  // keepalived: ADDR/PREFIX accepted, prefix ignored (vrrp_parser.c vrrp_srcip_handler).
  "unicast_src_ip with a prefix": {
    conf: (r, p) => instance(r, p, [`unicast_src_ip ${ROUTER_ADDR[r]}/24`, "unicast_peer {", `  ${peerOf(r)}/24`, "}", ...vips], 3),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // Adverts to another multicast group (global_parser.c vrrp_mcast_group4_handler); keepalived binds
  // its socket to the group, so a side still sending to 224.0.0.18 would not be heard.
  "vrrp_mcast_group4 224.0.0.88": {
    conf: (r, p) => instance(r, p, vips, 3).replace("global_defs {", "global_defs {\n  vrrp_mcast_group4 224.0.0.88"),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // The same for one instance (vrrp_parser.c vrrp_mcast_dstip_handler), over the global group.
  "mcast_dst_ip 239.1.2.3 over vrrp_mcast_group4": {
    conf: (r, p) =>
      instance(r, p, ["mcast_dst_ip 239.1.2.3", ...vips], 3).replace("global_defs {", "global_defs {\n  vrrp_mcast_group4 224.0.0.88"),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // Added and removed with the VIPs, not advertised.
  virtual_ipaddress_excluded: {
    conf: (r, p) => instance(r, p, [...vips, "virtual_ipaddress_excluded {", "  203.0.113.7/24", "  2001:db8:7::7/64", "}"], 3),
    addresses: [VIP4, "203.0.113.7", "2001:db8:7::7"],
    intervalSec: 0.1,
  },
};

describe("keepalived.conf fidelity in a mixed pair", () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const [high, low] of ROLES) {
      it(`${name}: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        await mixedPair(lab, running, c, high, low);
      });
    }
  }

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

  // dont_track_primary: the instance's own link going down is not a FAULT (vrrp_parser.c
  // vrrp_dont_track_handler); the master keeps its VIP instead of both sides dropping it.
  for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
    it(`dont_track_primary: ${kind}'s master keeps its VIP when its link goes down, and without it gives it up`, async () => {
      const { lab, running } = newLab();
      for (const [tag, keyword] of [
        ["keep", ["dont_track_primary"]],
        ["plain", []],
      ] as const) {
        const d = startDaemon(lab, "a", kind, instance("a", 200, [...keyword, ...vips], 3), tag);
        running.push(d);
        await waitFor(`${kind} master`, () => lab.holders(VIP4).join() === "a", 10_000);
        lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
        if (keyword.length) {
          await holdsFor(1500, () => {
            expect(lab.holders(VIP4), `${kind} with dont_track_primary keeps the VIP`).toEqual(["a"]);
          });
        } else await waitFor(`${kind} without dont_track_primary to drop the VIP (FAULT)`, () => lab.holders(VIP4).length === 0, 5000);
        lab.killAll("a", "SIGKILL");
        await new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.on("exit", () => r())));
        lab.exec("a", "ip", ["addr", "flush", "dev", "eth0", "scope", "global"]);
        lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
        lab.exec("a", "ip", ["link", "set", "eth0", "up"]);
      }
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

  // unicast_fault_no_peer (vrrp.c vrrp_complete_instance): an empty unicast_peer block with it is
  // FAULT for good; without it keepalived falls back to multicast (deprecated) and runs.
  for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
    it(`unicast_fault_no_peer: ${kind} with no peer stays in FAULT, and without the keyword runs multicast`, async () => {
      const { lab, running } = newLab();
      const faulty = startDaemon(lab, "a", kind, instance("a", 200, ["unicast_peer {", "}", "unicast_fault_no_peer", ...vips], 3), "f");
      running.push(faulty);
      await waitFor(`${kind} to report the fault`, () => /without any peers/.test(faulty.output()), 10_000);
      await holdsFor(1000, () => expect(lab.holders(VIP4), `${kind} must not take the VIP`).toEqual([]));
      lab.killAll("a", "SIGKILL");
      running.push(startDaemon(lab, "a", kind, instance("a", 200, ["unicast_peer {", "}", ...vips], 3), "m"));
      await waitFor(`${kind} master over multicast`, () => lab.holders(VIP4).join() === "a", 10_000);
    });
  }

  // unicast_ttl (vrrp_parser.c vrrp_ttl_handler): the master's unicast adverts leave with TTL 10;
  // the backup checks it (check_unicast_src, unicast_peer ... min_ttl/max_ttl). Within 5..20 it
  // stays a quiet backup; with min_ttl 11 it drops every advert and takes over too.
  for (const [high, low] of ROLES) {
    for (const [min, accepted] of [
      [5, true],
      [11, false],
    ] as const) {
      it(`unicast_ttl 10: ${high} master, ${low} backup with min_ttl ${min} ${accepted ? "stays backup" : "drops the adverts"}`, async () => {
        const { lab, running } = newLab();
        const conf = (r: "a" | "b", p: number) =>
          instance(
            r,
            p,
            r === "a"
              ? [`unicast_src_ip ${ROUTER_ADDR.a}`, "unicast_ttl 10", "unicast_peer {", `  ${ROUTER_ADDR.b}`, "}", ...vips]
              : [
                  `unicast_src_ip ${ROUTER_ADDR.b}`,
                  "check_unicast_src",
                  "unicast_peer {",
                  `  ${ROUTER_ADDR.a} min_ttl ${min} max_ttl 20`,
                  "}",
                  ...vips,
                ],
            3,
          );
        if (accepted) {
          await mixedPair(lab, running, { conf, addresses: [VIP4], intervalSec: 0.1 }, high, low);
          return;
        }
        running.push(startDaemon(lab, "a", high, conf("a", 200)));
        await waitFor(`${high} on a master`, () => lab.holders(VIP4).join() === "a", 10_000);
        running.push(startDaemon(lab, "b", low, conf("b", 100)));
        await waitFor(`${low} on b master too (adverts with TTL 10 dropped)`, () => lab.holders(VIP4).includes("b"), 5000);
      });
    }
  }

  // track_src_ip (vrrp_parser.c vrrp_track_srcip_handler, keepalived_netlink.c
  // netlink_if_address_filter): tsvrrpd's master whose configured source address is removed from
  // its interface goes to FAULT, so a keepalived backup takes over, and it preempts again when the
  // address is back. keepalived 2.2.7 itself only notices the loss of the address it took as the
  // interface's own (measured: a removed secondary mcast_src_ip or unicast_src_ip leaves it
  // MASTER), which the second test pins down; docs/keywords.md lists the difference.
  it("track_src_ip: tsvrrpd master loses its mcast_src_ip, keepalived backup takes over, and gives back when it returns", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "add", "192.0.2.21/24", "dev", "eth0"]);
    const conf = (r: "a" | "b", p: number) =>
      instance(r, p, [...(r === "a" ? ["mcast_src_ip 192.0.2.21", "track_src_ip"] : []), ...vips], 3);
    running.push(startDaemon(lab, "a", "tsvrrpd", conf("a", 200)));
    await waitFor("tsvrrpd on a master", () => lab.holders(VIP4).join() === "a", 10_000);
    running.push(startDaemon(lab, "b", "keepalived", conf("b", 100)));
    await holdsFor(600, () => expect(lab.holders(VIP4)).toEqual(["a"]));
    lab.exec("a", "ip", ["addr", "del", "192.0.2.21/24", "dev", "eth0"]);
    await waitFor("keepalived on b to take over once a's source address is gone", () => lab.holders(VIP4).join() === "b", 5000);
    lab.exec("a", "ip", ["addr", "add", "192.0.2.21/24", "dev", "eth0"]);
    await waitFor("tsvrrpd on a master again with its address back", () => lab.holders(VIP4).join() === "a", 5000);
  });
  it("track_src_ip: keepalived 2.2.7 stays MASTER when its secondary mcast_src_ip is removed (the difference tsvrrpd documents)", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "add", "192.0.2.21/24", "dev", "eth0"]);
    running.push(startDaemon(lab, "a", "keepalived", instance("a", 200, ["mcast_src_ip 192.0.2.21", "track_src_ip", ...vips], 3)));
    await waitFor("keepalived on a master", () => lab.holders(VIP4).join() === "a", 10_000);
    lab.exec("a", "ip", ["addr", "del", "192.0.2.21/24", "dev", "eth0"]);
    await holdsFor(1000, () => expect(lab.holders(VIP4), "keepalived keeps the VIP").toEqual(["a"]));
  });

  // Virtual address options (keepalived vrrp_ipaddress.c): the same lines must put the same
  // addresses on the interface, whoever is master. Compared attribute by attribute from `ip -j addr`.
  it("virtual address options install the same addresses as keepalived does", async () => {
    const { lab, running } = newLab();
    // An instance per family: keepalived ignores a VIP whose family differs from its instance's.
    const v4 = [
      "virtual_ipaddress {",
      "  198.51.100.10/24 brd + label eth0:vip",
      "  198.51.100.20/24 noprefixroute",
      "  198.51.100.30/25 brd - scope link no_track",
      "}",
    ];
    const v6 = [
      "virtual_ipaddress {",
      "  2001:db8:1::10/64",
      "  2001:db8:1::20/64 preferred_lft forever home",
      "  2001:db8:1::30/64 -nodad no_track",
      "}",
    ];
    const both =
      instance("a", 200, v4, 3) + instance("a", 200, v6, 3).replace("VI_1", "VI_6").replace("virtual_router_id 51", "virtual_router_id 52");
    const vipsOn = (): Record<string, unknown>[] =>
      (JSON.parse(lab.exec("a", "ip", ["-j", "addr", "show", "dev", "eth0"])) as { addr_info: Record<string, unknown>[] }[])[0]!.addr_info
        .filter((x) => /^(198\.51\.100\.|2001:db8:1::)/.test(String(x.local)))
        .map((x): Record<string, unknown> => {
          const { valid_life_time, preferred_life_time, ...rest } = x;
          // lifetimes as keepalived sets them: forever (0xffffffff) or 0; anything else is a countdown
          const life = (n: unknown) => (n === 4294967295 ? "forever" : n === 0 ? 0 : "counting");
          return { ...rest, valid: life(valid_life_time), preferred: life(preferred_life_time) };
        })
        .sort((p, q) => String(p.local).localeCompare(String(q.local)));
    const seen: Record<string, Record<string, unknown>[]> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
      const d = startDaemon(lab, "a", kind, both, kind);
      running.push(d);
      await waitFor(`${kind} master with every address`, () => vipsOn().length === 6, 10_000);
      seen[kind] = vipsOn();
      lab.killAll("a", "SIGTERM");
      await new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.on("exit", () => r())));
      await waitFor(`${kind}'s addresses removed`, () => vipsOn().length === 0, 5000);
    }
    if (JSON.stringify(seen.tsvrrpd) !== JSON.stringify(seen.keepalived)) console.log(JSON.stringify(seen, null, 1));
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  });

  // keepalived vrrp_sync.c vrrp_sync_can_goto_master: a group member whose down timer expires
  // goes MASTER only when every member wants MASTER. Router a runs VI_1 only; on b, VI_1 and
  // VI_2 are one group: VI_2 hears nobody but must wait for VI_1, which hears a.
  for (const [aKind, bKind] of ROLES) {
    it(`sync group: a member goes MASTER only with the whole group (${aKind} runs VI_1 alone, ${bKind} the group)`, async () => {
      const { lab, running } = newLab();
      const VIP2 = "198.51.100.20";
      const vi = (name: string, vrid: number, p: number, vip: string) =>
        `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
      const global = "global_defs {\n  vrrp_garp_master_delay 0\n}\n";
      running.push(startDaemon(lab, "a", aKind, global + vi("VI_1", 61, 200, VIP4)));
      await waitFor(`${aKind} on a master of VI_1`, () => lab.holders(VIP4).join() === "a", 10_000);
      const b = startDaemon(
        lab,
        "b",
        bKind,
        global + vi("VI_1", 61, 100, VIP4) + vi("VI_2", 62, 100, VIP2) + "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n",
      );
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);
      // Several of VI_2's down intervals: it must not go MASTER while VI_1 hears a.
      await holdsFor(1500, () => {
        expect(lab.holders(VIP2), "VI_2 of b's group stays BACKUP").toEqual([]);
        expect(lab.holders(VIP4)).toEqual(["a"]);
      });
      crash(lab, "a");
      // (a's VIP stays on a's interface: it was killed, not stopped)
      await waitFor("b master of the whole group", () => lab.holders(VIP4).includes("b") && lab.holders(VIP2).join() === "b", 5000);
    });
  }

  // Equal priorities (RFC 5798 6.4.3, keepalived vrrp.c): where two masters meet, the higher
  // primary address stays. Both run, then b's port leaves the bridge (two masters) and comes back.
  for (const family of [4, 6] as const) {
    for (const [aKind, bKind] of ROLES) {
      it(`IPv${family} equal priority: after a partition heals, the higher address is the one master (${aKind} on a, ${bKind} on b)`, async () => {
        const { lab, running } = newLab();
        const vip = family === 4 ? VIP4 : "2001:db8:1::10";
        const conf = (r: "a" | "b") => instance(r, 100, ["virtual_ipaddress {", `  ${vip}`, "}"], 3);
        running.push(startDaemon(lab, "a", aKind, conf("a")));
        await waitFor("one master", () => lab.holders(vip).length === 1, 10_000);
        running.push(startDaemon(lab, "b", bKind, conf("b")));
        await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(running[1]!.output()), 10_000);
        const source = (r: "a" | "b"): string => {
          if (family === 4) return ROUTER_ADDR[r];
          const j = JSON.parse(lab.exec(r, "ip", ["-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"])) as {
            addr_info: { local?: string }[];
          }[];
          return j[0]!.addr_info.find((x) => x.local)!.local!; // iproute2 leaves {} for filtered addresses
        };
        const bytes = (a: string) => Buffer.from(addressBytes(a));
        const winner = Buffer.compare(bytes(source("a")), bytes(source("b"))) > 0 ? "a" : "b";
        lab.exec(null, "ip", ["link", "set", "dev", lab.port("b"), "nomaster"]);
        await waitFor("two masters while split", () => lab.holders(vip).length === 2, 5000);
        lab.exec(null, "ip", ["link", "set", "dev", lab.port("b"), "master", "br0"]);
        await waitFor(`${winner} (the higher address) the one master`, () => lab.holders(vip).join() === winner, 5000);
        await holdsFor(1000, () => expect(lab.holders(vip)).toEqual([winner]));
      });
    }
  }

  // `weight N reverse` (keepalived vrrp_track.c, weight_multiplier -1): a healthy check with
  // weight 150 reverse takes 150 off a's 200, so b's 100 wins. Read as a plain weight, a would
  // advertise 254 and keep the VIP.
  for (const [aKind, bKind] of ROLES) {
    it(`track_script weight ... reverse: ${aKind} on a at 200 - 150 loses to ${bKind} on b at 100`, async () => {
      const { lab, running } = newLab();
      chmodSync(lab.dir, 0o755);
      const ok = join(lab.dir, "ok.sh");
      writeFileSync(ok, "#!/bin/sh\nexit 0\n");
      chmodSync(ok, 0o755);
      const script = `vrrp_script chk {\n  script "${ok}"\n  interval 0.2\n  weight 150 reverse\n}\n`;
      const a = startDaemon(lab, "a", aKind, script + instance("a", 200, [...vips, "track_script {", "  chk", "}"], 3));
      running.push(a);
      running.push(startDaemon(lab, "b", bKind, instance("b", 100, vips, 3)));
      await waitFor("b master, a not", () => lab.holders(VIP4).join() === "b", 10_000);
      await holdsFor(1500, () => expect(lab.holders(VIP4)).toEqual(["b"]));
      expect(a.child.exitCode).toBeNull(); // a is running, just lower
    });
  }
});
