// global_defs startup_script / shutdown_script and their timeouts (keepalived 2.2.7
// core/global_parser.c startup_shutdown_script, startup_shutdown_script_timeout_handler):
// COMMAND [USER [GROUP]], default timeout 10 s, 1..1000; problems are warned about in keepalived's
// words and the keyword is skipped, never an error.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";

const INSTANCE = `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;

function parse(globals: string) {
  const { config, diagnostics } = parseKeepalivedConf(`global_defs {\n${globals}}\n${INSTANCE}`, "k.conf");
  return { global: config.global, diags: diagnostics.map((d) => `${d.severity} ${d.where.line} ${d.message}`) };
}

describe("startup_script / shutdown_script", () => {
  it("are read with their user and group, and a 10 s default timeout", () => {
    const { global, diags } = parse(`  startup_script "/etc/ka/up.sh one two" nobody nogroup\n  shutdown_script /etc/ka/down.sh\n`);
    expect(diags).toEqual([]);
    expect(global.startupScript).toEqual({
      command: "/etc/ka/up.sh one two",
      user: "nobody",
      group: "nogroup",
      timeoutSec: 10,
      where: { file: "k.conf", line: 2 },
    });
    expect(global.shutdownScript).toEqual({ command: "/etc/ka/down.sh", timeoutSec: 10, where: { file: "k.conf", line: 3 } });
  });

  it("take their timeout whether it comes before or after the script", () => {
    const { global, diags } = parse(
      `  startup_script_timeout 3\n  startup_script /up.sh\n  shutdown_script /down.sh\n  shutdown_script_timeout 1000\n`,
    );
    expect(diags).toEqual([]);
    expect(global.startupScript?.timeoutSec).toBe(3);
    expect(global.shutdownScript?.timeoutSec).toBe(1000);
  });

  it("a timeout without its script runs nothing", () => {
    const { global, diags } = parse(`  startup_script_timeout 5\n  shutdown_script_timeout 5\n`);
    expect(diags).toEqual([]);
    expect(global.startupScript).toBeUndefined();
    expect(global.shutdownScript).toBeUndefined();
  });

  it("warns in keepalived's words and carries on: bad timeout, missing value, missing script, second script", () => {
    const { global, diags } = parse(
      `  startup_script /up.sh\n  startup_script /other.sh\n  startup_script_timeout 0\n  shutdown_script_timeout 1001\n  shutdown_script_timeout\n  shutdown_script\n  shutdown_script /down.sh\n  shutdown_script_timeout x\n`,
    );
    expect(diags).toEqual([
      "warning 3 startup script already specified (as keepalived); this one is ignored",
      "warning 4 startup_script_timeout '0' must be in [1, 1000] - ignoring (as keepalived)",
      "warning 5 shutdown_script_timeout '1001' must be in [1, 1000] - ignoring (as keepalived)",
      "warning 6 shutdown_script_timeout requires value (as keepalived); ignored",
      "warning 7 shutdown script missing (as keepalived); ignored",
      "warning 9 shutdown_script_timeout 'x' must be in [1, 1000] - ignoring (as keepalived)",
    ]);
    expect(global.startupScript).toMatchObject({ command: "/up.sh", timeoutSec: 10 });
    expect(global.shutdownScript).toMatchObject({ command: "/down.sh", timeoutSec: 10 });
  });

  it("words after the group are warned about, as for notify scripts", () => {
    const { global, diags } = parse(`  startup_script /up.sh root root extra\n`);
    expect(diags).toEqual([
      `warning 2 'startup_script': "extra" after the user and group is ignored; quote the command to give it arguments`,
    ]);
    expect(global.startupScript).toMatchObject({ command: "/up.sh", user: "root", group: "root" });
  });
});
