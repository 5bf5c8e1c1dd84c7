// -t's checks against the host (src/config/host-checks.ts): keepalived's warnings for an instance
// on an interface that does not exist and for a file with no instance, and -t's exit codes.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configTest } from "../../src/cli.js";
import { USAGE } from "../../src/cli-args.js";
import { interfaceNames } from "../../src/config/host-checks.js";

const inst = (name: string, ifname: string, vrid = 1) =>
  `vrrp_instance ${name} {\n  interface ${ifname}\n  virtual_router_id ${vrid}\n  priority 100\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;

function t(text: string, exists: (n: string) => boolean): { code: number; lines: string[]; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "hc-"));
  const file = join(dir, "k.conf");
  try {
    writeFileSync(file, text);
    const lines: string[] = [];
    const code = configTest(file, (s) => lines.push(s), undefined, exists);
    return { code, lines: lines.map((l) => l.replace(dir, "D")), file };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("-t host checks", () => {
  it("one keepalived warning per instance on a missing interface, then keepalived's summary line; exit 0", () => {
    const r = t(inst("VI_1", "eth0") + inst("VI_2", "eth9", 2) + inst("VI_3", "eth8", 3), (n) => n === "eth0");
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      "D/k.conf:9: warning: WARNING - interface eth9 for vrrp_instance VI_2 doesn't exist; the instance waits for it to appear",
      "D/k.conf:17: warning: WARNING - interface eth8 for vrrp_instance VI_3 doesn't exist; the instance waits for it to appear",
      "Non-existent interface specified in configuration",
      "D/k.conf: configuration OK (3 instance(s))",
    ]);
  });

  it("a file with no instance says keepalived's words, and -t still exits 0 (3 when errors leave none)", () => {
    const empty = t("global_defs {\n  router_id x\n}\n", () => true);
    expect(empty.code).toBe(0);
    expect(empty.lines[0]).toMatch(/^D\/k\.conf:0: warning: Warning - keepalived has no configuration to run/);
    const broken = t(inst("VI_1", "eth0", 300), () => true);
    expect(broken.code).toBe(3);
    expect(broken.lines.some((l) => l.includes("no configuration to run"))).toBe(true);
  });

  it("errors with runnable instances exit 4 and the interface warning still shows", () => {
    const r = t(inst("VI_1", "eth9") + inst("VI_2", "eth0", 300), (n) => n === "eth0");
    expect(r.code).toBe(4);
    expect(r.lines.some((l) => l.includes("interface eth9 for vrrp_instance VI_1 doesn't exist"))).toBe(true);
  });

  it("--help documents -t's exit codes as these tests see them: 0 with warnings, 3 nothing runs, 4 errors with runnable instances", () => {
    const t = /^ {2}-t, --config-test.*\n((?: {20,}.*\n)*)/m.exec(USAGE);
    expect(t, "-t in --help").not.toBeNull();
    const text = t![0].replace(/\s+/g, " ");
    expect(text).toMatch(/\b0 fine \(warnings printed\b/);
    expect(text).toMatch(/\b3 cannot run \(unreadable, or errors leave no instance\)/);
    expect(text).toMatch(/\b4 errors but the other instances would run\b/);
    expect(text).not.toMatch(/\b[5-9] /); // keepalived's 5/6 for warnings are a difference (docs/compat.md)
  });

  // keepalived 2.2.7 -t (measured): "Disabling track script chk since not found/accessible" and
  // "Disabling track script chk due to insecure"; the daemon disables the same scripts at start.
  it("names the tracked and notify scripts the daemon would disable: missing, or unsafe under enable_script_security", () => {
    const dir = mkdtempSync(join(tmpdir(), "hc-scripts-"));
    try {
      const open = join(dir, "open");
      mkdirSync(open, { mode: 0o777 });
      chmodSync(open, 0o777); // not sticky: anyone can replace what is in it
      writeFileSync(join(open, "chk.sh"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      writeFileSync(join(dir, "ok.sh"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const conf = (check: string, notify: string) =>
        `global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script chk {\n  script "${check}"\n}\n` +
        inst("VI_1", "eth0").replace("priority 100", `priority 100\n  track_script {\n    chk\n  }\n  notify_master "${notify} master"`);
      const good = t(conf(join(dir, "ok.sh"), join(dir, "ok.sh")), () => true);
      expect(good.lines.filter((l) => l.includes("warning"))).toEqual([]);
      const missing = t(conf(join(dir, "gone.sh"), join(dir, "gone.sh")), () => true);
      expect(missing.code).toBe(0);
      expect(missing.lines).toContain(
        `D/k.conf:5: warning: Disabling track script chk since not found/accessible: script ${join(dir, "gone.sh")} not found`,
      );
      expect(
        missing.lines.some((l) =>
          /^D\/k\.conf:\d+: warning: notify_master script .*gone\.sh master: .*not found.*; it will never run$/.test(l),
        ),
      ).toBe(true);
      const unsafe = t(conf(join(open, "chk.sh"), join(dir, "ok.sh")), () => true);
      expect(unsafe.code).toBe(0);
      expect(
        unsafe.lines.some((l) =>
          /^D\/k\.conf:5: warning: Disabling track script chk due to insecure: .*open is writable by every user/.test(l),
        ),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads this namespace's interfaces", () => {
    expect(interfaceNames().has("lo")).toBe(true);
  });
});
