// Binds instances to interfaces: one shared advert socket per interface and family, an encoder
// per instance, a packet socket for announcements; unbinds when an interface is renamed or gone.
import { AdvertSocket, type ReceivedAdvert } from "../net/advert-socket.js";
import type { Announcer } from "../net/announce.js";
import type { LinkInfo } from "../netlink/rtnl.js";
import { AUTH_AH, AUTH_NONE, AUTH_PASS, AdvertEncoder, passwordBytes } from "../vrrp/packet.js";
import type { InstanceIo } from "./instance-io.js";
import type { Logger } from "../operator/log.js";
import { errorFields } from "../error-fields.js";

/** The instance's advert encoder: its VIPs (bar excluded ones), authentication and destination. */
export function advertEncoder(io: Pick<InstanceIo, "spec" | "ri" | "vips">, src: Uint8Array): AdvertEncoder {
  const { spec } = io;
  return new AdvertEncoder({
    version: spec.version,
    family: spec.family,
    vrid: spec.vrid,
    addresses: io.vips.filter((v) => !v.excluded).map((v) => v.bytes),
    authType: spec.authPass === undefined ? AUTH_NONE : spec.authAh ? AUTH_AH : AUTH_PASS,
    authKey: passwordBytes(spec.authPass ?? ""),
    src,
    // The first target's; the executor sets each unicast peer's before sending to it.
    dst: io.ri.sendTargets[0]!.checksumDst,
    v3ChecksumAsV2: spec.v3ChecksumAsV2,
  });
}

export class SocketBinder {
  private readonly sockets = new Map<string, AdvertSocket>();
  /** Malformed packets counted by sockets closed since (renamed or removed interfaces). */
  private retiredMalformed = 0;

  constructor(
    private readonly announcer: Announcer,
    private readonly log: Logger,
    private readonly onAdvert: (rx: ReceivedAdvert) => void,
    private readonly bound: () => Iterable<InstanceIo>,
  ) {}

  /** Packets too short or malformed to read an IP header from, over every socket so far. */
  get malformed(): number {
    let n = this.retiredMalformed;
    for (const s of this.sockets.values()) n += s.malformed;
    return n;
  }

  clearCounters(): void {
    for (const s of this.sockets.values()) s.malformed = 0;
    this.retiredMalformed = 0;
  }

  attach(io: InstanceIo, link: LinkInfo, src: Uint8Array): void {
    const { spec } = io;
    io.src = src;
    io.encoder = advertEncoder(io, src);
    // auth_type AH instances (IPv4 only) share a protocol 51 socket on the interface.
    const ah = io.ri.spec.receive.ahKey !== undefined && spec.family === 4;
    const key = `${spec.interface}/${spec.family}${ah ? "/ah" : ""}`;
    let sock = this.sockets.get(key);
    if (!sock) {
      sock = new AdvertSocket(
        { ifname: spec.interface, ifindex: link.index, family: spec.family, ...(ah ? { ah } : {}) },
        this.onAdvert,
        (err) => this.log.warn({ interface: spec.interface, ...errorFields(err) }, "advert socket error; continuing"),
      );
      this.sockets.set(key, sock);
    }
    // mcast_dst_ip / vrrp_mcast_group4|6: the shared socket joins that group too (keepalived
    // if_join_vrrp_group); adverts to other groups are not taken by the instance (sameDelivery).
    const group = io.ri.spec.receive.multicastGroup;
    if (group && io.ri.spec.receive.unicastPeers.length === 0) sock.joinGroup(group);
    io.socket = sock;
    // VIPs on other interfaces get their socket at the first announcement (an open costs
    // microseconds); the instance's own is opened now so a failure shows at start.
    if (io.vips.some((v) => v.ifname === spec.interface))
      try {
        this.announcer.prepare(spec.interface, link.index);
      } catch (e) {
        io.log.warn(
          { dev: spec.interface, ...errorFields(e) },
          "cannot open a packet socket for gratuitous ARP / NA; takeovers will try again",
        );
      }
  }

  /** The interface is gone or no longer carries its name: close its sockets, unbind their instances. */
  unbind(gone: LinkInfo): void {
    for (const [key, sock] of this.sockets) {
      if (sock.options.ifindex !== gone.index) continue;
      this.retiredMalformed += sock.malformed;
      sock.close();
      this.sockets.delete(key);
      for (const io of this.bound()) {
        if (io.socket !== sock) continue;
        io.socket = undefined;
        io.encoder = undefined;
        io.log.warn(
          { interface: gone.name, ifindex: gone.index },
          `interface ${gone.name} was renamed or removed; the instance binds again when an interface named ${io.spec.interface} is up`,
        );
      }
    }
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
