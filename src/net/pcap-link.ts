// One libpcap handle on an interface (package `cap`): injects Ethernet frames (gratuitous ARP,
// unsolicited NA) and, with a filter, receives frames with their full IP headers (IPv6 adverts,
// whose hop limit a raw socket cannot show). Chosen because raw-socket has no AF_PACKET.
import { createRequire } from "node:module";
import { sealDescriptors } from "../native/helper.js";

const require = createRequire(import.meta.url);

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  send(buffer: Buffer, length?: number): void;
  on(event: "packet", cb: (nbytes: number, truncated: boolean) => void): void;
  close(): void;
}

export class PcapError extends Error {
  readonly code = "PCAP_OPEN";
  constructor(
    readonly ifname: string,
    cause: string,
  ) {
    super(`cannot open packet capture on ${ifname}: ${cause}`);
    this.name = "PcapError";
  }
}

export class PcapLink {
  private readonly cap: CapHandle;
  private readonly buffer = Buffer.alloc(65_536);
  private closed = false;

  /** `filter`: a BPF expression; frames matching it are passed to onFrame. */
  constructor(
    readonly ifname: string,
    filter: string,
    onFrame?: (frame: Buffer) => void,
  ) {
    const { Cap } = require("cap") as { Cap: new () => CapHandle };
    this.cap = new Cap();
    try {
      const linkType = this.cap.open(ifname, filter, 1024 * 1024, this.buffer);
      if (linkType !== "ETHERNET") throw new Error(`link type ${linkType}, need ETHERNET`);
    } catch (e) {
      throw new PcapError(ifname, (e as Error).message);
    }
    sealDescriptors(); // libpcap's packet socket is not close-on-exec
    this.cap.setMinBytes?.(0);
    if (onFrame) this.cap.on("packet", (n) => onFrame(this.buffer.subarray(0, n)));
  }

  send(frame: Buffer): void {
    if (!this.closed) this.cap.send(frame, frame.length);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cap.close();
  }
}
