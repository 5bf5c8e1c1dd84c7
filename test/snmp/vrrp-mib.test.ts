// The SNMP view without snmpd: OID order (GetNext walks it), keepalived's encodings, the traps.
import { describe, expect, it } from "vitest";
import { agentxTarget } from "../../src/snmp/agentx.js";
import {
  compareOids,
  instanceStateTrap,
  mibVarbinds,
  newMasterNotification,
  type SnmpInstance,
  type SnmpSnapshot,
} from "../../src/snmp/vrrp-mib.js";

const inst = (o: Partial<SnmpInstance> = {}): SnmpInstance => ({
  name: "VI_1",
  vrid: 51,
  version: 3,
  family: 4,
  state: "MASTER",
  initialState: "BACKUP",
  basePriority: 150,
  effectivePriority: 150,
  vipsSet: true,
  ifname: "eth0",
  ifindex: 3,
  mac: Uint8Array.of(2, 0, 0, 0, 0, 1),
  trackedInterfaces: 0,
  advertIntervalCs: 10,
  preempt: true,
  preemptDelayMs: 0,
  authPass: false,
  garpDelayMs: 5000,
  notify: {},
  accept: true,
  multicast: Uint8Array.of(224, 0, 0, 18),
  primaryAddress: Uint8Array.of(192, 0, 2, 11),
  addresses: [{ family: 4, bytes: Uint8Array.of(198, 51, 100, 51), prefix: 24, ifindex: 3, ifname: "eth0", advertised: true }],
  upTimeCs: 100,
  stats: {
    becameMaster: 1,
    masterReason: 3,
    advertsReceived: 0,
    intervalErrors: 0,
    ttlErrors: 0,
    priorityZeroReceived: 0,
    priorityZeroSent: 0,
    invalidType: 0,
    addressListErrors: 0,
    lengthErrors: 0,
    checksumErrors: 0,
    versionErrors: 0,
    vridErrors: 0,
  },
  ...o,
});
const snap = (instances: SnmpInstance[]): SnmpSnapshot => ({
  version: "v",
  routerId: "r",
  instances,
  groups: [],
  keepalivedMib: true,
  rfcv3Mib: true,
  traps: true,
});
const find = (s: SnmpSnapshot, oid: string) => mibVarbinds(s).find((v) => v.oid.join(".") === oid);

describe("the MIB view", () => {
  it("is sorted by OID, so GetNext walks it in order", () => {
    const vbs = mibVarbinds(snap([inst(), inst({ name: "VI_2", vrid: 52 })]));
    for (let i = 1; i < vbs.length; i++) expect(compareOids(vbs[i - 1]!.oid, vbs[i]!.oid)).toBeLessThan(0);
  });
  it("keepalived's encodings: v2 interval in seconds, v3 in centiseconds; unicast has no multicast address; VRRPv3-MIB rows for v3 only", () => {
    const v2 = snap([inst({ version: 2, advertIntervalCs: 100, authPass: true, multicast: undefined })]);
    expect(find(v2, "1.3.6.1.4.1.9586.100.5.2.3.1.12.1")?.value).toBe(1);
    expect(find(v2, "1.3.6.1.4.1.9586.100.5.2.3.1.15.1")?.value).toBe(1);
    const ah = snap([inst({ version: 2, advertIntervalCs: 100, authPass: true, authAh: true, multicast: undefined })]);
    expect(find(ah, "1.3.6.1.4.1.9586.100.5.2.3.1.15.1")?.value).toBe(2); // vrrpInstanceAuthType: AH
    expect(find(v2, "1.3.6.1.4.1.9586.100.5.2.3.1.35.1")).toBeUndefined();
    expect(find(v2, "1.3.6.1.2.1.207.1.1.1.1.6.3.51.1")).toBeUndefined();
    const v3 = snap([inst()]);
    expect(find(v3, "1.3.6.1.4.1.9586.100.5.2.3.1.12.1")?.value).toBe(10);
    expect(find(v3, "1.3.6.1.2.1.207.1.1.1.1.6.3.51.1")?.value).toBe(3); // master
    expect(find(v3, "1.3.6.1.2.1.207.1.1.2.1.2.3.51.1.198.51.100.51")?.value).toBe(1);
  });
  it("traps carry keepalived's varbinds: STOP is 5, the new-master notification the address and reason", () => {
    const t = instanceStateTrap(inst(), true, "node-a");
    expect(t.oid.join(".")).toBe("1.3.6.1.4.1.9586.100.5.2.10.0.2");
    expect(t.varbinds.map((v) => v.value)).toEqual([Buffer.from("VI_1"), 5, 1, Buffer.from("node-a")]);
    expect(newMasterNotification(inst({ version: 2 }))).toBeUndefined();
    expect(newMasterNotification(inst())!.varbinds.map((v) => v.oid.join("."))).toEqual([
      "1.3.6.1.2.1.207.1.1.1.1.3.3.51.1",
      "1.3.6.1.2.1.207.1.2.5.1.2.3.51.1",
    ]);
  });
  it("snmp_socket forms: unix:PATH, /PATH, tcp:HOST:PORT; udp is refused with a reason", () => {
    expect(agentxTarget("unix:/var/agentx/master")).toEqual({ path: "/var/agentx/master" });
    expect(agentxTarget("tcp:localhost:705")).toEqual({ host: "localhost", port: 705 });
    expect(agentxTarget("[::1]:705")).toEqual({ host: "::1", port: 705 });
    expect(agentxTarget("udp:localhost:161")).toMatch(/unsupported AgentX socket/);
  });
});
