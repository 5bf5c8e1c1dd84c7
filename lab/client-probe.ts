// A client of the VIP on the lab LAN: `ping` every 10 ms from its own namespace, replies kept with
// their kernel timestamps (-D), so an outage is the longest silence between two replies as a
// client sees it (ARP cache and all), not what the routers believe.
import type { ChildProcess } from "node:child_process";
import type { Lab } from "./netns.js";

export class ClientProbe {
  /** Wall-clock ms (ping's -D timestamps) of every echo reply, in order. */
  readonly replies: number[] = [];
  private readonly child: ChildProcess;
  private buf = "";

  constructor(lab: Lab, client: string, vip: string, intervalMs = 10) {
    const v6 = vip.includes(":");
    this.child = lab.spawn(client, "ping", [...(v6 ? ["-6"] : []), "-D", "-n", "-i", String(intervalMs / 1000), "-W", "1", vip]);
    this.child.stdout?.on("data", (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const m = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(line);
        if (m) this.replies.push(Number(m[1]) * 1000);
      }
    });
  }

  /** Replies at or after `sinceMs` (wall clock). */
  repliesSince(sinceMs: number): number {
    return this.replies.filter((t) => t >= sinceMs).length;
  }

  /**
   * The longest time without a reply in [fromMs, toMs]: from `fromMs` (or the last reply before
   * it) to each next reply. Silence still running at `toMs` counts up to `toMs`.
   */
  longestGap(fromMs: number, toMs: number): number {
    let last = fromMs;
    for (let i = this.replies.length - 1; i >= 0; i--) {
      if (this.replies[i]! < fromMs) {
        last = this.replies[i]!;
        break;
      }
    }
    let worst = 0;
    for (const t of this.replies) {
      if (t < fromMs || t > toMs) continue;
      worst = Math.max(worst, t - last);
      last = t;
    }
    return Math.max(worst, toMs - last);
  }

  stop(): void {
    this.child.kill("SIGINT");
  }
}
