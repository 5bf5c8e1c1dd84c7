// --log-json is for machines: string levels, ISO times, no internal fields; the text streams keep
// keepalived's words. Runs the built logger (dist/, as the daemon runs it) in a child process.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const LOG = new URL("../../dist/operator/log.js", import.meta.url).href;

function run(opts: string): { stdout: string; stderr: string } {
  const script = `import { createLogger } from ${JSON.stringify(LOG)};
const log = createLogger(${opts});
log.info({ kl: true, instance: "VI_1", vrid: 9, interface: "eth0", from: "BACKUP" }, "(VI_1) Entering MASTER STATE");
log.warn({ path: "/x" }, "cannot open");
log.debug("not shown without -D");`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe("--log-json", () => {
  it("writes string levels, ISO 8601 UTC times and no kl field", () => {
    const lines = run("{ json: true, detail: false }").stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: "info", msg: "(VI_1) Entering MASTER STATE", instance: "VI_1", vrid: 9, from: "BACKUP" });
    expect(b).toMatchObject({ level: "warn", msg: "cannot open", path: "/x" });
    for (const o of [a!, b!]) {
      expect(o).not.toHaveProperty("kl");
      expect(o.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(String(o.time)) - Date.now())).toBeLessThan(60_000);
    }
  });

  it("the console keeps keepalived's words", () => {
    const lines = run("{ console: true, detail: false }").stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: \(VI_1\) Entering MASTER STATE$/);
    expect(lines[1]).toMatch(/: cannot open path=\/x$/);
  });
});
