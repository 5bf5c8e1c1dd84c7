import { addressBytes, type Family } from "../../src/vrrp/address.js";
import { defaultInstanceConfig, type Action, type InstanceConfig } from "../../src/vrrp/instance-types.js";
import { AUTH_NONE, decodeAdvertOrThrow, encodeAdvert, type Advert, type Version } from "../../src/vrrp/packet.js";

export const ip = (s: string) => addressBytes(s);

export function config(p: Partial<InstanceConfig> = {}): InstanceConfig {
  return defaultInstanceConfig({ vrid: 7, primaryAddress: ip("192.0.2.10"), vips: [ip("192.0.2.100")], ...p });
}

/** Builds an advert the way the runtime does: encode, then decode through the real codec. */
export function advert(o: {
  priority: number;
  version?: Version;
  family?: Family;
  vrid?: number;
  intervalCs?: number;
  vips?: string[];
  src?: string;
  authType?: number;
  authKey?: string;
}): Advert {
  const family = o.family ?? 4;
  const src = o.src ?? (family === 4 ? "192.0.2.20" : "fe80::20");
  const dst = family === 4 ? "224.0.0.18" : "ff02::12";
  const bytes = encodeAdvert({
    version: o.version ?? 2,
    family,
    vrid: o.vrid ?? 7,
    addresses: o.vips ?? (family === 4 ? ["192.0.2.100"] : ["2001:db8::100"]),
    authType: o.authType ?? AUTH_NONE,
    ...(o.authKey !== undefined ? { authKey: o.authKey } : {}),
    src,
    dst,
    priority: o.priority,
    intervalCs: o.intervalCs ?? 100,
  });
  return decodeAdvertOrThrow(bytes, family, ip(src), ip(dst));
}

export const types = (actions: Action[]) => actions.filter((a) => a.type !== "log").map((a) => a.type);
export const stateOf = (actions: Action[]) => actions.find((a): a is Extract<Action, { type: "state" }> => a.type === "state");
