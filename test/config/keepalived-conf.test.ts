import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadKeepalivedConf, parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { formatDiagnostic } from "../../src/config/errors.js";

const FULL = `
! Configuration File for keepalived
global_defs {
   router_id LVS_DEVEL   # trailing comment
   vrrp_garp_master_delay 2
   vrrp_garp_master_repeat 3
   script_user nobody nogroup
   enable_script_security
}

vrrp_script chk_haproxy {
    script "/usr/bin/killall -0 haproxy"
    interval 2
    timeout 1.5
    weight -20
    rise 2
    fall 3
}

vrrp_instance VI_1
{
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.0.2.100
        192.0.2.101/24 dev eth1 label eth1:vip scope global
        2001:db8::1
    }
    track_script {
        chk_haproxy
    }
    track_interface {
        eth1 weight -10
    }
    notify_master "/etc/keepalived/master.sh arg"
    notify /etc/keepalived/notify.sh
}

vrrp_instance VI_6 {
    version 3
    interface eth0
    virtual_router_id 52
    advert_int 0.05
    nopreempt
    unicast_src_ip 2001:db8::10
    unicast_peer {
        2001:db8::11
        2001:db8::12
    }
    virtual_ipaddress {
        2001:db8::100/64
    }
}

vrrp_sync_group G1 {
    group {
        VI_1
        VI_6
    }
    notify_backup /bin/true
    sync_group_tracking_weight
}
`;

describe("keepalived.conf parser", () => {
  it("reads a full configuration with keepalived's defaulting", () => {
    const { config, diagnostics } = parseKeepalivedConf(FULL, "k.conf");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(config.global).toMatchObject({
      routerId: "LVS_DEVEL",
      scriptUser: "nobody",
      scriptGroup: "nogroup",
      enableScriptSecurity: true,
    });
    expect(config.scripts).toEqual([
      expect.objectContaining({
        name: "chk_haproxy",
        script: "/usr/bin/killall -0 haproxy",
        intervalMs: 2000,
        timeoutMs: 1500,
        weight: -20,
        rise: 2,
        fall: 3,
      }),
    ]);
    const [v1, v6] = config.instances;
    expect(v1).toMatchObject({
      name: "VI_1",
      interface: "eth0",
      vrid: 51,
      priority: 150,
      // state MASTER, but its sync group G1 has a member that is not MASTER at priority 255: the
      // whole group starts in BACKUP (keepalived 2.2.7 vrrp.c vrrp_complete_init)
      initialState: "BACKUP",
      version: 2,
      family: 4,
      advertIntervalCs: 100,
      authPass: "1111",
      notify: {
        master: expect.objectContaining({ command: "/etc/keepalived/master.sh arg" }),
        generic: expect.objectContaining({ command: "/etc/keepalived/notify.sh" }),
      },
      garp: { masterDelayMs: 2000, masterRepeat: 3, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    });
    expect(v1!.vips.map((v) => [v.address, v.prefix, v.dev, v.label, v.scope])).toEqual([
      ["192.0.2.100", 32, undefined, undefined, undefined],
      ["192.0.2.101", 24, "eth1", "eth1:vip", "global"],
    ]);
    // the IPv6 VIP in an IPv4 instance is ignored (keepalived vrrp_data.c alloc_vrrp_vip), with a warning at its line
    expect(v1!.excludedVips).toEqual([]);
    expect(diagnostics.find((d) => d.code === "VIP_FAMILY")?.where).toEqual({ file: "k.conf", line: 34 });
    expect(v1!.trackScripts.map((t) => t.name)).toEqual(["chk_haproxy"]);
    expect(v1!.trackInterfaces).toEqual([expect.objectContaining({ name: "eth1", weight: -10 })]);
    expect(v6).toMatchObject({
      family: 6,
      version: 3,
      advertIntervalCs: 5,
      nopreempt: true,
      priority: 100,
      initialState: "BACKUP",
      unicastSrcIp: "2001:db8::10",
      unicastPeers: ["2001:db8::11", "2001:db8::12"],
    });
    expect(config.syncGroups).toEqual([
      expect.objectContaining({
        name: "G1",
        members: ["VI_1", "VI_6"],
        notify: { backup: expect.objectContaining({ command: "/bin/true" }) },
      }),
    ]);
  });

  it("warns about unknown keywords with file and line and keeps going", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      "vrrp_instance A { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 1\n frobnicate 3\n}\nbogus_section {\n}\n",
      "x.conf",
    );
    expect(config.instances).toHaveLength(1);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "x.conf:4: warning: unknown keyword 'frobnicate' in vrrp_instance A; ignored",
      "x.conf:6: warning: unknown keyword 'bogus_section' in the top level; ignored",
    ]);
  });

  it("reports invalid values as errors naming what was expected", () => {
    const cases: [string, string][] = [
      ["virtual_router_id 256", "x.conf:3: error: 'virtual_router_id' expects an integer 1..255, got \"256\""],
      ["virtual_router_id 1\n advert_int 0", "x.conf:4: error: 'advert_int' expects a number 0.01..255, got \"0\""],
      [
        "virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.300\n }",
        'x.conf:5: error: virtual address "192.0.2.300": expected IPv4 or IPv6 address with optional /prefix',
      ],
      ["virtual_router_id 1\n preempt_delay 2000", "x.conf:4: error: 'preempt_delay' expects a number 0..1000, got \"2000\""],
    ];
    for (const [body, msg] of cases) {
      const { config, diagnostics } = parseKeepalivedConf(`vrrp_instance A {\n interface eth0\n ${body}\n}\n`, "x.conf");
      expect(diagnostics.map(formatDiagnostic)).toContain(msg);
      expect(config.instances).toHaveLength(0);
    }
  });

  it("applies keepalived's rules: state MASTER clears nopreempt and preempt_delay; no priority means 255 or 100; v2 rounds the interval", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      `vrrp_instance A { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 1\n state MASTER\n nopreempt\n}\n` +
        `vrrp_instance B { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 2\n state MASTER\n priority 100\n preempt_delay 300\n advert_int 0.4\n}\n` +
        `vrrp_instance C { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 3\n}\n`,
    );
    const [a, b, c] = config.instances;
    expect(a).toMatchObject({ priority: 255, nopreempt: false });
    expect(b).toMatchObject({ priority: 100, preemptDelayMs: 0, advertIntervalCs: 100 });
    expect(c).toMatchObject({ priority: 100, initialState: "BACKUP" });
    expect(diagnostics.map((d) => d.code).sort()).toEqual(["NOPREEMPT_OWNER", "PREEMPT_DELAY_MASTER", "V2_INTERVAL"].sort());
  });

  it("rejects a VRID used twice on one interface and unbalanced braces", () => {
    const dup = parseKeepalivedConf(
      `vrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 9\n}\n`,
      "d.conf",
    );
    expect(dup.diagnostics.map(formatDiagnostic)).toContain("d.conf:5: error: B: VRID 9 on eth0 (IPv4) is already used by A");
    const open = parseKeepalivedConf(`vrrp_instance A {\n interface eth0\n`, "o.conf");
    expect(open.diagnostics.map((d) => d.code)).toContain("UNBALANCED_BRACE");
    const close = parseKeepalivedConf(`}\n`, "c.conf");
    expect(close.diagnostics.map(formatDiagnostic)).toContain("c.conf:1: warning: Extra '}' found; ignored (as keepalived)");
  });

  describe("include", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-conf-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it("follows includes with globs relative to the including file, reporting their own file and line", () => {
      writeFileSync(join(dir, "main.conf"), "global_defs {\n router_id r1\n}\ninclude conf.d/*.conf\ninclude missing.conf\n");
      const sub = join(dir, "conf.d");
      mkdirSync(sub);
      writeFileSync(join(sub, "a.conf"), "vrrp_instance A { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 1\n}\n");
      writeFileSync(
        join(sub, "b.conf"),
        "vrrp_instance B { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 2\n wat\n}\n",
      );
      const { config, diagnostics } = loadKeepalivedConf(join(dir, "main.conf"));
      expect(config.instances.map((i) => i.name)).toEqual(["A", "B"]);
      expect(config.files).toHaveLength(3);
      expect(diagnostics.map(formatDiagnostic)).toEqual([
        `${join(dir, "main.conf")}:5: warning: Config files missing 'missing.conf'. (as keepalived)`,
        `${join(sub, "b.conf")}:4: warning: unknown keyword 'wat' in vrrp_instance B; ignored`,
      ]);
    });
    // keepalived 2.2.7 lib/parser.c check_include / open_and_check_glob: the rest of the line is one
    // glob() pattern with GLOB_BRACE; includer/m/w/b/a turn the reports into errors.
    it("expands {a,b} (GLOB_BRACE) in include, in order", () => {
      const d = join(dir, "brace");
      mkdirSync(d);
      writeFileSync(join(d, "a.conf"), "vrrp_instance A { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 1\n}\n");
      writeFileSync(join(d, "b.conf"), "vrrp_instance B { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 2\n}\n");
      writeFileSync(join(d, "main.conf"), "include {b,a}.conf\n");
      const { config, diagnostics } = loadKeepalivedConf(join(d, "main.conf"));
      expect(config.instances.map((i) => i.name)).toEqual(["B", "A"]);
      expect(diagnostics).toEqual([]);
    });
    it("include warns, includem/includew/includeb make a missing file or an empty match an error", () => {
      const d = join(dir, "kinds");
      mkdirSync(d);
      writeFileSync(join(d, "a.conf"), "vrrp_instance A { virtual_ipaddress { 192.0.2.1 }\n interface eth0\n virtual_router_id 1\n}\n");
      const run = (line: string) => {
        writeFileSync(join(d, "main.conf"), `${line}\n`);
        return loadKeepalivedConf(join(d, "main.conf")).diagnostics.map((x) => `${x.severity}: ${x.message}`);
      };
      expect(run("include nope.conf")).toEqual(["warning: Config files missing 'nope.conf'. (as keepalived)"]);
      expect(run("includem nope.conf")).toEqual(["error: Config files missing 'nope.conf'. (as keepalived)"]);
      expect(run("includem *.none")).toEqual(["warning: No config files matched '*.none'. (as keepalived)"]);
      expect(run("includew *.none")).toEqual(["error: No config files matched '*.none'. (as keepalived)"]);
      expect(run("include {a,nope}.conf")).toEqual(['warning: Some config files missing: "{a,nope}.conf". (as keepalived)']);
      expect(run("includeb {a,nope}.conf")).toEqual(['error: Some config files missing: "{a,nope}.conf". (as keepalived)']);
      expect(run("includer a.conf")).toEqual([]);
    });
    it("names the file that cannot be read", () => {
      const { diagnostics } = loadKeepalivedConf(join(dir, "nope.conf"));
      expect(diagnostics[0]).toMatchObject({ severity: "error", code: "CONF_UNREADABLE" });
      expect(diagnostics[0]!.message).toContain("ENOENT");
    });
  });

  it("fuzz: arbitrary text never throws, and every diagnostic has a location", () => {
    const words = fc.constantFrom(
      "vrrp_instance",
      "A",
      "{",
      "}",
      "interface",
      "eth0",
      "virtual_router_id",
      "300",
      "1",
      "priority",
      "\n",
      '"',
      "#",
      "!",
      "virtual_ipaddress",
      "192.0.2.1/33",
      "include",
      "unicast_peer",
      "track_script",
      "weight",
      "-300",
      "vrrp_script",
      "script",
      "global_defs",
      "advert_int",
      "0.001",
      " ",
    );
    fc.assert(
      fc.property(fc.array(words, { maxLength: 80 }), fc.string({ maxLength: 40 }), (ws, junk) => {
        const text = ws.join(" ") + junk;
        const { diagnostics, config } = parseKeepalivedConf(text, "fuzz.conf");
        for (const d of diagnostics) {
          // `include *` in the junk reads files of the working directory: their own names count
          expect(config.files).toContain(d.where.file);
          expect(d.where.line).toBeGreaterThanOrEqual(1);
          expect(typeof d.code).toBe("string");
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("include globs", async () => {
  const { globComponentRegExp } = await import("../../src/config/conf-syntax.js");
  it("treats an unclosed [ as a literal and supports classes, * and ?", () => {
    expect(globComponentRegExp("a[").test("a[")).toBe(true);
    expect(globComponentRegExp("*.conf").test("x.conf")).toBe(true);
    expect(globComponentRegExp("*.conf").test("xconf")).toBe(false);
    expect(globComponentRegExp("r[12].conf").test("r2.conf")).toBe(true);
    expect(globComponentRegExp("r[!12].conf").test("r2.conf")).toBe(false);
    expect(globComponentRegExp("?.c").test("a.c")).toBe(true);
    expect(globComponentRegExp("a+b(c)").test("a+b(c)")).toBe(true);
  });
});

describe("comments as keepalived strips them", () => {
  it("! and # end the line even inside a word, not inside quotes; backslash escapes them", () => {
    const { config } = parseKeepalivedConf(
      `vrrp_script chk {\n script "/bin/check #1!"\n}\nvrrp_instance A {\n interface eth0 # the LAN\n virtual_router_id 1\n authentication {\n  auth_type PASS\n  auth_pass my-ha.conf!\n }\n notify /bin/n\\!x\n}\n`,
    );
    expect(config.scripts[0]!.script).toBe("/bin/check #1!");
    expect(config.instances[0]!.authPass).toBe("my-ha.conf");
    expect(config.instances[0]!.notify.generic?.command).toBe("/bin/n!x");
  });
});

describe("split-brain healing keywords", () => {
  const inst = (body: string) =>
    `vrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n${body}\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
  it("default: higher_prio_send_advert on (tsvrrpd), lower-priority GARP from the global garp_master repeat and delay (keepalived vrrp.c)", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      "global_defs {\n  vrrp_garp_master_repeat 3\n  vrrp_garp_master_delay 2\n}\n" + inst("  garp_master_repeat 7"),
    );
    expect(diagnostics).toEqual([]);
    expect(config.instances[0]).toMatchObject({ higherPrioSendAdvert: true, garpLowerPrio: { repeat: 3, delayMs: 2000 } });
  });
  it("the file's values win: global forms, then instance forms", () => {
    const global =
      "global_defs {\n  vrrp_higher_prio_send_advert false\n  vrrp_garp_lower_prio_repeat 2\n  vrrp_garp_lower_prio_delay 0\n}\n";
    const a = parseKeepalivedConf(global + inst(""));
    expect(a.diagnostics).toEqual([]);
    expect(a.config.instances[0]).toMatchObject({ higherPrioSendAdvert: false, garpLowerPrio: { repeat: 2, delayMs: 0 } });
    const b = parseKeepalivedConf(global + inst("  higher_prio_send_advert\n  garp_lower_prio_repeat 0\n  garp_lower_prio_delay 4"));
    expect(b.diagnostics).toEqual([]);
    expect(b.config.instances[0]).toMatchObject({ higherPrioSendAdvert: true, garpLowerPrio: { repeat: 0, delayMs: 4000 } });
    const bad = parseKeepalivedConf(inst("  higher_prio_send_advert maybe"));
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual([
      "<text>:4: error: 'higher_prio_send_advert' expects true or false, got \"maybe\"",
    ]);
  });
});
