// A reader of a daemon's notify FIFO (vrrp_notify_fifo): collects every line written to it from
// the moment it opened until close().
import { createReadStream } from "node:fs";

export interface FifoReader {
  /** The lines read so far, without the empty ones. */
  lines(): string[];
  close(): void;
}

/**
 * Resolves once the FIFO is open: the open runs on the thread pool, and a daemon that stops (and
 * removes the FIFO it created) before it lands would leave the reader nothing to open.
 */
export async function readFifo(path: string): Promise<FifoReader> {
  let text = "";
  const s = createReadStream(path, { encoding: "utf8" });
  s.on("data", (d) => (text += String(d)));
  await new Promise<void>((resolve, reject) => {
    s.once("open", () => resolve());
    s.once("error", reject);
  });
  s.on("error", () => undefined);
  return { lines: () => text.split("\n").filter(Boolean), close: () => s.destroy() };
}

/** The global_defs of a daemon writing `fifo` (GARPs sent at once), with `extra` lines inside. */
export const fifoGlobalDefs = (fifo: string, extra = ""): string =>
  `global_defs {\n  vrrp_notify_fifo ${fifo}\n  vrrp_garp_master_delay 0\n${extra}}\n`;
