// interface_up_down_delays as keepalived 2.2.7 reads it (vrrp_parser.c alloc_if_up_down_delay) and
// limits it (vrrp.c vrrp_complete_instance / check_debounce_timers), and what the router is given.
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/config/errors.js";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { routerConfig } from "../../src/daemon/router-config.js";

const inst = (name: string, ifname: string, vrid: number, body = "") =>
  `vrrp_instance ${name} {\n  interface ${ifname}\n  virtual_router_id ${vrid}\n  priority 100\n${body}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

function parse(text: string) {
  const { config, diagnostics } = parseKeepalivedConf(text, "k.conf");
  return { config, lines: diagnostics.map(formatDiagnostic), errors: diagnostics.filter((d) => d.severity === "error") };
}

describe("interface_up_down_delays", () => {
  it("reads DOWN [UP] seconds per interface; keepalived's warnings for a bad line, which is skipped", () => {
    const { config, lines, errors } = parse(
      "interface_up_down_delays {\n  eth0 1.5 0.25\n  eth1 0.5\n  eth2\n  eth3 soon\n  eth4 1 later\n  eth5 1 1 1\n  eth6 300\n  eth7 0.0000001\n}\n" +
        inst("A", "eth0", 1) +
        inst("B", "eth1", 2),
    );
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      "k.conf:4: warning: No timeouts specified for eth2 up/down delays (as keepalived: ignored)",
      "k.conf:5: warning: Invalid down delay soon for eth3 (as keepalived: ignored)",
      "k.conf:6: warning: Invalid up delay later for eth4 (as keepalived: ignored)",
      "k.conf:7: warning: Too many parameters for eth5 up/down delays (as keepalived: the rest ignored)",
      "k.conf:8: warning: Invalid down delay 300 for eth6 (as keepalived: ignored)",
      "k.conf:9: warning: Invalid down delay 0.0000001 for eth7 (as keepalived: ignored)",
    ]);
    expect(config.linkDelays!.map(({ where: _w, ...d }) => d)).toEqual([
      { ifname: "eth0", downUs: 1_500_000, upUs: 250_000 },
      { ifname: "eth1", downUs: 500_000, upUs: 0 },
      { ifname: "eth5", downUs: 1_000_000, upUs: 1_000_000 },
    ]);
    expect(routerConfig(config).linkDelays).toEqual(
      new Map([
        ["eth0", { downMs: 1500, upMs: 250 }],
        ["eth1", { downMs: 500, upMs: 0 }],
        ["eth5", { downMs: 1000, upMs: 1000 }],
      ]),
    );
  });

  it("a delay not below (down_timer_adverts - 1) adverts is cut to that less advert_int / 256; down_timer_adverts 1 resets it to 0", () => {
    const { config, lines } = parse(
      "interface_up_down_delays {\n  eth0 5 1\n  eth1 1 1\n}\n" +
        inst("A", "eth0", 1, "  advert_int 1\n") +
        inst("B", "eth1", 2, "  down_timer_adverts 1\n"),
    );
    expect(lines).toEqual([
      "k.conf:5: warning: A: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting (as keepalived)",
      "k.conf:14: warning: B: cannot use debounce timers with down_timer_adverts = 1 - resetting (as keepalived)",
    ]);
    expect(config.linkDelays!.map(({ where: _w, ...d }) => d)).toEqual([
      { ifname: "eth0", downUs: 2_000_000 - 3906, upUs: 1_000_000 },
      { ifname: "eth1", downUs: 0, upUs: 0 },
    ]);
    expect(routerConfig(config).linkDelays).toEqual(new Map([["eth0", { downMs: 1996.094, upMs: 1000 }]]));
  });
});
