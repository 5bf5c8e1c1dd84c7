// The nftables adapter: keeps the blocked addresses per instance and hands the whole ruleset to
// the nft CLI as one atomic transaction (`nft -f -`, script on stdin).
//
// Why the CLI and its text syntax rather than libnftnl (keepalived) or `nft -j`: nft is already on
// every host that has nftables, the text script is exactly what `nft list ruleset` prints back (an
// operator can read and diff it), and one `-f` run is one kernel transaction, so a table is replaced
// whole. The root daemon runs it by absolute path, with no shell, an empty environment and a
// timeout; nothing from the configuration reaches the script unchecked (table name, addresses and
// interface names are validated in vip-block.ts).
import { spawn } from "node:child_process";
import { nftRemoveScript, nftScript, type BlockedAddress, type FirewallSettings } from "./vip-block.js";
import { errorFields } from "../error-fields.js";

export const NFT_PATH = "/usr/sbin/nft";

export class NftError extends Error {
  readonly code = "NFT_FAILED";
  constructor(message: string) {
    super(message);
    this.name = "NftError";
  }
}

/** Runs `nft -f -` with `script` on stdin; rejects with nft's first error line. */
export function runNft(script: string, path = NFT_PATH, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, ["-f", "-"], { stdio: ["pipe", "ignore", "pipe"], env: {}, timeout: timeoutMs });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    child.on("error", (e) => reject(new NftError(`${path}: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else {
        const first = err.split("\n").find((l) => l.trim() !== "") ?? "";
        reject(new NftError(`${path} -f - exited with ${code ?? signal}${first ? `: ${first.trim()}` : ""}`));
      }
    });
    child.stdin.on("error", () => undefined); // nft exiting early is reported by "close"
    child.stdin.end(script);
  });
}

export interface FirewallLog {
  info(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/**
 * The daemon's VIP firewall. Changes are applied in call order (one nft run at a time); a failed
 * run is logged and the daemon carries on, as keepalived does when a netlink batch fails.
 */
export class VipFirewall {
  private readonly blocked = new Map<string, readonly BlockedAddress[]>();
  /** Tables written so far: kept (possibly empty) until close(), as keepalived keeps them. */
  private readonly families = new Set<4 | 6>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: FirewallSettings,
    private readonly log: FirewallLog,
    private readonly run: (script: string) => Promise<void> = (s) => runNft(s),
  ) {}

  get table(): string {
    return this.settings.table;
  }

  /** Tables a crashed run left behind are removed at start (keepalived check_and_delete_tables). */
  removeLeftovers(): Promise<void> {
    return this.apply(nftRemoveScript(this.settings, new Set([4, 6])), "nftables tables of an earlier run removed (if any)");
  }

  block(owner: string, addresses: readonly BlockedAddress[]): Promise<void> {
    this.blocked.set(owner, addresses);
    for (const a of addresses) this.families.add(a.family);
    return this.sync(owner, "blocking");
  }

  unblock(owner: string): Promise<void> {
    if (!this.blocked.delete(owner)) return this.queue;
    return this.sync(owner, "unblocking");
  }

  /** At stop: the tables go (keepalived nft_cleanup). */
  close(): Promise<void> {
    this.blocked.clear();
    if (this.families.size === 0) return this.queue;
    const script = nftRemoveScript(this.settings, new Set(this.families));
    this.families.clear();
    return this.apply(script, "nftables tables removed");
  }

  private sync(owner: string, what: string): Promise<void> {
    if (this.families.size === 0) return this.queue;
    const blocked = [...this.blocked.values()].flat();
    const script = nftScript(this.settings, new Set(this.families), blocked);
    return this.apply(script, `${what} traffic to and from VIPs (no accept mode)`, owner, blocked);
  }

  private apply(script: string, done: string, owner?: string, blocked: readonly BlockedAddress[] = []): Promise<void> {
    this.queue = this.queue.then(async () => {
      const fields = { table: this.settings.table, ...(owner ? { instance: owner } : {}) };
      try {
        await this.run(script);
        // what this script blocks (later changes are queued behind it)
        this.log.info({ ...fields, blocked: blocked.map((a) => a.address) }, done);
      } catch (e) {
        this.log.error({ ...fields, ...errorFields(e) }, `nftables update failed (${done}); VIP traffic is not filtered as configured`);
      }
    });
    return this.queue;
  }
}
