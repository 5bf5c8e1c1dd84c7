// Strict mode against keepalived 2.2.7 (Debian's build, nftables): the same configuration checks
// from `-t`, and the same nftables tables (`nft list ruleset`) with the same effect on a client's
// traffic to a VIP, removed on stop. (Accept mode: strict-mode-accept; mixed pairs: strict-mode-pair*.)
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { BIN, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";
import { EVIP, LL6, VIP, VIP6, addClient, answers, forBothKinds, ruleset, soloConf, stopAndWait } from "./strict.js";

const newLab = twoRouterLabs("strict");

describe("strict mode: nftables rules as keepalived's", () => {
  it("the same tables from the same file, the same effect on a client, and none left after stop", async () => {
    const seen: Partial<Record<Kind, string>> = {};
    await forBothKinds(async (kind) => {
      const { lab, running } = newLab();
      addClient(lab);
      expect(await answers(lab, "192.0.2.11"), "the client reaches router a itself").toEqual({ ping: true, tcp: true });
      running.push(startDaemon(lab, "a", kind, soloConf([], [])));
      await waitFor(
        `${kind}: a to hold every VIP`,
        () => [VIP, EVIP, VIP6, LL6].every((v) => lab.addresses("a").some((x) => x.startsWith(`${v}/`))),
        10_000,
      );
      await waitFor(`${kind}: the IPv6 table`, () => ruleset(lab, "a").includes(VIP6), 5000);
      seen[kind] = ruleset(lab, "a");
      // no_accept (strict mode's default for a non-owner): the master holds the VIPs but takes no traffic for them.
      const [vip, evip, own] = await Promise.all([answers(lab, VIP), answers(lab, EVIP), answers(lab, "192.0.2.11")]);
      expect(vip, `${kind}: client to the VIP of a no_accept master`).toEqual({ ping: false, tcp: false });
      expect(evip, `${kind}: client to an excluded VIP`).toEqual({ ping: false, tcp: false });
      expect(own, `${kind}: the router's own address still answers`).toEqual({ ping: true, tcp: true });
      await stopAndWait(lab, "a");
      expect(lab.exec("a", "nft", ["list", "ruleset"]).trim(), `${kind} removed its tables on stop`).toBe("");
    });
    expect(seen.tsvrrpd).toBe(seen.keepalived);
    expect(seen.tsvrrpd).toContain("table ip keepalived");
    expect(seen.tsvrrpd).toContain("ip6 daddr . iif @vips_link_local drop");
  });
});

describe("strict mode: configuration checks as keepalived -t", () => {
  it("every message keepalived 2.2.7 gives, tsvrrpd gives at the same line", () => {
    const { lab } = newLab();
    const file = join(lab.dir, "checks.conf");
    writeFileSync(
      file,
      [
        "global_defs {",
        "  vrrp_strict",
        "  vrrp_iptables",
        "  nftables_counters",
        "  nftables x",
        "}",
        "vrrp_instance A {",
        "  state MASTER",
        "  interface eth0",
        "  virtual_router_id 42",
        "  priority 100",
        "  authentication {",
        "    auth_type PASS",
        "    auth_pass secret",
        "  }",
        "  preempt_delay 5",
        "  accept",
        "  higher_prio_send_advert",
        "  lower_prio_no_advert false",
        "  garp_lower_prio_repeat 3",
        "  down_timer_adverts 5",
        "  virtual_ipaddress {",
        `    ${VIP}`,
        "  }",
        "}",
        "vrrp_instance B {",
        "  interface eth0",
        "  virtual_router_id 44",
        "  virtual_ipaddress {",
        `    ${VIP6}`,
        "  }",
        "}",
        // Debian's 2.2.7 never refuses unicast peers in strict mode (its check runs before the interface is known)
        "vrrp_instance C {",
        "  interface eth0",
        "  virtual_router_id 45",
        "  version 3",
        "  unicast_peer {",
        "    192.0.2.12",
        "  }",
        "  virtual_ipaddress {",
        "    198.51.100.45",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const k = spawnSync("ip", ["netns", "exec", lab.ns("a"), "keepalived", "-t", "-f", file], { encoding: "utf8" });
    const t = spawnSync("ip", ["netns", "exec", lab.ns("a"), BIN, "-t", "-f", file], { encoding: "utf8" });
    const kLines = `${k.stdout}${k.stderr}`.split("\n").filter(Boolean);
    const tLines = `${t.stdout}${t.stderr}`.split("\n").filter(Boolean);
    expect(kLines.length, `keepalived -t said: ${kLines.join("\n")}`).toBeGreaterThanOrEqual(10);
    expect(t.status, tLines.join("\n")).toBe(0);
    expect(`${k.stdout}${k.stderr}${t.stdout}${t.stderr}`).not.toMatch(/\(C\)/);
    expect(`${t.stdout}${t.stderr}`).toContain("3 instance(s)");
    for (const kl of kLines) {
      const m = /^\(Line (\d+)\) (.*)$/.exec(kl);
      const text = m ? m[2]! : kl;
      const hit = tLines.find((tl) => tl.includes(text) && (!m || tl.includes(`:${m[1]}: warning:`)));
      expect(hit, `keepalived: ${kl}\ntsvrrpd:\n${tLines.join("\n")}`).toBeDefined();
    }
  });
});
