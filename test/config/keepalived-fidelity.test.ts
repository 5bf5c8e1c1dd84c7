// keepalived.conf forms read as keepalived reads them (issue: a mixed pair disagreed on each).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const inst = (body: string, version = 2) =>
  `vrrp_instance VI {\n interface eth0\n virtual_router_id 7\n version ${version}\n virtual_ipaddress {\n  192.0.2.100\n }\n${body}\n}\n`;
const parse = (text: string) => {
  const r = parseKeepalivedConf(text, "k.conf");
  return { inst: r.config.instances[0], codes: r.diagnostics.map((d) => `${d.severity}:${d.code}@${d.where.line}`) };
};

describe("authentication as keepalived decides it (vrrp.c vrrp_complete_instance)", () => {
  it("auth_pass without auth_type means no authentication, with a warning on the auth_pass line", () => {
    const r = parse(inst(" authentication {\n  auth_pass s3cret\n }"));
    expect(r.inst?.authPass).toBeUndefined();
    expect(r.codes).toContain("warning:AUTH_NO_TYPE@9");
  });
  it("auth_type PASS without a password means no authentication", () => {
    const r = parse(inst(" authentication {\n  auth_type PASS\n }"));
    expect(r.inst?.authPass).toBeUndefined();
    expect(r.codes).toContain("warning:AUTH_NO_PASSWORD@9");
  });
  it("auth_pass takes its first word only; a quoted one keeps the blank", () => {
    const two = parse(inst(" authentication {\n  auth_type PASS\n  auth_pass abc def\n }"));
    expect(two.inst?.authPass).toBe("abc");
    expect(two.codes).toContain("warning:AUTH_PASS_WORDS@10");
    expect(parse(inst(' authentication {\n  auth_type PASS\n  auth_pass "abc def"\n }')).inst?.authPass).toBe("abc def");
  });
  it("VRRPv3 ignores authentication with a warning", () => {
    const r = parse(inst(" authentication {\n  auth_type PASS\n  auth_pass x\n }", 3));
    expect(r.inst?.authPass).toBeUndefined();
    expect(r.codes).toContain("warning:V3_AUTH@9");
  });
});

describe("unicast addresses (vrrp_parser.c vrrp_srcip_handler)", () => {
  it("accepts ADDR/PREFIX for unicast_src_ip, mcast_src_ip and peers, and drops the prefix", () => {
    const r = parse(inst(" unicast_src_ip 192.0.2.11/24\n unicast_peer {\n  192.0.2.12/24\n }", 3));
    expect(r.inst).toMatchObject({ unicastSrcIp: "192.0.2.11", unicastPeers: ["192.0.2.12"] });
    expect(parse(inst(" mcast_src_ip 192.0.2.11/24", 3)).inst?.mcastSrcIp).toBe("192.0.2.11");
  });
  it("still refuses what is not an address, naming it", () => {
    for (const bad of ["192.0.2.11/", "192.0.2.11/24/1", "eth0", "192.0.2.300"]) {
      const r = parseKeepalivedConf(inst(` unicast_src_ip ${bad}`, 3), "k.conf");
      expect(r.config.instances).toHaveLength(0);
      expect(r.diagnostics.find((d) => d.code === "BAD_ADDRESS")?.message).toContain(bad);
    }
  });
});

describe("old_unicast_checksum (vrrp_parser.c vrrp_unicast_chksum_handler)", () => {
  it("is its own setting, not v3_checksum_as_v2: bare = old form, never = never switch, default = auto", () => {
    expect(parse(inst(" old_unicast_checksum", 3)).inst).toMatchObject({ unicastChecksum: "old", v3ChecksumAsV2: false });
    expect(parse(inst(" old_unicast_checksum never", 3)).inst).toMatchObject({ unicastChecksum: "never" });
    expect(parse(inst("", 3)).inst).toMatchObject({ unicastChecksum: "auto" });
    expect(parse(inst(" v3_checksum_as_v2", 3)).inst).toMatchObject({ unicastChecksum: "auto", v3ChecksumAsV2: true });
    expect(parse(inst(" old_unicast_checksum sometimes", 3)).codes).toContain("warning:BAD_VALUE@8");
  });
});

describe("unicast source checks and dont_track_primary", () => {
  it("check_unicast_src is off unless set per instance or by vrrp_check_unicast_src; peers carry min_ttl/max_ttl", () => {
    const peers = " unicast_peer {\n  192.0.2.12 min_ttl 250 max_ttl 255\n  192.0.2.13\n }";
    expect(parse(inst(peers, 3)).inst).toMatchObject({
      checkUnicastSrc: false,
      unicastPeers: ["192.0.2.12", "192.0.2.13"],
      unicastPeerTtl: [
        { min: 250, max: 255 },
        { min: 0, max: 255 },
      ],
    });
    expect(parse(inst(`${peers}\n check_unicast_src`, 3)).inst?.checkUnicastSrc).toBe(true);
    expect(parse(`global_defs {\n vrrp_check_unicast_src\n}\n${inst(peers, 3)}`).inst?.checkUnicastSrc).toBe(true);
    const bad = parseKeepalivedConf(inst(" unicast_peer {\n  192.0.2.12 min_ttl lots\n }", 3), "k.conf");
    expect(bad.diagnostics.find((d) => d.code === "BAD_VALUE")?.message).toContain("min_ttl");
  });
  it("dont_track_primary is read, not dropped", () => {
    expect(parse(inst(" dont_track_primary", 3)).inst?.dontTrackPrimary).toBe(true);
    expect(parse(inst("", 3)).inst?.dontTrackPrimary).toBe(false);
  });
});

describe("weight ... reverse", () => {
  it("is read on vrrp_script and on track entries (reverse and noreverse)", () => {
    const text = `vrrp_script s {\n script /bin/true\n weight 10 reverse\n}\n${inst(" track_script {\n  s\n  t weight -5 noreverse\n }\n track_interface {\n  eth1 weight 7 reverse\n }", 3)}`;
    const r = parseKeepalivedConf(`vrrp_script t {\n script /bin/true\n}\n${text}`, "k.conf");
    expect(r.config.scripts.find((s) => s.name === "s")).toMatchObject({ weight: 10, weightReverse: true });
    const i = r.config.instances[0]!;
    expect(i.trackScripts.map((t) => [t.name, t.weight, t.reverse])).toEqual([
      ["s", undefined, undefined],
      ["t", -5, false],
    ]);
    expect(i.trackInterfaces[0]).toMatchObject({ name: "eth1", weight: 7, reverse: true });
    expect(r.diagnostics.filter((d) => d.severity !== "error" && /reverse/.test(d.message))).toEqual([]);
  });
});

describe("virtual address options (keepalived vrrp_ipaddress.c)", () => {
  it("reads brd, peer, flags, no_track and preferred_lft; warns about options keepalived 2.2.7 does not have", () => {
    const r = parseKeepalivedConf(
      inst(
        " virtual_ipaddress {\n  192.0.2.200/24 brd + noprefixroute no_track\n  192.0.2.201/25 brd 192.0.2.255 peer 192.0.2.9\n  192.0.2.202 metric 5\n }",
        3,
      ),
      "k.conf",
    );
    const vips = r.config.instances[0]!.vips;
    expect(vips.find((v) => v.address === "192.0.2.200")).toMatchObject({
      broadcast: "192.0.2.255",
      flags: { noprefixroute: true },
      noTrack: true,
    });
    expect(vips.find((v) => v.address === "192.0.2.201")).toMatchObject({ broadcast: "192.0.2.255", peer: "192.0.2.9" });
    expect(r.diagnostics.find((d) => d.code === "UNKNOWN_VIP_OPTION")?.message).toContain("'metric'");
    const v6 = parseKeepalivedConf(
      "vrrp_instance V6 {\n interface eth0\n virtual_router_id 8\n version 3\n virtual_ipaddress {\n  2001:db8::5/64 preferred_lft forever home -nodad\n }\n}\n",
      "k.conf",
    ).config.instances[0]!.vips[0];
    expect(v6).toMatchObject({ preferredLft: "forever", flags: { home: true, dad: true } });
    const minus = parseKeepalivedConf(inst(" virtual_ipaddress {\n  192.0.2.200/25 brd -\n }", 3), "k.conf").config.instances[0]!.vips.find(
      (v) => v.address === "192.0.2.200",
    )!;
    expect(minus.broadcast).toBe("192.0.2.128");
  });
});

describe("values start-up would reject are errors when the file is read (-t sees them)", () => {
  it("names bad listen addresses, interface names and VIP devices with file:line", () => {
    const r = parseKeepalivedConf(
      `global_defs {\n http_listen 0.0.0.0:99999\n}\nvrrp_instance VI {\n interface averyveryverylongname0\n virtual_router_id 7\n virtual_ipaddress {\n  192.0.2.9 dev eth/0\n }\n}\n`,
      "k.conf",
    );
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.where.line}: ${d.message}`)).toEqual([
      '2: http_listen: port 99999 in "0.0.0.0:99999" is not 1..65535',
      '5: interface name "averyveryverylongname0" must be 1..15 bytes',
      "8: virtual address 192.0.2.9: interface name \"eth/0\" must not contain '/', ':' or blanks",
    ]);
    for (const ok of ["127.0.0.1:9100", ":9100", "[2001:db8::1]:9100", "[::]:80"]) {
      expect(parseKeepalivedConf(`global_defs {\n http_listen ${ok}\n}\n`, "k.conf").diagnostics, ok).toEqual([]);
    }
  });
  it("--http is checked when the flags are read", async () => {
    const { parseArgs } = await import("../../src/cli-args.js");
    expect(() => parseArgs(["--http", "localhost"])).toThrow(/--http: "localhost" is not ADDR:PORT/);
    expect(parseArgs(["--http=127.0.0.1:9100"]).http).toBe("127.0.0.1:9100");
  });
});
