// Our OPENSHIFT_HA_* mode against what today's image generates (fixtures produced by the image's
// own generator, see test/fixtures/openshift/README.md), plus the validation of bad values.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { EnvError, expandVips, parseEnvFile, planFromEnv, scrub, type HostFacts } from "../../src/config/openshift-env.js";

const commands = (n: object) => Object.fromEntries(Object.entries(n).map(([k, v]) => [k, (v as { command: string }).command]));
const DIR = new URL("../fixtures/openshift/", import.meta.url);
const host = (ip: string | undefined, ifaces = ["eth0"]): HostFacts => ({
  interfaceExists: (n) => ifaces.includes(n),
  ipv4Of: () => ip,
  defaultRouteInterface: () => (ifaces.includes("eth0") ? "eth0" : undefined),
});

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".keepalived.conf"))
  .map((f) => {
    const [name, ...rest] = f.replace(".keepalived.conf", "").split(".");
    return { file: f, name: name!, ip: rest.join(".") };
  });

describe("env mode builds the instances today's image builds", () => {
  it("has fixtures for every case", () => expect(cases.length).toBeGreaterThanOrEqual(24));
  for (const c of cases) {
    it(`${c.name} on node ${c.ip}`, () => {
      const env = parseEnvFile(readFileSync(new URL(`${c.name}.env`, DIR), "utf8"));
      const theirsText = readFileSync(new URL(c.file, DIR), "utf8");
      const theirs = parseKeepalivedConf(theirsText, c.file).config;
      const ours = planFromEnv(env, host(c.ip));
      const slot = Number(c.ip.split(".")[3]) % 128;
      expect(ours.config.instances.map((i) => i.name)).toEqual(theirs.instances.map((i) => i.name));
      theirs.instances.forEach((t, k) => {
        const o = ours.config.instances[k]!;
        expect({
          vrid: o.vrid,
          vips: o.vips.map((v) => v.address.toLowerCase()),
          state: o.initialState,
          nopreempt: o.nopreempt,
          preemptDelayMs: o.preemptDelayMs,
          auth: o.authPass,
          version: o.version,
          peers: o.unicastPeers,
          notify: commands(o.notify),
          track: o.trackScripts.map((x) => x.name),
          iface: o.interface,
        }).toEqual({
          vrid: t.vrid,
          vips: t.vips.map((v) => v.address.toLowerCase()),
          state: t.initialState,
          nopreempt: t.nopreempt,
          preemptDelayMs: t.preemptDelayMs,
          auth: t.authPass,
          version: t.version,
          peers: t.unicastPeers,
          notify: commands(t.notify),
          track: t.trackScripts.map((x) => x.name),
          iface: t.interface,
        });
        const randomPart =
          t.priority >= slot % 64 && t.priority <= (slot % 64) + 31 && t.priority !== 255 - slot && t.priority !== slot + 1;
        if (randomPart) {
          expect(o.priority).toBeGreaterThanOrEqual(slot % 64);
          expect(o.priority).toBeLessThanOrEqual((slot % 64) + 31);
        } else expect(o.priority).toBe(t.priority);
      });
      expect(ours.config.scripts.map((s) => [s.name, s.intervalMs])).toEqual(theirs.scripts.map((s) => [s.name, s.intervalMs]));
      // The text itself matches line for line, but for the random part of backup priorities.
      const norm = (t: string) =>
        t
          .split("\n")
          .map((l) => (/^\s+priority \d+$/.test(l) ? "priority" : l.trimEnd()))
          .filter((l) => l.trim() !== "");
      expect(norm(ours.conf)).toEqual(norm(theirsText));
    });
  }
});

describe("the default check runs natively against the node address", () => {
  it("TCP connect to the node's IPv4 and MONITOR_PORT; port 0 always passes; a CHECK_SCRIPT replaces it", () => {
    const base = { OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.1" };
    expect(planFromEnv({ ...base, OPENSHIFT_HA_MONITOR_PORT: "8443" }, host("192.0.2.7")).config.scripts[0]!.tcp).toEqual({
      host: "192.0.2.7",
      port: 8443,
    });
    expect(planFromEnv({ ...base, OPENSHIFT_HA_MONITOR_PORT: "0" }, host("192.0.2.7")).config.scripts[0]!.tcp).toEqual({
      host: "192.0.2.7",
      port: 0,
    });
    const withScript = planFromEnv({ ...base, OPENSHIFT_HA_CHECK_SCRIPT: "/etc/keepalive/check.sh" }, host("192.0.2.7")).config.scripts[0]!;
    expect(withScript.tcp).toBeUndefined();
    expect(withScript.script).toBe("/etc/keepalive/check.sh");
  });
});

describe("bad values stop start-up naming the variable and the value", () => {
  const ok = { OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.1" };
  const msg = (env: Record<string, string>, h = host("192.0.2.7")) => {
    try {
      planFromEnv(env, h);
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      return (e as Error).message;
    }
    return "no error";
  };
  it.each([
    [{}, /^OPENSHIFT_HA_VIRTUAL_IPS=\(unset\): required/],
    [{ OPENSHIFT_HA_VIRTUAL_IPS: " , " }, /^OPENSHIFT_HA_VIRTUAL_IPS=" , ": no address in the list/],
    [
      { OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.9-3" },
      /^OPENSHIFT_HA_VIRTUAL_IPS="203.0.113.9-3": entry "203.0.113.9-3": range end must be a last octet 9..255/,
    ],
    [{ OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.300" }, /not an IPv4 or IPv6 address/],
    [{ ...ok, OPENSHIFT_HA_VRRP_ID_OFFSET: "255" }, /^OPENSHIFT_HA_VRRP_ID_OFFSET="255": expected a whole number 0..254/],
    [
      { OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.1-10", OPENSHIFT_HA_VRRP_ID_OFFSET: "250" },
      /^OPENSHIFT_HA_VRRP_ID_OFFSET="250": group 6 would get VRID 256/,
    ],
    [{ OPENSHIFT_HA_VIRTUAL_IPS: "198.51.100.0-255,203.0.113.0-255" }, /512 VRRP instances needed, at most 255/],
    [{ ...ok, OPENSHIFT_HA_MONITOR_PORT: "http" }, /^OPENSHIFT_HA_MONITOR_PORT="http": expected a TCP port/],
    [{ ...ok, OPENSHIFT_HA_NETWORK_INTERFACE: "eth7" }, /^OPENSHIFT_HA_NETWORK_INTERFACE="eth7": no such interface/],
    [
      { ...ok, OPENSHIFT_HA_PREEMPTION: "preempt_delay 300\n}\nvrrp_instance X {" },
      /^OPENSHIFT_HA_PREEMPTION=.*expected "nopreempt" or "preempt_delay N"/,
    ],
    [{ ...ok, OPENSHIFT_HA_CONFIG_NAME: 'x" }' }, /^OPENSHIFT_HA_CONFIG_NAME=.*must not contain quotes/],
    [{ ...ok, OPENSHIFT_HA_NOTIFY_SCRIPT: '/bin/x"\n}' }, /^OPENSHIFT_HA_NOTIFY_SCRIPT=/],
    [{ ...ok, OPENSHIFT_HA_UNICAST_PEERS: "192.0.2.1,peer-b" }, /"peer-b" is not an IP address/],
  ])("%j", (env, re) => {
    expect(msg(env as Record<string, string>)).toMatch(re);
  });
  it("no usable interface at all", () => {
    expect(msg(ok, host("192.0.2.7", []))).toMatch(/^OPENSHIFT_HA_NETWORK_INTERFACE=\(unset\): unset, and none of enp0s3/);
  });
  it("fuzz: any environment either plans or fails with an EnvError, never injects configuration", () => {
    let planned = 0;
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom("203.0.113.1-5", "2001:db8::1-f", "nopreempt", "0", "300", '"', "}", "\n", "eth0"),
    );
    fc.assert(
      fc.property(
        fc
          .record({
            OPENSHIFT_HA_VIRTUAL_IPS: fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom("203.0.113.1-5", "2001:db8::1-f", "203.0.113.7,2001:db8::9") },
              { weight: 1, arbitrary: value },
            ),
            rest: fc.dictionary(
              fc.constantFrom(
                "OPENSHIFT_HA_CONFIG_NAME",
                "OPENSHIFT_HA_VIP_GROUPS",
                "OPENSHIFT_HA_PREEMPTION",
                "OPENSHIFT_HA_NOTIFY_SCRIPT",
                "OPENSHIFT_HA_CHECK_SCRIPT",
                "OPENSHIFT_HA_MONITOR_PORT",
                "OPENSHIFT_HA_UNICAST_PEERS",
                "HA_EXCLUDED_VRRP_IDS",
              ),
              value,
              { maxKeys: 3 },
            ),
          })
          .map(({ OPENSHIFT_HA_VIRTUAL_IPS, rest }) => ({ OPENSHIFT_HA_VIRTUAL_IPS, ...rest })),
        (env) => {
          try {
            const p = planFromEnv(env, host("192.0.2.7"));
            // one instance per group, nothing else: no value smuggled a block in
            expect(p.config.instances.length).toBeGreaterThan(0);
            expect(p.config.instances.every((i) => /^[A-Za-z0-9_]+_VIP_\d+$/.test(i.name))).toBe(true);
            expect(p.config.scripts).toHaveLength(1);
            planned++;
          } catch (e) {
            expect(e).toBeInstanceOf(EnvError);
          }
        },
      ),
      { numRuns: 2000 },
    );
    expect(planned).toBeGreaterThan(50); // the property saw real plans, not only rejections
  });
});

describe("known defects of today's image: tsvrrpd follows the documented intent", () => {
  it("space-separated VIP lists keep every entry (the image deletes blanks and loses them) and warn", () => {
    const p = planFromEnv({ OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.1 203.0.113.2,203.0.113.3" }, host("192.0.2.7"));
    expect(p.settings.vips).toEqual(["203.0.113.1", "203.0.113.2", "203.0.113.3"]);
    expect(p.settings.warnings.join()).toContain("separates entries with blanks");
  });
  it("a VIP with a prefix keeps it (the image mangles 1.2.3.4/24 into 1.2.3.424)", () => {
    const p = planFromEnv({ OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.4/24" }, host("192.0.2.7"));
    expect(p.config.instances[0]!.vips[0]).toMatchObject({ address: "203.0.113.4", prefix: 24 });
  });
  it("lower-case IPv6 ranges expand (the image's bc needs upper case)", () => {
    expect(expandVips("2001:db8::1f39-1f3b")).toEqual(["2001:db8::1F39", "2001:db8::1F3A", "2001:db8::1F3B"]);
  });
  it("nopreempt is honoured: no instance starts as MASTER (openshift/images#197)", () => {
    const p = planFromEnv({ OPENSHIFT_HA_VIRTUAL_IPS: "203.0.113.1-3", OPENSHIFT_HA_PREEMPTION: "nopreempt" }, host("192.0.2.7"));
    expect(p.config.instances.every((i) => i.initialState === "BACKUP" && i.nopreempt)).toBe(true);
  });
  it("scrub keeps letters, digits, - and _ and turns - into _", () => {
    expect(scrub("config!@#$%^&*()-+=1_{}|[]\\:;'<>?,./ipfailover")).toBe("config_1_ipfailover");
  });
});

describe("hostile OPENSHIFT_HA_* values", () => {
  const base = { OPENSHIFT_HA_VIRTUAL_IPS: "192.0.2.100", OPENSHIFT_HA_NETWORK_INTERFACE: "eth0" };
  const refuse = (env: Record<string, string>, variable: string, text: string) => {
    let err: unknown;
    try {
      planFromEnv({ ...base, ...env }, host("192.0.2.11"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    expect((err as EnvError).variable).toBe(variable);
    expect((err as EnvError).message).toContain(text);
  };
  it("an IPv6 zone ID is refused in VIPs and in unicast peers (it used to carry text into the configuration)", () => {
    refuse(
      { OPENSHIFT_HA_VIRTUAL_IPS: 'fe80::1%}\nvrrp_script x { script "/bin/sh" }' },
      "OPENSHIFT_HA_VIRTUAL_IPS",
      "not an IPv4 or IPv6 address",
    );
    refuse({ OPENSHIFT_HA_VIRTUAL_IPS: "fe80::1%eth0" }, "OPENSHIFT_HA_VIRTUAL_IPS", "not an IPv4 or IPv6 address");
    refuse(
      { OPENSHIFT_HA_USE_UNICAST: "true", OPENSHIFT_HA_UNICAST_PEERS: "192.0.2.12,fe80::2%eth0" },
      "OPENSHIFT_HA_UNICAST_PEERS",
      "not an IP address",
    );
  });
  it("the address count is capped before anything is expanded", () => {
    const t0 = performance.now();
    refuse({ OPENSHIFT_HA_VIRTUAL_IPS: "2001:db8::0-ffff" }, "OPENSHIFT_HA_VIRTUAL_IPS", "at most 4096");
    refuse(
      { OPENSHIFT_HA_VIRTUAL_IPS: Array.from({ length: 17 }, (_, i) => `10.0.${i}.0-255`).join(",") },
      "OPENSHIFT_HA_VIRTUAL_IPS",
      "at most 4096",
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(expandVips("2001:db8::0-fff")).toHaveLength(4096);
  });
});
