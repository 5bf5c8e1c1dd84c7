// The tracked scripts' log lines at start, in keepalived's words (vrrp_scheduler.c
// vrrp_script_child_thread): keepalived 2.2.7 logs every script's first result, measured:
// "VRRP_Script(ok) succeeded" for one that starts OK, "VRRP_Script(f) failed (exited with status 1)"
// also under init_fail, where the state does not change.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { Tracking } from "../../src/daemon/tracking.js";

const CONF = `vrrp_script ok {
  script "/bin/true"
  interval 60
  rise 3
}
vrrp_script bad {
  script "/bin/false"
  interval 60
  weight -10
}
vrrp_script failing_from_start {
  script "/bin/false"
  interval 60
  init_fail
  weight -10
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
  track_script {
    ok
    bad
    failing_from_start
  }
  virtual_ipaddress {
    192.0.2.1
  }
}
`;

describe("tracked scripts at start", () => {
  it("log each script's first result in keepalived's words; only real changes reach the router", async () => {
    const { config, diagnostics } = parseKeepalivedConf(CONF);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const changes: string[] = [];
    const t = new Tracking(config, log, {
      handle: (e) => {
        if (e.type === "check") changes.push(`${e.name} ${e.state}`);
      },
    });
    try {
      await t.start();
    } finally {
      t.stop();
    }
    const words = lines.filter((l) => l.kl).map((l) => l.msg);
    expect(words.sort()).toEqual([
      "VRRP_Script(bad) failed (exited with status 1)",
      "VRRP_Script(failing_from_start) failed (exited with status 1)",
      "VRRP_Script(ok) succeeded",
    ]);
    expect(changes).toEqual(["bad FAILED"]);
  });
});
