// What the OPENSHIFT_HA_* plan needs from the node, read through netlink.
import type { HostFacts } from "../config/openshift-env.js";
import { Rtnl } from "../netlink/rtnl.js";
import { formatAddress } from "../vrrp/address.js";

export async function readHostFacts(rtnl: Rtnl): Promise<HostFacts> {
  const links = await rtnl.links();
  const addrs = await rtnl.addresses();
  const defIndex = await rtnl.defaultRouteIndex().catch(() => undefined);
  return {
    interfaceExists: (name) => links.some((l) => l.name === name),
    ipv4Of: (name) => {
      const l = links.find((x) => x.name === name);
      const a = l && addrs.find((x) => x.index === l.index && x.family === 4);
      return a ? formatAddress(a.address) : undefined;
    },
    defaultRouteInterface: () => links.find((l) => l.index === defIndex)?.name,
  };
}
