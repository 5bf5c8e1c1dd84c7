// keepalived's configuration templating (lib/parser.c): $NAME definitions and @id lines.
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { parseArgs } from "../../src/cli-args.js";

const conf = (body: string, configId?: string) => parseKeepalivedConf(body, "t.conf", configId !== undefined ? { configId } : {});

describe("$NAME definitions", () => {
  it("replaces $NAME and ${NAME} in later lines, and a definition can use an earlier one", () => {
    const r = conf(`$IF=eth1
$NET=198.51.100
$VIP=\${NET}.10/24
vrrp_instance VI {
  interface $IF
  virtual_router_id 7
  virtual_ipaddress {
    $VIP dev $IF
  }
}
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.config.instances[0]).toMatchObject({ interface: "eth1", vips: [{ address: "198.51.100.10", prefix: 24, dev: "eth1" }] });
  });
  it("expands a multiline definition into several lines", () => {
    const r = conf(`$VIPS=198.51.100.10 \\
  198.51.100.11
vrrp_instance VI {
  interface eth0
  virtual_router_id 7
  virtual_ipaddress {
    $VIPS
  }
}
`);
    expect(r.config.instances[0]!.vips.map((v) => v.address)).toEqual(["198.51.100.10", "198.51.100.11"]);
  });
  it("leaves an undefined $NAME alone and warns about ~SEQ", () => {
    const r = conf("$A=1\n~SEQ(i, 1, 3)\nvrrp_instance VI { virtual_ipaddress { 192.0.2.1 }\n interface $B\n virtual_router_id $A\n}\n");
    expect(r.config.instances[0]).toMatchObject({ interface: "$B", vrid: 1 });
    expect(r.diagnostics.map((d) => `${d.code}@${d.where.line}`)).toEqual(["UNSUPPORTED@2"]);
  });
});

describe("@id lines", () => {
  const text = `vrrp_instance VI {
  interface eth0
  virtual_router_id 7
@node1 priority 200
@node2 priority 100
@^node1 state BACKUP
}
`;
  it("reads @ID lines for the config id only, and @^ID lines for every other id", () => {
    expect(conf(text, "node1").config.instances[0]).toMatchObject({ priority: 200, initialState: "BACKUP" });
    expect(conf(text, "node2").config.instances[0]).toMatchObject({ priority: 100, initialState: "BACKUP" });
    expect(conf(text, "node3").config.instances[0]).toMatchObject({ priority: 100 });
  });
  it("-i / --config-id set the id", () => {
    expect(parseArgs(["-i", "node2"]).configId).toBe("node2");
    expect(parseArgs(["--config-id=node1"]).configId).toBe("node1");
  });
});
