// The advert sockets: one per interface and family (and auth_type AH), shared by the instances on
// it; closed when the interface is renamed or gone. The drivers bind to them.
import { AdvertSocket, type ReceivedAdvert } from "../net/advert-socket.js";
import type { LinkInfo } from "../netlink/rtnl.js";
import type { Logger } from "../operator/log.js";
import type { ResolvedInstance } from "./router-config.js";
import { errorFields } from "../error-fields.js";

/** auth_type AH instances (IPv4 only) share a protocol 51 socket on the interface. */
const isAh = (spec: ResolvedInstance): boolean => spec.receive.ahKey !== undefined && spec.config.family === 4;
const socketKey = (spec: ResolvedInstance): string => `${spec.interface}/${spec.config.family}${isAh(spec) ? "/ah" : ""}`;

export class AdvertSockets {
  private readonly sockets = new Map<string, AdvertSocket>();
  /** Malformed packets counted by sockets closed since (renamed or removed interfaces). */
  private retiredMalformed = 0;

  constructor(
    private readonly log: Logger,
    private readonly onAdvert: (rx: ReceivedAdvert) => void,
  ) {}

  /** Packets too short or malformed to read an IP header from, over every socket so far. */
  get malformed(): number {
    let n = this.retiredMalformed;
    for (const s of this.sockets.values()) n += s.malformed;
    return n;
  }

  clearStats(): void {
    for (const s of this.sockets.values()) s.malformed = 0;
    this.retiredMalformed = 0;
  }

  /** The instance's socket if one is open, nothing opened or joined (the takeover warm-up). */
  existing(spec: ResolvedInstance): AdvertSocket | undefined {
    return this.sockets.get(socketKey(spec));
  }

  /** The instance's socket on `link`, opened at first use (throws when it cannot be opened). */
  socketFor(spec: ResolvedInstance, link: LinkInfo): AdvertSocket {
    const family = spec.config.family;
    const ah = isAh(spec);
    const key = socketKey(spec);
    let sock = this.sockets.get(key);
    if (!sock) {
      sock = new AdvertSocket({ ifname: spec.interface, ifindex: link.index, family, ...(ah ? { ah } : {}) }, this.onAdvert, (err) =>
        this.log.warn({ interface: spec.interface, ...errorFields(err) }, "advert socket error; continuing"),
      );
      this.sockets.set(key, sock);
    }
    // mcast_dst_ip / vrrp_mcast_group4|6: the shared socket joins that group too (keepalived
    // if_join_vrrp_group); adverts to other groups are not taken by the instance (sameDelivery).
    const group = spec.receive.multicastGroup;
    if (group && spec.receive.unicastPeers.length === 0) sock.joinGroup(group);
    return sock;
  }

  /** The interface is gone or no longer carries its name: its sockets close (the drivers unbind themselves). */
  closeOn(gone: LinkInfo): void {
    this.closeWhere((sock) => sock.options.ifindex === gone.index);
  }

  close(): void {
    this.closeWhere(() => true);
  }

  private closeWhere(which: (sock: AdvertSocket) => boolean): void {
    for (const [key, sock] of this.sockets) {
      if (!which(sock)) continue;
      this.retiredMalformed += sock.malformed;
      sock.close();
      this.sockets.delete(key);
    }
  }
}
