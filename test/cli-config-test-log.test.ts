// -tLOG_FILE appends the test's output to LOG_FILE (keepalived parse_cmdline), and makes it 0600.
// Until today tsvrrpd read -tFILE as the file to check, so `tsvrrpd -t/etc/keepalived/keepalived.conf`
// (the old form, or a slip for -f) would append warnings into the configuration and chmod it.
// A log file that is the configuration or one of its includes is refused, and nothing is written.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** main() for a -t run, which ends in process.exit: the exit code and what went to stderr. */
async function run(argv: string[]): Promise<{ code: number | undefined; err: string }> {
  let err = "";
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  vi.spyOn(process, "exit").mockImplementation((code) => {
    throw new Exit(code as number | undefined);
  });
  try {
    await main(argv);
    return { code: undefined, err };
  } catch (e) {
    if (e instanceof Exit) return { code: e.code, err };
    throw e;
  } finally {
    vi.restoreAllMocks();
  }
}

// A warning for -t to print: no vrrp_instance.
const CONF = "global_defs {\n  router_id t\n}\ninclude inc.conf\n";
const INC = "vrrp_sync_group G {\n}\n";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tsvrrpd-tlog-"));
  writeFileSync(join(dir, "k.conf"), CONF);
  writeFileSync(join(dir, "inc.conf"), INC);
  chmodSync(join(dir, "k.conf"), 0o644);
  chmodSync(join(dir, "inc.conf"), 0o644);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe("-t LOG_FILE", () => {
  it("appends the output to another file", async () => {
    const r = await run(["-f", join(dir, "k.conf"), `-t${join(dir, "check.log")}`]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "check.log"), "utf8")).not.toBe("");
  });

  it("refuses the configuration file itself, and leaves it as it was", async () => {
    const conf = join(dir, "k.conf");
    const r = await run(["-f", conf, `-t${conf}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Unable to open config-test log file .*k\.conf: it is the configuration being checked.*-f/);
    expect(readFileSync(conf, "utf8")).toBe(CONF);
    expect(statSync(conf).mode & 0o777).toBe(0o644);
  });

  it("refuses a file the configuration includes, also named by another path", async () => {
    symlinkSync(dir, join(dir, "via"));
    const r = await run(["-f", join(dir, "k.conf"), `--config-test=${join(dir, "via", "inc.conf")}`]);
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir, "inc.conf"), "utf8")).toBe(INC);
    expect(statSync(join(dir, "inc.conf")).mode & 0o777).toBe(0o644);
  });
});
